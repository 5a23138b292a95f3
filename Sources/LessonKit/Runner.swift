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
        for step in file.steps where !engine.actions.contains(where: { $0.name == step.action }) {
            throw LessonError.at(file.path, line: step.line, "unknown action \"\(step.action)\"; the \(engine.name) engine knows: \(engine.actions.map(\.name).joined(separator: ", ")).")
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
        if options.report { try OutputFolder.prepare(options.outputDirectory) }
        let printer = Printer(color: options.color, quiet: options.quiet, full: options.full)
        if options.report { printer.recorder = ReportRecorder() }
        var context = LessonContext(file: file, settings: settings, printer: printer,
                                    outputDirectory: options.outputDirectory, dataDirectory: options.dataDirectory)
        context.weightsFile = options.weightsFile
        let engine = try engineType.init(context: context)
        printer.title(file.title)
        if first == 0 { printer.narrative("\n" + file.introduction) }
        let pause = options.pauseBetweenSteps && isatty(0) != 0
        for (i, step) in file.steps.enumerated() where i <= last {
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
            printer.heading(i + 1, file.steps.count, step.title, name: step.name)
            printer.narrative(step.narrative)
            try engine.perform(step)
            fflush(stdout)
        }
        printer.muted = false
        let wholeLesson = first == 0 && last == file.steps.count - 1
        let record = RunRecord(lesson: file.title, file: URL(fileURLWithPath: file.path).lastPathComponent, engine: engineType.name,
                               settings: settings.values, steps: file.steps[first...last].map(\.name),
                               versions: ProgramVersion.all,
                               summary: engine.summary())
        // A partial run does not replace a whole run's record.
        if wholeLesson {
            try OutputFolder.prepare(options.outputDirectory)
            printer.wrote(try record.write(to: options.outputDirectory))
        }
        if let recorder = printer.recorder {
            let seed = settings.values["seed"] ?? settings.values["init-seed"]
            let footer = "Made by lesson \(ProgramVersion.number) from \(record.file)\(seed.map { ", seed \($0)" } ?? "")"
                + (wholeLesson ? "" : ", steps \(first + 1)-\(last + 1) of \(file.steps.count)") + "."
            printer.recorder = nil
            for url in try Report.write(recorder.events, to: options.outputDirectory, footer: footer) { printer.wrote(url) }
        }
    }
}
