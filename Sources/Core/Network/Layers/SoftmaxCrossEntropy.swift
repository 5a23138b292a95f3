// Softmax over each row and the cross-entropy loss; together their gradient is simply a - y.
import Numerics

public enum SoftmaxCrossEntropy {
    // a[r, k] = e^(z[r, k] - max_k z[r, k]) / Σ_k e^(z[r, k] - max)
    public static func softmax(_ z: Tensor<Double>) -> Tensor<Double> {
        let (n, k) = (z.shape[0], z.shape[1])
        var out = z.storage
        for r in 0..<n {
            var m = -Double.infinity
            for j in 0..<k { m = max(m, out[r * k + j]) }
            var s = 0.0
            for j in 0..<k { let e = cExp(out[r * k + j] - m); out[r * k + j] = e; s += e }
            for j in 0..<k { out[r * k + j] /= s }
        }
        return Tensor(shape: z.shape, storage: out)
    }

    // J = -Σ_r log a[r, y_r]   (summed over the batch, as the tutorial's crossEntropy)
    public static func loss(_ a: Tensor<Double>, labels: [Int]) -> Double {
        let k = a.shape[1]
        var s = 0.0
        for (r, y) in labels.enumerated() { s -= cLog(max(a.storage[r * k + y], 1e-300)) }
        return s
    }

    // δ = a - y
    public static func delta(_ a: Tensor<Double>, labels: [Int]) -> Tensor<Double> {
        var d = a
        let k = a.shape[1]
        for (r, y) in labels.enumerated() { d.storage[r * k + y] -= 1 }
        return d
    }
}

/// `softmax`: the network's last layer, probabilities from scores. Its backward takes δ = a − y, the
/// gradient of softmax and cross-entropy together, and hands it on as ∂J/∂z.
public struct Softmax: LayerKind, NetworkLayer, Equatable {
    public static let keyword = "softmax"
    public init() {}
    public init(values: [Int]) {}

    public func outputShape(_ input: [Int]) -> Result<[Int], ShapeMismatch> {
        input.count == 1 ? .success(input) : .failure(ShapeMismatch("softmax needs a flat input, got \(input)"))
    }

    public func makeLayer(input: [Int], seed: UInt32, filterDraw: Conv2D.FilterDraw, rng: inout RandomState) -> any NetworkLayer { self }

    public func forward(_ x: Tensor<Double>, naive: Bool) -> (output: Tensor<Double>, cache: any Sendable) {
        (SoftmaxCrossEntropy.softmax(x), ())
    }

    public func backward(_ delta: Tensor<Double>, cache: any Sendable, naive: Bool, perImageClip: Double?) -> LayerBackward {
        LayerBackward(dx: delta)
    }
}

extension LayerKind where Self == Softmax {
    public static var softmax: Softmax { Softmax() }
}
