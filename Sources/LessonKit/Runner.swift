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
    /// Wait for Enter between steps (only honoured when stdin is a terminal).
    public var pauseBetweenSteps = false
    /// Settings set from flags: (key, value, flag as typed).
    public var overrides: [(key: String, value: String, flag: String)] = []
    /// Write index.html and report.md (the handout) into the output folder.
    public var report = false
    /// Show steps from `from` to `to` (names); earlier steps run muted, later ones not at all.
    public var from: String?
    public var to: String?
    /// `--stop-at NAME`: the same as --from NAME --to NAME, and named so in errors.
    public var stopAt: String?

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
        }
        try engine.validate(file, settings: settings)
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
        let printer = Printer(color: options.color, quiet: options.quiet, full: options.full)
        printer.onWrote = { session.didWrite($0) }
        if options.report { printer.recorder = ReportRecorder() }
        var context = LessonContext(file: file, settings: settings, printer: printer,
                                    outputDirectory: options.outputDirectory, dataDirectory: options.dataDirectory, session: session)
        context.weightsFile = options.weightsFile
        let engine = try engineType.init(context: context)
        let wholeLesson = first == 0 && last == file.steps.count - 1
        func record(status: String) -> RunRecord {
            var r = RunRecord(lesson: file.title, file: URL(fileURLWithPath: file.path).lastPathComponent, engine: engineType.name,
                              settings: settings.values, steps: file.steps[first...last].map(\.name),
                              versions: ProgramVersion.all, summary: engine.summary())
            r.status = status
            r.files = session.written.filter { $0 != RunRecord.fileName }
            let inFolder = (options.weightsFile.map { [$0] } ?? []).filter { $0.standardizedFileURL.deletingLastPathComponent().path == session.folder.path }
            r.inputs = inFolder.isEmpty ? nil : inFolder.map(\.lastPathComponent)
            return r
        }
        printer.title(file.title)
        if first == 0 { printer.narrative("\n" + file.introduction) }
        let pause = options.pauseBetweenSteps && isatty(0) != 0
        var current = first
        do {
            for (i, step) in file.steps.enumerated() where i <= last {
                current = i
                // The run-up to --from/--stop-at: performed for what later steps need, shown to nobody.
                printer.muted = i < first
                if i == first && first > 0 {
                    printer.result("(\(first == 1 ? "step 1" : "steps 1-\(first)") ran without output to reach \(step.name))")
                }
                if pause && i > first {
                    fputs("\n[Enter for the next step] ", stdout)
                    fflush(stdout)
                    _ = readLine()
                }
                try Interrupt.check("before step \(i + 1) (\(step.name))")
                printer.heading(i + 1, file.steps.count, step.title, name: step.name)
                printer.narrative(step.narrative)
                try engine.perform(step)
                fflush(stdout)
                try Interrupt.check("after step \(i + 1) (\(step.name))")
            }
        } catch {
            // Whatever stopped the run, a folder it wrote into says so, and lists what it holds.
            printer.muted = false
            if session.started {
                let step = file.steps[current]
                let why = error is LessonInterrupted ? "interrupted in step \(current + 1) (\(step.name))"
                    : "failed in step \(current + 1) (\(step.name)): \(error)"
                _ = try? record(status: why).write(to: session.folder)
            }
            throw error
        }
        printer.muted = false
        let status = wholeLesson ? "complete" : "partial: steps \(first + 1)-\(last + 1) of \(file.steps.count)"
        if let recorder = printer.recorder {
            let seed = settings.values["seed"] ?? settings.values["init-seed"]
            let footer = "Made by lesson \(ProgramVersion.number) from \(URL(fileURLWithPath: file.path).lastPathComponent)\(seed.map { ", seed \($0)" } ?? "")"
                + (wholeLesson ? "" : ", steps \(first + 1)-\(last + 1) of \(file.steps.count)") + "."
            printer.recorder = nil
            try session.start()
            for url in try Report.write(recorder.events, to: session.folder, footer: footer) { printer.wrote(url) }
        }
        try session.start()
        printer.wrote(try record(status: status).write(to: session.folder))
    }
}
