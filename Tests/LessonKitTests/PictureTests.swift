// Every kind of picture the lessons draw, decoded and read back: digit grids, learned weights,
// filters, feature maps, δ maps, curves and confusion matrices must show the values they claim,
// which each check computes on its own (from the data, run.json, or the run's weights file).
import Foundation
import Testing
@testable import LessonKit
import Datasets
import Network
import Numerics
import Rendering

/// Lesson 1's pictures from a run of `lesson run 1 --set iterations=N` (tutorial gradients, seed 0).
func expectLessonOnePictures(_ folder: URL, stdout: String, iterations: Int) throws {
    var rng = RandomState(seed: 0)
    let d = try DigitsData.prepare(directory: repositoryRoot.appendingPathComponent("Lessons/data/mnist"), full: false,
                                   rows: 2290, devRows: 1000, rng: &rng)
    var net = TwoLayerNetwork(inputs: 784, hidden: 10, outputs: 10, rng: &rng)
    _ = net.gradientDescent(d.xTrain, labels: d.yTrain, rule: .tutorial(m: 2290), learningRate: 0.1, iterations: iterations, logEvery: 10)
    let column = { (j: Int) in (0..<784).map { d.xTrain[$0, j] } }

    // The first 40 training digits: each pixel drawn as its own grey, 0...1 → 0...255.
    let digits = ImageGrid(title: "t", tiles: tiles((0..<40).map(column), width: 28, height: 28) { "\(d.yTrain[$0])" },
                           columns: 10, scale: 3, colormap: .gray, range: 0...1)
    expectTiles(try PNGFile.read(folder.appendingPathComponent("digits.png")), digits, "digits.png")
    for k in 0..<4 {
        var one = ImageGrid(title: "", tiles: tiles([column(k)], width: 28, height: 28) { _ in "p" }, columns: 1, scale: 10,
                            colormap: .gray, range: 0...1)
        one.captionSize = 20
        expectTiles(try PNGFile.read(folder.appendingPathComponent("prediction-\(k).png")), one, "prediction-\(k).png")
    }

    // W1 after training, one 28 × 28 tile per hidden unit, on one scale symmetric around 0.
    // Pixels 0 in every training image never received a gradient: hatched, and left out of the scale.
    let n = d.xTrain.shape[1]
    let neverLit = (0..<784).map { j in (0..<n).allSatisfy { d.xTrain.storage[j * n + $0] == 0 } }
    #expect(neverLit.filter { $0 }.count > 50, "MNIST's border pixels are blank in every image")
    var w1Tiles = tiles((0..<10).map { Array(net.W1.row($0).storage) }, width: 28, height: 28) { "unit \($0)" }
    for k in w1Tiles.indices { w1Tiles[k].hatched = neverLit }
    var w1 = ImageGrid(title: "t", tiles: w1Tiles, columns: 5, scale: 6, colormap: .diverging)
    let bound = (0..<10).flatMap { u in (0..<784).filter { !neverLit[$0] }.map { abs(net.W1.storage[u * 784 + $0]) } }.max()!
    w1.range = -bound...bound
    expectTiles(try PNGFile.read(folder.appendingPathComponent("w1.png")), w1, "w1.png")

    // The confusion matrix: the printed table holds the counts of the dev predictions, and each cell's colour says its count.
    let predictions = TwoLayerNetwork.predictions(net.forward(d.xDev, rule: .tutorial(m: 2290)).A2)
    var counts = [[Double]](repeating: [Double](repeating: 0, count: 10), count: 10)
    for (p, y) in zip(predictions, d.yDev) { counts[y][p] += 1 }
    let lines = stdout.split(separator: "\n")
    let header = try #require(lines.firstIndex { $0.hasPrefix("confusion matrix (rows: true digit") })
    let printed = lines[(header + 2)..<(header + 12)].map { $0.split(separator: " ").dropFirst().map { Double($0)! } }
    #expect(printed == counts, "the printed confusion matrix counts the dev predictions")
    var map = Heatmap(title: "t", values: counts)
    map.colormap = .blues; map.centredOnZero = false; map.cellSize = 52; map.rowAxisTitle = "r"; map.columnAxisTitle = "c"; map.logScale = true
    expectCells(try PNGFile.read(folder.appendingPathComponent("confusion.png")), map, "confusion.png")

    // The curves pass through every logged figure of run.json.
    let figures = try runFigures(folder)
    #expect(figures.count == iterations)
    let its = figures.map { $0["iteration"]! }
    let accuracy = LinePlot(title: "t", xLabel: "x", yLabel: "y", series: [Series(name: "s", x: its, y: figures.map { $0["train_accuracy"]! })], yRange: 0...1)
    expectCurve(try PNGFile.read(folder.appendingPathComponent("accuracy.png")), accuracy, series: 0, "accuracy.png")
    let loss = LinePlot(title: "t", xLabel: "x", yLabel: "y", series: [Series(name: "s", x: its, y: figures.map { $0["loss"]! })])
    expectCurve(try PNGFile.read(folder.appendingPathComponent("loss.png")), loss, series: 0, "loss.png")
}

/// Lesson 3's pictures. `trained` is a run folder with weights.lnw and every picture; `evaluated` a
/// `--weights` run of the same settings (its evaluation is in float64, which the check repeats).
func expectLessonThreePictures(trained: URL, evaluated: URL, testImages: Int) throws {
    let specs = try tutorialSpecs()
    var rng = RandomState(seed: 0)
    let initial = try CNN(specs: specs, inputShape: [28, 28, 1], seed: 100, rng: &rng)
    var net = initial
    net.parameters = try WeightsFile.decode([UInt8](try Data(contentsOf: trained.appendingPathComponent("weights.lnw"))), for: initial, name: "weights.lnw")
    let (te, _) = try MNIST.load(.test, from: repositoryRoot.appendingPathComponent("Lessons/data/mnist"))
    let part = te.prefix(testImages)
    let test = ImageSet(pixels: part.pixels, labels: part.labels.map(Int.init), height: 28, width: 28)

    // Filters before (the seeded initialisation) and after (the weights file): one tile per (filter, input
    // channel), each bank on a scale symmetric around 0 that fits its own weights; the two pictures keep
    // the same size (each reserves room for the other's title).
    for (i, layer) in initial.layers.enumerated() {
        guard layer is Conv2D else { continue }
        var sizes = [String: (Int, Int)]()
        for (state, network) in [("before", initial), ("after", net)] {
            guard case let c as Conv2D = network.layers[i] else { continue }
            // Each bank on its own scale: ± its largest |w|, so its picture spans the whole colour range.
            let bound = c.weights.storage.map(abs).max()!
            let values = (0..<c.outChannels).flatMap { co in
                (0..<c.inChannels).map { ci in (0..<(c.f * c.f)).map { k in c.weights.storage[(co * c.f * c.f + k) * c.inChannels + ci] } }
            }
            var grid = ImageGrid(title: "t", tiles: tiles(values, width: c.f, height: c.f) { c.inChannels == 1 ? "filter \($0)" : "" },
                                 columns: c.inChannels == 1 ? min(10, c.outChannels) : c.inChannels, scale: c.f <= 3 ? 24 : 10, colormap: .diverging,
                                 range: -bound...bound)
            if c.inChannels > 1 {  // labelled: output filter by row, input channel by column
                grid.rowLabels = (0..<c.outChannels).map(String.init); grid.columnLabels = (0..<c.inChannels).map(String.init)
                grid.rowAxisTitle = "r"; grid.columnAxisTitle = "c"
            }
            let name = "\(specs[i].name)-filters-\(state).png"
            let picture = try PNGFile.read(trained.appendingPathComponent(name))
            expectTiles(picture, grid, name)
            sizes[state] = (picture.width, picture.height)
        }
        #expect(sizes["before"]! == sizes["after"]!, "\(specs[i].name): before and after decode to the same size")
    }

    // The traced digit: each pixel its MNIST byte / 255.
    var digit = ImageGrid(title: "t", tiles: tiles([test.batch([0][...]).storage], width: 28, height: 28) { _ in "p" }, columns: 1, scale: 10,
                          colormap: .gray, range: 0...1)
    digit.showColorBar = true
    expectTiles(try PNGFile.read(trained.appendingPathComponent("traced-digit.png")), digit, "traced-digit.png")

    // Feature maps and δ maps of the traced test image (0) through the trained network.
    let x = test.batch([0][...])
    let pass = net.forward(x)
    let back = net.backward(pass, labels: [test.labels[0]])
    func channels(_ t: Tensor<Double>) -> [[Double]] {
        (0..<t.shape[3]).map { ch in stride(from: ch, to: t.count, by: t.shape[3]).map { t.storage[$0] } }
    }
    for (i, s) in specs.enumerated() {
        let isConv: Bool
        switch s.kind { case is ConvKind: isConv = true; case is MaxPool2D: isConv = false; default: continue }
        let reluNext = i + 1 < specs.count && specs[i + 1].kind is ReLU
        let out = isConv && reluNext ? pass.outputs[i + 1] : pass.outputs[i]
        let (h, w) = (out.shape[1], out.shape[2])
        let maps = ImageGrid(title: "t", tiles: tiles(channels(out), width: w, height: h) { "channel \($0)" }, columns: 8,
                             scale: max(4, 120 / h), colormap: .sequential)
        expectTiles(try PNGFile.read(trained.appendingPathComponent("\(s.name)-feature-maps.png")), maps, "\(s.name)-feature-maps.png")
        if isConv, let d = back.deltaOut[i] {
            var deltas = ImageGrid(title: "t", tiles: tiles(channels(d), width: w, height: h) { "channel \($0)" }, columns: 8,
                                   scale: max(4, 120 / h), colormap: .diverging)
            deltas.centredOnZero = true
            expectTiles(try PNGFile.read(trained.appendingPathComponent("\(s.name)-deltas.png")), deltas, "\(s.name)-deltas.png")
        }
    }

    // Curves: the points of run.json's epochs.
    let figures = try runFigures(trained)
    let record = try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: trained.appendingPathComponent("run.json")))
    let batches = try #require(record.summary.batches)
    let costs = figures.map { $0["cost"]! }, losses = batches.map { $0["loss"]! }
    var cost = LinePlot(title: "t", xLabel: "x", yLabel: "y", series: [Series(name: "s", y: costs), Series(name: "b", x: batches.map { $0["x"]! }, y: losses)],
                        yRange: 0...((costs + losses).max()! * 1.05))
    cost.wholeXTicks = true; cost.xRange = 0...Double(max(1, figures.count))
    expectCurve(try PNGFile.read(trained.appendingPathComponent("cost.png")), cost, series: 0, "cost.png")
    expectCurve(try PNGFile.read(trained.appendingPathComponent("cost.png")), cost, series: 1, "cost.png per batch")
    let percents = figures.flatMap { [100 * $0["train_accuracy"]!, 100 * $0["test_accuracy"]!] }
    let pad = max(0.5, (percents.max()! - percents.min()!) * 0.1)
    var accuracy = LinePlot(title: "t", xLabel: "x", yLabel: "y", series: [Series(name: "train", y: figures.map { 100 * $0["train_accuracy"]! }),
                                                                            Series(name: "test", y: figures.map { 100 * $0["test_accuracy"]! })],
                            yRange: max(0, percents.min()! - pad)...min(100, percents.max()! + pad))
    accuracy.wholeXTicks = true; accuracy.xRange = 0...Double(max(1, figures.count))
    let accuracyPicture = try PNGFile.read(trained.appendingPathComponent("accuracy.png"))
    expectCurve(accuracyPicture, accuracy, series: 0, "accuracy.png, train")
    expectCurve(accuracyPicture, accuracy, series: 1, "accuracy.png, test")

    // The float64 evaluation: the confusion matrix's cells and the misclassified digits.
    let predictions = net.evaluate(test).predictions
    var counts = [[Double]](repeating: [Double](repeating: 0, count: 10), count: 10)
    for (p, y) in zip(predictions, test.labels) { counts[y][p] += 1 }
    var map = Heatmap(title: "t", values: counts)
    map.colormap = .blues; map.centredOnZero = false; map.cellSize = 56; map.rowAxisTitle = "r"; map.columnAxisTitle = "c"; map.logScale = true
    expectCells(try PNGFile.read(evaluated.appendingPathComponent("confusion.png")), map, "confusion.png")
    // The misread digits, most confidently misread first as run.json lists them: the same digits the
    // evaluation got wrong, the first 40 drawn in that order.
    let wrongSet = Set(predictions.indices.filter { predictions[$0] != test.labels[$0] })
    try #require(!wrongSet.isEmpty, "a one-epoch network misreads some digit")
    let listed = try #require(record.summary.misread).map { Int($0["index"]!) }
    #expect(Set(listed) == wrongSet && listed.count == wrongSet.count)
    let wrong = listed.prefix(40)
    var misread = ImageGrid(title: "t", tiles: tiles(wrong.map { test.batch([$0][...]).storage }, width: 28, height: 28) { _ in "c" },
                            columns: 8, scale: 5, colormap: .gray, range: 0...1)
    misread.captionSize = 14
    expectTiles(try PNGFile.read(evaluated.appendingPathComponent("misclassified.png")), misread, "misclassified.png")
}
