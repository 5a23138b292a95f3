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
    // The payload: as long as the header says, or off by a little, or a run of zeros. One input in
    // 64 may inflate to up to 5 MiB (past what a raw-byte target's 16 kB inputs reach); the rest
    // stay under 64 kB so the target runs fast.
    let cap = c.below(64) == 0 ? 5 << 20 : 1 << 16
    let length: Int
    switch c.below(4) {
    case 0: length = min(max(claimed, 0), cap)
    case 1: length = min(max(claimed &+ c.below(3) &- 1, 0), cap)  // wrapping: claimed may be Int.max
    case 2: length = min(c.below(256) << c.below(16), cap)
    default: length = c.below(1024)
    }
    let fill = c.byte()
    var file = deflateGzip(header + [UInt8](repeating: fill, count: length))
    // Damage to the gzip fields (each only while the file still has that field: an earlier cut may
    // have shortened it).
    for _ in 0..<c.below(4) {
        let n = file.count
        switch c.below(8) {
        case 0 where n > 3: file[3] = c.byte()                                 // FLG: FEXTRA, FNAME, FCOMMENT, FHCRC
        case 1 where n > 9: file[8] = c.byte(); file[9] = c.byte()             // XFL, OS
        case 2 where n >= 4: for k in 1...4 { file[n - k] = 0xFF }             // ISIZE = 2³²−1
        case 3 where n >= 8: file[n - 8 + c.below(4)] ^= 1 << c.below(8)       // the CRC
        case 4: file += deflateGzip([UInt8](repeating: c.byte(), count: c.below(2048)))  // a second member
        case 5: file += (0..<c.below(16)).map { _ in c.byte() }                // trailing bytes
        case 6: file.removeLast(min(n, 1 + c.below(16)))                       // truncated
        case 7 where n > 10: file[10 + c.below(n - 10)] = c.byte()             // the deflate data
        default: break
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
