// Lesson 2's exercise: the letters tutorial's back_prop, its deltas and weight adjustments for one
// letter (a row x of pixels), forward pass included as the tutorial writes it. The right answer is
// the tutorial's own (d2 = a2 - y, as the lesson replays it); the true derivative of its squared
// error is named when a student computes it. The reference is the network's LetterNetwork.backward.
import Network
import Numerics

enum LettersExercises {
    static func pass(_ a: ExerciseArrays) -> (LetterNetwork, LetterNetwork.ForwardCache, Tensor<Double>) {
        let net = LetterNetwork(w1: a["w1"]!, w2: a["w2"]!)
        let y = a["y"]!
        return (net, net.forward(a["x"]!), y.reshaped(1, y.count))
    }

    /// d1, w1_adj and w2_adj from a given d2 and a rule for the hidden slope (the right one, or a slip's).
    static func from(_ f: LetterNetwork.ForwardCache, _ net: LetterNetwork, d2: Tensor<Double>,
                     slope: (LetterNetwork.ForwardCache) -> Tensor<Double>?) -> ExerciseArrays {
        let sent = Tensor.matmul(d2, net.w2, transposeB: true)  // (w2 · d2ᵀ)ᵀ
        let d1 = slope(f).map { sent * $0 } ?? sent
        return ["d2": d2, "d1": d1, "w1_adj": Tensor.matmul(f.x, d1, transposeA: true), "w2_adj": Tensor.matmul(f.a1, d2, transposeA: true)]
    }

    static func hiddenSet(_ rng: inout RandomState, n: Int, h: Int, k: Int, label: Int) -> ExerciseArrays {
        // A binary picture like the letters', some pixels on.
        let x = rng.rand(1, n).map { $0 < 0.4 ? 1.0 : 0.0 }
        return ["x": x, "y": Tensor(shape: [k]) { $0 == label ? 1 : 0 }, "w1": draw(&rng, [n, h]), "w2": draw(&rng, [h, k])]
    }

    static let backProp = ExerciseFunction(
        name: "back_prop",
        parameters: [.init("x", "(1, n): one letter's pixels, a row of 0s and 1s"),
                     .init("y", "(K,): its label, one-hot"),
                     .init("w1", "(n, h): input-to-hidden weights"),
                     .init("w2", "(h, K): hidden-to-output weights")],
        outputs: [.init("d2", "(1, K): the error at the outputs"), .init("d1", "(1, h): the error at the hidden units"),
                  .init("w1_adj", "(n, h): w1's adjustment"), .init("w2_adj", "(h, K): w2's adjustment")],
        summary: "The letters tutorial's back_prop, without the update: the forward pass, then the errors and adjustments.",
        formulas: ["z1 = x · w1,  a1 = sigmoid(z1),  z2 = a1 · w2,  a2 = sigmoid(z2)   (the forward pass)",
                   "d2 = a2 - y   (the tutorial's output error, as the lesson replays it)",
                   "d1 = (w2 · d2ᵀ)ᵀ ⊙ a1 ⊙ (1 - a1)",
                   "w1_adj = xᵀ · d1,   w2_adj = a1ᵀ · d2"],
        reference: { a in
            let (net, f, y) = pass(a)
            let g = net.backward(f, y: y)
            return ["d2": g.d2, "d1": g.d1, "w1_adj": g.w1Adjust, "w2_adj": g.w2Adjust]
        },
        mistakes: { a, _ in
            let (net, f, y) = pass(a)
            let d2 = f.a2 - y, k = Double(y.count)
            let rightSlope = { (f: LetterNetwork.ForwardCache) in Activation.sigmoidDerivative(fromActivation: f.a1) }
            let outputSlope = Activation.sigmoidDerivative(fromActivation: f.a2)
            return [
                Mistake("slope left out", "d1 lacks the sigmoid's slope: the error sent back through w2 is scaled by a1 (1 - a1), how much each hidden unit's output moves with its input.",
                        from(f, net, d2: d2) { _ in nil }.filter { $0.key != "d2" && $0.key != "w2_adj" }),
                Mistake("slope from z1", "the slope is taken as z1 (1 - z1); the sigmoid's slope is a1 (1 - a1), from its output a1 = sigmoid(z1).",
                        from(f, net, d2: d2) { f in f.z1.map { $0 * (1 - $0) } }.filter { $0.key != "d2" && $0.key != "w2_adj" }),
                Mistake("true MSE derivative", "d2 is the true derivative of the tutorial's loss Σ(a2 - y)²/3 through the output sigmoid: right calculus, but this lesson replays the tutorial, whose d2 is simpler (the backward step's note says why it still goes downhill).",
                        from(f, net, d2: (d2 * outputSlope) * (2 / k), slope: rightSlope)),
                Mistake("output slope in d2", "d2 includes the output sigmoid's slope a2 (1 - a2); the tutorial's d2, which this lesson replays, does not.",
                        from(f, net, d2: d2 * outputSlope, slope: rightSlope)),
                Mistake("y - a2", "d2 is y - a2, the error the other way round: every adjustment then points uphill.",
                        from(f, net, d2: y - f.a2, slope: rightSlope)),
            ]
        },
        factors: { _ in [] },
        hidden: { rng in
            [hiddenSet(&rng, n: 8, h: 3, k: 4, label: 2), hiddenSet(&rng, n: 12, h: 6, k: 2, label: 0)]
        },
        worked: { output, index, a in
            let (net, f, y) = pass(a)
            let g = net.backward(f, y: y)
            switch output {
            case "d2":
                let k = index[1]
                var s = ElementSum(formula: "d2[0, \(k)] = a2[0, \(k)] - y[\(k)]", value: g.d2[0, k])
                s.because = "a2[0, \(k)] = sigmoid(z2[0, \(k)]) = \(shortValue(f.a2[0, k])), y[\(k)] = \(shortValue(y[0, k]))"
                return s
            case "d1":
                let j = index[1]
                let slope = f.a1[0, j] * (1 - f.a1[0, j])
                return sum("d1[0, \(j)] = Σ_k w2[\(j), k] · d2[0, k] · slope,   slope = a1[0, \(j)] (1 - a1[0, \(j)])",
                           (0..<net.w2.columns).map { k in ("w2[\(j), \(k)] · d2[0, \(k)] · slope", [net.w2[j, k], g.d2[0, k], slope]) })
            case "w1_adj":
                let (i, j) = (index[0], index[1])
                return sum("w1_adj[\(i), \(j)] = x[0, \(i)] · d1[0, \(j)]", [("x[0, \(i)] · d1[0, \(j)]", [f.x[0, i], g.d1[0, j]])])
            default:
                let (j, k) = (index[0], index[1])
                return sum("w2_adj[\(j), \(k)] = a1[0, \(j)] · d2[0, \(k)]", [("a1[0, \(j)] · d2[0, \(k)]", [f.a1[0, j], g.d2[0, k]])])
            }
        })
}
