// A data folder's files, measured before they are read: a regular file no larger than its kind can be,
// so a folder, a FIFO, /dev/zero or a 2 GB file in place of MNIST is a message, not an abort.
import Foundation

enum DataFile {
    /// A compressed MNIST-format file: the full training images are under 10 MB; 512 MB holds any
    /// 28 × 28 set a lesson could train on.
    static let largestGzip = 512 << 20
    /// A checksum list: a line per file.
    static let largestSums = 1 << 20

    /// The bytes of `url`, or nil when there is no such file; a file that is not regular, is unreadable
    /// or is over `limit` bytes is an error naming it.
    static func contents(_ url: URL, limit: Int, kind: String) throws -> [UInt8]? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else { return nil }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw DataError(url.path, "not a regular file (a folder, a pipe or a device); put the \(kind) itself here.")
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        guard size <= limit else {
            throw DataError(url.path, "\(size) bytes, more than a \(kind) holds (at most \(limit)); the file is damaged or not the one expected: replace it.")
        }
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw DataError(url.path, "cannot be read (permission denied); check its permissions.")
        }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: limit + 1) ?? Data() else {
            throw DataError(url.path, "cannot be read; check the file and its permissions.")
        }
        guard data.count <= limit else { throw DataError(url.path, "grew past \(limit) bytes while being read; replace it.") }
        return [UInt8](data)
    }
}
