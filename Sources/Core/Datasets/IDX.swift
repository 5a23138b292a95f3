// The IDX format of MNIST: a 4-byte magic (0, 0, type, rank), big-endian dimensions, then the payload.
// The reader is strict: unsigned-byte data only, sane dimensions, and a payload of exactly the stated size.

public struct IDXArray: Sendable {
    public let dimensions: [Int]
    /// Row-major unsigned bytes.
    public let bytes: [UInt8]
}

public enum IDX {
    /// The dimensions a header states and the header's size, from at least the header's bytes.
    public static func header(_ data: [UInt8], name: String) throws -> (dimensions: [Int], headerSize: Int) {
        guard data.count >= 4 else { throw DataError(name, "too short to be an IDX file (\(data.count) bytes); replace it with the original.") }
        guard data[0] == 0, data[1] == 0 else {
            throw DataError(name, "wrong magic number (the first two bytes must be 0); this is not an IDX file.")
        }
        guard data[2] == 0x08 else {
            throw DataError(name, String(format: "wrong magic number: data type 0x%02x, but only unsigned bytes (0x08) are supported.", data[2]))
        }
        let rank = Int(data[3])
        guard (1...4).contains(rank) else {
            throw DataError(name, "impossible rank \(rank) in the header; MNIST files have 1 (labels) or 3 (images) dimensions.")
        }
        let headerSize = 4 + 4 * rank
        guard data.count >= headerSize else { throw DataError(name, "the header is cut short; replace the file with a complete copy.") }
        var dims = [Int]()
        var total = 1
        for d in 0..<rank {
            let o = 4 + 4 * d
            let v = Int(data[o]) << 24 | Int(data[o + 1]) << 16 | Int(data[o + 2]) << 8 | Int(data[o + 3])
            guard v > 0 else { throw DataError(name, "impossible dimension \(v) in the header (dimension \(d + 1)); the file is damaged.") }
            // Checked: two dimensions near 2³² overflow 64 bits, and the wrapped product could look small.
            let product = total.multipliedReportingOverflow(by: v)
            total = product.partialValue
            guard !product.overflow, total <= 1 << 32 else { throw DataError(name, "impossible dimensions \(dims + [v]) in the header; the file is damaged.") }
            dims.append(v)
        }
        return (dims, headerSize)
    }

    /// The largest header there is: magic and four dimensions.
    public static let largestHeader = 4 + 4 * 4

    public static func parse(_ data: [UInt8], name: String) throws -> IDXArray {
        var owned = data
        return try parse(taking: &owned, name: name)
    }

    /// As `parse`, the payload kept in `data`'s own buffer (the header removed in place), not copied.
    public static func parse(taking data: inout [UInt8], name: String) throws -> IDXArray {
        let (dims, headerSize) = try header(data, name: name)
        let total = dims.reduce(1, *)
        let payload = data.count - headerSize
        guard payload == total else {
            let shape = dims.map(String.init).joined(separator: "×")
            let how = payload < total ? "shorter" : "longer"
            throw DataError(name, "the payload is \(how) than the header says (\(payload) bytes for \(shape) = \(total)); the file is \(payload < total ? "truncated" : "damaged"): replace it.")
        }
        data.removeFirst(headerSize)
        let payloadBytes = data
        data = []
        return IDXArray(dimensions: dims, bytes: payloadBytes)
    }
}
