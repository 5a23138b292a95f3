// Records as terminal lines at a given width: arrays of more than 100 values summarised the numpy
// way with one statistics line, image-shaped tensors one channel at a time, filter banks one slice,
// tables and half-block pictures fitted to the width. The handout uses the same text at width 80.
import Foundation
import Numerics
import Rendering

public struct TerminalView {
    public var words: Words
    public var width: Int
    public var color: Bool
    /// --full: every value, as numpy prints it with threshold=sys.maxsize.
    public var full: Bool
    /// numpy's `threshold`: arrays with more values than this are summarised.
    public static let threshold = 100
    /// A log shows this many entries whole, then every `logEvery`th.
    public static let logHead = 5, logEvery = 5
    var logEntries = 0
    /// The table rows are being added to, for `.epoch` records.
    var table: (Table, widths: [Int])?

    /// `--zoom`: each picture's pixel drawn `zoom` times as wide and as tall (a projector's back row).
    public var zoom: Int

    public init(words: Words, width: Int, color: Bool, full: Bool, zoom: Int = 1) {
        self.words = words; self.width = max(20, width); self.color = color; self.full = full; self.zoom = max(1, zoom)
    }

    func style(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    /// numpy's print options at this width (numpy's own line width, 75, unless the screen is narrower).
    var printOptions: PrintOptions {
        PrintOptions(threshold: full ? .max : TerminalView.threshold, lineWidth: min(75, width - 1))
    }

    /// An epoch's health in one line: each layer's update size as a power of ten, and its dead or
    /// saturated share where it has any.
    func healthLine(_ h: HealthLine) -> String {
        let layers = h.layers.map { l -> String in
            var values: [String: Value] = ["layer": .text(l.name), "log": .number(log10(max(l.updateRatio, 1e-300)))]
            var key = l.updateRatio > 0 ? "health.layer" : "health.layer-still"
            if let d = l.dead, d > 0 { key += "-dead"; values["share"] = .number(d) }
            else if let s = l.saturated, s > 0 { key += "-saturated"; values["share"] = .number(s) }
            return words.render(Phrase(key, values))
        }
        var values: [String: Value] = ["unit": .text(h.unit), "index": .int(h.index), "layers": .text(layers.joined(separator: " · "))]
        if let first = h.first { values["first"] = .int(first) }
        return words.render(Phrase(h.first == nil ? "health.line" : "health.line-range", values))
    }

    /// The lines a record shows; `quiet` keeps only titles, results and files written.
    public mutating func lines(_ record: Record, quiet: Bool = false) -> [String] {
        switch record {
        case .title(let t): return [style(t, "1;4")]
        case .result(let p): return wrap(words.render(p), indent: "  ")
        case .warning(let p): return wrap(words.render(Phrase("health.warning", ["what": .phrase(p)])), indent: "  ").map { style($0, "1;33") }
        case .health(let h): return wrap(healthLine(h), indent: "    ")
        // A path is not broken across lines; --quiet says the files in one line at the end instead.
        case .wrote(let f): return quiet ? [] : ["  wrote " + RecordStream.relativePath(f.url)]
        default: break
        }
        if quiet { return [] }
        switch record {
        case .heading(let index, let total, let title, _):
            return [""] + wrap("── Step \(index)/\(total) · \(title) ", indent: "   ").map { style($0, "1;36") }
        case .narrative(let t): return reflow(t)
        case .quantity(let q): return quantity(q)
        case .line(let p), .worked(let p): return wrap(words.render(p), indent: "  ")
        case .logEntry(let p):
            // A long log shows its first entries, then every 5th (--full: every one).
            defer { logEntries += 1 }
            if full || logEntries < TerminalView.logHead { return wrap(words.render(p), indent: "  ") }
            let note = logEntries == TerminalView.logHead ? ["(from here on every \(TerminalView.logEvery)th entry of the log; --full shows them all)"] : []
            return note + (logEntries % TerminalView.logEvery == 0 ? wrap(words.render(p), indent: "  ") : [])
        case .note(let p):
            guard words.has(p.key) else { return [] }
            var l = wrap("Note: " + words.render(p), indent: "")
            l[0] = style("Note:", "1;33") + l[0].dropFirst(5)
            return l
        case .sum(let w): return sum(w)
        case .table(let t): return tableStart(t)
        case .epoch(let e): return e.cells.map(tableRow) ?? []
        case .maps(let m, let caption): return maps(m, caption: caption)
        case .blank: return [""]
        default: return []
        }
    }

    // MARK: Text

    /// Greedy word wrap; continuation lines start with `indent`.
    func wrap(_ text: String, indent: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).flatMap { TextColumns.wrap(String($0), width: width, indent: indent) }
    }

    /// Narrative as written; a paragraph with a line wider than the screen is re-flowed whole
    /// (lists and code blocks keep their lines).
    func reflow(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var out = [String](), paragraph = [String]()
        func flush() {
            defer { paragraph = [] }
            guard !paragraph.isEmpty else { return }
            let fits = paragraph.allSatisfy { TextColumns.width($0) <= width }
            let structured = paragraph.contains { $0.hasPrefix("- ") || $0.hasPrefix("* ") || $0.hasPrefix("```") || $0.hasPrefix("    ") || $0.hasPrefix("|") }
            if fits || structured { out += paragraph.flatMap { wrap($0, indent: "") } }
            else { out += wrap(paragraph.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " "), indent: "") }
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { flush(); out.append(String(line)) } else { paragraph.append(String(line)) }
        }
        flush()
        return out
    }

    // MARK: Quantities

    static func shapeText(_ s: [Int]) -> String { "(" + s.map(String.init).joined(separator: ", ") + (s.count == 1 ? ",)" : ")") }

    /// The header line: name, shape and formula; a formula that does not fit goes under it.
    func header(_ q: Quantity) -> [String] {
        let head = q.name + "  shape " + TerminalView.shapeText(q.scalar ? [] : q.array.shape)
        guard let f = q.formula, words.has(f.key) else { return [style(q.name, "1") + String(head.dropFirst(q.name.count))] }
        let formula = words.render(f)
        if TextColumns.width(head + "  " + formula) <= width {
            return [style(q.name, "1") + String(head.dropFirst(q.name.count)) + "  " + style(formula, "36")]
        }
        return [style(q.name, "1") + String(head.dropFirst(q.name.count))] + wrap("    " + formula, indent: "    ").map { style($0, "36") }
    }

    /// What a view shows of a quantity: the values' text, then (when not every value is shown) a line
    /// saying what was left out and the statistics of the whole. Shared with the handout and run.json.
    func shown(_ q: Quantity) -> (values: String, summary: String?) {
        let a = q.array
        if q.scalar { return (NumpyFormat.scalar(a.values.first ?? .nan), nil) }
        // A slice of a tensor of more than 100 values is summarised too (numpy's threshold=0 on the
        // slice): the rule is about the quantity, not the part of it shown.
        func text(_ shape: [Int], _ values: [Double], summarise: Bool = false) -> String {
            var options = printOptions
            if summarise && !full { options.threshold = 0 }
            return a.integers ? NumpyFormat.format(values.map { Int($0) }, shape: shape, options: options)
                : NumpyFormat.format(Tensor<Double>(shape: shape, storage: values), options: options)
        }
        let large = a.count > TerminalView.threshold
        let s = a.shape
        if full {
            if case .imageChannels = q.layout, s.count == 3, s[2] > 1 {
                let parts = (0..<s[2]).map { c in "[:, :, \(c)]\n" + text([s[0], s[1]], channel(a, c)) }
                return (parts.joined(separator: "\n"), nil)
            }
            return (text(s, a.values), nil)
        }
        switch q.layout {
        case .imageChannels where s.count == 3 && s[2] > 1:
            let c = min(max(q.channel, 0), s[2] - 1)
            return (text([s[0], s[1]], channel(a, c), summarise: large), "channel \(c) of \(s[2]) · all \(a.count): " + statistics(a.values))
        case .filterBank where s.count == 4 && s[0] > 1:
            let slice = (0..<(s[1] * s[2])).map { k in a.values[k * s[3]] }
            return (text([s[1], s[2]], slice, summarise: large), "[0, :, :, 0]: filter 0, input channel 0 of \(s[0]) × \(s[3]) · all \(a.count): " + statistics(a.values))
        default:
            return (text(s, a.values), a.count > TerminalView.threshold ? "all \(a.count): " + statistics(a.values) : nil)
        }
    }

    func channel(_ a: ArrayValue, _ c: Int) -> [Double] {
        let cs = a.shape[2]
        return (0..<(a.shape[0] * a.shape[1])).map { a.values[$0 * cs + c] }
    }

    /// min, max, mean and the share of zeros, to 4 significant digits.
    func statistics(_ v: [Double]) -> String {
        let s = Statistics(v)
        func g(_ x: Double) -> String { String(format: "%.3g", x) }
        return "min \(g(s.min))  max \(g(s.max))  mean \(g(s.mean))  zeros \(String(format: "%.1f", 100 * s.zeroShare))%"
    }

    func quantity(_ q: Quantity) -> [String] {
        if q.onlyWhenFull && !full { return [] }
        let (values, summary) = shown(q)
        var out = header(q) + values.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // One line if it fits, else what is shown on one and the statistics on the next.
        if let summary {
            out += TextColumns.width("  " + summary) <= width ? ["  " + summary]
                : summary.components(separatedBy: " · ").flatMap { wrap("  " + $0, indent: "    ") }
        }
        if !full, summary != nil, let focus = q.focus { out += window(q, around: focus) }
        return out
    }

    /// Side of the window a large map shows around its worked element.
    static let windowSide = 5

    /// The 5 × 5 window around a summarised map's worked element, as numpy prints that slice, with its
    /// indices (`δ[4:9, 20:25, 8]`) and the element marked `*`: numpy's summary shows the map's edges,
    /// where a digit has nothing; this shows where the step's numbers are.
    func window(_ q: Quantity, around focus: [Int]) -> [String] {
        let s = q.array.shape
        guard focus.count == 2, s.count == 2 || s.count == 3 else { return [] }
        let (h, w) = (s[0], s[1]), channels = s.count == 3 ? s[2] : 1
        let c = s.count == 3 ? min(max(q.channel, 0), channels - 1) : 0
        let (y, x) = (focus[0], focus[1])
        guard (0..<h).contains(y), (0..<w).contains(x), h > TerminalView.windowSide || w > TerminalView.windowSide else { return [] }
        let side = TerminalView.windowSide
        let y0 = max(0, min(y - side / 2, h - side)), x0 = max(0, min(x - side / 2, w - side))
        let y1 = min(h, y0 + side), x1 = min(w, x0 + side)
        let values = (y0..<y1).flatMap { r in (x0..<x1).map { q.array.values[(r * w + $0) * channels + c] } }
        var options = printOptions
        options.threshold = .max
        var rows = NumpyFormat.format(Tensor<Double>(shape: [y1 - y0, x1 - x0], storage: values), options: options)
            .split(separator: "\n").map(String.init)
        let slice = "\(y0):\(y1), \(x0):\(x1)" + (s.count == 3 ? ", \(c)" : "")
        let element = TerminalView.index(q.name, s.count == 3 ? [y, x, c] : [y, x])
        rows = TerminalView.mark(rows, row: y - y0, token: x - x0)
        return wrap("  \(q.name)[\(slice)], around \(element) (marked *):", indent: "    ") + rows.map { "  " + $0 }
    }

    /// numpy's lines of a 2-D array with row `r`'s `n`th number marked by a `*` after it (taking a
    /// padding space when there is one). A row too wide for a line goes on over the next lines, which
    /// start with spaces; a row starts with `[`.
    static func mark(_ lines: [String], row r: Int, token n: Int) -> [String] {
        var lines = lines
        let starts = lines.indices.filter { lines[$0].hasPrefix("[[") || lines[$0].hasPrefix(" [") }
        guard r < starts.count else { return lines }
        let end = r + 1 < starts.count ? starts[r + 1] : lines.count
        var k = 0
        for l in starts[r]..<end {
            var chars = Array(lines[l]), i = 0
            while i < chars.count {
                if " []".contains(chars[i]) { i += 1; continue }
                var stop = i
                while stop < chars.count && !" []".contains(chars[stop]) { stop += 1 }
                if k == n {
                    if stop + 1 < chars.count && chars[stop] == " " && chars[stop + 1] == " " { chars[stop] = "*" } else { chars.insert("*", at: stop) }
                    lines[l] = String(chars)
                    return lines
                }
                k += 1; i = stop
            }
        }
        return lines
    }

    // MARK: Worked sums

    /// A value in a written-out sum: 8 significant digits, as numpy prints array elements.
    static func term(_ x: Double) -> String {
        let s = x == 0 ? "0" : String(format: "%.8g", x)  // -0.0 is a zero, not a negative term
        return s.hasPrefix("-") ? "(" + s + ")" : s
    }

    static func index(_ name: String, _ i: [Int]) -> String { name + "[" + i.map(String.init).joined(separator: ", ") + "]" }

    /// How many products a sum writes out whole: longer ones show their largest non-zero terms.
    static let sumWhole = 12
    /// How many of a long sum's largest non-zero products are written out (two lines at 80 columns).
    static let sumShown = 6

    /// A sum's products as lines starting with `lead` ("  = "). A short sum (or --full) is every term in
    /// index order; a long one, the terms that carry its value: its largest non-zero products, largest
    /// first, then one line for the smaller non-zero ones and their total, and one for the zeros and
    /// which factor made them so. Written out, shown and rest add up to the sum.
    func productLines(_ terms: ArraySlice<WorkedSum.Term>, factors: [String]?, lead: String, counted: Bool) -> [String] {
        let indent = "      "
        let more = lead.replacingOccurrences(of: "=", with: "+")
        let p = { (t: WorkedSum.Term) in TerminalView.term(t.a) + "·" + TerminalView.term(t.b) }
        if full || terms.count <= TerminalView.sumWhole {
            let count = counted ? "  (\(terms.count) product\(terms.count == 1 ? "" : "s"))" : ""
            return wrap(lead + terms.map(p).joined(separator: " + ") + count, indent: indent)
        }
        // Ties in size keep index order, so the same sum always prints the same terms.
        let nonZero = terms.enumerated().filter { $0.element.a * $0.element.b != 0 }
        let top = nonZero.sorted { (abs($0.element.a * $0.element.b), $1.offset) > (abs($1.element.a * $1.element.b), $0.offset) }
            .prefix(TerminalView.sumShown)
        let zeros = terms.count - nonZero.count
        var values: [String: Value] = ["count": .int(terms.count), "zeros": .int(zeros), "nonzero": .int(nonZero.count)]
        var why = "plain"
        if let factors, factors.count == 2 {
            // Which factor is 0: the first where it is, else the second (a product can underflow to 0 too).
            let first = terms.filter { $0.a == 0 }.count, second = terms.filter { $0.a != 0 && $0.b == 0 }.count
            if first + second == zeros {
                values["a"] = .text(factors[0]); values["b"] = .text(factors[1])
                values["za"] = .int(first); values["zb"] = .int(second)
                why = first == 0 ? "second" : second == 0 ? "first" : "both"
            }
        }
        guard !top.isEmpty else { return wrap(lead + words.render(Phrase("sum.all-zero-" + why, values)), indent: indent) }
        values["shown"] = .int(top.count)
        // Largest first; the line after them says the rest are smaller (or that there are none).
        var out = wrap(lead + top.map { p($0.element) }.joined(separator: " + "), indent: indent)
        let shown = Set(top.map(\.offset))
        let rest = nonZero.filter { !shown.contains($0.offset) }
        if !rest.isEmpty {
            values["more"] = .int(rest.count)
            values["total"] = .number(rest.reduce(0.0) { $0 + $1.element.a * $1.element.b })
            out += wrap(more + words.render(Phrase("sum.more", values)), indent: indent)
        } else {
            out += wrap(more + words.render(Phrase("sum.no-more", values)), indent: indent)
        }
        if zeros > 0 { out += wrap(more + words.render(Phrase("sum.zeros-" + why, values)), indent: indent) }
        return out
    }

    /// What a sum's groups are ("input channel"), from the words `sum.group.KEY`.
    func groupName(_ key: String) -> String { words.text("sum.group." + key) ?? key }

    /// A worked sum: why this element, the formula, the products and the total, beside the value the
    /// step computed. `asked`: the same sum as a quiz's working (the question said why and gave the
    /// inputs): every product written out, then each product's value, then the total, so a student can
    /// find where their own working went another way.
    func sum(_ w: WorkedSum, asked: Bool = false) -> [String] {
        let target = TerminalView.element(w.name, w.index)
        var view = self
        if asked { view.full = true }
        // Why this element, then the sum, in one paragraph.
        var out = asked ? wrap("  " + target + " = " + words.render(w.formula), indent: "      ")
            : wrap(words.render(w.why) + " " + target + " = " + words.render(w.formula), indent: "  ")
        let total = w.terms.reduce(0.0) { $0 + $1.a * $1.b }
        func plain(_ x: Double) -> String { String(format: "%.8g", x) }
        // An asked sum's lines sit under its formula line.
        let lead = asked ? "    " : "  "
        if let groupName = w.groupName.map(view.groupName) {
            // One line per group with its subtotal; the products of the largest group written out
            // (--full: every group's).
            let groups = Dictionary(grouping: w.terms, by: \.group).sorted { $0.key < $1.key }
            let subtotals = groups.map { $0.value.reduce(0.0) { $0 + $1.a * $1.b } }
            let largest = subtotals.indices.max { abs(subtotals[$0]) < abs(subtotals[$1]) } ?? 0
            // The three groups that weigh most, in order (--full: every group), the rest in one line.
            let shown = Set(view.full ? Array(groups.indices) : Array(subtotals.indices.sorted { abs(subtotals[$0]) > abs(subtotals[$1]) }.prefix(3)))
            for (n, (g, terms)) in groups.enumerated() where shown.contains(n) {
                out.append("  \(groupName) \(g): Σ of \(terms.count) products = " + plain(subtotals[n]))
                if view.full || n == largest { out += view.productLines(terms[...], factors: w.factors, lead: "    = ", counted: false) }
            }
            if shown.count < groups.count {
                let rest = subtotals.indices.filter { !shown.contains($0) }
                out.append("  the other \(rest.count) \(groupName)s: Σ = " + plain(rest.reduce(0.0) { $0 + subtotals[$1] }) + " (--full shows each)")
            }
            out.append("  Σ over the \(groups.count) \(groupName)s = " + plain(total))
        } else {
            out += view.productLines(w.terms[...], factors: w.factors, lead: lead + "= ", counted: !asked)
            if asked && w.terms.count > 1 { out += wrap(lead + "= " + w.terms.map { TerminalView.term($0.a * $0.b) }.joined(separator: " + "), indent: "      ") }
        }
        if let b = w.bias {
            // "+ b" on the line of the sum it is added to when it fits (the Σ line of groups).
            let line = lead + "+ b = " + plain(total) + " + " + TerminalView.term(b) + " = " + plain(w.result)
            let short = " + b " + TerminalView.term(b) + " = " + plain(w.result)
            if w.groupName != nil, let last = out.last, TextColumns.width(last + short) <= width { out[out.count - 1] = last + short }
            else { out += wrap(line, indent: lead + "  ") }
        }
        else if let f = w.scale {
            out += wrap(asked ? lead + "= " + plain(total) + ", × " + TerminalView.term(f) + " = " + plain(total * f)
                        : lead + "× " + TerminalView.term(f) + " = " + plain(total * f) + ", the printed " + target + " = " + plain(w.result), indent: lead + "  ")
        }
        else { out += wrap(lead + "= " + plain(total) + (asked ? "" : ", the printed " + target + " = " + plain(w.result)), indent: lead + "  ") }
        return out
    }

    // MARK: Tables

    func cell(_ v: Value, _ c: Table.Column) -> String { words.format(v, spec: c.format) }

    func headers(_ t: Table) -> [String] {
        let given = words.text(t.key + ".columns")?.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
        return t.columns.enumerated().map { i, c in i < given.count ? given[i] : c.id }
    }

    func render(_ cells: [String], _ t: Table, widths: [Int]) -> String {
        var line = ""
        for (i, c) in cells.enumerated() {
            let last = i == cells.count - 1
            let w = widths[i]
            let padded = t.columns[i].align == .right ? TextColumns.pad(c, w, align: .right) : (last ? c : TextColumns.pad(c, w))
            line += (i == 0 ? "" : "  ") + padded
        }
        while line.hasSuffix(" ") { line.removeLast() }
        return line
    }

    mutating func tableStart(_ t: Table) -> [String] {
        let head = headers(t)
        let rows = t.rows.map { r in zip(r, t.columns).map { cell($0, $1) } }
        var widths = head.map { TextColumns.width($0) }
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], TextColumns.width(c)) } }
        table = (t, widths)
        var out = [String]()
        if let caption = words.text(t.key) { out += wrap(Words.fill(caption, [:]), indent: "") }
        out.append(style(render(head, t, widths: widths), "1"))
        // A long table (lesson 2's 100 epochs) shows its first and last rows and every k-th between.
        let n = rows.count
        if full || n <= 12 {
            out += rows.map { render($0, t, widths: widths) }
        } else {
            let every = (n + 9) / 10
            let kept = (0..<n).filter { $0 < 4 || $0 >= n - 4 || ($0 + 1) % every == 0 }
            out += kept.map { render(rows[$0], t, widths: widths) }
            let nth = every == 2 ? "2nd" : every == 3 ? "3rd" : "\(every)th"
            out.append("  (\(kept.count) of \(n) rows: the first and last 4 and every \(nth); --full shows all)")
        }
        return out.flatMap { TextColumns.width($0) > width ? wrap($0, indent: "    ") : [$0] }
    }

    func tableRow(_ cells: [Value]) -> [String] {
        guard let (t, widths) = table else { return [cells.map { words.format($0, spec: "") }.joined(separator: "  ")] }
        let line = render(zip(cells, t.columns).map { cell($0, $1) }, t, widths: widths)
        return TextColumns.width(line) > width ? wrap(line, indent: "    ") : [line]
    }

    // MARK: Pictures

    /// As many pictures side by side as fit the width, and how many did not.
    func maps(_ m: TerminalMaps, caption: Phrase?) -> [String] {
        // A caption may say how to read the picture in colour and in plain characters: KEY.color and
        // KEY.plain, the one for this view chosen here (an engine never asks which view it has).
        let caption = caption.map { p in
            let variant = p.key + (color ? ".color" : ".plain")
            return words.has(variant) ? Phrase(variant, p.values) : p
        }
        var out = caption.map { wrap(words.render($0), indent: "") } ?? []
        // Without colour a small picture takes two characters per pixel, zoomed or not.
        let double = !color && m.width <= TerminalPicture.plainDoubleWidthLimit
        func cellWidth(_ w: Int) -> Int { (double ? 2 * w : w) + 3 }
        let fit = (width - 2 + 3) / cellWidth(m.width)
        guard fit >= 1 else {
            return out + ["  (the picture needs \(cellWidth(m.width) + 2) columns; see the PNG, or widen the terminal)"]
        }
        let n = min(fit, m.maps.count)
        let scales = m.scales ?? Array(repeating: .init(lo: m.lo, hi: m.hi, colormap: m.colormap), count: m.maps.count)
        // --zoom: each pixel z cells wide and z half-rows tall, as large as fits the width; the maps zoom 1
        // shows, wrapped into rows.
        let z = stride(from: zoom, through: 1, by: -1).first { cellWidth(m.width * $0) <= width - 2 + 3 } ?? 1
        let perRow = z == 1 ? n : max(1, (width - 2 + 3) / cellWidth(m.width * z))
        for start in stride(from: 0, to: n, by: perRow) {
            let shown = start..<min(n, start + perRow)
            let maps = m.maps[shown].map { z == 1 ? $0 : TerminalView.enlarge($0, width: m.width, height: m.height, by: z) }
            let text = TerminalPicture.row(maps, width: m.width * z, height: m.height * z, captions: m.captions[shown].map { words.format($0, spec: "") },
                                           scales: Array(scales[shown]), color: color, plainDouble: double)
            var picture = text.split(separator: "\n", omittingEmptySubsequences: true).map { line in
                // Trailing blanks would make a plain picture's lines look wider than they are.
                var s = String(line); while s.hasSuffix(" ") { s.removeLast() }; return s
            }
            // Rows blank in every picture of a row (a digit's empty margin) say nothing: drop them. Zoomed,
            // a row may hold one nearly blank map, whose shape would go with them: kept.
            while z == 1 && picture.count > 2 && picture[0].isEmpty { picture.removeFirst() }
            while z == 1 && picture.count > 2 && picture[picture.count - 2].isEmpty { picture.remove(at: picture.count - 2) }  // and above the captions
            out += (start > 0 ? [""] : []) + picture
        }
        if n < m.maps.count {
            out.append("  (\(n) of \(m.maps.count) shown at \(width) columns; " + (m.inPNG ? "every one is in the PNG)" : "a wider terminal shows them all)"))
        }
        return out
    }
}

extension TerminalView {
    /// A width × height map with each value repeated `z` times across and down.
    static func enlarge(_ values: [Double], width: Int, height: Int, by z: Int) -> [Double] {
        var out = [Double]()
        out.reserveCapacity(values.count * z * z)
        for y in 0..<(height * z) {
            for x in 0..<(width * z) { out.append(values[(y / z) * width + x / z]) }
        }
        return out
    }
}

/// min, max, mean and share of exact zeros of some values.
public struct Statistics: Sendable {
    public let min: Double, max: Double, mean: Double, zeroShare: Double
    public init(_ v: [Double]) {
        var lo = Double.infinity, hi = -Double.infinity, sum = 0.0, zeros = 0
        for x in v { lo = Swift.min(lo, x); hi = Swift.max(hi, x); sum += x; if x == 0 { zeros += 1 } }
        min = v.isEmpty ? .nan : lo; max = v.isEmpty ? .nan : hi
        mean = v.isEmpty ? .nan : sum / Double(v.count)
        zeroShare = v.isEmpty ? 0 : Double(zeros) / Double(v.count)
    }
}
