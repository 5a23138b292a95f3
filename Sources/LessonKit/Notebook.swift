// `--notebook`: the run as a Jupyter notebook (nbformat 4), another renderer of the records. A markdown
// cell per narrative section; per step a code cell whose source is the command that reproduces it
// (with the tutorial's numpy line as a comment where the lesson gives one) and whose outputs hold the
// step's text and its pictures (image/png, base64). Settings and versions go in the metadata.
import Foundation
import Rendering

public enum Notebook {
    /// `lesson-N.ipynb` for a numbered lesson, else the lesson file's name.
    public static func fileName(for lessonPath: String) -> String {
        let stem = URL(fileURLWithPath: lessonPath).deletingPathExtension().lastPathComponent
        if let dash = stem.firstIndex(of: "-"), let n = Int(stem[..<dash]) { return "lesson-\(n).ipynb" }
        return stem + ".ipynb"
    }

    /// What `lesson run` takes for this file: its number for a numbered lesson, else its path.
    static func lessonArgument(_ lessonPath: String) -> String {
        let stem = URL(fileURLWithPath: lessonPath).deletingPathExtension().lastPathComponent
        if let dash = stem.firstIndex(of: "-"), let n = Int(stem[..<dash]) { return String(n) }
        return lessonPath
    }

    static func lines(_ text: String) -> [String] {
        // nbformat's multiline strings: a list of lines, each but the last ending in "\n".
        let parts = text.components(separatedBy: "\n")
        return parts.enumerated().map { $0.offset < parts.count - 1 ? $0.element + "\n" : $0.element }.filter { !$0.isEmpty }
    }

    static func markdown(_ text: String) -> [String: Any] {
        ["cell_type": "markdown", "metadata": [String: Any](), "source": lines(text)]
    }

    public static func write(records: [(step: Int, record: Record)], file: LessonFile, view original: TerminalView,
                             settings: [String: String], versions: [String: String], to url: URL) throws {
        var view = original
        var cells = [[String: Any]]()
        let intro = records.filter { $0.step == 0 }.compactMap { r -> String? in
            switch r.record {
            case .title(let t): return "# " + t
            case .narrative(let t): return t.trimmingCharacters(in: .newlines)
            default: return nil
            }
        }.joined(separator: "\n\n")
        if !intro.isEmpty { cells.append(markdown(intro)) }
        let stepsShown = Array(Set(records.map(\.step).filter { $0 >= 1 })).sorted()
        for index in stepsShown {
            let step = file.steps[index - 1]
            let these = records.filter { $0.step == index }.map(\.record)
            var text = [String]()
            var pictures = [[String: Any]]()
            var narrative = ""
            for r in these {
                switch r {
                case .heading, .title: continue
                case .narrative(let t): narrative = t
                case .wrote(let f):
                    guard f.url.pathExtension.lowercased() == "png", let data = try? Data(contentsOf: f.url) else { continue }
                    let caption = f.shows.map { view.words.render($0) } ?? f.url.lastPathComponent
                    pictures.append(["output_type": "display_data", "metadata": [String: Any](),
                                     "data": ["image/png": data.base64EncodedString(), "text/plain": [caption + " (" + f.url.lastPathComponent + ")"]]])
                default: text += view.lines(r)
                }
            }
            cells.append(markdown("## Step \(index)/\(file.steps.count) · \(step.title)" + (narrative.isEmpty ? "" : "\n\n" + narrative)))
            var source = ["!lesson run \(lessonArgument(file.path)) --stop-at \(step.name)"]
            if let numpy = view.words.text("numpy.\(step.action)") { source.insert("# the tutorial: " + numpy, at: 0) }
            var outputs = [[String: Any]]()
            if !text.isEmpty { outputs.append(["output_type": "stream", "name": "stdout", "text": lines(text.joined(separator: "\n") + "\n")]) }
            outputs += pictures
            cells.append(["cell_type": "code", "execution_count": NSNull(), "metadata": [String: Any](),
                          "source": lines(source.joined(separator: "\n")), "outputs": outputs])
        }
        let notebook: [String: Any] = [
            "nbformat": 4, "nbformat_minor": 4,
            "metadata": ["kernelspec": ["name": "python3", "display_name": "Python 3", "language": "python"],
                         "language_info": ["name": "python"],
                         "lesson": ["file": URL(fileURLWithPath: file.path).lastPathComponent, "settings": settings, "versions": versions]],
            "cells": cells,
        ]
        let data = try JSONSerialization.data(withJSONObject: notebook, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(data + Data("\n".utf8), to: url)
    }
}
