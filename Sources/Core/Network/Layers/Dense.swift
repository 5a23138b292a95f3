// A fully connected layer over a batch of row vectors: z = x · Wᵀ + b, with W (out, in) as the tutorial stores it.
import Numerics

public struct Dense: Sendable {
    public var weights: Tensor<Double>  // (out, in)
    public var bias: Tensor<Double>     // (out)
    public var inputs: Int { weights.shape[1] }
    public var outputs: Int { weights.shape[0] }

    public init(weights: Tensor<Double>, bias: Tensor<Double>) { self.weights = weights; self.bias = bias }

    /// He initialisation as the tutorial writes it: `np.random.seed(seed)`, `normal(0, sqrt(2/in), size=[out, in])`, then the biases.
    public init(inputs: Int, outputs: Int, seed: UInt32, rng: inout RandomState) {
        rng.seed(seed)
        let std = (2.0 / Double(inputs)).squareRoot()
        let w = rng.normal(mean: 0, std: std, shape: [outputs, inputs])
        self.init(weights: w, bias: rng.normal(mean: 0, std: std, shape: [outputs]))
    }

    public struct Cache: Sendable { public let x: Tensor<Double> }  // x: (N, in)

    public struct Gradients: Sendable {
        public let dx: Tensor<Double>  // (N, in)
        public let dW: Tensor<Double>  // (out, in)
        public let db: Tensor<Double>  // (out)
    }

    // z = x · Wᵀ + b
    public func forward(_ x: Tensor<Double>) -> (z: Tensor<Double>, cache: Cache) {
        var z = Tensor.matmul(x, weights, transposeB: true)  // (N, out)
        let o = outputs
        z.storage.withUnsafeMutableBufferPointer { p in
            for r in 0..<x.shape[0] { for c in 0..<o { p[r * o + c] += bias.storage[c] } }
        }
        return (z, Cache(x: x))
    }

    public func backward(_ dz: Tensor<Double>, cache: Cache) -> Gradients {
        // dW = δᵀ · x,  db = Σ_rows δ,  dx = δ · W
        Gradients(dx: Tensor.matmul(dz, weights), dW: Tensor.matmul(dz, cache.x, transposeA: true),
                  db: Tensor(shape: [outputs], storage: dz.sum(axis: 0).storage))
    }

    public func forwardNaive(_ x: Tensor<Double>) -> Tensor<Double> {
        Tensor(shape: [x.shape[0], outputs]) { k in
            let (r, o) = (k / outputs, k % outputs)
            var s = bias.storage[o]
            for i in 0..<inputs { s += x[r, i] * weights[o, i] }
            return s
        }
    }

    public func backwardNaive(_ dz: Tensor<Double>, cache: Cache) -> Gradients {
        let x = cache.x, n = x.shape[0]
        let dx = Tensor<Double>(shape: x.shape) { k in
            let (r, i) = (k / inputs, k % inputs)
            var s = 0.0
            for o in 0..<outputs { s += dz[r, o] * weights[o, i] }
            return s
        }
        let dW = Tensor<Double>(shape: weights.shape) { k in
            let (o, i) = (k / inputs, k % inputs)
            var s = 0.0
            for r in 0..<n { s += dz[r, o] * x[r, i] }
            return s
        }
        let db = Tensor<Double>(shape: [outputs]) { o in (0..<n).reduce(0) { $0 + dz[$1, o] } }
        return Gradients(dx: dx, dW: dW, db: db)
    }
}

/// `dense out=100`: every input joined to each of out units.
public struct DenseKind: LayerKind, Equatable {
    public static let keyword = "dense"
    public static let keys = [LayerKey("out", least: 1)]
    public let out: Int
    public init(out: Int) { self.out = out }
    public init(values v: [Int]) { self.init(out: v[0]) }
    public var values: [Int] { [out] }

    // (n) → (out)
    public func outputShape(_ input: [Int]) -> Result<[Int], ShapeMismatch> {
        input.count == 1 ? .success([out]) : .failure(ShapeMismatch("dense needs a flat input, got \(input); add a flatten layer before it"))
    }

    public func makeLayer(input: [Int], seed: UInt32, filterDraw: Conv2D.FilterDraw, rng: inout RandomState) -> any NetworkLayer {
        Dense(inputs: input[0], outputs: out, seed: seed, rng: &rng)
    }

    public func parameterCount(input: [Int]) -> CheckedInt { CheckedInt.product(input) * CheckedInt(out) + CheckedInt(out) }
}

extension LayerKind where Self == DenseKind {
    public static func dense(out: Int) -> DenseKind { DenseKind(out: out) }
}

extension Dense: NetworkLayer {
    public func forward(_ x: Tensor<Double>, naive: Bool) -> (output: Tensor<Double>, cache: any Sendable) {
        let r = forward(x)
        return (naive ? forwardNaive(x) : r.z, r.cache)
    }

    public func backward(_ delta: Tensor<Double>, cache: any Sendable, naive: Bool, perImageClip: Double?) -> LayerBackward {
        let cache = cache as! Cache
        let g = naive ? backwardNaive(delta, cache: cache) : backward(delta, cache: cache)
        guard let clip = perImageClip else { return LayerBackward(dx: g.dx, gradients: ParameterGradients(dW: g.dW, db: g.db)) }
        // Σ_n clip(δ_nᵀ x_n): each image's weight gradient clipped before the sum, as the tutorial's dense layer does
        let c = Dense.perImageClippedWeightGradient(delta, cache: cache, clip: clip)
        return LayerBackward(dx: g.dx, gradients: ParameterGradients(dW: c.dW, db: g.db, clippedEntries: c.clipped))
    }

    public var parameters: [Tensor<Double>] {
        get { [weights, bias] }
        set { weights = newValue[0]; bias = newValue[1] }
    }
}
