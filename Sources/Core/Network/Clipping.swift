// Gradient clipping, in one place: what it applies to (the batch sum of every layer, or each image's
// dense gradient as the tutorial's layer code does), the update rule that carries it, and the
// readable per-image clip. The training path's fast version of the per-image clip (a correction onto
// its GEMM, CKernels' lesson_clip_correct through Training's KernelScalar.clipCorrection) is proven
// equal to this one by the tests.
import Numerics

extension CNN {
    /// What gradient clipping applies to.
    public enum ClipScope: String, Sendable, CaseIterable {
        /// The weight gradient summed over the mini-batch, in every layer with weights.
        case batch
        /// Each image's dense-layer weight gradient, before the sum: what the tutorial's layer code
        /// does (its conv layers clip a copy that is then discarded, so their gradients are not clipped).
        case image
    }

    /// How the update treats the summed gradients.
    public struct UpdateRule: Sendable {
        public var learningRate: Double
        public var lambda: Double
        public var clip: Double
        public var clipScope: ClipScope
        /// The tutorial divides by the batch size it was asked for, even for a short last batch.
        public var batchSize: Int
        public init(learningRate: Double, lambda: Double, clip: Double, clipScope: ClipScope = .batch, batchSize: Int) {
            self.learningRate = learningRate; self.lambda = lambda; self.clip = clip; self.clipScope = clipScope; self.batchSize = batchSize
        }
        /// The clip `backward` applies per image, if that is the scope.
        public var perImageClip: Double? { clipScope == .image ? clip : nil }
        /// The bound the update clips the batch-summed gradient to: `clip` for `.batch`, none for `.image`
        /// (whose gradients were clipped per image in the backward pass).
        public var batchClipBound: Double { clipScope == .batch ? clip : .infinity }
    }
}

extension Dense {
    /// Σ_n clip(δ_nᵀ x_n, ±c): each image's weight gradient clipped before the sum, as the tutorial's
    /// per-image layer code does. Loops as the formula reads; the training path adds the same
    /// correction onto its GEMM (`KernelScalar.clipCorrection`). Returns the sum and how many entries were clipped.
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
