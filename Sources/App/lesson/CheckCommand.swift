// `lesson check N NAME solution.py`: grades a student's functions (or arrays, --answer) against the
// lesson's numbers, names the mistake; several files at once make a teacher's table.
import ArgumentParser
import Foundation
import LessonKit

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Grade your exercise: your functions against the lesson's numbers, and what a mistake looks like.",
        discussion: """
        lesson check 3 conv2.backward solution.py           your Python functions (numpy), on the traced
                                                             image and two hidden input sets
        lesson check 3 conv2.backward --answer dW.npy ...   arrays you computed any other way
        lesson check 3 conv2.backward submissions/*.py      a class's files, one line each
        Exit status: 0 correct, 1 wrong, 2 the code could not be run or graded.
        The code runs as you on this machine, in a child python3 with a time limit: no sandbox.
        """)

    @Argument(help: "Lesson number, name, or path to a .md lesson file.")
    var lesson: String

    @Argument(help: "The exercise (as `lesson exercise N` lists them).")
    var name: String

    @Argument(help: "Python files with the exercise's functions (one: the full report; several: a table).")
    var files: [String] = []

    @Option(help: "An output you computed, as .npy named after it (dx.npy, dW.npy, ...); repeatable.")
    var answer: [String] = []

    @Option(help: "Seconds the code may run, all input sets together (default 10).")
    var timeout: Double = StudentCode.defaultTimeout

    @Flag(help: "Also write the result as Markdown to hand in (check-NAME.md beside the file, with the code).")
    var report = false

    @Option(help: "Fit the output to N columns (default: the terminal's width, else $COLUMNS, else 80).")
    var width: Int?

    @OptionGroup var example: ExampleOptions

    func validate() throws {
        if files.isEmpty && answer.isEmpty { throw ValidationError("give a solution file (solution.py) or --answer FILE.npy for each output.") }
        if !files.isEmpty && !answer.isEmpty { throw ValidationError("grade either Python files or --answer arrays, not both at once.") }
        if !(timeout > 0 && timeout <= 3600) { throw ValidationError("--timeout takes seconds between 0 and 3600, got \(timeout).") }
        if let width, !(20...1000).contains(width) { throw ValidationError("--width must be between 20 and 1000 columns, got \(width).") }
    }

    func run() throws {
        var status: Int32 = 0
        do {
            let (file, url, library) = try loadLesson(lesson)
            _ = try LessonRunner.prepare(file)
            let number = lessonNumber(url, typed: lesson, library: library)
            let e = try Exercise.named(name, in: file, lesson: number)
            let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            let urls = files.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL }
            for (u, typed) in zip(urls, files) {
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: u.path, isDirectory: &isFolder) else { throw LessonError("\(typed): no such file; check the path.") }
                guard !isFolder.boolValue else { throw LessonError("\(typed) is a folder; pass the .py file itself (or folder/*.py for a class).") }
            }
            Interrupt.install()
            let traced = try ExerciseSetup.traced(e, file: file, options: try example.options(lesson: url, library: library))
            let columns = TerminalSize.current(widthFlag: width).columns
            if urls.count > 1 {
                var rows = [(file: String, result: CheckResult)]()
                for (u, typed) in zip(urls, files) {
                    let r = try ExerciseCheck.check(solution: u, e, example: traced, timeout: timeout, extraFactors: traced.factors)
                    rows.append((typed, r))
                    status = max(status, r.exitStatus)
                    if report { try writeReport(r, solution: u, lesson: number, example: traced.description, width: columns) }
                }
                print(CheckView.table(rows, lesson: number, exercise: e.name, width: columns), terminator: "")
            } else {
                let r: CheckResult
                if let u = urls.first {
                    r = try ExerciseCheck.check(solution: u, e, example: traced, timeout: timeout, extraFactors: traced.factors)
                } else {
                    r = try ExerciseCheck.check(answers: answer.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL }, e,
                                                example: traced, extraFactors: traced.factors)
                }
                print(CheckView.text(r, lesson: number, example: traced.description, width: columns), terminator: "")
                status = r.exitStatus
                if report {
                    let at = urls.first ?? URL(fileURLWithPath: answer[0], relativeTo: cwd).standardizedFileURL
                    let written = try writeReport(r, solution: urls.first, beside: at, lesson: number, example: traced.description, width: columns)
                    print("wrote \(written)")
                }
            }
        } catch let error as LessonError {
            // Nothing was graded (a bad path, an answer file that is no output): 2, as for code that cannot run.
            fputs("lesson: error: \(error.description)\n", stderr)
            Foundation.exit(2)
        } catch { fail(error) }
        Foundation.exit(status)
    }

    /// check-NAME.md beside the graded file: the result and the code, to hand in.
    @discardableResult
    func writeReport(_ r: CheckResult, solution: URL?, beside: URL? = nil, lesson: String, example: String, width: Int) throws -> String {
        let folder = (beside ?? solution!).deletingLastPathComponent()
        let stem = solution.map { "-" + $0.deletingPathExtension().lastPathComponent } ?? ""
        let target = folder.appendingPathComponent("check-\(r.exercise.name)\(stem).md")
        let source = try solution.map { u in
            String(decoding: try BoundedSource.read(u), as: UTF8.self)
        }
        let md = CheckView.markdown(r, text: CheckView.text(r, lesson: lesson, example: example, width: 100), lesson: lesson, source: source)
        let temp = folder.appendingPathComponent(".lesson-\(target.lastPathComponent).tmp")
        do {
            try Data(md.utf8).write(to: temp)
            try ExerciseFolder.rename(temp, over: target)
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw LessonError("\(target.path): cannot write the report (\((error as? LessonError)?.description ?? error.localizedDescription)).")
        }
        return target.path
    }
}

/// A student's source for the report: at most 1 MB of it.
enum BoundedSource {
    static func read(_ url: URL) throws -> [UInt8] {
        let h = try FileHandle(forReadingFrom: url)
        defer { try? h.close() }
        return [UInt8](try h.read(upToCount: 1 << 20) ?? Data())
    }
}
