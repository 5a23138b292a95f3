// --quiz: answers parsed and scored, the pager asking in a pseudo-terminal, the worksheet for a class,
// and quiz blocks checked when the lesson file is read.
import Foundation
import Testing
@testable import LessonKit

/// The quiz as a run without a terminal puts it on the worksheet: every question's element and value.
func worksheetRun(_ lesson: String, to step: String, folder: URL) throws -> (record: RunRecord, markdown: String, html: String) {
    let r = try runLesson(["run", lesson, "--quiz", "--report", "--to", step, "--out", folder.path])
    #expect(r.status == 0, "\(r.stderr)")
    let record = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: folder.appendingPathComponent("run.json")))
    return (record, try String(contentsOf: folder.appendingPathComponent("worksheet.md"), encoding: .utf8),
            try String(contentsOf: folder.appendingPathComponent("worksheet.html"), encoding: .utf8))
}

/// Answers every question of a quiz session by `answer(element)` (nil: Enter alone) and moves on with n.
func quizSession(_ arguments: [String], answer: @escaping (String) -> String?, hintFirst: Bool = false) throws -> (status: Int32, output: String) {
    var hinted = Set<String>(), from = 0
    return try ptyDialogue(arguments, environment: ["NO_COLOR": "1", "LINES": "40"]) { output in
        // What came since the last keys were typed.
        let plain = String(decoding: output[from...], as: UTF8.self).replacingOccurrences(of: "\r\u{1B}[K", with: "")
        defer { if from < 0 { from = output.count } }
        func type(_ keys: String) -> String { from = -1; return keys }
        if let range = plain.range(of: "your value: ", options: .backwards), plain.hasSuffix(" = ") {
            let element = String(plain[range.upperBound...].dropLast(3))
            if hintFirst && !hinted.contains(element) { hinted.insert(element); return type("h") }
            return type((answer(element) ?? "") + "\r")
        }
        return plain.hasSuffix("? keys") ? type("n") : nil
    }
}

@Suite(.serialized) struct QuizTests {
    @Test func answersAreReadWithDecimalCommasAndUnicodeMinus() {
        #expect(QuizAnswer.parse("2.0832861") == 2.0832861)
        #expect(QuizAnswer.parse("2,08") == 2.08)
        #expect(QuizAnswer.parse("\u{2212}0,436") == -0.436)
        #expect(QuizAnswer.parse(" -4.6e-1 ") == -0.46)
        #expect(QuizAnswer.parse("+1") == 1)
        for bad in ["", "abc", "1,2.3", "1,2,3", "--1", "nan", "inf", "1e999", "0x10"] { #expect(QuizAnswer.parse(bad) == nil, "\(bad)") }
        // Right within 1 % of Σ|terms|: 2.08 against 2·1 + (-1)·0.5 + bias 0.6 = 2.1 (Σ|terms| 3.1).
        let q = Question(kind: "conv-output", name: "z", index: [0], ask: Phrase("k"), formula: Phrase("k"), inputs: [],
                         working: .sum(WorkedSum(name: "z", index: [0], formula: Phrase("k"), why: Phrase("k"), terms: [.init(2, 1), .init(-1, 0.5)], bias: 0.6, result: 2.1)), value: 2.1)
        #expect(abs(q.scale - 3.1) < 1e-12 && abs(q.tolerance - 0.031) < 1e-12)
        #expect(q.accepts(2.1) && q.accepts(2.08) && q.accepts(2.13) && !q.accepts(2.14) && !q.accepts(.nan))
        #expect(q.checkable)
        // Terms that cancel (Σ|terms| over 4 × |value|) or a value below 1e-4 are not asked.
        #expect(!Question.checkable(value: 0.1, scale: 0.41) && Question.checkable(value: 0.1, scale: 0.4))
        #expect(!Question.checkable(value: 5e-5, scale: 5e-5))
    }

    @Test func quizWithoutATerminalSaysSoAndExitsTwo() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runLesson(["run", "2", "--quiz", "--out", dir.appendingPathComponent("out").path])
        #expect(r.status == 2, "\(r.status) \(r.stderr)")
        #expect(r.stderr.contains("--quiz") && r.stderr.contains("terminal") && r.stderr.contains("--report"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path), "nothing written")
    }

    /// Every lesson's worksheet: each question with its inputs, then an answer key whose values are the
    /// question records' (and, where the question is a worked example, the worked sum's).
    @Test(arguments: [("3", "conv1.backward", 10), ("1", "backward-first", 5), ("2", "backward-first", 4)])
    func worksheetHoldsEveryQuestionAndTheAnswerKey(lesson: String, to step: String, count: Int) throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (record, md, html) = try worksheetRun(lesson, to: step, folder: dir)
        let quiz = try #require(record.quiz)
        #expect(quiz.questions.count == count)
        #expect(quiz.questions.allSatisfy { $0.outcome == nil && $0.answer == nil })
        let key = try #require(md.range(of: "## Answer key"))
        let questionsPart = md[..<key.lowerBound], keyPart = md[key.upperBound...]
        #expect(questionsPart.components(separatedBy: "## Question ").count - 1 == count)
        #expect(html.contains("<h2>Answer key</h2>") && html.components(separatedBy: "class=\"question\"").count - 1 == count)
        for (i, q) in quiz.questions.enumerated() {
            // Asked with |value| ≥ 1e-4, and a 5 % slip falls outside the tolerance; the two questions whose
            // answer may be 0 (a window's loser, a shut ReLU gate) are scored against the error that arrives.
            if ["pool-zero", "relu-gate"].contains(q.kind) && q.value == 0 {
                #expect(q.tolerance > 0 && q.tolerance < 1e-3, "\(q.element): 1 % of the arriving error, so a guess of that error is wrong")
            } else {
                #expect(abs(q.value) >= 1e-4 && abs(1.05 * q.value - q.value) > q.tolerance, "\(q.element)")
            }
            #expect(keyPart.contains("\(i + 1). `\(q.element) = \(String(format: "%.8g", q.value))"), "\(q.element) in the key")
            #expect(questionsPart.contains("## Question \(i + 1) · "))
            // The question does not give its own answer away before the key.
            // (A max-pool's or a routed δ's value is one of its inputs: picking it is the question.)
            let block = questionsPart.components(separatedBy: "## Question ")[i + 1]
            #expect(!block.contains(String(format: "%.8g", q.value)) || ["max-pool", "pool-route", "pool-zero", "relu-gate"].contains(q.kind), "\(q.element) leaks its value")
        }
        // Where the question is a step's worked sum, its value is that sum's element.
        for q in quiz.questions {
            if let sum = record.sums?.first(where: { $0.step == q.step && TerminalView.index($0.name, $0.index) == q.element }) {
                #expect(abs(sum.result - q.value) <= 1e-12 * max(1, abs(q.value)), "\(q.element)")
            }
        }
        if lesson == "3" {
            // The page as a browser lays it out: every question a section, the key after them.
            _ = try #require(chromium, "chromium is not installed (apt-get install chromium; .ci/run does this)")
            let dom = try renderedBody(dir.appendingPathComponent("worksheet.html")).dom
            #expect(dom.components(separatedBy: "<section class=\"question\"").count - 1 == count)
            let keyAt = try #require(dom.range(of: "<section id=\"answer-key\"><h2>Answer key</h2>"))
            #expect(dom.range(of: "class=\"question\"", options: .backwards).map { $0.lowerBound < keyAt.lowerBound } == true)
            #expect(dom[keyAt.upperBound...].components(separatedBy: "<li>").count - 1 == count)
            #expect(quiz.questions.map(\.kind) == ["conv-output", "max-pool", "conv-group", "loss", "dense-delta", "conv-delta-in", "pool-route",
                                                   "pool-zero", "relu-gate", "conv-dW"])
            // The max-pool δ question lands on an input that did not win: its answer is 0.
            #expect(quiz.questions.first { $0.kind == "pool-zero" }?.value == 0)
            #expect(record.sums?.contains { $0.step == "conv1.forward" && TerminalView.index($0.name, $0.index) == quiz.questions[0].element } == true)
        }
        // trace-image gives another image and so other numbers: a sheet per row of desks.
        if lesson == "3" || lesson == "1" {
            let other = try runLesson(["run", lesson, "--quiz", "--report", "--to", step, "--set", "trace-image=5", "--out", dir.appendingPathComponent("b").path])
            #expect(other.status == 0, "\(other.stderr)")
            let second = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: dir.appendingPathComponent("b/run.json")))
            #expect(second.quiz?.questions.count == count && second.quiz?.questions.map(\.value) != quiz.questions.map(\.value))
        }
    }

    /// Lesson 3 in a pseudo-terminal, three times: the exact values typed, each times 1.05, Enter alone.
    @Test func lessonThreeQuizScoresRightWrongAndRevealed() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (sheet, _, _) = try worksheetRun("3", to: "conv1.backward", folder: dir.appendingPathComponent("sheet"))
        let values = Dictionary(uniqueKeysWithValues: try #require(sheet.quiz).questions.map { ($0.element, $0.value) })
        #expect(values.count == 10)
        for (mode, factor) in [("right", 1.0), ("wrong", 1.05), ("revealed", 0.0)] {
            let out = dir.appendingPathComponent(mode)
            var typed = [String: String]()
            let s = try quizSession(["run", "3", "--quiz", "--to", "conv1.backward", "--out", out.path], answer: { element in
                guard mode != "revealed", let v = values[element] else { return nil }
                // One answer in the European way: decimal comma and the Unicode minus.
                // A question whose answer is 0 is answered wrong with 1.
                let typedValue: Double = v == 0 && mode == "wrong" ? 1.0 : v * factor
                var text = String(format: "%.17g", typedValue)
                if element.hasPrefix("δ_in[0") { text = text.replacingOccurrences(of: ".", with: ",").replacingOccurrences(of: "-", with: "\u{2212}") }
                typed[element] = text
                return text
            }, hintFirst: mode == "revealed")
            #expect(s.status == 0, "\(mode): \(s.output.suffix(800))")
            let record = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: out.appendingPathComponent("run.json")))
            let quiz = try #require(record.quiz)
            #expect(quiz.questions.count == 10)
            #expect(quiz.questions.allSatisfy { $0.outcome?.rawValue == mode }, "\(mode): \(quiz.questions.map { $0.outcome?.rawValue ?? "-" })")
            let t = quiz.total
            let expected: [Int] = mode == "right" ? [10, 0, 0] : mode == "wrong" ? [0, 10, 0] : [0, 0, 10]
            #expect([t.right, t.wrong, t.revealed] == expected)
            #expect(quiz.score.values.reduce(0) { $0 + $1.right + $1.wrong + $1.revealed } == 10 && quiz.score.count == 10)
            // The score line says what run.json says.
            #expect(s.output.contains("Quiz score: \(t.right) right, \(t.wrong) wrong, \(t.revealed) shown without an answer, of 10 asked."), "\(s.output.suffix(600))")
            switch mode {
            case "right":
                #expect(s.output.components(separatedBy: "Right: ").count - 1 == 10)
                for q in quiz.questions { #expect(q.answer.map { abs($0 - q.value) <= 1e-12 * abs(q.value) } == true, "\(q.element)") }
            case "wrong":
                // Each wrong answer shows the worked example term by term, ending in the value.
                #expect(s.output.components(separatedBy: "Not quite: ").count - 1 == 10)
                for q in quiz.questions {
                    #expect(s.output.contains(String(format: "%.8g", q.value)), "\(q.element)")
                    #expect(q.answer.map { q.value == 0 ? $0 == 1 : abs($0 - 1.05 * q.value) <= 1e-9 * abs(q.value) } == true,
                            "\(q.element): answered \(q.answer ?? .nan), value \(q.value), typed \(typed[q.element] ?? "-")")
                }
                // Written as the step writes its worked sum (the same record), whole, then each product's value.
                #expect(s.output.contains("z[6, 9, 2] = Σ patch ⊙ W[2] + b[2]") && s.output.contains("= 0·(-0.20653911) + 0·(-0.52718028)")
                        && s.output.contains("= 0 + 0 + 0 + 0.43033203") && s.output.contains("+ b = 1.1986609 + 0.8846252 = 2.0832861"))
                #expect(s.output.contains("J = -ln 0.076428273 = 2.5714026"))
            default:
                #expect(s.output.components(separatedBy: "(not scored). Worked out:").count - 1 == 10)
                #expect(s.output.components(separatedBy: "Hint").count - 1 >= 10, "h gave a hint at every question")
                #expect(quiz.questions.allSatisfy { $0.answer == nil })
            }
        }
    }

    @Test func qAtAQuestionQuitsLikeThePagerAndKeepsTheScore() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var asked = 0
        let s = try quizSession(["run", "2", "--quiz", "--out", dir.path], answer: { _ in
            asked += 1
            return asked == 1 ? "0.0017985488" : "q"
        })
        #expect(s.status == 0, "\(s.output.suffix(600))")
        #expect(s.output.replacingOccurrences(of: "\r\n  ", with: " ").contains("To go on from there:") && s.output.contains("--from 3"), "\(s.output.suffix(400))")
        #expect(s.output.contains("Quiz score: 1 right, 0 wrong, 0 shown without an answer, of 1 asked."), "\(s.output.suffix(600))")
        let record = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: dir.appendingPathComponent("run.json")))
        #expect(record.status == "partial: stopped by the reader at step 3 (forward-first)", "\(record.status ?? "")")
        #expect(record.quiz?.questions.map { $0.outcome?.rawValue ?? "-" } == ["right", "-"])
    }

    @Test func quizBlocksAreCheckedWhenTheFileIsRead() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = try String(contentsOf: repositoryRoot.appendingPathComponent("Lessons/03-cnn.md"), encoding: .utf8)
        let cases: [(from: String, to: String, says: String)] = [
            ("conv-output              #", "max-pool #", "max-pool does not fit step conv1.forward"),
            ("conv-output              #", "conv-output at=1,2 #", "conv-output at= takes 3 numbers"),
            ("conv-output              #", "conv-output at=x #", "at= takes the element's index"),
            ("conv-output              #", "sideways #", "forward steps ask conv-output, conv-group, max-pool, not \"sideways\""),
            ("conv-group               #", "conv-output #", "its sum has 250 products; ask conv-group"),
            ("```step\nload-data\n```\n", "```step\nload-data\n```\n\n```quiz\nloss\n```\n", "load-data steps ask no questions"),
        ]
        for c in cases {
            #expect(original.contains(c.from), "\(c.from)")
            let url = dir.appendingPathComponent("03-mine.md")
            try original.replacingOccurrences(of: c.from, with: c.to).write(to: url, atomically: true, encoding: .utf8)
            let r = try runLesson(["run", url.path, "--quiz", "--report", "--out", dir.appendingPathComponent("out").path])
            #expect(r.status == 1 && r.stderr.contains("03-mine.md:") && r.stderr.contains(c.says), "\(c.to): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
        }
    }
}
