// Reading libFuzzer's bytes as choices, for the structure-aware targets: instead of flipping raw
// bytes (which rarely get past a checksum or a header), each byte picks a field's next value, biased
// to the values that break arithmetic (0, 1, powers of two, 2³²−1, Int.max, ...).

public struct Choices {
    var bytes: [UInt8]
    var position = 0
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public mutating func byte() -> UInt8 {
        defer { position += 1 }
        return position < bytes.count ? bytes[position] : 0
    }

    public mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(byte()) % n }

    public mutating func uint32() -> UInt32 { (0..<4).reduce(0) { v, _ in v << 8 | UInt32(byte()) } }

    /// A whole number for a header or a layer field: mostly small, often an edge.
    public mutating func interesting() -> Int {
        let edges = [0, 1, 2, 3, 4, 5, 7, 9, 10, 16, 28, 255, 256, 1 << 16, (1 << 20), (1 << 20) + 1, (1 << 31) - 1, 1 << 31,
                     (1 << 32) - 1, 1 << 32, 1 << 62, Int.max, Int.max / 2 + 1]
        switch below(4) {
        case 0: return edges[below(edges.count)]
        case 1: return Int(uint32())
        default: return below(40)
        }
    }
}
