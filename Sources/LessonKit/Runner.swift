// Runs a lesson file: checks settings and actions against its engine before anything runs,
// then prints each step's heading and narrative and lets the engine perform the step.
import Foundation

public struct RunOptions {
    public var outputDirectory: URL
    public var dataDirectory: URL?
    public var weightsFile: URL?
    public var color = false
    public var quiet = false
    public var full = false
    /// Wait for Enter between steps (only honoured when stdin is a terminal).
    public var pauseBetweenSteps = false
    /// Settings set from flags: (key, value, flag as typed).
    public var overrides: [(key: String, value: String, flag: String)] = []

    public init(outputDirectory: URL) { self.outputDirectory = outputDirectory }
}

public enum LessonRunner {
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
        for o in overrides { try settings.override(o.key, o.value, flag: o.flag) }
        for step in file.steps where !engine.actions.contains(where: { $0.name == step.action }) {
            throw LessonError.at(file.path, line: step.line, "unknown action \"\(step.action)\"; the \(engine.name) engine knows: \(engine.actions.map(\.name).joined(separator: ", ")).")
        }
        return (engine, settings)
    }

    public static func run(_ file: LessonFile, options: RunOptions) throws {
        let (engineType, settings) = try prepare(file, overrides: options.overrides)
        let printer = Printer(color: options.color, quiet: options.quiet, full: options.full)
        var context = LessonContext(file: file, settings: settings, printer: printer,
                                    outputDirectory: options.outputDirectory, dataDirectory: options.dataDirectory)
        context.weightsFile = options.weightsFile
        let engine = try engineType.init(context: context)
        printer.title(file.title)
        printer.narrative("\n" + file.introduction)
        let pause = options.pauseBetweenSteps && isatty(0) != 0
        for (i, step) in file.steps.enumerated() {
            if pause && i > 0 {
                fputs("\n[Enter for the next step] ", stdout)
                fflush(stdout)
                _ = readLine()
            }
            printer.heading(i + 1, file.steps.count, step.title)
            printer.narrative(step.narrative)
            try engine.perform(step)
            fflush(stdout)
        }
    }
}
