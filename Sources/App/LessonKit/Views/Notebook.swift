// `--notebook`: the run as a Jupyter notebook (nbformat 4), another renderer of the records. A markdown
// cell per narrative section; per step a code cell whose source is the command that reproduces it
// (the run's settings, `--bare --stop-at STEP`, an `--out` of its own, the weights a training step
// wrote once it has; the tutorial's numpy line as a comment where the lesson gives one) and whose
// outputs hold exactly what that command prints and the pictures it draws (image/png, base64).
// Settings and versions go in the metadata.
import Foundation
import Rendering

public enum Notebook {
    /// `lesson-N.ipynb` for a numbered lesson, else the lesson file's name.
    public static func fileName(for lessonPath: String) -> String {
        let stem = URL(fileURLWithPath: lessonPath).deletingPathExtension().lastPathComponent
        if let dash = stem.firstIndex(of: "-"), let n = Int(stem[..<dash]) { return "lesson-\(n).ipynb" }
        return stem + ".ipynb"
    }

    /// What `lesson run` takes for this file: its number for a numbered lesson, else its whole path
    /// (a cell runs from the notebook's folder, not from where this run was started).
    static func lessonArgument(_ lessonPath: String) -> String {
        let url = URL(fileURLWithPath: lessonPath)
        let stem = url.deletingPathExtension().lastPathComponent
        if let dash = stem.firstIndex(of: "-"), let n = Int(stem[..<dash]) { return String(n) }
        return url.standardizedFileURL.path
    }

    static func lines(_ text: String) -> [String] {
        // nbformat's multiline strings: a list of lines, each but the last ending in "\n".
        let parts = text.components(separatedBy: "\n")
        return parts.enumerated().map { $0.offset < parts.count - 1 ? $0.element + "\n" : $0.element }.filter { !$0.isEmpty }
    }

    static func markdown(_ text: String) -> [String: Any] {
        ["cell_type": "markdown", "metadata": [String: Any](), "source": lines(text)]
    }

    /// Where a cell's command writes: a folder of its own beside the notebook (never the notebook's
    /// folder, which the cell's run would clear), named after the step.
    static func cellFolder(notebook: String, step: Int, name: String) -> String {
        String(notebook.dropLast(".ipynb".count)) + "-cells/" + String(format: "%02d", step) + "-" + name
    }

    /// A word as a POSIX shell reads it back: quoted only when it has to be.
    static func shellWord(_ w: String) -> String {
        let plain = w.allSatisfy { $0.isLetter || $0.isNumber || "-_=.,/:+@%".contains($0) }
        return plain && !w.isEmpty ? w : "'" + w.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A path as a cell run from the notebook's folder names it: relative when it lies below.
    static func path(_ url: URL, from folder: URL) -> String {
        let p = url.standardizedFileURL.path, base = folder.standardizedFileURL.path + "/"
        return p.hasPrefix(base) ? String(p.dropFirst(base.count)) : p
    }

    /// `flags`: the run's own flags each cell repeats (RunOptions.reproducingFlags), each as its words.
    public static func write(records: [(step: Int, record: Record)], file: LessonFile, view original: TerminalView, flags: [[String]] = [],
                             settings: [String: String], versions: [String: String], to url: URL) throws {
        var cells = [[String: Any]]()
        let intro = records.filter { $0.step == 0 }.compactMap { r -> String? in
            switch r.record {
            case .title(let t): return "# " + t
            case .narrative(let t): return t.trimmingCharacters(in: .newlines)
            default: return nil
            }
        }.joined(separator: "\n\n")
        // The first cell: the lesson's introduction, then how to run the cells (and install `lesson`).
        let howToRun = """
            Each code cell below runs the `lesson` command that makes its step's output, with this run's \
            settings, into a folder of its own beside this notebook, and shows the pictures it drew. \
            If `lesson` is not installed, install it from the repository's README (its first command \
            builds it and runs `lesson install`), or change `lesson` to the path of a built binary.
            """
        cells.append(markdown(intro.isEmpty ? howToRun : intro + "\n\n" + howToRun))
        let lesson = lessonArgument(file.path)
        let stepsShown = Array(Set(records.map(\.step).filter { $0 >= 1 })).sorted()
        // The step that trained and saved weights: the cells after it load them instead of training again.
        var trainedWeights: String?
        for index in stepsShown {
            let step = file.steps[index - 1]
            let these = records.filter { $0.step == index }.map(\.record)
            let out = cellFolder(notebook: url.lastPathComponent, step: index, name: step.name)
            // A view of its own per step: what a `--stop-at` run of this step alone prints.
            var view = original
            var text = [String]()
            var pictures = [[String: Any]]()
            var pictureFiles = [String]()
            var narrative = ""
            var wroteWeights = false
            for r in these {
                switch r {
                case .narrative(let t): narrative = t
                case .wrote(let f):
                    if f.url.lastPathComponent == "weights.lnw" { wroteWeights = true }
                    guard f.url.pathExtension.lowercased() == "png", let data = f.bytes else { continue }
                    let caption = f.shows.map { view.words.render($0) } ?? f.url.lastPathComponent
                    pictures.append(["output_type": "display_data", "metadata": [String: Any](),
                                     "data": ["image/png": data.base64EncodedString(), "text/plain": [caption + " (" + f.url.lastPathComponent + ")"]]])
                    pictureFiles.append(f.url.lastPathComponent)
                default:
                    if !r.isFrame { text += view.lines(r) }
                }
            }
            cells.append(markdown("## Step \(index)/\(file.steps.count) · \(step.title)" + (narrative.isEmpty ? "" : "\n\n" + narrative)))
            var words = ["lesson", "run", lesson] + flags.flatMap { $0 }
            if let trainedWeights { words += ["--weights", trainedWeights] }
            words += ["--width", String(view.width)] + ["--bare", "--stop-at", step.name, "--out", out]
            var source = ["!" + words.map(shellWord).joined(separator: " ")]
            if let numpy = view.words.text("numpy.\(step.action)") { source.insert("# the tutorial: " + numpy, at: 0) }
            if !pictureFiles.isEmpty {
                source.append("from IPython.display import Image, display")
                source += pictureFiles.map { "display(Image(filename=\"\(out)/\($0)\"))" }
            }
            if wroteWeights && trainedWeights == nil { trainedWeights = out + "/weights.lnw" }
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

extension RunOptions {
    /// The flags of this run that a notebook cell repeats to make a step's output again: the settings
    /// as they were typed (`--epochs 1`, `--set k=v`, `--seed 7`, ...), `--full`, and the files it read
    /// (`--pretrained`, `--weights`, `--data`), a path named from the notebook's folder (the output
    /// folder) when it lies below it. Each flag as its words.
    var reproducingFlags: [[String]] {
        var flags = overrides.map { o -> [String] in
            guard let space = o.flag.firstIndex(of: " ") else { return [o.flag] }
            return [String(o.flag[..<space]), String(o.flag[o.flag.index(after: space)...])]
        }
        if full { flags.append(["--full"]) }
        if pretrained { flags.append(["--pretrained"]) }
        else if let w = weightsFile { flags.append(["--weights", Notebook.path(w, from: outputDirectory)]) }
        if let d = dataFolderFlag { flags.append(["--data", Notebook.path(d, from: outputDirectory)]) }
        return flags
    }
}
