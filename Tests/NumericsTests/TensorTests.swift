// The tensor's GEMM path and broadcasting against plain loops.
import Testing
@testable import Numerics

@Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
func gemmMatchesLoops(transposeA: Bool, transposeB: Bool) {
    var r = RandomState(seed: 5)
    let (m, k, n) = (7, 5, 3)
    let a = transposeA ? r.randn(k, m) : r.randn(m, k)
    let b = transposeB ? r.randn(n, k) : r.randn(k, n)
    let c = Tensor.matmul(a, b, transposeA: transposeA, transposeB: transposeB)
    #expect(c.shape == [m, n])
    let at = transposeA ? a.transposed : a, bt = transposeB ? b.transposed : b
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k { s += at[i, p] * bt[p, j] }
            #expect(abs(c[i, j] - s) < 1e-12)
        }
    }
}

@Test func broadcastsColumnAndRowVectors() {
    let a = Tensor<Double>(shape: [2, 3], storage: [1, 2, 3, 4, 5, 6])
    let col = Tensor<Double>(shape: [2, 1], storage: [10, 20])
    let row = Tensor<Double>(shape: [1, 3], storage: [1, 1, 2])
    #expect((a + col).storage == [11, 12, 13, 24, 25, 26])
    #expect((a * row).storage == [1, 2, 6, 4, 5, 12])
    #expect(a.sum(axis: 0).storage == [5, 7, 9])
    #expect(a.sum(axis: 1).storage == [6, 15])
    #expect(a.argmaxOverRows() == [1, 1, 1])
}
