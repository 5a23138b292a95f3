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
        SettingSpec("memory-budget", .number(above: 0, max: 1e6), default: "2", "GB the network may take to train; a larger one is refused before anything runs"),
    ]
    public static let actions: [ActionSpec] = [
        ActionSpec("load-data", "the 60,000 training and 10,000 test digits"),
        ActionSpec("init-weights", "He initialisation as the tutorial does it"),
        ActionSpec("forward", "one layer's forward pass on the traced image (layer=NAME)", arguments: ["layer"],
                   asks: ["conv-output", "conv-group", "max-pool"]),
        ActionSpec("loss", "the traced image's probabilities and cross-entropy", asks: ["loss"]),
        ActionSpec("backward", "one layer's backward pass on the traced image (layer=NAME)", arguments: ["layer"],
                   asks: ["pool-route", "pool-zero", "dense-delta", "dense-dW", "conv-dW", "conv-delta-in", "relu-gate"]),
        ActionSpec("input-gradient", "∂J/∂x: the traced image's error carried back to its pixels"),
        ActionSpec("gradient-check", "numerical against analytic gradients for every layer with parameters"),
        ActionSpec("train", "mini-batch training with a live progress line; saves the weights"),
        ActionSpec("plot-cost", "the cost and accuracy per epoch as PNG"),
        ActionSpec("evaluate", "test accuracy, confusion matrix and misclassified digits"),
        ActionSpec("show-filters", "conv filters before and after training as PNG grids"),
        ActionSpec("feature-maps", "the traced image's feature maps and backward errors as PNG"),
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
    /// (epochs done, this batch's mean cross-entropy) for every mini-batch: the thin line under the epochs.
    var batchLosses: [(x: Double, loss: Double)] = []
    var trace: (pass: CNN.ForwardPass, back: CNN.BackwardPass, label: Int)?
    /// The worked places of the step-through (CNNEngine+Path.swift), once worked out.
    var path: [Int: Place]?

    public static func validate(_ file: LessonFile, settings: LessonSettings) throws {
        let chosen = try workedPlace(settings)
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
        // What training will allocate, worked out before anything is: refused over the budget with the
        // layer that weighs most, so `dense out=100000000` is a message, not an abort.
        let shapes = try CNN.shapes(of: specs, input: [28, 28, 1]).get()
        let batch = min(settings.int("batch"), max(settings.int("train-images"), settings.int("test-images")))
        let precision = settings.string("precision")
        let estimate = MemoryEstimate(specs: specs, input: [28, 28, 1], shapes: shapes, batch: batch, shards: CNNTrainer.defaultShards,
                                      scalarBytes: precision == "float32" ? 4 : 8, imageBytes: 70_000 * 785)
        let budget = settings.double("memory-budget")
        if estimate.bytes.map({ Double($0) > budget * 1e9 }) ?? true {
            let layer = estimate.largestLayer
            let size = estimate.bytes.map { String(format: "about %.3g GB", Double($0) / 1e9) } ?? "more bytes than a number can count"  // (error message)
            throw LessonError.at(file.path, line: NetworkBlock.lines(block)[layer],
                                 "layer \(specs[layer].name): the network needs \(size) to train (batches of \(batch), \(precision)), over the memory budget of \(NumberText.short(budget)) GB; make the layer smaller, lower --set batch=N, or raise --set memory-budget=GB.")
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
            let bytes: [UInt8]
            do { bytes = [UInt8](try Data(contentsOf: w)) } catch {
                throw LessonError("--weights \(w.path): cannot read it; check the path and permissions.")
            }
            var scratch = RandomState(seed: 0)
            var net = try CNN(specs: specs, inputShape: [28, 28, 1], seed: 0, rng: &scratch)
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
        batchLosses = (record.summary.batches ?? []).compactMap { b in b["x"].flatMap { x in b["loss"].map { (x, $0) } } }
        trainedPrecision = record.settings["precision"].flatMap(Precision.init(rawValue:))
    }

    /// What the loaded weights are, for titles and captions: the shipped ones by their epochs (from the
    /// `NAME.json` that ships beside them), a run's by its epochs (its run.json), else by file name.
    var loadedDescription = ""

    static func describe(weights: URL, history: [EpochRecord]) -> String {
        let name = weights.lastPathComponent
        if !history.isEmpty { return "the weights of \(name) (\(NumberText.count(history.count, "epoch")))" }
        let about = weights.deletingPathExtension().appendingPathExtension("json")
        if let data = try? Data(contentsOf: about), let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let epochs = json["epochs"] as? Int {
            return "the shipped \(epochs)-epoch weights (\(name))"
        }
        return "the weights of \(name)"
    }

    /// The precision the loaded weights were trained in (from their run.json), to evaluate them as it did.
    var trainedPrecision: Precision?

    var loadedWeights: [Tensor<Double>]?
    /// Whether the data folder's SHA256SUMS checked the files (false: there was none).
    var dataVerified = false
    /// Which filter grids ("before", "after") this run has written.
    var drawnFilters = Set<String>()
    var evaluatedAccuracy: Double?
    var wroteWeights = false

    public func summary() -> RunSummary {
        var r = RunSummary()
        r.epochs = history.map(\.figures)
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
        if !batchLosses.isEmpty { r.batches = batchLosses.map { ["x": $0.x, "loss": $0.loss] } }
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
        out.maps(TerminalMaps([digit], width: 28, height: 28, captions: ["label \(te.labels[idx])"]))
        var grid = ImageGrid(title: "Test image \(idx), label \(te.labels[idx]): the digit the step-through follows",
                             tiles: [Tile(width: 28, height: 28, values: digit, caption: "pixel / 255")], columns: 1, scale: 10, colormap: .gray, range: 0...1)
        grid.showColorBar = true; grid.legendCaption = "pixel"
        try context.writePNG(grid.render(), "traced-digit.png", shows: "load-data.traced-png", ["index": .int(idx), "label": .int(te.labels[idx])])
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
        if context.weightsFile != nil { out.note("init-weights.loaded", ["weights": .text(loadedDescription)]) }
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
    var stepState: String { context.weightsFile == nil ? "initial weights" : loadedDescription }
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

    func forward(_ i: Int) throws {
        let net = try ensureStepNetwork()
        let t = try ensureTrace()
        let x = t.pass.inputs[i], z = t.pass.outputs[i]
        switch net.layers[i] {
        case let c as Conv2D:
            out.say("forward.conv", ["input": .shape(Array(x.shape.dropFirst())), "output": .shape(Array(z.shape.dropFirst())),
                                     "filters": .int(c.outChannels), "f": .int(c.f), "in": .int(c.inChannels)])
            // The worked output: where the layer responds most, across all its channels (a worked sum
            // over a patch of zeros, the top-left corner, would show nothing).
            let (h, w, cs) = (z.shape[1], z.shape[2], z.shape[3])
            let place = try workedPath()[i]!
            let (oy, ox, k) = (place.y, place.x, place.c)
            let best = place.flat(width: w, channels: cs)
            if place.how == .outside {
                out.say("forward.place-outside", ["layer": .text(specs[i].name), "shape": .shape([h, w, cs])])
            }
            var why = Phrase(place.how == .chosen ? "forward.sum-why-chosen" : "forward.sum-why", ["layer": .text(specs[i].name)])
            if case .follows(let j) = place.how, let q = try workedPath()[j] {
                why = Phrase("forward.sum-why-follows", ["layer": .text(specs[i].name), "from": .text(specs[j].name), "at": .index(q.index),
                                                         "a": .int(q.y - (oy * c.stride - c.pad)), "b": .int(q.x - (ox * c.stride - c.pad))])
            }
            let patch = Tensor<Double>(shape: [c.f, c.f, c.inChannels]) { q in
                let ci = q % c.inChannels, kw = (q / c.inChannels) % c.f, kh = q / c.inChannels / c.f
                return c.inputValue(x, 0, oy * c.stride + kh - c.pad, ox * c.stride + kw - c.pad, ci)
            }
            let size = c.f * c.f * c.inChannels
            let filter = Tensor<Double>(shape: [c.f, c.f, c.inChannels], storage: Array(c.weights.storage[(k * size)..<((k + 1) * size)]))
            let at: [String: Value] = ["f": .int(c.f), "y": .int(oy * c.stride - c.pad), "x": .int(ox * c.stride - c.pad),
                                       "y2": .int(oy * c.stride - c.pad + c.f), "x2": .int(ox * c.stride - c.pad + c.f), "k": .int(k)]
            if c.inChannels == 1 {
                out.quantity("patch", patch.reshaped(c.f, c.f), "forward.patch", at, role: .data)
                out.quantity("W[\(k)]", filter.reshaped(c.f, c.f), "forward.filter", at, role: .weight)
            }
            // Products in the filter's order; for several input channels, grouped by channel.
            var terms = [WorkedSum.Term]()
            for ci in 0..<c.inChannels {
                for q in 0..<(c.f * c.f) { terms.append(.init(patch.storage[q * c.inChannels + ci], filter.storage[q * c.inChannels + ci], group: ci)) }
            }
            if c.inChannels > 1 {
                // Patch and filter shown at the input channel whose products carry most of the sum: the one
                // the worked sum writes out term by term (first on ties).
                let subtotals = (0..<c.inChannels).map { ci in terms.filter { $0.group == ci }.reduce(0.0) { $0 + $1.a * $1.b } }
                let carrying = subtotals.indices.reduce(0) { abs(subtotals[$1]) > abs(subtotals[$0]) ? $1 : $0 }
                out.quantity("patch", patch, "forward.patch-channels", at, role: .activation, layout: .imageChannels, channel: carrying)
                out.quantity("W[\(k)]", filter, "forward.filter-channels", at, role: .weight, layout: .imageChannels, channel: carrying)
            }
            out.sum(WorkedSum(name: "z", index: [oy, ox, k], formula: Phrase(c.inChannels == 1 ? "forward.sum" : "forward.sum-channels", at),
                              why: why, terms: terms,
                              groupName: c.inChannels > 1 ? "input channel" : nil, bias: c.bias.storage[k], factors: ["x", "W"], result: z.storage[best]))
            out.quantity("z", image(z), "forward.z", ["k": .int(k), "stride": .int(c.stride)], role: .activation, layout: .imageChannels, channel: k,
                         focus: [oy, ox])
            if let r = followingActivation(i) { try showConvActivation(i, activation: r, channel: k) }
        case let p as MaxPool2D: try poolForward(i, f: p.f)
        case let p as AvgPool2D: try poolForward(i, f: p.f)
        case is Flatten:
            out.say("forward.flatten", ["input": .shape(Array(x.shape.dropFirst())), "output": .shape(Array(z.shape.dropFirst()))])
            out.quantity("flat", z, "forward.flat", role: .activation)
        case let d as Dense:
            out.say("forward.dense", ["input": .shape(x.shape), "output": .shape(z.shape), "shape": .shape([d.outputs, d.inputs])])
            out.quantity("z", z, "forward.dense-z", role: .activation)
            if let r = followingActivation(i) { try showDenseActivation(i, activation: r) }
            if i + 1 < specs.count, specs[i + 1].kind is Softmax {
                out.quantity("a", t.pass.outputs[i + 1], "forward.softmax", role: .activation)
            }
        default:
            out.quantity("a", z, specs[i].kind is ReLU ? "forward.relu" : "forward.softmax", role: .activation)
        }
    }

    func loss() throws {
        let t = try ensureTrace()
        let a = t.pass.probabilities
        let prediction = a.argmaxOverColumns()[0]
        out.quantity("ŷ", a, "loss.probabilities", role: .activation)
        out.say("loss.prediction", ["label": .int(t.label), "prediction": .int(prediction)])
        out.worked("loss.value", ["p": .number(a.storage[t.label]), "loss": .number(SoftmaxCrossEntropy.loss(a, labels: [t.label]))])
    }

    func backward(_ i: Int) throws {
        let net = try ensureStepNetwork()
        let t = try ensureTrace()
        // The error at this layer's output; for a layer followed by ReLU, after the ReLU's gate.
        let deltaOut = t.back.deltaOut[i]!
        switch net.layers[i] {
        case let d as Dense:
            if i + 1 < specs.count, specs[i + 1].kind is Softmax {
                out.quantity("δ", deltaOut, "backward.softmax-delta", role: .error)
            } else if let r = followingActivation(i) {
                try showDenseActivationGate(i, activation: r)
            }
            let g = t.back.gradients[i]!
            let x = t.pass.inputs[i]
            out.quantity("dW", g.dW, "backward.dense-dW", ["out": .int(d.outputs), "in": .int(d.inputs)], role: .gradient)
            // Worked: the largest |dW| entry, one product for one image: δ[r] · x[c].
            let e = g.dW.storage.indexOfLargestMagnitude()
            let (r, col) = (e / d.inputs, e % d.inputs)
            out.sum(WorkedSum(name: "dW", index: [r, col], formula: Phrase("backward.dense-dW-sum", ["r": .int(r), "c": .int(col)]),
                              why: Phrase("backward.largest-why", ["name": .text("dW")]), terms: [.init(deltaOut.storage[r], x.storage[col])], factors: ["δ", "x"], result: g.dW.storage[e]))
            // For one image db is δ itself, printed just above: said in a line, shown whole under --full.
            out.quantity("db", g.db, "backward.dense-db", role: .gradient, onlyWhenFull: true)
            out.say("backward.dense-db-is-delta")
            let deltaIn = t.back.deltaIn[i]!
            out.quantity("δ_in", deltaIn, "backward.dense-delta-in", role: .error)
            let j = deltaIn.storage.indexOfLargestMagnitude()
            out.sum(WorkedSum(name: "δ_in", index: [0, j], formula: Phrase("backward.dense-delta-in-sum", ["j": .int(j)]),
                              why: Phrase("backward.largest-why", ["name": .text("δ_in")]),
                              terms: (0..<d.outputs).map { .init(deltaOut.storage[$0], d.weights.storage[$0 * d.inputs + j]) }, factors: ["δ", "W"],
                              result: deltaIn.storage[j]))
        case is Flatten:
            out.say("backward.flatten", ["count": .int(deltaOut.count), "shape": .shape(Array(t.back.deltaIn[i]!.shape.dropFirst()))])
            out.quantity("δ", image(t.back.deltaIn[i]!), "backward.unflattened", role: .error, layout: .imageChannels)
        case let p as MaxPool2D: try poolBackward(i, f: p.f)
        case let p as AvgPool2D: try poolBackward(i, f: p.f)
        case let c as Conv2D:
            if let r = followingActivation(i), r + 1 < specs.count {
                out.say(word("backward.relu-arriving", for: r), ["above": .text(specs[r + 1].name)])
            }
            let x = t.pass.inputs[i], z = t.pass.outputs[i]
            let (oh, ow, cs) = (z.shape[1], z.shape[2], z.shape[3])
            let g = t.back.gradients[i]!
            let size = c.f * c.f * c.inChannels
            // The forward step's worked place; its filter's weight that joined the worked pixel below to it
            // (the layer below's worked place), or for the first layer the filter's largest |dW| entry.
            let place = try workedPath()[i]!
            let co = place.c
            let feeding = try placeFeeding(i)
            let kh: Int, kw: Int, ci: Int, dWWhy: Phrase
            if let q = feeding, (0..<c.f).contains(q.y - (place.y * c.stride - c.pad)), (0..<c.f).contains(q.x - (place.x * c.stride - c.pad)) {
                (kh, kw, ci) = (q.y - (place.y * c.stride - c.pad), q.x - (place.x * c.stride - c.pad), q.c)
                dWWhy = Phrase("backward.conv-dW-why-path", ["from": .text(specs[origin(of: i - 1)].name), "at": .index(q.index), "z": .index(place.index)])
            } else {
                let e = (co * size..<(co + 1) * size).max { abs(g.dW.storage[$0]) < abs(g.dW.storage[$1]) || (abs(g.dW.storage[$0]) == abs(g.dW.storage[$1]) && $0 > $1) }!
                (kh, kw, ci) = (e % size / c.inChannels / c.f, e % size / c.inChannels % c.f, e % c.inChannels)
                dWWhy = Phrase("backward.conv-dW-why-filter", ["k": .int(co), "z": .index(place.index)])
            }
            let e = co * size + (kh * c.f + kw) * c.inChannels + ci
            let here = place.flat(width: ow, channels: cs)
            out.say("backward.conv-path", ["z": .index(place.index), "k": .int(co), "d": .number(deltaOut.storage[here])])
            if deltaOut.storage[here] == 0 {
                out.say("backward.conv-path-zero", ["z": .index(place.index), "value": .number(z.storage[here])])
            }
            out.quantity("δ", image(deltaOut), followingActivation(i).map { word("backward.conv-delta", for: $0) } ?? "backward.conv-delta", ["k": .int(co)], role: .error, layout: .imageChannels, channel: co,
                         focus: [place.y, place.x])
            try drawChannels(deltaOut, layer: specs[i].name, errors: true, state: stepState, file: "\(specs[i].name)-deltas-\(stepSuffix).png")
            // A picture of δ where the 5 × 5 window shows only a small part of the map (conv1's 26 × 26).
            let deltaMap = channel(deltaOut, co).storage
            if oh > 2 * TerminalView.windowSide { out.maps(.signed([deltaMap], width: ow, height: oh, captions: ["δ[:, :, \(co)]"]), caption: "maps.delta",
                     ["k": .int(co), "bound": .number(deltaMap.map(abs).max() ?? 0), "nonzero": .int(deltaMap.filter { $0 != 0 }.count),
                      "count": .int(deltaMap.count)]) }
            if let r = followingActivation(i) { try showConvActivationGate(i, activation: r, channel: co) }
            out.quantity("dW", g.dW, "backward.conv-dW-bank", ["layer": .text(specs[i].name)], role: .gradient, layout: .filterBank, onlyWhenFull: true)
            out.quantity("dW[\(co)]", Tensor(shape: c.inChannels == 1 ? [c.f, c.f] : [c.f, c.f, c.inChannels], storage: Array(g.dW.storage[(co * size)..<((co + 1) * size)])),
                         "backward.conv-dW", ["k": .int(co)], role: .gradient, layout: .imageChannels, channel: ci)
            // dW[co][kh, kw, ci] = Σ over output positions of x under that weight × δ there.
            var terms = [WorkedSum.Term]()
            for oy in 0..<oh { for ox in 0..<ow {
                terms.append(.init(c.inputValue(x, 0, oy * c.stride + kh - c.pad, ox * c.stride + kw - c.pad, ci), deltaOut.storage[(oy * ow + ox) * cs + co]))
            } }
            out.sum(WorkedSum(name: "dW[\(co)]", index: [kh, kw, ci], formula: Phrase("backward.conv-dW-sum", ["k": .int(co), "a": .int(kh), "b": .int(kw), "c": .int(ci)]),
                              why: dWWhy, terms: terms, factors: ["x", "δ"], result: g.dW.storage[e]))
            // dW as filters: every filter's for a one-channel layer, else the worked filter's input channels.
            let dWMaps: [[Double]], dWCaptions: [String]
            if c.inChannels == 1 {
                dWMaps = (0..<c.outChannels).map { Array(g.dW.storage[($0 * size)..<(($0 + 1) * size)]) }
                dWCaptions = (0..<c.outChannels).map { "dW\($0)" }
            } else {
                let order = [ci] + (0..<c.inChannels).filter { $0 != ci }
                dWMaps = order.map { cin in (0..<(c.f * c.f)).map { g.dW.storage[co * size + $0 * c.inChannels + cin] } }
                dWCaptions = order.map { "c\($0)" }
            }
            var dWPictures = TerminalMaps.signed(dWMaps, width: c.f, height: c.f, captions: dWCaptions)
            dWPictures.inPNG = false
            out.maps(dWPictures, caption: c.inChannels == 1 ? "maps.dW-bank" : "maps.dW-filter",
                     ["k": .int(co), "c": .int(ci), "bound": .number(dWMaps.joined().map(abs).max() ?? 0)])
            out.quantity("db", g.db, "backward.conv-db", role: .gradient)
            if i > 0 {
                let deltaIn = t.back.deltaIn[i]!
                let (w, ics) = (deltaIn.shape[2], deltaIn.shape[3])
                // The error at the layer below's worked pixel: where the story goes next.
                let j = feeding?.flat(width: w, channels: ics) ?? deltaIn.storage.indexOfLargestMagnitude()
                let (y, xx, cin) = (j / ics / w, j / ics % w, j % ics)
                out.quantity("δ_in", image(deltaIn), "backward.conv-delta-in", ["k": .int(cin)], role: .error, layout: .imageChannels, channel: cin,
                             focus: [y, xx])
                let back = inputErrorTerms(c, deltaOut: deltaOut, y: y, x: xx, channel: cin)
                let why = feeding != nil ? Phrase("backward.conv-delta-in-why-path", ["from": .text(specs[origin(of: i - 1)].name), "at": .index([y, xx, cin])])
                    : Phrase("backward.largest-why", ["name": .text("δ_in")])
                out.sum(WorkedSum(name: "δ_in", index: [y, xx, cin], formula: Phrase("backward.conv-delta-in-sum", ["c": .int(cin)]),
                                  why: why, terms: back, groupName: "filter", factors: ["δ", "W"], result: deltaIn.storage[j]))
            } else {
                out.say("backward.first-layer", ["layer": .text(specs[i].name)])
            }
            out.say(clipScope == .batch ? "backward.clip-batch" : "backward.clip-image",
                    ["largest": .number(g.dW.storage.map(abs).max()!), "clip": .number(settings.double("clip"))])
        default:
            out.quantity("δ", deltaOut, "backward.delta", role: .error)
        }
    }

    /// The terms of δ_in[y, x, c] = Σ_k Σ over the filter taps (a, b) that reached (y, x) of
    /// δ[oy, ox, k] · W[k][a, b, c], grouped by filter k.
    func inputErrorTerms(_ c: Conv2D, deltaOut: Tensor<Double>, y: Int, x: Int, channel cin: Int) -> [WorkedSum.Term] {
        let (oh, ow, cs) = (deltaOut.shape[1], deltaOut.shape[2], deltaOut.shape[3])
        var terms = [WorkedSum.Term]()
        for k in 0..<c.outChannels { for a in 0..<c.f { for b in 0..<c.f {
            let (ny, nx) = (y + c.pad - a, x + c.pad - b)
            guard ny >= 0, nx >= 0, ny % c.stride == 0, nx % c.stride == 0, ny / c.stride < oh, nx / c.stride < ow else { continue }
            terms.append(.init(deltaOut.storage[((ny / c.stride) * ow + nx / c.stride) * cs + k],
                               c.weights.storage[((k * c.f + a) * c.f + b) * c.inChannels + cin], group: k))
        } } }
        return terms
    }

    // MARK: The error at the pixels

    /// ∂J/∂x for the traced image: the first layer's δ carried back once more, to the 784 pixels.
    /// Which pixels, brightened, would raise the loss, and which would lower it.
    func inputGradient() throws {
        let net = try ensureStepNetwork()
        let t = try ensureTrace()
        let (_, te) = try ensureData()
        let idx = settings.int("trace-image")
        let g = t.back.deltaIn[0]!  // (1, 28, 28, 1)
        let grad = g.reshaped(28, 28)
        // Worked: the largest |dx| under conv1's worked patch, where the story started; else the largest.
        var j = grad.storage.indexOfLargestMagnitude()
        var why = Phrase("backward.largest-why", ["name": .text("dx")])
        if let c = net.layers[0] as? Conv2D, let p = try workedPath()[0] {
            let (y0, x0) = (p.y * c.stride - c.pad, p.x * c.stride - c.pad)
            let under = (0..<(c.f * c.f)).map { (y0 + $0 / c.f, x0 + $0 % c.f) }.filter { (0..<28).contains($0.0) && (0..<28).contains($0.1) }.map { $0.0 * 28 + $0.1 }
            if let q = under.max(by: { abs(grad.storage[$0]) < abs(grad.storage[$1]) || (abs(grad.storage[$0]) == abs(grad.storage[$1]) && $0 > $1) }) {
                j = q
                why = Phrase("input-gradient.why-path", ["layer": .text(specs[0].name), "y": .int(y0), "x": .int(x0), "y2": .int(y0 + c.f), "x2": .int(x0 + c.f)])
            }
        }
        let (y, x) = (j / 28, j % 28)
        out.quantity("dx", grad, "input-gradient.formula", ["layer": .text(specs[0].name)], role: .error, focus: [y, x])
        if let c = net.layers[0] as? Conv2D {
            out.sum(WorkedSum(name: "dx", index: [y, x], formula: Phrase("input-gradient.sum", ["layer": .text(specs[0].name)]),
                              why: why,
                              terms: inputErrorTerms(c, deltaOut: t.back.deltaOut[0]!, y: y, x: x, channel: 0), groupName: "filter",
                              factors: ["δ", "W"], result: grad.storage[j]))
        }
        let pixels = te.batch([idx][...]).storage
        let up = grad.storage.indices.max { grad.storage[$0] < grad.storage[$1] }!
        let down = grad.storage.indices.min { grad.storage[$0] < grad.storage[$1] }!
        out.say("input-gradient.meaning", ["up": .index([up / 28, up % 28]), "g_up": .number(grad.storage[up]), "x_up": .number(pixels[up]),
                                           "down": .index([down / 28, down % 28]), "g_down": .number(-grad.storage[down]), "x_down": .number(pixels[down])])
        let shown = InputBesideGradient(input: pixels, gradient: grad.storage, width: 28, height: 28, inputColormap: .gray)
        out.maps(shown.terminalMaps(captions: ["x: label \(te.labels[idx])", "dx"]), caption: "input-gradient.maps", ["bound": .number(shown.bound)])
        let picture = shown.picture(input: (title: "Test image \(idx), label \(te.labels[idx])", caption: "pixel / 255", legend: "pixel"),
                                    gradient: (title: "∂J/∂x, \(stepState)", caption: "red: brighter raises J", legend: "dx"), scale: 10)
        try context.writePNG(picture, "input-gradient-\(stepSuffix).png",
                             shows: "input-gradient.picture", ["index": .int(idx), "state": .text(stepState)])
    }

    // MARK: Gradient check

    func gradientCheck() throws {
        let net = try ensureStepNetwork()
        let (_, te) = try ensureData()
        let idx = Array(0..<min(2, te.count))
        let x = te.batch(idx[...]), labels = idx.map { te.labels[$0] }
        out.say("gradient-check.intro", ["images": .int(idx.count), "limit": .int(500), "sampled": .int(200)])
        let checks = try net.gradientCheck(x, labels: labels, limit: 500, sampled: 200) { try Interrupt.check("in the gradient check") }
        let rows: [[Value]] = checks.map { c in
            [.text(specs[c.layer].name), .text(c.isWeight ? "weights" : "biases"), .number(c.relativeError),
             c.checked < c.count ? .text("\(c.checked) of \(c.count)") : .text("all")]
        }
        let worst = checks.map(\.relativeError).max() ?? 0
        out.table(Table("gradient-check.table", columns: [.init("layer", align: .left), .init("parameter", align: .left),
                                                          .init("relative error", format: ".2e"), .init("entries checked", align: .left)], rows: rows))
        out.result(worst < 1e-7 ? "gradient-check.pass" : "gradient-check.fail", ["worst": .number(worst)])
    }

    // MARK: Training

    @discardableResult
    func ensureTrained() throws -> CNN {
        if let trained { return trained }
        var net = try ensureInitial()
        if let loadedWeights {
            net.parameters = loadedWeights
            trained = net
            return net
        }
        let (tr, te) = try ensureData()
        let rule = updateRule
        let epochs = settings.int("epochs")
        // A batch larger than the data is the whole data: buffers for the images there are, not for `batch`.
        let trainer = CNNTrainer(net, precision: precision, batchSize: min(rule.batchSize, tr.count))
        self.trainer = trainer
        out.table(Table("train.epochs", columns: [.init("epoch", format: "5d"), .init("cost", format: ".6f"), .init("train acc", format: ".4f"),
                                                  .init("test acc", format: ".4f"), .init("clipped updates"), .init("of"), .init("entries clipped", format: ",")]))
        for e in 1...epochs {
            let start = Date()
            let progress = Progress("epoch \(e)/\(epochs)", total: (tr.count + rule.batchSize - 1) / rule.batchSize)
            var previous = (seen: 0, sum: 0.0)
            let c = trainer.trainEpoch(tr, rule: rule, rng: &rng, progress: { done, total, running in
                // This batch's own mean cross-entropy, from the running mean before and after it.
                let seen = min(done * rule.batchSize, tr.count), sum = running * Double(seen)
                if seen > previous.seen { batchLosses.append((Double(e - 1) + Double(done) / Double(total), (sum - previous.sum) / Double(seen - previous.seen))) }
                previous = (seen, sum)
                let elapsed = Date().timeIntervalSince(start)
                let rate = Double(min(done * rule.batchSize, tr.count)) / max(elapsed, 1e-9)
                let eta = Double(tr.count) / rate * Double(epochs - e + 1) - elapsed
                progress.update(done, figures: [("loss", running, ".4f"), ("img/s", rate, ".0f")], remaining: eta)
                _ = total
            }, shouldStop: { Interrupt.requested })
            progress.finish()
            guard c.finiteLoss, trainer.parameters.allSatisfy({ $0.storage.allSatisfy(\.isFinite) }) else {
                throw LessonError("training diverged in epoch \(e), batch \(c.updates + 1): the loss is no longer a finite number. Try a smaller learning-rate (now \(NumberText.short(rule.learningRate))); no weights file was written.")
            }
            let batches = (tr.count + rule.batchSize - 1) / rule.batchSize
            if c.updates < batches {
                try? plotCost(partial: true)
                throw LessonInterrupted(description: "interrupted in epoch \(e) after batch \(c.updates) of \(batches); \(NumberText.count(history.count, "full epoch")) \(history.count == 1 ? "is" : "are") in the curves in \(out.relativePath(context.outputDirectory)); no weights file was written.")
            }
            let (trainPred, trainLoss) = trainer.evaluate(tr)
            let (testPred, _) = trainer.evaluate(te)
            let record = EpochRecord(epoch: e, cost: (trainLoss + trainer.sumOfSquaredWeights) / Double(tr.count),
                                     trainAccuracy: CNN.accuracy(trainPred, tr.labels), testAccuracy: CNN.accuracy(testPred, te.labels),
                                     clippedEntries: c.clippedEntries, clippedUpdates: c.clippedUpdates, updates: c.updates,
                                     seconds: Date().timeIntervalSince(start))
            history.append(record)
            // Printed as each epoch ends, so a long run shows its progress even when not on a terminal.
            // No timings here: a seed must print the same bytes every run (speed is on the progress line).
            out.row([.int(e), .number(record.cost), .number(record.trainAccuracy), .number(record.testAccuracy),
                     .int(c.clippedUpdates), .int(c.updates), .int(c.clippedEntries)])
            fflush(stdout)
        }
        net = trainer.network
        trained = net
        let url = try context.outputURL("weights.lnw")
        try AtomicFile.write(Data(WeightsFile.encode(net)), to: url)
        wroteWeights = true
        out.wrote(url, shows: "train.weights-file", ["epochs": .int(epochs)])
        return net
    }

    var clipScope: CNN.ClipScope { CNN.ClipScope(rawValue: settings.string("clip-scope"))! }
    var updateRule: CNN.UpdateRule {
        CNN.UpdateRule(learningRate: settings.double("learning-rate"), lambda: settings.double("lambda"),
                       clip: settings.double("clip"), clipScope: clipScope, batchSize: settings.int("batch"))
    }

    func trainNetwork() throws {
        let (tr, te) = try ensureData()
        if let w = context.weightsFile {
            try ensureTrained()
            out.result("train.loaded", ["file": .text(out.relativePath(w))])
            return
        }
        out.say("train.plan", ["epochs": .int(settings.int("epochs")), "images": .int(tr.count), "batch": .int(settings.int("batch")), "test": .int(te.count)])
        out.say("train.precision", ["precision": .text(precision.rawValue),
                                    "shards": .int(CNNTrainer.defaultShards), "per": .int(CNNTrainer.imagesPerShard(batch: settings.int("batch")))])
        try ensureTrained()
        let last = history.last!
        out.result("train.result", ["epochs": .int(last.epoch), "train": .number(last.trainAccuracy), "test": .number(last.testAccuracy)])
        out.note(clipScope == .batch ? "train.cost-note-batch" : "train.cost-note-image")
    }

    func plotCost(partial: Bool = false) throws {
        if !partial { try ensureTrained() }
        guard !history.isEmpty else { if !partial { out.say("plot-cost.no-history") }; return }
        // The per-batch loss as a thin line under the per-epoch cost, so a one-epoch run shows a curve;
        // costs are never negative, so the axis starts at 0; epochs are whole numbers.
        var cost = LinePlot(title: "CNN: cost per epoch, loss per mini-batch", xLabel: "epoch", yLabel: "cost",
                            series: [Series(name: "cost (cross-entropy + ΣW², per image), per epoch", y: history.map(\.cost)),
                                     Series(name: "cross-entropy per image, per mini-batch", x: batchLosses.map(\.x), y: batchLosses.map(\.loss))],
                            yRange: 0...max(1e-12, (history.map(\.cost) + batchLosses.map(\.loss)).filter(\.isFinite).max() ?? 1) * 1.05)
        cost.series[0].dots = true
        cost.series[1].lineWidth = 1.5
        cost.series[1].dots = false
        cost.wholeXTicks = true
        cost.xRange = 0...Double(max(1, history.count))
        try context.writePNG(cost.render(), "cost.png", shows: "pictures.cost", ["epochs": .int(history.count), "batches": .int(batchLosses.count)])
        // Accuracy in percent, the axis spanning the data (within 0 to 100).
        let accuracies = history.flatMap { [100 * $0.trainAccuracy, 100 * $0.testAccuracy] }
        let (lo, hi) = (accuracies.min() ?? 0, accuracies.max() ?? 100)
        let pad = max(0.5, (hi - lo) * 0.1)
        var accuracy = LinePlot(title: "CNN: accuracy per epoch", xLabel: "epoch", yLabel: "accuracy (%)",
                                series: [Series(name: "train", y: history.map { 100 * $0.trainAccuracy }),
                                         Series(name: "test", y: history.map { 100 * $0.testAccuracy })],
                                yRange: max(0, lo - pad)...min(100, hi + pad))
        accuracy.series[0].dots = true; accuracy.series[1].dots = true
        accuracy.wholeXTicks = true
        accuracy.xRange = 0...Double(max(1, history.count))
        try context.writePNG(accuracy.render(), "accuracy.png", shows: "pictures.accuracy", ["epochs": .int(history.count)])
    }

    func evaluate() throws {
        let net = try ensureTrained()
        let (_, te) = try ensureData()
        let (pred, _) = (trainer ?? CNNTrainer(net, precision: trainedPrecision ?? .float64, batchSize: min(settings.int("batch"), te.count))).evaluate(te)
        let correct = zip(pred, te.labels).filter { $0 == $1 }.count
        evaluatedAccuracy = Double(correct) / Double(te.count)
        out.result("evaluate.result", ["correct": .int(correct), "images": .int(te.count), "accuracy": .number(Double(correct) / Double(te.count))])
        let confusion = out.confusion("evaluate.confusion", pred, te.labels)
        var map = Heatmap(title: "CNN: test confusion matrix (\(String(format: "%.2f", 100 * Double(correct) / Double(te.count)))% correct)", values: confusion)
        map.colormap = .blues; map.centredOnZero = false; map.annotate = true; map.cellSize = 56; map.logScale = true
        map.rowLabels = (0..<10).map(String.init); map.columnLabels = (0..<10).map(String.init)
        map.rowAxisTitle = "true digit"; map.columnAxisTitle = "predicted digit"; map.legendCaption = "images"
        try context.writePNG(map.render(), "confusion.png", shows: "pictures.confusion", ["state": .text(trainedState), "images": .int(te.count)])
        // The misread digits, most confidently misread first: the probability the network gave its wrong
        // answer (from the float64 reference layers on these images), so a teacher picks one to trace.
        let wrongIndices = zip(pred, te.labels).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        guard !wrongIndices.isEmpty else { return }
        let probabilities = net.forward(te.batch(wrongIndices[...])).probabilities
        misread = wrongIndices.enumerated().map { r, i in
            (index: i, label: te.labels[i], predicted: pred[i],
             confidence: probabilities.storage[r * 10 + pred[i]], pTrue: probabilities.storage[r * 10 + te.labels[i]])
        }.sorted { ($0.confidence, -$0.index) > ($1.confidence, -$1.index) }
        out.table(Table("evaluate.misread", columns: [.init("index"), .init("true"), .init("predicted"), .init("confidence", format: ".4f"),
                                                      .init("p(true)", format: ".2e")],
                        rows: misread.prefix(5).map { [.int($0.index), .int($0.label), .int($0.predicted), .number($0.confidence), .number($0.pTrue)] }))
        out.say("evaluate.misread-more", ["shown": .int(min(5, misread.count)), "count": .int(misread.count), "index": .int(misread[0].index)])
        let shown = misread.prefix(40)
        let tiles = shown.map { m in
            Tile(width: 28, height: 28, values: te.batch([m.index][...]).storage,
                 caption: "#\(m.index) \(m.label)→\(m.predicted) \(String(format: "%.1f", (1000 * m.confidence).rounded(.down) / 10))%")  // truncated: 99.98% is not 100%
        }
        var grid = ImageGrid(title: "Misread test digits, most confident first: #index true→predicted, confidence",
                             tiles: Array(tiles), columns: 8, scale: 4, colormap: .gray, range: 0...1)
        grid.captionSize = 12
        try context.writePNG(grid.render(), "misclassified.png", shows: "pictures.misclassified", ["state": .text(trainedState), "shown": .int(tiles.count)])
    }

    /// Every misread test digit of the evaluation, most confident first (run.json keeps them all).
    var misread: [(index: Int, label: Int, predicted: Int, confidence: Double, pTrue: Double)] = []

    /// The network state a picture shows: the seeded initialisation, or after training (or loaded).
    var trainedState: String {
        // Loaded weights whose training is known (their run.json) are described by it, as that run did.
        if context.weightsFile != nil, history.isEmpty { return "with " + loadedDescription }
        return "after \(NumberText.count(history.count, "epoch"))"
    }

    /// One colour scale for a layer's filters before and after training, fixed from the initial
    /// weights (2.2 times their largest, rounded up: 50 epochs grow them about twofold), so the two
    /// pictures compare; a weight beyond it is drawn at the scale's end.
    func filterBound(_ layer: Int) throws -> Double {
        guard let c = try ensureInitial().layers[layer] as? Conv2D else { return 1 }
        let x = 2.2 * max(1e-12, c.weights.storage.map(abs).max() ?? 1)
        let magnitude = pow(10, log10(x).rounded(.down))
        return ([1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map { $0 * magnitude }.first { $0 >= x }) ?? 10 * magnitude
    }

    func filterGrid(_ c: Conv2D, layer i: Int, title: String, other: String) throws -> ImageGrid {
        // One tile per (filter, input channel).
        var tiles = [Tile]()
        for co in 0..<c.outChannels {
            for ci in 0..<c.inChannels {
                let v = (0..<(c.f * c.f)).map { k in c.weights.storage[(co * c.f * c.f + k) * c.inChannels + ci] }
                tiles.append(Tile(width: c.f, height: c.f, values: v, caption: c.inChannels == 1 ? "filter \(co)" : ""))
            }
        }
        let bound = try filterBound(i)
        var grid = ImageGrid(title: title, tiles: tiles, columns: c.inChannels == 1 ? min(10, c.outChannels) : c.inChannels,
                             scale: c.f <= 3 ? 24 : 10, colormap: .diverging, range: -bound...bound)
        grid.showColorBar = true; grid.legendCaption = "weight"; grid.reserveTitle = other
        if c.inChannels > 1 {
            grid.rowLabels = (0..<c.outChannels).map(String.init); grid.columnLabels = (0..<c.inChannels).map(String.init)
            grid.rowAxisTitle = "output filter"; grid.columnAxisTitle = "input channel"
        }
        return grid
    }

    func drawFilters(_ net: CNN, suffix: String) throws {
        drawnFilters.insert(suffix)
        let before = suffix == "before"
        for (i, layer) in net.layers.enumerated() {
            guard let c = layer as? Conv2D else { continue }
            let initialTitle = "\(specs[i].name) filters, initial weights", trainedTitle = "\(specs[i].name) filters \(trainedState)"
            let grid = try filterGrid(c, layer: i, title: before ? initialTitle : trainedTitle, other: before ? trainedTitle : initialTitle)
            try context.writePNG(grid.render(), "\(specs[i].name)-filters-\(suffix).png", shows: before ? "filters.png-initial" : "filters.png-trained",
                                 ["layer": .text(specs[i].name), "state": .text(trainedState)])
            if c.inChannels == 1 {
                let bound = try filterBound(i)
                out.maps(TerminalMaps(grid.tiles.map(\.values), width: c.f, height: c.f, captions: (0..<c.outChannels).map { "W\($0)" },
                                      lo: -bound, hi: bound, colormap: .diverging),
                         caption: "filters.caption", ["layer": .text(specs[i].name), "when": .text(before ? "initial" : trainedState)])
            }
            // After training, each single-channel layer's filters before and after side by side.
            if !before, c.inChannels == 1, let c0 = try ensureInitial().layers[i] as? Conv2D {
                let first = try filterGrid(c0, layer: i, title: "", other: "")
                var both = grid
                both.title = "\(specs[i].name) filters: initial weights (top) and \(trainedState) (bottom)"
                both.reserveTitle = nil
                both.tiles = first.tiles + grid.tiles
                both.rowLabels = ["initial", "trained"]
                try context.writePNG(both.render(), "\(specs[i].name)-filters-compared.png", shows: "filters.png-compared",
                                     ["layer": .text(specs[i].name), "state": .text(trainedState)])
            }
        }
    }

    func showFilters() throws {
        // The initialisation step drew the "before" grids already (muted or not); each picture once.
        if !drawnFilters.contains("before") { try drawFilters(try ensureInitial(), suffix: "before") }
        try drawFilters(try ensureTrained(), suffix: "after")
    }

    /// One image's (1, H, W, C) activations (or δ, `errors`) as a grid of channels, written as `file`.
    func drawChannels(_ t: Tensor<Double>, layer: String, errors: Bool, state: String, file: String) throws {
        // Ctrl-C in a step of the step-through stops it before its next picture.
        try Interrupt.check("before drawing \(file)")
        let (_, te) = try ensureData()
        let idx = settings.int("trace-image")
        // Errors, and activations that go below zero (tanh's), on a scale centred on 0.
        let signed = errors || t.storage.contains { $0 < 0 }
        let tiles = (0..<t.shape[3]).map { c in Tile(width: t.shape[2], height: t.shape[1], values: channel(t, c).storage, caption: "channel \(c)") }
        var grid = ImageGrid(title: errors ? "\(layer) errors δ = ∂J/∂z of test image \(idx), \(state)"
                                           : "\(layer) feature maps of test image \(idx) (label \(te.labels[idx])), \(state)",
                             tiles: tiles, columns: 8, scale: max(4, 120 / t.shape[1]), colormap: signed ? .diverging : .sequential)
        grid.centredOnZero = signed; grid.showColorBar = true; grid.legendCaption = errors ? "δ" : "activation"
        try context.writePNG(grid.render(), file, shows: errors ? "maps.png-deltas" : "maps.png-features",
                             ["layer": .text(layer), "state": .text(state), "index": .int(idx)])
    }

    func featureMaps() throws {
        let net = try ensureTrained()
        let (_, te) = try ensureData()
        let idx = settings.int("trace-image")
        let x = te.batch([idx][...])
        let pass = net.forward(x)
        let back = net.backward(pass, labels: [te.labels[idx]])
        for (i, s) in specs.enumerated() {
            let isConv = s.kind is ConvKind
            let isPool = s.kind is MaxPool2D || s.kind is AvgPool2D
            guard isConv || isPool else { continue }
            let out = isConv ? (followingActivation(i).map { pass.outputs[$0] } ?? pass.outputs[i]) : pass.outputs[i]
            try drawChannels(out, layer: s.name, errors: false, state: trainedState, file: "\(s.name)-feature-maps.png")
            if isConv, let d = back.deltaOut[i] {
                try drawChannels(d, layer: s.name, errors: true, state: trainedState, file: "\(s.name)-deltas.png")
            }
            if isPool, let d = back.deltaIn[i] {  // the errors pooling routes back, as in its step-through picture
                try drawChannels(d, layer: s.name, errors: true, state: trainedState, file: "\(s.name)-deltas.png")
            }
        }
    }
}
