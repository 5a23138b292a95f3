// Matrix multiplication through OpenBLAS, for Float and Double alike.
// Everything that multiplies matrices in the program comes through `gemm` here.
import COpenBLAS
import Foundation

/// A scalar type OpenBLAS can multiply: Float (sgemm) or Double (dgemm).
public protocol BLASScalar: BinaryFloatingPoint & Sendable & CustomStringConvertible
where Self.RawSignificand: FixedWidthInteger {
    /// C = alpha * op(A) * op(B) + beta * C, row-major, op = transpose when the flag is set.
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func sqrt(_ x: Self) -> Self
}

@inline(__always)
private func cblasTranspose(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

extension Double: BLASScalar {
    @inlinable @inline(__always) public static func exp(_ x: Double) -> Double { cExp(x) }
    @inlinable @inline(__always) public static func log(_ x: Double) -> Double { cLog(x) }
    @inlinable @inline(__always) public static func sqrt(_ x: Double) -> Double { x.squareRoot() }
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, cblasTranspose(transA), cblasTranspose(transB),
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }
}

extension Float: BLASScalar {
    @inlinable @inline(__always) public static func exp(_ x: Float) -> Float { cExpf(x) }
    @inlinable @inline(__always) public static func log(_ x: Float) -> Float { cLogf(x) }
    @inlinable @inline(__always) public static func sqrt(_ x: Float) -> Float { x.squareRoot() }
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, cblasTranspose(transA), cblasTranspose(transB),
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }
}

/// How many threads OpenBLAS uses. Set explicitly so timings do not depend on the environment's guess.
public enum BLASThreads {
    public static var count: Int { Int(openblas_get_num_threads()) }
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }
    /// Runs `body` with `n` BLAS threads and restores the count, holding a process-wide lock: the
    /// count is global, and two callers changing it at once would each run with the other's.
    public static func with<T>(_ n: Int, _ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        let before = count
        set(n)
        defer { set(before) }
        return try body()
    }
    static let lock = NSRecursiveLock()
    /// OpenBLAS's own description of its build, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64".
    public static var configuration: String { String(cString: openblas_get_config()) }
}
