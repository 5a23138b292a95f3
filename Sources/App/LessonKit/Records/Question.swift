// A question `--quiz` asks: one element of a quantity a student can work out by hand, with the inputs
// it needs, the formula, the working term by term and the value the network computed. Engines build
// it (numbers only); the views write it out, the pager asks it, the worksheet prints it.
import Foundation

public struct Question: Sendable {
    /// What the score is kept by ("conv-output", "loss", ...); the words `quiz.kind.KIND` name it.
    public let kind: String
    /// The element asked for, e.g. "z" and [6, 9, 2].
    public let name: String
    public let index: [Int]
    /// What to work out and how the element was chosen (words with values).
    public let ask: Phrase
    public let formula: Phrase
    /// What the student needs, in the order to show it.
    public let inputs: [QuizInput]
    public let working: Working
    /// The element as the step's quantity holds it.
    public let value: Double
    /// The sum of the absolute values of the terms: an answer within 1 % of it is right, so rounding
    /// the shown inputs cannot make a right answer wrong.
    public let scale: Double
    /// How the element was chosen, which the question says.
    public var how = Choice.worked

    public enum Choice: String, Sendable {
        /// The step's worked example; the one the quiz line's at= names; the largest element worth
        /// checking (the worked one's terms cancel, or it is below 1e-4).
        case worked, named, largestCheckable = "largest-checkable"
    }

    public func chosen(_ how: Choice) -> Question { var q = self; q.how = how; return q }

    public enum Working: Sendable {
        /// A sum of products, the same record a step's worked example is: its terms in the order the
        /// formula takes them, its bias and factor (the step that asked built it with the same code).
        case sum(WorkedSum)
        /// A short chain of lines (the lesson's words with numbers), the last one giving the value.
        case steps([Phrase])
    }

    public init(kind: String, name: String, index: [Int], ask: Phrase, formula: Phrase, inputs: [QuizInput],
                working: Working, value: Double, scale: Double? = nil) {
        self.kind = kind; self.name = name; self.index = index; self.ask = ask; self.formula = formula
        self.inputs = inputs; self.working = working; self.value = value
        self.scale = scale ?? Question.scale(of: working, value: value)
    }

    /// A question whose working is a worked sum: the element, its formula and its value are the sum's.
    public init(kind: String, sum: WorkedSum, ask: Phrase, inputs: [QuizInput]) {
        self.init(kind: kind, name: sum.name, index: sum.index, ask: ask, formula: sum.formula, inputs: inputs, working: .sum(sum), value: sum.result)
    }

    /// Σ|a·b| + |bias|, times |factor|, for a sum; |value| for a chain of steps.
    public static func scale(of working: Working, value: Double) -> Double {
        switch working {
        case .sum(let w):
            return (w.terms.reduce(0) { $0 + abs($1.a * $1.b) } + abs(w.bias ?? 0)) * abs(w.scale ?? 1)
        case .steps: return abs(value)
        }
    }

    /// The widest miss that still counts as right.
    public var tolerance: Double { 0.01 * scale }

    /// Whether an answer is right: within 1 % of the sum of the terms' sizes.
    public func accepts(_ answer: Double) -> Bool { answer.isFinite && abs(answer - value) <= tolerance }

    /// A question is worth asking when its value is not a rounding error (|value| ≥ 1e-4) and its terms
    /// do not cancel so much that the tolerance would let a 5 % slip through (scale ≤ 4 |value|).
    public static func checkable(value: Double, scale: Double) -> Bool {
        value.isFinite && abs(value) >= 1e-4 && scale <= 4 * abs(value)
    }
    public var checkable: Bool { Question.checkable(value: value, scale: scale) }
}

/// One input a question shows: an array (numpy-printed, at most a few dozen values) or a number.
public struct QuizInput: Sendable {
    /// A symbol (`W[:, 3]`), or the lesson's words where the input needs a sentence (`.phrase`).
    public let name: Value
    public let array: ArrayValue
    public let scalar: Bool
    public init(_ name: String, _ array: ArrayValue) { self.name = .text(name); self.array = array; scalar = false }
    public init(_ name: Phrase, _ array: ArrayValue) { self.name = .phrase(name); self.array = array; scalar = false }
    public init(_ name: String, number: Double) {
        self.name = .text(name); array = ArrayValue(shape: [], values: [number]); scalar = true
    }
}

/// A typed answer: digits with a point or a decimal comma, a leading '-', '−' (Unicode minus) or '+',
/// an exponent (1e-3). nil for anything else.
public enum QuizAnswer {
    public static func parse(_ typed: String) -> Double? {
        var s = typed.trimmingCharacters(in: .whitespaces)
        s = s.replacingOccurrences(of: "\u{2212}", with: "-").replacingOccurrences(of: "\u{2013}", with: "-")
        s = s.replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "\u{202F}", with: "")
        // A comma is a decimal comma unless there is also a point (then it is not a number we guess at).
        if s.contains(",") {
            guard !s.contains("."), s.filter({ $0 == "," }).count == 1 else { return nil }
            s = s.replacingOccurrences(of: ",", with: ".")
        }
        guard !s.isEmpty, s.allSatisfy({ "0123456789.-+eE".contains($0) }), let v = Double(s), v.isFinite else { return nil }
        return v
    }
}

/// How a question ended, for the score.
public enum QuizOutcome: String, Sendable, Codable {
    case right, wrong, revealed
}

/// One question of a run as run.json keeps it.
public struct QuizRecord: Codable, Sendable, Equatable {
    public var step: String
    public var kind: String
    public var element: String
    public var value: Double
    public var tolerance: Double
    /// nil until asked (a worksheet has none).
    public var answer: Double?
    public var outcome: QuizOutcome?
}

/// run.json's `quiz`: every question, and the score per kind of quantity.
public struct QuizSummary: Codable, Sendable, Equatable {
    public struct Score: Codable, Sendable, Equatable {
        public var right = 0, wrong = 0, revealed = 0
        public init() {}
    }
    public var questions: [QuizRecord]
    /// Kind → right, wrong, revealed (questions not reached are in none).
    public var score: [String: Score]
    public var total: Score

    public init(questions: [QuizRecord]) {
        self.questions = questions
        var score = [String: Score](), total = Score()
        for q in questions {
            guard let o = q.outcome else { continue }
            var s = score[q.kind] ?? Score()
            switch o {
            case .right: s.right += 1; total.right += 1
            case .wrong: s.wrong += 1; total.wrong += 1
            case .revealed: s.revealed += 1; total.revealed += 1
            }
            score[q.kind] = s
        }
        self.score = score; self.total = total
    }
}
