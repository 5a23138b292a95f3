// Lesson 2's steps: the A/B/C letters, the 30-5-3 sigmoid network, one sample followed through
// forward and backward, training with per-sample updates, curves, weights and predictions.
import Datasets
import Foundation
import Network
import Numerics
import Rendering

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
        default: return nil
        }
    }

    public static let actions: [ActionSpec] = [
        ActionSpec("show-data", "the three letters as pictures, their input vectors and one-hot labels"),
        ActionSpec("init-weights", "w1 and w2 drawn with randn, one element at a time"),
        ActionSpec("forward-first", "the first letter through the network: z1, a1, z2, a2 and its loss"),
        ActionSpec("backward-first", "the first letter's errors, weight adjustments and updated weights"),
        ActionSpec("train", "per-sample gradient descent; one line per epoch"),
        ActionSpec("plot-curves", "loss and accuracy curves as PNG"),
        ActionSpec("show-weights", "the trained weights, printed and drawn as a heatmap"),
        ActionSpec("predict", "each letter's prediction beside its picture"),
    ]

    let context: LessonContext
    var printer: Printer { context.printer }
    let seed: UInt32
    let hidden: Int
    let learningRate: Double
    let epochs: Int
    let inputs = (0..<3).map(Letters.input)
    let labels = (0..<3).map(Letters.label)

    var initial: LetterNetwork?
    var trained: LetterNetwork?
    var history: (loss: [Double], tutorialAcc: [Double], accuracy: [Double]) = ([], [], [])

    public func summary() -> RunSummary {
        var r = RunSummary()
        r.epochs = history.loss.indices.map { ["epoch": Double($0 + 1), "loss": history.loss[$0], "accuracy": history.accuracy[$0]] }
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

    public func perform(_ step: LessonStep) throws {
        switch step.action {
        case "show-data": try showData()
        case "init-weights": initWeights(show: true)
        case "forward-first": forwardFirst()
        case "backward-first": backwardFirst()
        case "train": try train()
        case "plot-curves": try plotCurves()
        case "show-weights": try showWeights()
        case "predict": try predict()
        default: preconditionFailure("action \(step.action) was checked when the file was read")
        }
    }

    func letterPicture(_ i: Int) -> [Double] { inputs[i].storage }

    func showData() throws {
        printer.picture(TerminalPicture.row((0..<3).map(letterPicture), width: Letters.width, height: Letters.height,
                                            captions: Letters.names, color: printer.color))
        for i in 0..<3 {
            printer.quantity("x[\(i)] (\(Letters.names[i]))", ints: inputs[i].storage.map { Int($0) }, shape: [1, 30], formula: "the 5×6 grid read row by row")
        }
        printer.quantity("y", ints: Letters.labels.storage.map { Int($0) }, shape: [3, 3], formula: "one-hot labels: row i is letter i")
        let grid = ImageGrid(title: "The three letters (5 × 6 pixels)",
                             tiles: (0..<3).map { Tile(width: Letters.width, height: Letters.height, values: letterPicture($0), caption: Letters.names[$0]) },
                             columns: 3, scale: 40, colormap: .ink, range: 0...1)
        try context.writePNG(grid.render(), "letters.png")
    }

    @discardableResult
    func initWeights(show: Bool) -> LetterNetwork {
        if let initial { if show { printInitial(initial) }; return initial }
        var rng = RandomState(seed: seed)
        let net = LetterNetwork(inputs: Letters.width * Letters.height, hidden: hidden, outputs: 3, rng: &rng)
        initial = net
        if show { printInitial(net) }
        return net
    }

    func printInitial(_ net: LetterNetwork) {
        printer.line("np.random.seed(\(seed))")
        printer.quantity("w1", net.w1, formula: "w1[i][j] = randn(), drawn row by row")
        printer.quantity("w2", net.w2, formula: "w2[i][j] = randn(), drawn after all of w1")
    }

    func forwardFirst() {
        let net = initWeights(show: false)
        let f = net.forward(inputs[0])
        printer.quantity("x", ints: f.x.storage.map { Int($0) }, shape: [1, 30], formula: "the letter A as a row vector (integers, as in the tutorial)")
        printer.quantity("z1", f.z1, formula: "z1 = x · w1")
        printer.quantity("a1", f.a1, formula: "a1 = sigmoid(z1) = 1 / (1 + e^(-z1))")
        printer.quantity("z2", f.z2, formula: "z2 = a1 · w2")
        printer.quantity("a2", f.a2, formula: "a2 = sigmoid(z2)")
        printer.quantity("y", ints: labels[0].storage.map { Int($0) }, shape: [3], formula: "the label of A, y[0]")
        let loss = Loss.letterTutorialMSE(f.a2, labels[0], divisor: 3)
        printer.line("loss = Σ (a2 - y)² / 3 = \(NumpyFormat.scalar(loss))")
    }

    func backwardFirst() {
        var net = initWeights(show: false)
        let f = net.forward(inputs[0])
        let g = net.backward(f, y: labels[0])
        printer.quantity("d2", g.d2, formula: "d2 = a2 - y")
        printer.note("the tutorial uses d2 = a2 - y. The derivative of its own loss Σ(a2 - y)²/3 through the sigmoid would be (2/3)(a2 - y) ⊙ a2(1 - a2). We replay the tutorial's d2 so the numbers match it; it still points downhill, because a2(1 - a2) > 0 only rescales each output's error.")
        printer.quantity("d1", g.d1, formula: "d1 = (w2 · d2ᵀ)ᵀ ⊙ a1 ⊙ (1 - a1)")
        printer.quantity("w1_adj", g.w1Adjust, formula: "w1_adj = xᵀ · d1")
        printer.quantity("w2_adj", g.w2Adjust, formula: "w2_adj = a1ᵀ · d2")
        net.apply(g, learningRate: learningRate)
        printer.quantity("w1", net.w1, formula: "w1 ← w1 - \(NumberText.short(learningRate)) · w1_adj")
        printer.quantity("w2", net.w2, formula: "w2 ← w2 - \(NumberText.short(learningRate)) · w2_adj")
    }

    @discardableResult
    func ensureTrained() throws -> LetterNetwork {
        if let trained { return trained }
        var net = initWeights(show: false)
        let progress = Progress("training", total: epochs)
        for e in 1...epochs {
            let l = net.trainEpoch(inputs: inputs, labels: labels, learningRate: learningRate, lossDivisor: 3)
            let meanLoss = l.reduce(0, +) / 3
            history.loss.append(meanLoss)
            history.tutorialAcc.append((1 - meanLoss) * 100)
            history.accuracy.append(Double((0..<3).filter { net.predict(inputs[$0]) == $0 }.count) / 3)
            progress.update(e)
            if !meanLoss.isFinite {
                progress.finish()
                throw LessonError("training diverged in epoch \(e): the loss became \(NumpyFormat.scalar(meanLoss)). Try a smaller learning-rate (now \(NumberText.short(learningRate))).")
            }
            if Interrupt.requested && e < epochs {
                progress.finish()
                try? plotCurves(partial: true)
                throw LessonInterrupted(description: "interrupted after epoch \(e) of \(epochs); the curves so far are in \(printer.relativePath(context.outputDirectory)).")
            }
        }
        progress.finish()
        trained = net
        return net
    }

    func train() throws {
        try ensureTrained()
        printer.line("The update shown above was the first of \(epochs * 3): training starts again from the initial weights.")
        printer.line("loss = mean over the 3 letters of Σ(a2 - y)²/3, taken before each letter's update.")
        printer.line("acc  = the tutorial's figure, (1 - loss) × 100; it is not a classification accuracy.")
        printer.line("accuracy = letters whose largest output is the right one, after the epoch.")
        printer.line()
        printer.line("epoch  loss          acc (tutorial)        accuracy")
        for e in 0..<epochs {
            let acc = NumpyFormat.scalar(history.tutorialAcc[e])
            let text = String(format: "%5d  %.10f  ", e + 1, history.loss[e]) + acc.padding(toLength: 20, withPad: " ", startingAt: 0)
                + "  \(Int((history.accuracy[e] * 3).rounded()))/3"
            printer.line(text)
        }
        printer.result("after \(NumberText.count(epochs, "epoch")): loss \(String(format: "%.10f", history.loss.last!)), tutorial acc \(NumpyFormat.scalar(history.tutorialAcc.last!)), accuracy \(Int((history.accuracy.last! * 3).rounded()))/3")
    }

    func plotCurves(partial: Bool = false) throws {
        if !partial { try ensureTrained() }
        let loss = LinePlot(title: "Letters: loss per epoch", xLabel: "epoch", yLabel: "mean loss Σ(a2 − y)²/3",
                            series: [Series(name: "loss", y: history.loss)])
        try context.writePNG(loss.render(), "loss.png")
        let acc = LinePlot(title: "Letters: accuracy per epoch", xLabel: "epoch", yLabel: "percent",
                           series: [Series(name: "tutorial's acc = (1 − loss) × 100", y: history.tutorialAcc),
                                    Series(name: "classification accuracy × 100", y: history.accuracy.map { $0 * 100 })],
                           yRange: 0...100)
        try context.writePNG(acc.render(), "accuracy.png")
    }

    func showWeights() throws {
        let net = try ensureTrained()
        printer.quantity("w1", net.w1, formula: "trained input → hidden weights")
        printer.quantity("w2", net.w2, formula: "trained hidden → output weights")
        var map = Heatmap(title: "Trained w1: input pixel (row) → hidden unit (column)",
                          values: (0..<net.w1.rows).map { i in (0..<net.w1.columns).map { net.w1[i, $0] } })
        map.rowLabels = (0..<net.w1.rows).map { "px \($0)" }
        map.columnLabels = (0..<net.w1.columns).map { "h\($0)" }
        map.cellSize = 24
        map.legendCaption = "weight"
        try context.writePNG(map.render(), "w1.png")
        let tiles = (0..<net.w1.columns).map { j in
            Tile(width: Letters.width, height: Letters.height, values: (0..<net.w1.rows).map { net.w1[$0, j] }, caption: "hidden \(j)")
        }
        var grid = ImageGrid(title: "What each hidden unit looks for (w1 columns as 5 × 6 pictures)", tiles: tiles,
                             columns: tiles.count, scale: 30, colormap: .diverging)
        grid.centredOnZero = true
        grid.showColorBar = true
        grid.legendCaption = "weight"
        try context.writePNG(grid.render(), "w1-pictures.png")
    }

    func predict() throws {
        let net = try ensureTrained()
        for i in 0..<3 {
            let out = net.forward(inputs[i]).a2
            let k = out.argmaxOverColumns()[0]
            printer.picture(TerminalPicture.render(letterPicture(i), width: Letters.width, height: Letters.height, color: printer.color))
            printer.quantity("a2", out, formula: "network output for letter \(Letters.names[i])")
            printer.result("Letter \(Letters.names[i]): the network says \(Letters.names[k]) \(k == i ? "(right)" : "(wrong)")")
        }
    }
}
