// The weights file: "LSNW", a format version, the architecture it was trained for, then every
// parameter tensor (rank, dimensions, little-endian float64). Checked field by field on load.
import Numerics

public enum WeightsFile {
    public static let magic: [UInt8] = Array("LSNW".utf8)
    public static let version: UInt32 = 1

    public struct FormatError: Error, CustomStringConvertible { public let description: String }

    /// The architecture line stored in the file: input shape and each layer's summary.
    public static func architecture(_ net: CNN) -> String {
        "input " + net.inputShape.map(String.init).joined(separator: "x") + "; " + net.specs.map(\.summary).joined(separator: "; ")
    }

    /// How many bytes `encode(net)` writes: what a weights file for `net` holds, checked before reading one.
    public static func byteCount(for net: CNN) -> Int {
        net.parameters.reduce(12 + architecture(net).utf8.count + 4) { $0 + 4 + 4 * $1.rank + 8 * $1.count }
    }

    public static func encode(_ net: CNN) -> [UInt8] {
        var out = magic
        // Its size is known: one allocation, not a doubling one that holds two copies as it grows.
        out.reserveCapacity(byteCount(for: net))
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        u32(version)
        let arch = Array(architecture(net).utf8)
        u32(UInt32(arch.count)); out += arch
        let params = net.parameters
        u32(UInt32(params.count))
        for t in params {
            u32(UInt32(t.rank))
            for d in t.shape { u32(UInt32(d)) }
            for v in t.storage { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
        }
        return out
    }

    /// Parameters for `net` from `bytes`; `name` appears in every error.
    public static func decode(_ bytes: [UInt8], for net: CNN, name: String) throws -> [Tensor<Double>] {
        var pos = 0
        func fail(_ why: String) -> FormatError { FormatError(description: "\(name): \(why)") }
        func u32() throws -> UInt32 {
            guard pos + 4 <= bytes.count else { throw fail("the file ends early (truncated); train again or use a complete weights file.") }
            defer { pos += 4 }
            return UInt32(bytes[pos]) | UInt32(bytes[pos + 1]) << 8 | UInt32(bytes[pos + 2]) << 16 | UInt32(bytes[pos + 3]) << 24
        }
        guard bytes.count >= 4, Array(bytes[0..<4]) == magic else {
            throw fail("not a lesson weights file (it does not start with LSNW); pass a file written by `lesson run 3`.")
        }
        pos = 4
        let v = try u32()
        guard v == version else { throw fail("weights format version \(v); this program reads version \(version). Train again to write a current file.") }
        let archLength = Int(try u32())
        guard archLength <= 10_000, pos + archLength <= bytes.count else { throw fail("the architecture record is damaged.") }
        let arch = String(decoding: bytes[pos..<(pos + archLength)], as: UTF8.self)
        pos += archLength
        let expected = architecture(net)
        guard arch == expected else {
            throw fail("weights for another architecture (\(arch)); this lesson's network is \(expected).")
        }
        let shapes = net.parameters.map(\.shape)
        let count = Int(try u32())
        guard count == shapes.count else { throw fail("holds \(count) tensors, the network has \(shapes.count).") }
        var params = [Tensor<Double>]()
        for s in shapes {
            let rank = Int(try u32())
            guard rank == s.count else { throw fail("a tensor of rank \(rank) where the network has \(s).") }
            var dims = [Int]()
            for _ in 0..<rank { dims.append(Int(try u32())) }
            guard dims == s else { throw fail("a tensor of shape \(dims) where the network has \(s).") }
            let n = s.reduce(1, *)
            guard pos + 8 * n <= bytes.count else { throw fail("the file ends early (truncated); train again or use a complete weights file.") }
            var values = [Double](repeating: 0, count: n)
            for k in 0..<n {
                var bits: UInt64 = 0
                for b in 0..<8 { bits |= UInt64(bytes[pos + 8 * k + b]) << (8 * b) }
                values[k] = Double(bitPattern: bits)
            }
            guard values.allSatisfy(\.isFinite) else { throw fail("holds values that are not finite numbers; the file is damaged.") }
            pos += 8 * n
            params.append(Tensor(shape: s, storage: values))
        }
        guard pos == bytes.count else { throw fail("has \(bytes.count - pos) bytes after the last tensor; the file is damaged.") }
        return params
    }

    /// Any weights file, without a network to check it against: its architecture line and tensors
    /// in file order (weights then biases, per layer with parameters). For comparing two runs.
    public static func read(_ bytes: [UInt8], name: String) throws -> (architecture: String, tensors: [Tensor<Double>]) {
        var pos = 0
        func fail(_ why: String) -> FormatError { FormatError(description: "\(name): \(why)") }
        func u32() throws -> Int {
            guard pos + 4 <= bytes.count else { throw fail("the file ends early (truncated); use a complete weights file.") }
            defer { pos += 4 }
            return Int(UInt32(bytes[pos]) | UInt32(bytes[pos + 1]) << 8 | UInt32(bytes[pos + 2]) << 16 | UInt32(bytes[pos + 3]) << 24)
        }
        guard bytes.count >= 4, Array(bytes[0..<4]) == magic else {
            throw fail("not a lesson weights file (it does not start with LSNW).")
        }
        pos = 4
        let v = try u32()
        guard v == Int(version) else { throw fail("weights format version \(v); this program reads version \(version).") }
        let archLength = try u32()
        guard archLength <= 10_000, pos + archLength <= bytes.count else { throw fail("the architecture record is damaged.") }
        let arch = String(decoding: bytes[pos..<(pos + archLength)], as: UTF8.self)
        pos += archLength
        let count = try u32()
        guard count <= 1_000 else { throw fail("claims \(count) tensors; the file is damaged.") }
        var tensors = [Tensor<Double>]()
        for _ in 0..<count {
            let rank = try u32()
            guard (1...8).contains(rank) else { throw fail("a tensor of rank \(rank); the file is damaged.") }
            var dims = [Int]()
            for _ in 0..<rank { dims.append(try u32()) }
            // Every dimension at least 1, and the product counted without overflow: a header that claims
            // [2³²−1, 2³²−1, 0] must be refused here, not multiplied out later.
            guard dims.allSatisfy({ $0 > 0 }), let n = CheckedInt.product(dims).value else {
                throw fail("a tensor of impossible shape \(dims); the file is damaged.")
            }
            guard n <= (bytes.count - pos) / 8 else { throw fail("the file ends early (truncated); use a complete weights file.") }
            let values = (0..<n).map { k -> Double in
                var bits: UInt64 = 0
                for b in 0..<8 { bits |= UInt64(bytes[pos + 8 * k + b]) << (8 * b) }
                return Double(bitPattern: bits)
            }
            pos += 8 * n
            tensors.append(Tensor(shape: dims, storage: values))
        }
        guard pos == bytes.count else { throw fail("has \(bytes.count - pos) bytes after the last tensor; the file is damaged.") }
        return (arch, tensors)
    }
}
