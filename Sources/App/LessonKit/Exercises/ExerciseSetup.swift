// Where an exercise's inputs come from: the lesson's engine, run silently up to the numbers the step
// shows (the traced image at the run's weights), asked for each function's arguments.
import Foundation

/// An engine whose steps can hand a student the inputs of a step's functions.
public protocol ExerciseSource: LessonEngine {
    /// Checks, when the file is read, that an exercise's functions belong to this engine.
    static func validateExercise(_ exercise: Exercise, file: LessonFile) throws
    /// Checks an exercise's calls against the layers the file declares. A teacher who swaps a layer's
    /// kind (max-pooling for average pooling) keeps a lesson that runs; only the exercises on that layer
    /// stop fitting, and say so when listed or set up.
    static func exerciseFit(_ exercise: Exercise, file: LessonFile) throws
    /// One call's inputs for the traced example, in the tutorial's layout.
    func exerciseInputs(_ call: Exercise.Call) throws -> ExerciseArrays
    /// What the traced example is ("test image 0 (label 7), at the initial weights").
    func exerciseExample() throws -> Phrase
    /// Counts of the lesson a student's output may be off by (its mini-batch, the tutorial's rows).
    func exerciseCounts() throws -> [LessonCount]
}

/// A count the lesson knows that a student may divide or multiply by where they should not.
public enum LessonCount: Sendable {
    /// The mini-batch size: a per-image gradient divided or multiplied by it.
    case miniBatch(Int)
    /// Lesson 1's tutorial divides by every row it loaded where the number of images (the columns of
    /// X) was meant.
    case tutorialRows(Int)
}

/// The traced example of an exercise: each call's inputs, and what they are in words.
public struct TracedExample {
    public let inputs: [ExerciseArrays]
    public let description: String
    public let words: Words
    /// Factors a student may be off by that come from the lesson (its mini-batch size), with their words.
    public let factors: [ExerciseFactor]
}

public enum ExerciseSetup {
    /// Every exercise of the file checked against its engine (called when a lesson is read).
    static func validate(_ file: LessonFile, engine: LessonEngine.Type) throws {
        let exercises = try Exercise.all(in: file)
        guard let first = exercises.first else { return }
        guard let source = engine as? ExerciseSource.Type else {
            throw LessonError.at(file.path, line: first.step.exercise.first?.line ?? first.step.line, "the \(engine.name) engine has no exercises; remove the ```exercise block.")
        }
        for e in exercises { try source.validateExercise(e, file: file) }
    }

    /// Why an exercise does not fit the file's network (nil when it does).
    public static func unfit(_ exercise: Exercise, file: LessonFile, engine: LessonEngine.Type) -> String? {
        guard let source = engine as? ExerciseSource.Type else { return "the \(engine.name) engine has no exercises" }
        do { try source.exerciseFit(exercise, file: file); return nil } catch {
            // The reason without its "FILE:LINE: " (the listing names the exercise).
            let text = "\(error)", prefix = file.path + ":"
            guard text.hasPrefix(prefix), let colon = text.dropFirst(prefix.count).range(of: ": ") else { return text }
            return String(text[colon.upperBound...])
        }
    }

    /// Runs the lesson's engine without output far enough to know the exercise's inputs.
    public static func traced(_ exercise: Exercise, file: LessonFile, options: RunOptions) throws -> TracedExample {
        let (engineType, settings) = try LessonRunner.prepare(file, overrides: options.overrides)
        if let source = engineType as? ExerciseSource.Type { try source.exerciseFit(exercise, file: file) }
        if let w = options.weightsFile, !engineType.loadsWeights {
            throw LessonError("--weights \(w.path) does not apply to this lesson (it has no trained weights to load; lesson 3 does).")
        }
        let words = try LessonRunner.words(for: file, engine: engineType)
        // Nothing is shown and nothing written: the stream goes nowhere, the output folder is never made.
        let stream = RecordStream(view: TerminalView(words: words, width: 80, color: false, full: false, zoom: 1), quiet: true, write: { _ in })
        let shown = Progress.shown
        Progress.shown = false
        defer { Progress.shown = shown }
        var context = LessonContext(file: file, settings: settings, out: stream, outputDirectory: options.outputDirectory,
                                    dataDirectory: options.dataDirectory)
        context.weightsFile = options.weightsFile
        guard let engine = try engineType.init(context: context) as? ExerciseSource else {
            throw LessonError("lesson \(file.title) has no exercises.")
        }
        let inputs = try exercise.calls.map { try engine.exerciseInputs($0) }
        var factors: [ExerciseFactor] = [.constant(2, "twice the right values (a factor 2: a square's derivative, or a term counted twice?)"),
                                         .constant(0.5, "half the right values (a factor 1/2)")]
        for count in try engine.exerciseCounts() {
            switch count {
            case .miniBatch(let m):
                factors += [.constant(1 / Double(m), "divided by the mini-batch size, \(m): for one image nothing is averaged (the lesson divides by the batch only when it updates the weights)"),
                            .constant(Double(m), "multiplied by the mini-batch size, \(m)")]
            case .tutorialRows(let rows):
                // Dividing by a hard-coded count: off by (this set's images) / rows on each set.
                factors.append(ExerciseFactor("divided by \(rows), every row the tutorial loaded: its slip, m = \(rows), repeated. m is the number of images the gradient averages over, the columns of X",
                                              short: "÷ \(rows), the tutorial's m") { a in
                    a["X"].map { Double($0.shape[1]) / Double(rows) }
                })
            }
        }
        return TracedExample(inputs: inputs, description: words.render(try engine.exerciseExample()), words: words, factors: factors)
    }
}
