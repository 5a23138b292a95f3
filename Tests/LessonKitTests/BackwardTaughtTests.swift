// Issue 30: the backward pass carried to the pixels (∂J/∂x against PyTorch autograd and numpy), the
// step-through of the trained network, and --full's whole weight-gradient banks.
import Foundation
@testable import LessonKit
import Testing
import TestSupport

/// A run's run.json from its output folder.
func runRecord(_ dir: URL) throws -> RunRecord {
    try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: dir.appendingPathComponent("run.json")))
}

/// The values of the quantity `name` the run showed in step `step`.
func shownValues(_ record: RunRecord, step: String, name: String) throws -> [Double] {
    let q = try #require(record.quantities?.first { $0.step == step && $0.name == name },
                         "no \(name) in step \(step): \(record.quantities?.map { "\($0.step)/\($0.name)" } ?? [])")
    return try #require(q.values, "\(name) has no values in run.json")
}

struct InputGradientFixture: Decodable {
    struct Case: Decodable { let dx: [String] }
    let cnn: Case, digits: Case, letters: Case
}

@Suite(.serialized) struct BackwardTaughtTests {
    /// ∂J/∂x of lesson 3's test image 0 at the initial weights equals PyTorch float64 autograd; lessons 1
    /// and 2's equal numpy's W1ᵀ · dZ1[:, 0] and d1 · w1ᵀ (Tests/make_input_gradient_fixture.py).
    @Test(arguments: [("3", "dx"), ("1", "dX[:, 0]"), ("2", "dx")])
    func theErrorAtThePixelsEqualsTheReference(lesson: String, name: String) throws {
        let fixture = try loadJSON("input_gradients.json", as: InputGradientFixture.self)
        let expected = (lesson == "3" ? fixture.cnn : lesson == "1" ? fixture.digits : fixture.letters).dx.map { Double($0)! }
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Lesson 3 has a step of its own after conv1's backward; lessons 1 and 2 show it in their backward step.
        let step = lesson == "3" ? "input-gradient" : "backward-first"
        let r = try runLesson(["run", lesson, "--from", step, "--to", step, "--out", dir.path, "--no-color"])
        #expect(r.status == 0, "\(r.stderr)")
        let record = try runRecord(dir)
        let got = try shownValues(record, step: step, name: name)
        #expect(got.count == expected.count)
        let scale = expected.map(abs).max()!
        let worst = zip(got, expected).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-10 * scale, "lesson \(lesson): largest difference \(worst) (scale \(scale))")
        // The step draws it beside the input, on the terminal and as a PNG.
        #expect(r.stdout.contains("+") && r.stdout.contains("-"), "no signed picture:\n\(r.stdout)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("input-gradient\(lesson == "3" ? "-initial" : "").png").path))
    }

    /// With --pretrained the step-through follows the trained network: traced on the digit the fast path
    /// misreads most confidently, its softmax picks what the fast path predicted, with the confidence
    /// the evaluation listed.
    @Test func thePretrainedStepThroughIsTheTrainedNetwork() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let evaluation = try runLesson(["run", "3", "--pretrained", "--from", "evaluate", "--to", "evaluate", "--out", dir.path])
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        let misread = try #require(try runRecord(dir).summary.misread)
        #expect(misread.count == 150, "the shipped weights misread 150 of 10,000")
        #expect(zip(misread, misread.dropFirst()).allSatisfy { $0["confidence"]! >= $1["confidence"]! }, "most confident first")
        let worst = misread[0]
        let index = Int(worst["index"]!), predicted = Int(worst["predicted"]!), label = Int(worst["true"]!)
        #expect(evaluation.stdout.contains("--set trace-image=\(index)"), "\(evaluation.stdout)")

        let traced = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: traced) }
        let r = try runLesson(["run", "3", "--pretrained", "--set", "trace-image=\(index)", "--to", "loss", "--out", traced.path, "--no-color"])
        #expect(r.status == 0, "\(r.stderr)")
        let p = try shownValues(try runRecord(traced), step: "loss", name: "ŷ")
        #expect(p.indices.max { p[$0] < p[$1] } == predicted, "step-through softmax \(p) vs the fast path's prediction \(predicted)")
        #expect(abs(p[predicted] - worst["confidence"]!) < 1e-9, "\(p[predicted]) vs \(worst["confidence"]!)")
        #expect(r.stdout.contains("label y = \(label); prediction = argmax ŷ = \(predicted)"), "\(r.stdout)")
        #expect(r.stdout.contains("the shipped 50-epoch weights (03-cnn.lnw)"), "\(r.stdout)")
        #expect(FileManager.default.fileExists(atPath: traced.appendingPathComponent("conv1-feature-maps-loaded.png").path))
    }

    /// `--full` prints conv1's and conv2's whole weight-gradient banks, every value as run.json holds it;
    /// without --full they are in run.json only.
    @Test func fullPrintsEveryConvWeightGradient() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runLesson(["run", "3", "--to", "conv1.backward", "--full", "--no-color", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let record = try runRecord(dir)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        for (step, shape) in [("conv2.backward", "(16, 5, 5, 10)"), ("conv1.backward", "(10, 3, 3, 1)")] {
            let expected = try shownValues(record, step: step, name: "dW")
            let start = try #require(lines.firstIndex { $0.hasPrefix("dW  shape \(shape)") }, "no whole dW bank \(shape)")
            // The array's text: from the line after the header to the closing brackets.
            var text = ""
            for line in lines[(start + 1)...] {
                text += line + " "
                if line.hasSuffix("]]]]") { break }
            }
            let printed = text.split { " []\n".contains($0) }.compactMap { Double($0) }
            #expect(printed.count == expected.count, "\(step): \(printed.count) values printed of \(expected.count)")
            let worst = zip(printed, expected).map { abs($0 - $1) / max(1e-12, abs($1)) }.max() ?? 1
            #expect(worst < 1e-7, "\(step): printed dW differs by \(worst)")
        }
        let quick = try runLesson(["run", "3", "--to", "conv1.backward", "--no-color", "--out", dir.path])
        #expect(!quick.stdout.contains("dW  shape (16, 5, 5, 10)") && quick.stdout.contains("dW[11]  shape (5, 5, 10)"), "\(quick.stdout)")
    }

    /// One story: with --at/--channel on conv1, pool1 works the window holding that place, conv2 an
    /// output whose patch covers the pooled pixel, conv2's backward the weight joining the two and the
    /// pooled pixel's δ_in, pool1 routes that error, conv1's backward works the same channel; every map
    /// is printed at the channel worked on. `--at conv2:i,j` anchors conv2.
    @Test func theWorkedPlacesFollowOnePath() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try runLesson(["run", "3", "--to", "conv1.backward", "--at", "14,18", "--channel", "3", "--no-color", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let record = try runRecord(dir)
        let sums = try #require(record.sums)
        func sum(_ step: String) throws -> ShownSum { try #require(sums.first { $0.step == step }, "no worked sum in \(step)") }
        #expect(try sum("conv1.forward").index == [14, 18, 3])
        let (py, px) = (14 / 2, 18 / 2)
        #expect(r.stdout.contains("the window holding conv1's worked z[14, 18, 3]"), "\(r.stdout)")
        let conv2 = try sum("conv2.forward")
        let (oy, ox, k) = (conv2.index[0], conv2.index[1], conv2.index[2])
        #expect((0..<5).contains(py - oy) && (0..<5).contains(px - ox), "conv2's z\(conv2.index) covers pool1's [\(py), \(px)]")
        let conv2Back = sums.filter { $0.step == "conv2.backward" }
        #expect(conv2Back.count == 2)
        #expect(conv2Back[0].name == "dW[\(k)]" && conv2Back[0].index == [py - oy, px - ox, 3], "\(conv2Back[0].name)\(conv2Back[0].index)")
        #expect(conv2Back[1].name == "δ_in" && conv2Back[1].index == [py, px, 3])
        #expect(r.stdout.contains("on the path: δ_out[\(py), \(px), 3]"), "\(r.stdout)")
        #expect(try sum("conv1.backward").name == "dW[3]")
        // Each map at the path's channel: conv2's δ at k, the δ_in and routed δ and conv1's δ at 3.
        func shownChannel(_ step: String, _ name: String) -> Int? {
            guard let q = record.quantities?.first(where: { $0.step == step && $0.name == name }), let summary = q.summary,
                  summary.hasPrefix("channel ") else { return nil }
            return Int(summary.dropFirst("channel ".count).prefix { $0.isNumber })
        }
        #expect(shownChannel("conv1.forward", "z") == 3 && shownChannel("pool1.forward", "pooled") == 3)
        #expect(shownChannel("conv2.forward", "z") == k && shownChannel("conv2.backward", "δ") == k)
        #expect(shownChannel("conv2.backward", "δ_in") == 3 && shownChannel("pool1.backward", "δ_in") == 3 && shownChannel("conv1.backward", "δ") == 3)
        // The window around each worked element, as a numpy slice.
        #expect(r.stdout.contains("z[12:17, 16:21, 3], around z[14, 18, 3] (marked *):"), "\(r.stdout)")

        let anchored = try runLesson(["run", "3", "--stop-at", "conv2.forward", "--at", "conv2:3,5", "--out", dir.appendingPathComponent("b").path])
        #expect(anchored.status == 0, "\(anchored.stderr)")
        let anchoredSum = try #require(try runRecord(dir.appendingPathComponent("b")).sums?.first)
        #expect(Array(anchoredSum.index.prefix(2)) == [3, 5], "\(anchoredSum.index)")
        let bad = try runLesson(["run", "3", "--at", "dense1:3,5", "--out", dir.appendingPathComponent("c").path])
        #expect(bad.status == 1 && bad.stderr.contains("dense1 is not a conv layer of this network; use one of conv1, conv2"), "\(bad.stderr)")
        for text in [":3,4", "conv2:", "conv2:3,5,6", "conv1:-1,2"] {
            let r = try runLesson(["run", "3", "--at", text, "--out", dir.appendingPathComponent("c").path])
            #expect(r.status == 1 && r.stderr.hasPrefix("lesson: error: --at \(text): give ") && r.stdout.isEmpty, "\(text): \(r.stderr)")
        }
    }

    /// The window's mark lands on the worked element when numpy wraps a row over two lines.
    @Test func theWindowMarksTheWorkedElementOnWrappedRows() {
        let lines = ["[[ 1.0e-07  2.0e-07", "   3.0e-07]", " [ 4.0e-07  5.0e-07", "   6.0e-07]]"]
        #expect(TerminalView.mark(lines, row: 1, token: 2) == ["[[ 1.0e-07  2.0e-07", "   3.0e-07]", " [ 4.0e-07  5.0e-07", "   6.0e-07*]]"])
        #expect(TerminalView.mark(lines, row: 0, token: 0) == ["[[ 1.0e-07* 2.0e-07", "   3.0e-07]", " [ 4.0e-07  5.0e-07", "   6.0e-07]]"])
    }
}
