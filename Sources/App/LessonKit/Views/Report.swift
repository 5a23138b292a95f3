// The handout `--report` writes: every step's narrative, formulas, printed quantities and pictures,
// in order, as one self-contained index.html (no server, no network) and the same as report.md.
import Foundation
import Rendering

public enum Report {
    /// The handout's fixed width: it shows arrays as an 80-column terminal does, whatever the terminal.
    public static let width = 80

    /// index.html and report.md in `folder`, each written whole or not at all; returns their URLs.
    public static func write(_ records: [Record], view: TerminalView, to folder: URL, footer: String) throws -> [URL] {
        let html = folder.appendingPathComponent("index.html"), md = folder.appendingPathComponent("report.md")
        let blocks = self.blocks(records, view: view)
        try AtomicFile.write(Data(self.html(blocks, folder: folder, footer: footer).utf8), to: html)
        try AtomicFile.write(Data(markdown(blocks, folder: folder, footer: footer).utf8), to: md)
        return [html, md]
    }

    /// What the handout lays out: the records rendered to text (by the same view as the terminal, at
    /// the handout's width), with runs of plain lines joined into one block.
    enum Block {
        case title(String)
        case heading(index: Int, total: Int, title: String, name: String)
        case narrative(String)
        case note(String)
        case text(String)
        case quantity(name: String, shape: String, formula: String, values: String, summary: String?, full: String?)
        case image(URL, caption: String?, bytes: Data?)
    }

    static func blocks(_ records: [Record], view original: TerminalView) -> [Block] {
        var view = original
        var out = [Block]()
        func text(_ lines: [String]) {
            guard !lines.isEmpty else { return }
            let t = lines.joined(separator: "\n")
            if case .text(let previous)? = out.last { out[out.count - 1] = .text(previous + "\n" + t) } else { out.append(.text(t)) }
        }
        for r in records {
            switch r {
            case .title(let t): out.append(.title(t))
            case .heading(let i, let n, let t, let name): out.append(.heading(index: i, total: n, title: t, name: name))
            case .narrative(let t): if !t.isEmpty { out.append(.narrative(t)) }
            case .note(let p): if view.words.has(p.key) { out.append(.note(view.words.render(p))) }
            case .quantity(let q):
                if q.onlyWhenFull && !view.full { continue }
                let (values, summary) = view.shown(q)
                let formula = q.formula.flatMap { view.words.has($0.key) ? view.words.render($0) : nil } ?? ""
                // Every value behind a fold, within the records' size cap.
                var all = view
                all.full = true
                let full = summary != nil && q.array.count <= ShownQuantity.valueCap ? all.shown(q).values : nil
                out.append(.quantity(name: q.name, shape: TerminalView.shapeText(q.scalar ? [] : q.array.shape), formula: formula,
                                     values: values, summary: summary, full: full))
                // The window around the worked element, as the terminal shows it under the summary.
                if !view.full, summary != nil, let focus = q.focus {
                    let window = view.window(q, around: focus)
                    if !window.isEmpty { out.append(.text(window.joined(separator: "\n"))) }
                }
            case .wrote(let f): out.append(.image(f.url, caption: f.shows.map { view.words.render($0) }, bytes: f.bytes))
            case .maps: continue  // the handout shows the PNGs
            default: text(view.lines(r))
            }
        }
        return out
    }

    /// A picture's address relative to the handout, so the folder can be moved or zipped whole.
    static func source(_ url: URL, folder: URL) -> String {
        let base = folder.standardizedFileURL.path + "/"
        let path = url.standardizedFileURL.path
        return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : url.standardizedFileURL.absoluteString
    }

    // MARK: HTML

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// The lessons' narrative Markdown that matters here: paragraphs, `code`, **bold**, *italic*.
    static func inline(_ s: String) -> String {
        var out = "", i = s.startIndex
        var open: [String: Bool] = [:]
        func toggle(_ tag: String) -> String { open[tag, default: false].toggle(); return open[tag]! ? "<\(tag)>" : "</\(tag)>" }
        while i < s.endIndex {
            let c = s[i]
            if c == "`", let end = s[s.index(after: i)...].firstIndex(of: "`") {
                out += "<code>" + escape(String(s[s.index(after: i)..<end])) + "</code>"
                i = s.index(after: end); continue
            }
            if s[i...].hasPrefix("**") { out += toggle("strong"); i = s.index(i, offsetBy: 2); continue }
            out += escape(String(c))
            i = s.index(after: i)
        }
        for (tag, isOpen) in open where isOpen { out += "</\(tag)>" }
        return out
    }

    static func paragraphs(_ text: String) -> String {
        text.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            .map { p in
                let lines = p.split(separator: "\n").map(String.init)
                if lines.allSatisfy({ $0.hasPrefix("- ") || $0.hasPrefix("* ") }) {
                    return "<ul>" + lines.map { "<li>" + inline(String($0.dropFirst(2))) + "</li>" }.joined() + "</ul>"
                }
                return "<p>" + inline(lines.joined(separator: " ")) + "</p>"
            }.joined(separator: "\n")
    }

    static let style = """
    :root { --ink: #1d2330; --muted: #5b6475; --rule: #d9dde5; --code: #f4f6f9; --accent: #0b6e99; }
    * { box-sizing: border-box; }
    body { margin: 0 auto; max-width: 60rem; padding: 1.5rem 1rem 4rem; color: var(--ink);
           font: 1.05rem/1.55 "DejaVu Sans", system-ui, sans-serif; }
    h1 { font-size: 1.9rem; line-height: 1.25; margin: 0 0 1rem; }
    h2 { font-size: 1.35rem; margin: 2.5rem 0 0.6rem; padding-top: 0.6rem; border-top: 2px solid var(--rule); }
    h2 .step { color: var(--muted); font-weight: normal; font-size: 0.95rem; display: block; }
    h2 code { font-size: 0.85rem; color: var(--accent); }
    .formula { color: var(--muted); font-style: italic; }
    .quantity { margin: 1rem 0; }
    .quantity .summary { color: var(--muted); font-size: 0.9rem; margin: -0.5rem 0 0.8rem; }
    .quantity .name { font-weight: bold; font-family: "DejaVu Sans Mono", monospace; }
    pre { background: var(--code); padding: 0.7rem 0.9rem; overflow-x: auto; border-radius: 4px;
          font: 0.85rem/1.35 "DejaVu Sans Mono", ui-monospace, monospace; margin: 0.3rem 0 0.8rem; }
    .note { border-left: 4px solid #d9a400; background: #fff8e1; padding: 0.5rem 0.8rem; margin: 0.8rem 0; }
    figure { margin: 1rem 0; }
    figure img { max-width: 100%; height: auto; image-rendering: pixelated; border: 1px solid var(--rule); }
    figcaption { color: var(--muted); font-size: 0.9rem; }
    code { background: var(--code); padding: 0 0.2rem; border-radius: 3px; font-size: 0.92em; }
    footer { margin-top: 3rem; color: var(--muted); font-size: 0.85rem; border-top: 1px solid var(--rule); padding-top: 0.6rem; }
    #missing { display: none; background: #fde7e7; border: 1px solid #d33; padding: 0.5rem 0.8rem; }
    @media (max-width: 40rem) { body { font-size: 1rem; } pre { font-size: 0.75rem; } }
    .toc ol { columns: 2; column-gap: 2rem; padding-left: 1.6rem; margin: 0.4rem 0; }
    .toc h2 { border-top: none; margin-top: 1rem; }
    details summary { cursor: pointer; color: var(--accent); font-size: 0.85rem; }
    @page { size: A4; margin: 12mm 12mm 14mm; }
    @media print {
      body { max-width: none; padding: 0; font-size: 8.5pt; line-height: 1.3; }
      h1 { font-size: 15pt; } h2 { font-size: 11pt; margin: 0.8rem 0 0.3rem; padding-top: 0.3rem; break-after: avoid; break-inside: avoid; }
      .lead { break-inside: avoid; }
      p, ul { margin: 0.25rem 0; }
      pre { white-space: pre-wrap; font-size: 6.3pt; line-height: 1.15; padding: 0.25rem 0.4rem; margin: 0.15rem 0 0.3rem; }
      .quantity { margin: 0.3rem 0; break-inside: avoid; } .quantity .summary { margin: 0 0 0.2rem; font-size: 7pt; }
      figure { margin: 0.4rem 0; break-inside: avoid; }
      figure img { width: 100%; height: auto; max-height: 235mm; object-fit: contain; object-position: left top; }
      figcaption { font-size: 8pt; }
      .note { padding: 0.2rem 0.5rem; margin: 0.3rem 0; }
      details { display: none; }
      #missing { display: none !important; }
    }
    """

    /// Tells the reader (and the tests) when a picture did not load: the folder was copied without them.
    static let imageCheck = """
    window.addEventListener("load", function () {
      var imgs = document.images, broken = 0;
      for (var i = 0; i < imgs.length; i++) { if (!imgs[i].complete || imgs[i].naturalWidth === 0) broken++; }
      document.body.setAttribute("data-images", imgs.length);
      document.body.setAttribute("data-broken-images", broken);
      if (broken > 0) {
        var m = document.getElementById("missing");
        m.textContent = broken + " of " + imgs.length + " pictures did not load: keep the PNG files in the same folder as this page.";
        m.style.display = "block";
      }
    });
    """

    /// A PNG as a data: URI, so index.html alone is the handout: the bytes the stream carries (nil: none,
    /// and the page links the file instead).
    static func dataURI(_ bytes: Data?) -> String? {
        guard let data = bytes else { return nil }
        return "data:image/png;base64," + data.base64EncodedString()
    }

    static func html(_ blocks: [Block], folder: URL, footer: String) -> String {
        var title = "lesson", body = "", inStep = false
        // The table of contents: every step, linked to its section.
        let steps = blocks.compactMap { b -> (Int, String, String)? in
            if case .heading(let i, _, let t, let name) = b { return (i, t, name) }
            return nil
        }
        let toc = steps.isEmpty ? "" : "<nav class=\"toc\"><h2>Steps</h2><ol>" + steps.map { i, t, name in
            "<li value=\"\(i)\"><a href=\"#\(escape(name))\">\(escape(t))</a></li>"
        }.joined() + "</ol></nav>\n"
        var tocPlaced = false
        // After a heading, its words and the first block after them go in the heading's <div class="lead">,
        // printed unbroken: a heading never ends a page, nor does a step's introduction without its start.
        var leadOpen = false
        for e in blocks {
            defer {
                switch e {
                case .heading, .narrative: break
                default: if leadOpen { body += "</div>\n"; leadOpen = false }
                }
            }
            switch e {
            case .title(let t):
                title = t
                body += "<h1>\(escape(t))</h1>\n"
            case .heading(let index, let total, let t, let name):
                if !tocPlaced { body += toc; tocPlaced = true }
                if inStep { body += "</section>\n" }
                inStep = true
                // Printed, a heading and what follows it share a page: never a heading alone at a page's foot.
                body += "<section id=\"\(escape(name))\">\n<div class=\"lead\"><h2><span class=\"step\">Step \(index) of \(total)</span>\(escape(t)) <code>\(escape(name))</code></h2>\n"
                leadOpen = true
                continue
            case .narrative(let t): body += paragraphs(t) + "\n"
            case .note(let t): body += "<div class=\"note\"><strong>Note:</strong> \(inline(t))</div>\n"
            case .text(let t): body += t.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? "" : "<pre>\(escape(t))</pre>\n"
            case .quantity(let name, let shape, let formula, let values, let summary, let full):
                body += "<div class=\"quantity\"><span class=\"name\">\(escape(name))</span> shape \(escape(shape)) <span class=\"formula\">\(escape(formula))</span>\n<pre>\(escape(values))</pre>"
                    + (summary.map { "<p class=\"summary\">\(escape($0))</p>" } ?? "")
                    + (full.map { "<details><summary>show all values</summary><pre>\(escape($0))</pre></details>" } ?? "") + "</div>\n"
            case .image(let url, let caption, let bytes):
                guard url.pathExtension.lowercased() == "png" else {
                    body += "<p>Wrote <a href=\"\(escape(source(url, folder: folder)))\">\(escape(url.lastPathComponent))</a>.</p>\n"
                    continue
                }
                // Embedded, so the page is one file to mail or upload; the name stays in data-file.
                let src = escape(dataURI(bytes) ?? source(url, folder: folder))
                body += "<figure><img src=\"\(src)\" data-file=\"\(escape(url.lastPathComponent))\" alt=\"\(escape(caption ?? url.lastPathComponent))\"><figcaption>\(escape(caption.map { $0 + " (" + url.lastPathComponent + ")" } ?? url.lastPathComponent))</figcaption></figure>\n"
            }
        }
        if leadOpen { body += "</div>\n" }
        if inStep { body += "</section>\n" }
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        \(style)
        </style>
        </head>
        <body>
        <div id="missing" role="alert"></div>
        \(body)<footer>\(escape(footer))</footer>
        <script>
        \(imageCheck)
        </script>
        </body>
        </html>

        """
    }

    // MARK: Markdown

    static func markdown(_ blocks: [Block], folder: URL, footer: String) -> String {
        var out = ""
        for e in blocks {
            switch e {
            case .title(let t): out += "# \(t)\n\n"
            case .heading(let index, let total, let t, let name): out += "## Step \(index)/\(total) · \(t) (`\(name)`)\n\n"
            case .narrative(let t): out += t.trimmingCharacters(in: .newlines) + "\n\n"
            case .note(let t): out += "> **Note:** \(t)\n\n"
            case .text(let t): out += t.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? "" : "```text\n\(t)\n```\n\n"
            case .quantity(let name, let shape, let formula, let values, let summary, _):
                out += "**\(name)** shape \(shape) · \(formula)\n\n```text\n\(values)\n```\n\n" + (summary.map { "*\($0)*\n\n" } ?? "")
            case .image(let url, let caption, _):
                let src = source(url, folder: folder)
                out += url.pathExtension.lowercased() == "png" ? "![\(caption ?? url.lastPathComponent)](\(src))\n\n" : "Wrote [\(url.lastPathComponent)](\(src)).\n\n"
            }
        }
        return out + "---\n\(footer)\n"
    }
}
