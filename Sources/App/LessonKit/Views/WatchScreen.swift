// `--watch`: one screen, redrawn in place a few times a second while a lesson trains: the loss and
// accuracy as braille curves, a row of health figures per layer, the first conv layer's filters as
// they change, and what the run has warned of. It draws on the terminal's alternate screen, so the
// terminal is as it was when training ends or is stopped; Space pauses and resumes.
import Foundation
import Numerics
import Rendering
import Training
#if canImport(Glibc)
import Glibc
#endif

/// What the watch screen shows, as the engine hands it over: numbers, unformatted.
public struct WatchFrame {
    /// The lesson file's title; the screen shows its first part ("Lesson 3" of "Lesson 3 · A convolutional …").
    public var title = ""
    /// "epoch" or "iteration"
    public var unit = "epoch"
    /// What one point of the curves is: "batch" (lesson 3), "iteration" (lesson 1), "epoch" (lesson 2).
    public var step = "batch"
    /// `batches` 0: a lesson without mini-batches (the title line says only the epoch or iteration).
    public var epoch = 0, epochs = 0, batch = 0, batches = 0
    public var imagesPerSecond: Double?
    public var remaining: Double?
    /// Every batch so far: its place in epochs, its mean loss and the share it classified right.
    public var points: [(x: Double, loss: Double, accuracy: Double?)] = []
    /// Test accuracy at the end of each epoch so far.
    public var testAccuracy: [(x: Double, accuracy: Double)] = []
    public var layers: [String] = []
    public var health: BatchHealth?
    /// The first conv layer's filters (its first input channel), each width × height, and its name.
    public var filters: (name: String, maps: [[Double]], width: Int, height: Int)?
    /// The words over the pictures (`KEY` in colour, `KEY-plain` without), given `layer`, `f`, `width`, `height`.
    public var filtersKey = "watch.filters"
    /// Whether the lesson clips its gradients (lessons 1 and 2 do not: their column shows a dash).
    public var clips = true
    /// The words over the accuracy curve.
    public var accuracyKey = "watch.accuracy"
    /// What the run has warned of so far, newest last.
    public var warnings: [Phrase] = []
    public init() {}

    /// A filter bank (C_out, f, f, C_in) as the screen draws it: each filter's first input channel.
    public mutating func showFilters(_ name: String, _ w: Tensor<Double>) {
        guard w.shape.count == 4 else { return }
        let (cout, fh, fw, cin) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        filters = (name, (0..<cout).map { o in (0..<(fh * fw)).map { w.storage[(o * fh * fw + $0) * cin] } }, fw, fh)
    }

    /// A dense layer's units' weights on the input pixels, each unit a `width` × `height` picture
    /// (`maps[u][p]`, pixel p of unit u); `pool` p: each p × p square of pixels averaged, so a 28 × 28
    /// digit's weights fit the screen as 7 × 7.
    public mutating func showUnitWeights(_ name: String, _ maps: [[Double]], width: Int, height: Int, pool: Int = 1, key: String) {
        let p = max(1, pool), w = width / p, h = height / p
        let pooled = maps.map { m in
            (0..<(w * h)).map { q -> Double in
                let (y, x) = (q / w, q % w)
                var s = 0.0
                for dy in 0..<p { for dx in 0..<p { s += m[(y * p + dy) * width + x * p + dx] } }
                return s / Double(p * p)
            }
        }
        filters = (name, pooled, w, h)
        filtersKey = key
    }
}

public final class WatchScreen {
    let words: Words
    let color: Bool
    let columns: Int, rows: Int
    /// Seconds between redraws.
    let interval = 0.2
    /// `--pace`: at least this long per step (batch, iteration or epoch); nil when not given.
    let pace: Double?
    /// The pace kept: `--pace`, or one the lesson chose for its run (`keepPace(steps:)`).
    public private(set) var pacing = 0.0
    private var lastStep = Date.distantPast
    /// Whether the pace held the last step back (else the steps are slower than the pace, and the
    /// screen shows their speed).
    private var slowed = false
    private var lastDraw = Date.distantPast
    private var started = false
    private var saved = termios()
    private var raw = false
    public private(set) var paused = false
    /// Frames drawn (for the tests and the bench).
    public private(set) var frames = 0

    /// The smallest terminal the screen is laid out for.
    public static let minimum = (columns: 80, rows: 24)

    public init(words: Words, color: Bool, columns: Int, rows: Int, pace: Double? = nil) {
        self.words = words; self.color = color; self.columns = columns; self.rows = rows; self.pace = pace
        pacing = pace ?? 0
    }

    /// Pacing slower than this draws every step (a class follows each one).
    static let visiblePace = 0.02

    /// A run of `steps` steps about to start: without `--pace`, one too short to follow (lesson 2's 100
    /// epochs take a fraction of a second) is spread over about 10 seconds, at most 0.1 s a step; a
    /// longer run's steps already take longer than that and are not slowed.
    public func keepPace(steps: Int) {
        pacing = pace ?? min(0.1, 10 / Double(max(1, steps)))
    }

    /// Whether a redraw is due (so the engine gathers a frame only then).
    public var due: Bool { !started || paused || Date().timeIntervalSince(lastDraw) >= interval || pacing >= Self.visiblePace }

    /// Takes the alternate screen, hides the cursor and reads keys without waiting for Enter; Ctrl-C
    /// is read as a key and stops the run as the signal does.
    public func start() {
        guard !started else { return }
        started = true
        var t = termios()
        if tcgetattr(0, &t) == 0 {
            saved = t
            t.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG)
            withUnsafeMutableBytes(of: &t.c_cc) { cc in cc[Int(VMIN)] = 0; cc[Int(VTIME)] = 0 }
            raw = tcsetattr(0, TCSANOW, &t) == 0
        }
        write("\u{1B}[?1049h\u{1B}[?25l\u{1B}[2J")
    }

    /// Gives the terminal back as it was: the main screen, the cursor, line-by-line input.
    public func finish() {
        guard started else { return }
        started = false
        write("\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l")
        if raw { var t = saved; tcsetattr(0, TCSANOW, &t); raw = false }
    }

    /// Draws `frame` if a redraw is due (`force`: always, at an epoch's end), then keeps to the pace and
    /// waits here while paused (Space again resumes; Ctrl-C ends the wait).
    public func show(_ frame: @autoclosure () -> WatchFrame, force: Bool = false) {
        if !started { start() }
        let key = readKey()
        if key == UInt8(ascii: " ") { paused.toggle() }
        // At least `pacing` seconds a step, counted from the last step's end (its own time included).
        defer {
            if pacing > 0 && !force {
                let left = lastStep.addingTimeInterval(pacing).timeIntervalSinceNow
                slowed = left > 0.001
                wait(left)
                lastStep = Date()
            }
        }
        guard force || paused || due else { return }
        let f = frame()
        draw(f)
        while paused && !Interrupt.requested {
            wait(interval)
            if readKey() == UInt8(ascii: " ") { paused = false }
            draw(f)
        }
    }

    private func wait(_ seconds: Double) {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end && !Interrupt.requested {
            if readKey() == UInt8(ascii: " ") { paused.toggle(); if paused { return } }
            usleep(20_000)
        }
    }

    private func readKey() -> UInt8? {
        guard raw else { return nil }
        var b: UInt8 = 0
        guard read(0, &b, 1) == 1 else { return nil }
        if b == 3 { Interrupt.typed() }
        return b
    }

    private func write(_ s: String) { fputs(s, stdout); fflush(stdout) }

    func draw(_ f: WatchFrame) {
        lastDraw = Date()
        frames += 1
        let lines = layout(f)
        var out = ""
        for (r, line) in lines.prefix(rows).enumerated() { out += "\u{1B}[\(r + 1);1H" + line + "\u{1B}[0m\u{1B}[K" }
        // Clear below the last line, if any row is left (a cursor moved past the bottom stays on the last row).
        if lines.count < rows { out += "\u{1B}[\(lines.count + 1);1H\u{1B}[J" }
        write(out)
    }

    func text(_ key: String, _ values: [String: Value] = [:]) -> String { words.render(Phrase(key, values)) }
    func style(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    /// A plain string cut to `width` columns.
    func fit(_ s: String, _ width: Int) -> String {
        var out = "", used = 0
        for ch in s { let w = TextColumns.width(String(ch)); if used + w > width { break }; out.append(ch); used += w }
        return out
    }
    func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let t = fit(s, width), gap = String(repeating: " ", count: max(0, width - TextColumns.width(t)))
        return right ? gap + t : t + gap
    }

    /// The screen's lines, each at most `columns` wide.
    /// The screen's lines for a frame, without drawing them (the bench times this).
    public func layout(_ f: WatchFrame) -> [String] {
        var out = [String]()
        // The title and where training is
        var where_: [String: Value] = ["unit": .text(f.unit), "epoch": .int(f.epoch), "epochs": .int(f.epochs),
                                       "batch": .int(f.batch), "batches": .int(f.batches), "step": .text(f.step)]
        where_["rate"] = .number(f.imagesPerSecond ?? 0)
        where_["eta"] = .text(Progress.duration(f.remaining ?? .nan))
        where_["pace"] = .number(pacing)
        var parts = [text(paused ? "watch.paused" : "watch.where", where_)]
        if f.batches > 0 { parts.append(text("watch.where-batch", where_)) }
        if !paused {
            // Paced, the speed is the pace's: the pace is shown instead.
            let paced = pace != nil || (pacing >= Self.visiblePace && slowed)
            if f.imagesPerSecond != nil && !paced { parts.append(text("watch.where-rate", where_)) }
            parts.append(text("watch.where-eta", where_))
            if paced { parts.append(text("watch.where-pace", where_)) }
        }
        let title = text("watch.title", ["title": .text(f.title.components(separatedBy: " · ").first ?? f.title)])
        out.append(style(fit(([title] + parts).joined(separator: " · "), columns), "1"))

        // Two curves side by side: loss per batch; accuracy per batch (train) and per epoch (test)
        let half = (columns - 1) / 2, label = 6, chartColumns = half - label - 1, chartRows = 6
        let xMax = Double(max(1, f.epochs))
        let losses = f.points.map(\.loss).filter(\.isFinite)
        let lossTop = max(1e-9, losses.max() ?? 1) * 1.05
        var loss = BrailleChart(columns: chartColumns, rows: chartRows, x: 0...xMax, y: 0...lossTop)
        loss.series = [.init(x: f.points.map(\.x), y: f.points.map(\.loss), color: "36")]
        var accuracy = BrailleChart(columns: chartColumns, rows: chartRows, x: 0...xMax, y: 0...100)
        let trained = f.points.compactMap { p in p.accuracy.map { (p.x, 100 * $0) } }
        accuracy.series = [.init(x: trained.map(\.0), y: trained.map(\.1), color: "36"),
                           .init(x: f.testAccuracy.map(\.x), y: f.testAccuracy.map { 100 * $0.accuracy }, color: "1;33")]
        out.append(pad(text("watch.loss", ["step": .text(f.step)]), half) + " " + text(f.accuracyKey, ["step": .text(f.step)]))
        let l = loss.lines(color: color), a = accuracy.lines(color: color)
        for r in 0..<chartRows {
            let lossLabel = r == 0 ? String(format: "%.2f", lossTop) : r == chartRows - 1 ? "0" : ""
            let accLabel = r == 0 ? "100%" : r == chartRows - 1 ? "0%" : ""
            out.append(pad(lossLabel, label, right: true) + "│" + l[r] + "  " + pad(accLabel, label, right: true) + "│" + a[r])
        }
        let axis = String(repeating: " ", count: label) + "0" + pad(text("watch.x-axis", ["unit": .text(f.unit)]), chartColumns - 1 - String(f.epochs).count) + String(f.epochs)
        out.append(pad(axis, half) + " " + axis)

        // One row per layer (after a blank line, if the screen has room for it: see the end)
        let blank = out.count
        out.append("")
        let heads = text("watch.table.columns").split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        func head(_ i: Int) -> String { i < heads.count ? heads[i] : "" }
        out.append(style(fit(pad(head(0), 8) + pad(head(1), 17) + pad(head(2), 11) + pad(head(3), 9, right: true) + "  " + pad(head(4), 19) + pad(head(5), 8, right: true), columns), "1"))
        let shown = max(1, rows - 19)
        for (k, name) in f.layers.enumerated().prefix(shown) {
            guard let h = f.health?.layers, k < h.count else { out.append(name); continue }
            let x = h[k]
            let activation = String(format: "%.3f ± %.3f", x.activationMean, x.activationSpread)
            let units = x.deadShare.map { text("watch.dead", ["share": .number($0)]) } ?? x.saturatedShare.map { text("watch.saturated", ["share": .number($0)]) } ?? "–"
            let log = x.updateRatio > 0 ? log10(x.updateRatio) : -.infinity
            let row = pad(name, 8) + pad(activation + (x.readAfterPool ? "*" : ""), 17) + pad(units, 11) + pad(String(format: "%.1e", x.gradientRMS), 9, right: true)
                + "  " + pad(log.isFinite ? String(format: "%+.1f", log) : "0", 5, right: true) + " " + ratioBar(log) + pad(f.clips ? String(format: "%.1f%%", 100 * x.clippedShare) : "–", 8, right: true)
            let warn = log > -1 || log < -5 || (x.deadShare ?? 0) > 0.5
            out.append(warn ? style(fit(row, columns), "33") : fit(row, columns))
        }
        if f.layers.count > shown { out.append(text("watch.more-layers", ["more": .int(f.layers.count - shown)])) }
        let pooled = f.health?.layers.first?.readAfterPool == true ? [text("watch.after-pool", ["layer": .text(f.layers.first ?? "")])] : []
        out.append(fit((pooled + [text("watch.legend")]).joined(separator: " · "), columns))

        // The first conv layer's filters, each on its own ±scale
        var indexRow: Int?
        if let filters = f.filters {
            let each = filters.width * 2, fits = max(1, (columns - 2) / (each + 1))
            // The words may say how many fit ("units 0-4 of 10").
            out.append(fit(text(color ? f.filtersKey : f.filtersKey + "-plain",
                                ["layer": .text(filters.name), "f": .int(filters.width), "width": .int(filters.width), "height": .int(filters.height),
                                 "last": .int(min(fits, filters.maps.count) - 1), "count": .int(filters.maps.count)]), columns))
            let pictures = filters.maps.prefix(fits).map { m -> [String] in
                let bound = max(1e-12, m.map(abs).max() ?? 1)
                let values = color ? Self.doubled(m, width: filters.width, height: filters.height) : m
                let w = color ? filters.width * 2 : filters.width, h = color ? filters.height * 2 : filters.height
                return TerminalPicture.render(values, width: w, height: h, lo: -bound, hi: bound, colormap: .diverging, color: color, signed: true, indent: "",
                                              plainDouble: true)
                    .split(separator: "\n").map(String.init)
            }
            for r in 0..<(pictures.first?.count ?? 0) { out.append("  " + pictures.map { $0[r] }.joined(separator: " ")) }
            indexRow = out.count
            out.append("  " + (0..<pictures.count).map { pad(String($0), each) }.joined(separator: " "))
        }
        if let w = f.warnings.last { out.append(style(fit(text("health.warning", ["what": .phrase(w)]), columns), "1;33")) }
        out.append(fit(text(paused ? "watch.keys-paused" : "watch.keys"), columns))
        // Taller than the terminal (lesson 1's 7-row pictures and a warning): the pictures' numbers go
        // first, then the blank line; the keys line always shows.
        if out.count > rows, let indexRow { out.remove(at: indexRow) }
        if out.count > rows { out.remove(at: blank) }
        return out
    }

    /// log10(update / weight) from -6 to 0 on 13 cells, the guide (-3) marked.
    func ratioBar(_ log: Double) -> String {
        let cells = 13
        let at = Int(((min(0, max(-6, log)) + 6) / 6 * Double(cells - 1)).rounded())
        return String((0..<cells).map { $0 == at ? "●" : $0 == (cells - 1) / 2 ? "│" : "·" })
    }

    /// Each pixel as 2 × 2: a 3 × 3 filter is too small to read at one cell per pixel.
    static func doubled(_ m: [Double], width: Int, height: Int) -> [Double] {
        var out = [Double]()
        for y in 0..<(height * 2) { for x in 0..<(width * 2) { out.append(m[(y / 2) * width + x / 2]) } }
        return out
    }
}
