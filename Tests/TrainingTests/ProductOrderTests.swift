// The training path's own products (Products.c) and conv δx kernel (Conv.c) against their formulas
// summed one scalar at a time in the order they promise, bit for bit, at every vector level: that
// order, not the processor's or OpenBLAS's choice of kernel, decides a seeded run's bytes.
import Testing
import CKernels
@testable import Numerics

/// Values with zeros among them (ReLU's gate makes many), both signs, sizes that round differently.
private func values(_ count: Int, seed: UInt32) -> [Float] {
    var rng = RandomState(seed: seed)
    return (0..<count).map { _ in rng.randomSample() < 0.3 ? 0 : Float(rng.randomSample() - 0.5) * Float(1 + 100 * rng.randomSample()) }
}

@Test(arguments: [(64, 100, 1024, false), (64, 10, 100, true), (13, 37, 5, false), (7, 200, 3, true), (1, 16, 64, false), (5, 33, 1, true)])
func productsSumEachEntryInOrderWithFusedMultiplyAdds(m: Int, n: Int, k: Int, transposed: Bool) {
    // transposed: a is stored (k, m), as δ is when the dense layer's dW = δᵀ · x is formed
    let a = values(m * k, seed: 1), b = values(k * n + 16, seed: 2), start = values(m * n + 16, seed: 3)
    let (rs, cs) = transposed ? (1, m) : (k, 1)
    for add in [false, true] {
        var expected = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var t: Float = 0
                for q in 0..<k { t = t.addingProduct(a[i * rs + q * cs], b[q * n + j]) }  // one rounding per step: a fused multiply-add
                expected[i * n + j] = add ? start[i * n + j] + t : t
            }
        }
        eachLevel { level in
            var c = start
            lesson_product_f32(a, rs, cs, b, n, &c, n, m, n, k, add ? 1 : 0)
            #expect(bits(Array(c.prefix(m * n))) == bits(expected), "level \(level), add \(add)")
            #expect(bits(Array(c.suffix(16))) == bits(Array(start.suffix(16))), "level \(level): nothing written past the product")
        }
    }
}

@Test(arguments: [(13, 13, 10, 5, 16), (10, 10, 4, 3, 5), (6, 9, 16, 2, 3), (5, 5, 1, 5, 7), (16, 16, 3, 3, 16)])
func convErrorForTheLayerBelowSumsEachWindowInRasterOrder(h: Int, w: Int, cin: Int, f: Int, cout: Int) {
    let n = 2, oh = h - f + 1, ow = w - f + 1
    // δ after conv2's ReLU is mostly zeros (about 60 %), some of them −0: where the kernel skips them
    var delta = values(n * oh * ow * cout + 16, seed: 4), weights = values(cout * f * f * cin, seed: 5)
    var rng = RandomState(seed: 6)
    for q in delta.indices where rng.randomSample() < 0.5 { delta[q] = rng.randomSample() < 0.1 ? -0.0 : 0 }
    // wb[(kh·f + kw)·cout + co][16]: the input channels of W[co, kh, kw, :], zero past cin
    var wb = [Float](repeating: 0, count: f * f * cout * 16)
    for tap in 0..<(f * f) { for co in 0..<cout { for ci in 0..<cin { wb[(tap * cout + co) * 16 + ci] = weights[(co * f * f + tap) * cin + ci] } } }
    var expected = [Float](repeating: 0, count: n * h * w * cin)
    for i in 0..<n {
        for y in 0..<h {
            for x in 0..<w {
                for ci in 0..<cin {
                    var total: Float = 0
                    for oy in 0..<oh where (0..<f).contains(y - oy) {
                        for ox in 0..<ow where (0..<f).contains(x - ox) {
                            var t: Float = 0
                            for co in 0..<cout { t = t.addingProduct(delta[((i * oh + oy) * ow + ox) * cout + co], weights[((co * f + y - oy) * f + x - ox) * cin + ci]) }
                            total += t
                        }
                    }
                    expected[((i * h + y) * w + x) * cin + ci] = total
                }
            }
        }
    }
    eachLevel { level in
        var dx = [Float](repeating: .nan, count: n * h * w * cin + 16)
        lesson_conv_backward_data_f32(delta, wb, &dx, n, h, w, cin, f, oh, ow, cout)
        #expect(bits(Array(dx.prefix(n * h * w * cin))) == bits(expected), "level \(level)")
        // The row-tile kernel, which adds every product (double's, and shapes the other does not take)
        var rows = [Float](repeating: .nan, count: n * h * w * cin + 16)
        lesson_conv_backward_data_rows_f32(delta, wb, &rows, n, h, w, cin, f, oh, ow, cout)
        #expect(bits(Array(rows.prefix(n * h * w * cin))) == bits(expected), "level \(level), row tiles")
    }
}
