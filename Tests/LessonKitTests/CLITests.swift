// The `lesson` command as a user meets it: output, determinism, pictures, exit codes and errors.
import Foundation
import Testing
import Rendering
import Datasets

@Suite(.serialized) struct CLITests {
    @Test func lessonTwoIsByteIdenticalTwiceAndMatchesTheTutorial() throws {
        let fixture = try loadJSON("letters_seed0.json", as: LettersFixture.self)
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try runLesson(["run", "2", "--seed", "0", "--out", dir.appendingPathComponent("a").path])
        let b = try runLesson(["run", "2", "--seed", "0", "--out", dir.appendingPathComponent("b").path])
        #expect(a.status == 0, "\(a.stderr)")
        #expect(a.stdout.replacingOccurrences(of: "/a/", with: "/") == b.stdout.replacingOccurrences(of: "/b/", with: "/"))
        // The tutorial's printed "acc" for the last epoch, digit for digit.
        #expect(a.stdout.contains("tutorial acc \(fixture.acc_repr[99])"))
        // The first sample's a2 and d1 exactly as numpy prints them.
        #expect(a.stdout.contains(fixture.a2_text))
        #expect(a.stdout.contains(fixture.d1_text))
        for name in ["x", "z1", "a1", "z2", "a2", "d2", "d1", "w1_adj", "w2_adj", "w1", "w2"] {
            #expect(a.stdout.contains("\n\(name)  shape ("), "missing \(name)")
        }
        #expect(a.stdout.contains("Note: the tutorial uses d2 = a2 - y"))
        #expect(a.stdout.contains("Letter A: the network says A (right)"))
        #expect(a.stdout.contains("Letter C: the network says C (right)"))
        #expect(!a.stdout.contains("\u{1B}["), "no colour codes when stdout is not a terminal")
    }

    @Test func lessonTwoPicturesDecodeAndShowWhatTheyAreNamed() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runLesson(["run", "letters", "--quiet", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(files == ["accuracy.png", "health.png", "input-gradient.png", "letters.png", "loss.png", "run.json", "w1-pictures.png", "w1.png"])

        // health.png: two panels side by side, each layer's update ratio (hidden, output) on the left and
        // the hidden layer's saturated share on the right, in the series colours.
        let health = try PNGFile.read(dir.appendingPathComponent("health.png"))
        #expect(health.width == 1440 && health.height == 540)
        #expect(count(health, near: RGBA.series[0]) > 800 && count(health, near: RGBA.series[1]) > 500)

        // letters.png: three 6×5 tiles at 40 px per pixel; A's top-left pixel is paper, its third is ink.
        let letters = try PNGFile.read(dir.appendingPathComponent("letters.png"))
        #expect(letters.width >= 3 * 240 && letters.height >= 200)
        let tileTop = 56, tileLeft = 14
        #expect(letters.pixel(tileLeft + 20, tileTop + 20) == RGBA.white)              // A: row 0, column 0 is 0
        #expect(letters.pixel(tileLeft + 2 * 40 + 20, tileTop + 20).r < 60)             // A: row 0, column 2 is 1
        #expect(letters.pixel(tileLeft + 20, tileTop + 2 * 40 + 20).r < 60)             // A: row 2, column 0 is 1

        // loss.png: a 960×600 line plot whose curve (first series colour) is drawn.
        let loss = try PNGFile.read(dir.appendingPathComponent("loss.png"))
        #expect(loss.width == 960 && loss.height == 600)
        #expect(count(loss, near: RGBA.series[0]) > 500)
        // accuracy.png: both curves.
        let acc = try PNGFile.read(dir.appendingPathComponent("accuracy.png"))
        #expect(count(acc, near: RGBA.series[0]) > 500 && count(acc, near: RGBA.series[1]) > 500)
        // w1.png: a diverging heatmap has both red and blue cells ...
        let w1 = try PNGFile.read(dir.appendingPathComponent("w1.png"))
        #expect(count(w1, where: { $0.r > 150 && $0.b < 90 }) > 200)
        #expect(count(w1, where: { $0.b > 150 && $0.r < 90 }) > 200)
        // ... and each cell is numpy's trained w1 (pixel row × hidden unit) in its colour.
        let fixture = try loadJSON("letters_seed0.json", as: LettersFixture.self)
        let trained = fixture.w1_final.map { Double($0)! }
        var map = Heatmap(title: "t", values: (0..<30).map { i in (0..<5).map { trained[i * 5 + $0] } })
        map.cellSize = 24
        // Pixels off in all three letters: their weights never received a gradient, drawn hatched.
        let letterPixels = (0..<3).map { Letters.input($0).storage }
        map.hatchedRows = Set((0..<30).filter { p in letterPixels.allSatisfy { $0[p] == 0 } })
        #expect(map.hatchedRows == [0, 5, 6, 8, 9, 11, 20, 21], "\(map.hatchedRows.sorted())")
        expectCells(w1, map, "letters w1.png")
        // The loss curve passes through every epoch's loss in run.json.
        let epochs = try runFigures(dir)
        #expect(epochs.count == 100)
        expectCurve(loss, LinePlot(title: "t", xLabel: "x", yLabel: "y", series: [Series(name: "s", y: epochs.map { $0["loss"]! })]),
                    series: 0, "letters loss.png")
    }

    func count(_ c: Canvas, near color: RGBA) -> Int {
        count(c) { abs(Int($0.r) - Int(color.r)) + abs(Int($0.g) - Int(color.g)) + abs(Int($0.b) - Int(color.b)) < 30 }
    }

    func count(_ c: Canvas, where test: (RGBA) -> Bool) -> Int {
        var n = 0
        for y in 0..<c.height { for x in 0..<c.width where test(c.pixel(x, y)) { n += 1 } }
        return n
    }

    @Test func listShowsTheLessons() throws {
        let r = try runLesson(["list"])
        #expect(r.status == 0)
        #expect(r.stdout.contains(" 2  letters"))
    }

    @Test func findsLessonsFromAnotherFolderWithLessonHome() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runLesson(["list"], in: dir, environment: ["LESSON_HOME": repositoryRoot.path])
        #expect(r.status == 0 && r.stdout.contains("letters"))
        // Without LESSON_HOME the binary still finds Lessons/ in the folders above itself.
        let s = try runLesson(["list"], in: dir)
        #expect(s.status == 0 && s.stdout.contains("letters"), "\(s.stderr)")
    }

    /// `--set "epochs = 5"`, as a student types it from the lesson file, is epochs=5 (issue 36's poor list).
    @Test func setAcceptsBlanksAroundTheEqualsSign() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runLesson(["run", "2", "--quiet", "--set", "epochs = 5", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let record = try RunRecordFile.read(dir.appendingPathComponent("run.json"))
        #expect(record.settings["epochs"] == "5" && record.summary.epochs.count == 5, "\(record.settings)")
    }

    @Test(arguments: [
        (["run", "9"], "unknown lesson \"9\""),
        (["run", "nope"], "unknown lesson \"nope\""),
        (["run", "2", "--seed", "abc"], "--seed"),
        (["run", "2", "--seed", "-1"], "--seed"),
        (["run", "2", "--set", "epochs=0"], "epochs must be between 1 and 100000, got 0"),
        (["run", "2", "--set", "learning-rate=-1"], "learning-rate must be greater than 0"),
        (["run", "2", "--set", "learning-rate=nan"], "learning-rate must be a finite number"),
        (["run", "2", "--set", "colour=red"], "does not apply to this lesson"),
        (["run", "missing.md"], "no lesson file at missing.md"),
        (["run", "2", "--bogus"], "--bogus"),
        (["run", "3", "--set", "precision=float16"], "precision must be one of float32, float64, got \"float16\""),
        (["run", "2", "--set", " = 5"], "--set takes key=value, got \" = 5\""),
        (["run", "3", "--set", "lambda=-1"], "--set lambda=-1: lambda must be at least 0 and at most 100, got -1."),
        (["run", "3", "--set", "filter-init=random"], "filter-init must be one of per-filter, one-draw"),
        (["bench", "--runs", "0"], "--runs must be between 1 and 100, got 0"),
        // Issue 36: a negative number is the option's value, refused by its range (not "Missing value").
        (["run", "2", "--width", "-3"], "--width must be between 20 and 1000 columns, got -3"),
        (["run", "3", "--at", "-1,0"], "--at -1,0: give a row and a column of conv1's output"),
        (["run", "3", "--show-confusion", "-4,9"], "--show-confusion -4,9: give the true digit and the digit it was read as"),
        (["bench", "--data", "/nonexistent"], "/nonexistent"),
    ])
    func badInputGivesOneClearLineAndNonZeroExit(arguments: [String], message: String) throws {
        let r = try runLesson(arguments)
        #expect(r.status != 0)
        #expect(r.stderr.contains(message), "stderr was: \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"))
        #expect(r.stdout.isEmpty)
    }

    @Test func outPointingAtAFileIsRefusedAndNothingIsWritten() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("taken")
        try Data("x".utf8).write(to: file)
        let before = snapshot(dir)
        let r = try runLesson(["run", "2", "--quiet", "--out", file.path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("is a file, not a folder"))
        #expect(snapshot(dir) == before)
    }

    @Test func malformedLessonFileNamesFileAndLine() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bad.md")
        try "# Bad\n\n```settings\nengine: letters\nepochs: 0\n```\n\n## One\n```step\ntrain\n```\n".write(to: path, atomically: true, encoding: .utf8)
        let r = try runLesson(["run", path.path, "--out", dir.appendingPathComponent("o").path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("bad.md:5: epochs must be between 1 and 100000, got 0"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("o").path))
    }

    @Test func helpExistsForEveryCommand() throws {
        for args in [["--help"], ["run", "--help"], ["list", "--help"]] {
            let r = try runLesson(args)
            #expect(r.status == 0 && r.stdout.contains("USAGE"), "\(args)")
        }
    }
}

@Suite(.serialized) struct DigitsCLITests {
    /// A copy of the shipped MNIST folder with one file damaged by `damage`.
    func damagedCopy(_ file: String, _ damage: (inout [UInt8]) -> Void) throws -> URL {
        let dir = try temporaryFolder()
        let source = repositoryRoot.appendingPathComponent("Lessons/data/mnist")
        for f in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            try FileManager.default.copyItem(at: source.appendingPathComponent(f), to: dir.appendingPathComponent(f))
        }
        let u = dir.appendingPathComponent(file)
        var bytes = [UInt8](try Data(contentsOf: u))
        damage(&bytes)
        try FileManager.default.removeItem(at: u)
        try Data(bytes).write(to: u)
        return dir
    }

    @Test(arguments: [
        ("checksum", "train-labels-idx1-ubyte.gz: wrong checksum"),
        ("truncated", "the gzip file is truncated"),
        ("missing folder", "does not exist; pass --data DIR"),
    ])
    func damagedDataGivesOneClearLine(kind: String, message: String) throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        var dataDir: URL
        switch kind {
        case "checksum": dataDir = try damagedCopy("train-labels-idx1-ubyte.gz") { $0[100] ^= 0xFF }
        case "truncated":
            dataDir = try damagedCopy("train-labels-idx1-ubyte.gz") { $0.removeLast($0.count / 2) }
            // Keep the checksum list in step so the gzip reader itself has to notice.
            let u = dataDir.appendingPathComponent("train-labels-idx1-ubyte.gz")
            var sums = try String(contentsOf: dataDir.appendingPathComponent("SHA256SUMS"), encoding: .utf8)
            sums = sums.replacingOccurrences(of: "1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203",
                                             with: Checksum.sha256Hex([UInt8](try Data(contentsOf: u))))
            try sums.write(to: dataDir.appendingPathComponent("SHA256SUMS"), atomically: true, encoding: .utf8)
        default: dataDir = URL(fileURLWithPath: "/nonexistent/mnist")
        }
        let r = try runLesson(["run", "1", "--quiet", "--data", dataDir.path, "--out", out.appendingPathComponent("o").path])
        #expect(r.status == 1)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("o").path), "no output from a failed load")
    }

    @Test func lessonOneIsByteIdenticalTwice() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let args = ["run", "1", "--set", "iterations=30", "--out", dir.path]
        let a = try runLesson(args), b = try runLesson(args)
        #expect(a.status == 0, "\(a.stderr)")
        #expect(a.stdout == b.stdout)
        for text in ["Iteration:  0\n[", "one_hot_Y  shape (10, 1290)", "dW1  shape (10, 784)", "db1  shape ()",
                     "gradient check: corrected gradients pass", "dev accuracy:", "Prediction:  [", "Label:  "] {
            #expect(a.stdout.contains(text), "missing \(text)")
        }
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        #expect(files == ["digits.png", "accuracy.png", "loss.png", "health.png", "confusion.png", "w1.png", "input-gradient.png",
                          "prediction-0.png", "prediction-1.png", "prediction-2.png", "prediction-3.png", "run.json"])
        try expectLessonOnePictures(dir, stdout: a.stdout, iterations: 30)
    }
}

@Suite(.serialized) struct CNNCLITests {
    /// A small, quick configuration of lesson 3 for tests.
    let quick = ["--set", "train-images=1024", "--set", "test-images=256", "--epochs", "1", "--set", "batch=256"]

    @Test func lessonThreeQuickRunIsByteIdenticalAndWritesEveryPicture() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try runLesson(["run", "3"] + quick + ["--out", dir.appendingPathComponent("a").path])
        let b = try runLesson(["run", "3"] + quick + ["--out", dir.appendingPathComponent("b").path])
        #expect(a.status == 0, "\(a.stderr)")
        #expect(a.stdout.replacingOccurrences(of: "/a/", with: "/") == b.stdout.replacingOccurrences(of: "/b/", with: "/"))
        for text in ["── Step 3/25 · conv1, forward", "z[6, 9, 2] = Σ patch ⊙ W[2] + b[2]", "+ b = ", "J = -log ŷ[y]",
                     "δ = ŷ - y", "rot180", "gradient check: pass", "test accuracy:"] {
            #expect(a.stdout.contains(text), "missing: \(text)")
        }
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("a").path))
        for f in ["weights.lnw", "cost.png", "accuracy.png", "confusion.png", "misclassified.png", "conv1-filters-before.png",
                  "conv1-filters-after.png", "conv2-filters-before.png", "conv2-filters-after.png", "conv1-feature-maps.png",
                  "pool1-feature-maps.png", "conv2-feature-maps.png", "conv1-deltas.png", "conv2-deltas.png"] {
            #expect(files.contains(f), "missing \(f)")
        }

        // Trained weights load back and skip training, giving the same test accuracy.
        let w = dir.appendingPathComponent("a/weights.lnw").path
        let c = try runLesson(["run", "3"] + quick + ["--weights", w, "--quiet", "--out", dir.appendingPathComponent("c").path])
        #expect(c.status == 0, "\(c.stderr)")
        #expect(c.stdout.contains("training skipped"))
        let accuracy = { (s: String) in s.split(separator: "\n").first { $0.hasPrefix("test accuracy:") } }
        #expect(accuracy(a.stdout) != nil && accuracy(a.stdout) == accuracy(c.stdout))
        // Every picture shows what it claims, read back pixel by pixel.
        try expectLessonThreePictures(trained: dir.appendingPathComponent("a"), evaluated: dir.appendingPathComponent("c"), testImages: 256)
    }

    /// OpenBLAS picks its kernels by processor (its AVX2 and AVX-512 sgemm kernels add in different
    /// orders), so nothing the trainer computes may go through it; and our own kernels give the same bits
    /// at every vector level. So a seeded quick run writes the same weights.lnw, pinned here by SHA-256,
    /// with the kernels picked, with OpenBLAS's AVX2 kernels and ours at AVX2 (a processor without
    /// AVX-512), and at our baseline level; in float32 and float64. The pin also holds the shard order:
    /// adding a batch's shards in another order changes these bytes (issue 36's suite audit).
    @Test(arguments: [("float32", "888c0e73576b80a3d92bc931576cd51afc5a11c57111026dca840fe5b579b119"),
                      ("float64", "61a99a7892efd936ddddec7ff6db5108e85cd879c8adf1d0403bea21b3b091ba")])
    func lessonThreeTrainsThePinnedBytesOnEveryProcessor(precision: String, sha256: String) throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let levels: [(String, [String: String])] = [
            ("picked", [:]),
            ("avx2", ["OPENBLAS_CORETYPE": "Haswell", "LESSON_KERNEL_LEVEL": "avx2"]),
            ("baseline", ["LESSON_KERNEL_LEVEL": "baseline"]),
        ]
        for (name, environment) in levels {
            let out = dir.appendingPathComponent(name)
            let r = try runLesson(["run", "3", "--from", "train", "--to", "train", "--quiet", "--set", "precision=\(precision)"] + quick + ["--out", out.path],
                                  environment: environment)
            #expect(r.status == 0, "\(r.stderr)")
            let bytes = [UInt8](try Data(contentsOf: out.appendingPathComponent("weights.lnw")))
            #expect(Checksum.sha256Hex(bytes) == sha256, "\(precision), kernels \(name)")
        }
    }

    @Test func weightsFileProblemsAreOneClearLine() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let junk = dir.appendingPathComponent("junk.lnw")
        try Data("not weights at all".utf8).write(to: junk)
        let missing = try runLesson(["run", "3", "--weights", dir.appendingPathComponent("none.lnw").path, "--out", dir.appendingPathComponent("o").path])
        #expect(missing.status == 1 && missing.stderr.contains("none.lnw: no such file"))
        let wrong = try runLesson(["run", "3", "--quiet", "--set", "train-images=64", "--set", "test-images=64", "--weights", junk.path, "--out", dir.appendingPathComponent("o").path])
        #expect(wrong.status == 1 && wrong.stderr.contains("not a lesson weights file"), "\(wrong.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("o/weights.lnw").path))
    }

    @Test func networkThatDoesNotFitNamesTheLayerAndLine() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = try String(contentsOf: repositoryRoot.appendingPathComponent("Lessons/03-cnn.md"), encoding: .utf8)
        text = text.replacingOccurrences(of: "conv2:   conv f=5 out=16", with: "conv2:   conv f=15 out=16")
        let path = dir.appendingPathComponent("bad-cnn.md")
        try text.write(to: path, atomically: true, encoding: .utf8)
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("conv2:") }! + 1
        let r = try runLesson(["run", path.path, "--out", dir.appendingPathComponent("o").path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("bad-cnn.md:\(line): layer conv2: a 15×15 kernel with padding 0 does not fit its 13×13 input"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }
}
