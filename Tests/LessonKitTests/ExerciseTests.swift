// Exercises: every lesson-3 exercise passes with a correct solution on all input sets; each classic
// mistake of conv2.backward, pool1.backward and dense1.backward is named; answers copied from the traced
// image fail on the hidden sets; code that loops, does not parse, lacks a function, returns the wrong
// shape or NaN gets its line; the exercise's right answers are the step-through's own numbers.
import Datasets
import Foundation
import Network
import Numerics
import Testing
import TestSupport
@testable import LessonKit

let exerciseFixtures = repositoryRoot.appendingPathComponent("Tests/LessonKitTests/Fixtures/exercises")

/// Lesson 3's exercise `name` and its traced example (the seeded initial weights, test image 0).
func lessonThreeExercise(_ name: String) throws -> (Exercise, TracedExample) {
    let file = try LessonFile.load(repositoryRoot.appendingPathComponent("Lessons/03-cnn.md"))
    let e = try Exercise.named(name, in: file, lesson: "3")
    var options = RunOptions(outputDirectory: try temporaryFolder("exercise-output"))
    options.dataDirectory = repositoryRoot.appendingPathComponent("Lessons/data/mnist")
    return (e, try ExerciseSetup.traced(e, file: file, options: options))
}

func checkFixture(_ file: String, _ e: Exercise, _ example: TracedExample, timeout: Double = 20) throws -> CheckResult {
    try ExerciseCheck.check(solution: exerciseFixtures.appendingPathComponent(file), e, example: example, timeout: timeout, extraFactors: example.factors)
}

@Test(arguments: ["conv1.forward", "pool1.forward", "conv2.forward", "dense2.backward", "dense1.backward", "conv2.backward", "pool1.backward", "conv1.backward"])
func aCorrectSolutionPassesEveryInputSet(_ name: String) throws {
    let (e, example) = try lessonThreeExercise(name)
    let r = try checkFixture("correct.py", e, example)
    #expect(r.exitStatus == 0, "\(CheckView.text(r, lesson: "3", example: example.description, width: 80))")
    #expect(r.sets == ["traced", "hidden 1", "hidden 2"])
    for g in r.grades {
        #expect(g.correct)
        // Every output on every set, with its expected shape: the hidden sets have other shapes.
        #expect(g.rows.count == g.function.outputs.count * 3)
        for o in g.function.outputs.map(\.name) {
            let shapes = g.rows.filter { $0.output == o }.map(\.shape)
            #expect(Set(shapes.map { "\($0)" }).count >= 2, "\(name) \(o): hidden sets of other shapes, got \(shapes)")
        }
    }
    #expect(CheckView.verdict(r) == "correct: every output of \(e.calls.map(\.function.name).joined(separator: " and ")) matches on all 3 input sets.")
}

/// What `lesson check` says of each mistake file, in a teacher's short words, and a phrase of the full text.
let classicMistakes: [(exercise: String, file: String, short: String, words: String)] = [
    ("conv2.backward", "conv-dx-not-rotated.py", "dx: filter not turned 180°", "not turned 180 degrees"),
    ("conv2.backward", "conv-dW-rotated.py", "dW: dW turned 180°", "correlation of the input with δ"),
    ("conv2.backward", "conv-dW-sign.py", "dW: sign flipped", "every sign flipped"),
    ("conv2.backward", "conv-db-averaged.py", "db: scaled ÷ 81", "averaged over the 81 output positions"),
    ("conv2.backward", "conv-dW-batch.py", "dW: scaled ÷ 512", "mini-batch size, 512"),
    ("conv2.backward", "conv-dW-twice.py", "dW: scaled × 2", "twice the right values"),
    ("conv2.backward", "conv-dW-transposed.py", "dW: axes swapped", "axes 1 and 2 swapped"),
    ("conv2.backward", "conv-dx-shifted.py", "dx: shifted one place", "a window offset off by one"),
    ("conv2.backward", "conv-dx-short.py", "dx: off by one (shape)", "has shape (12, 12, 10) where (13, 13, 10) was asked"),
    ("conv2.backward", "relu-gate-on-delta.py", "delta: gate on δ_a > 0", "gated on the arriving error's sign"),
    ("conv2.backward", "relu-gate-missing.py", "delta: gate left out", "the ReLU gate is left out"),
    ("pool1.backward", "pool-last-max.py", "dx: last tied maximum", "to the last maximum"),
    ("pool1.backward", "pool-every-max.py", "dx: every tied maximum", "to every tied maximum"),
    ("pool1.backward", "pool-spread.py", "dx: spread evenly", "evenly over its f×f inputs"),
    ("pool1.backward", "pool-copied.py", "dx: copied to window", "copied each window's error"),
    ("pool1.backward", "pool-sign.py", "dx: sign flipped", "every sign flipped"),
    ("dense1.backward", "dense-dW-transposed.py", "dW: axes swapped", "shape (1296, 100) where (100, 1296) was asked"),
    ("dense1.backward", "dense-dx-sign.py", "dx: sign flipped", "every sign flipped"),
    ("dense1.backward", "dense-dW-batch.py", "dW: scaled ÷ 512", "mini-batch size, 512"),
    ("dense1.backward", "dense-dW-half.py", "dW: scaled ÷ 2", "half the right values"),
    ("dense1.backward", "dense-dx-no-delta.py", "dx: δ left out", "without δ[o]"),
    ("dense1.backward", "relu-gate-missing.py", "delta: gate left out", "the ReLU gate is left out"),
    ("dense1.backward", "relu-gate-on-delta.py", "delta: gate on δ_a > 0", "gated on the arriving error's sign"),
]

@Test(arguments: ["conv2.backward", "pool1.backward", "dense1.backward"])
func everyClassicMistakeIsNamed(_ name: String) throws {
    let (e, example) = try lessonThreeExercise(name)
    for m in classicMistakes where m.exercise == name {
        let r = try checkFixture(m.file, e, example)
        let text = CheckView.text(r, lesson: "3", example: example.description, width: 80)
        #expect(r.exitStatus == 1, "\(m.file): \(text)")
        #expect(CheckView.short(r) == "wrong: " + m.short, "\(m.file)")
        #expect(text.replacingOccurrences(of: "\n *", with: " ", options: .regularExpression).contains(m.words), "\(m.file): \(text)")
        // The first wrong element worked out, with the student's value beside the right one (not for a wrong shape).
        if !m.short.contains("shape"), !m.short.contains("axes") {
            #expect(text.contains("The first wrong element") && text.contains("yours:"), "\(m.file): \(text)")
        }
    }
}

@Test func aWrongValueOfNoKnownKindShowsItsWorkedSum() throws {
    let (e, example) = try lessonThreeExercise("conv2.backward")
    let r = try checkFixture("unknown-dW.py", e, example)
    let text = CheckView.text(r, lesson: "3", example: example.description, width: 80)
    #expect(CheckView.short(r) == "wrong: dW: wrong values")
    // dW.flat[7] is dW[0, 0, 0, 7]: its sum over the 9 × 9 places, the right value and the student's (1 more).
    #expect(text.contains("The first wrong element, dW[0, 0, 0, 7] on the traced set:"), "\(text)")
    #expect(text.contains("dW[0, 0, 0, 7] = Σ_(i,j) x[i+0, j+0, 7] · δ[i, j, 0]"))
    #expect(text.contains("81 terms"))
    let right = ConvExercises.backward.callReference(example.inputs[1])["dW"]!.storage[7]
    #expect(text.contains(String(format: "right: %.8g   yours: %.8g", right, right + 1)), "\(text)")
}

@Test func answersCopiedFromTheTracedImageFailOnTheHiddenSets() throws {
    let (e, example) = try lessonThreeExercise("dense1.backward")
    let folder = try temporaryFolder()
    // The traced image's right outputs, saved and returned whatever the inputs: hard-coded answers.
    let right = DenseExercises.backward.callReference(example.inputs[1])
    for (name, t) in right { try Data(NpyFile.encode(t)).write(to: folder.appendingPathComponent("right-\(name).npy")) }
    try Data(NpyFile.encode(DenseExercises.reluBackward.callReference(example.inputs[0])["delta"]!)).write(to: folder.appendingPathComponent("right-delta.npy"))
    let source = """
    import numpy as np
    def relu_backward(z, delta_a):
        return np.load("right-delta.npy")
    def dense_backward(x, W, delta):
        return np.load("right-dx.npy"), np.load("right-dW.npy"), np.load("right-db.npy")
    """
    let solution = folder.appendingPathComponent("copied.py")
    try source.write(to: solution, atomically: true, encoding: .utf8)
    let r = try ExerciseCheck.check(solution: solution, e, example: example, timeout: 20, extraFactors: example.factors)
    let text = CheckView.text(r, lesson: "3", example: example.description, width: 80)
    #expect(r.exitStatus == 1, "\(text)")
    // Right on the traced set, wrong (other shapes) on both hidden sets, and said so.
    for g in r.grades {
        #expect(g.rows.filter { $0.set == 0 }.allSatisfy { $0.close })
        #expect(g.rows.filter { $0.set > 0 }.allSatisfy { !$0.sameShape })
    }
    #expect(text.replacingOccurrences(of: "\n *", with: " ", options: .regularExpression).contains("is right on the traced example but wrong on hidden 1"), "\(text)")
    #expect(CheckView.short(r) == "wrong: delta: right only on the traced example; dx, dW, db: right only on the traced example")
}

@Test func codeThatCannotBeGradedGetsItsLine() throws {
    let (e, example) = try lessonThreeExercise("conv2.backward")
    func check(_ file: String, timeout: Double = 20) throws -> (CheckResult, String) {
        let r = try checkFixture(file, e, example, timeout: timeout)
        return (r, CheckView.text(r, lesson: "3", example: example.description, width: 80).replacingOccurrences(of: "\n *", with: " ", options: .regularExpression))
    }
    // An endless loop is stopped at the limit, and the line says which call was running.
    let started = Date()
    let (loop, loopText) = try check("endless.py", timeout: 2)
    #expect(Date().timeIntervalSince(started) < 10)
    #expect(loop.exitStatus == 2)
    #expect(loop.problem == .timedOut(seconds: 2))
    #expect(loopText.contains("Stopped after 2 s (the time limit; --timeout SECONDS changes it): relu_backward on the traced set was still running"), "\(loopText)")
    // A syntax error: the file, the line and the code, nothing graded.
    let (syntax, syntaxText) = try check("syntax-error.py")
    #expect(syntax.exitStatus == 2 && syntax.grades.isEmpty)
    #expect(syntaxText.contains("syntax-error.py line 3: SyntaxError: expected ':':"), "\(syntaxText)")
    #expect(syntaxText.contains("def relu_backward(z, delta_a)"))
    // A missing function is named, with the line that defines it.
    let (missing, missingText) = try check("missing-function.py")
    #expect(missing.exitStatus == 2)
    #expect(missingText.contains("missing-function.py has no function conv_backward; define it with that name: def conv_backward(x, W, delta):"), "\(missingText)")
    // A wrong shape says the expected and the received shape.
    let (short, shortText) = try check("conv-dx-short.py")
    #expect(short.exitStatus == 1)
    #expect(shortText.contains("traced    dx     (12, 12, 10)   wrong shape: expected (13, 13, 10)"), "\(shortText)")
    // NaN is named with where it is and how many.
    let (nan, nanText) = try check("nan-output.py")
    #expect(nan.exitStatus == 1)
    #expect(nanText.contains("traced    dW     (16, 5, 5, 10) NaN at [0, 0, 0, 0] (4000 of 4000 entries)"), "\(nanText)")
    // An exception shows the student's own line and the error.
    let (raised, raisedText) = try check("raises.py")
    #expect(raised.exitStatus == 2)
    #expect(raisedText.contains("line 5, in conv_backward: return x[100, 0, 0], W, delta"), "\(raisedText)")
    #expect(raisedText.contains("IndexError: index 100 is out of bounds for axis 0 with size 13"))
    // Two arrays where three are asked.
    let (count, countText) = try check("wrong-count.py")
    #expect(count.exitStatus == 2)
    #expect(countText.contains("it returned a tuple of 2; return the 3 arrays (dx, dW, db), in that order"), "\(countText)")
}

/// The exercise's right answers are the step-through's numbers: what `lesson run 3` shows at conv2.backward.
@Test func theRightAnswersAreTheStepThroughsNumbers() throws {
    let (e, example) = try lessonThreeExercise("conv2.backward")
    let file = try LessonFile.load(repositoryRoot.appendingPathComponent("Lessons/03-cnn.md"))
    var rng = RandomState(seed: 0)
    let specs = try NetworkBlock.parse(file.blocks["network"]!, file: file.path, input: [28, 28, 1])
    let net = try CNN(specs: specs, inputShape: [28, 28, 1], seed: 100, rng: &rng)
    let (test, _) = try MNIST.load(.test, from: repositoryRoot.appendingPathComponent("Lessons/data/mnist"))
    let x = Tensor<Double>(shape: [1, 28, 28, 1], storage: Array(test.pixels[0..<784]).map { Double($0) / 255 })
    let pass = net.forward(x, naive: true)
    let back = net.backward(pass, labels: [Int(test.labels[0])], naive: true)
    let conv = ConvExercises.backward.callReference(example.inputs[1])
    #expect(conv["dW"]!.storage == back.gradients[3]!.dW.storage)
    #expect(conv["db"]!.storage == back.gradients[3]!.db.storage)
    #expect(conv["dx"]!.storage == back.deltaIn[3]!.storage)
    #expect(DenseExercises.reluBackward.callReference(example.inputs[0])["delta"]!.storage == back.deltaOut[3]!.storage)
    #expect(e.calls.map(\.function.name) == ["relu_backward", "conv_backward"])
}

/// Every exercise of the shipped lessons fits its network (a lesson that swaps a layer's kind only
/// loses the exercises on that layer, so the shipped files are held to all of theirs here).
@Test func everyShippedExerciseFitsItsNetwork() throws {
    let folder = repositoryRoot.appendingPathComponent("Lessons")
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".md") && $0 != "README.md" }
    var count = 0
    for name in files {
        let file = try LessonFile.load(folder.appendingPathComponent(name))
        let (engine, _) = try LessonRunner.prepare(file)
        for e in try Exercise.all(in: file) {
            count += 1
            #expect(ExerciseSetup.unfit(e, file: file, engine: engine) == nil, "\(name) \(e.name)")
        }
    }
    #expect(count >= 8)
}
