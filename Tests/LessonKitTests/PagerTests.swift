// The pager in a pseudo-terminal: the keys of less, screens that never cut a picture, a table or a worked
// sum, hints that wrap at words, and lecture order (a step's words before its long work).
import Foundation
import Testing
@testable import LessonKit

/// Runs `lesson` on a pseudo-terminal (its window size left at 0 × 0, as some terminals report it) and
/// types each key once the output so far contains the text it waits for.
func ptySession(_ arguments: [String], keys: [(waitFor: String, send: String)], environment: [String: String] = [:],
                timeout: Double = 120) throws -> (status: Int32, output: String) {
    var next = 0, searchFrom = 0
    let s = try ptyDialogue(arguments, environment: environment, timeout: timeout) { output in
        guard next < keys.count, let range = output[searchFrom...].range(of: Data(keys[next].waitFor.utf8)) else { return nil }
        searchFrom = range.upperBound
        next += 1
        return keys[next - 1].send
    }
    #expect(next == keys.count, "the session stopped waiting for \(next < keys.count ? keys[next].waitFor : "")")
    return s
}

/// Runs `lesson` on a pseudo-terminal (window 0 × 0) and answers it: after each read, `respond` gets all
/// the output so far and returns the keys to type next (nil: wait for more).
func ptyDialogue(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 240,
                 signalWhen: (text: String, signal: Int32)? = nil, respond: (Data) -> String?) throws -> (status: Int32, output: String) {
    // posix_openpt and friends are not in Swift's Glibc module; these are what they do on Linux.
    let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
    var unlock: Int32 = 0, number: UInt32 = 0
    let TIOCSPTLCK: UInt = 0x4004_5431, TIOCGPTN: UInt = 0x8004_5430  // _IOW('T', 0x31, int), _IOR('T', 0x30, unsigned)
    guard master >= 0, ioctl(master, TIOCSPTLCK, &unlock) == 0, ioctl(master, TIOCGPTN, &number) == 0 else {
        throw LessonError("cannot open a pseudo-terminal")
    }
    let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
    let p = lessonProcess(arguments, environment: environment, unset: ["COLUMNS", "LINES"])
    let end = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
    p.standardInput = end; p.standardOutput = end; p.standardError = end
    try p.run()
    close(slave)
    var output = Data()
    let deadline = Date().addingTimeInterval(timeout)
    var buffer = [UInt8](repeating: 0, count: 65536)
    var signalled = false
    while Date() < deadline {
        var fds = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        if poll(&fds, 1, 200) > 0 {
            let n = read(master, &buffer, buffer.count)
            if n <= 0 { break }  // EIO: the child closed the terminal
            output.append(contentsOf: buffer[0..<n])
        } else if !p.isRunning { break }
        if let keys = respond(output) { _ = keys.withCString { write(master, $0, strlen($0)) } }
        // A signal from outside (as `kill` from another terminal sends it), once the text is on screen.
        if let s = signalWhen, !signalled, output.range(of: Data(s.text.utf8)) != nil { kill(p.processIdentifier, s.signal); signalled = true }
    }
    // The child may inherit a blocked SIGTERM from the test runner: a stuck session is killed outright.
    if p.isRunning { kill(p.processIdentifier, SIGKILL) }
    p.waitUntilExit()
    close(master)
    return (p.terminationStatus, String(decoding: output, as: UTF8.self))
}

@Suite(.serialized) struct PagerTests {
    /// Issue 36: `kill -INT` or `-TERM` from outside while the pager waits for a key stops the run there,
    /// as Ctrl-C typed at the prompt does (the read is not restarted), and run.json says so.
    @Test(arguments: [(SIGINT, Int32(130), "interrupted"), (SIGTERM, Int32(143), "stopped by SIGTERM")])
    func aSignalFromOutsideStopsThePrompt(_ signal: Int32, _ status: Int32, _ words: String) throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = try ptyDialogue(["run", "2", "--step", "--out", dir.path], timeout: 30, signalWhen: ("step 1/8 · lines", signal)) { _ in nil }
        #expect(s.status == status, "\(s.output.suffix(400))")
        let record = try RunRecordFile.read(dir.appendingPathComponent("run.json"))
        #expect(record.status?.contains("step 1") == true && record.status?.contains(words) == true, "\(String(describing: record.status))")
    }

    /// Lecture order: under --step the training step's heading and words are on the screen before its
    /// first progress line, not drawn only after the training has finished.
    @Test func trainingIsIntroducedBeforeItsProgress() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = try ptySession(["run", "3", "--step", "--from", "train", "--to", "train", "--set", "train-images=1024", "--set", "test-images=64",
                                "--epochs", "1", "--set", "batch=128", "--out", dir.path],
                               keys: [("step 18/25 · lines 1-", "q")], environment: ["LINES": "24"])
        #expect(s.status == 0, "\(s.output.suffix(400))")
        let heading = try #require(s.output.range(of: "Step 18/25 · Training"), "\(s.output.prefix(600))")
        let progress = try #require(s.output.range(of: "epoch 1/1 ["), "a progress line in a pseudo-terminal")
        #expect(heading.lowerBound < progress.lowerBound, "the heading came after the progress: \(s.output.prefix(800))")
        // The step's words too, and its results after the training (the table's first row).
        let words = try #require(s.output.range(of: "Mini-batches of 512"))
        #expect(words.lowerBound < progress.lowerBound)
    }

    /// q and Ctrl-C at the prompt, at 60 and 80 columns: the hint breaks at spaces within the width and
    /// the command to go on stands whole on a line of its own.
    @Test(arguments: [(60, "q"), (80, "q"), (60, "\u{3}"), (80, "\u{3}")])
    func stopHintsWrapAtWordsAndKeepTheCommandWhole(columns: Int, key: String) throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("a-folder-with-a-rather-long-name-for-the-hint").path
        let s = try ptySession(["run", "2", "--step", "--out", out], keys: [("step 1/8 · lines 1-", " "), ("step 1/8 · lines 2", key)],
                               environment: ["LINES": "24", "COLUMNS": String(columns)])
        #expect(s.status == (key == "q" ? 0 : 130), "\(s.output.suffix(400))")
        let start = try #require(s.output.range(of: key == "q" ? "Stopped at step 1" : "lesson: interrupted at the prompt"))
        // A pseudo-terminal ends lines in "\r\n", one Character to Swift.
        let lines = String(s.output[start.lowerBound...]).replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n").map(String.init)
        let command = "lesson run 2 --step --out \(out) --from 1"
        #expect(lines.contains("  " + command), "\(lines)")
        for line in lines where !line.contains(command) {
            #expect(TextColumns.width(line) <= columns, "wider than \(columns): \(line)")
        }
        // The sentence's words are whole: joined again, it reads as one sentence.
        let sentence = lines.filter { !$0.contains(command) }.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        #expect(sentence.contains("what was written") && sentence.contains("To go on from there:"), "\(sentence)")
    }

    @Test func stepKeysAndBackInLessonTwo() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 24 rows: step 1 (with the title and introduction) takes two screens, step 4 more than one.
        let s = try ptySession(["run", "2", "--step", "--out", dir.path], keys: [
            ("step 1/8 · lines 1-", "?"),           // the keys are listed
            ("n, p", "n"),                         // on to step 2
            ("step 2/8 · lines 1-", "n"),
            ("step 3/8 · lines 1-", "n"),
            ("step 4/8 · lines 1-", " "),           // its second screen
            ("step 4/8 · lines 2", "b"),            // back one screen
            ("step 4/8 · lines 1-", "p"),           // the previous step, re-rendered from its records
            ("step 3/8 · lines 1-", "n"),
            ("step 4/8 · lines 1-", "q"),
        ], environment: ["LINES": "24"])
        #expect(s.status == 0, "\(s.output.suffix(600))")
        // p showed step 3's heading again after step 4's.
        let headings = s.output.components(separatedBy: "── Step ").dropFirst().map { String($0.prefix(3)) }
        #expect(headings == ["1/8", "2/8", "3/8", "4/8", "4/8", "3/8", "4/8"], "\(headings)")
        // The hint wraps at 80 columns; joined again it reads whole.
        #expect(s.output.replacingOccurrences(of: "\r\n  ", with: " ").contains("To go on from there:") && s.output.contains("--from 4"), "\(s.output.suffix(400))")
        #expect(!s.output.contains("\u{1B}[2m"), "nothing dim")
        let record = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: dir.appendingPathComponent("run.json")))
        #expect(record.status == "partial: stopped by the reader at step 4 (backward-first)", "\(record.status ?? "")")
    }

    /// Every key of the pager on lesson 3 at 80 × 24, each checked on the screen it draws.
    @Test func everyKeyOfLessInLessonThree() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Each key is typed once the prompt it waits for has been drawn.
        let keys: [(String, String)] = [
            ("step 1/25 · lines 1-22/35", "j"),       // Enter, Down, j: one line on
            ("step 1/25 · lines 2-", "k"),            // k, Up: one line back
            ("step 1/25 · lines 1-", "\u{1B}[B"),
            ("step 1/25 · lines 2-", "\u{1B}[A"),
            ("step 1/25 · lines 1-", "\r"),
            ("step 1/25 · lines 2-", "\u{1B}[A"),
            ("step 1/25 · lines 1-", " "),            // Space, f, PgDn: a screen on
            ("step 1/25 · lines 23-35/35", "b"),      // b, PgUp: a screen back
            ("step 1/25 · lines 1-", "f"),
            ("step 1/25 · lines 23-", "\u{1B}[5~"),
            ("step 1/25 · lines 1-", "\u{1B}[6~"),
            ("step 1/25 · lines 23-", "g"),           // g, Home: the start of the run
            ("step 1/25 · lines 1-", "G"),            // G, End: the end of the last step shown
            ("step 1/25 · lines 23-", "\u{1B}[H"),
            ("step 1/25 · lines 1-", "\u{1B}[F"),
            ("step 1/25 · lines 23-", "3\r"),         // a number, then Enter: step 3, steps 2 and 3 run first
            ("step 3/25 · lines 1-", "/conv1\r"),      // a search through the text shown so far
            ("/conv1: n next", "n"),                 // n: the next match while the search is on
            ("/conv1: n next", "N"),                 // N: the previous one
            ("/conv1: n next", "p"),                 // any other key ends the search and does its own work
            ("step 2/25 · lines 1-", "n"),            // n is the next step again
            ("step 3/25 · lines 1-", "/no such text\r"),
            ("no later line holds \"no such text\"", "99\r"),
            ("there is no step 99", "2\r"),
            ("step 2/25 · lines 1-", "?"),            // the keys
            ("Keys, as in less", "G"),
            ("step 3/25 · lines", "q"),
        ]
        let s = try ptySession(["run", "3", "--step", "--to", "5", "--out", dir.path], keys: keys, environment: ["LINES": "24", "COLUMNS": "80", "NO_COLOR": "1"])
        #expect(s.status == 0, "\(s.output.suffix(600))")
        let screens = pagerScreens(s.output)
        func screen(after prompt: String, _ n: Int = 1) -> [String] {
            let i = screens.firstIndex { $0.prompt.contains(prompt) }!
            return screens[i + n].lines
        }
        // j moved the text up one line; k brought it back.
        #expect(screens[1].lines.first == screens[0].lines.dropFirst().first, "\(screens[0].lines.prefix(2)) / \(screens[1].lines.prefix(2))")
        #expect(screens[2].lines == screens[0].lines)
        // The search put a line holding its text at the top, and moved on from there.
        let found = screens.filter { $0.prompt.contains("/conv1: n next") }
        #expect(found.count == 3 && found.allSatisfy { $0.lines.first?.lowercased().contains("conv1") == true }, "\(found.map { $0.lines.first ?? "" })")
        #expect(found[1].prompt.contains("step 3/25") && found[2].prompt != found[1].prompt)
        // ? listed exactly the keys `lesson run --help` lists.
        let help = try #require(screens.first { $0.lines.first == "Keys, as in less:" })
        let runHelp = try runLesson(["run", "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for (keys, does) in PagerKeys.list {
            #expect(help.lines.contains { $0.hasPrefix("  " + keys + " ") }, "\(keys) on the ? screen")
            #expect(runHelp.contains(keys + ": " + does.split(separator: " ").joined(separator: " ")), "\(keys) in run --help")
        }
        #expect(!s.output.contains("\u{1B}[7m"), "NO_COLOR: the prompt and matches are plain")
    }

    /// Paging lesson 3 with Space at 80 × 24: no screen cuts a picture, a table or a worked sum that fits
    /// on one screen (found in the text, not by asking the pager), and the screens cover each step whole.
    @Test func lessonThreeScreensNeverCutWhatFitsOnOne() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var answered = 0
        let s = try ptyDialogue(["run", "3", "--step", "--to", "17", "--out", dir.path], environment: ["LINES": "24", "COLUMNS": "80", "NO_COLOR": "1"]) { output in
            guard output.count > answered, String(decoding: output.suffix(8), as: UTF8.self).hasSuffix("? keys") else { return nil }
            answered = output.count
            return " "
        }
        #expect(s.status == 0, "\(s.output.suffix(400))")
        var steps = [Int: (lines: [String], ends: [Int])]()
        for screen in pagerScreens(s.output) {
            let m = try #require(screen.prompt.firstMatch(of: #/step (\d+)\/25 · lines (\d+)-(\d+)\/(\d+)/#), "\(screen.prompt)")
            let (step, from, to) = (Int(m.1)!, Int(m.2)!, Int(m.3)!)
            #expect(to - from + 1 <= 23 && screen.lines.count >= to - from + 1, "\(screen.prompt)")
            var text: (lines: [String], ends: [Int]) = steps[step] ?? ([], [])
            #expect(text.lines.count == from - 1, "step \(step): the screens follow on from each other")
            text.lines += Array(screen.lines.prefix(to - from + 1))
            text.ends.append(to)
            steps[step] = text
        }
        #expect(steps.keys.sorted() == Array(1...17))
        var checked = [String: Int]()
        for (step, text) in steps {
            let lines = text.lines
            // Blocks as the text shows them: a picture's rows of shades, a table's header and rows, a
            // worked example from its first line to the line giving the printed value.
            var blocks = [(kind: String, range: ClosedRange<Int>)]()
            // Shades for magnitudes; + - # = for signed errors without colour.
            let marks = Set("░▒▓█▀▄+-#="), shades = marks.union(" ")
            func isShadeRow(_ l: String) -> Bool { l.contains { marks.contains($0) } && l.allSatisfy { shades.contains($0) } }
            var i = 0
            while i < lines.count {
                if isShadeRow(lines[i]) {
                    var j = i
                    while j + 1 < lines.count && (isShadeRow(lines[j + 1]) || (lines[j + 1].isEmpty && j + 2 < lines.count && isShadeRow(lines[j + 2]))) { j += 1 }
                    if j > i { blocks.append(("picture", i...j)) }
                    i = j + 1; continue
                }
                if lines[i].hasPrefix("channel ") && lines[i].contains("min") {
                    var j = i
                    while j + 1 < lines.count && lines[j + 1].first == " " && lines[j + 1].contains(where: \.isNumber) && !lines[j + 1].contains("wrote") { j += 1 }
                    blocks.append(("table", i...j))
                }
                if lines[i].hasPrefix("Worked example"), let j = lines[i...].firstIndex(where: { $0.contains(", the printed ") }),
                   !lines[(i + 1)...j].contains(where: { $0.hasPrefix("Worked example") || $0.hasPrefix("── Step") }) {
                    blocks.append(("sum", i...j))
                }
                i += 1
            }
            for b in blocks where b.range.count <= 23 {
                checked[b.kind, default: 0] += 1
                // A screen ends after line `end` (1-based): inside the block means it cut it.
                #expect(!text.ends.contains { $0 > b.range.lowerBound && $0 <= b.range.upperBound },
                        "step \(step): a \(b.kind) at lines \(b.range.lowerBound + 1)-\(b.range.upperBound + 1) is cut (screens end at \(text.ends))")
            }
        }
        // The check found what it checks: pictures in steps 1-5, 14-16, the activation tables, the sums.
        #expect(checked["picture", default: 0] >= 7 && checked["table", default: 0] >= 2 && checked["sum", default: 0] >= 8, "\(checked)")
    }

    @Test func controlCAtThePromptExits130AndSaysHowToResume() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = try ptySession(["run", "2", "--step", "--out", dir.path], keys: [("step 1/8 · lines 1-", "n"), ("step 2/8 · lines 1-", "\u{03}")])
        #expect(s.status == 130, "\(s.output.suffix(400))")
        #expect(s.output.contains("--from 2"), "\(s.output.suffix(400))")
        let record = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: dir.appendingPathComponent("run.json")))
        #expect(record.status?.hasPrefix("interrupted") == true, "\(record.status ?? "")")
    }
}


/// The screens a pager session drew (each begins by clearing the screen), those that end in a prompt:
/// their lines (padding included) and the prompt line.
func pagerScreens(_ output: String) -> [(lines: [String], prompt: String)] {
    output.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\u{1B}[H\u{1B}[2J").compactMap { screen in
        let plain = TextColumns.plain(screen.replacingOccurrences(of: "\r\u{1B}[K", with: ""))
        let lines = plain.components(separatedBy: "\n")
        // The prompt is the screen's last line, but for what the run printed after the pager let go.
        guard let p = lines.lastIndex(where: { $0.contains("? keys") }) else { return nil }
        return (Array(lines[..<p]), lines[p])
    }
}

/// The pager's own arithmetic: a screen ends before a block it would cut when the block fits on one, and
/// the keys screen fits 60 columns with its words whole.
@Test func screensEndBeforeABlockThatFits() {
    var t = PagerText()
    t.append(Array(repeating: "a", count: 5), joinPrevious: false)
    t.append(["heading"], joinPrevious: false)
    t.append(Array(repeating: "p", count: 6), joinPrevious: true)     // a heading kept with its picture
    t.append(Array(repeating: "long", count: 25), joinPrevious: false) // longer than a screen: cut where it must be
    #expect(t.end(from: 0, rows: 10) == 5)
    #expect(t.screenStarts(rows: 10) == [0, 5, 15, 25, 35])
    #expect(t.cutBlocks(rows: 10).isEmpty)
    #expect(t.end(from: 1, rows: 10) == 5, "scrolled by a line, the screen still ends before the picture")
    for width in [60, 80] {
        let screen = PagerKeys.screen(width: width)
        #expect(screen.allSatisfy { TextColumns.width($0) <= width }, "\(screen)")
        let words = screen.joined(separator: " ").split(separator: " ")
        #expect(words.contains("previous") && words.contains("search)") && words.contains("130"))
    }
    #expect(Pager.mark("conv", in: "a Conv1 and conv2") == "a \u{1B}[7mConv\u{1B}[27m1 and \u{1B}[7mconv\u{1B}[27m2")
    #expect(TextColumns.plain("\u{1B}[1;36mab\u{1B}[0m c") == "ab c")
}
