// Lesson 3's steps: the tutorial's CNN declared in the lesson file, one test image followed through
// every layer forward and back on the naive path, gradient checks, mini-batch training on the
// vectorised path, a versioned weights file, and pictures of filters, feature maps and errors.
import Datasets
import Foundation
import Network
import Training
import Numerics
import Rendering

public final class CNNEngine: LessonEngine {
    public static let name = "cnn"
    public static let settingSpecs: [SettingSpec] = [
        SettingSpec("init-seed", .integer(0...Int(UInt32.max)), default: "100", "np.random.seed at the start of every layer's init"),
        SettingSpec("learning-rate", .number(above: 0, max: 100), default: "0.1", "lr for layers without their own lr="),
        SettingSpec("lambda", .number(above: -1e-300, max: 100), default: "0.01", "L2 weight decay"),
        SettingSpec("clip", .number(above: 0, max: 1e9), default: "0.5", "weight gradients clipped to [-clip, clip]"),
        SettingSpec("clip-scope", .choice(CNN.ClipScope.allCases.map(\.rawValue)), default: "image",
                    "batch: the batch-summed gradient of every layer; image: each image's dense gradient, as the tutorial's layer code"),
        SettingSpec("batch", .integer(1...60_000), default: "512", "mini-batch size"),
        SettingSpec("epochs", .integer(1...1000), default: "50", "passes over the training images"),
        SettingSpec("train-images", .integer(1...60_000), default: "60000", "training images used"),
        SettingSpec("test-images", .integer(1...10_000), default: "10000", "test images used"),
        SettingSpec("trace-image", .integer(0...9_999), default: "0", "test image followed through the step-through"),
        SettingSpec("filter-init", .choice(Conv2D.FilterDraw.allCases.map(\.rawValue)), default: "per-filter", "per-filter: the serial code's draws; one-draw: the vectorised code's single draw"),
        SettingSpec("precision", .choice(["float32", "float64"]), default: "float32", "what training computes in (the step-through is always float64)"),
        SettingSpec("worked-at", .text, default: "auto", "row,column of conv1's output where the worked path starts (--at i,j), or conv2:i,j; auto: where conv1 responds most"),
        SettingSpec("worked-channel", .text, default: "auto", "output channel where the worked path starts (--channel k); auto: the largest"),
        SettingSpec("explain-image", .text, default: "auto", "the test image the explain step asks about (index K); auto: the most confidently misread"),
        SettingSpec("confusion-cell", .text, default: "auto", "true,read digits of the confusion cell whose test images are shown (--show-confusion 4,9); auto: the largest"),
        SettingSpec("memory-budget", .number(above: 0, max: 1e6), default: "2", "GB the network may take to train; a larger one is refused before anything runs"),
    ]
    public static let actions: [ActionSpec] = [
        ActionSpec("load-data"),  // the 60,000 training and 10,000 test digits
        ActionSpec("init-weights"),  // He initialisation as the tutorial does it
        ActionSpec("forward", arguments: ["layer"],  // one layer's forward pass on the traced image (layer=NAME)
                   asks: ["conv-output", "conv-group", "max-pool"]),
        ActionSpec("loss", asks: ["loss"]),  // the traced image's probabilities and cross-entropy
        ActionSpec("backward", arguments: ["layer"],  // one layer's backward pass on the traced image (layer=NAME)
                   asks: ["pool-route", "pool-zero", "dense-delta", "dense-dW", "conv-dW", "conv-delta-in", "relu-gate"]),
        ActionSpec("input-gradient"),  // ∂J/∂x: the traced image's error carried back to its pixels
        ActionSpec("gradient-check"),  // numerical against analytic gradients for every layer with parameters
        ActionSpec("train"),  // mini-batch training with a live progress line; saves the weights
        ActionSpec("plot-cost"),  // the cost and accuracy per epoch as PNG
        ActionSpec("evaluate"),  // test accuracy, confusion matrix and misclassified digits
        ActionSpec("show-filters"),  // conv filters before and after training as PNG grids
        ActionSpec("feature-maps"),  // the traced image's feature maps and backward errors as PNG
        ActionSpec("favourite-patches"),  // each conv filter's 9 favourite test patches, beside the filter
        ActionSpec("explain"),  // why one test digit was misread: its scores, their pixel gradients, occlusion
        ActionSpec("confusion-cell"),  // the test digits of one confusion-matrix cell
    ]

    public static let seedSetting = "init-seed"
    public static let loadsWeights = true
    public static func instead(of key: String) -> String? {
        switch key {
        case "dataset": return "lesson 3 always reads the full MNIST files; --set train-images=N and --set test-images=N choose how many it uses"
        case "gradients": return "lesson 3's gradients are the tutorial's; its quirk is clipping, set with --set clip-scope=image|batch or --set clip=1000 (off)"
        case "iterations": return "lesson 3 trains in epochs: --epochs N"
        default: return nil
        }
    }

    let context: LessonContext
    var out: RecordStream { context.out }
    let settings: LessonSettings
    let specs: [LayerSpec]
    var rng = RandomState(seed: 0)
    var train: ImageSet?
    var test: ImageSet?
    var initial: CNN?
    var trained: CNN?
    /// The fast path that trained `trained`, kept for evaluating with it.
    var trainer: CNNTrainer?
    var precision: Precision { Precision(rawValue: settings.string("precision"))! }

    var history: [EpochRecord] = []
    /// For every mini-batch: epochs done, this batch's mean cross-entropy (the thin line under the epochs
    /// in cost.png), and the share of its images its forward pass classified right before the update (a
    /// short run's accuracy.png); nil for batches restored from a run.json written before it was kept.
    var batchLosses: [(x: Double, loss: Double, accuracy: Double?)] = []
    /// The training's health, batch by batch (nil until it trains here).
    var health: HealthLog?
    /// Per batch, the health figures of the run that trained the loaded weights (its run.json).
    var restoredBatchHealth: [[String: Double]] = []
    var trace: (pass: CNN.ForwardPass, back: CNN.BackwardPass, label: Int)?
    /// The worked places of the step-through (CNNEngine+Path.swift), once worked out.
    var path: [Int: Place]?

    /// The classes the data has: MNIST-format labels are the digits 0 to 9.
    static let classes = 10

    public static func validate(_ file: LessonFile, settings: LessonSettings) throws {
        let chosen = try workedPlace(settings)
        _ = try confusionCellSetting(settings)
        _ = try explainImageSetting(settings)
        let block = file.blocks["network"] ?? []
        let specs = try NetworkBlock.parse(block, file: file.path, input: [28, 28, 1])
        if let name = chosen.layer, !specs.contains(where: { $0.kind is ConvKind && $0.name == name }) {
            let convs = specs.filter { $0.kind is ConvKind }.map(\.name)
            throw LessonError("--at \(settings.string("worked-at")): \(name) is not a conv layer of this network; use one of \(convs.joined(separator: ", ")), e.g. --at \(convs.last ?? "conv1"):3,5.")
        }
        // layer= names a layer of the network, checked now rather than when the step comes (after training).
        for step in file.steps where step.arguments["layer"] != nil && !specs.contains(where: { $0.name == step.arguments["layer"] }) {
            throw LessonError.at(file.path, line: step.line, "\(step.action) layer=\(step.arguments["layer"]!): the ```network block has no such layer; use one of \(specs.map(\.name).joined(separator: ", ")).")
        }
        try validateQuiz(file, specs: specs)
        // The softmax scores the 10 digits (MNIST-format labels 0-9): the layer before it must give 10
        // outputs, or the loss and its gradient would index past each image's row.
        let shapes = try CNN.shapes(of: specs, input: [28, 28, 1]).get()
        if let last = specs.indices.last, specs[last].kind is Softmax, last > 0, shapes[last - 1] != [Self.classes] {
            let lines = NetworkBlock.lines(block)
            throw LessonError.at(file.path, line: lines[last - 1],
                                 "layer \(specs[last - 1].name) gives \(NumberText.count(shapes[last - 1].reduce(1, *), "output")), but the softmax after it scores the \(Self.classes) digits; make it `dense out=\(Self.classes)`.")
        }
        // What training will allocate, worked out before anything is: refused over the budget with the
        // layer that weighs most, so `dense out=100000000` is a message, not an abort.
        let batch = min(settings.int("batch"), max(settings.int("train-images"), settings.int("test-images")))
        let precision = settings.string("precision")
        let estimate = MemoryEstimate(specs: specs, input: [28, 28, 1], shapes: shapes, batch: batch, shards: CNNTrainer.defaultShards,
                                      scalarBytes: precision == "float32" ? 4 : 8,
                                      // the images used (784 pixels and an Int label each), cut from the whole files
                                      keptBytes: (settings.int("train-images") + settings.int("test-images")) * (784 + 8), loadingBytes: 70_000 * 785)
        let budget = settings.double("memory-budget")
        if estimate.bytes.map({ Double($0) > budget * 1e9 }) ?? true {
            let layer = estimate.largestLayer
            let size = estimate.bytes.map { String(format: "about %.3g GB", Double($0) / 1e9) } ?? "more bytes than a number can count"  // (error message)
            throw LessonError.at(file.path, line: NetworkBlock.lines(block)[layer],
                                 "layer \(specs[layer].name): the network needs \(size) to train (batches of \(batch), \(precision)), over the memory budget of \(NumberText.short(budget)) GB; make the layer smaller, lower --set batch=N, or raise --set memory-budget=GB.")
        }
        // Within the budget but past what this machine has free: refused now, because an allocation
        // that fails later cannot be caught (it aborts, or the kernel kills the process mid-run).
        if let needed = estimate.bytes, let free = SystemMemory.available(), needed > free {
            let gb = { (bytes: Int) in String(format: "%.3g", Double(bytes) / 1e9) }  // (error message)
            throw LessonError.at(file.path, line: NetworkBlock.lines(block)[estimate.largestLayer],
                                 "layer \(specs[estimate.largestLayer].name): the network needs about \(gb(needed)) GB to train (batches of \(batch), \(precision)), but this machine has \(gb(free)) GB free; make the layer smaller, lower --set batch=N, or close other programs.")
        }
    }

    public required init(context: LessonContext) throws {
        self.context = context
        settings = context.settings
        // One image's GEMMs gain nothing from BLAS threads, and training runs its shards on single-
        // threaded BLAS: an idle OpenBLAS worker would only spin on sched_yield after each threaded
        // call, taking one of two cores from the shards (measured: 12 % less CPU, 3 % less wall time).
        BLASThreads.set(1)
        specs = try NetworkBlock.parse(context.file.blocks["network"] ?? [], file: context.file.path, input: [28, 28, 1])
        if let w = context.weightsFile {
            // Checked before any step runs, so a bad file costs nothing and prints nothing.
            guard FileManager.default.fileExists(atPath: w.path) else {
                throw LessonError("--weights \(w.path): no such file; pass a weights file written by `lesson run 3` (Output/lesson-3/weights.lnw).")
            }
            var scratch = RandomState(seed: 0)
            var net = try CNN(specs: specs, inputShape: [28, 28, 1], seed: 0, rng: &scratch)
            // Weights for this network are exactly this long: a larger file is refused before it is read.
            let expected = WeightsFile.byteCount(for: net)
            let bytes = try BoundedRead.bytes(w, limit: expected, what: "--weights \(w.path)",
                                              why: "weights for this lesson's network are \(expected) bytes")
            do { net.parameters = try WeightsFile.decode(bytes, for: net, name: "--weights \(w.path)") } catch let e as WeightsFile.FormatError {
                throw LessonError(e.description)
            }
            loadedWeights = net.parameters
            restoreHistory(beside: w)
            loadedDescription = Self.describe(weights: w, history: history)
        }
    }

    /// The training that made a weights file, when the run that wrote it left its run.json beside it:
    /// the curves and captions of a `--weights` run (a notebook cell after the training cell) are then
    /// those of the run that trained, and its evaluation runs in that run's precision, as it did there.
    func restoreHistory(beside weights: URL) {
        let folder = weights.deletingLastPathComponent()
        guard let (record, _) = try? RunRecord.load(folder.path), record.engine == Self.name,
              record.summary.weightsFile == weights.lastPathComponent, !record.summary.epochs.isEmpty else { return }
        let restored = record.summary.epochs.compactMap(EpochRecord.init(figures:))
        guard restored.count == record.summary.epochs.count else { return }
        history = restored
        // run.json's epochs are those of the training that made the weights.
        for e in restored { out.epoch(e.figures) }
        let batches = (record.summary.batches ?? []).filter { $0["x"] != nil && $0["loss"] != nil }
        batchLosses = batches.map { ($0["x"]!, $0["loss"]!, $0["accuracy"]) }
        // Each batch's health figures (LAYER.update_ratio, LAYER.dead, ...), for health.png.
        restoredBatchHealth = batches.map { $0.filter { $0.key.contains(".") } }
        trainedPrecision = record.settings["precision"].flatMap(Precision.init(rawValue:))
    }

    /// What the loaded weights are, for titles and captions: the shipped ones by their epochs (from the
    /// `NAME.json` that ships beside them), a run's by its epochs (its run.json), else by file name.
    var loadedDescription = Phrase("state.loaded-file", ["file": .text("")])

    static func describe(weights: URL, history: [EpochRecord]) -> Phrase {
        let name = Value.text(weights.lastPathComponent)
        if !history.isEmpty { return Phrase("state.loaded-run", ["file": name, "epochs": .int(history.count)]) }
        let about = weights.deletingPathExtension().appendingPathExtension("json")
        // The shipped weights' note, a few lines of JSON (bounded: a stray file of that name is not read whole).
        if let bytes = try? BoundedRead.bytes(about, limit: 1 << 20, what: about.path, why: "a weights file's note is a few lines"),
           let json = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
           let epochs = json["epochs"] as? Int {
            return Phrase("state.loaded-shipped", ["file": name, "epochs": .int(epochs)])
        }
        return Phrase("state.loaded-file", ["file": name])
    }

    /// The precision the loaded weights were trained in (from their run.json), to evaluate them as it did.
    var trainedPrecision: Precision?

    var loadedWeights: [Tensor<Double>]?
    /// Whether the data folder's SHA256SUMS checked the files (false: there was none).
    var dataVerified = false
    /// Which filter grids ("before", "after") this run has written.
    var drawnFilters = Set<String>()
    var evaluatedAccuracy: Double?
    /// Per ReLU conv layer, the filters dead on the test set after training (the evaluate step's).
    var deadFilters: [[Int]] = []
    var wroteWeights = false
    /// Every misread test digit of the evaluation, most confident first (run.json keeps them all).
    var misread: [(index: Int, label: Int, predicted: Int, confidence: Double, pTrue: Double)] = []
    /// Whether `misread` holds the ranking of this network's test predictions (it may be empty).
    var misreadRanked = false
    /// The test set's predictions on the fast path, once the evaluation (or a step after it) has them.
    var testPredictions: [Int]?

    public func summary() -> RunSummary {
        var r = RunSummary()
        // A data folder smaller than asked: the images there are what was used.
        var used = [String: String]()
        if let train, train.labels.count < settings.int("train-images") { used["train-images"] = String(train.labels.count) }
        if let test, test.labels.count < settings.int("test-images") { used["test-images"] = String(test.labels.count) }
        if !used.isEmpty { r.settingsUsed = used }
        if let last = history.last {
            r.final["cost"] = last.cost
            r.final["train_accuracy"] = last.trainAccuracy
            r.final["test_accuracy"] = last.testAccuracy
            r.final["clipped_entries"] = Double(history.reduce(0) { $0 + $1.clippedEntries })
            r.final["clipped_updates"] = Double(history.reduce(0) { $0 + $1.clippedUpdates })
        }
        if let evaluatedAccuracy { r.final["test_accuracy"] = evaluatedAccuracy }
        if wroteWeights { r.weightsFile = "weights.lnw" }
        if !misread.isEmpty {
            r.misread = misread.map { ["index": Double($0.index), "true": Double($0.label), "predicted": Double($0.predicted),
                                       "confidence": $0.confidence, "p_true": $0.pTrue] }
        }
        if !batchLosses.isEmpty {
            // Each batch's health beside its loss, when this run trained (a restored history has none).
            let measured = health.map(\.batches).flatMap { $0.count == batchLosses.count ? $0 : nil }
            r.batches = batchLosses.enumerated().map { i, b in
                var figures = ["x": b.x, "loss": b.loss]
                figures["accuracy"] = b.accuracy
                if let measured, let layers = health?.layers { figures.merge(HealthLog.batchFigures(measured[i].health, layers: layers)) { a, _ in a } }
                else if restoredBatchHealth.count == batchLosses.count { figures.merge(restoredBatchHealth[i]) { a, _ in a } }
                return figures
            }
        }
        return r
    }

    func index(of layer: String?, step: LessonStep) throws -> Int {
        guard let layer, let i = specs.firstIndex(where: { $0.name == layer }) else {
            throw LessonError.at(context.file.path, line: step.line, "\(step.action) needs layer=NAME with a layer from the ```network block (\(specs.map(\.name).joined(separator: ", "))).")
        }
        return i
    }

    public func perform(_ step: LessonStep) throws {
        if context.quiz { try askQuestions(step) }
        switch step.action {
        case "load-data": try loadData()
        case "init-weights": try initWeights()
        case "forward": try forward(try index(of: step.arguments["layer"], step: step))
        case "loss": try loss()
        case "backward": try backward(try index(of: step.arguments["layer"], step: step))
        case "input-gradient": try inputGradient()
        case "gradient-check": try gradientCheck()
        case "train": try trainNetwork()
        case "plot-cost": try plotCost()
        case "evaluate": try evaluate()
        case "show-filters": try showFilters()
        case "feature-maps": try featureMaps()
        case "favourite-patches": try favouritePatches()
        case "explain": try explain()
        case "confusion-cell": try showConfusionCell()
        default: preconditionFailure("action \(step.action) was checked when the file was read")
        }
    }

    // MARK: Data and initialisation

    func ensureData() throws -> (ImageSet, ImageSet) {
        if let train, let test { return (train, test) }
        let (tr, trainReport) = try MNIST.load(.train, from: context.mnistDirectory)
        let (te, testReport) = try MNIST.load(.test, from: context.mnistDirectory)
        dataVerified = trainReport.verified && testReport.verified
        let nTrain = settings.int("train-images"), nTest = settings.int("test-images")
        let a = tr.prefix(nTrain), b = te.prefix(nTest)
        train = ImageSet(pixels: a.pixels, labels: a.labels.map(Int.init), height: 28, width: 28)
        test = ImageSet(pixels: b.pixels, labels: b.labels.map(Int.init), height: 28, width: 28)
        // Fewer images than asked: said once, and run.json records the numbers used (summary()).
        if a.count < nTrain || b.count < nTest {
            out.note("load-data.fewer", ["train": .int(a.count), "test": .int(b.count), "asked-train": .int(nTrain), "asked-test": .int(nTest)])
        }
        return (train!, test!)
    }

    func ensureInitial() throws -> CNN {
        if let initial { return initial }
        let net = try CNN(specs: specs, inputShape: [28, 28, 1], seed: UInt32(settings.int("init-seed")),
                          filterDraw: Conv2D.FilterDraw(rawValue: settings.string("filter-init"))!, rng: &rng)
        initial = net  // the stream now continues where the last layer's init left it, as the tutorial's does
        return net
    }

    func loadData() throws {
        let (tr, te) = try ensureData()
        out.say(dataVerified ? "load-data.folder-verified" : "load-data.folder-unverified", ["folder": .text(out.relativePath(context.mnistDirectory))])
        out.say("load-data.shapes", ["train": .shape([tr.count, 28, 28, 1]), "test": .shape([te.count, 28, 28, 1])])
        let idx = settings.int("trace-image")
        guard idx < te.count else { throw LessonError("trace-image \(idx) is past the \(NumberText.count(te.count, "test image")) (0 to \(te.count - 1)); choose a smaller index.") }
        out.say("load-data.traced", ["index": .int(idx), "label": .int(te.labels[idx])])
        let digit = te.batch([idx][...]).storage
        out.maps(TerminalMaps([digit], width: 28, height: 28, captions: [.phrase(Phrase("maps.label", ["label": .int(te.labels[idx])]))]))
        let traced: [String: Value] = ["index": .int(idx), "label": .int(te.labels[idx])]
        try context.draw("traced-digit.png", .gallery, shows: "load-data.traced-png", traced) { text in
            var grid = ImageGrid(title: text("load-data.traced-title", traced), tiles: [Tile(width: 28, height: 28, values: digit, caption: text("pictures.pixel-caption"))],
                                 columns: 1, scale: 10, colormap: .gray, range: 0...1)
            grid.showColorBar = true; grid.legendCaption = text("pictures.pixel")
            return .grid(grid)
        }
    }

    func layerTable(_ net: CNN) -> Table {
        let shapes = try! CNN.shapes(of: specs, input: [28, 28, 1]).get()
        var rows = [[Value]]()
        for (i, s) in specs.enumerated() {
            let params: Int
            switch net.layers[i] {
            case let c as Conv2D: params = c.weights.count + c.bias.count
            case let d as Dense: params = d.weights.count + d.bias.count
            default: params = 0
            }
            rows.append([.text(s.name), .text(s.summary), .shape(shapes[i]), params > 0 ? .int(params) : .text("")])
        }
        return Table("init-weights.layers", columns: [.init("layer", align: .left), .init("kind", align: .left), .init("output shape", align: .left),
                                                      .init("parameters", format: ",")], rows: rows)
    }

    func initWeights() throws {
        let net = try ensureInitial()
        out.table(layerTable(net))
        let seed = Value.int(settings.int("init-seed"))
        for (i, layer) in net.layers.enumerated() {
            switch layer {
            case let c as Conv2D:
                let sizes: [String: Value] = ["seed": seed, "fan": .int(c.f * c.f * c.inChannels), "f": .int(c.f), "in": .int(c.inChannels), "out": .int(c.outChannels)]
                out.quantity("\(specs[i].name) filters", c.weights, "init-weights.filters", sizes,
                             role: .weight, layout: .filterBank)
                out.quantity("\(specs[i].name) biases", c.bias, "init-weights.biases", sizes, role: .weight)
            case let d as Dense:
                out.quantity("\(specs[i].name) weights", d.weights, "init-weights.dense", ["seed": seed, "in": .int(d.inputs), "out": .int(d.outputs)], role: .weight)
            default: break
            }
        }
        out.note("init-weights.reseed-note", ["seed": seed])
        if context.weightsFile != nil { out.note("init-weights.loaded", ["weights": .phrase(loadedDescription)]) }
        try drawFilters(net, suffix: "before")
    }

    // MARK: Step-through on one image (naive path)

    func ensureTrace() throws -> (pass: CNN.ForwardPass, back: CNN.BackwardPass, label: Int) {
        if let trace { return trace }
        let (_, te) = try ensureData()
        let net = try ensureStepNetwork()
        let idx = settings.int("trace-image")
        let x = te.batch([idx][...])
        let pass = net.forward(x, naive: true)
        let back = net.backward(pass, labels: [te.labels[idx]], naive: true)
        trace = (pass, back, te.labels[idx])
        return trace!
    }

    /// The network the step-through follows: the loaded weights (`--pretrained`, `--weights`), so a
    /// teacher can trace how the trained network reads a digit; else the seeded initialisation.
    func ensureStepNetwork() throws -> CNN {
        var net = try ensureInitial()
        if let loadedWeights { net.parameters = loadedWeights }
        return net
    }

    /// Which weights the step-through's pictures show, for their titles and file names.
    var stepState: Value { .phrase(context.weightsFile == nil ? Phrase("state.initial") : loadedDescription) }
    var stepSuffix: String { context.weightsFile == nil ? "initial" : "loaded" }

    /// Channel `c` of an NHWC tensor of one image as an (H, W) matrix.
    func channel(_ t: Tensor<Double>, _ c: Int) -> Tensor<Double> {
        let (h, w, cs) = (t.shape[1], t.shape[2], t.shape[3])
        return Tensor(shape: [h, w]) { k in t.storage[k * cs + c] }
    }

    /// One image's (1, H, W, C) tensor as (H, W, C): shown a channel at a time.
    func image(_ t: Tensor<Double>) -> Tensor<Double> { t.reshaped(t.shape[1], t.shape[2], t.shape[3]) }

    /// Each channel's minimum, maximum, mean and active share, as a table.
    func channelStats(_ t: Tensor<Double>, caption: String) {
        let rows: [[Value]] = (0..<t.shape[3]).map { c in
            let v = channel(t, c).storage
            return [.int(c), .number(v.min()!), .number(v.max()!), .number(v.reduce(0, +) / Double(v.count)),
                    .int(v.filter { $0 > 0 }.count), .int(v.count)]
        }
        out.table(Table(caption, columns: [.init("channel"), .init("min", format: " .4f"), .init("max", format: " .4f"),
                                                            .init("mean", format: " .4f"), .init("positive"), .init("of")], rows: rows))
    }
}
