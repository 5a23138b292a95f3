// `--step` on a terminal: each step is shown one screen at a time, re-rendered from its records, with
// keys as in `less`. Enter or Space: next screen; b: back one screen; n: next step; p: previous step;
// q: quit (exit 0, run.json says where); Ctrl-C: the same, exit 130; ?: the keys.
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

    /// `first`: the first step shown (1-based); earlier ones ran muted and have no records.
    init(stream: RecordStream, steps: [LessonStep], first: Int, rows: Int) {
        self.stream = stream; self.steps = steps; self.first = first; self.rows = max(3, rows)
    }

    static let keys = """
    Keys:  Enter or Space  next screen       b  back one screen
           n  next step                      p  previous step
           q  quit (what was written is kept; prints the command that resumes here)
           Ctrl-C  the same, exit status 130   ?  these keys
    """

    /// A step's lines, rendered again from its records (step `first` also gets the title and introduction).
    func lines(_ step: Int) -> [String] {
        var view = stream.view
        return stream.records.filter { $0.step == step || (step == first && $0.step < first) }
            .flatMap { view.lines($0.record, quiet: stream.quiet) }
    }

    func write(_ s: String) { fputs(s, stdout); fflush(stdout) }

    /// Pages through the steps up to `live` (just performed) until the reader moves past it.
    func show(live: Int) throws {
        let raw = rawMode()
        let original = saved
        defer { if raw { var t = original; tcsetattr(0, TCSANOW, &t) } }
        var viewing = live, screen = 0
        var cache = [Int: [String]]()
        let pageRows = rows - 1
        while true {
            let text = cache[viewing] ?? lines(viewing)
            cache[viewing] = text
            let pages = max(1, (text.count + pageRows - 1) / pageRows)
            screen = min(screen, pages - 1)
            // Clear the screen and draw the page from the top, as less does.
            write("\u{1B}[H\u{1B}[2J" + text[(screen * pageRows)..<min(text.count, (screen + 1) * pageRows)].map { $0 + "\n" }.joined())
            var key: UInt8
            repeat {
                write(prompt(viewing, screen, pages))
                key = readKey()
                if key == UInt8(ascii: "?") { write("\r\u{1B}[K\n" + Pager.keys + "\n") }
            } while key == UInt8(ascii: "?")
            write("\r\u{1B}[K")
            switch key {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: " "):
                if screen + 1 < pages { screen += 1 } else if viewing < live { viewing += 1; screen = 0 } else { return }
            case UInt8(ascii: "b"):
                if screen > 0 { screen -= 1 } else if viewing > first { viewing -= 1; screen = .max }
            case UInt8(ascii: "n"):
                if viewing < live { viewing += 1; screen = 0 } else { return }
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

    func readKey() -> UInt8 {
        var byte: UInt8 = 0
        while true {
            let n = read(0, &byte, 1)
            if n == 1 { break }
            if n < 0 && errno == EINTR { continue }
            return 0xFF
        }
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
