// Lesson 2's exercise takes its inputs from the first backward step: the letter A, its label and the
// initial weights, as the tutorial's back_prop receives them (x a (1, 30) row, y a (3,) vector).
import Datasets
import Network
import Numerics

extension LettersEngine: ExerciseSource {
    static let exerciseFunctions = ["back_prop"]

    public static func validateExercise(_ exercise: Exercise, file: LessonFile) throws {
        for call in exercise.calls {
            guard exerciseFunctions.contains(call.function.name) else {
                throw LessonError.at(file.path, line: call.line, "function \(call.function.name) does not belong to lesson 2's network; use \(exerciseFunctions.joined(separator: ", ")).")
            }
            if let layer = call.layer {
                throw LessonError.at(file.path, line: call.line, "\(call.function.name) takes the whole network's numbers; remove layer=\(layer).")
            }
        }
    }

    public static func exerciseFit(_ exercise: Exercise, file: LessonFile) throws {}

    public func exerciseInputs(_ call: Exercise.Call) throws -> ExerciseArrays {
        let net = initWeights(show: false)
        return ["x": inputs[0], "y": labels[0].reshaped(labels[0].count), "w1": net.w1, "w2": net.w2]
    }

    public func exerciseExample() throws -> Phrase { Phrase("exercise.traced", ["letter": .text(Letters.names[0])]) }

    public func exerciseCounts() throws -> [LessonCount] { [] }
}
