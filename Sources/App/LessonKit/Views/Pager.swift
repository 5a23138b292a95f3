// `--step` on a terminal: each step shown a screen at a time, re-rendered from its records, with the
// keys of `less` where they do not clash with the step keys (PagerKeys lists them). A screen ends before a
// picture, table or worked sum it would cut. With --quiz each question is a screen of its own where the
// student types a value before the step shows it.
import Foundation

/// The reader pressed q at the pager's prompt: the run ends here, as a partial run.
public struct LessonQuit: Error, CustomStringConvertible {
    public let step: Int
    public let stepName: String
    /// The command that goes on from this step.
    public var resume = ""
    /// Ctrl-C at the prompt rather than q: the run ends the same way, with exit status 130.
    public var interrupted = false
    public var description: String {
        guard interrupted else { return "stopped by the reader at step \(step) (\(stepName))" }
        // Ctrl-C typed, or a signal sent from outside (SIGTERM says so).
        return (Interrupt.signalNumber == SIGINT ? "interrupted" : Interrupt.verb) + " at the prompt of step \(step) (\(stepName))"
    }
}

final class Pager {
    let stream: RecordStream
    let steps: [LessonStep]
    let first: Int
    let rows: Int
    /// stdin's settings before the prompt switched it to single keys.
    var saved = termios()
    /// `--quiz`: the questions asked so far and how they ended.
    var quiz: QuizSession?
    /// A step the reader asked for (a number, then Enter) that has not run yet: the steps before it run
    /// without pausing.
    var goingTo: Int?

    /// `first`: the first step shown (1-based); earlier ones ran muted and have no records.
    init(stream: RecordStream, steps: [LessonStep], first: Int, rows: Int) {
        self.stream = stream; self.steps = steps; self.first = first; self.rows = max(3, rows)
    }

    /// Lines of text on a screen: all but the prompt's.
    var textRows: Int { rows - 1 }

    /// A step as the pager shows it, rendered again from its records (step `first` also gets the title
    /// and introduction): stretches of text, and with --quiz each question, at the place the engine asked
    /// it, as a part of its own.
    enum Part { case text(PagerText), question(Int) }

    func parts(_ step: Int) -> [Part] {
        var view = stream.view
        var out = [Part](), text = PagerText()
        // A heading stays with what follows it; a table with its rows.
        var afterHeading = false, inTable = false
        for (n, entry) in stream.records.enumerated() where entry.step == step || (step == first && entry.step < first) {
            if case .question = entry.record, quiz != nil {
                if !text.lines.isEmpty { out.append(.text(text)) }
                text = PagerText(); afterHeading = false; inTable = false
                out.append(.question(n)); continue
            }
            let lines = view.lines(entry.record, quiet: stream.quiet)
            guard !lines.isEmpty else { continue }
            var isRow = false
            if case .epoch = entry.record { isRow = true }
            text.append(lines, joinPrevious: afterHeading || (inTable && isRow))
            if case .heading = entry.record { afterHeading = true } else { afterHeading = false }
            if case .table = entry.record { inTable = true } else if !isRow { inTable = false }
        }
        if !text.lines.isEmpty || out.isEmpty { out.append(.text(text)) }
        return out
    }

    func write(_ s: String) { fputs(s, stdout); fflush(stdout) }

    /// Where the reader is: a step, a part of it, and the part's line at the top of the screen.
    struct Position: Comparable {
        var step: Int, part: Int, top: Int
        static func < (a: Position, b: Position) -> Bool { (a.step, a.part, a.top) < (b.step, b.part, b.top) }
    }

    var cache = [Int: [Part]]()
    func cachedParts(_ step: Int) -> [Part] {
        if let p = cache[step] { return p }
        let p = parts(step)
        cache[step] = p
        return p
    }

    /// The top line of a part's last screen.
    func lastTop(_ part: Part) -> Int {
        if case .text(let t) = part { return t.screenStarts(rows: textRows).last ?? 0 }
        return 0
    }

    /// The end of step `step`: its last part's last screen.
    func endOf(_ step: Int) -> Position {
        let parts = cachedParts(step)
        return Position(step: step, part: parts.count - 1, top: lastTop(parts[parts.count - 1]))
    }

    /// The text shown so far, line by line, with where each line is: what a search looks through.
    func searchable(upTo live: Int) -> [(at: Position, text: String)] {
        var out = [(at: Position, text: String)]()
        for step in first...live {
            for (p, part) in cachedParts(step).enumerated() {
                guard case .text(let t) = part else { continue }
                for (i, line) in t.lines.enumerated() { out.append((Position(step: step, part: p, top: i), TextColumns.plain(line))) }
            }
        }
        return out
    }

    /// The next (or previous) line after (before) `from` that holds `pattern`, case ignored.
    func find(_ pattern: String, from: Position, forward: Bool, live: Int) -> Position? {
        let lines = searchable(upTo: live)
        let hit = { (l: (at: Position, text: String)) in l.text.range(of: pattern, options: .caseInsensitive) != nil }
        return forward ? lines.first { $0.at > from && hit($0) }?.at : lines.last { $0.at < from && hit($0) }?.at
    }

    /// Pages through the steps up to `live` (just performed) until the reader moves past it.
    func show(live: Int) throws {
        cache[live] = nil
        if let target = goingTo, live < target { return }
        goingTo = nil
        let raw = rawMode()
        let original = saved
        defer { if raw { var t = original; tcsetattr(0, TCSANOW, &t) } }
        var at = Position(step: live, part: 0, top: 0)
        // Said once on the prompt line: a search that found nothing, a step that cannot be gone to.
        var message: String?
        // The pattern of the search in progress (n and N repeat it), and the last one (an empty / repeats it).
        var searching: String?, lastPattern = ""
        // After a question is answered its outcome stays on screen under the prompt, not redrawn.
        var keepScreen = false
        while true {
            let parts = cachedParts(at.step)
            at.part = min(at.part, parts.count - 1)
            let part = parts[at.part]
            var shownEnd = 0, count = 0
            if case .text(let t) = part {
                at.top = max(0, min(at.top, max(0, t.lines.count - 1)))
                shownEnd = t.end(from: at.top, rows: textRows)
                count = t.lines.count
            }
            if !keepScreen { draw(part, top: at.top, end: shownEnd, highlight: searching) }
            keepScreen = false
            if case .question(let n) = part, let quiz, quiz.outcomes[n] == nil {
                try ask(n, quiz: quiz, step: at.step)
                keepScreen = true
                continue
            }
            var place: String
            if case .question(let n) = part, let quiz { place = "question \(quiz.number(of: n))/\(quiz.total)" }
            else { place = count == 0 ? "no lines" : "lines \(at.top + 1)-\(shownEnd)/\(count)" }
            var key = Key.byte(0)
            while true {
                write(prompt(at.step, place, message: message, searching: searching))
                message = nil
                key = readKey()
                guard key == .byte(UInt8(ascii: "?")) else { break }
                write("\u{1B}[H\u{1B}[2J" + PagerKeys.screen(width: stream.view.width).map { $0 + "\n" }.joined())
            }
            write("\r\u{1B}[K")
            if searching != nil {
                if key == .byte(UInt8(ascii: "n")) || key == .byte(UInt8(ascii: "N")) {
                    let forward = key == .byte(UInt8(ascii: "n"))
                    if let hit = find(searching!, from: at, forward: forward, live: live) { at = hit }
                    else { message = "no \(forward ? "later" : "earlier") line holds \"\(searching!)\"" }
                    continue
                }
                searching = nil  // any other key ends the search and does what it always does
            }
            /// The next question of this step not yet answered, after the current part.
            let unanswered = parts.indices.first { i in
                guard i > at.part, case .question(let n) = parts[i], let quiz else { return false }
                return quiz.outcomes[n] == nil
            }
            /// On past the end of this part: the next part, the next step, or (at the live step's end)
            /// back to the run, which performs the next step.
            func onward() -> Bool {
                if at.part + 1 < parts.count { at = Position(step: at.step, part: at.part + 1, top: 0) }
                else if at.step < live { at = Position(step: at.step + 1, part: 0, top: 0) }
                else { return false }
                return true
            }
            func backward(screen: Bool) {
                if at.top > 0, case .text(let t) = part {
                    at.top = screen ? (t.screenStarts(rows: textRows).last { $0 < at.top } ?? 0) : at.top - 1
                } else if at.part > 0 {
                    at.part -= 1; at.top = lastTop(parts[at.part])
                } else if at.step > first {
                    at = endOf(at.step - 1)
                } else { message = "this is the start of the run" }
            }
            switch key {
            case .byte(UInt8(ascii: "\n")), .byte(UInt8(ascii: "\r")), .down, .byte(UInt8(ascii: "j")):
                if shownEnd < count { at.top += 1 } else if !onward() { return }
            case .byte(UInt8(ascii: " ")), .byte(UInt8(ascii: "f")), .pageDown:
                if shownEnd < count { at.top = shownEnd } else if !onward() { return }
            case .byte(UInt8(ascii: "k")), .up: backward(screen: false)
            case .byte(UInt8(ascii: "b")), .pageUp: backward(screen: true)
            case .byte(UInt8(ascii: "g")), .home: at = Position(step: first, part: 0, top: 0)
            case .byte(UInt8(ascii: "G")), .end: at = endOf(live)
            case .byte(UInt8(ascii: "n")):
                // A question on the way is still asked: the quiz keeps every one.
                if let unanswered { at = Position(step: at.step, part: unanswered, top: 0) }
                else if at.step < live { at = Position(step: at.step + 1, part: 0, top: 0) } else { return }
            case .byte(UInt8(ascii: "p")):
                if at.step > first { at.step -= 1 }
                at.part = 0; at.top = 0
            case .byte(UInt8(ascii: "/")):
                guard let typed = try typeLine("/", step: at.step, accepts: { $0 >= 0x20 }) else { continue }
                let pattern = typed.isEmpty ? lastPattern : typed
                guard !pattern.isEmpty else { continue }
                lastPattern = pattern
                if let hit = find(pattern, from: at, forward: true, live: live) { at = hit; searching = pattern }
                else { message = "no later line holds \"\(pattern)\"" }
            case .byte(let d) where (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(d):
                guard let typed = try typeLine("go to step: ", step: at.step, start: [d], accepts: { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                      let target = Int(typed) else { continue }
                if target < 1 || target > steps.count { message = "there is no step \(target): steps 1-\(steps.count)" }
                else if target < first { message = "step \(target) ran unseen (this run shows steps from \(first))" }
                else if target <= live { at = Position(step: target, part: 0, top: 0) }
                else { goingTo = target; return }
            case .byte(UInt8(ascii: "q")):
                throw LessonQuit(step: at.step, stepName: steps[at.step - 1].name)
            case .byte(3):  // Ctrl-C: the prompt reads keys raw, so it arrives as a byte, not a signal
                throw LessonQuit(step: at.step, stepName: steps[at.step - 1].name, interrupted: true)
            case .byte(4), .endOfInput:  // Ctrl-D or end of input: go on without pausing
                return
            default: continue
            }
        }
    }

    /// Clears the screen and draws a part from line `top` to `end`, as less does, the prompt kept on the
    /// last row; with a search in progress its matches in reverse video (colour terminals).
    func draw(_ part: Part, top: Int, end: Int, highlight: String?) {
        var lines: [String]
        if case .text(let t) = part {
            lines = Array(t.lines[min(top, t.lines.count)..<end])
            if let pattern = highlight, stream.color { lines = lines.map { Pager.mark(pattern, in: $0) } }
            lines += Array(repeating: "", count: max(0, textRows - lines.count))
        } else { lines = screenLines(part) }
        write("\u{1B}[H\u{1B}[2J" + lines.map { $0 + "\n" }.joined())
    }

    /// `line` with each plain occurrence of `pattern` (case ignored) in reverse video.
    static func mark(_ pattern: String, in line: String) -> String {
        var out = "", rest = line[...]
        while let r = rest.range(of: pattern, options: .caseInsensitive) {
            out += rest[..<r.lowerBound] + "\u{1B}[7m" + rest[r] + "\u{1B}[27m"
            rest = rest[r.upperBound...]
        }
        return out + rest
    }

    /// Step `step` while it is still working: what it has shown so far (its heading and words) on a
    /// cleared screen, the progress bar then drawn under it. The step's screens follow when it is done.
    func preview(_ step: Int) {
        guard case .text(let t) = parts(step)[0] else { return }
        write("\u{1B}[H\u{1B}[2J" + t.lines[0..<t.end(from: 0, rows: textRows)].map { $0 + "\n" }.joined())
    }

    /// A line typed at the prompt after `lead` (a search, a step number): Enter ends it, Escape or
    /// Backspace past its start cancels it (nil), Ctrl-C interrupts the run as at the prompt.
    func typeLine(_ lead: String, step: Int, start: [UInt8] = [], accepts: (UInt8) -> Bool) throws -> String? {
        var typed = start
        while true {
            write("\r\u{1B}[K" + lead + String(decoding: typed, as: UTF8.self))
            switch readKey() {
            case .byte(UInt8(ascii: "\n")), .byte(UInt8(ascii: "\r")): write("\r\u{1B}[K"); return String(decoding: typed, as: UTF8.self)
            case .byte(127), .byte(8):
                if typed.isEmpty { write("\r\u{1B}[K"); return nil }
                while let last = typed.popLast(), last & 0xC0 == 0x80 {}
            case .byte(3): throw LessonQuit(step: step, stepName: steps[step - 1].name, interrupted: true)
            case .byte(let b) where accepts(b): typed.append(b)
            case .byte(4), .endOfInput, .escape: write("\r\u{1B}[K"); return nil
            default: continue
            }
        }
    }

    /// A part's lines; a question's with its outcome once it has one.
    func screenLines(_ s: Part) -> [String] {
        switch s {
        case .text(let t): return t.lines
        case .question(let n):
            guard let quiz, case .question(let q) = stream.records[n].record else { return [] }
            let view = stream.view
            var out = view.questionLines(q, number: quiz.number(of: n), total: quiz.total)
            if let o = quiz.outcomes[n] { out += view.outcomeLines(q, answer: o.answer, outcome: o.outcome) } else { out += view.keysLine() }
            return out
        }
    }

    /// Asks question `n` at a line prompt in single-key mode: digits, a point or comma, a minus (also
    /// U+2212) and an exponent are typed and echoed; Backspace deletes; with nothing typed, h gives the
    /// hint, q quits and Enter shows the answer without scoring.
    func ask(_ n: Int, quiz: QuizSession, step: Int) throws {
        guard case .question(let q) = stream.records[n].record else { return }
        let view = stream.view
        var typed = [UInt8]()
        let prompt = view.promptText(q)
        func redraw() { write("\r\u{1B}[K" + (stream.color ? "\u{1B}[1m\(prompt)\u{1B}[0m" : prompt) + String(decoding: typed, as: UTF8.self)) }
        redraw()
        while true {
            let key = readByte()
            switch key {
            case 3: throw LessonQuit(step: step, stepName: steps[step - 1].name, interrupted: true)
            case UInt8(ascii: "q") where typed.isEmpty: write("\n"); throw LessonQuit(step: step, stepName: steps[step - 1].name)
            case UInt8(ascii: "h") where typed.isEmpty, UInt8(ascii: "?") where typed.isEmpty:
                write("\r\u{1B}[K" + view.hintLines(q).map { $0 + "\n" }.joined()); redraw()
            case 127, 8:
                // Backspace: one character, which may be several bytes of UTF-8.
                while let last = typed.popLast(), last & 0xC0 == 0x80 {}
                redraw()
            case 21:  // Ctrl-U: clear the line
                typed = []; redraw()
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"), 4, 0xFF:
                write("\n")
                let text = String(decoding: typed, as: UTF8.self)
                if typed.isEmpty || key == 4 || key == 0xFF {
                    quiz.record(n, answer: nil, outcome: .revealed)
                } else if let v = QuizAnswer.parse(text) {
                    quiz.record(n, answer: v, outcome: q.accepts(v) ? .right : .wrong)
                } else {
                    write(view.wrap(view.words.render(Phrase("quiz.not-a-number", ["typed": .text(text)])), indent: "  ").map { $0 + "\n" }.joined())
                    typed = []; redraw(); continue
                }
                let o = quiz.outcomes[n]!
                write(view.outcomeLines(q, answer: o.answer, outcome: o.outcome).map { $0 + "\n" }.joined())
                return
            default:
                // What a number is made of (and the bytes of U+2212); anything else is not echoed.
                guard key >= 0x80 || "0123456789.,-+eE ".utf8.contains(key) else { continue }
                typed.append(key)
                // A character of several bytes is drawn once it is whole.
                if key < 0x80 || String(validating: typed, as: UTF8.self) != nil { redraw() }
            }
        }
    }

    /// The prompt line: where the reader is, then what was just said or the main keys.
    func prompt(_ step: Int, _ place: String, message: String?, searching: String?) -> String {
        let counter = "step \(step)/\(steps.count) · \(place)"
        let hint = message.map { " · " + $0 } ?? (searching.map { " · /\($0): n next, N previous" } ?? " · Space more · n/p step · q quit")
        let full = counter + hint + " · ? keys"
        let line = TextColumns.width(full) < stream.view.width ? full : counter + " · ? keys"
        // Reverse video, as less marks its prompt; never dim, which vanishes on a projector.
        return stream.color ? "\u{1B}[7m\(line)\u{1B}[0m" : line
    }

    /// One key from the terminal, without waiting for Enter and without echo; 0xFF at end of input.
    /// Single keys, no echo, Ctrl-C as a byte: set before anything is drawn, so a key typed as soon
    /// as the prompt shows (or before) is read the same way.
    func rawMode() -> Bool {
        var t = termios()
        guard tcgetattr(0, &t) == 0 else { return false }
        saved = t
        t.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG)
        withUnsafeMutableBytes(of: &t.c_cc) { cc in cc[Int(VMIN)] = 1; cc[Int(VTIME)] = 0 }
        return tcsetattr(0, TCSANOW, &t) == 0
    }

    /// One byte as typed, 0xFF at end of input.
    func readByte() -> UInt8 {
        var byte: UInt8 = 0
        while true {
            // A stopping signal from outside (kill -INT, -TERM, -HUP): as Ctrl-C typed at the prompt. The
            // wait is in slices, so a signal that lands just before it begins is seen too.
            if Interrupt.requested { return 3 }
            var fds = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            let ready = poll(&fds, 1, 200)
            if ready == 0 || (ready < 0 && errno == EINTR) { continue }
            let n = read(0, &byte, 1)
            if n == 1 { return byte }
            if n < 0 && errno == EINTR { continue }
            return 0xFF
        }
    }

    /// A key as the pager reads it: a byte, or one of the keys that send an escape sequence.
    enum Key: Equatable { case byte(UInt8), up, down, pageUp, pageDown, home, end, escape, endOfInput }

    func readKey() -> Key {
        let byte = readByte()
        if byte == 0xFF { return .endOfInput }
        guard byte == 0x1B else { return .byte(byte) }
        // An escape sequence arrives at once; Escape alone is followed by nothing within a tenth of a second.
        var rest = [UInt8](repeating: 0, count: 8)
        var t2 = termios()
        if tcgetattr(0, &t2) == 0 {
            withUnsafeMutableBytes(of: &t2.c_cc) { cc in cc[Int(VMIN)] = 0; cc[Int(VTIME)] = 1 }
            tcsetattr(0, TCSANOW, &t2)
        }
        let n = max(0, read(0, &rest, 8))
        _ = rawMode()  // back to waiting for a whole key
        let sequence = String(decoding: rest[0..<n], as: UTF8.self)
        switch sequence {
        case "": return .escape
        case "[A", "OA": return .up
        case "[B", "OB": return .down
        case "[5~": return .pageUp
        case "[6~": return .pageDown
        case "[H", "OH", "[1~", "[7~": return .home
        case "[F", "OF", "[4~", "[8~": return .end
        default: return .byte(0)
        }
    }
}
