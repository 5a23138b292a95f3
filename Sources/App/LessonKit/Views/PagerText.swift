// What the pager lays out and how it is driven: a step's text cut into screens that never cut a picture,
// a table or a worked sum that fits on one; and the keys, one list for `?` and for `lesson run --help`.

/// A stretch of a step's text as the pager shows it: its lines, and the runs of lines kept on one screen.
/// A block is one record's lines (a picture, a worked sum, a quantity, a paragraph), a table with the
/// rows that follow it, or a heading with what comes after it.
struct PagerText {
    var lines: [String] = []
    /// Consecutive ranges that together cover `lines`.
    var blocks: [Range<Int>] = []

    /// Adds a record's lines, as a block of their own or joined to the block before.
    mutating func append(_ new: [String], joinPrevious: Bool) {
        guard !new.isEmpty else { return }
        let start = lines.count
        lines += new
        if joinPrevious, let last = blocks.popLast() { blocks.append(last.lowerBound..<lines.count) } else { blocks.append(start..<lines.count) }
    }

    /// The line after the last one on a screen of `rows` lines from `top`. The screen ends before a block
    /// it would cut when that block fits on a screen of its own; a longer block is cut where it must be.
    func end(from top: Int, rows: Int) -> Int {
        let full = top + rows
        guard full < lines.count else { return lines.count }
        if let cut = blocks.first(where: { $0.lowerBound < full && $0.upperBound > full }), cut.lowerBound > top, cut.count <= rows {
            return cut.lowerBound
        }
        return full
    }

    /// Where each screen starts when the text is paged from its top.
    func screenStarts(rows: Int) -> [Int] {
        var starts = [0]
        while true {
            let next = end(from: starts.last!, rows: rows)
            if next >= lines.count { return starts }
            starts.append(next)
        }
    }

    /// Blocks that fit on a screen and are still cut by paging from the top (the pager's promise: none).
    func cutBlocks(rows: Int) -> [Range<Int>] {
        let starts = screenStarts(rows: rows)
        return blocks.filter { b in b.count <= rows && starts.contains { $0 > b.lowerBound && $0 < b.upperBound } }
    }
}

/// The pager's keys: those of `less` where they do not clash with the step keys.
public enum PagerKeys {
    /// Each key (as written for the reader) and what it does.
    public static let list: [(keys: String, does: String)] = [
        ("Enter, Down, j", "one line on"),
        ("k, Up", "one line back"),
        ("Space, f, PgDn", "one screen on"),
        ("b, PgUp", "one screen back"),
        ("g, Home", "the start of the run"),
        ("G, End", "the end of the last step shown"),
        ("/text Enter", "search the text shown so far; then n, N: the next, the previous match (any other key ends the search)"),
        ("n, p", "the next step, the previous step"),
        ("12 Enter", "go to step 12 (a step not yet run is run first)"),
        ("q", "quit; what was written is kept, and the command that goes on from here is printed"),
        ("Ctrl-C", "the same, with exit status 130"),
        ("?", "these keys"),
    ]

    static let quiz = "With --quiz, at a question: type a value, then Enter; with nothing typed, h gives a hint, Enter the answer (not scored), q quits; n asks every question on the way."

    /// The keys as a screen, each meaning wrapped within `width` columns.
    static func screen(width: Int) -> [String] {
        let column = (list.map { TextColumns.width($0.keys) }.max() ?? 0) + 4
        var out = ["Keys, as in less:"]
        for (keys, does) in list {
            let wrapped = TextColumns.wrap(does, width: max(20, width - column))
            out.append(TextColumns.pad("  " + keys, column) + wrapped[0])
            out += wrapped.dropFirst().map { String(repeating: " ", count: column) + $0 }
        }
        return out + [""] + TextColumns.wrap(quiz, width: width)
    }

    /// The keys in one sentence, for `lesson run --help`.
    public static var brief: String {
        "Keys, as in less: " + list.map { "\($0.keys): \($0.does)" }.joined(separator: "; ") + "."
    }
}

extension TextColumns {
    /// `s` without its colour codes (ESC [ … m and any other CSI sequence): what a search looks through.
    public static func plain(_ s: String) -> String {
        guard s.contains("\u{1B}") else { return s }
        var out = "", inEscape = false, afterESC = false
        for ch in s.unicodeScalars {
            if afterESC { afterESC = false; if ch == "[" { inEscape = true; continue } }
            if inEscape { if (0x40...0x7E).contains(ch.value) { inEscape = false }; continue }
            if ch == "\u{1B}" { afterESC = true; continue }
            out.unicodeScalars.append(ch)
        }
        return out
    }
}
