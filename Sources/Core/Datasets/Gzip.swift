// Gunzip through zlib's inflate, member after member, with truncated and corrupt streams and
// trailing bytes reported as errors, not crashes.
import CZlib
import Foundation

public enum Gzip {
    /// zlib's own version string, e.g. "1.2.13".
    public static var zlibVersion: String { String(cString: CZlib.zlibVersion()) }

    /// The decompressed bytes of a gzip stream, at most `limit` of them: a stream that holds more
    /// is an error, or, with `prefixOnly`, gives its first `limit` bytes. The trailer's size field is
    /// never trusted: the buffer is sized by the limit and deflate's bound. `name` is used in error messages.
    public static func decompress(_ data: [UInt8], name: String, limit: Int = 1 << 32, prefixOnly: Bool = false) throws -> [UInt8] {
        guard data.count >= 2, data[0] == 0x1f, data[1] == 0x8b else {
            throw DataError(name, "not a gzip file (it does not start with the gzip signature); replace it with the original .gz file.")
        }
        guard data.count >= 18 else {
            throw DataError(name, "the gzip file is truncated (\(data.count) bytes, shorter than a gzip header and trailer); replace it with a complete copy.")
        }
        var stream = z_stream()
        // 16 + MAX_WBITS: expect a gzip header and trailer.
        guard inflateInit2_(&stream, 16 + 15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError(name, "zlib could not start decompressing.")
        }
        defer { inflateEnd(&stream) }
        // One byte past the limit tells "exactly the limit" from "longer". Deflate expands at most
        // 1032-fold, so the output is allocated once at the smaller of that bound and the limit (an
        // IDX file's own size, from its header): no growing copy for any real MNIST file. Uninitialised,
        // so a claimed size costs memory only as inflate fills it; and at most 256 MB up front, so a
        // header that claims gigabytes is not granted them before its data shows them.
        let capacity = limit &+ 1
        let bound = data.count.multipliedReportingOverflow(by: 1032)
        let initial = min(capacity, bound.overflow ? capacity : bound.partialValue &+ (1 << 16), 256 << 20)
        var out = [UInt8](unsafeUninitializedCapacity: initial) { _, n in n = initial }
        var produced = 0
        var status: Int32 = Z_OK
        try data.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!)
            stream.avail_in = uInt(input.count)
            while true {
                if produced == out.count {
                    guard out.count < capacity else { break }
                    out.append(contentsOf: repeatElement(0, count: min(out.count, capacity - out.count)))
                }
                let room = min(out.count - produced, 1 << 30)  // avail_out is 32 bits
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
        if produced > limit {
            guard prefixOnly else { throw DataError(name, "decompresses to more than the \(limit) bytes it should hold; the file is damaged: replace it.") }
            return Array(out[0..<limit])
        }
        out.removeSubrange(produced...)
        return out
    }

    /// A gzipped IDX file, inflated only as far as its header says it reaches (and one byte more, to
    /// tell a file longer than its header); `check` may refuse the header's dimensions first.
    public static func decompressIDX(_ data: [UInt8], name: String, check: ([Int]) throws -> Void = { _ in }) throws -> IDXArray {
        let head = try decompress(data, name: name, limit: IDX.largestHeader, prefixOnly: true)
        let (dims, headerSize) = try IDX.header(head, name: name)
        try check(dims)
        let expected = headerSize + dims.reduce(1, *)
        // One byte past the header's size, as a prefix: more than `expected` bytes means a longer file.
        var all = try decompress(data, name: name, limit: expected + 1, prefixOnly: true)
        guard all.count <= expected else {
            throw DataError(name, "the payload is longer than the header says (\(dims.map(String.init).joined(separator: "×")) = \(expected - headerSize) bytes); the file is damaged: replace it.")
        }
        return try IDX.parse(taking: &all, name: name)
    }
}
