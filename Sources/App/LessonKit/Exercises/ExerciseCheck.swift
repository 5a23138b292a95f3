// `lesson check`: the student's functions (or arrays) against ours, on the traced example and two
// hidden input sets, graded function by function. The result says what happened; CheckView words it.
import Datasets
import Foundation
import Numerics

public struct CheckResult: Sendable {
    public let exercise: Exercise
    /// What was graded: "solution.py", or the answer files.
    public let source: String
    /// "the traced example" and the hidden sets, with what each is.
    public let sets: [String]
    public var problem: StudentRun.Problem?
    public var grades: [FunctionGrade] = []
    /// Outputs no answer file was given for (--answer).
    public var notGiven: [String] = []
    public var printed = ""
    public var seconds = 0.0

    /// 0 every output right, 1 some output wrong, 2 the code could not be run or graded.
    public var exitStatus: Int32 {
        if problem != nil || grades.isEmpty || grades.contains(where: \.ungraded) { return 2 }
        return grades.allSatisfy(\.correct) ? 0 : 1
    }
}

public enum ExerciseCheck {
    /// The hidden sets' seed: fixed, so a check prints the same bytes every time.
    static let hiddenSeed: UInt32 = 20_261_203

    /// Set names for the report: the traced example first.
    static func setNames(_ count: Int) -> [String] { ["traced"] + (1..<max(1, count)).map { "hidden \($0)" } }

    /// Grades a solution file's functions on the traced example and each function's hidden sets.
    public static func check(solution: URL, _ e: Exercise, example: TracedExample, timeout: Double, extraFactors: [ExerciseFactor]) throws -> CheckResult {
        // sets[s][c]: call c's inputs on set s (0: the traced example; 1, 2: hidden).
        let hidden = e.calls.map { $0.function.hiddenSets(seed: hiddenSeed) }
        let sets: [[ExerciseArrays]] = [example.inputs] + (0..<2).map { s in hidden.map { $0[s] } }
        let run = try StudentCode.run(solution, calls: e.calls, sets: sets, timeout: timeout)
        var result = CheckResult(exercise: e, source: solution.lastPathComponent, sets: setNames(sets.count))
        result.problem = run.problem
        result.printed = run.printed
        result.seconds = run.seconds
        switch run.problem {
        case .noPython?, .noNumpy?, .syntax?, .atImport?, .unreadable?: return result
        default: break
        }
        for (c, call) in e.calls.enumerated() {
            let results = sets.indices.map { run.results[$0][c] }
            result.grades.append(Grader.grade(call.function, inputs: sets.map { $0[c] }, results: results, extraFactors: extraFactors))
        }
        return result
    }

    /// Grades arrays the student computed any way (`--answer dW.npy`), on the traced example only:
    /// each file is matched to an output by its name.
    public static func check(answers: [URL], _ e: Exercise, example: TracedExample, extraFactors: [ExerciseFactor]) throws -> CheckResult {
        let outputs = e.calls.flatMap { $0.function.outputs.map(\.name) }
        var given = [String: NpyArray]()
        for url in answers {
            let name = url.deletingPathExtension().lastPathComponent
            guard outputs.contains(name) else {
                throw LessonError("--answer \(url.path): \(e.name) has no output \"\(name)\"; name each file after the output it holds (\(outputs.map { $0 + ".npy" }.joined(separator: ", "))).")
            }
            guard given[name] == nil else { throw LessonError("--answer \(url.path): a second file for \(name); give each output once.") }
            // The largest output of any exercise is a few thousand numbers; 64 MB is far past it.
            let bytes = try BoundedRead.bytes(url, limit: 64 << 20, what: "--answer \(url.path)", why: "an exercise's outputs are a few thousand numbers")
            do { given[name] = try NpyFile.decode(bytes, name: "--answer \(url.path)") } catch let error as NpyFile.FormatError {
                throw LessonError(error.description)
            }
        }
        var result = CheckResult(exercise: e, source: answers.map(\.lastPathComponent).joined(separator: ", "), sets: setNames(1))
        result.notGiven = outputs.filter { given[$0] == nil }
        for (c, call) in e.calls.enumerated() {
            let mine = call.function.outputs.map(\.name).filter { given[$0] != nil }
            guard !mine.isEmpty else { continue }
            result.grades.append(Grader.grade(call.function, inputs: [example.inputs[c]],
                                              results: [.outputs(given.filter { mine.contains($0.key) })], extraFactors: extraFactors))
        }
        return result
    }
}
