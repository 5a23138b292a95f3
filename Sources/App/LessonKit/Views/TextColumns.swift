// Text laid out in columns by how wide it shows in a terminal, not by how many bytes or characters
// it holds: lesson names and titles carry `·`, `×` and `Σ`, and Foundation's `%-10@` pads nothing on
// Linux. Used by `lesson list`, `lesson steps` and `lesson diff`.

public enum TextColumns {
    /// Terminal columns a string takes: East Asian wide and emoji characters take two, combining marks
    /// none (they belong to the character before them), everything else one.
    /// A colour code (ESC [ … m, any CSI sequence) takes none: a styled header pads like a plain one.
    public static func width(_ s: String) -> Int {
        var inEscape = false, afterESC = false
        return s.reduce(0) { total, ch in
            guard let v = ch.unicodeScalars.first?.value else { return total }
            if afterESC { afterESC = false; if v == 0x5B { inEscape = true; return total } }
            if inEscape { if (0x40...0x7E).contains(v) { inEscape = false }; return total }
            if v == 0x1B { afterESC = true; return total }
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1FAFF).contains(v) || (0x20000...0x3FFFD).contains(v)
            return total + (wide ? 2 : 1)
        }
    }

    /// `s` padded with spaces on the right (`.left`) or the left (`.right`) to `columns`.
    public static func pad(_ s: String, _ columns: Int, align: Alignment = .left) -> String {
        let fill = String(repeating: " ", count: max(0, columns - width(s)))
        return align == .left ? s + fill : fill + s
    }

    /// `s` cut to at most `columns`, ending in `…` when something was cut.
    public static func fit(_ s: String, _ columns: Int) -> String {
        guard width(s) > columns, columns > 0 else { return s }
        var out = "", used = 0
        for ch in s {
            let w = width(String(ch))
            if used + w > columns - 1 { break }
            out.append(ch); used += w
        }
        return out + "…"
    }

    public enum Alignment { case left, right }

    /// One paragraph broken greedily at spaces into lines of at most `columns` (a word longer than that
    /// stands alone): its leading spaces kept, continuation lines starting with `indent`. A paragraph
    /// that fits comes back as it is.
    public static func wrap(_ paragraph: String, width columns: Int, indent: String = "") -> [String] {
        guard width(paragraph) > columns else { return [paragraph] }
        let lead = String(paragraph.prefix { $0 == " " })
        var out = [String](), line = lead, hasWord = false
        for word in paragraph.dropFirst(lead.count).split(separator: " ") {
            if hasWord && width(line + " " + word) > columns { out.append(line); line = indent + word }
            else { line += (hasWord ? " " : "") + word }
            hasWord = true
        }
        return out + [line]
    }

    /// Rows as a table: each column as wide as its widest cell, first column left-aligned and the rest
    /// right-aligned (numbers), `indent` before each row and two spaces between columns.
    public static func table(_ rows: [[String]], indent: String = "  ", leftAligned: Set<Int> = [0]) -> [String] {
        guard let first = rows.first else { return [] }
        let widths = first.indices.map { c in rows.map { c < $0.count ? width($0[c]) : 0 }.max() ?? 0 }
        return rows.map { r in
            let line = indent + r.enumerated().map { c, s in pad(s, widths[c], align: leftAligned.contains(c) ? .left : .right) }
                .joined(separator: "  ")
            return String(line.reversed().drop { $0 == " " }.reversed())  // no trailing blanks
        }
    }
}
