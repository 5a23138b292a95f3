// `lesson diff`: two runs of the same lesson side by side, from their run.json files: the settings
// that differ, the final figures, the epochs' figures, and (when both kept weights) per-layer weight gaps.
import Foundation
import Network
import Numerics

public enum RunDiff {
    /// The comparison as text; `a` and `b` are run.json paths or --out folders.
    public static func text(_ a: String, _ b: String) throws -> String {
        let (ra, fa) = try RunRecord.load(a), (rb, fb) = try RunRecord.load(b)
        guard ra.file == rb.file, ra.engine == rb.engine else {
            throw LessonError("\(a) is a run of \(ra.file), \(b) of \(rb.file); diff compares two runs of the same lesson.")
        }
        var out = ["\(ra.lesson)", "A: \(a)", "B: \(b)", ""]
        func number(_ v: Double) -> String {
            v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: "%.6g", v)
        }
        func table(_ rows: [[String]]) -> [String] { TextColumns.table(rows) }

        let keys = Set(ra.settings.keys).union(rb.settings.keys).sorted()
        let differing = keys.filter { ra.settings[$0] != rb.settings[$0] }
        out.append(differing.isEmpty ? "Settings: the same." : "Settings that differ:")
        if !differing.isEmpty { out += table([["setting", "A", "B"]] + differing.map { [$0, ra.settings[$0] ?? "-", rb.settings[$0] ?? "-"] }) }

        let figures = Set(ra.summary.final.keys).union(rb.summary.final.keys).sorted()
        if !figures.isEmpty {
            out += ["", "Final figures:"]
            out += table([["figure", "A", "B", "B - A"]] + figures.map { k in
                let x = ra.summary.final[k], y = rb.summary.final[k]
                return [k, x.map(number) ?? "-", y.map(number) ?? "-", x != nil && y != nil ? (y! - x! >= 0 ? "+" : "") + number(y! - x!) : ""]
            })
        }

        // Per epoch, the figures both runs have, A | B.
        let n = min(ra.summary.epochs.count, rb.summary.epochs.count)
        if n > 0 {
            let unit = ra.summary.epochs[0]["epoch"] != nil ? "epoch" : "iteration"
            let columns = Set(ra.summary.epochs[0].keys).intersection(rb.summary.epochs[0].keys).subtracting([unit]).sorted()
            let shown = n <= 12 ? Array(0..<n) : Array(0..<5) + Array((n - 5)..<n)
            // One A and one B column per figure; as many figures side by side as fit in 80 columns,
            // the rest in further tables below, each with the \(unit) column again.
            func rows(_ figures: [String]) -> [[String]] {
                [[unit] + figures.flatMap { ["\($0) A", "B"] }] + shown.map { e in
                    [number(ra.summary.epochs[e][unit] ?? Double(e + 1))] + figures.flatMap { c in
                        [ra.summary.epochs[e][c].map(number) ?? "-", rb.summary.epochs[e][c].map(number) ?? "-"]
                    }
                }
            }
            out += ["", "Per \(unit)\(n > 12 ? " (first and last five of \(n))" : ""):"]
            var group = [String]()
            for c in columns {
                if !group.isEmpty, (table(rows(group + [c])).map(TextColumns.width).max() ?? 0) > 80 {
                    out += table(rows(group)) + [""]
                    group = []
                }
                group.append(c)
            }
            if !group.isEmpty { out += table(rows(group)) }
            if ra.summary.epochs.count != rb.summary.epochs.count {
                out.append("  (A has \(ra.summary.epochs.count), B has \(rb.summary.epochs.count); the first \(n) are compared)")
            }
        }

        if let wa = ra.summary.weightsFile, let wb = rb.summary.weightsFile {
            out += ["", try weightGaps(fa.appendingPathComponent(wa), fb.appendingPathComponent(wb))]
        } else {
            out += ["", "Weights: \(ra.summary.weightsFile == nil && rb.summary.weightsFile == nil ? "neither run" : "only one run") saved trained weights, so they are not compared."]
        }
        return out.joined(separator: "\n")
    }

    /// max and mean |W_B − W_A| per tensor, largest first.
    static func weightGaps(_ a: URL, _ b: URL) throws -> String {
        func load(_ url: URL) throws -> (architecture: String, tensors: [Tensor<Double>]) {
            guard let data = try? Data(contentsOf: url) else {
                throw LessonError("\(url.path): the run's weights file is missing; it was moved or deleted after the run.")
            }
            do { return try WeightsFile.read([UInt8](data), name: url.path) } catch let e as WeightsFile.FormatError { throw LessonError(e.description) }
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
