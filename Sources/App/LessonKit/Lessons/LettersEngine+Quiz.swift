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
        let f = net.forward(inputs[0])
        let g = net.backward(f, y: labels[0])
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
            return Question(kind: "loss", name: "loss", index: [], ask: Phrase("quiz.loss"), formula: Phrase("quiz.loss-formula", ["n": .int(o)]),
                            inputs: [QuizInput("a2", ArrayValue(f.a2)), QuizInput("y", ArrayValue(shape: [o], values: labels[0].storage, integers: true))],
                            working: .products(d.map { .init($0, $0) }, bias: nil, factor: 1 / Double(o)),
                            value: Loss.letterTutorialMSE(f.a2, labels[0], divisor: o)).chosen(.worked)
        case "delta":
            return pick("d1", g.d1.shape, worked: g.d1.storage.indexOfLargestMagnitude()) { j in
                let slope = f.a1.storage[j] * (1 - f.a1.storage[j])
                let w = (0..<o).map { net.w2.storage[j * o + $0] }
                return Question(kind: "delta", name: "d1", index: [0, j], ask: Phrase("quiz.delta", ["j": .int(j)]),
                                formula: Phrase("quiz.delta-formula", ["j": .int(j)]),
                                inputs: [QuizInput("w2[\(j), :]", ArrayValue(shape: [o], values: w)), QuizInput("d2", ArrayValue(g.d2)),
                                         QuizInput("a1[0, \(j)]", number: f.a1.storage[j])],
                                working: .products((0..<o).map { .init(w[$0], g.d2.storage[$0]) }, bias: nil, factor: slope), value: g.d1.storage[j])
            }
        case "dW":
            // w2_adj = a1ᵀ · d2: one hidden activity times one output error (w1_adj's inputs are 0 or 1).
            return pick("w2_adj", g.w2Adjust.shape, worked: g.w2Adjust.storage.indexOfLargestMagnitude()) { e in
                let (j, k) = (e / o, e % o)
                return Question(kind: "dW", name: "w2_adj", index: [j, k], ask: Phrase("quiz.dW", ["j": .int(j), "k": .int(k)]),
                                formula: Phrase("quiz.dW-formula", ["j": .int(j), "k": .int(k)]),
                                inputs: [QuizInput("a1[0, \(j)]", number: f.a1.storage[j]), QuizInput("d2[0, \(k)]", number: g.d2.storage[k])],
                                working: .products([.init(f.a1.storage[j], g.d2.storage[k])], bias: nil, factor: nil), value: g.w2Adjust.storage[e])
            }
        default:
            _ = h
            return nil
        }
    }
}
