// Lesson 2's steps: the A/B/C letters, the 30-5-3 sigmoid network, one sample followed through
// forward and backward, training with per-sample updates, curves, weights and predictions.
import Datasets
import Foundation
import Network
import Numerics
import Rendering
import Training

public final class LettersEngine: LessonEngine {
    public static let name = "letters"
    public static let settingSpecs: [SettingSpec] = [
        SettingSpec("seed", .integer(0...Int(UInt32.max)), default: "0", "seed for np.random.seed"),
        SettingSpec("hidden", .integer(1...100), default: "5", "hidden units"),
        SettingSpec("learning-rate", .number(above: 0, max: 100), default: "0.1", "the tutorial's alpha"),
        SettingSpec("epochs", .integer(1...100_000), default: "100", "passes over the three letters"),
    ]
    public static let readsDataFolder = false
    public static func instead(of key: String) -> String? {
        switch key {
        case "gradients": return "lesson 2 has no tutorial quirk to correct; --corrected is for lesson 1"
        case "dataset": return "lesson 2's data are its three letters; --full-data is for lesson 1"
        case "iterations": return "lesson 2 trains in epochs: --epochs N"
        case "worked-at", "worked-channel": return "lesson 2 works the largest entry of each gradient; --at and --channel choose lesson 3's conv examples"
        default: return nil
        }
    }

    public static let actions: [ActionSpec] = [
        ActionSpec("show-data"),  // the three letters as pictures, their input vectors and one-hot labels
        ActionSpec("init-weights"),  // w1 and w2 drawn with randn, one element at a time
        ActionSpec("forward-first", asks: ["sigmoid", "loss"]),  // the first letter through the network: z1, a1, z2, a2 and its loss
        ActionSpec("backward-first", asks: ["delta", "dW"]),  // the first letter's errors, weight adjustments and updated weights
        ActionSpec("train"),  // per-sample gradient descent; one line per epoch
        ActionSpec("plot-curves"),  // loss and accuracy curves as PNG
        ActionSpec("show-weights"),  // the trained weights, printed and drawn as a heatmap
        ActionSpec("predict"),  // each letter's prediction beside its picture
    ]

    let context: LessonContext
    var out: RecordStream { context.out }
    let seed: UInt32
    let hidden: Int
    let learningRate: Double
    let epochs: Int
    let inputs = (0..<3).map(Letters.input)
    let labels = (0..<3).map(Letters.label)

    var initial: LetterNetwork?
    var trained: LetterNetwork?
    /// The letter A's forward and backward pass through the initial weights, which the forward and
    /// backward steps show and the quiz asks about: computed once.
    var firstPass: (f: LetterNetwork.ForwardCache, g: LetterNetwork.Gradients)?

    func ensureFirstPass() -> (f: LetterNetwork.ForwardCache, g: LetterNetwork.Gradients) {
        if let firstPass { return firstPass }
        let net = initWeights(show: false)
        let f = net.forward(inputs[0])
        let pass = (f: f, g: net.backward(f, y: labels[0]))
        firstPass = pass
        return pass
    }

    /// d1[0, j] = (Σ_k w2[j, k] · d2[0, k]) · a1(1 - a1): the sum before the sigmoid's slope.
    func hiddenErrorTerms(_ net: LetterNetwork, _ g: LetterNetwork.Gradients, unit j: Int) -> [WorkedSum.Term] {
        let o = g.d2.count
        return (0..<o).map { k in .init(net.w2.storage[j * o + k], g.d2.storage[k]) }
    }
    var history: (loss: [Double], tutorialAcc: [Double], accuracy: [Double]) = ([], [], [])

    public func summary() -> RunSummary {
        var r = RunSummary()
        if let loss = history.loss.last { r.final["loss"] = loss; r.final["accuracy"] = history.accuracy.last! }
        return r
    }

    public required init(context: LessonContext) throws {
        self.context = context
        let s = context.settings
        seed = UInt32(s.int("seed"))
        hidden = s.int("hidden")
        learningRate = s.double("learning-rate")
        epochs = s.int("epochs")
    }

    public static func validate(_ file: LessonFile, settings: LessonSettings) throws { try validateQuiz(file) }

    public func perform(_ step: LessonStep) throws {
        if context.quiz && !step.quiz.isEmpty { askQuestions(step) }
        switch step.action {
        case "show-data": try showData()
        case "init-weights": initWeights(show: true)
        case "forward-first": forwardFirst()
        case "backward-first": try backwardFirst()
        case "train": try train()
        case "plot-curves": try plotCurves()
        case "show-weights": try showWeights()
        case "predict": try predict()
        default: preconditionFailure("action \(step.action) was checked when the file was read")
        }
    }

    func letterPicture(_ i: Int) -> [Double] { inputs[i].storage }

    func showData() throws {
        out.maps(TerminalMaps((0..<3).map(letterPicture), width: Letters.width, height: Letters.height, captions: Letters.names.map(Value.text)))
        for i in 0..<3 {
            out.quantity("x[\(i)] (\(Letters.names[i]))", ints: inputs[i].storage.map { Int($0) }, shape: [1, 30], "show-data.x", role: .data)
        }
        out.quantity("y", ints: Letters.labels.storage.map { Int($0) }, shape: [3, 3], "show-data.y", role: .data)
        try context.draw("letters.png", .gallery, shows: "pictures.letters") { text in
            .grid(ImageGrid(title: text("pictures.letters-title"),
                            tiles: (0..<3).map { Tile(width: Letters.width, height: Letters.height, values: self.letterPicture($0), caption: Letters.names[$0]) },
                            columns: 3, scale: 40, colormap: .ink, range: 0...1))
        }
    }

    @discardableResult
    func initWeights(show: Bool) -> LetterNetwork {
        if let initial { if show { showInitial(initial) }; return initial }
        var rng = RandomState(seed: seed)
        let net = LetterNetwork(inputs: Letters.width * Letters.height, hidden: hidden, outputs: 3, rng: &rng)
        initial = net
        if show { showInitial(net) }
        return net
    }

    func showInitial(_ net: LetterNetwork) {
        out.say("init-weights.seed", ["seed": .int(Int(seed))])
        out.quantity("w1", net.w1, "init-weights.w1", role: .weight)
        out.quantity("w2", net.w2, "init-weights.w2", role: .weight)
    }

    func forwardFirst() {
        let f = ensureFirstPass().f
        out.quantity("x", ints: f.x.storage.map { Int($0) }, shape: [1, 30], "forward.x", role: .data)
        out.quantity("z1", f.z1, "forward.z1", role: .activation)
        out.quantity("a1", f.a1, "forward.a1", role: .activation)
        out.quantity("z2", f.z2, "forward.z2", role: .activation)
        out.quantity("a2", f.a2, "forward.a2", role: .activation)
        out.quantity("y", ints: labels[0].storage.map { Int($0) }, shape: [3], "forward.y", role: .data)
        out.worked("forward.loss", ["loss": .number(Loss.letterTutorialMSE(f.a2, labels[0], divisor: 3))])
    }

    func backwardFirst() throws {
        var net = initWeights(show: false)
        let (f, g) = ensureFirstPass()
        out.quantity("d2", g.d2, "backward.d2", role: .error)
        out.note("backward.d2-note")
        out.quantity("d1", g.d1, "backward.d1", role: .error)
        // Worked: the largest |d1| entry: the output errors sent back through w2, times the sigmoid's slope.
        let h = g.d1.count
        let j = g.d1.storage.indexOfLargestMagnitude()
        let slope = f.a1.storage[j] * (1 - f.a1.storage[j])
        out.sum(WorkedSum(name: "d1", index: [0, j], formula: Phrase("backward.d1-sum", ["j": .int(j), "slope": .number(slope)]),
                          why: Phrase("backward.largest-why", ["name": .text("d1")]),
                          terms: hiddenErrorTerms(net, g, unit: j), scale: slope, factors: ["w2", "d2"], result: g.d1.storage[j]))
        out.quantity("w1_adj", g.w1Adjust, "backward.w1_adj", role: .gradient)
        // Worked: the largest |w1_adj| entry, one product for one letter.
        let e = g.w1Adjust.storage.indexOfLargestMagnitude()
        out.sum(WorkedSum(name: "w1_adj", index: [e / h, e % h], formula: Phrase("backward.w1_adj-sum", ["i": .int(e / h), "j": .int(e % h)]),
                          why: Phrase("backward.largest-why", ["name": .text("w1_adj")]),
                          terms: [.init(f.x.storage[e / h], g.d1.storage[e % h])], factors: ["x", "d1"], result: g.w1Adjust.storage[e]))
        out.quantity("w2_adj", g.w2Adjust, "backward.w2_adj", role: .gradient)
        try inputGradient(net, g)
        net.apply(g, learningRate: learningRate)
        out.quantity("w1", net.w1, "backward.w1", ["alpha": .number(learningRate)], role: .weight)
        out.quantity("w2", net.w2, "backward.w2", ["alpha": .number(learningRate)], role: .weight)
    }

    /// The first letter's error carried one step past w1, to its pixels: dx = d1 · w1ᵀ (the tutorial's
    /// d2 = a2 - y sent all the way back); which pixels, turned on, would raise the error.
    func inputGradient(_ net: LetterNetwork, _ g: LetterNetwork.Gradients) throws {
        let (n, h) = (net.w1.shape[0], net.w1.shape[1])
        // dx[0, i] = Σ_j d1[0, j] · w1[i, j]
        let dx = Tensor<Double>(shape: [1, n]) { i in (0..<h).reduce(0.0) { $0 + g.d1.storage[$1] * net.w1.storage[i * h + $1] } }
        out.quantity("dx", dx, "input-gradient.formula", role: .error)
        let i = dx.storage.indexOfLargestMagnitude()
        out.sum(WorkedSum(name: "dx", index: [0, i], formula: Phrase("input-gradient.sum", ["i": .int(i)]),
                          why: Phrase("backward.largest-why", ["name": .text("dx")]),
                          terms: (0..<h).map { .init(g.d1.storage[$0], net.w1.storage[i * h + $0]) }, factors: ["d1", "w1"], result: dx.storage[i]))
        let shown = InputBesideGradient(input: letterPicture(0), gradient: dx.storage, width: Letters.width, height: Letters.height, inputColormap: .ink)
        out.maps(shown.terminalMaps(captions: [.text(Letters.names[0]), .text("dx")]), caption: "input-gradient.maps", ["bound": .number(shown.bound)])
        let letter: [String: Value] = ["letter": .text(Letters.names[0])]
        try context.draw("input-gradient.png", .inputGradient, shows: "input-gradient.picture", letter) { text in
            shown.picture(input: (title: text("input-gradient.png-input", letter), caption: text("input-gradient.png-input-caption"), legend: nil),
                          gradient: (title: text("input-gradient.png-gradient"), caption: text("input-gradient.png-gradient-caption"), legend: "dx"),
                          scale: 40)
        }
    }

    /// The two layers whose health is measured: w1's and w2's, both sigmoid.
    static let layerNames = ["hidden", "output"]
    /// Health lines and warnings from training, said after the training table.
    var healthSaid: [Record] = []
    /// The training's health, epoch by epoch (health.png draws it).
    var health: HealthLog?
    var healthBlock: Int { TrainingLoop.healthBlock(total: epochs) }

    @discardableResult
    func ensureTrained() throws -> LetterNetwork {
        if let trained { return trained }
        var net = initWeights(show: false)
        let watch = context.watch
        let loop = TrainingLoop(context: context, learningRate: learningRate, unit: "epoch", total: epochs, bar: watch == nil)
        // Health: each epoch is measured on its three letters; a line for every block of epochs.
        let health = HealthLog(layers: Self.layerNames, batchesPerEpoch: healthBlock, step: .epoch, learningRate: learningRate)
        self.health = health
        func warn(_ warnings: [HealthLog.Warning]) { healthSaid += health.phrases(warnings).map { .warning($0) } }
        _ = loop.startWatching(steps: epochs)
        defer { loop.endWatching() }
        let started = Date()
        for e in 1...epochs {
            let (l, measured) = LetterTraining.epoch(&net, inputs: inputs, labels: labels, learningRate: learningRate, lossDivisor: 3)
            let meanLoss = l.reduce(0, +) / 3
            history.loss.append(meanLoss)
            history.tutorialAcc.append((1 - meanLoss) * 100)
            history.accuracy.append(Double((0..<3).filter { net.predict(inputs[$0]) == $0 }.count) / 3)
            let (b, k) = ((e - 1) / healthBlock + 1, (e - 1) % healthBlock + 1)
            warn(health.batch(epoch: b, batch: k, loss: meanLoss, measured))
            var figures = ["epoch": Double(e), "loss": meanLoss, "accuracy": history.accuracy[e - 1]]
            figures.merge(HealthLog.batchFigures(measured, layers: health.layers)) { a, _ in a }
            if k == healthBlock || e == epochs || !meanLoss.isFinite || loop.stopRequested, let ended = health.endEpoch(b) {
                figures.merge(ended.figures) { _, b in b }
                healthSaid.append(.health(ended.line))
                warn(ended.warnings)
            }
            loop.ended(e, figures: figures)
            if let watch {
                let elapsed = Date().timeIntervalSince(started)
                watch.show(frame(done: e, eta: elapsed / Double(e) * Double(epochs - e), health: health, net: net), force: e == epochs)
            }
            try loop.check(e, loss: meanLoss, curves: { try plotCurves(partial: true) })
        }
        loop.finish()
        trained = net
        return net
    }

    /// What the watch screen shows after `done` epochs: the loss and the letters read right per epoch,
    /// each layer's health, and each hidden unit's weights as a 5 × 6 picture.
    func frame(done: Int, eta: Double, health: HealthLog, net: LetterNetwork) -> WatchFrame {
        var f = WatchFrame()
        f.title = context.file.title
        f.unit = "epoch"; f.step = "epoch"
        f.epoch = done; f.epochs = epochs
        f.remaining = eta
        f.points = history.loss.indices.map { (Double($0 + 1), history.loss[$0], history.accuracy[$0]) }
        f.accuracyKey = "watch.accuracy-letters"
        f.layers = health.layers
        f.clips = false
        f.health = health.batches.last?.health
        if net.w1.rows == Letters.width * Letters.height {
            let h = net.w1.columns
            f.showUnitWeights(health.layers[0], (0..<h).map { j in (0..<net.w1.rows).map { net.w1.storage[$0 * h + j] } },
                              width: Letters.width, height: Letters.height, key: "watch.unit-weights")
        }
        f.warnings = health.said
        return f
    }

    func train() throws {
        let first = trained == nil
        out.say("train.intro", ["updates": .int(epochs * 3)])
        if first { out.say("health.intro", ["block": .int(healthBlock)]) }
        out.blank()
        try ensureTrained()
        let rows: [[Value]] = (0..<epochs).map { e in
            [.int(e + 1), .number(history.loss[e]), .number(history.tutorialAcc[e]), .int(Int((history.accuracy[e] * 3).rounded()))]
        }
        out.table(Table("train.table", columns: [.init("epoch", format: "d"), .init("loss", format: ".10f"),
                                                 .init("acc (tutorial)", align: .left), .init("right of 3")], rows: rows))
        for r in healthSaid { out.emit(r) }
        healthSaid = []
        out.result("train.result", ["epochs": .int(epochs), "loss": .number(history.loss.last!), "acc": .number(history.tutorialAcc.last!),
                                    "right": .int(Int((history.accuracy.last! * 3).rounded()))])
    }

    func plotCurves(partial: Bool = false) throws {
        if !partial { try ensureTrained() }
        let epochs: [String: Value] = ["epochs": .int(history.loss.count)]
        try context.draw("loss.png", .curves, shows: "pictures.loss", epochs) { text in
            .curves(LinePlot(title: text("pictures.loss-title"), xLabel: text("pictures.x-epoch"), yLabel: text("pictures.loss-y"),
                             series: [Series(name: text("pictures.loss-series"), y: self.history.loss)]))
        }
        try context.draw("accuracy.png", .curves, shows: "pictures.accuracy", epochs) { text in
            .curves(LinePlot(title: text("pictures.accuracy-title"), xLabel: text("pictures.x-epoch"), yLabel: text("pictures.accuracy-y"),
                             series: [Series(name: text("pictures.accuracy-tutorial"), y: self.history.tutorialAcc),
                                      Series(name: text("pictures.accuracy-classification"), y: self.history.accuracy.map { $0 * 100 })],
                             yRange: 0...100))
        }
        if let health {
            try HealthPicture.draw(context, steps: health.batches.map { ($0.x, HealthLog.batchFigures($0.health, layers: health.layers)) }, layers: health.layers,
                                   xRange: 0...Double(max(1, history.loss.count)), xKey: "pictures.x-epoch", wholeXTicks: false,
                                   shows: "pictures.health", epochs)
        }
    }

    func showWeights() throws {
        let net = try ensureTrained()
        out.quantity("w1", net.w1, "show-weights.w1", role: .weight)
        out.quantity("w2", net.w2, "show-weights.w2", role: .weight)
        // A pixel off in all three letters never moves its weights (w1_adj = xᵀ · d1 is 0 there).
        let neverLit = (0..<net.w1.rows).map { p in inputs.allSatisfy { $0.storage[p] == 0 } }
        let epochs: [String: Value] = ["epochs": .int(history.loss.count)]
        try context.draw("w1.png", .weights, shows: "pictures.w1", epochs) { text in
            var map = Heatmap(title: text("pictures.w1-title"), values: (0..<net.w1.rows).map { i in (0..<net.w1.columns).map { net.w1[i, $0] } })
            map.rowLabels = (0..<net.w1.rows).map { text("pictures.w1-row", ["i": .int($0)]) }
            map.columnLabels = (0..<net.w1.columns).map { text("pictures.w1-column", ["j": .int($0)]) }
            map.cellSize = 24
            map.legendCaption = text("pictures.weight")
            map.hatchedRows = Set(neverLit.indices.filter { neverLit[$0] })
            map.hatchCaption = text("pictures.hatched")
            return .table(map)
        }
        try context.draw("w1-pictures.png", .weights, shows: "pictures.w1-pictures", epochs) { text in
            let tiles = (0..<net.w1.columns).map { j in
                var t = Tile(width: Letters.width, height: Letters.height, values: (0..<net.w1.rows).map { net.w1[$0, j] },
                             caption: text("pictures.w1-tile", ["j": .int(j)]))
                t.hatched = neverLit
                return t
            }
            var grid = ImageGrid(title: text("pictures.w1-pictures-title"), tiles: tiles, columns: tiles.count, scale: 30, colormap: .diverging)
            grid.centredOnZero = true
            grid.showColorBar = true
            grid.legendCaption = text("pictures.weight")
            grid.hatchCaption = text("pictures.hatched")
            return .grid(grid)
        }
    }

    func predict() throws {
        let net = try ensureTrained()
        for i in 0..<3 {
            let out = net.forward(inputs[i]).a2
            let k = out.argmaxOverColumns()[0]
            self.out.maps(TerminalMaps([letterPicture(i)], width: Letters.width, height: Letters.height, captions: [.text(Letters.names[i])]))
            self.out.quantity("a2", out, "predict.a2", ["letter": .text(Letters.names[i])], role: .activation)
            self.out.result(k == i ? "predict.right" : "predict.wrong", ["letter": .text(Letters.names[i]), "answer": .text(Letters.names[k])])
        }
    }
}
