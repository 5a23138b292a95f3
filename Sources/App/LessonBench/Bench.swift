// `lesson bench`: times what the lessons spend their time on (CNN training in both precisions, one
// image forward and back, the dense net on all of MNIST, loading, pictures, lesson 2) as medians.
import Datasets
import Foundation
import Network
import LessonKit
import Numerics
import Training

public struct BenchOptions {
    public var quick = false
    /// Timed runs per measurement (after a warm-up).
    public var runs = 3
    public var mnistDirectory: URL
    public var lessonsDirectory: URL
    /// This program, run as a child for the end-to-end lesson 2 timing.
    public var executable: URL
    public init(mnistDirectory: URL, lessonsDirectory: URL, executable: URL) {
        self.mnistDirectory = mnistDirectory; self.lessonsDirectory = lessonsDirectory; self.executable = executable
    }
}

public struct BenchResult: Codable, Sendable {
    public let name: String
    /// Median of `runs`, in `unit`.
    public let median: Double
    public let unit: String
    public let runs: [Double]
    /// A derived figure (images/s, for training), or nil.
    public let rate: Double?
    public let target: String
    /// For a row with a peer: how many times faster than the peer (the peer's median over this one's).
    public var ratio: Double? = nil
}

public enum Bench {
    /// Runs every measurement in turn, calling `report` as each finishes.
    public static func run(_ o: BenchOptions, report: (BenchResult) -> Void) throws -> [BenchResult] {
        var results = [BenchResult]()
        func add(_ r: BenchResult) { results.append(r); report(r) }
        let runs = max(1, o.runs)

        // MNIST load first: nothing else has touched the files or the allocator yet.
        var loads = [Double]()
        var train: ImageSet!, test: ImageSet!
        for _ in 0..<runs {
            loads.append(try seconds {
                let (tr, _) = try MNIST.load(.train, from: o.mnistDirectory)
                let (te, _) = try MNIST.load(.test, from: o.mnistDirectory)
                train = ImageSet(pixels: tr.pixels, labels: tr.labels.map(Int.init), height: 28, width: 28)
                test = ImageSet(pixels: te.pixels, labels: te.labels.map(Int.init), height: 28, width: 28)
            })
        }
        add(BenchResult(name: "MNIST load (gunzip + SHA-256 + parse, 70k)", median: median(loads), unit: "s", runs: loads, rate: nil, target: "< 0.5 s"))

        // The peers first, each on an otherwise idle machine, so the rows below can say their ratio.
        let root = o.lessonsDirectory.deletingLastPathComponent()
        let cnnPeer = root.deletingLastPathComponent().appendingPathComponent("shared/bench/peer_cnn_torch.py")
        var peers = [String: Peer](), missing = [String: String]()
        for (key, script, arguments, scale) in [
            ("float32", cnnPeer, ["--reps", String(o.quick ? 1 : runs)], 1.0),
            ("float64", cnnPeer, ["--reps", String(o.quick ? 1 : runs), "--dtype", "float64"], 1.0),
            ("dense", root.appendingPathComponent("Tests/peers/dense_numpy.py"), ["--iterations", o.quick ? "20" : "100"], o.quick ? 25.0 : 5.0),
        ] {
            let (peer, why) = Peer.run(script, arguments)
            let name = key == "dense" ? "peer: numpy (the tutorial's code) dense 784-10-10, 60k images × 500 iterations, float64"
                : "peer: PyTorch CNN training, \(key), batch 512, one 60k epoch"
            // A peer that cannot run has no row (JSON has no NaN); the rows that need it say why.
            guard let peer else { missing[key] = why ?? "it did not run"; continue }
            let scaled = Peer(runs: peer.runs.map { $0 * scale })
            peers[key] = scaled
            add(BenchResult(name: name, median: scaled.median, unit: key == "dense" ? "s" : "s/epoch", runs: scaled.runs,
                            rate: key == "dense" ? nil : Double(train.count) / scaled.median, target: key == "dense" && scale != 1 ? "\(Int(500 / scale)) iterations timed, × \(Int(scale))" : ""))
        }
        func versus(_ key: String, _ seconds: Double, needs: Double) -> (String, Double?) {
            guard let p = peers[key] else { return ("≥ \(Int(needs))× the peer (not measured: \(missing[key] ?? ""))", nil) }
            let r = p.median / seconds
            return (String(format: "≥ %.0f× the peer: %.2f× %@", needs, r, r >= needs ? "(met)" : "(not met)"), r)
        }

        let lesson3 = try LessonFile.load(o.lessonsDirectory.appendingPathComponent("03-cnn.md"))
        let specs = try NetworkBlock.parse(lesson3.blocks["network"] ?? [], file: lesson3.path, input: [28, 28, 1])
        var rng = RandomState(seed: 0)
        let initial = try CNN(specs: specs, inputShape: [28, 28, 1], seed: 100, rng: &rng)
        let rule = CNN.UpdateRule(learningRate: 0.1, lambda: 0.01, clip: 0.5, batchSize: 512)
        // A quick run times 24 batches and scales to a 60k epoch.
        let batches = o.quick ? 24 : (train.count + 511) / 512
        let epochScale = Double((train.count + 511) / 512) / Double(batches)
        let subset = o.quick ? ImageSet(pixels: Array(train.pixels.prefix(batches * 512 * 784)), labels: Array(train.labels.prefix(batches * 512)), height: 28, width: 28) : train!

        // Peak memory: the first training epoch of the process, in the default precision.
        let epochMemory: Double = {
            let t = CNNTrainer(initial, precision: .float32, batchSize: 512)
            var r = RandomState(seed: 1)
            _ = t.trainEpoch(subset, rule: rule, rng: &r)
            return peakResidentMegabytes()
        }()
        add(BenchResult(name: "peak memory: MNIST + a lesson-3 float32 epoch", median: epochMemory, unit: "MB", runs: [epochMemory], rate: nil,
                        target: epochMemory <= 300 ? "≤ 300 MB (met)" : "≤ 300 MB (not met)"))

        for precision in [Precision.float32, .float64] {
            let t = CNNTrainer(initial, precision: precision, batchSize: 512)
            var r = RandomState(seed: 1)
            let warm = ImageSet(pixels: Array(train.pixels.prefix(4 * 512 * 784)), labels: Array(train.labels.prefix(4 * 512)), height: 28, width: 28)
            _ = t.trainEpoch(warm, rule: rule, rng: &r)
            var times = [Double]()
            for _ in 0..<runs { times.append(epochScale * seconds { _ = t.trainEpoch(subset, rule: rule, rng: &r) }) }
            let m = median(times)
            let (target, ratio) = versus(precision.rawValue, m, needs: 2)
            var row = BenchResult(name: "CNN training, \(precision.rawValue), batch 512, \(CNNTrainer.defaultShards) shards", median: m, unit: "s/epoch", runs: times,
                                  rate: Double(train.count) / m, target: target)
            row.ratio = ratio
            add(row)
        }

        // --watch's cost: the same float32 epochs with and without what it adds to training (every
        // batch's health measured from the trainer's buffers, and a frame gathered and laid out at most
        // every 0.2 s, as the screen does; the terminal's own drawing is not timed). Pair by pair, so a
        // machine whose speed drifts compares like with like. Health is measured by default without
        // --watch too, so this is the most a run pays for it.
        do {
            let words = try LessonRunner.words(for: lesson3, engine: CNNEngine.self)
            let screen = WatchScreen(words: words, color: true, columns: 80, rows: 24)
            let layers = specs.filter { $0.kind is ConvKind || $0.kind is DenseKind }.map(\.name)
            let t = CNNTrainer(initial, precision: .float32, batchSize: 512)
            var r = RandomState(seed: 1)
            var plain = [Double](), watched = [Double](), frames = 0, laying = 0.0
            for round in 0..<max(3, runs) {
                func plainEpoch() {
                    t.measuresHealth = false
                    plain.append(epochScale * seconds { _ = t.trainEpoch(subset, rule: rule, rng: &r) })
                }
                // Which of the pair goes first alternates, so a machine slowing down within a pair favours neither.
                if round % 2 == 0 { plainEpoch() }
                t.measuresHealth = true
                var frame = WatchFrame(), last = Date.distantPast
                frame.title = "Lesson 3"; frame.layers = layers; frame.epochs = 1; frame.epoch = 1; frame.batches = batches
                watched.append(epochScale * seconds {
                    _ = t.trainEpoch(subset, rule: rule, rng: &r, progress: { done, total, loss, accuracy in
                        frame.points.append((Double(done) / Double(total), loss, accuracy))
                        guard Date().timeIntervalSince(last) >= 0.2 else { return }
                        last = Date()
                        frame.batch = done; frame.health = t.lastHealth
                        if let w = t.parameters.first { frame.showFilters(layers[0], w) }
                        laying += seconds { frames += screen.layout(frame).isEmpty ? 0 : 1 }
                    })
                })
                if round % 2 == 1 { plainEpoch() }
            }
            let overheads = zip(watched, plain).map { 100 * ($0 / $1 - 1) }
            let m = median(overheads)
            add(BenchResult(name: String(format: "--watch overhead: float32 training, health measured and %d frames laid out (%.0f ms each), against neither (%.2f s/epoch)",
                                         frames, 1000 * laying / Double(max(1, frames)), median(plain)),
                            median: m, unit: "%", runs: overheads, rate: nil, target: String(format: "≤ 5 %% slower %@", m <= 5 ? "(met)" : "(not met)")))
        }

        // The whole default lesson (50 epochs, each followed by evaluating all 70,000 images) as a user
        // runs it, against the peer measured beside it: rounds of one peer epoch, then `lesson run 3
        // --quiet` for 1 and for 4 epochs as child processes; whole = T1 + 49 · (T4 − T1) / 3, the fixed
        // part (loading, the step-through, the pictures) once. Each round's ratio is its own, so a
        // machine whose speed drifts between rounds still compares like with like.
        do {
            let (few, more) = o.quick ? (1, 2) : (1, 4)
            var wholes = [Double](), peerEpochs = [Double](), why = missing["float32"]
            // One peer epoch varies by ±20 % on these machines: at least 5 rounds, and their median.
            for _ in 0..<(o.quick ? 1 : max(5, runs)) {
                // A peer that could not run above is not started again each round.
                var peer: Peer?
                if why == nil {
                    let (p, reason) = Peer.run(cnnPeer, ["--reps", "1"])
                    peer = p
                    if p == nil { why = reason ?? "it did not run" }
                }
                let t1 = try lessonRun(o, ["run", "3", "--quiet", "--epochs", String(few)])
                let t2 = try lessonRun(o, ["run", "3", "--quiet", "--epochs", String(more)])
                let whole = t1 + Double(50 - few) * (t2 - t1) / Double(more - few)
                wholes.append(whole)
                if let peer { peerEpochs.append(whole / peer.median) }
            }
            let m = median(wholes), epochs = peerEpochs.isEmpty ? nil : median(peerEpochs)
            var row = BenchResult(name: "whole lesson run 3: 50 epochs, each with the evaluation of 70k, float32 (--epochs \(few) and \(more) run, extrapolated)",
                                  median: m, unit: "s", runs: wholes, rate: nil,
                                  target: epochs.map { String(format: "≤ 25 peer epochs: %.1f peer epochs %@; rounds: %@ (each against its own peer epoch)", $0,
                                                              $0 <= 25 ? "(met)" : "(not met)", peerEpochs.map { String(format: "%.1f", $0) }.joined(separator: " ")) }
                                      ?? "≤ 25 peer epochs (not measured: \(why ?? ""))")
            row.ratio = epochs.map { 25 / $0 }
            add(row)
        }

        // One image forward and backward.
        let one = ImageSet(pixels: Array(test.pixels.prefix(784)), labels: [test.labels[0]], height: 28, width: 28)
        let reps = o.quick ? 50 : 300
        let x = one.batch([0][...])
        for (name, naive) in [("naive loops, float64", true), ("readable layers (im2col + GEMM), float64", false)] {
            var times = [Double]()
            for _ in 0..<runs {
                times.append(seconds { for _ in 0..<(naive ? max(5, reps / 20) : reps) { _ = initial.backward(initial.forward(x, naive: naive), labels: one.labels, naive: naive) } } / Double(naive ? max(5, reps / 20) : reps))
            }
            add(BenchResult(name: "one image forward+backward, \(name)", median: 1000 * median(times), unit: "ms", runs: times.map { $0 * 1000 }, rate: nil, target: naive ? "" : "< 0.5 ms"))
        }
        for precision in [Precision.float32, .float64] {
            let t = CNNTrainer(initial, precision: precision, batchSize: 1, shards: 1)
            _ = t.gradients(one, [0])
            var times = [Double]()
            for _ in 0..<runs { times.append(seconds { for _ in 0..<reps { _ = t.gradients(one, [0]) } } / Double(reps)) }
            add(BenchResult(name: "one image forward+backward, training path, \(precision.rawValue)", median: 1000 * median(times), unit: "ms", runs: times.map { $0 * 1000 }, rate: nil, target: "< 0.5 ms (PyTorch ≈ 0.7 ms)"))
        }

        // Lesson 1's dense net on all 60,000 images, as `lesson run 1 --full-data` trains it.
        do {
            let iterations = o.quick ? 20 : 500
            var r = RandomState(seed: 0)
            let data = try DigitsData.prepare(directory: o.mnistDirectory, full: true, rows: 60_000, devRows: 0, rng: &r)
            var times = [Double]()
            func train(_ iterations: Int) -> Double {
                var net = TwoLayerNetwork(rng: &r)
                return seconds {
                    _ = DenseTraining.gradientDescent(&net, data.xTrain, labels: data.yTrain, rule: .tutorial(m: data.rowsLoaded), learningRate: 0.1,
                                                      iterations: iterations, logEvery: 10)
                }
            }
            for _ in 0..<runs {
                // --quick: the set-up (packing X) counted once and the iterations scaled to 500, not the
                // set-up 25 times over.
                let setUp = o.quick ? train(0) : 0
                times.append(setUp + Double(500) / Double(iterations) * (train(iterations) - setUp))
            }
            let (target, ratio) = versus("dense", median(times), needs: 2)
            var row = BenchResult(name: "dense 784-10-10, 60k images × 500 iterations, float64", median: median(times), unit: "s", runs: times, rate: nil, target: target)
            row.ratio = ratio
            add(row)
        }

        // Lesson 3's pictures: filter grids and the traced image's feature maps and deltas.
        do {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lesson-bench-\(getpid())")
            defer { try? FileManager.default.removeItem(at: folder) }
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let weights = folder.appendingPathComponent("w.lnw")
            try Data(WeightsFile.encode(initial)).write(to: weights)
            let (_, settings) = try LessonRunner.prepare(lesson3)
            let stream = RecordStream(view: TerminalView(words: Words(), width: 80, color: false, full: false), quiet: true, write: { _ in })
            var context = LessonContext(file: lesson3, settings: settings, out: stream, outputDirectory: folder, dataDirectory: o.mnistDirectory)
            // The pictures are drawn again on every timed run: the folder's session knows them as this run's.
            stream.onWrote = { [session = context.session] in session.didWrite($0) }
            context.weightsFile = weights
            let engine = try CNNEngine(context: context)
            func step(_ action: String) -> LessonStep? { lesson3.steps.first { $0.action == action } }
            if let loss = step("loss") { try engine.perform(loss) }  // the traced image's passes, not timed
            let pictures = ["show-filters", "feature-maps"].compactMap(step)
            var times = [Double]()
            for _ in 0..<runs { times.append(try seconds { for s in pictures { try engine.perform(s) } }) }
            let count = (try? FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".png") }.count) ?? 0
            add(BenchResult(name: "PNG export: lesson 3's filter grids and feature maps (\(count) files)", median: median(times), unit: "s", runs: times, rate: nil, target: ""))
        }

        // Lesson 2 end to end, as a user runs it.
        do {
            var times = [Double]()
            for _ in 0..<(runs + 1) { times.append(try lessonRun(o, ["run", "2", "--quiet"])) }
            times.removeFirst()  // the first run warms the file cache
            add(BenchResult(name: "lesson run 2 end to end (--quiet)", median: median(times), unit: "s", runs: times, rate: nil,
                            target: String(format: "≤ 0.2 s %@", median(times) <= 0.2 ? "(met)" : "(not met)")))
        }
        return results
    }

    /// Wall seconds of `lesson ARGS --out TEMP` as a child process (its output discarded); throws if it fails.
    static func lessonRun(_ o: BenchOptions, _ arguments: [String]) throws -> Double {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("lesson-bench-run-\(getpid())")
        defer { try? FileManager.default.removeItem(at: out) }
        let p = Process()
        p.executableURL = o.executable
        p.arguments = arguments + ["--out", out.path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        var env = Foundation.ProcessInfo.processInfo.environment
        env["LESSON_HOME"] = o.lessonsDirectory.deletingLastPathComponent().path
        p.environment = env
        let t = try seconds { try p.run(); p.waitUntilExit() }
        guard p.terminationStatus == 0 else {
            throw LessonError("bench: `lesson \(arguments.joined(separator: " "))` exited with status \(p.terminationStatus)")
        }
        return t
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.isEmpty ? .nan : s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// The process's peak resident set so far (getrusage's ru_maxrss is in KiB on Linux).
    static func peakResidentMegabytes() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_maxrss) / 1024
    }

    /// The results as an aligned table.
    public static func table(_ results: [BenchResult]) -> String {
        let rows = results.map { r -> [String] in
            [r.name, format(r.median) + " " + r.unit, r.rate.map { String(format: "%.0f img/s", $0) } ?? "",
             r.runs.map(format).joined(separator: " "), r.target]
        }
        let header = ["measurement", "median", "rate", "runs", "target"]
        let widths = (0..<header.count).map { c in ([header] + rows).map { $0[c].count }.max()! }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line)).joined(separator: "\n")
    }

    static func format(_ x: Double) -> String {
        x >= 100 ? String(format: "%.0f", x) : x >= 10 ? String(format: "%.1f", x) : x >= 1 ? String(format: "%.2f", x) : String(format: "%.3f", x)
    }
}
