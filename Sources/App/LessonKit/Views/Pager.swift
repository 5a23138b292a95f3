// `--step` on a terminal: each step is shown one screen at a time, re-rendered from its records, with
// keys as in `less`. Enter or Space: next screen; b: back one screen; n: next step; p: previous step;
// q: quit (exit 0, run.json says where); Ctrl-C: the same, exit 130; ?: the keys. With --quiz each
// question is a screen of its own where the student types a value before the step shows it.
import Foundation

/// The reader pressed q at the pager's prompt: the run ends here, as a partial run.
public struct LessonQuit: Error, CustomStringConvertible {
    public let step: Int
    public let stepName: String
    /// The command that goes on from this step.
    public var resume = ""
    /// Ctrl-C at the prompt rather than q: the run ends the same way, with exit status 130.
    public var interrupted = false
    public var description: String { interrupted ? "interrupted at the prompt of step \(step) (\(stepName))" : "stopped by the reader at step \(step) (\(stepName))" }
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

    /// `first`: the first step shown (1-based); earlier ones ran muted and have no records.
    init(stream: RecordStream, steps: [LessonStep], first: Int, rows: Int) {
        self.stream = stream; self.steps = steps; self.first = first; self.rows = max(3, rows)
    }

    static let keys = """
    Keys:  Enter or Space  next screen       b  back one screen
           n  next step                      p  previous step
           q  quit (what was written is kept; prints the command that resumes here)
           Ctrl-C  the same, exit status 130   ?  these keys
    --quiz: type a value, then Enter; with nothing typed, h gives a hint, Enter the
           answer (not scored), q quits; n still asks every question on the way
    """

    /// What a step shows, screen by screen, rendered again from its records (step `first` also gets the
    /// title and introduction): its lines cut into pages, and each question (`--quiz`) a screen of its
    /// own, at the place the engine asked it.
    enum Screen { case text([String]), question(Int) }

    func screens(_ step: Int) -> [Screen] {
        var view = stream.view
        var out = [Screen](), pending = [String]()
        let pageRows = rows - 1
        func flush() {
            var i = 0
            while i < pending.count { out.append(.text(Array(pending[i..<min(pending.count, i + pageRows)]))); i += pageRows }
            pending = []
        }
        for (n, entry) in stream.records.enumerated() where entry.step == step || (step == first && entry.step < first) {
            if case .question = entry.record, quiz != nil { flush(); out.append(.question(n)); continue }
            pending += view.lines(entry.record, quiet: stream.quiet)
        }
        flush()
        return out.isEmpty ? [.text([])] : out
    }

    func write(_ s: String) { fputs(s, stdout); fflush(stdout) }

    /// Pages through the steps up to `live` (just performed) until the reader moves past it.
    func show(live: Int) throws {
        let raw = rawMode()
        let original = saved
        defer { if raw { var t = original; tcsetattr(0, TCSANOW, &t) } }
        var viewing = live, screen = 0
        var cache = [Int: [Screen]]()
        // After a question is answered its outcome stays on screen under the prompt, not redrawn.
        var keepScreen = false
        while true {
            let all = cache[viewing] ?? screens(viewing)
            cache[viewing] = all
            screen = min(screen, all.count - 1)
            if !keepScreen {
                // Clear the screen and draw the page from the top, as less does.
                write("\u{1B}[H\u{1B}[2J" + screenLines(all[screen]).map { $0 + "\n" }.joined())
            }
            keepScreen = false
            if case .question(let n) = all[screen], let quiz, quiz.outcomes[n] == nil {
                try ask(n, quiz: quiz, step: viewing)
                keepScreen = true
                continue
            }
            var key: UInt8
            repeat {
                write(prompt(viewing, screen, all.count))
                key = readKey()
                if key == UInt8(ascii: "?") { write("\r\u{1B}[K\n" + Pager.keys + "\n") }
            } while key == UInt8(ascii: "?")
            write("\r\u{1B}[K")
            /// The next question of this step not yet answered, after the current screen.
            let unanswered = all.indices.first { i in
                guard i > screen, case .question(let n) = all[i], let quiz else { return false }
                return quiz.outcomes[n] == nil
            }
            switch key {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: " "):
                if screen + 1 < all.count { screen += 1 } else if viewing < live { viewing += 1; screen = 0 } else { return }
            case UInt8(ascii: "b"):
                if screen > 0 { screen -= 1 } else if viewing > first { viewing -= 1; screen = .max }
            case UInt8(ascii: "n"):
                // A question on the way is still asked: the quiz keeps every one.
                if let unanswered { screen = unanswered } else if viewing < live { viewing += 1; screen = 0 } else { return }
            case UInt8(ascii: "p"):
                if viewing > first { viewing -= 1 }
                screen = 0
            case UInt8(ascii: "q"):
                throw LessonQuit(step: viewing, stepName: steps[viewing - 1].name)
            case 3:  // Ctrl-C: the prompt reads keys raw, so it arrives as a byte, not a signal
                throw LessonQuit(step: viewing, stepName: steps[viewing - 1].name, interrupted: true)
            case 4, 0xFF:  // Ctrl-D or end of input: go on without pausing
                return
            default: continue
            }
        }
    }

    /// Step `step` while it is still working: what it has shown so far (its heading and words) on a
    /// cleared screen, the progress bar then drawn under it. The step's pages follow when it is done.
    func preview(_ step: Int) {
        guard case .text(let lines) = screens(step)[0] else { return }
        write("\u{1B}[H\u{1B}[2J" + lines.map { $0 + "\n" }.joined())
    }

    /// A screen's lines; a question's with its outcome once it has one.
    func screenLines(_ s: Screen) -> [String] {
        switch s {
        case .text(let lines): return lines
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

    func prompt(_ step: Int, _ screen: Int, _ pages: Int) -> String {
        let counter = "step \(step)/\(steps.count) · screen \(screen + 1)/\(pages)"
        let hint = " · Enter more · b back · n/p step · q quit · ? keys"
        let line = TextColumns.width(counter + hint) < stream.view.width ? counter + hint : counter + " · ? keys"
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
            let n = read(0, &byte, 1)
            if n == 1 { return byte }
            if n < 0 && errno == EINTR { continue }
            return 0xFF
        }
    }

    func readKey() -> UInt8 {
        let byte = readByte()
        if byte == 0xFF { return 0xFF }
        if byte == 0x1B {
            // An arrow or another escape sequence: drain it; down and page-down count as Enter.
            var rest = [UInt8](repeating: 0, count: 8)
            var t2 = termios()
            if tcgetattr(0, &t2) == 0 {
                withUnsafeMutableBytes(of: &t2.c_cc) { cc in cc[Int(VMIN)] = 0; cc[Int(VTIME)] = 1 }
                tcsetattr(0, TCSANOW, &t2)
            }
            let n = read(0, &rest, 8)
            _ = rawMode()  // back to waiting for a whole key
            if n >= 2 && rest[0] == UInt8(ascii: "[") && (rest[1] == UInt8(ascii: "B") || rest[1] == UInt8(ascii: "6")) { return UInt8(ascii: "\n") }
            if n >= 2 && rest[0] == UInt8(ascii: "[") && (rest[1] == UInt8(ascii: "A") || rest[1] == UInt8(ascii: "5")) { return UInt8(ascii: "b") }
            return 0
        }
        return byte
    }
}
