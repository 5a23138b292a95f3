// SHA-256 verification against a `SHA256SUMS` file (the `sha256sum` format: "HEX  NAME" per line).
import CMD
import Foundation

public enum Checksum {
    /// The SHA-256 of `bytes` as 64 lowercase hex digits (libmd's SHA256Data, as `sha256sum` prints it).
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        var text = [CChar](repeating: 0, count: Int(SHA256_DIGEST_LENGTH) * 2 + 1)  // hex digits and a NUL
        bytes.withUnsafeBufferPointer { b in _ = SHA256Data(b.baseAddress, b.count, &text) }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Expected digests by file name, or nil when the folder has no SHA256SUMS.
    public static func readSums(in directory: URL) throws -> [String: String]? {
        let url = directory.appendingPathComponent("SHA256SUMS")
        guard let bytes = try DataFile.contents(url, limit: DataFile.largestSums, kind: "checksum list") else { return nil }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DataError(url.path, "cannot read the checksum list; restore it from the repository.")
        }
        var sums = [String: String]()
        // Lines end in LF or CRLF (a file saved on Windows); Swift reads "\r\n" as one newline character.
        for (i, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() where !line.isEmpty {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].count == 64, parts[0].allSatisfy(\.isHexDigit) else {
                throw DataError("\(url.path):\(i + 1)", "not a \"SHA256  NAME\" line; restore the file from the repository.")
            }
            sums[String(parts[1].drop { $0 == "*" })] = parts[0].lowercased()
        }
        return sums
    }

    public static func verify(_ bytes: [UInt8], name: String, path: String, sums: [String: String]) throws {
        guard let expected = sums[name] else {
            throw DataError(path, "has no entry in SHA256SUMS; add its checksum or restore the folder.")
        }
        let actual = sha256Hex(bytes)
        guard actual == expected else {
            throw DataError(path, "wrong checksum (SHA-256 \(actual.prefix(12))…, expected \(expected.prefix(12))…); the file is damaged or was replaced: restore it from the repository.")
        }
    }
}
