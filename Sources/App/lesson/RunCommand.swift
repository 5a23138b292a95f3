// `lesson run N`: a lesson from its file, step by step, with every option a run takes.
import ArgumentParser
import Foundation
import LessonKit

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a lesson: by number (2), by name (letters), or a path to a lesson file.")

    @Argument(help: "Lesson number, name, or path to a .md lesson file.")
    var lesson: String

    @Flag(help: ArgumentHelp("Page through each step, one screen at a time (needs a terminal). " + PagerKeys.brief))
    var step = false

    // .unconditional: a negative number is this option's value (and refused by its range), not an unknown flag.
    @Option(parsing: .unconditional, help: "Fit the output to N columns (default: the terminal's width, else $COLUMNS, else 80).")
    var width: Int?

    @Option(parsing: .unconditional, help: "Seed for the random stream (numpy's np.random.seed): lessons 1 and 2's seed, lesson 3's init-seed.")
    var seed: UInt32?

    @Option(help: "Folder for pictures and reports (created if missing). Default: Output/lesson-N.")
    var out: String?

    @Flag(help: "Plain text: no colours or 24-bit pictures. NO_COLOR in the environment does the same.")
    var noColor = false

    @Flag(help: "Print only the results, and the files written as one line at the end, not every step's quantities.")
    var quiet = false

    @Flag(help: "While training, watch it learn on one screen redrawn in place: the curves, every layer's health, the first layer's filters or weights (Space pauses).")
    var watch = false

    @Option(parsing: .unconditional, help: ArgumentHelp("With --watch: at least this many seconds per step (batch, iteration or epoch); without it a run too short to follow is spread over about 10 seconds.", valueName: "seconds"))
    var pace: Double?

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

    @Option(parsing: .unconditional, help: "Lesson 3: start the worked path at conv1's output row,column i,j (default: where it responds most); conv2:i,j anchors conv2 instead.")
    var at: String?

    @Option(parsing: .unconditional, help: "Lesson 3: the output channel where the worked path starts (default: the largest activation's).")
    var channel: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Lesson 3: the confusion cell whose test digits the confusion-cell step shows: the true digit, then what it was read as (default: the largest off the diagonal).", valueName: "true,read"))
    var showConfusion: String?

    @Flag(help: "Lesson 3: load the trained weights that ship in Lessons/weights/ (50 epochs) and skip training.")
    var pretrained = false

    @Option(parsing: .unconditional, help: "Projector mode: 2 or 3 draws terminal pictures at two or three cells per pixel and PNGs at two or three times the size, text to match.")
    var zoom: Int = 1

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
        for s in set where settingPair(s) == nil {
            throw ValidationError("--set takes key=value, got \"\(s)\".")
        }
        if let out, out.isEmpty { throw ValidationError("--out needs a folder path.") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs).") }
        if pretrained && weights != nil { throw ValidationError("--pretrained and --weights both name weights; use one.") }
        if let pace, !(pace >= 0 && pace <= 60) { throw ValidationError("--pace takes 0 to 60 seconds per step (batch, iteration or epoch), got \(pace).") }
        if pace != nil && !watch { throw ValidationError("--pace sets how fast --watch redraws; add --watch.") }
        if quiz && quiet { throw ValidationError("--quiz shows the steps it asks about; leave out --quiet.") }
        if !(1...3).contains(zoom) { throw ValidationError("--zoom takes 1, 2 or 3 (times the size of every picture), got \(zoom).") }
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
            options.lessonName = lessonNumber(url, typed: lesson, library: library)
            options.report = report
            options.notebook = notebook
            options.from = from
            options.to = to
            options.stopAt = stopAt
            options.quiz = quiz
            options.bare = bare
            options.pretrained = pretrained
            options.zoom = zoom
            options.watch = watch
            options.pace = pace
            if let seed { options.overrides.append((LessonRunner.seedKey, String(seed), "--seed \(seed)")) }
            if corrected { options.overrides.append(("gradients", "corrected", "--corrected")) }
            if fullData { options.overrides.append(("dataset", "full", "--full-data")) }
            if let epochs { options.overrides.append(("epochs", String(epochs), "--epochs \(epochs)")) }
            if let at { options.overrides.append(("worked-at", at, "--at \(at)")) }
            if let channel { options.overrides.append(("worked-channel", channel, "--channel \(channel)")) }
            if let showConfusion { options.overrides.append(("confusion-cell", showConfusion, "--show-confusion \(showConfusion)")) }
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
                guard let (key, value) = settingPair(s) else { throw ValidationError("--set takes key=value, got \"\(s)\".") }
                options.overrides.append((key, value, "--set \(s)"))
            }
            Interrupt.install()
            try LessonRunner.run(file, options: options)
        } catch { fail(error) }
    }
}

/// A `--set key=value` split at its first "=", the blanks around each part dropped ("epochs = 5" is
/// epochs=5); nil when either part is empty.
func settingPair(_ s: String) -> (key: String, value: String)? {
    guard let eq = s.firstIndex(of: "=") else { return nil }
    let key = s[..<eq].trimmingCharacters(in: .whitespaces), value = s[s.index(after: eq)...].trimmingCharacters(in: .whitespaces)
    return key.isEmpty || value.isEmpty ? nil : (key, value)
}
