// Numerical gradients by central differences, and the relative error that compares them with
// analytic ones: the test every backward pass in the program has to pass.
import Numerics

public enum GradientCheck {
    /// ∂f/∂θ_i ≈ (f(θ + h e_i) - f(θ - h e_i)) / 2h for every element of θ = `point`.
    public static func numerical(at point: Tensor<Double>, h: Double = 1e-5, _ f: (Tensor<Double>) -> Double) -> Tensor<Double> {
        var theta = point
        var grad = Tensor<Double>(shape: point.shape)
        for i in 0..<point.count {
            let saved = theta.storage[i]
            theta.storage[i] = saved + h
            let plus = f(theta)
            theta.storage[i] = saved - h
            let minus = f(theta)
            theta.storage[i] = saved
            grad.storage[i] = (plus - minus) / (2 * h)
        }
        return grad
    }

    /// ‖a - n‖ / (‖a‖ + ‖n‖) over the whole tensor: 0 for identical, 1 for opposite or unrelated.
    /// Norms rather than a per-element maximum, so entries near zero (where central differences
    /// only see rounding noise) do not drown the comparison.
    public static func relativeError(_ analytic: Tensor<Double>, _ numeric: Tensor<Double>) -> Double {
        precondition(analytic.count == numeric.count)
        var diff = 0.0, na = 0.0, nn = 0.0
        for i in 0..<analytic.count {
            let a = analytic.storage[i], n = numeric.storage[i]
            diff += (a - n) * (a - n); na += a * a; nn += n * n
        }
        let denominator = na.squareRoot() + nn.squareRoot()
        return denominator == 0 ? 0 : diff.squareRoot() / denominator
    }

    public struct Result: Sendable {
        public let name: String
        public let relativeError: Double
        public let analytic: Tensor<Double>
        public let numerical: Tensor<Double>
    }
}

extension TwoLayerNetwork {
    /// Checks dW1, db1, dW2, db2 from `rule` against numerical gradients of the mean cross-entropy on (X, labels).
    /// A scalar tutorial db is compared as that scalar repeated for every unit.
    public func gradientCheck(_ X: Tensor<Double>, labels: [Int], rule: GradientRule, h: Double = 1e-5) -> [GradientCheck.Result] {
        let g = backward(forward(X, rule: rule), labels: labels, rule: rule)
        func expand(_ db: Tensor<Double>, to rows: Int) -> Tensor<Double> {
            db.count == rows ? db : Tensor(shape: [rows, 1], repeating: db.storage[0])
        }
        let nW1 = GradientCheck.numerical(at: W1, h: h) { var n = self; n.W1 = $0; return n.loss(X, labels: labels) }
        let nb1 = GradientCheck.numerical(at: b1, h: h) { var n = self; n.b1 = $0; return n.loss(X, labels: labels) }
        let nW2 = GradientCheck.numerical(at: W2, h: h) { var n = self; n.W2 = $0; return n.loss(X, labels: labels) }
        let nb2 = GradientCheck.numerical(at: b2, h: h) { var n = self; n.b2 = $0; return n.loss(X, labels: labels) }
        let db1 = expand(g.db1, to: b1.rows), db2 = expand(g.db2, to: b2.rows)
        return [
            .init(name: "W1", relativeError: GradientCheck.relativeError(g.dW1, nW1), analytic: g.dW1, numerical: nW1),
            .init(name: "b1", relativeError: GradientCheck.relativeError(db1, nb1), analytic: db1, numerical: nb1),
            .init(name: "W2", relativeError: GradientCheck.relativeError(g.dW2, nW2), analytic: g.dW2, numerical: nW2),
            .init(name: "b2", relativeError: GradientCheck.relativeError(db2, nb2), analytic: db2, numerical: nb2),
        ]
    }
}

extension CNN {
    /// One parameter tensor's check: layer `layer`'s weights or biases, on `checked` of its `count` entries.
    public struct ParameterCheck: Sendable {
        public let layer: Int
        public let isWeight: Bool
        public let relativeError: Double
        public let checked: Int
        public let count: Int
    }

    /// Every parameter layer's dW and db from `backward` against central differences of the summed
    /// cross-entropy on (x, labels), nudging each entry by ±h. Tensors of more than `limit` entries are
    /// checked at `sampled` entries drawn (with repeats) from RandomState(seed: 7); `beforeEach` runs
    /// before every entry (a caller's interrupt check).
    public func gradientCheck(_ x: Tensor<Double>, labels: [Int], h: Double = 1e-5, limit: Int = 500, sampled: Int = 200,
                              beforeEach: () throws -> Void = {}) rethrows -> [ParameterCheck] {
        let back = backward(forward(x), labels: labels)
        func loss(_ n: CNN) -> Double { SoftmaxCrossEntropy.loss(n.forward(x).probabilities, labels: labels) }
        var checks = [ParameterCheck]()
        var sampler = RandomState(seed: 7)
        var firstSlot = 0  // where this layer's tensors sit in `parameters`
        for (i, layer) in layers.enumerated() {
            let tensors = layer.parameters
            guard let g = back.gradients[i], tensors.count == 2 else { firstSlot += tensors.count; continue }
            for (point, analytic, isWeight) in [(tensors[0], g.dW, true), (tensors[1], g.db, false)] {
                let slot = firstSlot + (isWeight ? 0 : 1)
                var params = parameters
                let entries = point.count <= limit ? Array(0..<point.count) : (0..<sampled).map { _ in Int(sampler.interval(UInt64(point.count - 1))) }
                var a = [Double](), n = [Double]()
                for k in entries {
                    try beforeEach()
                    var p = point
                    // ∂J/∂θ_k ≈ (J(θ + h e_k) − J(θ − h e_k)) / 2h
                    func eval(_ v: Double) -> Double {
                        p.storage[k] = v
                        var m = self
                        params[slot] = p
                        m.parameters = params
                        return loss(m)
                    }
                    let v = point.storage[k]
                    n.append((eval(v + h) - eval(v - h)) / (2 * h))
                    a.append(analytic.storage[k])
                }
                let e = GradientCheck.relativeError(Tensor(shape: [a.count], storage: a), Tensor(shape: [n.count], storage: n))
                checks.append(ParameterCheck(layer: i, isWeight: isWeight, relativeError: e, checked: entries.count, count: point.count))
            }
            firstSlot += 2
        }
        return checks
    }
}
