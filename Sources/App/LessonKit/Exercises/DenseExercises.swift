// dense_forward, dense_backward, relu_backward and softmax_cross_entropy_delta as exercises, in the
// tutorial's layouts: a dense layer's input is a vector x (n_in,), its weights W (n_out, n_in), so
// z = W · x + b. The references are the network's Dense, ReLU and SoftmaxCrossEntropy.
import Network
import Numerics

enum DenseExercises {
    static func layer(_ a: ExerciseArrays) -> Dense {
        let w = a["W"]!
        return Dense(weights: w, bias: a["b"] ?? Tensor(shape: [w.shape[0]]))
    }
    static func row(_ t: Tensor<Double>) -> Tensor<Double> { t.reshaped(1, t.count) }
    static func vector(_ t: Tensor<Double>) -> Tensor<Double> { t.reshaped(t.count) }

    static let forward = ExerciseFunction(
        name: "dense_forward",
        parameters: [.init("x", "(n_in,): the layer's input"),
                     .init("W", "(n_out, n_in): the weights, one row per output"),
                     .init("b", "(n_out,): the biases")],
        outputs: [.init("z", "(n_out,): z = W · x + b, before any activation")],
        summary: "A dense layer's forward pass.",
        formulas: ["z[o] = Σ_i W[o, i] · x[i] + b[o]"],
        reference: { a in ["z": vector(layer(a).forwardNaive(row(a["x"]!)))] },
        mistakes: { a, right in
            let z = right["z"]!, b = a["b"]!
            return [Mistake("bias missing", "the bias is missing: every z[o] is short by b[o].", ["z": z - b])]
        },
        factors: { _ in [] },
        hidden: { rng in
            [["x": draw(&rng, [7]), "W": draw(&rng, [4, 7]), "b": draw(&rng, [4])],
             ["x": draw(&rng, [3]), "W": draw(&rng, [6, 3]), "b": draw(&rng, [6])]]
        },
        worked: { _, index, a in
            let (x, w, b) = (a["x"]!, a["W"]!, a["b"]!)
            let o = index[0]
            let parts = (0..<x.count).map { i in ("W[\(o), \(i)] · x[\(i)]", [w.at(o, i), x.at(i)]) }
            return sum("z[\(o)] = Σ_i W[\(o), i] · x[i] + b[\(o)]", parts, plus: ("b[\(o)]", b.at(o)))
        })

    static let backward = ExerciseFunction(
        name: "dense_backward",
        parameters: [.init("x", "(n_in,): the layer's input, as in the forward pass"),
                     .init("W", "(n_out, n_in): the weights"),
                     .init("delta", "(n_out,): δ = ∂J/∂z, the error at the layer's output z")],
        outputs: [.init("dx", "(n_in,): ∂J/∂x, the error handed to the layer below"),
                  .init("dW", "(n_out, n_in): ∂J/∂W, for this one image (before clipping or weight decay)"),
                  .init("db", "(n_out,): ∂J/∂b")],
        summary: "A dense layer's backward pass: the error for its input, and its weights' and biases' gradients.",
        formulas: ["dx[i] = Σ_o W[o, i] · δ[o]   (Wᵀ · δ)", "dW[o, i] = δ[o] · x[i]   (the outer product of δ and x)", "db[o] = δ[o]"],
        reference: { a in
            let l = layer(a)
            let g = l.backwardNaive(row(a["delta"]!), cache: l.forward(row(a["x"]!)).cache)
            return ["dx": vector(g.dx), "dW": g.dW, "db": g.db]
        },
        mistakes: { a, _ in
            let (x, w, d) = (a["x"]!, a["W"]!, a["delta"]!)
            // W · δ where Wᵀ · δ was meant only has the right shape for a square W; then it is this.
            var out = [Mistake]()
            if w.shape[0] == w.shape[1] {
                out.append(Mistake("W · δ for Wᵀ · δ", "dx is W · δ; the error goes back through the weights the other way, Wᵀ · δ: input i collects W[o, i] · δ[o] from every output o.",
                                   ["dx": Tensor(shape: x.shape) { i in (0..<d.count).reduce(0) { $0 + w.at(i, $1) * d.at($1) } }]))
            }
            out.append(Mistake("δ left out", "dx is Σ_o W[o, i] without δ[o]: each weight's share of the error is W[o, i] · δ[o].",
                               ["dx": Tensor(shape: x.shape) { i in (0..<d.count).reduce(0) { $0 + w.at($1, i) } }]))
            out.append(Mistake("x left out", "dW is δ alone, repeated along each row; each weight's gradient is its output's δ[o] times its input x[i].",
                               ["dW": Tensor(shape: w.shape) { k in d.storage[k / x.count] }]))
            return out
        },
        factors: { _ in [] },
        hidden: { rng in
            [["x": draw(&rng, [7]), "W": draw(&rng, [4, 7]), "delta": draw(&rng, [4])],
             ["x": draw(&rng, [3]), "W": draw(&rng, [6, 3]), "delta": draw(&rng, [6])]]
        },
        worked: { output, index, a in
            let (x, w, d) = (a["x"]!, a["W"]!, a["delta"]!)
            switch output {
            case "dx":
                let i = index[0]
                let parts = (0..<d.count).map { o in ("W[\(o), \(i)] · δ[\(o)]", [w.at(o, i), d.at(o)]) }
                return sum("dx[\(i)] = Σ_o W[o, \(i)] · δ[o]", parts)
            case "dW":
                let (o, i) = (index[0], index[1])
                return sum("dW[\(o), \(i)] = δ[\(o)] · x[\(i)]", [("δ[\(o)] · x[\(i)]", [d.at(o), x.at(i)])])
            default:
                let o = index[0]
                return sum("db[\(o)] = δ[\(o)]", [("δ[\(o)]", [d.at(o)])])
            }
        })

    static let reluBackward = ExerciseFunction(
        name: "relu_backward",
        parameters: [.init("z", "(any shape): the layer's output before ReLU"),
                     .init("delta_a", "(same shape): δ_a = ∂J/∂a, the error arriving at a = ReLU(z)")],
        outputs: [.init("delta", "(same shape): δ = ∂J/∂z")],
        summary: "ReLU's backward pass: the arriving error, let through only where ReLU was on.",
        formulas: ["δ = δ_a ⊙ (z > 0)"],
        reference: { a in
            let (z, da) = (a["z"]!, a["delta_a"]!)
            return ["delta": Tensor(shape: z.shape) { k in ReLU.gate(da.storage[k], z: z.storage[k], a: ReLU.activate(z.storage[k])) }]
        },
        mistakes: { a, _ in
            let (z, da) = (a["z"]!, a["delta_a"]!)
            return [
                Mistake("gate on δ_a > 0", "you gated on the arriving error's sign, δ_a > 0; the gate is where ReLU was on, where its input z was positive.",
                        ["delta": da.map { $0 > 0 ? $0 : 0 }]),
                Mistake("gate left out", "the ReLU gate is left out: δ = δ_a lets error through where ReLU was off (z ≤ 0), and those units changed nothing.",
                        ["delta": da]),
                Mistake("times ReLU(z)", "you multiplied δ_a by ReLU(z) itself; the gate is ReLU's slope, 1 where z > 0 and 0 elsewhere.",
                        ["delta": da.zipMap(z) { $0 * max(0, $1) }]),
                Mistake("gate inverted", "the gate is the wrong way round: you let error through where z ≤ 0 and stopped it where ReLU was on.",
                        ["delta": da.zipMap(z) { $1 > 0 ? 0 : $0 }]),
            ]
        },
        factors: { _ in [] },
        hidden: { rng in
            // Coarse values, so some z are exactly 0 (ReLU off there too).
            let z1 = draw(&rng, [5, 4, 3], places: 0), z2 = draw(&rng, [9], places: 1)
            return [["z": z1, "delta_a": draw(&rng, [5, 4, 3])], ["z": z2, "delta_a": draw(&rng, [9])]]
        },
        worked: { _, index, a in
            let (z, da) = (a["z"]!, a["delta_a"]!)
            let o = flatOffset(index, z.shape)
            let on = z.storage[o] > 0
            var s = ElementSum(formula: "δ\(indexText(index)) = δ_a\(indexText(index)) · (z\(indexText(index)) > 0)", value: on ? da.storage[o] : 0)
            s.because = "δ_a\(indexText(index)) = \(shortValue(da.storage[o])) arrives; z\(indexText(index)) = \(shortValue(z.storage[o])) " + (on ? "is positive, so it passes" : "is not positive, so it stops: 0")
            return s
        })

    static let softmaxDelta = ExerciseFunction(
        name: "softmax_cross_entropy_delta",
        parameters: [.init("z", "(K,): the last dense layer's output, the scores before softmax"),
                     .init("label", integer: true, "the image's true class (an int from 0 to K-1)")],
        outputs: [.init("delta", "(K,): δ = ∂J/∂z for J = -log softmax(z)[label]")],
        summary: "The error where backpropagation starts: softmax and cross-entropy together.",
        formulas: ["δ[k] = softmax(z)[k] - (1 if k == label else 0),   softmax(z)[k] = e^z[k] / Σ_j e^z[j]"],
        reference: { a in
            let z = a["z"]!
            let p = SoftmaxCrossEntropy.softmax(row(z))
            return ["delta": vector(SoftmaxCrossEntropy.delta(p, labels: [Int(a["label"]!.storage[0])]))]
        },
        mistakes: { a, _ in
            let z = a["z"]!, label = Int(a["label"]!.storage[0])
            let p = vector(SoftmaxCrossEntropy.softmax(row(z)))
            return [
                Mistake("label not subtracted", "δ is the probabilities alone: the one-hot label, 1 at the true class, is not subtracted.", ["delta": p]),
                Mistake("softmax missing", "softmax is not applied: you subtracted the one-hot label from the scores z; δ starts from the probabilities softmax(z).",
                        ["delta": Tensor(shape: z.shape) { k in z.storage[k] - (k == label ? 1 : 0) }]),
                Mistake("label off by one", "the label's 1 is subtracted at the wrong class (one place off): check the index you use for the true class.",
                        ["delta": Tensor(shape: z.shape) { k in p.storage[k] - (k == (label + 1) % z.count ? 1 : 0) }]),
            ]
        },
        factors: { _ in [] },
        hidden: { rng in
            [["z": draw(&rng, [6]), "label": integer(4)], ["z": draw(&rng, [10]).map { $0 * 8 }, "label": integer(0)]]
        },
        worked: { _, index, a in
            let z = a["z"]!, label = Int(a["label"]!.storage[0])
            let k = index[0]
            let p = vector(SoftmaxCrossEntropy.softmax(row(z)))
            var s = ElementSum(formula: "δ[\(k)] = softmax(z)[\(k)] - (\(k) == label ? 1 : 0)", value: p.at(k) - (k == label ? 1 : 0))
            s.because = "softmax(z)[\(k)] = e^\(shortValue(z.at(k))) / Σ_j e^z[j] = \(shortValue(p.at(k))); the label is \(label)" + (k == label ? ", this class: subtract 1" : ", not this class: subtract 0")
            return s
        })
}
