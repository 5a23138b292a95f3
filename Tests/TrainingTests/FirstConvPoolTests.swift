// Lesson 3's first layer as the training path computes it: conv1, its ReLU and pool1 in one pass
// (Conv.c), conv1's gradients from the pooled δ (Kernels.c) and the pixels' conversion (Dense.c),
// each against its formula written out one scalar at a time in the order the kernel promises, bit for
// bit, at every vector level this processor has.
import Testing
import CKernels
@testable import Numerics

/// Images with blank runs (zeros: the conv gives the bias there, so pool windows tie) and ink.
private func pixels(_ count: Int, seed: UInt32) -> [Float] {
    var rng = RandomState(seed: seed)
    return (0..<count).map { _ in rng.randomSample() < 0.4 ? 0 : Float(Double(Int(rng.randomSample() * 256) % 256) / 255) }
}

private func values(_ count: Int, seed: UInt32) -> [Float] {
    var rng = RandomState(seed: seed)
    return (0..<count).map { _ in rng.randomSample() < 0.2 ? 0 : Float(rng.randomSample() - 0.5) }
}

/// conv (one channel, unpadded, stride 1) from the bias with one fused multiply-add per tap in order, then
/// the 2 × 2 max-pool's first strict maximum in row-major order, then the ReLU if asked: the pool's
/// output and its flat indices into the conv output ((i·oh + y)·ow + x)·cout + k.
private func convThenPool(_ x: [Float], _ weights: [Float], _ bias: [Float], n: Int, h: Int, w: Int, f: Int, cout: Int, relu: Bool)
    -> (out: [Float], arg: [Int32]) {
    let oh = h - f + 1, ow = w - f + 1, ph = oh / 2, pw = ow / 2
    func z(_ i: Int, _ y: Int, _ xx: Int, _ k: Int) -> Float {
        var t = bias[k]
        for kh in 0..<f { for kw in 0..<f { t = t.addingProduct(x[(i * h + y + kh) * w + xx + kw], weights[(k * f + kh) * f + kw]) } }
        return t
    }
    var out = [Float](), arg = [Int32]()
    for i in 0..<n {
        for py in 0..<ph {
            for px in 0..<pw {
                for k in 0..<cout {
                    var best = z(i, 2 * py, 2 * px, k), at = ((i * oh + 2 * py) * ow + 2 * px) * cout + k
                    for (dy, dx) in [(0, 1), (1, 0), (1, 1)] {
                        let v = z(i, 2 * py + dy, 2 * px + dx, k)
                        if v > best { best = v; at = ((i * oh + 2 * py + dy) * ow + 2 * px + dx) * cout + k }
                    }
                    out.append(relu ? (best > 0 ? best : 0) : best)
                    arg.append(Int32(at))
                }
            }
        }
    }
    return (out, arg)
}

@Test(arguments: [(28, 28, 3, 10, true), (28, 28, 3, 10, false), (9, 12, 2, 16, true), (8, 7, 4, 1, true), (11, 30, 3, 5, false)])
func firstConvAndPoolInOnePassAreTheTwoPassesBits(h: Int, w: Int, f: Int, cout: Int, relu: Bool) {
    let n = 3, oh = h - f + 1, ow = w - f + 1, ph = oh / 2, pw = ow / 2, count = n * ph * pw * cout
    let x = pixels(n * h * w, seed: 7), weights = values(cout * f * f, seed: 8), bias = values(16, seed: 9)
    let (expected, expectedArg) = convThenPool(x, weights, bias, n: n, h: h, w: w, f: f, cout: cout, relu: relu)
    eachLevel { level in
        var out = [Float](repeating: .nan, count: count + 16), arg = [Int32](repeating: -1, count: count + 16)
        lesson_first_conv_pool_f32(x, &out, &arg, weights, bias, n, h, w, f, oh, ow, cout, ph, pw, relu ? 1 : 0)
        #expect(bits(Array(out.prefix(count))) == bits(expected), "level \(level)")
        #expect(Array(arg.prefix(count)) == expectedArg, "level \(level)")
        // Predicting needs no indices: the same values without them.
        var alone = [Float](repeating: .nan, count: count + 16)
        lesson_first_conv_pool_f32(x, &alone, nil, weights, bias, n, h, w, f, oh, ow, cout, ph, pw, relu ? 1 : 0)
        #expect(bits(Array(alone.prefix(count))) == bits(expected), "level \(level), no indices")
        // And the two passes it replaces, conv then max-pool, agree with both.
        var conv = [Float](repeating: 0, count: n * oh * ow * cout + 16), pooled = [Float](repeating: 0, count: count + 16)
        var poolArg = [Int32](repeating: 0, count: count + 16)
        lesson_first_conv_forward_f32(x, &conv, weights, bias, n, h, w, f, 1, oh, ow, cout)
        lesson_maxpool_f32(conv, &pooled, &poolArg, n, oh, ow, cout, 2, ph, pw, relu ? 1 : 0)
        #expect(bits(Array(pooled.prefix(count))) == bits(expected), "level \(level), two passes")
        #expect(Array(poolArg.prefix(count)) == expectedArg, "level \(level), two passes")
    }
    // Double: the same against the two passes.
    let xd = x.map(Double.init), wd = weights.map(Double.init), bd = bias.map(Double.init)
    eachLevel { level in
        var out = [Double](repeating: .nan, count: count + 16), arg = [Int32](repeating: -1, count: count + 16)
        lesson_first_conv_pool_f64(xd, &out, &arg, wd, bd, n, h, w, f, oh, ow, cout, ph, pw, relu ? 1 : 0)
        var conv = [Double](repeating: 0, count: n * oh * ow * cout + 16), pooled = [Double](repeating: 0, count: count + 16)
        var poolArg = [Int32](repeating: 0, count: count + 16)
        lesson_first_conv_forward_f64(xd, &conv, wd, bd, n, h, w, f, 1, oh, ow, cout)
        lesson_maxpool_f64(conv, &pooled, &poolArg, n, oh, ow, cout, 2, ph, pw, relu ? 1 : 0)
        #expect(Array(out.prefix(count)).map(\.bitPattern) == Array(pooled.prefix(count)).map(\.bitPattern), "level \(level)")
        #expect(Array(arg.prefix(count)) == Array(poolArg.prefix(count)), "level \(level)")
    }
}

/// conv1's dW and db from the pooled δ: per image, over the pooled pixels in raster order, δ (where the
/// gate is > 0) times the maximum's pixel, multiplied then added, and each image's sums then added to
/// the totals.
@Test(arguments: [2, 3])
func firstConvGradientsFromThePooledErrorSumInRasterOrder(window pf: Int) {
    let n = 4, h = 28, w = 28, f = 3, cout = 10, oh = h - f + 1, ow = w - f + 1, ph = oh / pf, pw = ow / pf
    let count = n * ph * pw * cout
    let x = pixels(n * h * w, seed: 11), weights = values(cout * f * f, seed: 12), bias = values(16, seed: 13)
    var conv = [Float](repeating: 0, count: n * oh * ow * cout + 16), gate = [Float](repeating: 0, count: count + 16)
    var arg = [Int32](repeating: 0, count: count + 16)
    lesson_first_conv_forward_f32(x, &conv, weights, bias, n, h, w, f, 1, oh, ow, cout)
    lesson_maxpool_f32(conv, &gate, &arg, n, oh, ow, cout, pf, ph, pw, 1)
    let delta = values(count + 16, seed: 14)
    var expectedW = [Float](repeating: 0, count: cout * f * f), expectedB = [Float](repeating: 0, count: cout)
    for i in 0..<n {
        var imageW = [Float](repeating: 0, count: cout * f * f), imageB = [Float](repeating: 0, count: cout)
        for q in (i * ph * pw)..<((i + 1) * ph * pw) {
            for k in 0..<cout where gate[q * cout + k] > 0 {
                let d = delta[q * cout + k], at = Int(arg[q * cout + k]) / cout, y = (at / ow) % oh, xx = at % ow
                for kh in 0..<f { for kw in 0..<f { imageW[k * 9 + kh * 3 + kw] += d * x[(i * h + y + kh) * w + xx + kw] } }
                imageB[k] += d
            }
        }
        for t in expectedW.indices { expectedW[t] += imageW[t] }
        for k in 0..<cout { expectedB[k] += imageB[k] }
    }
    var dW = [Float](repeating: .nan, count: cout * f * f), db = [Float](repeating: .nan, count: cout)
    var patches = [Float](repeating: 0, count: oh * ow * 16)
    lesson_conv1_backward_pooled_f32(delta, gate, arg, x, &dW, &db, n, h, w, f, 0, 1, oh, ow, cout, pf, ph, pw, &patches)
    #expect(bits(dW) == bits(expectedW))
    #expect(bits(db) == bits(expectedB))
}

@Test func pixelsBecomeTheReadablePathsValuesForEveryByte() {
    let bytes = (0...255).map(UInt8.init)
    eachLevel { level in
        var out = [Float](repeating: .nan, count: 256)
        lesson_unit_from_bytes_f32(bytes, &out, 256)
        #expect(bits(out) == bits(bytes.map { Float(Double($0) / 255) }), "level \(level)")
    }
}
