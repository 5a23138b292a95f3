// SHA-256 verification against a `SHA256SUMS` file (the `sha256sum` format: "HEX  NAME" per line).
import Crypto
import Foundation

public enum Checksum {
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Expected digests by file name, or nil when the folder has no SHA256SUMS.
    public static func readSums(in directory: URL) throws -> [String: String]? {
        let url = directory.appendingPathComponent("SHA256SUMS")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw DataError(url.path, "cannot read the checksum list; restore it from the repository.")
        }
        var sums = [String: String]()
        for (i, line) in text.split(separator: "\n").enumerated() {
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
