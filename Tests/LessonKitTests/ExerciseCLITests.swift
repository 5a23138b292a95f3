// `lesson exercise` and `lesson check` as a student and a teacher type them: the folder, a starter that
// is never written over once edited, exit statuses, answers from any language, the report to hand in,
// a class's table, and python3 or numpy missing.
import Datasets
import Foundation
import Testing
import TestSupport

/// Output with its wrapped lines joined, for phrases that may break across lines.
func unwrapped(_ s: String) -> String { s.replacingOccurrences(of: "\n *", with: " ", options: .regularExpression) }

@Suite(.serialized) struct ExerciseCommands {
    @Test func aStudentsPathFromTheFolderToCorrect() throws {
        let work = try temporaryFolder()
        let list = try runLesson(["exercise", "3"], in: work)
        #expect(list.status == 0)
        #expect(list.stdout.contains("8 exercises") && list.stdout.contains("  conv2.backward   relu_backward, conv_backward"), "\(list.stdout)")

        let made = try runLesson(["exercise", "3", "conv2.backward"], in: work)
        #expect(made.status == 0, "\(made.stderr)")
        let folder = work.appendingPathComponent("exercises/03-conv2.backward")
        #expect(made.stdout.contains("wrote z.npy, delta_a.npy, x.npy, W.npy, delta.npy, README.md, solution.py to exercises/03-conv2.backward/"), "\(made.stdout)")
        #expect(made.stdout.contains("cd exercises/03-conv2.backward && lesson check 3 conv2.backward solution.py"))
        // The inputs are the traced image's: x is pool1's 13 × 13 × 10 output, W conv2's filters.
        let x = try NpyFile.decode([UInt8](try Data(contentsOf: folder.appendingPathComponent("x.npy"))), name: "x.npy")
        let w = try NpyFile.decode([UInt8](try Data(contentsOf: folder.appendingPathComponent("W.npy"))), name: "W.npy")
        #expect(x.shape == [13, 13, 10] && w.shape == [16, 5, 5, 10])
        #expect(x.values.allSatisfy { $0 >= 0 } && x.values.contains { $0 > 0 }, "pooled ReLU outputs")
        let task = try String(contentsOf: folder.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(task.contains("| out | `dW` | (16, 5, 5, 10) |") && task.contains("lesson check 3 conv2.backward solution.py"))
        #expect(!task.contains("def conv_backward"), "the task shows the formula, not the code")

        // The starter: signatures and NotImplementedError, graded "not graded", exit 2.
        let starter = try runLesson(["check", "3", "conv2.backward", "solution.py"], in: folder)
        #expect(starter.status == 2)
        #expect(unwrapped(starter.stdout).contains("relu_backward still raises NotImplementedError: write its body."), "\(starter.stdout)")

        // The student writes the functions; `lesson exercise` again keeps them.
        let mine = try String(contentsOf: exerciseFixtures.appendingPathComponent("correct.py"), encoding: .utf8)
        try mine.write(to: folder.appendingPathComponent("solution.py"), atomically: true, encoding: .utf8)
        let again = try runLesson(["exercise", "3", "conv2.backward"], in: work)
        #expect(again.stdout.contains("kept your solution.py"), "\(again.stdout)")
        #expect(try String(contentsOf: folder.appendingPathComponent("solution.py"), encoding: .utf8) == mine)
        let graded = try runLesson(["check", "3", "conv2.backward", "solution.py", "--report"], in: folder)
        #expect(graded.status == 0, "\(graded.stdout)")
        #expect(unwrapped(graded.stdout).contains("correct: every output of relu_backward and conv_backward matches on all 3 input"), "\(graded.stdout)")
        // The report to hand in: the verdict, the tables and the code.
        let report = try String(contentsOf: folder.appendingPathComponent("check-conv2.backward-solution.md"), encoding: .utf8)
        #expect(report.hasPrefix("# lesson check 3 conv2.backward\n\n**solution.py**: correct"))
        #expect(report.contains("```python\n" + mine.trimmingCharacters(in: .newlines) + "\n```"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(".lesson-check-conv2.backward-solution.md.tmp").path))
    }

    @Test func answersComputedAnyWayAreGradedByName() throws {
        let work = try temporaryFolder()
        _ = try runLesson(["exercise", "3", "dense1.backward", "--out", "ex"], in: work)
        let folder = work.appendingPathComponent("ex")
        // The outputs computed outside lesson (here: numpy), one .npy per output.
        let script = """
        import sys; sys.path.insert(0, "\(exerciseFixtures.path)")
        import numpy as np, correct
        x, W, delta, z, da = (np.load(n + ".npy") for n in ["x", "W", "delta", "z", "delta_a"])
        dx, dW, db = correct.dense_backward(x, W, delta)
        np.save("dx.npy", dx); np.save("dW.npy", dW); np.save("db.npy", db); np.save("delta.npy", correct.relu_backward(z, da))
        np.save("wrong/dW.npy", dW.T)
        """
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("wrong"), withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script]
        p.currentDirectoryURL = folder
        try p.run(); p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let right = try runLesson(["check", "3", "dense1.backward", "--answer", "dx.npy", "--answer", "dW.npy", "--answer", "db.npy", "--answer", "delta.npy"], in: folder)
        #expect(right.status == 0, "\(right.stdout)\(right.stderr)")
        #expect(unwrapped(right.stdout).contains("Input set: traced = test image 0 (label 7) at the initial weights (answer files are graded on it alone)."))
        #expect(unwrapped(right.stdout).contains("matches on the traced example."))
        let transposed = try runLesson(["check", "3", "dense1.backward", "--answer", "wrong/dW.npy"], in: folder)
        #expect(transposed.status == 1)
        #expect(unwrapped(transposed.stdout).contains("it has shape (1296, 100) where (100, 1296) was asked"), "\(transposed.stdout)")
        #expect(unwrapped(transposed.stdout).contains("Not given, so not graded: delta, dx, db."))
        let misnamed = try runLesson(["check", "3", "dense1.backward", "--answer", "x.npy"], in: folder)
        #expect(misnamed.status == 2)
        #expect(misnamed.stderr == "lesson: error: --answer \(folder.path)/x.npy: dense1.backward has no output \"x\"; name each file after the output it holds (delta.npy, dx.npy, dW.npy, db.npy).\n")
    }

    @Test func aClassesSubmissionsInOneTable() throws {
        let r = try runLesson(["check", "3", "pool1.backward", "correct.py", "pool-last-max.py", "pool-spread.py", "syntax-error.py", "missing-function.py"], in: exerciseFixtures)
        #expect(r.status == 2, "the worst of them: code that could not be graded")
        #expect(r.stdout == """
        lesson check 3 pool1.backward: 5 submissions, 1 correct

        file                 result
        correct.py           correct
        pool-last-max.py     wrong: dx: last tied maximum
        pool-spread.py       wrong: dx: spread evenly
        syntax-error.py      not graded: SyntaxError at line 3
        missing-function.py  not graded: maxpool_backward: missing

        """, "\(r.stdout)")
    }

    @Test func python3OrNumpyMissingSaysWhatToInstall() throws {
        let noPython = try runLesson(["check", "3", "pool1.backward", "correct.py"], in: exerciseFixtures, environment: ["PATH": "/nonexistent"])
        #expect(noPython.status == 2)
        #expect(unwrapped(noPython.stdout).contains("python3 is not installed, so your code cannot be run; install it (Debian: sudo apt-get install python3 python3-numpy)"), "\(noPython.stdout)")
        // A python3 that cannot see numpy (-S: no site-packages).
        let bin = try temporaryFolder()
        let fake = bin.appendingPathComponent("python3")
        try "#!/bin/sh\nexec /usr/bin/python3 -S \"$@\"\n".write(to: fake, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        let noNumpy = try runLesson(["check", "3", "pool1.backward", "correct.py"], in: exerciseFixtures, environment: ["PATH": bin.path + ":/usr/bin:/bin"])
        #expect(noNumpy.status == 2)
        #expect(unwrapped(noNumpy.stdout).contains("python3 cannot import numpy (No module named 'numpy'); install it (Debian: sudo apt-get install python3-numpy"), "\(noNumpy.stdout)")
    }

    @Test func theRunTheHandoutAndTheWorksheetPointToTheExercises() throws {
        let work = try temporaryFolder()
        let r = try runLesson(["run", "2", "--quiz", "--report", "--out", "ws", "--no-color"], in: work)
        #expect(r.status == 0, "\(r.stderr)")
        // The step that has an exercise ends with the command that sets it up.
        #expect(r.stdout.contains("\nYour turn, write it yourself: lesson exercise 2 backward-first\n"))
        let handout = try String(contentsOf: work.appendingPathComponent("ws/report.md"), encoding: .utf8)
        #expect(handout.contains("Your turn, write it yourself: lesson exercise 2 backward-first"))
        let sheet = try String(contentsOf: work.appendingPathComponent("ws/worksheet.md"), encoding: .utf8)
        #expect(sheet.contains("### backward-first: back_prop(x, y, w1, w2) -> (d2, d1, w1_adj, w2_adj)"))
        #expect(sheet.contains("lesson exercise 2 backward-first\ncd exercises/02-backward-first\nlesson check 2 backward-first solution.py"))
        let html = try String(contentsOf: work.appendingPathComponent("ws/worksheet.html"), encoding: .utf8)
        #expect(html.contains("<section id=\"exercises\">") && html.contains("lesson check 2 backward-first solution.py"))
        // The folder the worksheet names is the one `lesson exercise` makes.
        let made = try runLesson(["exercise", "2", "backward-first"], in: work)
        #expect(made.status == 0 && FileManager.default.fileExists(atPath: work.appendingPathComponent("exercises/02-backward-first/solution.py").path))
    }
}
