// Lesson 1's questions for `--quiz`, about one training image (trace-image, a column of X) in
// iteration 0: a softmax output from its z, its loss, one δ of the hidden layer, one dW2 entry.
import Foundation
import Network
import Numerics

extension DigitsEngine {
    static func validateQuiz(_ file: LessonFile) throws {
        for step in file.steps { for q in step.quiz { try QuizPick.checkRank(q, q.kind == "loss" ? 0 : 2, file: file) } }
    }

    func askQuestions(_ step: LessonStep) throws {
        let d = try ensureData()
        let net = try ensureInitial()
        let n = settings.int("trace-image")
        guard n < d.yTrain.count else {
            throw LessonError("trace-image \(n) is past the \(NumberText.count(d.yTrain.count, "training image")) (0 to \(d.yTrain.count - 1)); choose a smaller index.")
        }
        let (f, g) = try ensureFirstPass()
        for line in step.quiz {
            if let q = question(line, net: net, f: f, g: g, image: n, label: d.yTrain[n]) { out.emit(.question(q)) }
        }
    }

    func question(_ line: QuizLine, net: TwoLayerNetwork, f: TwoLayerNetwork.ForwardCache, g: TwoLayerNetwork.Gradients,
                  image n: Int, label y: Int) -> Question? {
        let m = f.Z2.shape[1], outputs = f.Z2.shape[0], hidden = f.Z1.shape[0]
        func column(_ t: Tensor<Double>, _ rows: Int, _ col: Int) -> [Double] { (0..<rows).map { t.storage[$0 * m + col] } }
        /// Candidates are the trace image's column; `at=row,col` may name another image's.
        func pick(_ name: String, rows: Int, worked: Int, make: @escaping (Int, Int) -> Question?) -> Question? {
            QuizPick.pick(line, name: name, shape: [rows, m], worked: worked * m + n, candidates: (0..<rows).map { $0 * m + n }, out: out) { e in
                make(e / m, e % m)
            }
        }
        switch line.kind {
        case "softmax":
            let a0 = column(f.A2, outputs, n)
            return pick("A2", rows: outputs, worked: a0.indices.max { a0[$0] < a0[$1] }!) { k, n in
                let z = column(f.Z2, outputs, n), a = column(f.A2, outputs, n)
                let exps = z.map { Foundation.exp($0) }, total = exps.reduce(0, +)
                return Question(kind: "softmax", name: "A2", index: [k, n], ask: Phrase("quiz.softmax", ["n": .int(n), "k": .int(k)]),
                                formula: Phrase("quiz.softmax-formula", ["k": .int(k), "n": .int(n)]),
                                inputs: [QuizInput("Z2[:, \(n)]", ArrayValue(shape: [outputs], values: z))],
                                working: .steps([Phrase("quiz.softmax-hint", ["exps": .array(ArrayValue(shape: [outputs], values: exps))]),
                                                 Phrase("quiz.softmax-working", ["e": .number(exps[k]), "total": .number(total), "value": .number(a[k])])]),
                                value: a[k])
            }
        case "loss":
            let p = f.A2.storage[y * m + n], value = -Foundation.log(p)
            return Question(kind: "loss", name: "J", index: [], ask: Phrase("quiz.loss", ["n": .int(n), "y": .int(y)]),
                            formula: Phrase("quiz.loss-formula", ["y": .int(y), "n": .int(n)]),
                            inputs: [QuizInput("A2[\(y), \(n)]", number: p)],
                            working: .steps([Phrase("quiz.loss-hint", ["y": .int(y), "n": .int(n), "p": .number(p)]),
                                             Phrase("quiz.loss-working", ["p": .number(p), "value": .number(value)])]),
                            value: value).chosen(.worked)
        case "delta":
            let dz1 = column(g.dZ1, hidden, n)
            return pick("dZ1", rows: hidden, worked: dz1.indices.max { abs(dz1[$0]) < abs(dz1[$1]) }!) { i, n in
                // The step's sum for dZ1, times the ReLU's gate: 1 (left out) where Z1 > 0, else 0.
                let terms = self.hiddenErrorTerms(net, g, unit: i, image: n)
                let ask = Phrase("quiz.delta", ["i": .int(i), "n": .int(n)])
                let sum = WorkedSum(name: "dZ1", index: [i, n], formula: Phrase("quiz.delta-formula", ["i": .int(i), "n": .int(n)]), why: ask, terms: terms,
                                    scale: f.Z1.storage[i * m + n] > 0 ? nil : 0, factors: ["W2", "dZ2"], result: g.dZ1.storage[i * m + n])
                return Question(kind: "delta", sum: sum, ask: ask,
                                inputs: [QuizInput("W2[:, \(i)]", ArrayValue(shape: [outputs], values: terms.map(\.a))),
                                         QuizInput("dZ2[:, \(n)]", ArrayValue(shape: [outputs], values: terms.map(\.b))),
                                         QuizInput("Z1[\(i), \(n)]", number: f.Z1.storage[i * m + n])])
            }
        case "dW":
            // Image n's own dW2 (before the tutorial averages over m): dZ2[k, n] · A1[i, n].
            let dz2 = column(g.dZ2, outputs, n), a1 = column(f.A1, hidden, n)
            var worked = 0
            for e in 0..<(outputs * hidden) where abs(dz2[e / hidden] * a1[e % hidden]) > abs(dz2[worked / hidden] * a1[worked % hidden]) { worked = e }
            return QuizPick.pick(line, name: "dW2", shape: [outputs, hidden], worked: worked, candidates: 0..<(outputs * hidden), out: out) { e in
                let (k, i) = (e / hidden, e % hidden)
                let ask = Phrase("quiz.dW", ["n": .int(n), "k": .int(k), "i": .int(i)])
                let sum = WorkedSum(name: "dW2_\(n)", index: [k, i], formula: Phrase("quiz.dW-formula", ["k": .int(k), "i": .int(i), "n": .int(n)]), why: ask,
                                    terms: [.init(dz2[k], a1[i])], factors: ["dZ2", "A1"], result: dz2[k] * a1[i])
                return Question(kind: "dW", sum: sum, ask: ask,
                                inputs: [QuizInput("dZ2[\(k), \(n)]", number: dz2[k]), QuizInput("A1[\(i), \(n)]", number: a1[i])])
            }
        case "dW1":
            // dW1[i, j] = 1/m Σ_n dZ1[i, n] · X[j, n] over all the images: by hand only where at most 25
            // of those products are not 0 (a pixel few digits ink, a unit ReLU often silences).
            let pixels = f.X.shape[0]
            let scaleM: Double = { if case .tutorial(let rows) = gradientRule { return Double(rows) }; return Double(m) }()
            // The step's sum for dW1 without its zero products.
            func nonZero(_ e: Int) -> [WorkedSum.Term] {
                firstWeightTerms(f, g, unit: e / pixels, pixel: e % pixels).filter { $0.a != 0 && $0.b != 0 }
            }
            let counts = (0..<(hidden * pixels)).map { nonZero($0).count }
            let worked = counts.indices.filter { (3...CNNEngine.quizProducts).contains(counts[$0]) }
                .max { abs(g.dW1.storage[$0]) < abs(g.dW1.storage[$1]) }
            return QuizPick.pick(line, name: "dW1", shape: [hidden, pixels], worked: worked, candidates: counts.indices.filter { counts[$0] <= CNNEngine.quizProducts },
                                 out: out) { e in
                let terms = nonZero(e)
                guard terms.count <= CNNEngine.quizProducts else { return nil }
                let (i, j) = (e / pixels, e % pixels)
                let values: [String: Value] = ["i": .int(i), "j": .int(j), "m": .int(Int(scaleM)), "count": .int(terms.count), "images": .int(m)]
                let ask = Phrase("quiz.dW1", values)
                let sum = WorkedSum(name: "dW1", index: [i, j], formula: Phrase("backward.dW1-sum", values), why: ask, terms: terms, scale: 1 / scaleM,
                                    factors: ["dZ1", "X"], result: g.dW1.storage[e])
                return Question(kind: "dW1", sum: sum, ask: ask,
                                inputs: [QuizInput(Phrase("quiz.input-dZ1-nonzero", values), ArrayValue(shape: [terms.count], values: terms.map(\.a))),
                                         QuizInput(Phrase("quiz.input-X-same", values), ArrayValue(shape: [terms.count], values: terms.map(\.b))),
                                         QuizInput("m", number: scaleM)])
            }
        default: return nil
        }
    }
}
