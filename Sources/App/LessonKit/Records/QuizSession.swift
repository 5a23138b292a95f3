// `--quiz` at the terminal: which questions were answered and how, for the pager, the score and run.json.
import Foundation

public final class QuizSession {
    let stream: RecordStream
    /// The questions the run's steps ask (their ```quiz lines), for "question 2 of 6".
    public let total: Int
    /// By the question's place in the stream's records.
    public private(set) var outcomes: [Int: (answer: Double?, outcome: QuizOutcome)] = [:]

    public init(stream: RecordStream, total: Int) { self.stream = stream; self.total = total }

    /// The question's number in the run, from 1.
    func number(of n: Int) -> Int {
        stream.records[...n].filter { if case .question = $0.record { return true }; return false }.count
    }

    func record(_ n: Int, answer: Double?, outcome: QuizOutcome) { outcomes[n] = (answer, outcome) }

    /// Every question the stream holds, with its answer where one was given (nil session: a worksheet).
    static func summary(_ stream: RecordStream, session: QuizSession?, steps: [LessonStep]) -> QuizSummary? {
        var questions = [QuizRecord]()
        for (n, entry) in stream.records.enumerated() {
            guard case .question(let q) = entry.record else { continue }
            let o = session?.outcomes[n]
            questions.append(QuizRecord(step: entry.step >= 1 && entry.step <= steps.count ? steps[entry.step - 1].name : "", kind: q.kind,
                                        element: TerminalView.element(q), value: q.value, tolerance: q.tolerance,
                                        answer: o?.answer, outcome: o?.outcome))
        }
        return questions.isEmpty ? nil : QuizSummary(questions: questions)
    }

    /// The score as records: a table by kind of quantity and one line in all.
    func emitScore(steps: [LessonStep]) {
        guard let summary = QuizSession.summary(stream, session: self, steps: steps) else { return }
        var kinds = [String]()
        for q in summary.questions where !kinds.contains(q.kind) && q.outcome != nil { kinds.append(q.kind) }
        let view = stream.view
        let rows: [[Value]] = kinds.map { k in
            let s = summary.score[k]!
            return [.text(view.kindName(k)), .int(s.right), .int(s.wrong), .int(s.revealed)]
        }
        stream.blank()
        if !rows.isEmpty {
            stream.table(Table("quiz.table", columns: [.init("quantity", align: .left), .init("right"), .init("wrong"), .init("shown")], rows: rows))
        }
        let t = summary.total
        stream.result("quiz.score", ["right": .int(t.right), "wrong": .int(t.wrong), "revealed": .int(t.revealed),
                                     "asked": .int(t.right + t.wrong + t.revealed)])
    }
}
