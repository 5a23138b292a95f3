// The tensor type: a shape and one contiguous row-major buffer, plus the element-wise
// operations and matrix products the lessons need. Dimensions are named in comments at each use.

/// An n-dimensional array stored row-major (C order), like a contiguous numpy array.
public struct Tensor<Scalar: BLASScalar>: Equatable, Sendable {
    public private(set) var shape: [Int]
    public var storage: [Scalar]

    public init(shape: [Int], storage: [Scalar]) {
        precondition(shape.reduce(1, *) == storage.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) elements, got \(storage.count)")
        self.shape = shape
        self.storage = storage
    }

    public init(shape: [Int], repeating value: Scalar = 0) {
        self.init(shape: shape, storage: [Scalar](repeating: value, count: shape.reduce(1, *)))
    }

    public static func zeros(_ shape: Int...) -> Tensor { Tensor(shape: shape) }

    /// A tensor whose elements come from `body(flatIndex)`.
    public init(shape: [Int], generator body: (Int) -> Scalar) {
        let n = shape.reduce(1, *)
        self.init(shape: shape, storage: (0..<n).map(body))
    }

    public var count: Int { storage.count }
    public var rank: Int { shape.count }
    /// Rows of a 2-D tensor.
    public var rows: Int { shape[0] }
    /// Columns of a 2-D tensor.
    public var columns: Int { shape[1] }

    /// The same elements under another shape (numpy's reshape of a contiguous array).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, storage: storage)
    }
    public func reshaped(_ newShape: Int...) -> Tensor { reshaped(newShape) }

    public subscript(_ i: Int, _ j: Int) -> Scalar {
        get { storage[i * shape[1] + j] }
        set { storage[i * shape[1] + j] = newValue }
    }

    /// Row `i` of a 2-D tensor as a 1-D tensor.
    public func row(_ i: Int) -> Tensor {
        let c = shape[1]
        return Tensor(shape: [c], storage: Array(storage[(i * c)..<((i + 1) * c)]))
    }

    /// Column `j` of a 2-D tensor as a (rows, 1) tensor, like numpy's `X[:, j, None]`.
    public func column(_ j: Int) -> Tensor {
        Tensor(shape: [shape[0], 1], storage: (0..<shape[0]).map { self[$0, j] })
    }

    /// Rows `range` of a 2-D tensor (numpy `a[lo:hi]`).
    public func rows(_ range: Range<Int>) -> Tensor {
        let c = count / max(shape[0], 1)
        var s = shape
        s[0] = range.count
        return Tensor(shape: s, storage: Array(storage[(range.lowerBound * c)..<(range.upperBound * c)]))
    }

    /// Columns `range` of a 2-D tensor (numpy `a[:, lo:hi]`).
    public func columns(_ range: Range<Int>) -> Tensor {
        var out = [Scalar]()
        out.reserveCapacity(shape[0] * range.count)
        for i in 0..<shape[0] { out.append(contentsOf: storage[(i * shape[1] + range.lowerBound)..<(i * shape[1] + range.upperBound)]) }
        return Tensor(shape: [shape[0], range.count], storage: out)
    }

    /// The transpose of a 2-D tensor.
    public var transposed: Tensor {
        precondition(rank == 2, "transposed needs a 2-D tensor, got shape \(shape)")
        let (r, c) = (shape[0], shape[1])
        var out = [Scalar](repeating: 0, count: count)
        storage.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<r { for j in 0..<c { dst[j * r + i] = src[i * c + j] } }
            }
        }
        return Tensor(shape: [c, r], storage: out)
    }

    public func map(_ f: (Scalar) -> Scalar) -> Tensor {
        Tensor(shape: shape, storage: storage.map(f))
    }

    public func zipMap(_ other: Tensor, _ f: (Scalar, Scalar) -> Scalar) -> Tensor {
        precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
        var out = storage
        out.withUnsafeMutableBufferPointer { o in
            other.storage.withUnsafeBufferPointer { b in
                for i in 0..<o.count { o[i] = f(o[i], b[i]) }
            }
        }
        return Tensor(shape: shape, storage: out)
    }

    public func sum() -> Scalar { storage.reduce(0, +) }

    /// Sum over one axis of a 2-D tensor, keeping it as length 1 (numpy `sum(axis:, keepdims=True)`).
    public func sum(axis: Int) -> Tensor {
        precondition(rank == 2)
        let (r, c) = (shape[0], shape[1])
        if axis == 0 {
            var out = [Scalar](repeating: 0, count: c)
            for i in 0..<r { for j in 0..<c { out[j] += storage[i * c + j] } }
            return Tensor(shape: [1, c], storage: out)
        } else {
            var out = [Scalar](repeating: 0, count: r)
            for i in 0..<r { var s: Scalar = 0; for j in 0..<c { s += storage[i * c + j] }; out[i] = s }
            return Tensor(shape: [r, 1], storage: out)
        }
    }

    /// Index of the largest element in each column of a 2-D tensor (numpy `argmax(a, 0)`; first wins ties).
    public func argmaxOverRows() -> [Int] {
        let (r, c) = (shape[0], shape[1])
        return (0..<c).map { j in
            var best = 0
            for i in 1..<r where self[i, j] > self[best, j] { best = i }
            return best
        }
    }

    /// Index of the largest element in each row of a 2-D tensor (numpy `argmax(a, 1)`).
    public func argmaxOverColumns() -> [Int] {
        let c = shape[1]
        return (0..<shape[0]).map { i in
            var best = 0
            for j in 1..<c where storage[i * c + j] > storage[i * c + best] { best = j }
            return best
        }
    }

    /// Largest absolute element-wise difference to another tensor of the same shape.
    public func maxAbsDifference(_ other: Tensor) -> Scalar {
        precondition(shape == other.shape)
        var m: Scalar = 0
        for i in 0..<count { m = Swift.max(m, abs(storage[i] - other.storage[i])) }
        return m
    }

    /// Converts every element to another precision.
    public func converted<T: BLASScalar>(to _: T.Type = T.self) -> Tensor<T> {
        Tensor<T>(shape: shape, storage: storage.map { T($0) })
    }
}

// MARK: - Arithmetic with numpy's broadcasting for the cases the lessons use.

extension Tensor {
    /// Shapes broadcast as numpy does for 2-D operands: equal, (r,1) against (r,c), (1,c) against (r,c), or scalar-like (1,1).
    @inline(__always)
    static func broadcast(_ a: Tensor, _ b: Tensor, _ f: (Scalar, Scalar) -> Scalar) -> Tensor {
        if a.shape == b.shape { return a.zipMap(b, f) }
        precondition(a.rank == 2 && b.rank == 2, "cannot broadcast \(a.shape) with \(b.shape)")
        let r = Swift.max(a.shape[0], b.shape[0]), c = Swift.max(a.shape[1], b.shape[1])
        for s in [a.shape, b.shape] {
            precondition((s[0] == r || s[0] == 1) && (s[1] == c || s[1] == 1),
                         "cannot broadcast \(a.shape) with \(b.shape)")
        }
        var out = [Scalar](repeating: 0, count: r * c)
        for i in 0..<r {
            for j in 0..<c {
                let x = a.storage[(a.shape[0] == 1 ? 0 : i) * a.shape[1] + (a.shape[1] == 1 ? 0 : j)]
                let y = b.storage[(b.shape[0] == 1 ? 0 : i) * b.shape[1] + (b.shape[1] == 1 ? 0 : j)]
                out[i * c + j] = f(x, y)
            }
        }
        return Tensor(shape: [r, c], storage: out)
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor { broadcast(a, b, +) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { broadcast(a, b, -) }
    /// Element-wise (Hadamard) product, numpy's `*`.
    public static func * (a: Tensor, b: Tensor) -> Tensor { broadcast(a, b, *) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { broadcast(a, b, /) }
    public static func + (a: Tensor, s: Scalar) -> Tensor { a.map { $0 + s } }
    public static func - (a: Tensor, s: Scalar) -> Tensor { a.map { $0 - s } }
    public static func * (a: Tensor, s: Scalar) -> Tensor { a.map { $0 * s } }
    public static func * (s: Scalar, a: Tensor) -> Tensor { a.map { s * $0 } }
    public static func / (a: Tensor, s: Scalar) -> Tensor { a.map { $0 / s } }
    public static prefix func - (a: Tensor) -> Tensor { a.map { -$0 } }
}

// MARK: - Matrix products on OpenBLAS.

extension Tensor {
    /// The matrix product op(a) · op(b) of two 2-D tensors (numpy `a.dot(b)`), computed by GEMM.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2, "matmul needs 2-D tensors, got \(a.shape) and \(b.shape)")
        let m = transposeA ? a.shape[1] : a.shape[0]
        let k = transposeA ? a.shape[0] : a.shape[1]
        let kb = transposeB ? b.shape[1] : b.shape[0]
        let n = transposeB ? b.shape[0] : b.shape[1]
        precondition(k == kb, "matmul: inner dimensions differ (\(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : ""))")
        var out = [Scalar](repeating: 0, count: m * n)
        if m > 0 && n > 0 && k > 0 {
            a.storage.withUnsafeBufferPointer { pa in
                b.storage.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { pc in
                        Scalar.gemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k, alpha: 1,
                                    a: pa.baseAddress!, lda: a.shape[1], b: pb.baseAddress!, ldb: b.shape[1],
                                    beta: 0, c: pc.baseAddress!, ldc: n)
                    }
                }
            }
        }
        return Tensor(shape: [m, n], storage: out)
    }

    /// `self · other`, numpy's `self.dot(other)` for 2-D operands.
    public func dot(_ other: Tensor) -> Tensor { Tensor.matmul(self, other) }
}
