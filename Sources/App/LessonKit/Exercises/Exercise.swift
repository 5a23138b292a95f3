// An exercise as a lesson file declares it: an ```exercise block under a step, naming the functions
// the student writes (from ExerciseCatalogue), the layer whose numbers they take, the task and hints.
//
//     ```exercise
//     function: relu_backward layer=conv2     # graded first: δ from the arriving error
//     function: conv_backward layer=conv2
//     task: Write conv2's backward pass for the traced image ...
//       (indented lines go on with the line above)
//     hint: ...
//     ```
import Foundation

public struct Exercise: Sendable {
    /// The step's name (`conv2.backward`): what `lesson exercise` and `lesson check` call it.
    public let name: String
    public let step: LessonStep
    public let calls: [Call]
    public let task: String
    public let hints: [String]

    public struct Call: Sendable {
        public let function: ExerciseFunction
        /// `layer=NAME`: whose numbers the call takes (the engine says what that means); nil if none.
        public let layer: String?
        public let line: Int
    }

    /// Every exercise of a lesson, in step order; an error names the line of a block that is wrong.
    public static func all(in file: LessonFile) throws -> [Exercise] {
        try file.steps.filter { !$0.exercise.isEmpty }.map { try parse($0, path: file.path) }
    }

    /// One exercise by name; the error lists the lesson's exercises.
    public static func named(_ name: String, in file: LessonFile, lesson: String) throws -> Exercise {
        let all = try all(in: file)
        if let e = all.first(where: { $0.name == name }) { return e }
        if all.isEmpty { throw LessonError("lesson \(lesson) has no exercises (no ```exercise block in \(file.path)).") }
        throw LessonError("lesson \(lesson) has no exercise \"\(name)\"; it has \(all.map(\.name).joined(separator: ", ")) (`lesson exercise \(lesson)` lists them).")
    }

    static func parse(_ step: LessonStep, path: String) throws -> Exercise {
        // key: value lines; an indented line goes on with the one above.
        var entries = [(key: String, value: String, line: Int)]()
        for l in step.exercise {
            let body = l.text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            if body.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if body.first == " " || body.first == "\t" {
                guard !entries.isEmpty else {
                    throw LessonError.at(path, line: l.line, "an indented line with no `key:` line above it; start the exercise block with `function: NAME`.")
                }
                entries[entries.count - 1].value += " " + body.trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let colon = body.firstIndex(of: ":") else {
                throw LessonError.at(path, line: l.line, "\"\(body.prefix(40))\" is not `key: value`; an exercise block has function:, task: and hint: lines.")
            }
            entries.append((body[..<colon].trimmingCharacters(in: .whitespaces), body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces), l.line))
        }
        var calls = [Call](), task: String?, hints = [String]()
        let known = ExerciseCatalogue.all.map(\.name).joined(separator: ", ")
        for e in entries {
            switch e.key {
            case "function":
                var words = e.value.split(separator: " ").map(String.init)
                guard !words.isEmpty, let function = ExerciseCatalogue.named(words.removeFirst()) else {
                    throw LessonError.at(path, line: e.line, "function: \"\(e.value.prefix(40))\" is not one lesson can grade; use one of \(known).")
                }
                var layer: String?
                for w in words {
                    guard w.hasPrefix("layer="), w.count > 6, layer == nil else {
                        throw LessonError.at(path, line: e.line, "\"\(w.prefix(40))\": a function line takes only layer=NAME, once.")
                    }
                    layer = String(w.dropFirst(6))
                }
                if calls.contains(where: { $0.function.name == function.name }) {
                    throw LessonError.at(path, line: e.line, "function \(function.name) is given twice; an exercise grades each function once.")
                }
                calls.append(Call(function: function, layer: layer, line: e.line))
            case "task":
                guard task == nil else { throw LessonError.at(path, line: e.line, "a second task: line; keep one (indent lines to go on).") }
                task = e.value
            case "hint": hints.append(e.value)
            default:
                throw LessonError.at(path, line: e.line, "unknown key \"\(e.key.prefix(40))\" in an exercise block; use function:, task: or hint:.")
            }
        }
        let first = step.exercise.first?.line ?? step.line
        guard !calls.isEmpty else { throw LessonError.at(path, line: first, "this exercise block names no function; add `function: NAME` (one of \(known)).") }
        guard let task, !task.isEmpty else { throw LessonError.at(path, line: first, "this exercise block has no task; add `task: what the student computes`.") }
        // Two functions of one exercise share the folder's input files: a name must mean one array.
        return Exercise(name: step.name, step: step, calls: calls, task: task, hints: hints)
    }

    /// The files the exercise folder holds for the inputs, by parameter name; a parameter that one call
    /// takes and an earlier call returns (δ from relu_backward into conv_backward) is still written,
    /// the right array, so each function can be tried on its own.
    public var inputNames: [String] {
        var seen = [String]()
        for c in calls { for p in c.function.parameters where !seen.contains(p.name) { seen.append(p.name) } }
        return seen
    }
}
