// How a question reads: the terminal's quiz screens and the worksheet use these lines, so the numbers
// a student is given are the same in both.
import Foundation
import Numerics

extension TerminalView {
    /// "z[6, 9, 2]", or the name alone for a scalar.
    static func element(_ q: Question) -> String { element(q.name, q.index) }
    /// An element by name and index; a scalar (no index) by its name alone.
    static func element(_ name: String, _ i: [Int]) -> String { i.isEmpty ? name : index(name, i) }

    /// The kind's name for the score ("conv output"), from the words.
    func kindName(_ kind: String) -> String { words.text("quiz.kind." + kind) ?? kind }

    /// The question as it is put: what to work out and why this element, the formula, the inputs.
    func questionLines(_ q: Question, number: Int, total: Int) -> [String] {
        let parts = questionParts(q)
        return [style(words.render(Phrase("quiz.heading", ["n": .int(number), "total": .int(total), "kind": .text(kindName(q.kind))])), "1;33")]
            + wrap(parts.ask, indent: "  ") + parts.formula.map { style($0, "36") } + parts.inputs
    }

    /// The ask as one sentence (the element and how it was chosen filled in), the formula's lines and
    /// the inputs' lines: the worksheet sets the sentence as prose and the rest as figures.
    func questionParts(_ q: Question) -> (ask: String, formula: [String], inputs: [String]) {
        var values = q.ask.values
        values["element"] = .text(TerminalView.element(q))
        values["how"] = .text(words.text("quiz.how." + q.how.rawValue) ?? "")
        return (words.render(Phrase(q.ask.key, values)),
                wrap("  " + TerminalView.element(q) + " = " + words.render(q.formula), indent: "      "),
                q.inputs.flatMap(inputLines))
    }

    /// An input: a number on one line, an array as numpy prints it whole.
    func inputLines(_ input: QuizInput) -> [String] {
        let a = input.array, name = words.format(input.name, spec: "")
        if input.scalar { return ["  " + name + " = " + TerminalView.term(a.values.first ?? .nan).trimmingCharacters(in: CharacterSet(charactersIn: "()"))] }
        var options = printOptions
        options.threshold = .max
        let text = a.integers ? NumpyFormat.format(a.values.map { Int($0) }, shape: a.shape, options: options)
            : NumpyFormat.format(Tensor<Double>(shape: a.shape, storage: a.values), options: options)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // A short array on the name's line; a matrix under it.
        if lines.count == 1, TextColumns.width("  " + name + " = " + lines[0]) <= width { return ["  " + name + " = " + lines[0]] }
        return ["  " + name + "  shape " + TerminalView.shapeText(a.shape)] + lines.map { "  " + $0 }
    }

    /// An array inside a sentence prints as numpy prints it, perhaps over lines: one line, re-wrapped.
    func oneLine(_ s: String) -> String {
        s.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    func keysLine() -> [String] { wrap(words.render(Phrase("quiz.keys")), indent: "  ") }

    func promptText(_ q: Question) -> String { words.render(Phrase("quiz.prompt", ["element": .text(TerminalView.element(q))])) + " " }

    /// `h`: the first terms of the sum (or the first line of the working).
    func hintLines(_ q: Question) -> [String] {
        switch q.working {
        case .sum(let w):
            // Products of zero (a blank pixel) hint at nothing: the first three that are not.
            let terms = w.terms
            let shown = terms.filter { $0.a * $0.b != 0 }.prefix(3).map { TerminalView.term($0.a) + "·" + TerminalView.term($0.b) + " = " + TerminalView.term($0.a * $0.b) }
            let zeros = terms.filter { $0.a * $0.b == 0 }.count
            let rest = terms.count > 3 ? ", … (\(terms.count) products" + (zeros > 0 ? ", \(zeros) of them 0)" : ")") : ""
            return wrap(words.render(Phrase("quiz.hint")) + " " + shown.joined(separator: ", ") + rest, indent: "  ")
        case .steps(let steps):
            return wrap(words.render(Phrase("quiz.hint-step")) + " " + (steps.first.map { oneLine(words.render($0)) } ?? ""), indent: "  ")
        }
    }

    /// Every term, its products and the total: what a wrong answer or a reveal shows (a sum as the
    /// step's worked sums are written, whole).
    func workingLines(_ q: Question) -> [String] {
        switch q.working {
        case .sum(let w): return sum(w, asked: true)
        case .steps(let steps):
            return steps.flatMap { wrap("  " + oneLine(words.render($0)), indent: "    ") }
        }
    }

    /// What the student is told after answering (`answer` nil: Enter alone, shown without a score).
    func outcomeLines(_ q: Question, answer: Double?, outcome: QuizOutcome) -> [String] {
        let values: [String: Value] = ["element": .text(TerminalView.element(q)), "value": .number(q.value),
                                       "answer": .number(answer ?? .nan), "tolerance": .number(q.tolerance)]
        switch outcome {
        case .right: return wrap(words.render(Phrase("quiz.right", values)), indent: "  ").map { style($0, "1;32") }
        case .wrong: return wrap(words.render(Phrase("quiz.wrong", values)), indent: "  ").map { style($0, "1;31") } + workingLines(q)
        case .revealed: return wrap(words.render(Phrase("quiz.revealed", values)), indent: "  ") + workingLines(q)
        }
    }
}
