// A 2-D convolution over NHWC batches with weights (C_out, f, f, C_in): the naive loops that mirror
// the formulas, and the im2col + GEMM path that trains. Tests prove the two agree.
import Numerics

public struct Conv2D: Sendable {
    public var weights: Tensor<Double>  // (C_out, f, f, C_in)
    public var bias: Tensor<Double>     // (C_out)
    public let f: Int
    public let pad: Int
    public let stride: Int
    public var inChannels: Int { weights.shape[3] }
    public var outChannels: Int { weights.shape[0] }

    public init(weights: Tensor<Double>, bias: Tensor<Double>, pad: Int = 0, stride: Int = 1) {
        precondition(weights.rank == 4 && weights.shape[1] == weights.shape[2], "conv weights are (C_out, f, f, C_in)")
        self.weights = weights; self.bias = bias; self.f = weights.shape[1]; self.pad = pad; self.stride = stride
    }

    /// How the tutorial's two versions draw the filters.
    public enum FilterDraw: String, Sendable, CaseIterable {
        /// The serial code: each filter in turn, `normal(0, std, size=[f, f, C_in])`.
        case perFilter = "per-filter"
        /// The vectorised code: all at once, `normal(0, std, size=[f, f, C_in, C_out])`.
        case oneDraw = "one-draw"
    }

    /// He initialisation as the tutorial writes it: `np.random.seed(seed)`, then the filters (see
    /// `FilterDraw`), then the biases, all with std = sqrt(2 / (f·f·C_in)).
    public init(f: Int, inChannels: Int, outChannels: Int, pad: Int = 0, stride: Int = 1, seed: UInt32,
                draw: FilterDraw = .perFilter, rng: inout RandomState) {
        rng.seed(seed)
        let std = (2.0 / Double(f * f * inChannels)).squareRoot()
        var w = [Double]()
        switch draw {
        case .perFilter:
            for _ in 0..<outChannels { w += rng.normal(mean: 0, std: std, shape: [f, f, inChannels]).storage }
        case .oneDraw:
            let all = rng.normal(mean: 0, std: std, shape: [f, f, inChannels, outChannels])  // (f, f, C_in, C_out)
            w = [Double](repeating: 0, count: all.count)
            for co in 0..<outChannels { for k in 0..<(f * f * inChannels) { w[co * f * f * inChannels + k] = all.storage[k * outChannels + co] } }
        }
        let b = rng.normal(mean: 0, std: std, shape: [outChannels])
        self.init(weights: Tensor(shape: [outChannels, f, f, inChannels], storage: w), bias: b, pad: pad, stride: stride)
    }

    public func outputSize(_ h: Int, _ w: Int) -> (Int, Int) {
        ((h + 2 * pad - f) / stride + 1, (w + 2 * pad - f) / stride + 1)
    }

    public struct Cache: Sendable {
        public let inputShape: [Int]
        /// The input itself (naive path) ...
        public let x: Tensor<Double>?
        /// ... or its patches, one row per output position (vectorised path): (N·OH·OW, f·f·C_in).
        public let columns: Tensor<Double>?
    }

    public struct Gradients: Sendable {
        public let dx: Tensor<Double>  // (N, H, W, C_in)
        public let dW: Tensor<Double>  // (C_out, f, f, C_in)
        public let db: Tensor<Double>  // (C_out)
    }

    // MARK: Naive: loops that read like the formulas.

    @inline(__always) public func inputValue(_ x: Tensor<Double>, _ n: Int, _ y: Int, _ xx: Int, _ c: Int) -> Double {
        let (h, w, cin) = (x.shape[1], x.shape[2], x.shape[3])
        guard y >= 0, y < h, xx >= 0, xx < w else { return 0 }  // zero padding
        return x.storage[((n * h + y) * w + xx) * cin + c]
    }

    public func forwardNaive(_ x: Tensor<Double>) -> (z: Tensor<Double>, cache: Cache) {
        // x: (N, H, W, C_in) → z: (N, OH, OW, C_out)
        let (n, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        let (oh, ow) = outputSize(h, w)
        var z = Tensor<Double>(shape: [n, oh, ow, outChannels])
        for i in 0..<n { for oy in 0..<oh { for ox in 0..<ow { for co in 0..<outChannels {
            // z[i, oy, ox, co] = Σ_{kh, kw, ci} x[i, oy·s + kh - p, ox·s + kw - p, ci] · W[co, kh, kw, ci] + b[co]
            var s = bias.storage[co]
            for kh in 0..<f { for kw in 0..<f { for ci in 0..<inChannels {
                s += inputValue(x, i, oy * stride + kh - pad, ox * stride + kw - pad, ci) * weights.storage[((co * f + kh) * f + kw) * inChannels + ci]
            } } }
            z.storage[((i * oh + oy) * ow + ox) * outChannels + co] = s
        } } } }
        return (z, Cache(inputShape: x.shape, x: x, columns: nil))
    }

    public func backwardNaive(_ dz: Tensor<Double>, cache: Cache) -> Gradients {
        let x = cache.x!
        let (n, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        let (oh, ow) = (dz.shape[1], dz.shape[2])
        func delta(_ i: Int, _ y: Int, _ xx: Int, _ c: Int) -> Double { dz.storage[((i * oh + y) * ow + xx) * outChannels + c] }
        // db[co] = Σ_{i, oy, ox} δ[i, oy, ox, co]
        var db = Tensor<Double>(shape: [outChannels])
        for i in 0..<n { for oy in 0..<oh { for ox in 0..<ow { for co in 0..<outChannels { db.storage[co] += delta(i, oy, ox, co) } } } }
        // dW[co, kh, kw, ci] = Σ_{i, oy, ox} x[i, oy·s + kh - p, ox·s + kw - p, ci] · δ[i, oy, ox, co]   (a valid convolution of the input with δ)
        var dW = Tensor<Double>(shape: weights.shape)
        for co in 0..<outChannels { for kh in 0..<f { for kw in 0..<f { for ci in 0..<inChannels {
            var s = 0.0
            for i in 0..<n { for oy in 0..<oh { for ox in 0..<ow {
                s += inputValue(x, i, oy * stride + kh - pad, ox * stride + kw - pad, ci) * delta(i, oy, ox, co)
            } } }
            dW.storage[((co * f + kh) * f + kw) * inChannels + ci] = s
        } } } }
        // dx = δ (spread by the stride) ⊛_full rot180(W): each input pixel collects the errors of every output it fed.
        var dx = Tensor<Double>(shape: x.shape)
        for i in 0..<n { for iy in 0..<h { for ix in 0..<w { for ci in 0..<inChannels {
            var s = 0.0
            for co in 0..<outChannels { for kh in 0..<f { for kw in 0..<f {
                // The output that saw input (iy, ix) through kernel tap (kh, kw) sits at ((iy + p - kh)/s, (ix + p - kw)/s).
                let ty = iy + pad - kh, tx = ix + pad - kw
                guard ty >= 0, tx >= 0, ty % stride == 0, tx % stride == 0 else { continue }
                let oy = ty / stride, ox = tx / stride
                guard oy < oh, ox < ow else { continue }
                s += delta(i, oy, ox, co) * weights.storage[((co * f + kh) * f + kw) * inChannels + ci]
            } } }
            dx.storage[((i * h + iy) * w + ix) * inChannels + ci] = s
        } } } }
        return Gradients(dx: dx, dW: dW, db: db)
    }

    // MARK: Vectorised: im2col + GEMM.

    /// Patches of x as rows: row (i, oy, ox) holds x[i, oy·s + kh - p, ox·s + kw - p, :] for kh, kw in order.
    public func im2col(_ x: Tensor<Double>) -> Tensor<Double> {
        let (n, h, w, cin) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = outputSize(h, w)
        let k = f * f * cin
        var cols = [Double](repeating: 0, count: n * oh * ow * k)
        x.storage.withUnsafeBufferPointer { src in
            cols.withUnsafeMutableBufferPointer { dst in
                var row = 0
                for i in 0..<n { for oy in 0..<oh { for ox in 0..<ow {
                    let base = row * k
                    for kh in 0..<f {
                        let y = oy * stride + kh - pad
                        if y < 0 || y >= h { continue }
                        for kw in 0..<f {
                            let xx = ox * stride + kw - pad
                            if xx < 0 || xx >= w { continue }
                            let s = ((i * h + y) * w + xx) * cin, d = base + (kh * f + kw) * cin
                            for c in 0..<cin { dst[d + c] = src[s + c] }
                        }
                    }
                    row += 1
                } } }
            }
        }
        return Tensor(shape: [n * oh * ow, k], storage: cols)
    }

    /// The adjoint of im2col: adds each row's values back onto the input positions they came from.
    public func col2im(_ cols: Tensor<Double>, inputShape: [Int]) -> Tensor<Double> {
        let (n, h, w, cin) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let (oh, ow) = outputSize(h, w)
        let k = f * f * cin
        var x = [Double](repeating: 0, count: n * h * w * cin)
        cols.storage.withUnsafeBufferPointer { src in
            x.withUnsafeMutableBufferPointer { dst in
                var row = 0
                for i in 0..<n { for oy in 0..<oh { for ox in 0..<ow {
                    let base = row * k
                    for kh in 0..<f {
                        let y = oy * stride + kh - pad
                        if y < 0 || y >= h { continue }
                        for kw in 0..<f {
                            let xx = ox * stride + kw - pad
                            if xx < 0 || xx >= w { continue }
                            let d = ((i * h + y) * w + xx) * cin, s = base + (kh * f + kw) * cin
                            for c in 0..<cin { dst[d + c] += src[s + c] }
                        }
                    }
                    row += 1
                } } }
            }
        }
        return Tensor(shape: inputShape, storage: x)
    }

    public func forward(_ x: Tensor<Double>) -> (z: Tensor<Double>, cache: Cache) {
        let (n, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        let (oh, ow) = outputSize(h, w)
        let cols = im2col(x)                                   // (N·OH·OW, f·f·C_in)
        let wMatrix = weights.reshaped(outChannels, f * f * inChannels)
        // Z = cols · Wᵀ + b
        var z = Tensor.matmul(cols, wMatrix, transposeB: true)  // (N·OH·OW, C_out)
        z.storage.withUnsafeMutableBufferPointer { p in
            bias.storage.withUnsafeBufferPointer { b in
                for r in 0..<(n * oh * ow) { for c in 0..<outChannels { p[r * outChannels + c] += b[c] } }
            }
        }
        return (z.reshaped(n, oh, ow, outChannels), Cache(inputShape: x.shape, x: nil, columns: cols))
    }

    public func backward(_ dz: Tensor<Double>, cache: Cache) -> Gradients {
        let cols = cache.columns!
        let d = dz.reshaped(cols.rows, outChannels)            // (N·OH·OW, C_out)
        // dW = δᵀ · cols
        let dW = Tensor.matmul(d, cols, transposeA: true).reshaped(weights.shape)
        // db = Σ_rows δ
        let db = Tensor(shape: [outChannels], storage: d.sum(axis: 0).storage)
        // dx = col2im(δ · W)
        let dcols = Tensor.matmul(d, weights.reshaped(outChannels, f * f * inChannels))
        return Gradients(dx: col2im(dcols, inputShape: cache.inputShape), dW: dW, db: db)
    }
}

/// `conv f=3 out=10 pad=0 stride=1`: out filters of f × f over every input channel.
public struct ConvKind: LayerKind, Equatable {
    public static let keyword = "conv"
    public static let keys = [LayerKey("f", least: 1), LayerKey("out", least: 1), LayerKey("pad", default: 0), LayerKey("stride", default: 1, least: 1)]
    public let f: Int, out: Int, pad: Int, stride: Int
    public init(f: Int, out: Int, pad: Int, stride: Int) { self.f = f; self.out = out; self.pad = pad; self.stride = stride }
    public init(values v: [Int]) { self.init(f: v[0], out: v[1], pad: v[2], stride: v[3]) }
    public var values: [Int] { [f, out, pad, stride] }

    // (H, W, C) → ((H + 2·pad − f) / stride + 1, (W + 2·pad − f) / stride + 1, out)
    public func outputShape(_ input: [Int]) -> Result<[Int], ShapeMismatch> {
        imageInput(input, Self.keyword).flatMap { (ih, iw, _) in
            // Checked: a lesson file can ask for any numbers, and they must fail here, not trap.
            guard let h = (CheckedInt(ih) + CheckedInt(pad) * CheckedInt(2)).value,
                  let w = (CheckedInt(iw) + CheckedInt(pad) * CheckedInt(2)).value else {
                return .failure(ShapeMismatch("padding \(pad) is too large"))
            }
            guard f > 0, stride > 0, pad >= 0, h >= f, w >= f else {
                return .failure(ShapeMismatch("a \(f)×\(f) kernel with padding \(pad) does not fit its \(ih)×\(iw) input"))
            }
            return .success([(h - f) / stride + 1, (w - f) / stride + 1, out])
        }
    }

    public func makeLayer(input: [Int], seed: UInt32, filterDraw: Conv2D.FilterDraw, rng: inout RandomState) -> any NetworkLayer {
        Conv2D(f: f, inChannels: input[2], outChannels: out, pad: pad, stride: stride, seed: seed, draw: filterDraw, rng: &rng)
    }

    public func parameterCount(input: [Int]) -> CheckedInt {
        CheckedInt.product([f, f, input.count == 3 ? input[2] : 1, out]) + CheckedInt(out)
    }

    /// im2col: one row of f·f·C_in per output position.
    public func workspacePerImage(input: [Int], output: [Int]) -> CheckedInt {
        CheckedInt.product([output.count == 3 ? output[0] : 1, output.count == 3 ? output[1] : 1, f, f, input.count == 3 ? input[2] : 1])
    }
}

extension LayerKind where Self == ConvKind {
    public static func conv(f: Int, out: Int, pad: Int, stride: Int) -> ConvKind { ConvKind(f: f, out: out, pad: pad, stride: stride) }
}

extension Conv2D: NetworkLayer {
    public func forward(_ x: Tensor<Double>, naive: Bool) -> (output: Tensor<Double>, cache: any Sendable) {
        let r = naive ? forwardNaive(x) : forward(x)
        return (r.z, r.cache)
    }

    public func backward(_ delta: Tensor<Double>, cache: any Sendable, naive: Bool, perImageClip: Double?) -> LayerBackward {
        // The tutorial's conv layers clip a copy of their gradient that is then thrown away: no per-image clip here.
        let cache = cache as! Cache
        let g = naive ? backwardNaive(delta, cache: cache) : backward(delta, cache: cache)
        return LayerBackward(dx: g.dx, gradients: ParameterGradients(dW: g.dW, db: g.db))
    }

    public var parameters: [Tensor<Double>] {
        get { [weights, bias] }
        set { weights = newValue[0]; bias = newValue[1] }
    }
}
