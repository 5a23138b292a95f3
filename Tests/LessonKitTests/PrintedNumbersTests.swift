// Every number lessons 1 and 3 print in their step-throughs, compared with numpy's own text for the
// same quantity (Tests/make_digits_fixture.py, Tests/make_cnn_fixture.py), in both views a run makes:
// the terminal output and the handout's report.md. A wrong value, a wrong rounding or a wrong layout
// of a printed array fails here.
import Foundation
import Testing
@testable import LessonKit

struct DigitsPrinted: Decodable {
    /// mode → step → quantity → numpy's text, except "train": the log's lines.
    let printed: [String: [String: PrintedStep]]
    enum PrintedStep: Decodable {
        case quantities([String: String]), log([[String]])
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let q = try? c.decode([String: String].self) { self = .quantities(q) } else { self = .log(try c.decode([[String]].self)) }
        }
    }
    func quantities(_ mode: String) -> [String: [String: String]] {
        printed[mode]!.compactMapValues { if case .quantities(let q) = $0 { return q }; return nil }
    }
    func log(_ mode: String) -> [[String]] {
        if case .log(let l) = printed[mode]!["train"]! { return l }
        return []
    }
}

struct CNNTrace: Decodable {
    let trace_image: Int
    let label: Int
    let printed: [String: [String: String]]
    /// --full's text of some quantities (every value; an image channel by channel).
    let full: [String: [String: String]]
    /// Table rows the lesson shows (channel statistics, max-pool windows), as numbers.
    let rows: [String: [[Double]]]
    let lines: [String: [String]]
    let scalars: [String: [Double]]
    let tensors: [String: TensorFixture.Entry]
}

func stepNames(_ lesson: String) throws -> [String] {
    try LessonFile.load(repositoryRoot.appendingPathComponent("Lessons/\(lesson)")).steps.map(\.name)
}

@Suite(.serialized) struct PrintedNumbersTests {
    @Test func lessonOnePrintsNumpysNumbersInTheTerminalAndTheHandout() throws {
        let fixture = try loadJSON("digits_printed_seed0.json", as: DigitsPrinted.self)
        let names = try stepNames("01-digits.md")
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 100 iterations: the log's first ten entries, which the whole run prints identically.
        let r = try runLesson(["run", "1", "--set", "iterations=100", "--report", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let terminal = PrintedRun(r.stdout, view: .terminal, stepNames: names)
        let markdown = PrintedRun(try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8),
                                  view: .markdown, stepNames: names)
        let expected = fixture.quantities("tutorial")
        #expect(expected.values.map(\.count).reduce(0, +) == 22, "every quantity of load-data, init-params, forward-first, backward-first")
        expectPrinted(terminal, expected, "lesson 1 terminal")
        expectPrinted(markdown, expected, "lesson 1 report.md")
        // The tutorial's log: print("Iteration: ", i); print(predictions, Y); print(accuracy).
        // The terminal shows its first five entries, then every fifth; --full every one.
        let full = try runLesson(["run", "1", "--set", "iterations=100", "--full", "--stop-at", "train", "--out", dir.path + "-full"])
        defer { try? FileManager.default.removeItem(atPath: dir.path + "-full") }
        for (view, shown) in [(terminal, Array(0..<5) + [5]), (PrintedRun(full.stdout, view: .terminal, stepNames: names), Array(0..<10))] {
            let log = view.lines("train")
            for k in shown {
                let entry = fixture.log("tutorial")[k]
                guard let at = log.firstIndex(where: { $0 == entry[0] }) else { Issue.record("no log line \(entry[0])"); continue }
                #expect(Array(log[(at + 1)...(at + 2)].map(String.init)) == [entry[1], entry[2]], "\(entry[0])")
            }
            #expect(log.filter { $0.hasPrefix("Iteration:  ") }.count == shown.count)
        }
    }

    @Test func lessonOneCorrectedPrintsNumpysNumbers() throws {
        let fixture = try loadJSON("digits_printed_seed0.json", as: DigitsPrinted.self)
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runLesson(["run", "1", "--corrected", "--to", "backward-first", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        expectPrinted(PrintedRun(r.stdout, view: .terminal, stepNames: try stepNames("01-digits.md")),
                      fixture.quantities("corrected"), "lesson 1 --corrected")
    }

    @Test func lessonThreeStepThroughPrintsNumpysNumbers() throws {
        let trace = try loadJSON("cnn_trace.json", as: CNNTrace.self)
        let names = try stepNames("03-cnn.md")
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runLesson(["run", "3", "--to", "conv1.backward", "--report", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let terminal = PrintedRun(r.stdout, view: .terminal, stepNames: names)
        let markdown = PrintedRun(try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8),
                                  view: .markdown, stepNames: names)
        // Every step from the weights through conv1's backward pass shows numbers numpy made too.
        #expect(Set(trace.printed.keys) == Set(names[1...14]))
        expectPrinted(terminal, trace.printed, "lesson 3 terminal")
        expectPrinted(markdown, trace.printed, "lesson 3 report.md")

        // Table rows: channel statistics and max-pool windows, each number to the 4 decimals shown.
        for (step, rows) in trace.rows {
            let shown = terminal.lines(step).map { numbers(in: $0) }
            for row in rows {
                let found = shown.contains { got in got.count == row.count && zip(got, row).allSatisfy { abs($0 - $1) <= 5.001e-5 } }
                #expect(found, "\(step): no table row \(row)")
            }
        }
        for (step, lines) in trace.lines {
            let shown = Set(terminal.lines(step).map(String.init))
            for line in lines { #expect(shown.contains(line), "\(step): missing \(line)") }
        }
        // Worked lines: each number as numpy computes it (its own summation order, so to 1e-12).
        func worked(_ step: String, _ prefix: String) -> [Double] {
            // A worked line too wide for the screen continues on lines indented by two spaces.
            let lines = terminal.lines(step)
            guard let at = lines.firstIndex(where: { $0.hasPrefix(prefix) }) else { return [] }
            var text = String(lines[at])
            var k = at + 1
            while k < lines.count && lines[k].hasPrefix("  ") && !lines[k].hasPrefix("   ") { text += " " + lines[k].dropFirst(2); k += 1 }
            return numbers(in: text.drop { $0 != "=" })
        }
        // conv1's worked output is numpy's largest z of the layer.
        let record = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: dir.appendingPathComponent("run.json")))
        let conv1 = try #require(record.sums?.first { $0.step == "conv1.forward" })
        expectClose([conv1.result], trace.scalars["conv1.forward"]!.map { "\($0)" }, relative: 1e-12, "conv1's worked output")
        expectClose(worked("loss", "J = -log"), trace.scalars["loss"]!.map { "\($0)" }, relative: 1e-12, "the loss line")
        #expect(terminal.lines("load-data").contains("the traced image: test image \(trace.trace_image), label \(trace.label)"))
    }

    @Test func lessonThreeFullViewPrintsEveryValueAsNumpy() throws {
        let trace = try loadJSON("cnn_trace.json", as: CNNTrace.self)
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runLesson(["run", "3", "--to", "dense2.backward", "--full", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        expectPrinted(PrintedRun(r.stdout, view: .terminal, stepNames: try stepNames("03-cnn.md")), trace.full, "lesson 3 --full")
    }
}
