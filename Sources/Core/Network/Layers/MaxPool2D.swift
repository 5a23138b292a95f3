// Max pooling over NHWC batches with window f = stride (non-overlapping, remainder dropped),
// remembering where each maximum came from so the backward pass can route errors there.
import Numerics

public struct MaxPool2D: PoolingKind, Equatable {
    public static let keyword = "maxpool"
    public static let keys = [LayerKey("f", least: 1)]
    public let f: Int
    public init(f: Int) { self.f = f }
    public init(values v: [Int]) { self.init(f: v[0]) }
    public var values: [Int] { [f] }


    public struct Cache: Sendable {
        public let inputShape: [Int]
        /// For each output element, the flat index into the input of its maximum.
        public let argmax: [Int]
    }

    // out[i, oy, ox, c] = max_{dy, dx < f} x[i, oy·f + dy, ox·f + dx, c]
    public func forward(_ x: Tensor<Double>) -> (out: Tensor<Double>, cache: Cache) {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = outputSize(h, w)
        var out = [Double](repeating: 0, count: n * oh * ow * c)
        var argmax = [Int](repeating: 0, count: out.count)
        x.storage.withUnsafeBufferPointer { src in
            for i in 0..<n { for oy in 0..<oh { for ox in 0..<ow { for ch in 0..<c {
                var best = -Double.infinity, bestIndex = 0
                for dy in 0..<f { for dx in 0..<f {
                    let idx = ((i * h + oy * f + dy) * w + ox * f + dx) * c + ch
                    if src[idx] > best { best = src[idx]; bestIndex = idx }  // first maximum wins ties
                } }
                let o = ((i * oh + oy) * ow + ox) * c + ch
                out[o] = best; argmax[o] = bestIndex
            } } } }
        }
        return (Tensor(shape: [n, oh, ow, c], storage: out), Cache(inputShape: x.shape, argmax: argmax))
    }

    // dx[argmax(o)] = δ[o]; every other input gets 0
    public func backward(_ dout: Tensor<Double>, cache: Cache) -> Tensor<Double> {
        var dx = [Double](repeating: 0, count: cache.inputShape.reduce(1, *))
        for (o, idx) in cache.argmax.enumerated() { dx[idx] += dout.storage[o] }
        return Tensor(shape: cache.inputShape, storage: dx)
    }

    /// The same pooling as plain loops over windows, for the step-through and as the reference.
    public func forwardNaive(_ x: Tensor<Double>) -> Tensor<Double> {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = outputSize(h, w)
        return Tensor(shape: [n, oh, ow, c]) { o in
            let ch = o % c, ox = (o / c) % ow, oy = (o / c / ow) % oh, i = o / c / ow / oh
            var best = -Double.infinity
            for dy in 0..<f { for dx in 0..<f { best = max(best, x.storage[((i * h + oy * f + dy) * w + ox * f + dx) * c + ch]) } }
            return best
        }
    }
}

extension MaxPool2D {
    // (H, W, C) → (H / f, W / f, C)
    public func outputShape(_ input: [Int]) -> Result<[Int], ShapeMismatch> { poolOutputShape(input, f: f, keyword: Self.keyword) }

    public func makeLayer(input: [Int], seed: UInt32, filterDraw: Conv2D.FilterDraw, rng: inout RandomState) -> any NetworkLayer { self }

    public func forward(_ x: Tensor<Double>, naive: Bool) -> (output: Tensor<Double>, cache: any Sendable) {
        let r = forward(x)
        return (naive ? forwardNaive(x) : r.out, r.cache)
    }

    public func backward(_ delta: Tensor<Double>, cache: any Sendable, naive: Bool, perImageClip: Double?) -> LayerBackward {
        LayerBackward(dx: backward(delta, cache: cache as! Cache))
    }
}

extension LayerKind where Self == MaxPool2D {
    public static func maxpool(f: Int) -> MaxPool2D { MaxPool2D(f: f) }
}

/// A pooling window of f × f over an image input, or why it does not fit: (H, W, C) → (H / f, W / f, C).
func poolOutputShape(_ input: [Int], f: Int, keyword: String) -> Result<[Int], ShapeMismatch> {
    imageInput(input, keyword).flatMap { (h, w, c) in
        guard f > 0, h >= f, w >= f else {
            return .failure(ShapeMismatch("a \(f)×\(f) pooling window does not fit its \(h)×\(w) input"))
        }
        return .success([h / f, w / f, c])
    }
}
