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
        switch FileRead.bounded(url.path, limit: limit) {
        case .bytes(let bytes): return bytes
        case .missing: return nil
        case .notRegular: throw DataError(url.path, "not a regular file (a folder, a pipe or a device); put the \(kind) itself here.")
        case .tooLarge(let size):
            throw DataError(url.path, "\(size) bytes, more than a \(kind) holds (at most \(limit)); the file is damaged or not the one expected: replace it.")
        case .grew: throw DataError(url.path, "changed while being read; replace it and try again.")
        case .unreadable(let e) where e == EACCES || e == EPERM: throw DataError(url.path, "cannot be read (permission denied); check its permissions.")
        case .unreadable: throw DataError(url.path, "cannot be read; check the file and its permissions.")
        }
    }
}

/// A regular file read whole, once: straight from the file into one array of the size it was measured
/// at (no Data in between, so its bytes are never held twice), for every file the program reads.
public enum FileRead {
    public enum Outcome: Sendable { case bytes([UInt8]), missing, notRegular, tooLarge(Int), grew, unreadable(Int32) }

    /// The file at `path` measured, then read whole if it is a regular file of at most `limit` bytes;
    /// anything else is said without reading a byte (each caller words it for its kind of file).
    public static func bounded(_ path: String, limit: Int) -> Outcome {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return .missing }
        guard attributes[.type] as? FileAttributeType == .typeRegular else { return .notRegular }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        guard size <= limit else { return .tooLarge(size) }
        return whole(path, size: size)
    }

    /// The bytes of the file at `path`, measured at `size` bytes (checked against its kind's limit by the
    /// caller); `.grew` when it holds more than that by the time it is read.
    public static func whole(_ path: String, size: Int) -> Outcome {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .unreadable(errno) }
        defer { close(fd) }
        // One byte of room past the size tells a file that grew from one that did not.
        let capacity = max(0, size) + 1
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            var done = 0
            while done < capacity {
                let n = read(fd, buffer.baseAddress! + done, capacity - done)
                if n < 0 { if errno == EINTR { continue }; failure = errno; break }
                if n == 0 { break }
                done += n
            }
            count = done
        }
        if failure != 0 { return .unreadable(failure) }
        return bytes.count > size ? .grew : .bytes(bytes)
    }
}
