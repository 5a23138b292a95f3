// Average pooling over NHWC batches with window f = stride (non-overlapping, remainder dropped): the
// pooling the tutorial's PoolLayer names 'mean' and then refuses. Every input of a window gets an
// equal share of its error, where max-pooling gives all of it to the maximum.
import Numerics

public struct AvgPool2D: PoolingKind, Equatable {
    public static let keyword = "avgpool"
    public static let keys = [LayerKey("f", least: 1)]
    public let f: Int
    public init(f: Int) { self.f = f }
    public init(values v: [Int]) { self.init(f: v[0]) }
    public var values: [Int] { [f] }

    // (H, W, C) → (H / f, W / f, C)
    public func outputShape(_ input: [Int]) -> Result<[Int], ShapeMismatch> { poolOutputShape(input, f: f, keyword: Self.keyword) }

    public func makeLayer(input: [Int], seed: UInt32, filterDraw: Conv2D.FilterDraw, rng: inout RandomState) -> any NetworkLayer { self }

    /// The input's shape, all the backward pass needs.
    public struct Cache: Sendable { public let inputShape: [Int] }

    // out[i, oy, ox, c] = (1 / f²) Σ_{dy, dx < f} x[i, oy·f + dy, ox·f + dx, c]
    public func forward(_ x: Tensor<Double>) -> Tensor<Double> {
        let (h, w, c) = (x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = outputSize(h, w)
        let share = 1 / Double(f * f)
        return Tensor(shape: [x.shape[0], oh, ow, c]) { o in
            let ch = o % c, ox = (o / c) % ow, oy = (o / c / ow) % oh, i = o / c / ow / oh
            var sum = 0.0
            for dy in 0..<f { for dx in 0..<f { sum += x.storage[((i * h + oy * f + dy) * w + ox * f + dx) * c + ch] } }
            return sum * share
        }
    }

    // dx[i, oy·f + dy, ox·f + dx, c] = δ[i, oy, ox, c] / f²; inputs past the last whole window get 0
    public func backward(_ dout: Tensor<Double>, inputShape: [Int]) -> Tensor<Double> {
        let (h, w, c) = (inputShape[1], inputShape[2], inputShape[3])
        let (oh, ow) = outputSize(h, w)
        let share = 1 / Double(f * f)
        return Tensor(shape: inputShape) { k in
            let ch = k % c, x = (k / c) % w, y = (k / c / w) % h, i = k / c / w / h
            let (oy, ox) = (y / f, x / f)
            guard oy < oh, ox < ow else { return 0 }
            return dout.storage[((i * oh + oy) * ow + ox) * c + ch] * share
        }
    }

    public func forward(_ x: Tensor<Double>, naive: Bool) -> (output: Tensor<Double>, cache: any Sendable) {
        (forward(x), Cache(inputShape: x.shape))
    }

    public func backward(_ delta: Tensor<Double>, cache: any Sendable, naive: Bool, perImageClip: Double?) -> LayerBackward {
        LayerBackward(dx: backward(delta, inputShape: (cache as! Cache).inputShape))
    }
}

extension LayerKind where Self == AvgPool2D {
    public static func avgpool(f: Int) -> AvgPool2D { AvgPool2D(f: f) }
}
