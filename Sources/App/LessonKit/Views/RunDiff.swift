// `lesson diff`: two runs of the same lesson side by side, from their run.json files: the settings
// that differ, the final figures, the epochs' figures, and (when both kept weights) per-layer weight gaps.
import Foundation
import Network
import Numerics

public enum RunDiff {
    /// How the lesson names and prints a run.json figure (`figure.KEY` and `figure.KEY.format` in its
    /// words): "train acc" at 92.37 % rather than train_accuracy 0.9237.
    struct FigureWords {
        let words: Words?
        /// The figures in the order the lesson file names them.
        var order: [String] = []
        func name(_ key: String) -> String { words?.text("figure." + key) ?? RunDiff.printable(key) }
        func value(_ key: String, _ v: Double) -> String {
            if let spec = words?.text("figure.\(key).format") { return Words.format(.number(v), spec: spec) }
            return v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: "%.6g", v)
        }
        func change(_ key: String, _ a: Double, _ b: Double) -> String {
            let d = b - a
            return (d >= 0 ? "+" : "") + value(key, d)
        }
        /// The words of the lesson file a run was made from, if it is still in the library.
        static func of(_ run: RunRecord) -> FigureWords {
            guard let library = try? LessonLibrary.locate(),
                  let entry = library.entries().first(where: { $0.url.lastPathComponent == run.file }),
                  let file = try? LessonFile.load(entry.url), let words = try? Words(file: file) else { return FigureWords(words: nil) }
            let order = (file.blocks["words"] ?? []).compactMap { line -> String? in
                guard line.text.hasPrefix("figure."), let colon = line.text.firstIndex(of: ":") else { return nil }
                let key = String(line.text[line.text.index(line.text.startIndex, offsetBy: 7)..<colon])
                return key.hasSuffix(".format") ? nil : key
            }
            return FigureWords(words: words, order: order)
        }
    }

    /// The comparison as text, fitted to `width` columns; `a` and `b` are run.json paths or --out folders.
    public static func text(_ a: String, _ b: String, width: Int = 80) throws -> String {
        let (ra, fa) = try RunRecord.load(a), (rb, fb) = try RunRecord.load(b)
        guard ra.file == rb.file else {
            throw LessonError("\(a) is a run of \(printable(ra.file)), \(b) of \(printable(rb.file)); diff compares two runs of the same lesson.")
        }
        guard ra.engine == rb.engine else {
            throw LessonError("\(a) and \(b) both ran \(printable(ra.file)), but with different engines (\(printable(ra.engine)) and \(printable(rb.engine))); diff compares two runs of the same lesson.")
        }
        let words = FigureWords.of(ra)
        var out = [printable(ra.lesson), "A: \(a)", "B: \(b)", ""]
        func table(_ rows: [[String]]) -> [String] { TextColumns.table(rows) }

        let keys = Set(ra.settings.keys).union(rb.settings.keys).sorted()
        let differing = keys.filter { ra.settings[$0] != rb.settings[$0] }
        out.append(differing.isEmpty ? "Settings: the same." : "Settings that differ:")
        if !differing.isEmpty { out += table([["setting", "A", "B"]] + differing.map { [printable($0), printable(ra.settings[$0] ?? "-"), printable(rb.settings[$0] ?? "-")] }) }

        // In the order the lesson's words list them, then any others.
        func ordered(_ figures: Set<String>) -> [String] {
            figures.sorted { (words.order.firstIndex(of: $0) ?? .max, $0) < (words.order.firstIndex(of: $1) ?? .max, $1) }
        }
        let figures = ordered(Set(ra.summary.final.keys).union(rb.summary.final.keys))
        if !figures.isEmpty {
            out += ["", "Final figures:"]
            out += table([["figure", "A", "B", "B - A"]] + figures.map { k in
                let x = ra.summary.final[k], y = rb.summary.final[k]
                return [words.name(k), x.map { words.value(k, $0) } ?? "-", y.map { words.value(k, $0) } ?? "-",
                        x != nil && y != nil ? words.change(k, x!, y!) : ""]
            })
        }

        // Per epoch, one table: each figure both runs have, A and B side by side under its name.
        let n = min(ra.summary.epochs.count, rb.summary.epochs.count)
        if n > 0 {
            let unit = ra.summary.epochs[0]["epoch"] != nil ? "epoch" : "iteration"
            // A layer's health figures (LAYER.update_ratio, ...) get their own table below.
            var columns = ordered(Set(ra.summary.epochs[0].keys).intersection(rb.summary.epochs[0].keys).subtracting([unit]).filter { !$0.contains(".") })
            let shown = n <= 12 ? Array(0..<n) : Array(0..<5) + Array((n - 5)..<n)
            out += ["", "Per \(words.name(unit))\(n > 12 ? " (first and last five of \(n))" : ""):"]
            var lines = epochTable(unit: unit, columns: columns, epochs: shown, ra.summary.epochs, rb.summary.epochs, words)
            // Too wide: a figure the two runs share at every epoch shown says so below instead.
            var same = [String]()
            while lines.map(TextColumns.width).max() ?? 0 > width,
                  let k = columns.last(where: { c in shown.allSatisfy { ra.summary.epochs[$0][c] == rb.summary.epochs[$0][c] } }) {
                columns.removeAll { $0 == k }
                same.insert(k, at: 0)
                lines = epochTable(unit: unit, columns: columns, epochs: shown, ra.summary.epochs, rb.summary.epochs, words)
            }
            out += lines
            for k in same {
                let values = Set(shown.compactMap { ra.summary.epochs[$0][k] }).sorted()
                out.append("  (\(words.name(k)), the same in both runs: \(values.map { words.value(k, $0) }.joined(separator: ", ")))")
            }
            if ra.summary.epochs.count != rb.summary.epochs.count {
                out.append("  (A has \(ra.summary.epochs.count), B has \(rb.summary.epochs.count); the first \(n) are compared)")
            }
            out += healthTable(ra.summary.epochs[n - 1], rb.summary.epochs[n - 1], epoch: words.value(unit, ra.summary.epochs[n - 1][unit] ?? Double(n)), unit: words.name(unit))
        }

        if let wa = ra.summary.weightsFile, let wb = rb.summary.weightsFile {
            // A run's weights are a file in its own folder; a run.json naming one elsewhere is not followed.
            for (name, run) in [(wa, a), (wb, b)] where name.isEmpty || name.contains("/") || name.hasPrefix(".") {
                throw LessonError("\(run): its run.json names the weights file \"\(printable(name))\", which is not a file in the run's folder; diff reads weights only there.")
            }
            out += ["", try weightGaps(fa.appendingPathComponent(wa), fb.appendingPathComponent(wb))]
        } else {
            out += ["", "Weights: \(ra.summary.weightsFile == nil && rb.summary.weightsFile == nil ? "neither run" : "only one run") saved trained weights, so they are not compared."]
        }
        return out.joined(separator: "\n")
    }

    /// Each layer's health at the last epoch both runs have, A beside B: the size of its updates against
    /// its weights (the guide is about 1e-3) and the share of its units dead; empty when neither run kept them.
    /// The ratio is the epoch's geometric mean, as HealthLog keeps it.
    static func healthTable(_ a: [String: Double], _ b: [String: Double], epoch: String, unit: String) -> [String] {
        let layers = Set((Array(a.keys) + Array(b.keys)).filter { $0.hasSuffix(".update_ratio") }.map { String($0.dropLast(".update_ratio".count)) }).sorted()
        guard !layers.isEmpty else { return [] }
        func ratio(_ v: Double?) -> String { v.map { String(format: "%.1e", $0) } ?? "-" }
        func share(_ v: Double?) -> String { v.map { String(format: "%.0f%%", 100 * $0) } ?? "-" }
        // Dead (ReLU) and saturated (sigmoid) units, each when a layer of either run has them.
        let kinds = ["dead", "saturated"].filter { k in layers.contains { a[$0 + "." + k] != nil || b[$0 + "." + k] != nil } }
        let rows = layers.map { l in
            [l, ratio(a[l + ".update_ratio"]), ratio(b[l + ".update_ratio"])] + kinds.flatMap { [share(a[l + "." + $0]), share(b[l + "." + $0])] }
        }
        let legend = ["dead": "dead: units that gave 0 for every image of a batch", "saturated": "saturated: sigmoids below 0.02 or above 0.98 for every image"]
        return ["", "Health at \(unit) \(epoch), per layer (means over its batches):"]
            + TextColumns.table([["layer", "update/weight A", "B"] + kinds.flatMap { [$0 + " A", "B"] }] + rows)
            + ["  (update/weight: near 1e-3 learns, over 1e-1 explodes, under 1e-5 stalls)"]
            + kinds.map { "  (\(legend[$0]!))" }
    }

    /// The per-epoch table: a line of figure names, each over its A and B columns, then A and B, then a
    /// row per epoch shown.
    static func epochTable(unit: String, columns: [String], epochs: [Int], _ a: [[String: Double]], _ b: [[String: Double]],
                           _ words: FigureWords) -> [String] {
        let unitCells = epochs.map { e in words.value(unit, a[e][unit] ?? Double(e + 1)) }
        let unitWidth = ([words.name(unit)] + unitCells).map(TextColumns.width).max() ?? 0
        var header = [TextColumns.pad("", unitWidth)], sub = [TextColumns.pad(words.name(unit), unitWidth)]
        var rows = unitCells.map { [TextColumns.pad($0, unitWidth)] }
        for c in columns {
            let cellsA = epochs.map { e in a[e][c].map { words.value(c, $0) } ?? "-" }
            let cellsB = epochs.map { e in b[e][c].map { words.value(c, $0) } ?? "-" }
            var wA = (["A"] + cellsA).map(TextColumns.width).max()!, wB = (["B"] + cellsB).map(TextColumns.width).max()!
            let name = words.name(c)
            // A name wider than its two columns widens them.
            let short = TextColumns.width(name) - (wA + 1 + wB)
            if short > 0 { wA += short / 2; wB += short - short / 2 }
            header.append(TextColumns.pad(name, wA + 1 + wB, align: .right))
            sub.append(TextColumns.pad("A", wA, align: .right) + " " + TextColumns.pad("B", wB, align: .right))
            for i in rows.indices {
                rows[i].append(TextColumns.pad(cellsA[i], wA, align: .right) + " " + TextColumns.pad(cellsB[i], wB, align: .right))
            }
        }
        return ([header, sub] + rows).map { cells in
            let line = "  " + cells.joined(separator: "  ")
            return String(line.reversed().drop { $0 == " " }.reversed())
        }
    }

    /// A string from a run.json as text that only prints: control characters (an escape sequence that
    /// would clear the screen) written as \u{…}.
    static func printable(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            if u.value < 0x20 || (0x7F...0x9F).contains(u.value) { out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}" } else { out.unicodeScalars.append(u) }
        }
        return out
    }

    /// The largest weights file diff reads: 1 GB, 125 million float64 parameters.
    static let maxWeightsBytes = 1_000_000_000

    /// max and mean |W_B − W_A| per tensor, largest first.
    static func weightGaps(_ a: URL, _ b: URL) throws -> String {
        func load(_ url: URL) throws -> (architecture: String, tensors: [Tensor<Double>]) {
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw LessonError("\(url.path): the run's weights file is missing; it was moved or deleted after the run.")
            }
            // A network small enough to train within the largest memory budget a run accepts by default.
            let bytes = try BoundedRead.bytes(url, limit: maxWeightsBytes, what: url.path, why: "the weights of a network a lesson trains")
            do { return try WeightsFile.read(bytes, name: url.path) } catch let e as WeightsFile.FormatError { throw LessonError(e.description) }
        }
        let (archA, ta) = try load(a), (archB, tb) = try load(b)
        guard archA == archB, ta.map(\.shape) == tb.map(\.shape) else {
            return "Weights: the two networks differ (\(archA) vs \(archB)); not compared."
        }
        // Name each tensor after its layer in the architecture line: "conv f=3 out=10 ..." → "conv 1".
        let layers = archA.components(separatedBy: "; ").dropFirst().filter { $0.hasPrefix("conv") || $0.hasPrefix("dense") }
        var counts = [String: Int](), names = [String]()
        for l in layers {
            let kind = l.hasPrefix("conv") ? "conv" : "dense"
            counts[kind, default: 0] += 1
            names += ["\(kind)\(counts[kind]!) W", "\(kind)\(counts[kind]!) b"]
        }
        var rows = [(name: String, max: Double, mean: Double, rms: Double)]()
        for (k, (x, y)) in zip(ta, tb).enumerated() {
            let d = zip(x.storage, y.storage).map { abs($1 - $0) }
            let rms = (x.storage.map { $0 * $0 }.reduce(0, +) / Double(max(1, x.count))).squareRoot()
            rows.append((k < names.count ? names[k] : "tensor \(k + 1)", d.max() ?? 0, d.reduce(0, +) / Double(max(1, d.count)), rms))
        }
        rows.sort { $0.max > $1.max }
        let cells = [["tensor", "max", "mean", "rms of A"]] + rows.map { r in
            [r.name] + [r.max, r.mean, r.rms].map { String(format: "%.4g", $0) }
        }
        return (["Largest weight differences per layer (|B - A|, from the runs' weights.lnw):"] + TextColumns.table(cells))
            .joined(separator: "\n")
    }
}
