// Lesson 1's steps: MNIST digits, the 784-10-10 network, iteration 0 forward and backward in full,
// gradient checks, the tutorial's training log, dev accuracy, confusion matrix and pictures.
import Datasets
import Foundation
import Network
import Numerics
import Rendering

public final class DigitsEngine: LessonEngine {
    public static let name = "mnist-dense"
    public static let settingSpecs: [SettingSpec] = [
        SettingSpec("seed", .integer(0...Int(UInt32.max)), default: "0", "seed for np.random.seed"),
        SettingSpec("dataset", .choice(["subset", "full"]), default: "subset", "subset: the tutorial's first rows; full: 60,000 train and 10,000 test"),
        SettingSpec("rows", .integer(2...60_000), default: "2290", "training images loaded in subset mode"),
        SettingSpec("dev-rows", .integer(1...59_999), default: "1000", "of those, held out as the dev set"),
        SettingSpec("hidden", .integer(1...1000), default: "10", "hidden units"),
        SettingSpec("learning-rate", .number(above: 0, max: 100), default: "0.1", "alpha"),
        SettingSpec("iterations", .integer(1...1_000_000), default: "500", "full-batch gradient descent steps"),
        SettingSpec("log-every", .integer(1...1_000_000), default: "10", "print the training log every N iterations"),
        SettingSpec("gradients", .choice(["tutorial", "corrected"]), default: "tutorial", "tutorial: its quirks kept; corrected: true gradients"),
    ]
    public static let actions: [ActionSpec] = [
        ActionSpec("load-data", "load, verify, shuffle and split the digits; show a few"),
        ActionSpec("init-params", "W1, b1, W2, b2 = rand(...) - 0.5"),
        ActionSpec("forward-first", "iteration 0 forward: Z1, A1, Z2, A2"),
        ActionSpec("backward-first", "iteration 0 backward and update: one_hot_Y, dZ2, dW2, db2, dZ1, dW1, db1"),
        ActionSpec("gradient-check", "numerical against analytic gradients, corrected and tutorial"),
        ActionSpec("train", "gradient descent with the tutorial's log every 10 iterations"),
        ActionSpec("plot-curves", "accuracy and loss per iteration as PNG"),
        ActionSpec("evaluate", "dev (or test) accuracy and the confusion matrix"),
        ActionSpec("show-weights", "the rows of W1 as 28 × 28 pictures"),
        ActionSpec("test-predictions", "four training images with prediction and label"),
    ]

    public static func instead(of key: String) -> String? {
        switch key {
        case "epochs": return "lesson 1 trains by full-batch iterations: --set iterations=N"
        default: return nil
        }
    }

    let context: LessonContext
    var printer: Printer { context.printer }
    let settings: LessonSettings
    var rng: RandomState
    var data: DigitsData?
    var initial: TwoLayerNetwork?
    var trained: TwoLayerNetwork?
    var records: [TwoLayerNetwork.IterationRecord] = []
    var evaluatedAccuracy: Double?

    public func summary() -> RunSummary {
        var r = RunSummary()
        r.epochs = records.map { ["iteration": Double($0.iteration), "loss": $0.loss, "train_accuracy": $0.accuracy] }
        if let last = records.last { r.final["loss"] = last.loss; r.final["train_accuracy"] = last.accuracy }
        if let evaluatedAccuracy { r.final["dev_accuracy"] = evaluatedAccuracy }
        return r
    }

    public required init(context: LessonContext) throws {
        self.context = context
        settings = context.settings
        rng = RandomState(seed: UInt32(settings.int("seed")))
        if settings.string("dataset") == "subset" && settings.int("dev-rows") >= settings.int("rows") {
            throw LessonError("dev-rows (\(settings.int("dev-rows"))) must be smaller than rows (\(settings.int("rows"))) so some rows are left to train on.")
        }
    }

    var corrected: Bool { settings.string("gradients") == "corrected" }

    /// The tutorial's rule needs its m: the number of rows loaded, known once the data is.
    var gradientRule: TwoLayerNetwork.GradientRule {
        corrected ? .corrected : .tutorial(m: data!.rowsLoaded)
    }

    func ensureData() throws -> DigitsData {
        if let data { return data }
        let d = try DigitsData.prepare(directory: context.mnistDirectory, full: settings.string("dataset") == "full",
                                       rows: settings.int("rows"), devRows: settings.int("dev-rows"), rng: &rng)
        data = d
        return d
    }

    func ensureInitial() throws -> TwoLayerNetwork {
        if let initial { return initial }
        _ = try ensureData()  // the tutorial draws the weights after the shuffle, from the same stream
        let net = TwoLayerNetwork(inputs: 784, hidden: settings.int("hidden"), outputs: 10, rng: &rng)
        initial = net
        return net
    }

    public func perform(_ step: LessonStep) throws {
        switch step.action {
        case "load-data": try loadData()
        case "init-params": try initParams()
        case "forward-first": try forwardFirst()
        case "backward-first": try backwardFirst()
        case "gradient-check": try gradientCheck()
        case "train": try train()
        case "plot-curves": try plotCurves()
        case "evaluate": try evaluate()
        case "show-weights": try showWeights()
        case "test-predictions": try testPredictions()
        default: preconditionFailure("action \(step.action) was checked when the file was read")
        }
    }

    // MARK: Steps

    func loadData() throws {
        let d = try ensureData()
        let full = settings.string("dataset") == "full"
        printer.line("data folder: \(printer.relativePath(context.mnistDirectory))" + (d.verified ? " (SHA-256 checksums verified)" : " (no SHA256SUMS there: checksums not verified)"))
        if full {
            printer.line("data.shape = (\(d.rowsLoaded), 785): all training images, label + 784 pixels per row")
            printer.line("np.random.shuffle(data) with seed \(settings.int("seed")); all \(d.rowsLoaded) rows train, the \(NumberText.count(d.yDev.count, "test image")) evaluate")
        } else {
            printer.line("data.shape = (\(d.rowsLoaded), 785): the first \(d.rowsLoaded) training images, label + 784 pixels per row")
            printer.line("np.random.shuffle(data) with seed \(settings.int("seed")); rows 0..<\(settings.int("dev-rows")) → dev, the other \(d.yTrain.count) → train")
        }
        printer.quantity("Y_train", Tensor<Double>(shape: [d.yTrain.count], storage: d.yTrain.map(Double.init)), formula: "data_train[0]: the labels")
        printer.quantity("X_train", d.xTrain, formula: "data_train[1:n] / 255: one image per column")
        printer.line("X_dev: (\(d.xDev.shape[0]), \(d.xDev.shape[1]))  Y_dev: (\(d.yDev.count),)")
        let show = min(4, d.yTrain.count)
        printer.picture(TerminalPicture.row((0..<show).map { j in (0..<784).map { d.xTrain[$0, j] } }, width: 28, height: 28,
                                            captions: (0..<show).map { "label \(d.yTrain[$0])" }, color: printer.color))
        let tiles = (0..<min(40, d.yTrain.count)).map { j in
            Tile(width: 28, height: 28, values: (0..<784).map { d.xTrain[$0, j] }, caption: "\(d.yTrain[j])")
        }
        try context.writePNG(ImageGrid(title: "The first \(tiles.count) training digits and their labels", tiles: tiles, columns: 10, scale: 3,
                               colormap: .gray, range: 0...1).render(), "digits.png")
    }

    func initParams() throws {
        let net = try ensureInitial()
        printer.quantity("W1", net.W1, formula: "W1 = np.random.rand(10, 784) - 0.5")
        printer.quantity("b1", net.b1, formula: "b1 = np.random.rand(10, 1) - 0.5")
        printer.quantity("W2", net.W2, formula: "W2 = np.random.rand(10, 10) - 0.5")
        printer.quantity("b2", net.b2, formula: "b2 = np.random.rand(10, 1) - 0.5")
    }

    func forwardFirst() throws {
        let d = try ensureData()
        let net = try ensureInitial()
        let f = net.forward(d.xTrain, rule: gradientRule)
        printer.quantity("X", f.X, formula: "X_train: 784 pixels × \(d.yTrain.count) images")
        printer.quantity("Z1", f.Z1, formula: "Z1 = W1 · X + b1   (b1 added to every column)")
        printer.quantity("A1", f.A1, formula: "A1 = ReLU(Z1) = max(Z1, 0)")
        printer.quantity("Z2", f.Z2, formula: "Z2 = W2 · A1 + b2")
        printer.quantity("A2", f.A2, formula: "A2 = softmax(Z2) = exp(Z2) / Σ_rows exp(Z2)")
        if !corrected {
            printer.note("the tutorial's softmax does not subtract each column's maximum before exp. Here Z2 stays small so nothing overflows and the values are the same; with larger weights exp would overflow to inf and A2 would be nan. The corrected mode subtracts the maximum.")
        }
    }

    func backwardFirst() throws {
        let d = try ensureData()
        var net = try ensureInitial()
        let f = net.forward(d.xTrain, rule: gradientRule)
        let g = net.backward(f, labels: d.yTrain, rule: gradientRule)
        let m = corrected ? d.yTrain.count : d.rowsLoaded
        // The tutorial's one_hot ends in .astype(int): numpy prints it as integers.
        printer.quantity("one_hot_Y", ints: g.oneHotY.storage.map { Int($0) }, shape: g.oneHotY.shape, formula: "one_hot_Y[Y[j], j] = 1")
        printer.quantity("dZ2", g.dZ2, formula: "dZ2 = A2 - one_hot_Y")
        printer.quantity("dW2", g.dW2, formula: "dW2 = 1/m · dZ2 · A1ᵀ   (m = \(m))")
        if !corrected {
            printer.note("the tutorial's m is \(d.rowsLoaded), every row it loaded, but it trains on only \(d.yTrain.count) columns. Every gradient is \(d.yTrain.count)/\(d.rowsLoaded) = \(String(format: "%.4f", Double(d.yTrain.count) / Double(d.rowsLoaded))) of the true one: a smaller effective learning rate, not a wrong direction.")
        }
        // The tutorial's np.sum without an axis gives one numpy scalar, shown as numpy shows it.
        if corrected { printer.quantity("db2", g.db2, formula: "db2 = 1/m · Σ_columns dZ2") }
        else { printer.quantity("db2", scalar: g.db2.storage[0], formula: "db2 = 1/m · np.sum(dZ2)   (every entry)") }
        if !corrected {
            printer.note("np.sum(dZ2) without an axis adds up every entry: one number for all ten biases. The true gradient has one value per unit, 1/m · Σ_columns dZ2. For the output layer that sum is 0 up to rounding (each column of A2 - one_hot_Y sums to 1 - 1), so b2 barely moves; b1 moves all its entries by the same amount.")
        }
        printer.quantity("dZ1", g.dZ1, formula: "dZ1 = W2ᵀ · dZ2 ⊙ ReLU'(Z1)   (ReLU'(Z1) = Z1 > 0)")
        printer.quantity("dW1", g.dW1, formula: "dW1 = 1/m · dZ1 · Xᵀ")
        if corrected { printer.quantity("db1", g.db1, formula: "db1 = 1/m · Σ_columns dZ1") }
        else { printer.quantity("db1", scalar: g.db1.storage[0], formula: "db1 = 1/m · np.sum(dZ1)   (one scalar again)") }
        let alpha = settings.double("learning-rate")
        net.update(g, learningRate: alpha)
        let a = NumberText.short(alpha)
        printer.quantity("W1", net.W1, formula: "W1 ← W1 - \(a) · dW1")
        printer.quantity("b1", net.b1, formula: "b1 ← b1 - \(a) · db1")
        printer.quantity("W2", net.W2, formula: "W2 ← W2 - \(a) · dW2")
        printer.quantity("b2", net.b2, formula: "b2 ← b2 - \(a) · db2")
    }

    func gradientCheck() throws {
        let d = try ensureData()
        let net = try ensureInitial()
        let batch = min(32, d.yTrain.count)
        let X = d.xTrain.columns(0..<batch), y = Array(d.yTrain[0..<batch])
        printer.line("On the first \(batch) training columns, the loss L = -1/m Σ log A2[y_j, j] is nudged by ±1e-5 in every parameter,")
        printer.line("one at a time: (L(θ+h) - L(θ-h)) / 2h is the slope the analytic gradient has to match.")
        printer.line("relative error = ‖analytic - numerical‖ / (‖analytic‖ + ‖numerical‖); below 1e-7 means they agree.")
        printer.line()
        let correctedResults = net.gradientCheck(X, labels: y, rule: .corrected)
        // The tutorial divides by all rows loaded while averaging over the trained columns; keep that ratio here.
        let tutorialM = Int((Double(batch) * Double(d.rowsLoaded) / Double(d.yTrain.count)).rounded())
        let tutorialResults = net.gradientCheck(X, labels: y, rule: .tutorial(m: tutorialM))
        printer.line("parameter   corrected     tutorial      verdict on the tutorial's gradient")
        for (c, t) in zip(correctedResults, tutorialResults) {
            let verdict = t.relativeError < 1e-7 ? "agrees" :
                (c.name.hasPrefix("b") ? "wrong: one scalar for every unit" : "scaled by \(d.yTrain.count)/\(d.rowsLoaded)")
            printer.line(c.name.padding(toLength: 10, withPad: " ", startingAt: 0) + String(format: "  %.2e      %.2e      ", c.relativeError, t.relativeError) + verdict)
        }
        printer.line()
        let allPass = correctedResults.allSatisfy { $0.relativeError < 1e-7 }
        printer.result("gradient check: corrected gradients \(allPass ? "pass" : "FAIL") (all below 1e-7); tutorial's off by up to \(String(format: "%.2g", tutorialResults.map(\.relativeError).max()!))")
        printer.line("(on this \(batch)-column batch the tutorial's m = \(batch) × \(d.rowsLoaded)/\(d.yTrain.count) ≈ \(tutorialM), the same over-division as in training)")
        printer.quantity("db1 (corrected)", correctedResults[1].analytic, formula: "one value per hidden unit")
        printer.quantity("db1 (numerical)", correctedResults[1].numerical, formula: "what the loss says")
    }

    @discardableResult
    func ensureTrained() throws -> TwoLayerNetwork {
        if let trained { return trained }
        let d = try ensureData()
        var net = try ensureInitial()
        let iterations = settings.int("iterations")
        let progress = Progress("training", total: iterations)
        records = net.gradientDescent(d.xTrain, labels: d.yTrain, rule: gradientRule, learningRate: settings.double("learning-rate"),
                                      iterations: iterations, logEvery: settings.int("log-every"),
                                      progress: { i in if i % 5 == 0 || i == iterations { progress.update(i) } },
                                      shouldStop: { Interrupt.requested })
        progress.finish()
        if let last = records.last, !last.loss.isFinite {
            throw LessonError("training diverged at iteration \(last.iteration): the loss became \(NumpyFormat.scalar(last.loss)). Try a smaller learning-rate (now \(NumberText.short(settings.double("learning-rate")))), e.g. --set learning-rate=\(NumberText.short(settings.double("learning-rate") / 10)).")
        }
        if records.count < iterations {
            try? plotCurves(partial: true)
            throw LessonInterrupted(description: "interrupted after iteration \(records.count - 1) of \(iterations); the curves so far are in \(printer.relativePath(context.outputDirectory)).")
        }
        trained = net
        return net
    }

    func train() throws {
        let d = try ensureData()
        try ensureTrained()
        let labels = NumpyFormat.format(Tensor<Double>(shape: [d.yTrain.count], storage: d.yTrain.map(Double.init)))
        printer.line("The update shown above was the first; training starts again from the same initial parameters.")
        printer.line()
        for r in records where r.predictions != nil {
            // The tutorial's own print statements: print("Iteration: ", i); print(predictions, Y); print(accuracy)
            printer.line("Iteration:  \(r.iteration)")
            printer.line(NumpyFormat.format(r.predictions!) + " " + labels)
            printer.line(NumpyFormat.scalar(r.accuracy))
        }
        let last = records.last!
        printer.result("after \(NumberText.count(records.count, "iteration")) (\(corrected ? "corrected" : "tutorial's") gradients): training accuracy \(NumpyFormat.scalar(last.accuracy)) at iteration \(last.iteration), loss \(String(format: "%.6f", last.loss))")
    }

    func plotCurves(partial: Bool = false) throws {
        if !partial { try ensureTrained() }
        let its = records.map { Double($0.iteration) }
        try context.writePNG(LinePlot(title: "Digits: training accuracy per iteration", xLabel: "iteration", yLabel: "accuracy",
                              series: [Series(name: "training accuracy", x: its, y: records.map(\.accuracy))], yRange: 0...1).render(),
                     "accuracy.png")
        try context.writePNG(LinePlot(title: "Digits: cross-entropy loss per iteration", xLabel: "iteration", yLabel: "mean cross-entropy",
                              series: [Series(name: "training loss", x: its, y: records.map(\.loss))]).render(), "loss.png")
    }

    func evaluate() throws {
        let d = try ensureData()
        let net = try ensureTrained()
        let p = TwoLayerNetwork.predictions(net.forward(d.xDev, rule: gradientRule).A2)
        let correct = zip(p, d.yDev).filter { $0 == $1 }.count
        evaluatedAccuracy = Double(correct) / Double(d.yDev.count)
        printer.result("\(d.devName) accuracy: \(correct)/\(d.yDev.count) = \(NumpyFormat.scalar(Double(correct) / Double(d.yDev.count)))")
        var confusion = [[Double]](repeating: [Double](repeating: 0, count: 10), count: 10)
        for (pred, y) in zip(p, d.yDev) { confusion[y][pred] += 1 }
        printer.line("confusion matrix (rows: true digit, columns: predicted digit)")
        printer.line("      " + (0..<10).map { String(format: "%5d", $0) }.joined())
        for r in 0..<10 {
            printer.line(String(format: "%5d ", r) + confusion[r].map { String(format: "%5d", Int($0)) }.joined())
        }
        var map = Heatmap(title: "Digits: \(d.devName) confusion matrix (accuracy \(String(format: "%.1f", 100 * Double(correct) / Double(d.yDev.count)))%)", values: confusion)
        map.colormap = .blues
        map.centredOnZero = false
        map.annotate = true
        map.cellSize = 52
        map.rowLabels = (0..<10).map(String.init)
        map.columnLabels = (0..<10).map(String.init)
        map.rowAxisTitle = "true digit"
        map.columnAxisTitle = "predicted digit"
        map.legendCaption = "images"
        try context.writePNG(map.render(), "confusion.png")
    }

    func showWeights() throws {
        let net = try ensureTrained()
        let tiles = (0..<net.W1.rows).map { i in Tile(width: 28, height: 28, values: Array(net.W1.row(i).storage), caption: "hidden unit \(i)") }
        var grid = ImageGrid(title: "W1 after training: what each hidden unit looks for", tiles: tiles, columns: 5, scale: 6, colormap: .diverging)
        grid.centredOnZero = true
        grid.showColorBar = true
        grid.legendCaption = "weight"
        try context.writePNG(grid.render(), "w1.png")
        let m = grid.resolvedRange.upperBound
        printer.picture(TerminalPicture.row(tiles.prefix(5).map(\.values), width: 28, height: 28, captions: tiles.prefix(5).map(\.caption),
                                            lo: -m, hi: m, colormap: .diverging, color: printer.color))
    }

    func testPredictions() throws {
        let d = try ensureData()
        let net = try ensureTrained()
        for index in 0..<min(4, d.yTrain.count) {
            let x = d.xTrain.column(index)
            let prediction = TwoLayerNetwork.predictions(net.forward(x, rule: gradientRule).A2)[0]
            let label = d.yTrain[index]
            // The tutorial's test_prediction prints these two lines, then shows the image.
            printer.result("Prediction:  [\(prediction)]")
            printer.result("Label:  \(NumpyFormat.scalar(Double(label)))")
            printer.picture(TerminalPicture.render(x.storage, width: 28, height: 28, color: printer.color))
            let tile = Tile(width: 28, height: 28, values: x.storage, caption: "prediction \(prediction) · label \(label)")
            var grid = ImageGrid(title: "", tiles: [tile], columns: 1, scale: 10, colormap: .gray, range: 0...1)
            grid.captionSize = 20
            try context.writePNG(grid.render(), "prediction-\(index).png")
        }
    }
}
