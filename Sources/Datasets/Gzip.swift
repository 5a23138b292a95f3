// Gunzip through zlib's inflate, member after member, with truncated and corrupt streams and
// trailing bytes reported as errors, not crashes.
import CZlib
import Foundation

public enum Gzip {
    /// zlib's own version string, e.g. "1.2.13".
    public static var zlibVersion: String { String(cString: CZlib.zlibVersion()) }

    /// The decompressed bytes of a gzip stream; `name` is used in error messages.
    public static func decompress(_ data: [UInt8], name: String) throws -> [UInt8] {
        guard data.count >= 18, data[0] == 0x1f, data[1] == 0x8b else {
            throw DataError(name, "not a gzip file (it does not start with the gzip signature); replace it with the original .gz file.")
        }
        var stream = z_stream()
        // 16 + MAX_WBITS: expect a gzip header and trailer.
        guard inflateInit2_(&stream, 16 + 15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError(name, "zlib could not start decompressing.")
        }
        defer { inflateEnd(&stream) }
        // The gzip trailer's last 4 bytes hold the size mod 2^32: a good first guess for the buffer, but a
        // damaged trailer can claim anything, and deflate never expands more than about 1032:1.
        let hinted = Int(UInt32(data[data.count - 4]) | UInt32(data[data.count - 3]) << 8 | UInt32(data[data.count - 2]) << 16 | UInt32(data[data.count - 1]) << 24)
        var out = [UInt8](repeating: 0, count: max(1024, min(hinted, data.count * 1032) + 1))
        var produced = 0
        var status: Int32 = Z_OK
        try data.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!)
            stream.avail_in = uInt(input.count)
            while true {
                if produced == out.count { out.append(contentsOf: [UInt8](repeating: 0, count: out.count)) }
                let room = out.count - produced
                status = out.withUnsafeMutableBufferPointer { o -> Int32 in
                    stream.next_out = o.baseAddress! + produced
                    stream.avail_out = uInt(room)
                    let s = inflate(&stream, Z_NO_FLUSH)
                    produced += room - Int(stream.avail_out)
                    return s
                }
                if status == Z_STREAM_END {
                    // A file may hold several gzip members, one after another (gzip(1) reads them all);
                    // anything else after the end is damage, not data to ignore.
                    guard stream.avail_in > 0 else { break }
                    let rest = input.count - Int(stream.avail_in)
                    guard stream.avail_in >= 2, input[rest] == 0x1f, input[rest + 1] == 0x8b else {
                        throw DataError(name, "\(stream.avail_in) bytes follow the end of the gzip data; the file is damaged: replace it with the original.")
                    }
                    guard inflateReset(&stream) == Z_OK else { throw DataError(name, "zlib could not start the next gzip member.") }
                    continue
                }
                if status == Z_DATA_ERROR || status == Z_NEED_DICT || status == Z_MEM_ERROR {
                    let why = stream.msg.map { String(cString: $0) } ?? "invalid data"
                    throw DataError(name, "the gzip data is corrupt (\(why)); replace the file with a good copy.")
                }
                if status == Z_BUF_ERROR && stream.avail_in == 0 {
                    throw DataError(name, "the gzip file is truncated (it ends before the compressed data does); replace it with a complete copy.")
                }
                if stream.avail_in == 0 && stream.avail_out > 0 && status == Z_OK {
                    throw DataError(name, "the gzip file is truncated (it ends before the compressed data does); replace it with a complete copy.")
                }
            }
        }
        out.removeSubrange(produced...)
        return out
    }
}
