// The `lesson` command: a root command with one type per subcommand; all the work is in LessonKit.
import ArgumentParser
import Foundation
import LessonBench
import LessonKit
import Network
import Numerics
import Training

struct Lesson: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lesson",
        abstract: "Replay classic neural-network tutorials step by step, every number shown.",
        discussion: """
        Type first:  lesson run 2     the shortest lesson, three letters (a second)
        Then:        lesson list      all three lessons
                     lesson run 3 --epochs 1 --step
                                      a CNN, one step at a time
        Pictures (PNG) go to Output/lesson-N/ in the current folder (--out DIR).
        Lessons are Markdown files in Lessons/, found via $LESSON_HOME, ./Lessons,
        beside the executable, or where `lesson install` put them (--version says
        which).
        """,
        version: ProgramVersion.text,
        subcommands: [List.self, Steps.self, Show.self, Run.self, Diff.self, Bench.self, Install.self])
}

/// Prints "lesson: error: ..." and exits non-zero; no stack trace for errors users can fix.
/// An interrupted run exits with 130, as a shell expects after Ctrl-C.
func fail(_ error: Error) -> Never {
    fflush(stdout)
    if let q = error as? LessonQuit {
        // q at the pager's prompt is the reader's choice, not a failure.
        print("\nStopped at step \(q.step) (\(q.stepName)); what was written is kept. To go on from there:\n  \(q.resume)")
        Foundation.exit(0)
    }
    if let i = error as? LessonInterrupted {
        fputs("lesson: \(i.description)\n", stderr)
        Foundation.exit(130)
    }
    let text = (error as? LessonError)?.description ?? "\(error)"
    fputs("lesson: error: \(text)\n", stderr)
    Foundation.exit(1)
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the lessons: each one's title, how long it takes and a quicker way to run it.")

    func run() throws {
        do {
            let library = try LessonLibrary.locate()
            let entries = library.entries()
            let nameWidth = entries.map { TextColumns.width($0.name) }.max() ?? 0
            let indent = String(repeating: " ", count: 2 + 2 + nameWidth + 2)
            for e in entries {
                let file = try? LessonFile.load(e.url)
                var title = file?.title ?? "(cannot read \(e.url.lastPathComponent))"
                // "Lesson 2 · Letters" under the number 2: the number is already in the first column.
                if title.hasPrefix("Lesson \(e.number) · ") { title = String(title.dropFirst("Lesson \(e.number) · ".count)) }
                let line = TextColumns.pad(String(e.number), 2, align: .right) + "  " + TextColumns.pad(e.name, nameWidth) + "  " + title
                print(TextColumns.fit(line, 80))
                // The lesson's own words for how long it takes (a teacher can put their machine's figures there).
                let words = file.flatMap { try? Words(file: $0) }
                let time = [words?.text("list.time"), words?.text("list.quick").map { "quick: " + $0 }].compactMap { $0 }.joined(separator: "; ")
                if !time.isEmpty { for l in TextColumns.wrap(time, width: 80 - indent.count) { print(indent + l) } }
            }
        } catch { fail(error) }
    }
}

/// Finds and reads a lesson by number, name or path.
func loadLesson(_ lesson: String) throws -> (LessonFile, URL, LessonLibrary) {
    let library = try LessonLibrary.locate()
    let url = try library.resolve(lesson)
    return (try LessonFile.load(url), url, library)
}

struct Steps: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List a lesson's steps with the names --from, --to and --stop-at take.")

    @Argument(help: "Lesson number, name, or path to a .md lesson file.")
    var lesson: String

    func run() throws {
        do {
            let (file, _, _) = try loadLesson(lesson)
            _ = try LessonRunner.prepare(file)
            print(file.title)
            let width = file.steps.map { TextColumns.width($0.name) }.max() ?? 0
            for (i, step) in file.steps.enumerated() {
                print(TextColumns.pad(String(i + 1), 3, align: .right) + "  " + TextColumns.pad(step.name, width) + "  " + step.title)
            }
        } catch { fail(error) }
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a lesson's narrative, step by step, without running anything.")

    @Argument(help: "Lesson number, name, or path to a .md lesson file.")
    var lesson: String

    func run() throws {
        do {
            let (file, _, _) = try loadLesson(lesson)
            _ = try LessonRunner.prepare(file)
            print(file.title)
            print("\n" + file.introduction.trimmingCharacters(in: .newlines))
            for (i, step) in file.steps.enumerated() {
                print("\n── Step \(i + 1)/\(file.steps.count) · \(step.title)  [\(step.name)]")
                let text = step.narrative.trimmingCharacters(in: .newlines)
                if !text.isEmpty { print(text) }
            }
        } catch { fail(error) }
    }
}

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two runs of the same lesson: settings that differ, final figures, epochs, weights.",
        discussion: "Each run is its run.json or the --out folder it was written to, e.g. lesson diff Output/clip Output/noclip.")

    @Argument(help: "The first run: a run.json or an --out folder.")
    var a: String

    @Argument(help: "The second run: a run.json or an --out folder.")
    var b: String

    func run() throws {
        do { print(try RunDiff.text(a, b)) } catch { fail(error) }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a lesson: by number (2), by name (letters), or a path to a lesson file.")

    @Argument(help: "Lesson number, name, or path to a .md lesson file.")
    var lesson: String

    @Flag(help: "Page through each step, one screen at a time (keys as in less; ? lists them). Needs a terminal.")
    var step = false

    @Option(help: "Fit the output to N columns (default: the terminal's width, else $COLUMNS, else 80).")
    var width: Int?

    @Option(parsing: .unconditional, help: "Seed for the random stream (numpy's np.random.seed): lessons 1 and 2's seed, lesson 3's init-seed.")
    var seed: UInt32?

    @Option(help: "Folder for pictures and reports (created if missing). Default: Output/lesson-N.")
    var out: String?

    @Flag(help: "Plain text: no colours or 24-bit pictures. NO_COLOR in the environment does the same.")
    var noColor = false

    @Flag(help: "Print only results and files written, not every step's quantities.")
    var quiet = false

    @Flag(help: "Print every array in full instead of numpy's `...` summary.")
    var full = false

    @Option(help: "Override a setting: --set key=value (repeatable).")
    var set: [String] = []

    @Flag(help: "Lesson 1: train with the true gradients instead of the tutorial's (gradients=corrected).")
    var corrected = false

    @Flag(help: "Lesson 1: all 60,000 training and 10,000 test images (dataset=full).")
    var fullData = false

    @Option(parsing: .unconditional, help: "Lesson 3: train for N epochs (overrides the lesson's epochs setting).")
    var epochs: Int?

    @Option(help: "Lesson 3: load trained weights from FILE and skip training.")
    var weights: String?

    @Option(help: "Lesson 3: start the worked path at conv1's output row,column i,j (default: where it responds most); conv2:i,j anchors conv2 instead.")
    var at: String?

    @Option(help: "Lesson 3: the output channel where the worked path starts (default: the largest activation's).")
    var channel: String?

    @Flag(help: "Lesson 3: load the trained weights that ship in Lessons/weights/ (50 epochs) and skip training.")
    var pretrained = false

    @Option(help: "Folder with the four MNIST-format .gz files (e.g. /usr/share/datasets/fashion-mnist).")
    var data: String?

    @Flag(help: "Also write the handout: index.html and report.md in the output folder, every step with its numbers and pictures.")
    var report = false

    @Flag(help: "Also write lesson-N.ipynb: the run as a Jupyter notebook, each step's text and pictures as a cell's outputs.")
    var notebook = false

    @Option(help: "Show steps from this one on (a name or number from `lesson steps`); earlier steps run without output.")
    var from: String?

    @Option(help: "Stop after this step (a name or number from `lesson steps`).")
    var to: String?

    @Option(help: "Run silently up to this step, show only it, and stop (e.g. conv2.backward or 13).")
    var stopAt: String?

    @Flag(help: "Print only what the steps compute, as plain text: no title, step headings, narrative, list of files written or progress bar (what a notebook cell shows).")
    var bare = false

    @Flag(help: "Work numbers out before they are shown: the pager asks the lesson's questions and scores the answers (needs a terminal). With --report and no terminal: worksheet.md and worksheet.html for a class.")
    var quiz = false

    func validate() throws {
        if stopAt != nil && (from != nil || to != nil) {
            throw ValidationError("--stop-at shows one step; use it alone, or --from and --to for a range.")
        }
        for s in set where !s.contains("=") || s.hasPrefix("=") || s.hasSuffix("=") {
            throw ValidationError("--set takes key=value, got \"\(s)\".")
        }
        if let out, out.isEmpty { throw ValidationError("--out needs a folder path.") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs).") }
        if pretrained && weights != nil { throw ValidationError("--pretrained and --weights both name weights; use one.") }
        if quiz && quiet { throw ValidationError("--quiz shows the steps it asks about; leave out --quiet.") }
        if let width, !(20...1000).contains(width) { throw ValidationError("--width must be between 20 and 1000 columns, got \(width).") }
    }

    func run() throws {
        if quiz && !report && (isatty(0) == 0 || isatty(1) == 0) {
            // Nothing to ask on a pipe: say so before anything runs (exit 2, a usage mistake).
            fputs("lesson: error: --quiz asks its questions at a terminal, and standard input or output is not one; run it in a terminal, or add --report to write them as worksheet.md and worksheet.html.\n", stderr)
            Foundation.exit(2)
        }
        do {
            let (file, url, library) = try loadLesson(lesson)
            let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            // A run of some steps only (--stop-at, --from, --to) goes to a folder of its own by default, so a
            // quick look at one step never clears the folder of a whole (perhaps trained) run.
            let partial = stopAt != nil || from != nil || to != nil
            let defaultFolder = library.defaultOutputFolder(for: url, base: cwd.appendingPathComponent("Output"))
            var options = RunOptions(outputDirectory: out.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL }
                                     ?? (partial ? defaultFolder.appendingPathComponent("steps") : defaultFolder))
            let env = ProcessInfo.processInfo.environment
            // Colour and 24-bit half-block pictures only on a terminal that is not "dumb" and not under NO_COLOR.
            options.color = !noColor && env["NO_COLOR"].map { $0.isEmpty } ?? true && isatty(1) != 0 && env["TERM"] != "dumb"
            options.quiet = quiet
            options.full = full
            options.pauseBetweenSteps = step
            options.width = width
            options.command = CommandLine.arguments
            options.report = report
            options.notebook = notebook
            options.from = from
            options.to = to
            options.stopAt = stopAt
            options.quiz = quiz
            options.bare = bare
            options.pretrained = pretrained
            if let seed { options.overrides.append((LessonRunner.seedKey, String(seed), "--seed \(seed)")) }
            if corrected { options.overrides.append(("gradients", "corrected", "--corrected")) }
            if fullData { options.overrides.append(("dataset", "full", "--full-data")) }
            if let epochs { options.overrides.append(("epochs", String(epochs), "--epochs \(epochs)")) }
            if let at { options.overrides.append(("worked-at", at, "--at \(at)")) }
            if let channel { options.overrides.append(("worked-channel", channel, "--channel \(channel)")) }
            options.weightsFile = weights.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL }
            if pretrained {
                // Lessons/weights/NN-name.lnw beside the lesson files, written by `lesson run N` itself.
                let shipped = library.directory.appendingPathComponent("weights").appendingPathComponent(url.deletingPathExtension().lastPathComponent + ".lnw")
                guard FileManager.default.fileExists(atPath: shipped.path) else {
                    throw LessonError("--pretrained does not apply to this lesson (no trained weights ship for it in \(library.directory.lastPathComponent)/weights/; lesson 3 has them).")
                }
                options.weightsFile = shipped
            }
            options.dataFolderFlag = data.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL }
            options.dataDirectory = options.dataFolderFlag ?? library.directory.appendingPathComponent("data/mnist")
            for s in set {
                let kv = s.split(separator: "=", maxSplits: 1).map(String.init)
                options.overrides.append((kv[0], kv[1], "--set \(s)"))
            }
            Interrupt.install()
            try LessonRunner.run(file, options: options)
        } catch { fail(error) }
    }
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time CNN training (float32 and float64), one image forward+backward, the dense net, loading, pictures and lesson 2.",
        discussion: """
        Each figure is the median of --runs timed runs after a warm-up. Training is timed as the \
        PyTorch peer times it (one 60,000-image epoch at batch 512, no evaluation), so the two can be \
        compared: python3 ../shared/bench/peer_cnn_torch.py. A full run takes about 5 minutes; \
        --quick times shorter stretches (24 training batches, 20 dense iterations) and scales them.
        """)

    @Flag(help: "A sanity check in under a minute: shorter timed stretches, scaled up.")
    var quick = false

    @Option(help: "Timed runs per measurement (the median is reported).")
    var runs = 3

    @Flag(help: "Print the results as JSON instead of a table.")
    var json = false

    @Option(help: "Folder with the four MNIST .gz files. Default: Lessons/data/mnist.")
    var data: String?

    func validate() throws {
        if runs < 1 || runs > 100 { throw ValidationError("--runs must be between 1 and 100, got \(runs).") }
    }

    func run() throws {
        do {
            let library = try LessonLibrary.locate()
            let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            var options = BenchOptions(mnistDirectory: data.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL }
                                       ?? library.directory.appendingPathComponent("data/mnist"),
                                       lessonsDirectory: library.directory,
                                       executable: LessonLibrary.executable)
            options.quick = quick
            options.runs = runs
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: options.mnistDirectory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw LessonError("\(data != nil ? "--data " : "")\(options.mnistDirectory.path) is not a folder; pass the folder that holds the four MNIST .gz files.")
            }
            if !json {
                print("lesson bench\(quick ? " --quick" : ""): \(runs) timed runs each, medians; \(Cores.available) cores, OpenBLAS \(BLASThreads.count) threads by default")
                print("OPENBLAS_CORETYPE=\(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "(unset)") OPENBLAS_L2_SIZE=\(ProcessInfo.processInfo.environment["OPENBLAS_L2_SIZE"] ?? "(unset)")")
                fflush(stdout)
            }
            let results = try LessonBench.Bench.run(options) { r in
                if !json && isatty(2) != 0 { fputs("  done: \(r.name)\n", stderr) }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(results), as: UTF8.self))
            } else {
                print(LessonBench.Bench.table(results))
            }
        } catch { fail(error) }
    }
}

// Like ParsableCommand.main(), but a mistake on the command line is one line on stderr.
do {
    var command = try Lesson.parseAsRoot()
    try command.run()
} catch {
    if Lesson.exitCode(for: error) == .success { Lesson.exit(withError: error) }  // --help, --version
    let message = Lesson.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
    fputs("lesson: error: \(message) (see lesson --help)\n", stderr)
    Foundation.exit(Lesson.exitCode(for: error).rawValue)
}
