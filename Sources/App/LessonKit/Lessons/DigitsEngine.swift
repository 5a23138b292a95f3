// Lesson 1's steps: MNIST digits, the 784-10-10 network, iteration 0 forward and backward in full,
// gradient checks, the tutorial's training log, dev accuracy, confusion matrix and pictures.
import Datasets
import Foundation
import Network
import Numerics
import Training
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
        SettingSpec("trace-image", .integer(0...59_999), default: "0", "the training image (a column of X) --quiz asks about"),
    ]
    public static let actions: [ActionSpec] = [
        ActionSpec("load-data"),  // load, verify, shuffle and split the digits; show a few
        ActionSpec("init-params"),  // W1, b1, W2, b2 = rand(...) - 0.5
        ActionSpec("forward-first", asks: ["softmax", "loss"]),  // iteration 0 forward: Z1, A1, Z2, A2
        ActionSpec("backward-first", asks: ["delta", "dW", "dW1"]),  // iteration 0 backward and update: one_hot_Y, dZ2, dW2, db2, dZ1, dW1, db1
        ActionSpec("gradient-check"),  // numerical against analytic gradients, corrected and tutorial
        ActionSpec("train"),  // gradient descent with the tutorial's log every 10 iterations
        ActionSpec("plot-curves"),  // accuracy and loss per iteration as PNG
        ActionSpec("evaluate"),  // dev (or test) accuracy and the confusion matrix
        ActionSpec("show-weights"),  // the rows of W1 as 28 × 28 pictures
        ActionSpec("test-predictions"),  // four training images with prediction and label
    ]

    public static func instead(of key: String) -> String? {
        switch key {
        case "epochs": return "lesson 1 trains by full-batch iterations: --set iterations=N"
        case "worked-at", "worked-channel": return "lesson 1 works the largest entry of each gradient; --at and --channel choose lesson 3's conv examples"
        default: return nil
        }
    }

    let context: LessonContext
    var out: RecordStream { context.out }
    let settings: LessonSettings
    var rng: RandomState
    var data: DigitsData?
    var initial: TwoLayerNetwork?
    var trained: TwoLayerNetwork?
    /// Iteration 0's forward and backward pass over the training images, which the forward and backward
    /// steps show and the quiz asks about: computed once.
    var firstPass: (f: TwoLayerNetwork.ForwardCache, g: TwoLayerNetwork.Gradients)?
    var records: [TwoLayerNetwork.IterationRecord] = []
    var evaluatedAccuracy: Double?
    /// The training's health, iteration by iteration (health.png draws it).
    var health: HealthLog?

    public func summary() -> RunSummary {
        var r = RunSummary()
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

    public static func validate(_ file: LessonFile, settings: LessonSettings) throws { try validateQuiz(file) }

    public func perform(_ step: LessonStep) throws {
        if context.quiz && !step.quiz.isEmpty { try askQuestions(step) }
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
        out.say(d.verified ? "load-data.folder-verified" : "load-data.folder-unverified", ["folder": .text(out.relativePath(context.mnistDirectory))])
        out.say(full ? "load-data.full" : "load-data.subset", ["rows": .int(d.rowsLoaded), "seed": .int(settings.int("seed")),
                                                             "dev": .int(full ? d.yDev.count : settings.int("dev-rows")), "train": .int(d.yTrain.count)])
        out.quantity("Y_train", Tensor<Double>(shape: [d.yTrain.count], storage: d.yTrain.map(Double.init)), "load-data.Y_train", role: .data)
        out.quantity("X_train", d.xTrain, "load-data.X_train", role: .data)
        out.say("load-data.dev", ["rows": .int(d.xDev.shape[0]), "columns": .int(d.xDev.shape[1]), "labels": .int(d.yDev.count)])
        let show = min(4, d.yTrain.count)
        out.maps(TerminalMaps((0..<show).map { j in (0..<784).map { d.xTrain[$0, j] } }, width: 28, height: 28,
                              captions: (0..<show).map { .phrase(Phrase("maps.label", ["label": .int(d.yTrain[$0])])) }))
        let tiles = (0..<min(40, d.yTrain.count)).map { j in
            Tile(width: 28, height: 28, values: (0..<784).map { d.xTrain[$0, j] }, caption: String(d.yTrain[j]))
        }
        let count: [String: Value] = ["count": .int(tiles.count)]
        try context.draw("digits.png", .gallery, shows: "pictures.digits", count) { text in
            .grid(ImageGrid(title: text("pictures.digits-title", count), tiles: tiles, columns: 10, scale: 3, colormap: .gray, range: 0...1))
        }
    }

    func initParams() throws {
        let net = try ensureInitial()
        out.quantity("W1", net.W1, "init-params.W1", role: .weight)
        out.quantity("b1", net.b1, "init-params.b1", role: .weight)
        out.quantity("W2", net.W2, "init-params.W2", role: .weight)
        out.quantity("b2", net.b2, "init-params.b2", role: .weight)
    }

    func ensureFirstPass() throws -> (f: TwoLayerNetwork.ForwardCache, g: TwoLayerNetwork.Gradients) {
        if let firstPass { return firstPass }
        let d = try ensureData()
        let net = try ensureInitial()
        let f = net.forward(d.xTrain, rule: gradientRule)
        let pass = (f: f, g: net.backward(f, labels: d.yTrain, rule: gradientRule))
        firstPass = pass
        return pass
    }

    func forwardFirst() throws {
        let d = try ensureData()
        let f = try ensureFirstPass().f
        out.quantity("X", f.X, "forward.X", ["images": .int(d.yTrain.count)], role: .data)
        out.quantity("Z1", f.Z1, "forward.Z1", role: .activation)
        out.quantity("A1", f.A1, "forward.A1", role: .activation)
        out.quantity("Z2", f.Z2, "forward.Z2", role: .activation)
        out.quantity("A2", f.A2, "forward.A2", role: .activation)
        if !corrected { out.note("forward.softmax-note") }
    }

    func backwardFirst() throws {
        let d = try ensureData()
        var net = try ensureInitial()
        let (f, g) = try ensureFirstPass()
        let m = corrected ? d.yTrain.count : d.rowsLoaded
        // The tutorial's one_hot ends in .astype(int): numpy prints it as integers.
        out.quantity("one_hot_Y", ints: g.oneHotY.storage.map { Int($0) }, shape: g.oneHotY.shape, "backward.one_hot_Y", role: .data)
        out.quantity("dZ2", g.dZ2, "backward.dZ2", role: .error)
        out.quantity("dW2", g.dW2, "backward.dW2", ["m": .int(m)], role: .gradient)
        if !corrected {
            out.note("backward.m-note", ["rows": .int(d.rowsLoaded), "columns": .int(d.yTrain.count),
                                         "ratio": .number(Double(d.yTrain.count) / Double(d.rowsLoaded))])
        }
        // The tutorial's np.sum without an axis gives one numpy scalar, shown as numpy shows it.
        if corrected { out.quantity("db2", g.db2, "backward.db2-corrected", role: .gradient) }
        else { out.quantity("db2", scalar: g.db2.storage[0], "backward.db2", role: .gradient) }
        if !corrected { out.note("backward.db-note") }
        out.quantity("dZ1", g.dZ1, "backward.dZ1", role: .error)
        // Worked: the largest |dZ1| entry, the output errors sent back through W2 (ReLU let it through).
        let n = g.dZ1.shape[1]
        let e = g.dZ1.storage.indexOfLargestMagnitude()
        let (u, col) = (e / n, e % n)
        out.sum(WorkedSum(name: "dZ1", index: [u, col], formula: Phrase("backward.dZ1-sum", ["i": .int(u), "n": .int(col)]),
                          why: Phrase("backward.largest-why", ["name": .text("dZ1")]),
                          terms: hiddenErrorTerms(net, g, unit: u, image: col), factors: ["W2", "dZ2"], result: g.dZ1.storage[e]))
        out.quantity("dW1", g.dW1, "backward.dW1", role: .gradient)
        // Worked: the largest |dW1| entry, an average over the images of error × pixel.
        let w = g.dW1.storage.indexOfLargestMagnitude()
        let (wi, wj) = (w / 784, w % 784)
        out.sum(WorkedSum(name: "dW1", index: [wi, wj], formula: Phrase("backward.dW1-sum", ["i": .int(wi), "j": .int(wj), "m": .int(m)]),
                          why: Phrase("backward.largest-why", ["name": .text("dW1")]),
                          terms: firstWeightTerms(f, g, unit: wi, pixel: wj), scale: 1 / Double(m), factors: ["dZ1", "X"],
                          result: g.dW1.storage[w]))
        if corrected { out.quantity("db1", g.db1, "backward.db1-corrected", role: .gradient) }
        else { out.quantity("db1", scalar: g.db1.storage[0], "backward.db1", role: .gradient) }
        try inputGradient(d, net, g)
        let alpha = settings.double("learning-rate")
        net.update(g, learningRate: alpha)
        out.quantity("W1", net.W1, "backward.W1", ["alpha": .number(alpha)], role: .weight)
        out.quantity("b1", net.b1, "backward.b1", ["alpha": .number(alpha)], role: .weight)
        out.quantity("W2", net.W2, "backward.W2", ["alpha": .number(alpha)], role: .weight)
        out.quantity("b2", net.b2, "backward.b2", ["alpha": .number(alpha)], role: .weight)
    }

    /// ∂J/∂x for one training image (trace-image): its own loss's error dZ1[:, n] carried back through
    /// W1 to its pixels, W1ᵀ · dZ1[:, n]; which pixels, brightened, would raise the loss.
    func inputGradient(_ d: DigitsData, _ net: TwoLayerNetwork, _ g: TwoLayerNetwork.Gradients) throws {
        let n = settings.int("trace-image")
        guard n < d.yTrain.count else {
            throw LessonError("trace-image \(n) is past the \(NumberText.count(d.yTrain.count, "training image")) (0 to \(d.yTrain.count - 1)); choose a smaller index.")
        }
        let (units, columns) = (g.dZ1.shape[0], g.dZ1.shape[1])
        let delta = (0..<units).map { g.dZ1.storage[$0 * columns + n] }
        // ∂J_n/∂x_n[j] = Σ_i W1[i, j] · dZ1[i, n]
        let grad = Tensor<Double>(shape: [28, 28]) { j in (0..<units).reduce(0.0) { $0 + net.W1.storage[$1 * 784 + j] * delta[$1] } }
        out.say("input-gradient.what", ["n": .int(n), "label": .int(d.yTrain[n])])
        out.quantity("dX[:, \(n)]", grad, "input-gradient.formula", ["n": .int(n)], role: .error)
        let j = grad.storage.indexOfLargestMagnitude()
        out.sum(WorkedSum(name: "dX", index: [j, n], formula: Phrase("input-gradient.sum", ["j": .int(j), "n": .int(n)]),
                          why: Phrase("backward.largest-why", ["name": .text("dX[:, \(n)]")]),
                          terms: (0..<units).map { .init(net.W1.storage[$0 * 784 + j], delta[$0]) }, factors: ["W1", "dZ1"], result: grad.storage[j]))
        let pixels = (0..<784).map { d.xTrain[$0, n] }
        let shown = InputBesideGradient(input: pixels, gradient: grad.storage, width: 28, height: 28, inputColormap: .gray)
        out.maps(shown.terminalMaps(captions: [.phrase(Phrase("maps.label", ["label": .int(d.yTrain[n])])), .text("dX[:, \(n)]")]), caption: "input-gradient.maps", ["bound": .number(shown.bound)])
        let image: [String: Value] = ["n": .int(n), "label": .int(d.yTrain[n])]
        try context.draw("input-gradient.png", .inputGradient, shows: "input-gradient.picture", image) { text in
            shown.picture(input: (title: text("input-gradient.png-input", image), caption: text("pictures.pixel-caption"), legend: text("pictures.pixel")),
                          gradient: (title: text("input-gradient.png-gradient"), caption: text("input-gradient.png-gradient-caption"), legend: "dX"),
                          scale: 10)
        }
    }

    func gradientCheck() throws {
        let d = try ensureData()
        let net = try ensureInitial()
        let batch = min(32, d.yTrain.count)
        let X = d.xTrain.columns(0..<batch), y = Array(d.yTrain[0..<batch])
        out.say("gradient-check.intro", ["columns": .int(batch)])
        out.blank()
        let correctedResults = net.gradientCheck(X, labels: y, rule: .corrected)
        // The tutorial divides by all rows loaded while averaging over the trained columns; keep that ratio here.
        let tutorialM = Int((Double(batch) * Double(d.rowsLoaded) / Double(d.yTrain.count)).rounded())
        let tutorialResults = net.gradientCheck(X, labels: y, rule: .tutorial(m: tutorialM))
        let rows: [[Value]] = zip(correctedResults, tutorialResults).map { c, t in
            let verdict = t.relativeError < 1e-7 ? "agrees" :
                (c.name.hasPrefix("b") ? "wrong: one scalar for every unit" : "scaled by \(d.yTrain.count)/\(d.rowsLoaded)")
            return [.text(c.name), .number(c.relativeError), .number(t.relativeError), .text(verdict)]
        }
        out.table(Table("gradient-check.table", columns: [.init("parameter", align: .left), .init("corrected", format: ".2e"),
                                                          .init("tutorial", format: ".2e"), .init("verdict", align: .left)], rows: rows))
        out.blank()
        let allPass = correctedResults.allSatisfy { $0.relativeError < 1e-7 }
        out.result(allPass ? "gradient-check.pass" : "gradient-check.fail", ["worst": .number(tutorialResults.map(\.relativeError).max()!)])
        out.say("gradient-check.m", ["columns": .int(batch), "rows": .int(d.rowsLoaded), "train": .int(d.yTrain.count), "m": .int(tutorialM)])
        out.quantity("db1 (corrected)", correctedResults[1].analytic, "gradient-check.db1-corrected", role: .gradient)
        out.quantity("db1 (numerical)", correctedResults[1].numerical, "gradient-check.db1-numerical", role: .gradient)
    }

    /// The two layers whose health is measured: W1's (ReLU) and W2's (softmax).
    static let layerNames = ["hidden", "output"]

    @discardableResult
    func ensureTrained() throws -> TwoLayerNetwork {
        if let trained { return trained }
        let d = try ensureData()
        var net = try ensureInitial()
        let iterations = settings.int("iterations"), logEvery = settings.int("log-every")
        let alpha = settings.double("learning-rate")
        let watch = context.watch
        let loop = TrainingLoop(context: context, learningRate: alpha, unit: "iteration", total: iterations, bar: watch == nil)
        let labels = ArrayValue(shape: [d.yTrain.count], values: d.yTrain.map(Double.init))  // the tutorial's Y is a float column of data
        // Health: every iteration is measured on all the training images (its one batch); a line for
        // every block of iterations, a whole number of log entries.
        let block = TrainingLoop.healthBlock(total: iterations, multiple: logEvery)
        let health = HealthLog(layers: Self.layerNames, batchesPerEpoch: block, step: .iteration, learningRate: alpha)
        self.health = health
        var measured: (health: BatchHealth, net: TwoLayerNetwork)?
        // The curves so far (the records are the engine's once training returns).
        var points = [(x: Double, loss: Double, accuracy: Double?)]()
        func warn(_ warnings: [HealthLog.Warning]) {
            for phrase in health.phrases(warnings) {
                loop.progress?.finish()
                out.emit(.warning(phrase))
            }
        }
        _ = loop.startWatching(steps: iterations)
        defer { loop.endWatching() }
        let started = Date()
        // The training path (Training/DenseTraining): the tutorial's iterations a block of images at a time,
        // byte for byte the readable gradient descent on the 1,290-image subset (one block).
        records = DenseTraining.gradientDescent(&net, d.xTrain, labels: d.yTrain, rule: gradientRule, learningRate: alpha,
                                      iterations: iterations, logEvery: logEvery,
                                      progress: { r in
            // The tutorial's own print statements, as each logged iteration happens:
            // print("Iteration: ", i); print(predictions, Y); print(accuracy)
            if let p = r.predictions {
                loop.progress?.finish()
                out.log("train.log", ["iteration": .int(r.iteration), "accuracy": .number(r.accuracy),
                                      "predictions": .array(ArrayValue(shape: [p.count], values: p.map(Double.init), integers: true)),
                                      "labels": .array(labels)])
            }
            if watch != nil { points.append((Double(r.iteration + 1), r.loss, r.accuracy)) }
            var figures = ["iteration": Double(r.iteration), "loss": r.loss, "train_accuracy": r.accuracy]
            var line: HealthLine?
            if let m = measured {
                let (b, k) = (r.iteration / block + 1, r.iteration % block + 1)
                warn(health.batch(epoch: b, batch: k, loss: r.loss, m.health))
                figures.merge(HealthLog.batchFigures(m.health, layers: health.layers)) { a, _ in a }
                // A block ends at its last iteration, at the run's last, or where the run stops.
                if k == block || r.iteration + 1 == iterations || !r.loss.isFinite || loop.stopRequested, let ended = health.endEpoch(b) {
                    figures.merge(ended.figures) { _, b in b }
                    line = ended.line
                    warn(ended.warnings)
                }
            }
            loop.ended(r.iteration + 1, figures: figures, showing: [("loss", r.loss, ".4f"), ("accuracy", r.accuracy, ".3f")], every: 5)
            if let line { loop.progress?.finish(); out.emit(.health(line)) }
            if let watch, let m = measured {
                let elapsed = Date().timeIntervalSince(started), done = Double(r.iteration + 1)
                watch.show(frame(done: r.iteration + 1, of: iterations, rate: done * Double(d.yTrain.count) / max(elapsed, 1e-9),
                                 eta: elapsed / done * Double(iterations - r.iteration - 1), points: points, health: health, net: m.net),
                           force: r.iteration + 1 == iterations)
            }
            fflush(stdout)
        }, health: { h, after in measured = (h, after) }, shouldStop: { loop.stopRequested })
        loop.finish()
        if let last = records.last {
            try loop.check(last.iteration, loss: last.loss, completed: records.count, curves: { try plotCurves(partial: true) })
        }
        trained = net
        return net
    }

    /// What the watch screen shows after `done` iterations: the loss and training accuracy per
    /// iteration, each layer's health, and the hidden units' weights on the pixels.
    func frame(done: Int, of total: Int, rate: Double, eta: Double, points: [(x: Double, loss: Double, accuracy: Double?)],
               health: HealthLog, net: TwoLayerNetwork) -> WatchFrame {
        var f = WatchFrame()
        f.title = context.file.title
        f.unit = "iteration"; f.step = "iteration"
        f.epoch = done; f.epochs = total
        f.imagesPerSecond = rate; f.remaining = eta
        f.points = points
        f.accuracyKey = "watch.accuracy-train"
        f.layers = health.layers
        f.clips = false
        f.health = health.batches.last?.health
        let inputs = net.W1.columns
        if inputs == 784 {
            f.showUnitWeights(health.layers[0], (0..<net.W1.rows).map { Array(net.W1.storage[($0 * inputs)..<(($0 + 1) * inputs)]) },
                              width: 28, height: 28, pool: 4, key: "watch.unit-weights")
        }
        f.warnings = health.said
        return f
    }

    func train() throws {
        if trained == nil {
            out.say("train.intro")
            out.say("health.intro", ["block": .int(TrainingLoop.healthBlock(total: settings.int("iterations"), multiple: settings.int("log-every")))])
            out.blank()
        }
        try ensureTrained()
        let last = records.last!
        out.result(corrected ? "train.result-corrected" : "train.result", ["iterations": .int(records.count), "accuracy": .number(last.accuracy),
                                                                           "iteration": .int(last.iteration), "loss": .number(last.loss)])
    }

    func plotCurves(partial: Bool = false) throws {
        if !partial { try ensureTrained() }
        let its = records.map { Double($0.iteration) }
        let iterations: [String: Value] = ["iterations": .int(records.count)]
        try context.draw("accuracy.png", .curves, shows: "pictures.accuracy", iterations) { text in
            .curves(LinePlot(title: text("pictures.accuracy-title"), xLabel: text("pictures.x-iteration"), yLabel: text("pictures.accuracy-y"),
                             series: [Series(name: text("pictures.accuracy-series"), x: its, y: self.records.map(\.accuracy))], yRange: 0...1))
        }
        try context.draw("loss.png", .curves, shows: "pictures.loss", iterations) { text in
            .curves(LinePlot(title: text("pictures.loss-title"), xLabel: text("pictures.x-iteration"), yLabel: text("pictures.loss-y"),
                             series: [Series(name: text("pictures.loss-series"), x: its, y: self.records.map(\.loss))]))
        }
        if let health {
            try HealthPicture.draw(context, steps: health.batches.map { ($0.x, HealthLog.batchFigures($0.health, layers: health.layers)) }, layers: health.layers,
                                   xRange: 0...Double(max(1, records.count)), xKey: "pictures.x-iteration", wholeXTicks: false,
                                   shows: "pictures.health", iterations)
        }
    }

    func evaluate() throws {
        let d = try ensureData()
        let net = try ensureTrained()
        let p = TwoLayerNetwork.predictions(net.forward(d.xDev, rule: gradientRule).A2)
        let correct = zip(p, d.yDev).filter { $0 == $1 }.count
        evaluatedAccuracy = Double(correct) / Double(d.yDev.count)
        out.result("evaluate.result", ["set": .text(d.devName), "correct": .int(correct), "images": .int(d.yDev.count),
                                       "accuracy": .number(Double(correct) / Double(d.yDev.count))])
        let confusion = out.confusion("evaluate.confusion", p, d.yDev)
        let values: [String: Value] = ["set": .text(d.devName), "iterations": .int(records.count),
                                       "accuracy": .number(100 * Double(correct) / Double(d.yDev.count))]
        try context.draw("confusion.png", .confusion, shows: "pictures.confusion", values) { text in
            .table(DigitPictures.confusion(confusion, title: text("pictures.confusion-title", values), rows: text("pictures.true-digit"),
                                           columns: text("pictures.predicted-digit"), legend: text("pictures.images"), cellSize: 52))
        }
    }

    func showWeights() throws {
        let net = try ensureTrained()
        // A pixel that is 0 in every training image never moves its weights: dW1 = dZ1 · Xᵀ is 0 there.
        let d = try ensureData()
        let n = d.xTrain.shape[1]
        let neverLit = (0..<784).map { j in (0..<n).allSatisfy { d.xTrain.storage[j * n + $0] == 0 } }
        let weights = (0..<net.W1.rows).map { Array(net.W1.row($0).storage) }
        // The colour scale spans the weights that moved; the hatched ones keep their random start.
        let moved = weights.flatMap { w in w.indices.filter { !neverLit[$0] }.map { abs(w[$0]) } }
        let m = max(1e-12, moved.max() ?? 1)
        try context.draw("w1.png", .weights, shows: "pictures.w1", ["iterations": .int(records.count)]) { text in
            let tiles = weights.indices.map { i in
                var t = Tile(width: 28, height: 28, values: weights[i], caption: text("pictures.w1-tile", ["i": .int(i)]))
                t.hatched = neverLit
                return t
            }
            var grid = ImageGrid(title: text("pictures.w1-title"), tiles: tiles, columns: 5, scale: 6, colormap: .diverging)
            grid.centredOnZero = true
            grid.range = -m...m
            grid.showColorBar = true
            grid.legendCaption = text("pictures.weight")
            grid.hatchCaption = text("pictures.hatched")
            return .grid(grid)
        }
        out.maps(TerminalMaps(weights, width: 28, height: 28, captions: weights.indices.map { .phrase(Phrase("maps.hidden-unit", ["i": .int($0)])) }, lo: -m, hi: m, colormap: .diverging))
    }

    func testPredictions() throws {
        let d = try ensureData()
        let net = try ensureTrained()
        for index in 0..<min(4, d.yTrain.count) {
            let x = d.xTrain.column(index)
            let prediction = TwoLayerNetwork.predictions(net.forward(x, rule: gradientRule).A2)[0]
            let label = d.yTrain[index]
            // The tutorial's test_prediction prints these two lines, then shows the image.
            out.result("test-predictions.result", ["prediction": .int(prediction), "label": .number(Double(label))])
            out.maps(TerminalMaps([x.storage], width: 28, height: 28, captions: [.phrase(Phrase("maps.training-image", ["index": .int(index)]))]))
            let values: [String: Value] = ["index": .int(index), "prediction": .int(prediction), "label": .int(label)]
            try context.draw("prediction-\(index).png", .gallery, shows: "pictures.prediction", values) { text in
                var grid = ImageGrid(title: "", tiles: [Tile(width: 28, height: 28, values: x.storage, caption: text("pictures.prediction-caption", values))],
                                     columns: 1, scale: 10, colormap: .gray, range: 0...1)
                grid.captionSize = 20
                return .grid(grid)
            }
        }
    }
}
