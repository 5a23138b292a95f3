// Issue 15, items 3 (curves that show a short run) and the confusion matrix's scale.
import Foundation
import Testing
@testable import LessonKit
import Rendering

@Suite(.serialized) struct ShortRunPictureTests {
    /// One epoch still draws a curve: the loss of every mini-batch, on a cost axis from 0.
    @Test func aOneEpochCostCurveHasAPointPerBatchAndNoNegativeAxis() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 2,000 images in batches of 16: 125 mini-batches, as many as a 60,000-image epoch has at 512.
        let r = try runLesson(["run", "3", "--epochs", "1", "--set", "train-images=2000", "--set", "test-images=500", "--set", "batch=16",
                               "--from", "train", "--to", "plot-cost", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let record = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: dir.appendingPathComponent("run.json")))
        let batches = try #require(record.summary.batches)
        #expect(batches.count >= 100, "\(batches.count) plotted points")
        let xs = batches.map { $0["x"]! }, losses = batches.map { $0["loss"]! }
        let cost = record.summary.epochs.map { $0["cost"]! }
        var plot = LinePlot(title: "t", xLabel: "x", yLabel: "y",
                            series: [Series(name: "a", y: cost), Series(name: "b", x: xs, y: losses)],
                            yRange: 0...((cost + losses).max()! * 1.05))
        plot.wholeXTicks = true
        plot.xRange = 0...1
        #expect(plot.frame.y.lowerBound == 0 && plot.frame.yTicks.allSatisfy { $0 >= 0 }, "the cost axis starts at 0")
        #expect(plot.frame.xTicks == [0, 1], "epoch ticks are whole numbers: \(plot.frame.xTicks)")
        // The thin line passes through every batch's loss in the picture itself.
        expectCurve(try PNGFile.read(dir.appendingPathComponent("cost.png")), plot, series: 1, "cost.png (per batch)")
        expectCurve(try PNGFile.read(dir.appendingPathComponent("cost.png")), plot, series: 0, "cost.png (per epoch)")

        // accuracy.png: each mini-batch's accuracy as a line (not two lone dots), ending near the epoch's.
        let accuracies = try batches.map { try #require($0["accuracy"], "run.json keeps each batch's accuracy") * 100 }
        #expect(accuracies.count >= 50 && accuracies.allSatisfy { (0...100).contains($0) })
        let train = record.summary.epochs.map { $0["train_accuracy"]! * 100 }, test = record.summary.epochs.map { $0["test_accuracy"]! * 100 }
        let all = train + test + accuracies, pad = max(0.5, (all.max()! - all.min()!) * 0.1)
        var accuracy = LinePlot(title: "t", xLabel: "x", yLabel: "y",
                                series: [Series(name: "a", y: train), Series(name: "b", y: test), Series(name: "c", x: xs, y: accuracies)],
                                yRange: max(0, all.min()! - pad)...min(100, all.max()! + pad))
        accuracy.wholeXTicks = true
        accuracy.xRange = 0...1
        expectCurve(try PNGFile.read(dir.appendingPathComponent("accuracy.png")), accuracy, series: 2, "accuracy.png (per batch)")
        #expect(abs(accuracies.suffix(20).reduce(0, +) / 20 - train[0]) < 15, "the last batches' accuracy is near the epoch's: \(accuracies.suffix(20)) \(train)")
    }
}
