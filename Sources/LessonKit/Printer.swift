// Everything a lesson shows goes through the Printer: it decides what --quiet hides, styles text
// when colour is on, and writes to standard output. Progress goes to stderr, only on a terminal.
import Foundation
import Numerics
import Rendering

public final class Printer {
    public let color: Bool
    public let quiet: Bool
    public let printOptions: PrintOptions
    private let output: (String) -> Void
    /// Set while steps before `--from`/`--stop-at` run: nothing is printed or recorded.
    public var muted = false
    /// Collects every step's content for `--report`, whatever --quiet hides from the terminal.
    public var recorder: ReportRecorder?

    public init(color: Bool, quiet: Bool, full: Bool, write: @escaping (String) -> Void = { fputs($0, stdout) }) {
        self.color = color
        self.quiet = quiet
        self.printOptions = full ? .full : PrintOptions()
        self.output = write
    }

    private func write(_ text: String) { if !muted { output(text) } }
    private func record(_ event: ReportEvent) { if !muted { recorder?.add(event) } }

    private func style(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    /// Shown even with --quiet: titles of steps, results, files written.
    public func result(_ text: String) { write(text + "\n"); record(.text(text)) }

    /// Step-by-step detail, hidden by --quiet.
    public func line(_ text: String = "") { if !quiet { write(text + "\n") }; record(.text(text)) }

    public func title(_ text: String) {
        write(style(text, "1;4") + "\n")
        record(.title(text))
    }

    public func heading(_ index: Int, _ total: Int, _ title: String, name: String = "") {
        record(.heading(index: index, total: total, title: title, name: name))
        guard !quiet else { return }
        write("\n" + style("── Step \(index)/\(total) · \(title) ", "1;36") + "\n")
    }

    public func narrative(_ text: String) {
        guard !text.isEmpty else { return }
        record(.narrative(text))
        guard !quiet else { return }
        write(text + "\n")
    }

    /// A tutorial quirk or a caveat, set apart so nobody misses it.
    public func note(_ text: String) {
        record(.note(text))
        guard !quiet else { return }
        let lines = Printer.wrap("Note: " + text, width: 80)
        write(style("Note:", "1;33") + lines.dropFirst(5) + "\n")
    }

    /// Greedy word wrap at `width` columns.
    static func wrap(_ text: String, width: Int) -> String {
        var lines = [String](), line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !line.isEmpty && line.count + 1 + word.count > width { lines.append(line); line = String(word) }
            else { line += (line.isEmpty ? "" : " ") + word }
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }

    /// A named quantity: its name, shape and formula on one line, then its values numpy-style.
    public func quantity<T: BLASScalar>(_ name: String, _ t: Tensor<T>, formula: String) {
        quantity(name, shape: t.shape, formula: formula, values: muted || (quiet && recorder == nil) ? "" : NumpyFormat.format(t, options: printOptions))
    }

    public func quantity(_ name: String, ints: [Int], shape: [Int]? = nil, formula: String) {
        let s = shape ?? [ints.count]
        quantity(name, shape: s, formula: formula, values: muted || (quiet && recorder == nil) ? "" : NumpyFormat.format(ints, shape: s, options: printOptions))
    }

    /// A numpy scalar (shape ()), shown as numpy shows a float64: its shortest repr.
    public func quantity(_ name: String, scalar: Double, formula: String) {
        quantity(name, shape: [], formula: formula, values: NumpyFormat.scalar(scalar))
    }

    private func quantity(_ name: String, shape: [Int], formula: String, values: String) {
        let shapeText = "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
        record(.quantity(name: name, shape: shapeText, formula: formula, values: values))
        guard !quiet else { return }
        // The formula in cyan, not dim: faint text vanishes on a projector.
        write(style(name, "1") + "  shape \(shapeText)  " + style(formula, "36") + "\n")
        write(values + "\n")
    }

    /// A picture drawn with characters; the report shows the PNGs instead.
    public func picture(_ text: String) { if !quiet { write(text) } }

    /// Told of every file written (the output session keeps the list for run.json).
    public var onWrote: ((URL) -> Void)?

    public func wrote(_ url: URL) {
        onWrote?(url)
        write("  wrote " + relativePath(url) + "\n")
        record(.image(url))
    }

    func relativePath(_ url: URL) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return url.path.hasPrefix(cwd) ? String(url.path.dropFirst(cwd.count)) : url.path
    }
}

/// A one-line progress indicator on stderr, drawn only when stderr is a terminal.
public struct Progress {
    let enabled = isatty(2) != 0
    let label: String
    let total: Int
    let start = Date()

    public init(_ label: String, total: Int) { self.label = label; self.total = total }

    /// `ownETA: false` when `detail` carries its own estimate (lesson 3's covers the whole run).
    public func update(_ done: Int, detail: String = "", ownETA: Bool = true) {
        guard enabled else { return }
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let elapsed = Date().timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let own = !ownETA ? "" : " ETA \(String(format: "%.1f", eta))s"
        fputs("\r\(label) [\(bar)] \(done)/\(total) \(detail)\(own)\u{1B}[K", stderr)
    }

    public func finish() {
        guard enabled else { return }
        fputs("\r\u{1B}[K", stderr)
    }
}
