// `lesson exercise`'s folder: the task as README.md (what to compute, the shapes, the formula to start
// from; no solution), the traced example's inputs as .npy files, and solution.py with each function's
// signature and docstring and a body that raises NotImplementedError. A solution.py the student has
// changed is never written over.
import Datasets
import Foundation

public enum ExerciseFolder {
    public struct Written {
        public let folder: URL
        public let files: [String]
        /// solution.py was there and edited: left as it was.
        public let keptSolution: Bool
    }

    /// The command lines that grade it, with the flags the inputs were made with (`--pretrained`, ...).
    /// The folder `lesson exercise` makes by default: exercises/03-conv2.backward for lesson 3.
    public static func folderName(lesson: String, _ e: Exercise) -> String {
        let number = Int(lesson).map { String(format: "%02d", $0) } ?? URL(fileURLWithPath: lesson).deletingPathExtension().lastPathComponent.split(separator: "-").first.map(String.init) ?? lesson
        return "\(number)-\(e.name)"
    }

    /// `lesson exercise 3 conv2.backward`
    public static func exerciseCommand(lesson: String, _ e: Exercise) -> String { "lesson exercise \(lesson) \(e.name)" }

    public static func checkCommand(lesson: String, _ e: Exercise, flags: [String], file: String = "solution.py") -> String {
        (["lesson", "check", lesson, e.name, file] + flags).joined(separator: " ")
    }

    /// rename(2): replaces `target` whole, in one step, whether or not it exists.
    public static func rename(_ temp: URL, over target: URL) throws {
        if Foundation.rename(temp.path, target.path) != 0 {
            throw LessonError(String(cString: strerror(errno)))
        }
    }

    public static func write(_ e: Exercise, example: TracedExample, lessonNumber: String, flags: [String], to folder: URL) throws -> Written {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: folder.path, isDirectory: &isFolder), !isFolder.boolValue {
            throw LessonError("--out \(folder.path): a file is there, not a folder; choose another path.")
        }
        do { try fm.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw LessonError("\(folder.path): cannot make the exercise folder (\(error.localizedDescription)); choose another with --out DIR.")
        }
        var files = [String]()
        func put(_ name: String, _ bytes: [UInt8]) throws {
            // Written whole to a temporary name, then renamed: never a half-written file.
            let url = folder.appendingPathComponent(name), temp = folder.appendingPathComponent(".lesson-\(name).tmp")
            do {
                try Data(bytes).write(to: temp)
                try ExerciseFolder.rename(temp, over: url)
            } catch {
                try? fm.removeItem(at: temp)
                throw LessonError("\(url.path): cannot write it (\((error as? LessonError)?.description ?? error.localizedDescription)); check the folder's permissions.")
            }
            files.append(name)
        }
        // Inputs: each parameter once (a name means one array across the exercise's functions).
        var written = Set<String>()
        for (c, call) in e.calls.enumerated() {
            for p in call.function.parameters where !written.contains(p.name) {
                written.insert(p.name)
                let t = example.inputs[c][p.name]!
                try put("\(p.name).npy", p.integer ? NpyFile.encode(integers: t.storage.map { Int($0) }, shape: t.shape) : NpyFile.encode(t))
            }
        }
        try put("README.md", Array(task(e, example: example, lesson: lessonNumber, flags: flags).utf8))
        let starter = self.starter(e, lesson: lessonNumber, flags: flags)
        let solution = folder.appendingPathComponent("solution.py")
        var kept = false
        // The student's own solution is never written over: kept unless it is still the starter (read
        // bounded; one too large or not readable is theirs too).
        if FileManager.default.fileExists(atPath: solution.path),
           (try? BoundedRead.bytes(solution, limit: 16 << 20, what: solution.path, why: "a solution is a page of Python")).map({ String(decoding: $0, as: UTF8.self) }) != starter {
            kept = true
        } else {
            try put("solution.py", Array(starter.utf8))
        }
        return Written(folder: folder, files: files, keptSolution: kept)
    }

    /// "(H, W, C): the layer's input" without its general shape, where the table gives this one's.
    static func meaning(_ about: String) -> String {
        guard about.hasPrefix("("), let r = about.range(of: "): ") else { return about }
        return String(about[r.upperBound...])
    }

    static func shapeText(_ s: [Int]) -> String { s.count == 1 ? "(\(s[0]),)" : "(" + s.map(String.init).joined(separator: ", ") + ")" }

    /// README.md: the task.
    static func task(_ e: Exercise, example: TracedExample, lesson: String, flags: [String]) -> String {
        var md = ["# Lesson \(lesson) exercise: \(e.name)", "", e.task, "",
                  "The numbers are the lesson's own, for \(example.description): the step `\(e.name)` of",
                  "`lesson run \(lesson)` shows them. Each input is a file in this folder (`np.load(\"\(e.calls[0].function.parameters[0].name).npy\")`).", ""]
        for (c, call) in e.calls.enumerated() {
            let f = call.function
            let right = f.callReference(example.inputs[c])
            md += ["## `\(f.signature)`", "", f.summary, "", "| | name | shape here | what it is |", "|---|---|---|---|"]
            for p in f.parameters {
                let t = example.inputs[c][p.name]!
                md.append("| in | `\(p.name)` | \(p.integer && !p.integerArray ? "int, \(Int(t.storage[0]))" : shapeText(t.shape) + (p.integer ? " ints" : "")) | \(meaning(p.about)) |")
            }
            for o in f.outputs { md.append("| out | `\(o.name)` | \(shapeText(right[o.name]!.shape)) | \(meaning(o.about)) |") }
            md += ["", "Start from:", ""] + f.formulas.map { "    " + $0 } + [""]
        }
        if !e.hints.isEmpty { md += ["## Hints", ""] + e.hints.map { "- " + $0 } + [""] }
        let answers = e.calls.flatMap { $0.function.outputs.map { "--answer \($0.name).npy" } }.joined(separator: " ")
        md += ["## Check it", "", "Write the functions in `solution.py`, then:", "",
               "    " + checkCommand(lesson: lesson, e, flags: flags), "",
               "`lesson check` runs them on these inputs and on two more input sets of other shapes that you",
               "have not seen, compares every output with the lesson's, and if one is wrong says what kind of",
               "mistake it looks like. Computed the outputs another way (any language)? Save them as `.npy`",
               "files named after the outputs and grade those, on these inputs only:", "",
               "    " + (["lesson", "check", lesson, e.name, answers] + flags).joined(separator: " "), "",
               "`python3 solution.py` runs your functions on the inputs here and prints what they return.", ""]
        return md.joined(separator: "\n")
    }

    /// solution.py: signatures, docstrings, NotImplementedError, and a main that tries them on the inputs.
    public static func starter(_ e: Exercise, lesson: String, flags: [String]) -> String {
        var py = ["\"\"\"Lesson \(lesson), exercise \(e.name).", "",
                  "Write the functions below (README.md says what each computes), then grade them:", "",
                  "    " + checkCommand(lesson: lesson, e, flags: flags), "\"\"\"", "import numpy as np", "", ""]
        for call in e.calls {
            let f = call.function
            py += ["def \(f.name)(\(f.parameters.map(\.name).joined(separator: ", "))):", "    \"\"\"\(f.summary)", ""]
            for p in f.parameters { py.append("    \(p.name): \(p.about)") }
            py.append("")
            py.append("    Returns " + f.outputs.map { "\($0.name) \($0.about)" }.joined(separator: ";\n            ") + ".")
            py += ["", "    Start from:"] + f.formulas.map { "        " + $0 } + ["    \"\"\"", "    raise NotImplementedError(\"write \(f.name)\")", "", ""]
        }
        py += ["if __name__ == \"__main__\":", "    # Your functions on the traced example's inputs, the .npy files beside this file."]
        var loaded = Set<String>()
        for call in e.calls {
            for p in call.function.parameters where !loaded.contains(p.name) {
                loaded.insert(p.name)
                py.append("    \(p.name) = " + (p.integer && !p.integerArray ? "int(np.load(\"\(p.name).npy\"))" : "np.load(\"\(p.name).npy\")"))
            }
        }
        for call in e.calls {
            let f = call.function, outs = f.outputs.map(\.name)
            py.append("    \(outs.map { "your_\($0)" }.joined(separator: ", ")) = \(f.name)(\(f.parameters.map(\.name).joined(separator: ", ")))")
            for o in outs { py.append("    print(\"\(f.name): \(o)\", np.shape(your_\(o)))") }
        }
        return py.joined(separator: "\n") + "\n"
    }
}
