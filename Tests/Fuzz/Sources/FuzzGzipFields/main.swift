// Structure-aware libFuzzer target: gzipped IDX files built from the fuzzer's choices and then
// damaged field by field (the IDX dimensions against the payload's real length, runs of zeros that
// inflate to megabytes from a few bytes, gzip header flags, the trailer's CRC and size, a second
// member, trailing bytes). Inputs of this kind decompress past the 16 kB raw targets' max_len.
// Whatever the reader accepts must hold exactly what its header says; it must never return more.
import CZlibFuzz
import Datasets
import FuzzSupport

func deflateGzip(_ input: [UInt8]) -> [UInt8] {
    var s = z_stream()
    deflateInit2_(&s, 1, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    defer { deflateEnd(&s) }
    var out = [UInt8](repeating: 0, count: Int(deflateBound(&s, uLong(input.count))) + 64)
    var source = input
    let produced = source.withUnsafeMutableBufferPointer { i in
        out.withUnsafeMutableBufferPointer { o -> Int in
            s.next_in = i.baseAddress; s.avail_in = uInt(i.count)
            s.next_out = o.baseAddress; s.avail_out = uInt(o.count)
            deflate(&s, Z_FINISH)
            return o.count - Int(s.avail_out)
        }
    }
    return Array(out.prefix(produced))
}

runFuzzer { data, size in
    var c = Choices(bytes(data, size))
    // The IDX header: rank 1 to 4 (sometimes outside), each dimension an interesting number.
    let rank = c.below(8) == 0 ? c.below(256) : 1 + c.below(4)
    var header: [UInt8] = [0, 0, c.below(16) == 0 ? c.byte() : 8, UInt8(truncatingIfNeeded: rank)]
    var claimed = 1
    for _ in 0..<min(rank, 4) {
        let d = UInt32(truncatingIfNeeded: c.interesting())
        header += [UInt8(d >> 24), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)]
        claimed = claimed.multipliedReportingOverflow(by: Int(d)).partialValue
    }
    // The payload: as long as the header says, or off by a little, or a run of up to 8 MiB.
    let length: Int
    switch c.below(4) {
    case 0: length = min(max(claimed, 0), 1 << 23)
    case 1: length = min(max(claimed + c.below(3) - 1, 0), 1 << 23)
    case 2: length = c.below(256) << c.below(16)
    default: length = c.below(1024)
    }
    let fill = c.byte()
    var file = deflateGzip(header + [UInt8](repeating: fill, count: length))
    // Damage to the gzip fields.
    for _ in 0..<c.below(4) {
        switch c.below(8) {
        case 0: file[3] = c.byte()                                            // FLG: FEXTRA, FNAME, FCOMMENT, FHCRC
        case 1: file[8] = c.byte(); file[9] = c.byte()                        // XFL, OS
        case 2: for k in 1...4 { file[file.count - k] = 0xFF }                // ISIZE = 2³²−1
        case 3: let k = file.count - 8 + c.below(4); file[k] ^= 1 << c.below(8)  // the CRC
        case 4: file += deflateGzip([UInt8](repeating: c.byte(), count: c.below(2048)))  // a second member
        case 5: file += (0..<c.below(16)).map { _ in c.byte() }               // trailing bytes
        case 6: file.removeLast(min(file.count, 1 + c.below(16)))             // truncated
        default: let k = 10 + c.below(max(1, file.count - 18)); if k < file.count { file[k] = c.byte() }  // the deflate data
        }
    }
    if let a = try? Gzip.decompressIDX(file, name: "fuzz.gz") {
        precondition(a.bytes.count == a.dimensions.reduce(1, *), "accepted a payload that is not the header's size")
    }
    if let out = try? Gzip.decompress(file, name: "fuzz.gz", limit: 4096, prefixOnly: true) {
        precondition(out.count <= 4096, "returned more than the limit")
    }
    return 0
}
