// How every lesson's training stops early, said the same way in all three: an error naming the
// learning rate (and a smaller one to try) when the loss is no longer a finite number, and at Ctrl-C
// a stop that first draws the curves so far. An engine's loop keeps only its updates and figures.
import Foundation
import Numerics

struct TrainingStop {
    let context: LessonContext
    let learningRate: Double

    /// The loss stopped being finite `at` ("at iteration 12", "in epoch 3, batch 7"); `loss` is the value
    /// when the engine has it; `then` closes the message ("; no weights file was written").
    func diverged(_ at: String, loss: Double? = nil, then: String = "") -> LessonError {
        let what = loss.map { "the loss became \(NumpyFormat.scalar($0))" } ?? "the loss is no longer a finite number"
        return LessonError("training diverged \(at): \(what). Try a smaller learning-rate (now \(NumberText.short(learningRate))), "
                           + "e.g. --set learning-rate=\(NumberText.short(learningRate / 10))\(then).")
    }

    /// Ctrl-C after `done` ("after iteration 40 of 500"): draws the curves so far with `curves` (a picture
    /// that cannot be drawn does not hide the stop), then the stop to throw.
    func interrupted(_ done: String, curves: () throws -> Void, then: String = "") -> LessonInterrupted {
        try? curves()
        return LessonInterrupted(description: "interrupted \(done); the curves so far are in \(context.out.relativePath(context.outputDirectory))\(then).")
    }
}
