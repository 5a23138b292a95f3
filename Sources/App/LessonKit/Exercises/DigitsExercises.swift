// Lesson 1's exercise: the tutorial's backward_prop, images as columns. The right answer is the true
// gradient of the mean cross-entropy (m = the number of images in X, one bias gradient per unit); the
// tutorial's two slips (dividing by every row it loaded, np.sum over every entry for db) are named when
// a student repeats them. The reference is the network's own TwoLayerNetwork.backward(.corrected).
import Network
import Numerics

enum DigitsExercises {
    /// The forward cache and labels the inputs hold.
    static func cache(_ a: ExerciseArrays) -> (TwoLayerNetwork, TwoLayerNetwork.ForwardCache, [Int]) {
        let (w1, w2) = (a["W1"]!, a["W2"]!)
        let net = TwoLayerNetwork(W1: w1, b1: Tensor(shape: [w1.shape[0], 1]), W2: w2, b2: Tensor(shape: [w2.shape[0], 1]))
        let f = TwoLayerNetwork.ForwardCache(X: a["X"]!, Z1: a["Z1"]!, A1: a["A1"]!, Z2: a["Z2"]!, A2: a["A2"]!)
        return (net, f, a["Y"]!.storage.map { Int($0) })
    }

    /// The four gradients from a given dZ2 and a rule for dZ1 (the right one, or a slip's).
    static func gradients(_ a: ExerciseArrays, dZ2: Tensor<Double>, gate: (Tensor<Double>, Tensor<Double>, Tensor<Double>) -> Tensor<Double>)
        -> ExerciseArrays {
        let (net, f, _) = cache(a)
        let m = Double(f.X.shape[1])
        let sent = Tensor.matmul(net.W2, dZ2, transposeA: true)  // W2ᵀ · dZ2
        let dZ1 = gate(sent, f.Z1, f.A1)
        return ["dW2": Tensor.matmul(dZ2, f.A1, transposeB: true) * (1 / m), "db2": dZ2.sum(axis: 1) * (1 / m),
                "dW1": Tensor.matmul(dZ1, f.X, transposeB: true) * (1 / m), "db1": dZ1.sum(axis: 1) * (1 / m)]
    }

    /// One hidden input set: X of n pixels by m images (blank pixels included), labels covering every class.
    static func hiddenSet(_ rng: inout RandomState, n: Int, h: Int, k: Int, m: Int) -> ExerciseArrays {
        let X = draw(&rng, [n, m]).map { max(0, $0) }
        let net = TwoLayerNetwork(W1: draw(&rng, [h, n]), b1: draw(&rng, [h, 1]), W2: draw(&rng, [k, h]), b2: draw(&rng, [k, 1]))
        let f = net.forward(X, rule: .corrected)
        let labels = (0..<m).map { $0 % k }.shuffledDeterministically(&rng)
        return ["Z1": f.Z1, "A1": f.A1, "Z2": f.Z2, "A2": f.A2, "W1": net.W1, "W2": net.W2, "X": X,
                "Y": Tensor(shape: [m], storage: labels.map(Double.init))]
    }

    static let backwardProp = ExerciseFunction(
        name: "backward_prop",
        parameters: [.init("Z1", "(h, m): the hidden layer's Z1 = W1 · X + b1, one column per image"),
                     .init("A1", "(h, m): A1 = ReLU(Z1)"),
                     .init("Z2", "(K, m): the output layer's Z2 = W2 · A1 + b2"),
                     .init("A2", "(K, m): A2 = softmax(Z2), each column the probabilities of the K classes"),
                     .init("W1", "(h, n): the first layer's weights"),
                     .init("W2", "(K, h): the second layer's weights"),
                     .init("X", "(n, m): the images, one column of n pixels each"),
                     .init("Y", integerArray: true, "(m,): each image's label, an int from 0 to K-1")],
        outputs: [.init("dW1", "(h, n): ∂J/∂W1"), .init("db1", "(h, 1): ∂J/∂b1, one value per hidden unit"),
                  .init("dW2", "(K, h): ∂J/∂W2"), .init("db2", "(K, 1): ∂J/∂b2, one value per output unit")],
        summary: "The tutorial's backward_prop: the gradients of the mean cross-entropy J over the m images.",
        formulas: ["m = the number of images (the columns of X)",
                   "dZ2 = A2 - one_hot(Y)                  (K, m): one_hot(Y)[Y[n], n] = 1",
                   "dW2 = 1/m · dZ2 · A1ᵀ,   db2 = 1/m · Σ_n dZ2[:, n]   (a column, (K, 1))",
                   "dZ1 = W2ᵀ · dZ2 ⊙ (Z1 > 0)",
                   "dW1 = 1/m · dZ1 · Xᵀ,    db1 = 1/m · Σ_n dZ1[:, n]   (a column, (h, 1))"],
        reference: { a in
            let (net, f, labels) = cache(a)
            let g = net.backward(f, labels: labels, rule: .corrected)
            return ["dW1": g.dW1, "db1": g.db1, "dW2": g.dW2, "db2": g.db2]
        },
        mistakes: { a, right in
            let (net, f, labels) = cache(a)
            let m = Double(f.X.shape[1])
            let dZ2 = f.A2 - TwoLayerNetwork.oneHot(labels, classes: net.W2.rows)
            let gate = { (s: Tensor<Double>, z: Tensor<Double>, _: Tensor<Double>) in s * Activation.reluDerivative(z) }
            let dZ1 = gate(Tensor.matmul(net.W2, dZ2, transposeA: true), f.Z1, f.A1)
            var out = [
                Mistake("np.sum of every entry", "db is one number, 1/m times the sum of every entry of dZ: the tutorial's slip (np.sum without an axis). Each unit has its own bias; sum over the images (the columns) only, one value per unit.",
                        ["db1": Tensor(shape: [], storage: [dZ1.sum() / m]), "db2": Tensor(shape: [], storage: [dZ2.sum() / m])]),
                Mistake("flat, not a column", "db has the right values, as a flat vector: a bias is a column (units, 1), and b - α · db with a flat db would broadcast into a square matrix. Keep the summed axis.",
                        ["db1": right["db1"]!.reshaped(right["db1"]!.count), "db2": right["db2"]!.reshaped(right["db2"]!.count)]),
                Mistake("ReLU gate left out", "the ReLU gate is left out of dZ1: error reaches hidden units that were off (Z1 ≤ 0), and those changed nothing.",
                        gradients(a, dZ2: dZ2) { s, _, _ in s }.filter { $0.key.hasSuffix("1") }),
                Mistake("times ReLU(Z1)", "dZ1 is multiplied by ReLU(Z1) itself; the gate is ReLU's slope, 1 where Z1 > 0 and 0 elsewhere.",
                        gradients(a, dZ2: dZ2) { s, _, a1 in s * a1 }.filter { $0.key.hasSuffix("1") }),
                Mistake("one-hot not subtracted", "dZ2 is A2 alone: the one-hot labels, 1 at each image's class, are not subtracted.",
                        gradients(a, dZ2: f.A2, gate: gate)),
            ]
            // W2 · dZ2 where W2ᵀ · dZ2 was meant only has the right shape when W2 is square (as in the lesson).
            if net.W2.rows == net.W2.columns {
                out.append(Mistake("W2 · dZ2 for W2ᵀ · dZ2", "dZ1 starts from W2 · dZ2; the error goes back through the weights the other way, W2ᵀ · dZ2: hidden unit i collects W2[k, i] · dZ2[k, n] from every output k.",
                                   gradients(a, dZ2: dZ2) { _, z, _ in Tensor.matmul(net.W2, dZ2) * Activation.reluDerivative(z) }.filter { $0.key.hasSuffix("1") }))
            }
            return out
        },
        factors: { a in
            let (n, m) = (a["X"]!.shape[0], a["X"]!.shape[1])
            return [(Double(m) / Double(n), "divided by X.shape[0] = \(n), the pixels per image; m is the number of images, the columns of X (\(m) here)"),
                    (Double(m), "not divided by m = \(m): the gradients are the means over the images")]
        },
        hidden: { rng in
            [hiddenSet(&rng, n: 6, h: 4, k: 3, m: 9), hiddenSet(&rng, n: 5, h: 7, k: 4, m: 6)]
        },
        worked: { output, index, a in
            let (net, f, labels) = cache(a)
            let m = f.X.shape[1]
            let g = net.backward(f, labels: labels, rule: .corrected)
            let inv = 1 / Double(m)
            let images = 0..<m
            switch output {
            case "dW2":
                let (k, i) = (index[0], index[1])
                return sum("dW2[\(k), \(i)] = 1/m · Σ_n dZ2[\(k), n] · A1[\(i), n],   dZ2 = A2 - one_hot(Y),   m = \(m)",
                           images.map { n in ("dZ2[\(k), \(n)] · A1[\(i), \(n)] / m", [g.dZ2[k, n], f.A1[i, n], inv]) })
            case "db2":
                let k = index[0]
                return sum("db2[\(k), 0] = 1/m · Σ_n dZ2[\(k), n],   dZ2 = A2 - one_hot(Y),   m = \(m)",
                           images.map { n in ("dZ2[\(k), \(n)] / m", [g.dZ2[k, n], inv]) })
            case "dW1":
                let (i, j) = (index[0], index[1])
                return sum("dW1[\(i), \(j)] = 1/m · Σ_n dZ1[\(i), n] · X[\(j), n],   dZ1 = W2ᵀ · dZ2 ⊙ (Z1 > 0),   m = \(m)",
                           images.map { n in ("dZ1[\(i), \(n)] · X[\(j), \(n)] / m", [g.dZ1[i, n], f.X[j, n], inv]) })
            default:
                let i = index[0]
                return sum("db1[\(i), 0] = 1/m · Σ_n dZ1[\(i), n],   dZ1 = W2ᵀ · dZ2 ⊙ (Z1 > 0),   m = \(m)",
                           images.map { n in ("dZ1[\(i), \(n)] / m", [g.dZ1[i, n], inv]) })
            }
        })
}

extension Array {
    /// A Fisher-Yates shuffle drawn from `rng` (the hidden sets' label order).
    func shuffledDeterministically(_ rng: inout RandomState) -> [Element] {
        var a = self
        guard a.count > 1 else { return a }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = Int(rng.rand(1, 1).storage[0] * Double(i + 1))
            a.swapAt(i, Swift.min(j, i))
        }
        return a
    }
}
