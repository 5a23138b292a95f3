// What every lesson's training shares around its own updates: the progress bar, an epoch record (and
// its table row) as each epoch or iteration ends, and the two early stops, said the same way in all
// three lessons: an error naming the learning rate (and a smaller one to try) when the loss is no
// longer a finite number, and at Ctrl-C a stop that first draws the curves so far. An engine's loop
// keeps only its updates and its figures.
import Foundation
import Numerics

final class TrainingLoop {
    let context: LessonContext
    let learningRate: Double
    /// "epoch" or "iteration": how the stops say where training was.
    let unit: String
    let total: Int
    /// nil when the engine draws its own bar (lesson 3's, batch by batch within each epoch).
    let progress: Progress?

    init(context: LessonContext, learningRate: Double, unit: String, total: Int, bar: Bool = true) {
        self.context = context; self.learningRate = learningRate; self.unit = unit; self.total = total
        progress = bar ? Progress("training", total: total) : nil
    }

    /// Round `done` (of `total`) ended: its figures go into run.json (with the table `row`, if one
    /// shows it) and the bar moves, every `every` rounds and at the last, showing `figures`.
    func ended(_ done: Int, figures: [String: Double], row: [Value]? = nil, showing shown: [(String, Double, String)] = [], every: Int = 1) {
        context.out.epoch(figures, row: row)
        if done % every == 0 || done == total { progress?.update(done, figures: shown) }
    }

    /// Whether Ctrl-C asked the training to stop.
    var stopRequested: Bool { Interrupt.requested }

    /// After round `round`: a loss that is not finite stops training as diverged; Ctrl-C before the last
    /// round stops it after drawing the curves so far (`completed`: how many rounds ran, when the
    /// engine's loop stopped on its own).
    func check(_ round: Int, loss: Double, completed: Int? = nil, curves: () throws -> Void) throws {
        if !loss.isFinite {
            progress?.finish()
            throw diverged("\(unit == "iteration" ? "at" : "in") \(unit) \(round)", loss: loss)
        }
        if (completed.map { $0 < total } ?? (stopRequested && round < total)) {
            progress?.finish()
            throw interrupted("after \(unit) \(round) of \(total)", curves: curves)
        }
    }

    func finish() { progress?.finish() }

    /// A health line (and run.json's figures) for every this many of `total` steps: about five lines a
    /// run, a whole number of `multiple` (lesson 1's log entries) so a block ends where the log does.
    static func healthBlock(total: Int, multiple: Int = 1) -> Int {
        let m = max(1, multiple), fifth = (max(1, total) + 4) / 5
        return (fifth + m - 1) / m * m
    }

    /// `--watch`: the screen that replaces the progress bar for a run of `steps` steps, taken now; what
    /// the stream prints meanwhile waits for it (`endWatching`).
    func startWatching(steps: Int) -> WatchScreen? {
        guard let watch = context.watch else { return nil }
        if let first = Progress.beforeFirstDraw { Progress.beforeFirstDraw = nil; first() }
        context.out.hold()
        watch.keepPace(steps: steps)
        watch.start()
        return watch
    }

    /// Gives the terminal back and prints what waited.
    func endWatching() {
        guard let watch = context.watch else { return }
        watch.finish()
        context.out.release()
    }

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
        return LessonInterrupted(description: "\(Interrupt.verb) \(done); the curves so far are in \(context.out.relativePath(context.outputDirectory))\(then).")
    }
}
