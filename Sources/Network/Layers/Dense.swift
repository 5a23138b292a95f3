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

    /// Σ_n clip(δ_nᵀ x_n, ±c): each image's weight gradient clipped before the sum, as the tutorial's
    /// per-image layer code does. Loops as the formula reads; the training path adds the same
    /// correction onto its GEMM (`PerImageClip.correct`). Returns the sum and how many entries were clipped.
    public static func perImageClippedWeightGradient(_ dz: Tensor<Double>, cache: Cache, clip c: Double) -> (dW: Tensor<Double>, clipped: Int) {
        let x = cache.x, n = x.shape[0], inputs = x.shape[1], outputs = dz.shape[1]  // dz: (N, out), x: (N, in)
        var dW = Tensor<Double>(shape: [outputs, inputs])
        var clipped = 0
        for r in 0..<n {
            for o in 0..<outputs {
                for i in 0..<inputs {
                    // dW_n[o, i] = δ[n, o] · x[n, i], clipped to [−c, c]
                    let v = dz[r, o] * x[r, i]
                    if abs(v) > c { clipped += 1 }
                    dW[o, i] += min(c, max(-c, v))
                }
            }
        }
        return (dW, clipped)
    }
}

/// The training path's per-image clipping: given the GEMM's δᵀx, only entries whose per-image
/// product passes ±c need changing, and max|δ_n,o|·max|x_n| ≤ c rules most rows out at once.
public enum PerImageClip {
    /// Adds Σ_n (clip(δ_n,o·x_n,i) − δ_n,o·x_n,i) onto dW; returns how many products were clipped.
    /// delta: (n, outputs), x: (n, inputs), dW: (outputs, inputs), all row-major.
    public static func correct<S: BinaryFloatingPoint>(delta: UnsafePointer<S>, x: UnsafePointer<S>, n: Int, outputs: Int, inputs: Int,
                                                      clip c: S, into dW: UnsafeMutablePointer<S>) -> Int {
        var clipped = 0
        for r in 0..<n {
            let xr = x + r * inputs, dr = delta + r * outputs
            var xMax: S = 0
            for i in 0..<inputs { xMax = max(xMax, abs(xr[i])) }
            for o in 0..<outputs {
                let d = dr[o]
                guard abs(d) * xMax > c else { continue }
                let row = dW + o * inputs
                for i in 0..<inputs {
                    let v = d * xr[i]
                    if v > c { row[i] += c - v; clipped += 1 } else if v < -c { row[i] += -c - v; clipped += 1 }
                }
            }
        }
        return clipped
    }
}
