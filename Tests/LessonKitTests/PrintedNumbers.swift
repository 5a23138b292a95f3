// Reading back what a lesson printed, step by step: the terminal view (a quantity is a header line
// `name  shape (…)  formula` followed by its values) and the handout's report.md (the same values in
// a ```text fence). The printed-number tests compare these with numpy's own text.
import Foundation
import Testing
import Datasets

/// One view of a run (terminal text or report.md), cut into its steps.
struct PrintedRun {
    enum View { case terminal, markdown }
    let view: View
    /// Step name → the lines of that step's section, heading excluded.
    private(set) var sections: [String: [Substring]] = [:]

    /// `stepNames` are the lesson's steps in order; a heading `── Step N/M` (or `## Step N/M`) starts step N.
    init(_ text: String, view: View, stepNames: [String]) {
        self.view = view
        let prefix = view == .terminal ? "── Step " : "## Step "
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(prefix), let slash = line.firstIndex(of: "/"),
               let n = Int(line[line.index(line.startIndex, offsetBy: prefix.count)..<slash]), n >= 1, n <= stepNames.count {
                current = stepNames[n - 1]
                sections[current!] = []
                continue
            }
            if let current { sections[current]!.append(line) }
        }
    }

    /// The values printed for quantity `name` in `step`; `lines` is how many lines the terminal view
    /// gave it (it has no end marker there: the expected text says how long it is).
    func values(_ step: String, _ name: String, lines: Int) -> String? {
        guard let section = sections[step] else { return nil }
        switch view {
        case .terminal:
            guard var h = section.firstIndex(where: { $0.hasPrefix(name + "  shape (") }) else { return nil }
            // A formula too wide for the header line continues under it, indented by four spaces.
            while h + 1 < section.count && section[h + 1].hasPrefix("    ") { h += 1 }
            guard h + lines < section.count else { return nil }
            return section[(h + 1)...(h + lines)].joined(separator: "\n")
        case .markdown:
            guard let h = section.firstIndex(where: { $0.hasPrefix("**\(name)** shape (") }),
                  let open = section[h...].firstIndex(of: "```text"),
                  let close = section[(open + 1)...].firstIndex(of: "```") else { return nil }
            return section[(open + 1)..<close].joined(separator: "\n")
        }
    }

    /// The shape printed in quantity `name`'s header, e.g. "(26, 26)".
    func shape(_ step: String, _ name: String) -> String? {
        let marker = view == .terminal ? name + "  shape " : "**\(name)** shape "
        guard let line = sections[step]?.first(where: { $0.hasPrefix(marker) }) else { return nil }
        let rest = line.dropFirst(marker.count)
        guard let close = rest.firstIndex(of: ")") else { return nil }
        return String(rest[...close])
    }

    func lines(_ step: String) -> [Substring] { sections[step] ?? [] }
}

/// Compares every quantity of `expected` (step → name → numpy's text) with what `run` shows. A numpy
/// scalar (no brackets) is compared as a number, `relative` apart at most: numpy sums in another
/// order, so the last digits of its shortest repr differ; arrays are compared as text, exactly.
func expectPrinted(_ run: PrintedRun, _ expected: [String: [String: String]], relative: Double = 1e-12, _ what: String,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    for (step, quantities) in expected.sorted(by: { $0.key < $1.key }) {
        for (name, text) in quantities.sorted(by: { $0.key < $1.key }) {
            let count = text.split(separator: "\n", omittingEmptySubsequences: false).count
            guard let shown = run.values(step, name, lines: count) else {
                Issue.record("\(what): \(step) shows no quantity \(name)", sourceLocation: sourceLocation)
                continue
            }
            if !text.contains("["), let want = Double(text) {
                let got = Double(shown)
                let ok = got.map { abs($0 - want) <= relative * abs(want) + 1e-15 } ?? false
                #expect(ok, "\(what): \(step) \(name) printed \(shown), numpy \(text)", sourceLocation: sourceLocation)
            } else if shown != text {
                Issue.record("\(what): \(step) \(name) differs from numpy's text\n--- lesson\n\(shown)\n--- numpy\n\(text)",
                             sourceLocation: sourceLocation)
            }
        }
    }
}

/// Numbers in a line of text, in order, outside brackets (for worked lines such as `J = -log ŷ[y] = -log 0.1 = 2.3`).
func numbers(in line: Substring) -> [Double] {
    var out = [Double](), token = "", depth = 0
    for ch in line + " " {
        if ch == "[" { depth += 1 } else if ch == "]" { depth -= 1; continue }
        if depth > 0 { continue }  // indices such as W[0] are not values
        if ch.isNumber || ch == "." || ch == "-" || ch == "e" || ch == "+" { token.append(ch); continue }
        if let v = Double(token), token.contains(where: \.isNumber) { out.append(v) }
        token = ""
    }
    return out
}

/// Whole float64 tensors written by a fixture script: a gzipped little-endian file and its index.
struct TensorFixture {
    struct Entry: Decodable { let offset: Int; let shape: [Int] }
    let values: [Double]
    let index: [String: Entry]

    init(_ file: String, index: [String: Entry]) throws {
        let bytes = try Gzip.decompress([UInt8](try Data(contentsOf: try fixtureURL(file))), name: file)
        values = bytes.withUnsafeBytes { raw in
            (0..<(bytes.count / 8)).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
        self.index = index
    }

    func callAsFunction(_ name: String) throws -> (shape: [Int], values: ArraySlice<Double>) {
        let e = try #require(index[name], "no tensor \(name) in the fixture")
        let n = e.shape.reduce(1, *)
        return (e.shape, values[e.offset..<(e.offset + n)])
    }
}

/// Every entry of `ours` within `relative` of numpy's, measured against the tensor's largest entry
/// (entries that are rounding noise, such as the sums of A2 - one_hot_Y, have no relative digits).
func expectWhole(_ ours: [Double], shape: [Int]? = nil, _ numpy: (shape: [Int], values: ArraySlice<Double>), relative: Double = 1e-9,
                 _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    if let shape { #expect(shape.reduce(1, *) == numpy.shape.reduce(1, *), "\(what): shape \(shape), numpy \(numpy.shape)", sourceLocation: sourceLocation) }
    guard ours.count == numpy.values.count else {
        Issue.record("\(what): \(ours.count) values, numpy has \(numpy.values.count)", sourceLocation: sourceLocation)
        return
    }
    let scale = max(numpy.values.map(abs).max() ?? 0, 1e-300)
    var worst = 0.0, at = 0
    for (k, (a, b)) in zip(ours, numpy.values).enumerated() {
        let d = abs(a - b) / max(abs(b), scale * 1e-6)
        if d > worst { worst = d; at = k }
    }
    #expect(worst <= relative, "\(what): entry \(at) is \(ours[at]), numpy \(numpy.values[numpy.values.startIndex + at]) (relative \(worst))",
            sourceLocation: sourceLocation)
}
