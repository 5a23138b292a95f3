// `--watch` in a pseudo-terminal at 80 × 24: the screen is redrawn in place on the alternate screen,
// every line fits, every row the issue names is there, Space pauses, and the terminal is given back
// clean at the end and on Ctrl-C. The weights trained are the same bytes with and without it.
import Foundation
import Testing
@testable import LessonKit

private let watchedRun = ["--from", "train", "--to", "train", "--set", "train-images=3000", "--set", "test-images=500", "--epochs", "2"]

/// The frames drawn between entering and leaving the alternate screen: each a list of (row, visible text).
private func frames(_ output: String) throws -> (frames: [[(row: Int, text: String)]], after: String) {
    let enter = try #require(output.range(of: "\u{1B}[?1049h"), "the alternate screen is never entered")
    let leave = try #require(output.range(of: "\u{1B}[?1049l", options: .backwards), "the alternate screen is never left")
    #expect(enter.upperBound <= leave.lowerBound)
    let body = String(output[enter.upperBound..<leave.lowerBound])
    let frames = body.components(separatedBy: "\u{1B}[1;1H").dropFirst().map { frame -> [(row: Int, text: String)] in
        // Row 1's text, then "ESC[r;1H" and each later row's text.
        var rows = [(row: Int, text: String)]()
        var rest = Substring(frame), row = 1
        while true {
            let next = rest.range(of: "\u{1B}\\[[0-9]+;1H", options: .regularExpression)
            let text = next.map { rest[..<$0.lowerBound] } ?? rest
            rows.append((row, TextColumns.plain(String(text)).replacingOccurrences(of: "\u{1B}[K", with: "")))
            guard let next else { break }
            row = Int(rest[next].dropFirst(2).prefix { $0 != ";" })!
            rest = rest[next.upperBound...]
        }
        return rows
    }
    return (frames, String(output[leave.upperBound...]))
}

@Suite(.serialized) struct WatchTests {
    @Test func watchRedrawsOneScreenInPlaceThatFitsAndLeavesTheTerminalClean() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = try ptyDialogue(["run", "3", "--watch", "--out", dir.appendingPathComponent("watched").path] + watchedRun,
                                environment: ["COLUMNS": "80", "LINES": "24"], timeout: 200) { _ in nil }
        #expect(s.status == 0, "\(s.output.suffix(600))")
        let (drawn, after) = try frames(s.output)
        #expect(drawn.count >= 3, "redrawn \(drawn.count) times")
        for frame in drawn {
            for (row, text) in frame {
                #expect(row <= 24, "a row below the screen: \(row)")
                #expect(TextColumns.width(text) <= 80, "wider than 80: \(text)")
            }
        }
        // In place: each frame is drawn from the top, and no frame scrolls (no newline inside it).
        #expect(!drawn.contains { f in f.contains { $0.text.contains("\n") } })
        let last = drawn.last!.map(\.text).joined(separator: "\n")
        for shown in ["epoch 2/2", "img/s", "ETA", "loss, per batch", "accuracy", "activation", "dead", "grad rms", "update/weight", "clipped",
                      "conv1 ", "conv2 ", "dense1 ", "dense2 ", "filters", "Space pause"] {
            #expect(last.contains(shown), "the screen lacks \(shown):\n\(last)")
        }
        // Braille curves, and a picture per conv1 filter (three rows of six columns each), numbered.
        #expect(last.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) })
        #expect(last.contains("  0      1      2      3      4      5      6      7      8      9"), "\(last)")
        // The terminal given back: cursor shown, then the lesson's own lines (held while watching).
        #expect(s.output.range(of: "\u{1B}[?25h", options: .backwards).map { $0.lowerBound >= s.output.range(of: "\u{1B}[1;1H", options: .backwards)!.lowerBound } == true)
        #expect(after.contains("epoch 1 health:") && after.contains("epoch 2 health:"), "\(after.prefix(400))")

        // The same run without --watch trains the same weights, byte for byte.
        let plain = dir.appendingPathComponent("plain")
        let r = try runLesson(["run", "3", "--quiet", "--out", plain.path] + watchedRun)
        #expect(r.status == 0)
        let a = try Data(contentsOf: dir.appendingPathComponent("watched/weights.lnw")), b = try Data(contentsOf: plain.appendingPathComponent("weights.lnw"))
        #expect(a == b)
    }

    @Test func controlCStopsTheWatchAndGivesTheTerminalBack() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var sent = false
        let s = try ptyDialogue(["run", "3", "--watch", "--out", dir.path] + watchedRun, environment: ["COLUMNS": "80", "LINES": "24"], timeout: 200) { out in
            guard !sent, out.range(of: Data("grad rms".utf8)) != nil else { return nil }
            sent = true
            return "\u{3}"
        }
        #expect(s.status == 130, "\(s.output.suffix(600))")
        let (drawn, after) = try frames(s.output)
        #expect(!drawn.isEmpty)
        #expect(after.contains("\u{1B}[?25h") || s.output.range(of: "\u{1B}[?25h", options: .backwards)!.lowerBound > s.output.range(of: "\u{1B}[1;1H", options: .backwards)!.lowerBound)
        #expect(after.contains("interrupted"), "\(after.suffix(400))")
        let record = try RunRecordFile.read(dir.appendingPathComponent("run.json"))
        #expect(record.status?.contains("interrupted") == true)
    }

    @Test func spacePausesAndResumes() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var step = 0
        let s = try ptyDialogue(["run", "3", "--watch", "--out", dir.path] + watchedRun, environment: ["COLUMNS": "80", "LINES": "24"], timeout: 200) { out in
            switch step {
            case 0 where out.range(of: Data("grad rms".utf8)) != nil: step = 1; return " "
            case 1 where out.range(of: Data("PAUSED".utf8)) != nil: step = 2; return " "
            default: return nil
            }
        }
        #expect(step == 2, "never paused")
        #expect(s.status == 0, "\(s.output.suffix(400))")
        let (drawn, _) = try frames(s.output)
        #expect(drawn.contains { f in f.contains { $0.text.contains("Space resume") } })
    }

    /// Lessons 1 and 2 watched: their own curves, both layers' rows, the hidden units' weights as
    /// pictures, the keys line on the last row (a screen of exactly 24 rows once cleared it), and the
    /// same training as without the screen.
    @Test(arguments: [("1", ["--set", "iterations=60", "--pace", "0.01"], ["iteration 60/60", "loss, per iteration", "accuracy on the training images",
                                                                            "hidden ", "output ", "dead", "hidden units 0-4 of 10"]),
                      ("2", ["--set", "epochs=30", "--pace", "0.01"], ["epoch 30/30", "loss, per epoch", "letters read right", "hidden ", "output ",
                                                                        "satur.", "5×6 pixels"])])
    func lessonsOneAndTwoAreWatchedToo(lesson: String, settings: [String], shown: [String]) throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = ["--from", "train", "--to", "train"] + settings
        let s = try ptyDialogue(["run", lesson, "--watch", "--out", dir.appendingPathComponent("watched").path] + run,
                                environment: ["COLUMNS": "80", "LINES": "24", "NO_COLOR": "1"], timeout: 200) { _ in nil }
        #expect(s.status == 0, "\(s.output.suffix(600))")
        let (drawn, after) = try frames(s.output)
        #expect(drawn.count >= 3, "redrawn \(drawn.count) times")
        for frame in drawn { for (row, text) in frame { #expect(row <= 24 && TextColumns.width(text) <= 80, "\(row): \(text)") } }
        let last = drawn.last!
        let screen = last.map(\.text).joined(separator: "\n")
        for text in shown + ["paced 0.01 s/", "update/weight", "Space pause"] { #expect(screen.contains(text), "the screen lacks \(text):\n\(screen)") }
        #expect(last.last { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty }.map { $0.text.contains("Space pause") } == true, "the keys line is the last drawn")
        // The loss curve has points (braille dots left of the middle).
        #expect(last.contains { row in row.text.prefix(40).unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) } }, "\(screen)")
        #expect(after.contains("health:"), "\(after.prefix(400))")
        let plain = dir.appendingPathComponent("plain")
        let r = try runLesson(["run", lesson, "--quiet", "--out", plain.path] + run.filter { $0 != "--pace" && $0 != "0.01" })
        #expect(r.status == 0)
        let a = try RunRecordFile.read(dir.appendingPathComponent("watched/run.json")), b = try RunRecordFile.read(plain.appendingPathComponent("run.json"))
        #expect(a.summary.epochs.map { $0["loss"] } == b.summary.epochs.map { $0["loss"] } && a.summary.final == b.summary.final)
    }

    /// Without --pace, lesson 2's run (a fraction of a second) is spread out so a class can follow it:
    /// 0.1 s an epoch, said on the screen.
    @Test func aShortRunGetsAPaceAClassCanWatch() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let started = Date()
        let s = try ptyDialogue(["run", "2", "--watch", "--out", dir.path, "--from", "train", "--to", "train", "--set", "epochs=20"],
                                environment: ["COLUMNS": "80", "LINES": "24"], timeout: 200) { _ in nil }
        #expect(s.status == 0, "\(s.output.suffix(600))")
        #expect(Date().timeIntervalSince(started) >= 1.8, "20 epochs at 0.1 s each (the last is not held back)")
        let (drawn, _) = try frames(s.output)
        #expect(drawn.count >= 20)
        #expect(drawn.last!.contains { $0.text.contains("epoch 20/20") && $0.text.contains("paced 0.10 s/epoch") }, "\(drawn.last!.map(\.text))")
    }
}
