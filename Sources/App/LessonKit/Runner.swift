// Runs a lesson file: checks settings and actions against its engine before anything runs,
// then prints each step's heading and narrative and lets the engine perform the step.
import Foundation
import Numerics

public struct RunOptions {
    public var outputDirectory: URL
    public var dataDirectory: URL?
    /// `--data` as given (dataDirectory also holds the default folder).
    public var dataFolderFlag: URL?
    public var weightsFile: URL?
    public var color = false
    public var quiet = false
    public var full = false
    /// `--step`: page through each step on the terminal (only honoured when stdin and stdout are terminals).
    public var pauseBetweenSteps = false
    /// `--width N`: the columns the terminal view fits (else the terminal's, COLUMNS, or 80).
    public var width: Int?
    /// The command as typed, for the line that says how to resume after `q` in the pager.
    public var command: [String] = []
    /// What commands the run shows call the lesson: "3" for the library's lesson 3, else its path.
    public var lessonName = ""
    /// Settings set from flags: (key, value, flag as typed).
    public var overrides: [(key: String, value: String, flag: String)] = []
    /// Write index.html and report.md (the handout) into the output folder.
    public var report = false
    /// Write lesson-N.ipynb, the run as a Jupyter notebook.
    public var notebook = false
    /// Show steps from `from` to `to` (names); earlier steps run muted, later ones not at all.
    public var from: String?
    public var to: String?
    /// `--stop-at NAME`: the same as --from NAME --to NAME, and named so in errors.
    public var stopAt: String?
    /// `--quiz`: ask the lesson's questions in the pager (a terminal), or with `report` and no terminal
    /// write them as a worksheet.
    public var quiz = false
    /// `--bare`: print only what the steps compute, as plain text (no title, headings, narrative, files
    /// written, colour or progress bar): a notebook cell's output.
    public var bare = false
    /// `--pretrained`: `weightsFile` is the lesson's shipped weights (a notebook cell says `--pretrained`).
    public var pretrained = false
    /// `--zoom 2` or 3: projector mode, pictures at two or three cells (terminal) or pixels (PNG) per pixel.
    public var zoom = 1
    /// `--watch`: while training, one screen redrawn in place (needs a terminal; else the health lines say it).
    public var watch = false
    /// `--pace S`: with --watch, at least S seconds per step (batch, iteration or epoch); nil: the lesson's
    /// own (a run too short to follow is spread over about 10 seconds).
    public var pace: Double?

    public init(outputDirectory: URL) { self.outputDirectory = outputDirectory }
}

public enum LessonRunner {
    /// The key `--seed` overrides: the runner sends it to whichever setting the engine seeds with.
    public static let seedKey = "@seed"

    /// The engine a file asks for, with its settings checked.
    public static func prepare(_ file: LessonFile, overrides: [(key: String, value: String, flag: String)] = [])
        throws -> (LessonEngine.Type, LessonSettings) {
        guard let engineSetting = file.settings.first(where: { $0.key == "engine" }) else {
            throw LessonError("\(file.path): the required setting \"engine\" is missing; add `engine: \(Engines.all.map { $0.name }.joined(separator: "|"))`.")
        }
        guard let engine = Engines.named(engineSetting.value) else {
            throw LessonError.at(file.path, line: engineSetting.line, "unknown engine \"\(engineSetting.value)\"; use one of: \(Engines.all.map { $0.name }.joined(separator: ", ")).")
        }
        var settings = try LessonSettings(file: file, specs: engine.settingSpecs)
        for o in overrides {
            let key = o.key == seedKey ? engine.seedSetting : o.key
            try settings.override(key, o.value, flag: o.flag, instead: engine.instead(of: key))
        }
        for step in file.steps {
            guard let action = engine.actions.first(where: { $0.name == step.action }) else {
                throw LessonError.at(file.path, line: step.line, "unknown action \"\(step.action)\"; the \(engine.name) engine knows: \(engine.actions.map(\.name).joined(separator: ", ")).")
            }
            // Every argument checked when the file is read, not when the step comes (perhaps after training).
            let takes = action.arguments.isEmpty ? "\(step.action) takes no arguments (only name=…)" : "\(step.action) takes " + action.arguments.map { "\($0)=…" }.joined(separator: " ")
            if let unknown = step.arguments.keys.sorted().first(where: { !action.arguments.contains($0) }) {
                throw LessonError.at(file.path, line: step.line, "unknown argument \(unknown)=\(step.arguments[unknown]!); \(takes).")
            }
            if let missing = action.arguments.first(where: { step.arguments[$0] == nil }) {
                throw LessonError.at(file.path, line: step.line, "\(step.action) needs \(missing)=…; \(takes).")
            }
            for q in step.quiz where !action.asks.contains(q.kind) {
                throw LessonError.at(file.path, line: q.line, action.asks.isEmpty
                    ? "\(step.action) steps ask no questions; move the ```quiz block under a step that does (`lesson steps` lists them)."
                    : "\(step.action) steps ask \(action.asks.joined(separator: ", ")), not \"\(q.kind)\".")
            }
        }
        try engine.validate(file, settings: settings)
        try ExerciseSetup.validate(file, engine: engine)
        return (engine, settings)
    }

    /// The index of the step called `name`; an error lists the names there are.
    public static func stepIndex(_ name: String, in file: LessonFile, flag: String) throws -> Int {
        let names = file.steps.map(\.name)
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw LessonError("\(flag) needs a step: a name or a number from `lesson steps` (\(names.joined(separator: ", "))).")
        }
        if let i = file.steps.firstIndex(where: { $0.name == name }) { return i }
        if let n = Int(name) {
            guard (1...file.steps.count).contains(n) else {
                throw LessonError("\(flag) \(n): \(file.path) has steps 1 to \(file.steps.count); `lesson steps` lists them.")
            }
            return n - 1
        }
        let close = names.filter { $0.hasPrefix(name) || name.hasPrefix($0) || $0.contains(name) }
        throw LessonError("\(flag) \(name): no step has that name in \(file.path)\(close.isEmpty ? "" : " (did you mean \(close.prefix(3).joined(separator: ", "))?)"); `lesson steps` lists them: \(names.joined(separator: ", ")).")
    }

    public static func run(_ file: LessonFile, options: RunOptions) throws {
        let (engineType, settings) = try prepare(file, overrides: options.overrides)
        // The lesson's exercises that fit its network, which the steps end by pointing to.
        let exercises = try Exercise.all(in: file).filter { ExerciseSetup.unfit($0, file: file, engine: engineType) == nil }
        // Flags that name files: refused where the lesson would not read them, as --corrected is.
        if let w = options.weightsFile, !engineType.loadsWeights {
            throw LessonError("--weights \(w.path) does not apply to this lesson (it has no trained weights to load; lesson 3 does).")
        }
        if let d = options.dataFolderFlag, !engineType.readsDataFolder {
            throw LessonError("--data \(d.path) does not apply to this lesson (it reads no data folder; lessons 1 and 3 read MNIST-format files).")
        }
        let first = try (options.stopAt ?? options.from).map { try stepIndex($0, in: file, flag: options.stopAt != nil ? "--stop-at" : "--from") } ?? 0
        let last = try (options.stopAt ?? options.to).map { try stepIndex($0, in: file, flag: options.stopAt != nil ? "--stop-at" : "--to") } ?? file.steps.count - 1
        guard first <= last else {
            throw LessonError("--from \(file.steps[first].name) comes after --to \(file.steps[last].name) (steps \(first + 1) and \(last + 1)); swap them.")
        }
        let session = OutputSession(folder: options.outputDirectory, inputs: [options.weightsFile].compactMap { $0 })
        let words = try LessonRunner.words(for: file, engine: engineType)
        let size = TerminalSize.current(widthFlag: options.width)
        let stream = RecordStream(view: TerminalView(words: words, width: size.columns, color: options.color && !options.bare, full: options.full, zoom: options.zoom),
                                  quiet: options.quiet)
        stream.onWrote = { session.didWrite($0) }
        stream.bare = options.bare
        // --bare is a notebook cell's text: plain whatever it runs in (Jupyter's `!` runs a pseudo-terminal).
        if options.bare { Progress.shown = false }
        var context = LessonContext(file: file, settings: settings, out: stream,
                                    outputDirectory: options.outputDirectory, dataDirectory: options.dataDirectory, session: session)
        context.weightsFile = options.weightsFile
        context.quiz = options.quiz
        context.zoom = options.zoom
        if options.watch {
            if isatty(0) != 0 && isatty(1) != 0 && !options.quiet && !options.bare && size.columns >= WatchScreen.minimum.columns && size.rows >= WatchScreen.minimum.rows {
                context.watch = WatchScreen(words: words, color: options.color, columns: size.columns, rows: size.rows, pace: options.pace)
            } else {
                let why = options.quiet || options.bare ? "with \(options.quiet ? "--quiet" : "--bare") it prints the health lines instead"
                    : isatty(0) == 0 || isatty(1) == 0 ? "standard input and output are not a terminal; the health lines are printed instead"
                    : "the terminal is \(size.columns)×\(size.rows) and the screen needs \(WatchScreen.minimum.columns)×\(WatchScreen.minimum.rows); the health lines are printed instead"
                fputs("lesson: --watch: \(why).\n", stderr)
            }
        }
        let engine = try engineType.init(context: context)
        let wholeLesson = first == 0 && last == file.steps.count - 1
        var quizSession: QuizSession?
        func record(status: String) -> RunRecord {
            let summary = engine.summary()
            var r = RunRecord(lesson: file.title, file: URL(fileURLWithPath: file.path).lastPathComponent, engine: engineType.name,
                              settings: settings.values.merging(summary.settingsUsed ?? [:]) { $1 }, steps: file.steps[first...last].map(\.name),
                              versions: ProgramVersion.all, summary: summary)
            r.status = status
            r.summary.epochs = stream.records.compactMap { if case .epoch(let e) = $0.record { e.figures } else { nil } }
            r.files = session.written.filter { $0 != RunRecord.fileName }
            let inFolder = (options.weightsFile.map { [$0] } ?? []).filter { $0.standardizedFileURL.deletingLastPathComponent().path == session.folder.path }
            r.inputs = inFolder.isEmpty ? nil : inFolder.map(\.lastPathComponent)
            r.quantities = ShownQuantity.all(stream.records, steps: file.steps, words: words, full: options.full)
            let sums = ShownSum.all(stream.records, steps: file.steps)
            r.sums = sums.isEmpty ? nil : sums
            r.quiz = options.quiz ? QuizSession.summary(stream, session: quizSession, steps: file.steps) : nil
            return r
        }
        // The pager needs a terminal on both ends; otherwise --step would wait on a pipe.
        let interactive = isatty(0) != 0 && isatty(1) != 0
        if options.pauseBetweenSteps && !interactive {
            fputs("lesson: --step needs a terminal (standard input and output); it is ignored here.\n", stderr)
        }
        let pager = (options.pauseBetweenSteps || options.quiz) && interactive && !options.quiet
            ? Pager(stream: stream, steps: file.steps, first: first + 1, rows: size.rows) : nil
        if options.quiz, interactive, let pager {
            pager.quiz = QuizSession(stream: stream, total: file.steps[first...last].reduce(0) { $0 + $1.quiz.count })
            quizSession = pager.quiz
        }
        let toStdout = stream.output
        if pager != nil { stream.output = { _ in } }
        stream.emit(.title(file.title))
        if first == 0 { stream.emit(.narrative("\n" + file.introduction)) }
        var current = first
        do {
            for (i, step) in file.steps.enumerated() where i <= last {
                current = i
                // The run-up to --from/--stop-at: performed for what later steps need, shown to nobody.
                stream.muted = i < first
                if i == first && first > 0 {
                    stream.result("runner.skipped", ["steps": .text(first == 1 ? "step 1" : "steps 1-\(first)"), "name": .text(step.name)])
                }
                try Interrupt.check("before step \(i + 1) (\(step.name))")
                stream.emit(.heading(index: i + 1, total: file.steps.count, title: step.title, name: step.name))
                stream.emit(.narrative(step.narrative))
                // Lecture order: a step with long work shows its heading and words before its progress.
                if !stream.muted, let pager { Progress.beforeFirstDraw = { pager.preview(i + 1) } }
                try engine.perform(step)
                // A step with an exercise ends by saying how to try it: the student writes it next.
                if let e = exercises.first(where: { $0.step.name == step.name }) {
                    stream.emit(.line(Phrase("runner.exercise", ["command": .text(ExerciseFolder.exerciseCommand(lesson: options.lessonName.isEmpty ? file.path : options.lessonName, e)),
                                                                  "functions": .text(e.calls.map(\.function.name).joined(separator: " and "))])))
                }
                Progress.beforeFirstDraw = nil
                fflush(stdout)
                try Interrupt.check("after step \(i + 1) (\(step.name))")
                if !stream.muted { try pager?.show(live: i + 1) }
            }
        } catch {
            // Whatever stopped the run, a folder it wrote into says so, and lists what it holds.
            stream.muted = false
            stream.output = toStdout
            let step = file.steps[current]
            if error is LessonQuit { quizSession?.emitScore(steps: file.steps) }
            let why: String
            if let q = error as? LessonQuit { why = q.interrupted ? q.description : "partial: \(q.description)" }
            else if error is LessonInterrupted {
                why = "interrupted in step \(current + 1) (\(step.name))" + (Interrupt.signalNumber == SIGINT ? "" : ", " + Interrupt.verb)
            }
            else { why = "failed in step \(current + 1) (\(step.name)): \(error)" }
            // A user's file in the way before this run wrote anything: the folder is left as it was.
            let untouched = error is OutputSession.ForeignFile && session.written.isEmpty && session.removed.isEmpty
            if (session.started || error is LessonQuit) && !untouched {
                _ = try? session.start()
                _ = try? record(status: why).write(to: session.folder)
            }
            if let q = error as? LessonQuit {
                let resume = resumeCommand(options.command, from: q.step)
                if q.interrupted { throw LessonInterrupted(description: "\(q.description); what was written so far is kept. To go on from there:", resume: resume) }
                throw LessonQuit(step: q.step, stepName: q.stepName, resume: resume)
            }
            throw error
        }
        stream.muted = false
        stream.output = toStdout
        quizSession?.emitScore(steps: file.steps)
        let status = wholeLesson ? "complete" : "partial: steps \(first + 1)-\(last + 1) of \(file.steps.count)"
        if options.report {
            let seed = settings.values["seed"] ?? settings.values["init-seed"]
            let footer = "Made by lesson \(ProgramVersion.number) from \(URL(fileURLWithPath: file.path).lastPathComponent)\(seed.map { ", seed \($0)" } ?? "")"
                + (wholeLesson ? "" : ", steps \(first + 1)-\(last + 1) of \(file.steps.count)") + "."
            let records = stream.records.map(\.record)
            try session.start()
            let handout = TerminalView(words: words, width: Report.width, color: false, full: options.full)
            for name in ["index.html", "report.md"] { _ = try session.url(name) }
            for url in try Report.write(records, view: handout, to: session.folder, footer: footer) { stream.wrote(url) }
            if options.quiz {
                for name in ["worksheet.md", "worksheet.html"] { _ = try session.url(name) }
                for url in try Worksheet.write(stream.records, steps: file.steps, view: handout, title: file.title, exercises: exercises,
                                                   lesson: options.lessonName.isEmpty ? file.path : options.lessonName, to: session.folder, footer: footer) {
                    stream.wrote(url, shows: "quiz.score-file")
                }
            }
        }
        if options.notebook {
            try session.start()
            let url = try session.url(Notebook.fileName(for: file.path))
            try Notebook.write(records: stream.records, file: file, view: TerminalView(words: words, width: Report.width, color: false, full: options.full),
                               flags: options.reproducingFlags, settings: settings.values, versions: ProgramVersion.all, to: url)
            stream.wrote(url)
        }
        try session.start()
        stream.wrote(try record(status: status).write(to: session.folder))
        if options.quiet {
            stream.result("runner.wrote-files", ["count": .int(session.written.count), "folder": .text(stream.relativePath(session.folder) + "/")])
        }
    }

    /// The command as typed, with `--from N` in place of any --from or --stop-at.
    static func resumeCommand(_ command: [String], from step: Int) -> String {
        var words = [String](), skip = false
        for w in command.dropFirst() {
            if skip { skip = false; continue }
            if w == "--from" || w == "--stop-at" { skip = true; continue }
            if w.hasPrefix("--from=") || w.hasPrefix("--stop-at=") { continue }
            words.append(w.contains(" ") ? "'\(w)'" : w)
        }
        return (["lesson"] + words + ["--from", String(step)]).joined(separator: " ")
    }

    /// The lesson file's words, with the shipped lesson of the same engine for any it leaves out.
    public static func words(for file: LessonFile, engine: LessonEngine.Type) throws -> Words {
        var words = try Words(file: file)
        try WordsCatalog.check(words, engine: engine.name, path: file.path)
        var fallback = Words.runner
        if let library = try? LessonLibrary.locate() {
            for entry in library.entries() where entry.url.standardizedFileURL.path != URL(fileURLWithPath: file.path).standardizedFileURL.path {
                guard let other = try? LessonFile.load(entry.url),
                      other.settings.first(where: { $0.key == "engine" })?.value == engine.name,
                      let w = try? Words(file: other) else { continue }
                fallback.merge(w.texts) { a, _ in a }
            }
        }
        words.fallback = fallback
        return words
    }
}
