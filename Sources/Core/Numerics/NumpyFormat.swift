// Arrays printed the way numpy's `print(arr)` prints them: precision 8, 'maxprec' float mode,
// scientific notation by numpy's rule, `...` summaries past 1000 elements, wrapping at 75 columns.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// numpy's print options that the lessons use; the defaults are numpy's.
public struct PrintOptions: Sendable {
    public var precision = 8
    public var threshold = 1000
    public var edgeItems = 3
    public var lineWidth = 75
    public var suppressSmall = false
    public init(precision: Int = 8, threshold: Int = 1000, edgeItems: Int = 3, lineWidth: Int = 75,
                suppressSmall: Bool = false) {
        self.precision = precision
        self.threshold = threshold
        self.edgeItems = edgeItems
        self.lineWidth = lineWidth
        self.suppressSmall = suppressSmall
    }
    /// Never summarise (numpy's `threshold=sys.maxsize`), for `--full`.
    public static let full = PrintOptions(threshold: .max)
}

/// Formats arrays as `str(np.array(...))` does.
public enum NumpyFormat {
    /// A float array of any rank.
    public static func format<T: BLASScalar>(_ t: Tensor<T>, options: PrintOptions = PrintOptions()) -> String {
        // Only the shown elements are read (a summarised 784 × 60,000 matrix shows 36): no copy of the storage.
        let values = t.storage
        return layout(shape: t.shape, count: values.count, options: options) { shown in
            FloatFormatter(shown.map { Double(values[$0]) }, options: options, isFloat32: T.self == Float.self)
        } element: { f, i in f.format(Double(values[i])) }
    }

    /// An integer array (e.g. predictions, labels).
    public static func format(_ values: [Int], shape: [Int]? = nil, options: PrintOptions = PrintOptions()) -> String {
        layout(shape: shape ?? [values.count], count: values.count, options: options) { shown in
            shown.map { String(values[$0]).count }.max() ?? 0
        } element: { width, i in
            let s = String(values[i])
            return String(repeating: " ", count: max(0, width - s.count)) + s
        }
    }

    /// A scalar printed as numpy prints a float64 scalar (its shortest repr).
    public static func scalar(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        return pythonRepr(x)
    }

    // MARK: Layout (numpy's _formatArray)

    /// Walks the array as numpy's recursive formatter does. `prepare` sees the flat indices that will be
    /// shown (only the edges when summarised) and returns the state `element` formats with.
    static func layout<F>(shape: [Int], count: Int, options: PrintOptions,
                          prepare: ([Int]) -> F, element: (F, Int) -> String) -> String {
        let summarise = count > options.threshold
        let edge = options.edgeItems
        if shape.isEmpty { return element(prepare([0]), 0) }
        if count == 0 { return String(repeating: "[", count: shape.count) + String(repeating: "]", count: shape.count) }

        // Indices kept along each axis.
        let kept: [[Int]] = shape.map { n in
            summarise && 2 * edge < n ? Array(0..<edge) + Array((n - edge)..<n) : Array(0..<n)
        }
        var strides = [Int](repeating: 1, count: shape.count)
        for a in stride(from: shape.count - 2, through: 0, by: -1) { strides[a] = strides[a + 1] * shape[a + 1] }
        var shown = [Int]()
        func collect(_ axis: Int, _ base: Int) {
            if axis == shape.count { shown.append(base); return }
            for i in kept[axis] { collect(axis + 1, base + i * strides[axis]) }
        }
        collect(0, 0)
        let state = prepare(shown)

        func recurse(_ axis: Int, _ base: Int, hangingIndent: String, width: Int) -> String {
            let n = shape[axis]
            let showSummary = summarise && 2 * edge < n
            let leading = showSummary ? edge : 0
            let trailing = showSummary ? edge : n
            let nextIndent = hangingIndent + " "
            let nextWidth = width - 1
            var s = ""
            if axis == shape.count - 1 {
                let elementWidth = width - 1  // room for the separator or the closing bracket
                var line = hangingIndent
                func extend(_ word: String) {
                    if line.count + word.count > elementWidth && line.count > hangingIndent.count {
                        s += rstrip(line) + "\n"
                        line = hangingIndent
                    }
                    line += word
                }
                for i in 0..<leading { extend(element(state, base + i * strides[axis])); line += " " }
                if showSummary { extend("..."); line += " " }
                for i in stride(from: trailing, to: 1, by: -1) {
                    extend(element(state, base + (n - i) * strides[axis])); line += " "
                }
                extend(element(state, base + (n - 1) * strides[axis]))
                s += line
            } else {
                let lineSeparator = String(repeating: "\n", count: shape.count - axis - 1)
                for i in 0..<leading {
                    s += hangingIndent + recurse(axis + 1, base + i * strides[axis], hangingIndent: nextIndent, width: nextWidth) + lineSeparator
                }
                if showSummary { s += hangingIndent + "..." + lineSeparator }
                for i in stride(from: trailing, to: 1, by: -1) {
                    s += hangingIndent + recurse(axis + 1, base + (n - i) * strides[axis], hangingIndent: nextIndent, width: nextWidth) + lineSeparator
                }
                s += hangingIndent + recurse(axis + 1, base + (n - 1) * strides[axis], hangingIndent: nextIndent, width: nextWidth)
            }
            return "[" + String(s.dropFirst(hangingIndent.count)) + "]"
        }
        return recurse(0, 0, hangingIndent: " ", width: options.lineWidth)
    }

    static func rstrip(_ s: String) -> String {
        var t = Substring(s)
        while t.last == " " { t = t.dropLast() }
        return String(t)
    }

    // MARK: Float formatting (numpy's FloatingFormat with Dragon4)

    struct FloatFormatter {
        var exponential = false
        var padLeft = 0
        var padRight = 0
        var precision: Int
        var expSize = -1
        var isFloat32: Bool

        init(_ values: [Double], options: PrintOptions, isFloat32: Bool) {
            self.precision = options.precision
            self.isFloat32 = isFloat32
            let finite = values.filter { $0.isFinite }
            let nonZero = finite.filter { $0 != 0 }.map { abs($0) }
            if let maxV = nonZero.max(), let minV = nonZero.min() {
                if maxV >= 1e8 || (!options.suppressSmall && (minV < 0.0001 || maxV / minV > 1000)) {
                    exponential = true
                }
            }
            if finite.isEmpty {
                padLeft = 0; padRight = 0
            } else if exponential {
                let parts = finite.map { FloatFormatter.scientific($0, precision: precision, isFloat32: isFloat32) }
                expSize = parts.map { $0.exponent.count }.max()! - 1
                let fractions = parts.map { $0.fraction }
                precision = fractions.map { $0.count }.max()!
                padLeft = parts.map { $0.integer.count }.max()!
                padRight = expSize + 2 + precision
            } else {
                let parts = finite.map { FloatFormatter.positional($0, precision: precision, isFloat32: isFloat32) }
                padLeft = parts.map { $0.integer.count }.max()!
                padRight = parts.map { $0.fraction.count }.max()!
            }
            if finite.count != values.count {
                let hasNegInf = values.contains { $0.isInfinite && $0 < 0 }
                let offset = padRight + 1
                padLeft = max(padLeft, 3 - offset, 3 + (hasNegInf ? 1 : 0) - offset)
            }
        }

        func format(_ x: Double) -> String {
            if !x.isFinite {
                let r = x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf")
                return String(repeating: " ", count: max(0, padLeft + padRight + 1 - r.count)) + r
            }
            if exponential {
                let p = FloatFormatter.scientific(x, precision: precision, isFloat32: isFloat32)
                let frac = p.fraction + String(repeating: "0", count: max(0, precision - p.fraction.count))
                let expSign = p.exponent.first!
                var expDigits = String(p.exponent.dropFirst())
                while expDigits.count < expSize { expDigits = "0" + expDigits }
                return pad(p.integer, left: padLeft) + "." + frac + "e" + String(expSign) + expDigits
            }
            let p = FloatFormatter.positional(x, precision: precision, isFloat32: isFloat32)
            return pad(p.integer, left: padLeft) + "." + p.fraction
                + String(repeating: " ", count: max(0, padRight - p.fraction.count))
        }

        private func pad(_ s: String, left: Int) -> String {
            String(repeating: " ", count: max(0, left - s.count)) + s
        }

        /// Shortest round-trip digits and decimal exponent: x = 0.d1d2d3... × 10^exponent.
        static func shortestDigits(_ x: Double, isFloat32: Bool) -> (digits: [UInt8], exponent: Int) {
            let text = isFloat32 ? Float(x).description : x.description  // shortest repr, like Python's
            var mantissa = Substring(text)
            if mantissa.hasPrefix("-") { mantissa = mantissa.dropFirst() }
            var exp10 = 0
            if let e = mantissa.firstIndex(where: { $0 == "e" || $0 == "E" }) {
                exp10 = Int(mantissa[mantissa.index(after: e)...])!
                mantissa = mantissa[..<e]
            }
            var digits = [UInt8]()
            var pointAt = mantissa.count
            for (i, ch) in mantissa.enumerated() {
                if ch == "." { pointAt = i } else { digits.append(UInt8(ch.asciiValue! - 48)) }
            }
            var exponent = pointAt + exp10
            while digits.first == 0 && digits.count > 1 { digits.removeFirst(); exponent -= 1 }
            while digits.last == 0 && digits.count > 1 { digits.removeLast() }
            if digits == [0] { exponent = 1 }
            return (digits, exponent)
        }

        /// The exact binary value rounded half-to-even by the C library (Dragon4's rounding at a cutoff).
        static func cFormat(_ x: Double, _ spec: String) -> String {
            var buffer = [CChar](repeating: 0, count: 512)
            _ = withVaList([x]) { vsnprintf(&buffer, buffer.count, spec, $0) }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }

        /// Positional digits, unique but at most `precision` after the point, trailing zeros trimmed ('.' trim).
        static func positional(_ x: Double, precision: Int, isFloat32: Bool) -> (integer: String, fraction: String) {
            let sign = x.sign == .minus ? "-" : ""
            let (digits, exponent) = shortestDigits(x, isFloat32: isFloat32)
            let fractionDigits = max(0, digits.count - exponent)
            var intPart: String, fracPart: String
            if fractionDigits <= precision {
                let all = digits.map { String($0) }.joined()
                if exponent <= 0 {
                    intPart = "0"
                    fracPart = String(repeating: "0", count: -exponent) + all
                } else if exponent >= digits.count {
                    intPart = all + String(repeating: "0", count: exponent - digits.count)
                    fracPart = ""
                } else {
                    intPart = String(all.prefix(exponent))
                    fracPart = String(all.dropFirst(exponent))
                }
                if digits == [0] { intPart = "0"; fracPart = "" }
            } else {
                let text = cFormat(abs(x), "%.\(precision)f")
                let split = text.split(separator: ".", omittingEmptySubsequences: false)
                intPart = String(split[0])
                fracPart = split.count > 1 ? String(split[1]) : ""
                while fracPart.last == "0" { fracPart.removeLast() }
            }
            return (sign + intPart, fracPart)
        }

        /// Scientific digits: unique but at most `precision` after the point; exponent as sign + digits (at least 2).
        static func scientific(_ x: Double, precision: Int, isFloat32: Bool) -> (integer: String, fraction: String, exponent: String) {
            let sign = x.sign == .minus ? "-" : ""
            var (digits, exponent) = shortestDigits(x, isFloat32: isFloat32)
            if digits.count - 1 > precision {
                let text = cFormat(abs(x), "%.\(precision)e")
                let parts = text.split(separator: "e")
                digits = parts[0].compactMap { $0 == "." ? nil : UInt8($0.asciiValue! - 48) }
                exponent = Int(parts[1])! + 1
                while digits.last == 0 && digits.count > 1 { digits.removeLast() }
            }
            let e = digits == [0] ? 0 : exponent - 1
            let expText = (e < 0 ? "-" : "+") + (abs(e) < 10 ? "0" : "") + String(abs(e))
            return (sign + String(digits[0]), digits.dropFirst().map { String($0) }.joined(), expText)
        }
    }

    /// Python's `repr(float)`: shortest digits, scientific below 1e-4 or from 1e16.
    static func pythonRepr(_ x: Double) -> String {
        let (digits, exponent) = FloatFormatter.shortestDigits(x, isFloat32: false)
        let sign = x.sign == .minus ? "-" : ""
        let all = digits.map { String($0) }.joined()
        let e = exponent - 1
        if x != 0 && (e < -4 || e >= 16) {
            let mant = all.count > 1 ? String(all.prefix(1)) + "." + String(all.dropFirst()) : all
            return sign + mant + "e" + (e < 0 ? "-" : "+") + (abs(e) < 10 ? "0" : "") + String(abs(e))
        }
        if digits == [0] { return sign + "0.0" }
        if exponent <= 0 { return sign + "0." + String(repeating: "0", count: -exponent) + all }
        if exponent >= digits.count { return sign + all + String(repeating: "0", count: exponent - digits.count) + ".0" }
        return sign + String(all.prefix(exponent)) + "." + String(all.dropFirst(exponent))
    }
}

extension Tensor: CustomStringConvertible {
    /// numpy's `str(array)`.
    public var description: String { NumpyFormat.format(self) }
}
