// numpy's .npy format (format versions 1.0, 2.0 and 3.0), as numpy.lib.format documents it: the magic
// "\x93NUMPY", two version bytes, a header length (2 bytes little-endian in 1.0, 4 bytes in 2.0 and
// 3.0), a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)}, then the data.
// We read little-endian floats and integers in C or Fortran order (np.save writes a transposed array in
// Fortran order), the arrays students save, and write float64 and int64; anything else is refused with
// a sentence, never a trap.
import Foundation
import Numerics

/// One array read from a .npy file: its shape, its values as Double, and whether they were integers.
public struct NpyArray: Sendable, Equatable {
    public let shape: [Int]
    public let values: [Double]
    public let isInteger: Bool
    public init(shape: [Int], values: [Double], isInteger: Bool = false) {
        self.shape = shape; self.values = values; self.isInteger = isInteger
    }
    public var tensor: Tensor<Double> { Tensor(shape: shape, storage: values) }
}

public enum NpyFile {
    public struct FormatError: Error, CustomStringConvertible, Equatable {
        public let description: String
        init(_ name: String, _ problem: String) { description = "\(name): \(problem)" }
    }

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// The element types read, by the dtype string's kind and size (after the byte-order mark).
    enum Element { case float32, float64, int(bytes: Int, signed: Bool) }

    // MARK: Writing

    /// A float64 array, C order, format 1.0 (what np.save writes for it).
    public static func encode(_ t: Tensor<Double>) -> [UInt8] {
        var out = header(descr: "<f8", shape: t.shape)
        out.reserveCapacity(out.count + t.count * 8)
        for v in t.storage { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
        return out
    }

    /// An int64 array (a 0-d one for a single number: np.save(f, 3) writes shape ()).
    public static func encode(integers: [Int], shape: [Int]) -> [UInt8] {
        var out = header(descr: "<i8", shape: shape)
        for v in integers { withUnsafeBytes(of: Int64(v).littleEndian) { out += $0 } }
        return out
    }

    static func header(descr: String, shape: [Int]) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }"
        // The whole preamble is padded with spaces to a multiple of 64 bytes and ends in a newline.
        let unpadded = magic.count + 2 + 2 + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = UInt16(dict.utf8.count)
        return magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(dict.utf8)
    }

    // MARK: Reading

    /// Reads one array; `name` (the file's name) starts every error.
    public static func decode(_ bytes: [UInt8], name: String) throws -> NpyArray {
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw FormatError(name, "not a .npy file (it does not start with \\x93NUMPY); save the array with numpy.save.")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw FormatError(name, "the file ends inside its header; save it again with numpy.save.") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24; headerStart = 12
        default:
            throw FormatError(name, ".npy format version \(major).\(bytes[7]) is not one this reads (1.0 to 3.0); save it with numpy.save.")
        }
        guard headerLength <= bytes.count - headerStart else {
            throw FormatError(name, "the file ends inside its header; save it again with numpy.save.")
        }
        // Versions 1 and 2 write the header in latin-1 (ASCII in practice), 3 in UTF-8: both ASCII here.
        let headerBytes = bytes[headerStart..<(headerStart + headerLength)]
        guard headerBytes.allSatisfy({ $0 < 0x80 }), let text = String(bytes: headerBytes, encoding: .ascii) else {
            throw FormatError(name, "the header is not the ASCII dict numpy writes; save it again with numpy.save.")
        }
        let header = try parseHeader(text, name: name)
        let element = try elementType(header.descr, name: name)
        let size: Int
        switch element { case .float32: size = 4; case .float64: size = 8; case .int(let b, _): size = b }
        // Overflow-safe: a shape of (2**40, 2**40) is a sentence, not a trap.
        var count = 1
        for d in header.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw FormatError(name, "the shape \(shapeText(header.shape)) has more elements than can be counted.") }
            count = product
        }
        let dataStart = headerStart + headerLength
        let (dataBytes, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow, dataBytes == bytes.count - dataStart else {
            let have = bytes.count - dataStart
            throw FormatError(name, "the header says \(shapeText(header.shape)) of \(header.descr) (\(overflow ? "too many" : String(dataBytes)) bytes of data), but the file holds \(have); save it again with numpy.save.")
        }
        // Where the file's k-th element goes in row-major order: k itself, or for Fortran order (what
        // numpy.save writes for a transposed array, a.T) its column-major index taken apart and put
        // back together row-major.
        let shape = header.shape
        var rowMajorStrides = [Int](repeating: 1, count: shape.count)
        for a in shape.indices.reversed().dropFirst() { rowMajorStrides[a] = rowMajorStrides[a + 1] * shape[a + 1] }
        func destination(_ k: Int) -> Int {
            guard header.fortranOrder else { return k }
            var rest = k, at = 0
            for a in shape.indices { at += (rest % shape[a]) * rowMajorStrides[a]; rest /= shape[a] }
            return at
        }
        var values = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress! + dataStart
            for k in 0..<count {
                let i = destination(k)
                let p = base + k * size
                switch element {
                case .float32: values[i] = Double(Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(as: UInt32.self))))
                case .float64: values[i] = Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))
                case .int(1, true): values[i] = Double(p.load(as: Int8.self))
                case .int(1, false): values[i] = Double(p.load(as: UInt8.self))
                case .int(2, true): values[i] = Double(Int16(littleEndian: p.loadUnaligned(as: Int16.self)))
                case .int(2, false): values[i] = Double(UInt16(littleEndian: p.loadUnaligned(as: UInt16.self)))
                case .int(4, true): values[i] = Double(Int32(littleEndian: p.loadUnaligned(as: Int32.self)))
                case .int(4, false): values[i] = Double(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
                case .int(_, true): values[i] = Double(Int64(littleEndian: p.loadUnaligned(as: Int64.self)))
                case .int(_, false): values[i] = Double(UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))
                }
            }
        }
        if case .int = element { return NpyArray(shape: header.shape, values: values, isInteger: true) }
        return NpyArray(shape: header.shape, values: values)
    }

    static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    static func elementType(_ descr: String, name: String) throws -> Element {
        guard let order = descr.first, let kind = descr.dropFirst().first, let size = Int(descr.dropFirst(2)) else {
            throw FormatError(name, "dtype '\(descr.prefix(40))' is not one this reads (float32, float64 or integers); save a numeric array.")
        }
        let oneByte = size == 1
        guard order == "<" || (order == "|" && oneByte) || (order == "=" && oneByte) else {
            if order == ">" { throw FormatError(name, "the array is big-endian ('\(descr)'); save a.astype('<f8') instead.") }
            throw FormatError(name, "dtype '\(descr.prefix(40))' is not one this reads (little-endian float32, float64 or integers).")
        }
        switch (kind, size) {
        case ("f", 4): return .float32
        case ("f", 8): return .float64
        case ("i", 1), ("i", 2), ("i", 4), ("i", 8): return .int(bytes: size, signed: true)
        case ("u", 1), ("u", 2), ("u", 4), ("u", 8): return .int(bytes: size, signed: false)
        case ("b", 1): return .int(bytes: 1, signed: false)  // bool: 0 or 1
        default:
            throw FormatError(name, "dtype '\(descr.prefix(40))' is not one this reads (float32, float64 or integers); save a.astype(float) instead.")
        }
    }

    struct Header { var descr: String; var fortranOrder: Bool; var shape: [Int] }

    /// The header dict, as numpy writes it (keys in any order, spaces anywhere, a trailing comma).
    static func parseHeader(_ text: String, name: String) throws -> Header {
        let bad = FormatError(name, "the header is not the dict numpy writes ({'descr': ..., 'fortran_order': ..., 'shape': (...)}); save it with numpy.save.")
        var s = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        func skipSpaces() { while let c = s.first, c == " " || c == "\t" || c == "\n" { s.removeFirst() } }
        func expect(_ c: Character) throws { skipSpaces(); guard s.first == c else { throw bad }; s.removeFirst() }
        func string() throws -> String {
            skipSpaces()
            guard let q = s.first, q == "'" || q == "\"" else { throw bad }
            s.removeFirst()
            guard let end = s.firstIndex(of: q) else { throw bad }
            let value = String(s[..<end]); s = s[s.index(after: end)...]
            return value
        }
        var descr: String?, fortran: Bool?, shape: [Int]?
        try expect("{")
        while true {
            skipSpaces()
            if s.first == "}" { s.removeFirst(); break }
            let key = try string()
            try expect(":")
            skipSpaces()
            switch key {
            case "descr": descr = try string()
            case "fortran_order":
                if s.hasPrefix("True") { fortran = true; s = s.dropFirst(4) } else if s.hasPrefix("False") { fortran = false; s = s.dropFirst(5) } else { throw bad }
            case "shape":
                try expect("(")
                var dims = [Int]()
                while true {
                    skipSpaces()
                    if s.first == ")" { s.removeFirst(); break }
                    var digits = ""
                    while let c = s.first, c.isASCII, c.isNumber, digits.count < 19 { digits.append(c); s.removeFirst() }
                    if s.first == "L" { s.removeFirst() }  // Python 2's long suffix
                    guard let d = Int(digits) else { throw bad }
                    dims.append(d)
                    guard dims.count <= 32 else { throw FormatError(name, "the array has more than 32 dimensions.") }
                    skipSpaces()
                    if s.first == "," { s.removeFirst() } else if s.first != ")" { throw bad }
                }
                shape = dims
            default: throw bad
            }
            skipSpaces()
            if s.first == "," { s.removeFirst() } else if s.first != "}" { throw bad }
        }
        guard s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, let descr, let fortran, let shape else { throw bad }
        return Header(descr: descr, fortranOrder: fortran, shape: shape)
    }
}
