// Lessons 1 and 2's exercises: the tutorials' own backward functions (backward_prop over a batch of
// columns; the letters' back_prop for one letter). A correct numpy solution passes on every input set;
// the tutorials' slips and the classic mistakes are each named; the tutorial's code pasted whole is
// caught on both of its slips at once.
import Foundation
import Testing
import TestSupport
@testable import LessonKit

/// Lesson `number`'s exercise `name` and its traced example (the seeded initial weights).
func shippedExercise(_ lesson: String, _ name: String) throws -> (Exercise, TracedExample) {
    let folder = repositoryRoot.appendingPathComponent("Lessons")
    let fileName = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasPrefix("0\(lesson)-") })
    let file = try LessonFile.load(folder.appendingPathComponent(fileName))
    let e = try Exercise.named(name, in: file, lesson: lesson)
    var options = RunOptions(outputDirectory: try temporaryFolder("exercise-output"))
    options.dataDirectory = folder.appendingPathComponent("data/mnist")
    return (e, try ExerciseSetup.traced(e, file: file, options: options))
}

@Test(arguments: [("1", "backward-first", "backward_prop"), ("2", "backward-first", "back_prop")])
func theTutorialsBackwardPassesPassWhenWrittenRight(_ lesson: String, _ name: String, _ function: String) throws {
    let (e, example) = try shippedExercise(lesson, name)
    #expect(e.calls.map(\.function.name) == [function])
    let r = try checkFixture("correct.py", e, example)
    #expect(r.exitStatus == 0, "\(CheckView.text(r, lesson: lesson, example: example.description, width: 80))")
    #expect(r.sets == ["traced", "hidden 1", "hidden 2"])
    let g = try #require(r.grades.first)
    #expect(g.rows.count == g.function.outputs.count * 3 && g.rows.allSatisfy { $0.close && $0.sameShape })
}

@Test func lessonOnesTracedExampleIsIterationZerosBatch() throws {
    let (_, example) = try shippedExercise("1", "backward-first")
    let a = try #require(example.inputs.first)
    // The tutorial's subset: 2,290 rows loaded, 1,000 held out, 1,290 columns trained on.
    #expect(a["X"]!.shape == [784, 1290] && a["Y"]!.shape == [1290] && a["W1"]!.shape == [10, 784])
    #expect(example.description == "iteration 0's forward pass over the 1290 training images, at the initial parameters")
    // The tutorial's m: a factor the lesson knows, 1290/2290 on the traced set.
    let rows = try #require(example.factors.first { $0.short == "÷ 2290, the tutorial's m" })
    #expect(rows.value(a) == 1290.0 / 2290.0)
}

/// Lessons 1 and 2's classic mistakes, as the teacher's table words them.
let denseLessonMistakes: [(lesson: String, file: String, short: String, words: String)] = [
    ("1", "digits-m-2290.py", "dW1, db1, dW2, db2: ÷ 2290, the tutorial's m", "every row the tutorial loaded: its slip, m = 2290, repeated"),
    ("1", "digits-db-scalar.py", "db1, db2: np.sum of every entry", "np.sum without an axis"),
    ("1", "digits-tutorial.py", "dW1, dW2: ÷ 2290, the tutorial's m; db1: np.sum of every entry and ÷ 2290, the tutorial's m; db2: np.sum of every entry",
     "np.sum without an axis). Each unit has its own bias; sum over the images (the columns) only, one value per unit. And it is divided by 2290"),
    ("1", "digits-db-flat.py", "db1, db2: flat, not a column", "would broadcast into a square matrix"),
    ("1", "digits-m-rows.py", "dW1, db1, dW2, db2: scaled × 1.645", "divided by X.shape[0] = 784, the pixels per image"),
    ("1", "digits-gate-missing.py", "dW1, db1: ReLU gate left out", "hidden units that were off (Z1 ≤ 0)"),
    ("1", "digits-no-one-hot.py", "dW1, db1, dW2, db2: one-hot not subtracted", "dZ2 is A2 alone"),
    ("2", "letters-slope-missing.py", "d1, w1_adj: slope left out", "d1 lacks the sigmoid's slope"),
    ("2", "letters-slope-z1.py", "d1, w1_adj: slope from z1", "the slope is taken as z1 (1 - z1)"),
    ("2", "letters-true-mse.py", "d2, d1, w1_adj, w2_adj: true MSE derivative", "right calculus, but this lesson replays the tutorial"),
    ("2", "letters-w1-transposed.py", "w1_adj: axes swapped", "w1_adj"),
]

@Test(arguments: ["1", "2"])
func theTutorialsSlipsAndTheClassicMistakesAreNamed(_ lesson: String) throws {
    let (e, example) = try shippedExercise(lesson, "backward-first")
    for m in denseLessonMistakes where m.lesson == lesson {
        let r = try checkFixture(m.file, e, example)
        let text = CheckView.text(r, lesson: lesson, example: example.description, width: 80)
        #expect(r.exitStatus == 1, "\(m.file): \(text)")
        #expect(CheckView.short(r) == "wrong: " + m.short, "\(m.file)")
        #expect(unwrapped(text).contains(m.words), "\(m.file): \(text)")
    }
}
