// `--quiz --report`: the run's questions as a worksheet for a class, worksheet.md and worksheet.html
// beside the handout: each question with the inputs it needs and room for the answer, then the
// answer key (the values the network computed, and the working term by term).
import Foundation
import Rendering

public enum Worksheet {
    /// worksheet.md and worksheet.html in `folder`, each written whole or not at all; none without questions.
    public static func write(_ records: [(step: Int, record: Record)], steps: [LessonStep], view: TerminalView, title: String,
                             exercises: [Exercise] = [], lesson: String = "", to folder: URL, footer: String) throws -> [URL] {
        let questions = records.compactMap { entry -> (step: Int, q: Question)? in
            if case .question(let q) = entry.record { return (entry.step, q) }
            return nil
        }
        guard !questions.isEmpty else { return [] }
        struct Item { let number: Int; let stepTitle: String; let heading: String; let ask: String; let figures: [String]; let key: String; let working: [String] }
        let items = questions.enumerated().map { i, e -> Item in
            let q = e.q
            let parts = view.questionParts(q)
            let stepTitle = e.step >= 1 && e.step <= steps.count ? "Step \(e.step) · \(steps[e.step - 1].title)" : ""
            let heading = view.words.render(Phrase("quiz.sheet-heading", ["n": .int(i + 1), "kind": .text(view.kindName(q.kind))]))
            return Item(number: i + 1, stepTitle: stepTitle, heading: heading, ask: parts.ask, figures: parts.formula + parts.inputs,
                        key: TerminalView.element(q) + " = " + String(format: "%.8g", q.value) + "  (right within ±" + String(format: "%.2g", q.tolerance) + ")",
                        working: view.workingLines(q))
        }
        let md = folder.appendingPathComponent("worksheet.md"), html = folder.appendingPathComponent("worksheet.html")
        var m = "# \(title) · worksheet\n\n"
        m += "Work each value out by hand from the numbers given, then check it against the answer key.\n\n"
        for it in items {
            m += "## \(it.heading)\n\n*\(it.stepTitle)*\n\n\(it.ask)\n\n```text\n" + it.figures.joined(separator: "\n") + "\n```\n\nYour value: ____________________\n\n"
        }
        // The lesson's exercises: a layer to write at home, with the two commands that set it up and grade it.
        let tasks = exercises.map { e in
            (heading: "\(e.name): " + e.calls.map(\.function.signature).joined(separator: ", "), task: e.task,
             commands: [ExerciseFolder.exerciseCommand(lesson: lesson, e), "cd exercises/\(ExerciseFolder.folderName(lesson: lesson, e))",
                        ExerciseFolder.checkCommand(lesson: lesson, e, flags: [])])
        }
        if !tasks.isEmpty {
            m += "## Exercises: write it yourself\n\nEach sets up a folder with the step's own numbers and a solution.py to fill in; `lesson check` grades it on those numbers and on two input sets you have not seen.\n\n"
            for t in tasks { m += "### \(t.heading)\n\n\(t.task)\n\n```text\n" + t.commands.joined(separator: "\n") + "\n```\n\n" }
        }
        m += "## Answer key\n\n"
        for it in items { m += "\(it.number). `\(it.key)`\n\n```text\n" + it.working.joined(separator: "\n") + "\n```\n\n" }
        m += "---\n\(footer)\n"
        let e = Report.escape
        var h = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(e(title)) · worksheet</title>
        <style>
        body { font-family: "DejaVu Sans", sans-serif; max-width: 46em; margin: 2em auto; padding: 0 1em; line-height: 1.4; }
        pre { font-family: "DejaVu Sans Mono", monospace; font-size: 0.85em; background: #f5f5f5; padding: 0.6em; overflow-x: auto; }
        .question { break-inside: avoid; margin-bottom: 1.5em; }
        .answer { border-bottom: 1px solid #333; display: inline-block; width: 14em; height: 1.2em; }
        .step { color: #555; }
        #answer-key { break-before: page; }
        </style></head><body>
        <h1>\(e(title)) · worksheet</h1>
        <p>Work each value out by hand from the numbers given, then check it against the answer key.</p>

        """
        for it in items {
            h += "<section class=\"question\" id=\"q\(it.number)\"><h2>\(e(it.heading))</h2><p class=\"step\">\(e(it.stepTitle))</p>\n"
            h += "<p>\(e(it.ask))</p>\n<pre>\(e(it.figures.joined(separator: "\n")))</pre>\n<p>Your value: <span class=\"answer\"></span></p></section>\n"
        }
        if !tasks.isEmpty {
            h += "<section id=\"exercises\"><h2>Exercises: write it yourself</h2>\n<p>Each sets up a folder with the step's own numbers and a solution.py to fill in; <code>lesson check</code> grades it on those numbers and on two input sets you have not seen.</p>\n"
            for t in tasks { h += "<h3>\(e(t.heading))</h3>\n<p>\(e(t.task))</p>\n<pre>\(e(t.commands.joined(separator: "\n")))</pre>\n" }
            h += "</section>\n"
        }
        h += "<section id=\"answer-key\"><h2>Answer key</h2><ol>\n"
        for it in items { h += "<li><p><code>\(e(it.key))</code></p><pre>\(e(it.working.joined(separator: "\n")))</pre></li>\n" }
        h += "</ol></section>\n<hr><p>\(e(footer))</p></body></html>\n"
        try AtomicFile.write(Data(m.utf8), to: md)
        try AtomicFile.write(Data(h.utf8), to: html)
        return [md, html]
    }
}
