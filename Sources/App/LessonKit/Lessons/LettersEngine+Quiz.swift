// Lesson 2's questions for `--quiz`, about the letter A followed through forward-first and
// backward-first: a sigmoid output from its z, the loss, one δ of the hidden layer, one weight adjustment.
import Foundation
import Network
import Numerics

extension LettersEngine {
    static func validateQuiz(_ file: LessonFile) throws {
        for step in file.steps { for q in step.quiz { try QuizPick.checkRank(q, q.kind == "loss" ? 0 : 2, file: file) } }
    }

    func askQuestions(_ step: LessonStep) {
        let net = initWeights(show: false)
        let (f, g) = ensureFirstPass()
        for line in step.quiz {
            if let q = question(line, net: net, f: f, g: g) { out.emit(.question(q)) }
        }
    }

    func question(_ line: QuizLine, net: LetterNetwork, f: LetterNetwork.ForwardCache, g: LetterNetwork.Gradients) -> Question? {
        let h = f.a1.count, o = f.a2.count
        func pick(_ name: String, _ shape: [Int], worked: Int, make: (Int) -> Question?) -> Question? {
            QuizPick.pick(line, name: name, shape: shape, worked: worked, candidates: 0..<shape.reduce(1, *), out: out, make: make)
        }
        switch line.kind {
        case "sigmoid":
            // The hidden unit whose z is largest in size: where the sigmoid is furthest from 1/2.
            let worked = f.z1.storage.indices.max { abs(f.z1.storage[$0]) < abs(f.z1.storage[$1]) }!
            return pick("a1", f.a1.shape, worked: worked) { j in
                let z = f.z1.storage[j], e = Foundation.exp(-z)
                return Question(kind: "sigmoid", name: "a1", index: [0, j], ask: Phrase("quiz.sigmoid", ["j": .int(j)]),
                                formula: Phrase("quiz.sigmoid-formula", ["j": .int(j)]), inputs: [QuizInput("z1[0, \(j)]", number: z)],
                                working: .steps([Phrase("quiz.sigmoid-hint", ["minus": .number(-z), "e": .number(e)]),
                                                 Phrase("quiz.sigmoid-working", ["e": .number(e), "value": .number(f.a1.storage[j])])]),
                                value: f.a1.storage[j])
            }
        case "loss":
            let d = (0..<o).map { f.a2.storage[$0] - labels[0].storage[$0] }
            let sum = WorkedSum(name: "loss", index: [], formula: Phrase("quiz.loss-formula", ["n": .int(o)]), why: Phrase("quiz.loss"),
                                terms: d.map { .init($0, $0) }, scale: 1 / Double(o), result: Loss.letterTutorialMSE(f.a2, labels[0], divisor: o))
            return Question(kind: "loss", sum: sum, ask: Phrase("quiz.loss"),
                            inputs: [QuizInput("a2", ArrayValue(f.a2)), QuizInput("y", ArrayValue(shape: [o], values: labels[0].storage, integers: true))])
                .chosen(.worked)
        case "delta":
            return pick("d1", g.d1.shape, worked: g.d1.storage.indexOfLargestMagnitude()) { j in
                // The step's sum for d1, times the sigmoid's slope a1(1 - a1).
                let terms = hiddenErrorTerms(net, g, unit: j)
                let ask = Phrase("quiz.delta", ["j": .int(j)])
                let sum = WorkedSum(name: "d1", index: [0, j], formula: Phrase("quiz.delta-formula", ["j": .int(j)]), why: ask, terms: terms,
                                    scale: f.a1.storage[j] * (1 - f.a1.storage[j]), factors: ["w2", "d2"], result: g.d1.storage[j])
                return Question(kind: "delta", sum: sum, ask: ask,
                                inputs: [QuizInput("w2[\(j), :]", ArrayValue(shape: [o], values: terms.map(\.a))), QuizInput("d2", ArrayValue(g.d2)),
                                         QuizInput("a1[0, \(j)]", number: f.a1.storage[j])])
            }
        case "dW":
            // w2_adj = a1ᵀ · d2: one hidden activity times one output error (w1_adj's inputs are 0 or 1).
            return pick("w2_adj", g.w2Adjust.shape, worked: g.w2Adjust.storage.indexOfLargestMagnitude()) { e in
                let (j, k) = (e / o, e % o)
                let ask = Phrase("quiz.dW", ["j": .int(j), "k": .int(k)])
                let sum = WorkedSum(name: "w2_adj", index: [j, k], formula: Phrase("quiz.dW-formula", ["j": .int(j), "k": .int(k)]), why: ask,
                                    terms: [.init(f.a1.storage[j], g.d2.storage[k])], factors: ["a1", "d2"], result: g.w2Adjust.storage[e])
                return Question(kind: "dW", sum: sum, ask: ask,
                                inputs: [QuizInput("a1[0, \(j)]", number: f.a1.storage[j]), QuizInput("d2[0, \(k)]", number: g.d2.storage[k])])
            }
        default:
            _ = h
            return nil
        }
    }
}
