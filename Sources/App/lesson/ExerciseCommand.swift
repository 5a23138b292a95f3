// `lesson exercise N [NAME]`: a lesson's exercises, or one of them set up in a folder (the task, the
// traced example's inputs as .npy, a solution.py to fill in).
import ArgumentParser
import Foundation
import LessonKit

/// Which traced example an exercise uses: the weights and settings a run would step through.
struct ExampleOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Seed for the random stream (as `lesson run --seed`).")
    var seed: Int?

    @Flag(help: "Lesson 3: the traced image at the shipped trained weights instead of the seeded initial ones.")
    var pretrained = false

    @Option(help: "Lesson 3: the traced image at the weights in FILE (written by `lesson run 3`).")
    var weights: String?

    @Option(help: "Folder with the four MNIST-format .gz files.")
    var data: String?

    @Option(help: "Override a setting: --set key=value (repeatable), e.g. --set trace-image=5.")
    var set: [String] = []

    func validate() throws {
        if pretrained && weights != nil { throw ValidationError("--pretrained and --weights both name weights; use one.") }
        for s in set where settingPair(s) == nil { throw ValidationError("--set takes key=value, got \"\(s)\".") }
    }

    /// The flags as typed, for the command lines the task shows.
    var flags: [String] {
        var f = [String]()
        if let seed { f.append("--seed \(seed)") }
        if pretrained { f.append("--pretrained") }
        if let weights { f.append("--weights \(weights)") }
        if let data { f.append("--data \(data)") }
        f += set.map { "--set \($0)" }
        return f
    }

    func options(lesson url: URL, library: LessonLibrary) throws -> RunOptions {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        var o = RunOptions(outputDirectory: cwd.appendingPathComponent("Output/exercise"))
        if let seed { o.overrides.append((LessonRunner.seedKey, String(seed), "--seed \(seed)")) }
        for s in set {
            guard let (key, value) = settingPair(s) else { throw ValidationError("--set takes key=value, got \"\(s)\".") }
            o.overrides.append((key, value, "--set \(s)"))
        }
        o.weightsFile = weights.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL }
        if pretrained {
            let shipped = library.directory.appendingPathComponent("weights").appendingPathComponent(url.deletingPathExtension().lastPathComponent + ".lnw")
            guard FileManager.default.fileExists(atPath: shipped.path) else {
                throw LessonError("--pretrained does not apply to this lesson (no trained weights ship for it; lesson 3 has them).")
            }
            o.weightsFile = shipped
        }
        o.dataFolderFlag = data.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL }
        o.dataDirectory = o.dataFolderFlag ?? library.directory.appendingPathComponent("data/mnist")
        return o
    }
}

/// "3" for the library's Lessons/03-cnn.md: what the commands a task shows call the lesson. A lesson
/// file elsewhere is called by its path as typed (its number would name the library's lesson).
func lessonNumber(_ url: URL, typed: String, library: LessonLibrary) -> String {
    let stem = url.deletingPathExtension().lastPathComponent
    if url.deletingLastPathComponent().standardizedFileURL.path == library.directory.standardizedFileURL.path,
       let dash = stem.firstIndex(of: "-"), let n = Int(stem[..<dash]) { return String(n) }
    return typed
}

struct ExerciseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exercise",
        abstract: "Set up an exercise: write a layer's forward or backward pass yourself, on the lesson's own numbers.",
        discussion: """
        lesson exercise 3                     lists lesson 3's exercises
        lesson exercise 3 conv2.backward      writes exercises/03-conv2.backward/: README.md (the task),
                                              the inputs as .npy files, solution.py to fill in
        Then: lesson check 3 conv2.backward solution.py (in that folder).
        """)

    @Argument(help: "Lesson number, name, or path to a .md lesson file.")
    var lesson: String

    @Argument(help: "The exercise (a step name such as conv2.backward); without it, the list.")
    var name: String?

    @Option(help: "Folder to write (default: exercises/NN-NAME in the current folder).")
    var out: String?

    @OptionGroup var example: ExampleOptions

    func run() throws {
        do {
            let (file, url, library) = try loadLesson(lesson)
            let number = lessonNumber(url, typed: lesson, library: library)
            let exercises = try Exercise.all(in: file)
            guard let name else {
                if exercises.isEmpty { print("\(file.title): no exercises."); return }
                print("\(file.title): \(exercises.count) exercise\(exercises.count == 1 ? "" : "s")")
                let w = exercises.map { TextColumns.width($0.name) }.max() ?? 0
                let (engine, _) = try LessonRunner.prepare(file)
                var fitting = [Exercise]()
                for e in exercises {
                    print("  " + TextColumns.pad(e.name, w) + "  " + e.calls.map(\.function.name).joined(separator: ", "))
                    if let why = ExerciseSetup.unfit(e, file: file, engine: engine) {
                        let indent = String(repeating: " ", count: w + 4)
                        print(TextColumns.wrap(indent + "not with this network: " + why, width: 80, indent: indent).joined(separator: "\n"))
                    } else { fitting.append(e) }
                }
                if let first = fitting.first { print("Set one up: lesson exercise \(number) \(first.name)") }
                return
            }
            let e = try Exercise.named(name, in: file, lesson: number)
            let traced = try ExerciseSetup.traced(e, file: file, options: try example.options(lesson: url, library: library))
            let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            let folder = out.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL }
                ?? cwd.appendingPathComponent("exercises/" + ExerciseFolder.folderName(lesson: number, e))
            let written = try ExerciseFolder.write(e, example: traced, lessonNumber: number, flags: example.flags, to: folder)
            let shown = folder.path.hasPrefix(cwd.path + "/") ? String(folder.path.dropFirst(cwd.path.count + 1)) : folder.path
            print("Exercise \(e.name) of lesson \(number), on \(traced.description):")
            print("  wrote \(written.files.joined(separator: ", ")) to \(shown)/")
            if written.keptSolution { print("  kept your solution.py (it is not the starter any more)") }
            print("Read \(shown)/README.md, write the functions in solution.py, then:")
            print("  cd \(shown) && " + ExerciseFolder.checkCommand(lesson: number, e, flags: example.flags))
        } catch { fail(error) }
    }
}
