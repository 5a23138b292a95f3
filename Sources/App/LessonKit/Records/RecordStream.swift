// What an engine writes to: it emits records, and the stream hands each one to the terminal view
// (or the pager) and keeps it, per step, for the handout, run.json and the pager's way back.
import Foundation
import Numerics
import Rendering

public final class RecordStream {
    public let quiet: Bool
    /// `--bare`: only what the steps compute is printed (Record.isFrame), as a notebook cell holds it.
    public var bare = false
    public var view: TerminalView
    /// Where rendered lines go (stdout, or the pager's buffer).
    var output: ([String]) -> Void
    /// Set while steps before `--from`/`--stop-at` run: nothing is shown or kept.
    public var muted = false
    /// Every record shown, in order, and the step each belongs to (0: before the first step).
    public private(set) var records: [(step: Int, record: Record)] = []
    var currentStep = 0
    /// Told of every file written (the output session keeps the list for run.json).
    public var onWrote: ((URL) -> Void)?
    /// Lines held back while a screen of its own (--watch) has the terminal; printed on `release`.
    private var held: [String]?

    public func hold() { if held == nil { held = [] } }
    public func release() {
        if let lines = held, !lines.isEmpty { output(lines) }
        held = nil
    }

    public init(view: TerminalView, quiet: Bool, write: @escaping (String) -> Void = { fputs($0, stdout) }) {
        self.view = view
        self.quiet = quiet
        self.output = { lines in write(lines.map { $0 + "\n" }.joined()) }
    }

    public var words: Words { view.words }
    public var color: Bool { view.color }
    public var full: Bool { view.full }

    public func emit(_ record: Record) {
        if case .wrote(let f) = record { onWrote?(f.url) }
        // An epoch of a training that ran unseen still belongs in run.json; it shows no row.
        if muted, case .epoch(var e) = record { e.cells = nil; records.append((currentStep, .epoch(e))) }
        guard !muted else { return }
        if case .heading(let index, _, _, _) = record { currentStep = index }
        records.append((currentStep, record))
        let lines = bare && record.isFrame ? [] : view.lines(record, quiet: quiet)
        if !lines.isEmpty { if held != nil { held! += lines } else { output(lines) } }
    }

    // MARK: What engines call

    public func quantity<T: BLASScalar>(_ name: String, _ t: Tensor<T>, _ formula: String? = nil, _ values: [String: Value] = [:],
                                        role: Role = .value, layout: Layout = .plain, channel: Int = 0, onlyWhenFull: Bool = false, focus: [Int]? = nil) {
        emit(.quantity(Quantity(name: name, array: ArrayValue(t), scalar: false, formula: formula.map { Phrase($0, values) }, role: role,
                                layout: layout, channel: channel, onlyWhenFull: onlyWhenFull, focus: focus)))
    }

    public func quantity(_ name: String, ints: [Int], shape: [Int]? = nil, _ formula: String? = nil, _ values: [String: Value] = [:], role: Role = .value) {
        let array = ArrayValue(shape: shape ?? [ints.count], values: ints.map(Double.init), integers: true)
        emit(.quantity(Quantity(name: name, array: array, scalar: false, formula: formula.map { Phrase($0, values) }, role: role, layout: .plain)))
    }

    /// A numpy scalar (shape ()), shown as numpy shows a float64: its shortest repr.
    public func quantity(_ name: String, scalar: Double, _ formula: String? = nil, _ values: [String: Value] = [:], role: Role = .value) {
        emit(.quantity(Quantity(name: name, array: ArrayValue(shape: [], values: [scalar]), scalar: true,
                                formula: formula.map { Phrase($0, values) }, role: role, layout: .plain)))
    }

    /// A sentence of the lesson's words with these values.
    public func say(_ key: String, _ values: [String: Value] = [:]) { emit(.line(Phrase(key, values))) }
    public func log(_ key: String, _ values: [String: Value]) { emit(.logEntry(Phrase(key, values))) }
    public func worked(_ key: String, _ values: [String: Value]) { emit(.worked(Phrase(key, values))) }
    public func note(_ key: String, _ values: [String: Value] = [:]) { emit(.note(Phrase(key, values))) }
    public func result(_ key: String, _ values: [String: Value] = [:]) { emit(.result(Phrase(key, values))) }
    public func blank() { emit(.blank) }
    public func sum(_ w: WorkedSum) { emit(.sum(w)) }
    public func table(_ t: Table) { emit(.table(t)) }
    public func epoch(_ figures: [String: Double], row cells: [Value]? = nil) { emit(.epoch(EpochRow(figures, cells: cells))) }
    public func maps(_ m: TerminalMaps, caption: String? = nil, _ values: [String: Value] = [:]) {
        emit(.maps(m, caption: caption.map { Phrase($0, values) }))
    }
    /// The confusion matrix of `predicted` against `labels` (rows: true class, columns: predicted), shown
    /// as the table `key` (its title in the lesson's words); returned for its picture.
    @discardableResult
    public func confusion(_ key: String, _ predicted: [Int], _ labels: [Int], classes: Int = 10) -> [[Double]] {
        var counts = [[Double]](repeating: [Double](repeating: 0, count: classes), count: classes)
        for (p, y) in zip(predicted, labels) where p < classes && y < classes { counts[y][p] += 1 }
        table(Table(key, columns: [.init("true")] + (0..<classes).map { .init(String($0)) },
                    rows: (0..<classes).map { r in [.int(r)] + counts[r].map { .int(Int($0)) } }))
        return counts
    }

    public func wrote(_ url: URL, shows: String? = nil, _ values: [String: Value] = [:], bytes: Data? = nil) {
        emit(.wrote(WrittenFile(url: url, shows: shows.map { Phrase($0, values) }, bytes: bytes)))
    }

    /// A path as the user would type it from here.
    public static func relativePath(_ url: URL) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return url.path.hasPrefix(cwd) ? String(url.path.dropFirst(cwd.count)) : url.path
    }
    public func relativePath(_ url: URL) -> String { RecordStream.relativePath(url) }
}

/// The terminal's size: `--width`, else the window (TIOCGWINSZ; 0 means unknown), else COLUMNS/LINES, else 80 × 24.
public enum TerminalSize {
    public static func current(widthFlag: Int? = nil, fd: Int32 = 1, environment: [String: String] = ProcessInfo.processInfo.environment) -> (columns: Int, rows: Int) {
        var ws = winsize()
        let known = ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0
        let columns = widthFlag ?? (known && ws.ws_col > 0 ? Int(ws.ws_col) : environment["COLUMNS"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } ?? 80)
        let rows = known && ws.ws_row > 0 ? Int(ws.ws_row) : environment["LINES"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } ?? 24
        return (columns, rows)
    }
}

/// Progress on one line of stderr, drawn only when stderr is a terminal.
public struct Progress {
    /// False under `--bare`: a notebook cell's output holds no progress bar, even in a pseudo-terminal.
    nonisolated(unsafe) public static var shown = true
    let enabled = Progress.shown && isatty(2) != 0
    let label: String
    let total: Int
    let start = Date()

    public init(_ label: String, total: Int) { self.label = label; self.total = total }

    /// Called once before the first bar is drawn: the pager puts the running step's heading and words
    /// on the screen first, so long work (training) is introduced before its progress appears under it.
    nonisolated(unsafe) public static var beforeFirstDraw: (() -> Void)?

    /// The bar, `done` of `total`, the figures given (`loss 0.4123`, `98 img/s`) and one ETA:
    /// `remaining` seconds if the caller knows the whole run's, else this bar's own.
    public func update(_ done: Int, figures: [(String, Double, String)] = [], remaining: Double? = nil) {
        guard enabled else { return }
        if let first = Progress.beforeFirstDraw { Progress.beforeFirstDraw = nil; first() }
        let width = 24
        let filled = total > 0 ? min(width, width * done / total) : width
        let elapsed = Date().timeIntervalSince(start)
        let eta = remaining ?? (done > 0 ? elapsed / Double(done) * Double(total - done) : .nan)
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let shown = figures.map { name, value, spec in "\(name) \(FormatSpec(spec)?.apply(value, isInteger: false) ?? String(value))" }.joined(separator: "  ")
        fputs("\r\(label) [\(bar)] \(done)/\(total)  \(shown)  ETA \(Progress.duration(eta))\u{1B}[K", stderr)
    }

    public func finish() {
        guard enabled else { return }
        fputs("\r\u{1B}[K", stderr)
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s / 60 % 60) : s >= 60 ? String(format: "%dm%02ds", s / 60, s % 60) : "\(s)s"
    }
}
