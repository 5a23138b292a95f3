// The letters tutorial's 30-5-3 network: sigmoid on both layers, no biases, per-sample updates.
// Kept as the tutorial wrote it, including its output error d2 = a2 - y (see `backward`).
import Numerics

public struct LetterNetwork: Sendable {
    public var w1: Tensor<Double>  // (inputs, hidden) = (30, 5)
    public var w2: Tensor<Double>  // (hidden, outputs) = (5, 3)

    public init(w1: Tensor<Double>, w2: Tensor<Double>) {
        precondition(w1.columns == w2.rows, "w1 \(w1.shape) and w2 \(w2.shape) do not chain")
        self.w1 = w1; self.w2 = w2
    }

    /// The tutorial's `generate_wt`: one `randn()` per element, row by row, w1 then w2.
    public init(inputs: Int, hidden: Int, outputs: Int, rng: inout RandomState) {
        self.init(w1: rng.randn(inputs, hidden), w2: rng.randn(hidden, outputs))
    }

    /// Everything the forward pass computed, which backward consumes.
    public struct ForwardCache: Sendable {
        public let x: Tensor<Double>   // (1, 30)
        public let z1: Tensor<Double>  // (1, 5)
        public let a1: Tensor<Double>  // (1, 5)
        public let z2: Tensor<Double>  // (1, 3)
        public let a2: Tensor<Double>  // (1, 3)
    }

    public func forward(_ x: Tensor<Double>) -> ForwardCache {
        // z1 = x · w1
        let z1 = x.dot(w1)
        // a1 = sigmoid(z1)
        let a1 = Activation.sigmoid(z1)
        // z2 = a1 · w2
        let z2 = a1.dot(w2)
        // a2 = sigmoid(z2)
        let a2 = Activation.sigmoid(z2)
        return ForwardCache(x: x, z1: z1, a1: a1, z2: z2, a2: a2)
    }

    public struct Gradients: Sendable {
        public let d2: Tensor<Double>        // (1, 3)
        public let d1: Tensor<Double>        // (1, 5)
        public let w1Adjust: Tensor<Double>  // (30, 5)
        public let w2Adjust: Tensor<Double>  // (5, 3)
    }

    public func backward(_ f: ForwardCache, y: Tensor<Double>) -> Gradients {
        // d2 = a2 - y  (the tutorial's choice; the MSE gradient through the sigmoid would be 2/3 (a2 - y) a2 (1 - a2))
        let d2 = f.a2 - y
        // d1 = (w2 · d2ᵀ)ᵀ ⊙ a1 (1 - a1)
        let d1 = Tensor.matmul(d2, w2, transposeB: true) * Activation.sigmoidDerivative(fromActivation: f.a1)
        // w1_adj = xᵀ · d1
        let w1Adjust = Tensor.matmul(f.x, d1, transposeA: true)
        // w2_adj = a1ᵀ · d2
        let w2Adjust = Tensor.matmul(f.a1, d2, transposeA: true)
        return Gradients(d2: d2, d1: d1, w1Adjust: w1Adjust, w2Adjust: w2Adjust)
    }

    // w ← w - alpha · w_adj
    public mutating func apply(_ g: Gradients, learningRate alpha: Double) {
        w1 = w1 - alpha * g.w1Adjust
        w2 = w2 - alpha * g.w2Adjust
    }

    /// Index of the largest output (the tutorial's `predict` loop; first maximum wins).
    public func predict(_ x: Tensor<Double>) -> Int {
        forward(x).a2.argmaxOverColumns()[0]
    }
}

extension LetterNetwork {
    /// One epoch as the tutorial's `train` loop runs it: for each sample, the loss before its update,
    /// then the update. Returns the per-sample losses; `observe` sees each sample's pass and adjustments
    /// (the health figures are read there).
    public mutating func trainEpoch(inputs: [Tensor<Double>], labels: [Tensor<Double>], learningRate: Double,
                                    lossDivisor: Int, observe: (ForwardCache, Gradients) -> Void = { _, _ in }) -> [Double] {
        var losses = [Double]()
        for (x, y) in zip(inputs, labels) {
            let cache = forward(x)
            losses.append(Loss.letterTutorialMSE(cache.a2, y, divisor: lossDivisor))
            let g = backward(cache, y: y)
            observe(cache, g)
            apply(g, learningRate: learningRate)
        }
        return losses
    }
}
