// Lesson 1's exercise takes its inputs from iteration 0: the whole training batch forward through the
// initial parameters, images as columns, as the tutorial's backward_prop receives them.
import Network
import Numerics

extension DigitsEngine: ExerciseSource {
    static let exerciseFunctions = ["backward_prop"]

    public static func validateExercise(_ exercise: Exercise, file: LessonFile) throws {
        for call in exercise.calls {
            guard exerciseFunctions.contains(call.function.name) else {
                throw LessonError.at(file.path, line: call.line, "function \(call.function.name) does not belong to lesson 1's network; use \(exerciseFunctions.joined(separator: ", ")).")
            }
            if let layer = call.layer {
                throw LessonError.at(file.path, line: call.line, "\(call.function.name) takes the whole network's numbers; remove layer=\(layer).")
            }
        }
    }

    public static func exerciseFit(_ exercise: Exercise, file: LessonFile) throws {}

    public func exerciseInputs(_ call: Exercise.Call) throws -> ExerciseArrays {
        let d = try ensureData()
        let net = try ensureInitial()
        let f = try ensureFirstPass().f
        return ["Z1": f.Z1, "A1": f.A1, "Z2": f.Z2, "A2": f.A2, "W1": net.W1, "W2": net.W2, "X": f.X,
                "Y": Tensor(shape: [d.yTrain.count], storage: d.yTrain.map(Double.init))]
    }

    public func exerciseExample() throws -> Phrase {
        Phrase("exercise.traced", ["columns": .int(try ensureData().yTrain.count)])
    }

    public func exerciseCounts() throws -> [LessonCount] {
        let d = try ensureData()
        // With every training image in the batch the tutorial's m is the right one: no slip to name.
        return d.rowsLoaded == d.yTrain.count ? [] : [.tutorialRows(d.rowsLoaded)]
    }
}
