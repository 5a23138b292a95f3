// The training path: the same network as `CNN`, compiled into a plan of fused steps over buffers
// allocated once, run in Float or Double, with each mini-batch split across the cores.
import Dispatch
import Numerics
#if canImport(Glibc)
import Glibc
#endif

/// Which floating-point type the training path computes in.
public enum Precision: String, Sendable, CaseIterable {
    case float32, float64
}

/// Trains and evaluates a `CNN` fast. The readable `CNN` stays the reference: tests prove this path
/// computes the same gradients and updates (to rounding) in Double, and agrees within float32's
/// tolerance in Float.
public final class CNNTrainer {
    public let precision: Precision
    public let batchSize: Int
    /// Mini-batches are cut into this many shards, one per core, each with single-threaded BLAS.
    public let shards: Int
    private let specs: [LayerSpec]
    private let inputShape: [Int]
    private var single: TrainingPlan<Float>?
    private var double: TrainingPlan<Double>?

    /// `shards` defaults to the cores available (2 here); 1 runs one shard with multi-threaded BLAS.
    public init(_ net: CNN, precision: Precision, batchSize: Int, shards: Int = CNNTrainer.defaultShards) {
        self.precision = precision
        self.batchSize = batchSize
        self.shards = max(1, min(shards, batchSize))
        self.specs = net.specs
        self.inputShape = net.inputShape
        switch precision {
        case .float32: single = TrainingPlan<Float>(net, batchSize: batchSize, shards: self.shards)
        case .float64: double = TrainingPlan<Double>(net, batchSize: batchSize, shards: self.shards)
        }
    }

    public static var defaultShards: Int { max(1, min(Cores.available, 8)) }

    /// The network with the current parameters, in Double.
    public var network: CNN {
        try! CNN(specs: specs, inputShape: inputShape, parameters: parameters)
    }

    public var parameters: [Tensor<Double>] {
        single?.parameterTensors() ?? double!.parameterTensors()
    }

    /// Σ W² over every weight (not biases), in Double: the tutorial's regularisation cost.
    public var sumOfSquaredWeights: Double {
        single?.sumOfSquaredWeights() ?? double!.sumOfSquaredWeights()
    }

    public struct EpochResult: Sendable {
        public let clippedEntries: Int
        public let clippedUpdates: Int
        /// Batches done: fewer than the epoch's batches when stopped early.
        public let updates: Int
        public let finiteLoss: Bool
    }

    /// One epoch in the order `rng.shuffle` gives (the tutorial's `getBatch(randomize=True)`), one
    /// clipped, decayed update per batch. `progress(batchesDone, totalBatches, runningLoss)` after each batch.
    public func trainEpoch(_ train: ImageSet, rule: CNN.UpdateRule, rng: inout RandomState,
                           progress: (Int, Int, Double) -> Void = { _, _, _ in },
                           shouldStop: () -> Bool = { false }) -> EpochResult {
        var order = Array(0..<train.count)
        rng.shuffle(&order)
        return withBLASThreads {
            let batches = (train.count + batchSize - 1) / batchSize
            var clippedEntries = 0, clippedUpdates = 0, running = 0.0, seen = 0
            for b in 0..<batches {
                let idx = Array(order[(b * batchSize)..<min(train.count, (b + 1) * batchSize)])
                let loss: Double
                let clipped: Int
                if let p = single { loss = p.step(train, idx, rule: rule); clipped = p.lastClipped }
                else { loss = double!.step(train, idx, rule: rule); clipped = double!.lastClipped }
                guard loss.isFinite else { return EpochResult(clippedEntries: clippedEntries, clippedUpdates: clippedUpdates, updates: b, finiteLoss: false) }
                running += loss; seen += idx.count
                clippedEntries += clipped
                if clipped > 0 { clippedUpdates += 1 }
                progress(b + 1, batches, running / Double(seen))
                if shouldStop() { return EpochResult(clippedEntries: clippedEntries, clippedUpdates: clippedUpdates, updates: b + 1, finiteLoss: true) }
            }
            return EpochResult(clippedEntries: clippedEntries, clippedUpdates: clippedUpdates, updates: batches, finiteLoss: true)
        }
    }

    /// Predicted classes and the summed cross-entropy over a whole set, forward only.
    public func evaluate(_ set: ImageSet) -> (predictions: [Int], loss: Double) {
        withBLASThreads {
            var predictions = [Int](), loss = 0.0
            var start = 0
            while start < set.count {
                let idx = Array(start..<min(set.count, start + batchSize))
                let r = single?.predict(set, idx) ?? double!.predict(set, idx)
                predictions += r.predictions; loss += r.loss
                start += batchSize
            }
            return (predictions, loss)
        }
    }

    /// The gradients (summed over the images) of one batch, without updating: for tests against `CNN.backward`.
    public func gradients(_ set: ImageSet, _ indices: [Int], perImageClip: Double? = nil) -> [CNN.ParameterGradients?] {
        withBLASThreads { single?.gradients(set, indices, perImageClip: perImageClip) ?? double!.gradients(set, indices, perImageClip: perImageClip) }
    }

    /// Shards run BLAS single-threaded on their own core; one shard lets BLAS use every core.
    private func withBLASThreads<T>(_ body: () -> T) -> T {
        let before = BLASThreads.count
        BLASThreads.set(shards > 1 ? 1 : Cores.available)
        defer { BLASThreads.set(before) }
        return body()
    }
}

extension CNN {
    /// A network of the given layers holding `parameters` (weights, bias per layer, as `parameters` lists them).
    public init(specs: [LayerSpec], inputShape: [Int], parameters: [Tensor<Double>]) throws {
        var rng = RandomState(seed: 0)
        try self.init(specs: specs, inputShape: inputShape, seed: 0, rng: &rng)
        self.parameters = parameters
    }
}

public enum Cores {
    /// Cores online on this machine.
    public static var available: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

// MARK: - The plan

/// A buffer of scalars allocated once and reused for every batch.
final class Buffer<Scalar: BLASScalar> {
    let p: UnsafeMutablePointer<Scalar>
    let count: Int
    init(_ count: Int) {
        self.count = max(count, 1)
        p = .allocate(capacity: self.count)
        p.initialize(repeating: 0, count: self.count)
    }
    deinit { p.deallocate() }
}

/// One fused step of the network and the sizes it works on (per image unless said).
struct PlanStep {
    enum Kind {
        /// conv, with the following ReLU fused in when `relu`
        case conv(param: Int, f: Int, pad: Int, stride: Int, h: Int, w: Int, cin: Int, oh: Int, ow: Int, cout: Int, relu: Bool)
        /// max-pool; `relu` applies a ReLU that the network has just before it: max is monotonic, so
        /// pool(relu(z)) = relu(pool(z)) on a quarter of the values, and the conv's gate comes for free.
        case pool(f: Int, h: Int, w: Int, c: Int, oh: Int, ow: Int, relu: Bool)
        case relu
        case dense(param: Int, inputs: Int, outputs: Int, relu: Bool)
        case softmax(classes: Int)
    }
    let kind: Kind
    let inSize: Int
    let outSize: Int
}

/// Everything one shard needs for a forward and backward pass of up to `capacity` images.
final class ShardWorkspace<Scalar: BLASScalar> {
    let capacity: Int
    let input: Buffer<Scalar>            // (n, H, W, C)
    var outputs: [Buffer<Scalar>] = []   // per step: (n, outSize)
    var columns: [Buffer<Scalar>?] = []  // per conv step: (n·OH·OW, f·f·C_in), reused for δ·W in backward
    var argmax: [UnsafeMutablePointer<Int32>?] = []
    let deltaA: Buffer<Scalar>, deltaB: Buffer<Scalar>
    var dW: [Buffer<Scalar>] = [], db: [Buffer<Scalar>] = []
    var loss = 0.0
    var predictions: [Int] = []
    /// Per parameter layer: products clipped by per-image clipping in the last backward pass.
    var clipped: [Int] = []

    init(steps: [PlanStep], inputSize: Int, parameterShapes: [(w: Int, b: Int)], capacity: Int) {
        self.capacity = capacity
        input = Buffer(capacity * inputSize)
        var largest = inputSize
        for s in steps {
            outputs.append(Buffer(capacity * s.outSize))
            largest = max(largest, s.outSize)
            switch s.kind {
            case .conv(_, let f, _, _, _, _, let cin, let oh, let ow, _, _):
                columns.append(Buffer(capacity * oh * ow * f * f * cin)); argmax.append(nil)
            case .pool:
                columns.append(nil)
                let a = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, capacity * s.outSize))
                a.initialize(repeating: 0, count: max(1, capacity * s.outSize))
                argmax.append(a)
            default: columns.append(nil); argmax.append(nil)
            }
        }
        deltaA = Buffer(capacity * largest); deltaB = Buffer(capacity * largest)
        for s in parameterShapes { dW.append(Buffer(s.w)); db.append(Buffer(s.b)) }
        clipped = Array(repeating: 0, count: parameterShapes.count)
        predictions.reserveCapacity(capacity)
    }
    deinit { for a in argmax { a?.deallocate() } }
}

final class TrainingPlan<Scalar: BLASScalar>: @unchecked Sendable {
    let steps: [PlanStep]
    let inputSize: Int
    let inputShape: [Int]
    /// Weights (out, in) and biases per parameter layer, and each one's learning rate (nil: the lesson's).
    var weights: [Buffer<Scalar>] = [], biases: [Buffer<Scalar>] = []
    var shapes: [(weights: [Int], bias: [Int])] = []
    var learningRates: [Double?] = []
    let workspaces: [ShardWorkspace<Scalar>]
    /// Pixel byte → scalar, computed as the readable path does (Double(v) / 255).
    let pixelValue: [Scalar]
    private(set) var lastClipped = 0
    /// Set per batch from the update rule: clip each image's dense weight gradient (`ClipScope.image`).
    private var perImageClip: Scalar?

    init(_ net: CNN, batchSize: Int, shards: Int) {
        var steps = [PlanStep]()
        var shape = net.inputShape
        let layers = net.layers
        var i = 0
        while i < layers.count {
            let inSize = shape.reduce(1, *)
            func isReLU(_ k: Int) -> Bool { if k < layers.count, case .relu = layers[k] { return true }; return false }
            func isPool(_ k: Int) -> Bool { if k < layers.count, case .pool = layers[k] { return true }; return false }
            let fuseReLU = isReLU(i + 1)
            switch layers[i] {
            case .conv(let c):
                let (oh, ow) = c.outputSize(shape[0], shape[1])
                // conv → relu → pool: the pool applies the ReLU (see PlanStep.Kind.pool)
                let reluInPool = fuseReLU && isPool(i + 2)
                steps.append(PlanStep(kind: .conv(param: weights.count, f: c.f, pad: c.pad, stride: c.stride, h: shape[0], w: shape[1], cin: shape[2],
                                                  oh: oh, ow: ow, cout: c.outChannels, relu: fuseReLU && !reluInPool), inSize: inSize, outSize: oh * ow * c.outChannels))
                weights.append(Self.buffer(c.weights)); biases.append(Self.buffer(c.bias))
                shapes.append((c.weights.shape, c.bias.shape)); learningRates.append(net.specs[i].learningRate)
                shape = [oh, ow, c.outChannels]
                if fuseReLU && !reluInPool { i += 1 }
                if reluInPool {
                    guard case .pool(let p) = layers[i + 2] else { preconditionFailure() }
                    let (ph, pw) = p.outputSize(oh, ow)
                    steps.append(PlanStep(kind: .pool(f: p.f, h: oh, w: ow, c: c.outChannels, oh: ph, ow: pw, relu: true),
                                          inSize: oh * ow * c.outChannels, outSize: ph * pw * c.outChannels))
                    shape = [ph, pw, c.outChannels]
                    i += 2
                }
            case .pool(let p):
                let (oh, ow) = p.outputSize(shape[0], shape[1])
                steps.append(PlanStep(kind: .pool(f: p.f, h: shape[0], w: shape[1], c: shape[2], oh: oh, ow: ow, relu: false), inSize: inSize, outSize: oh * ow * shape[2]))
                shape = [oh, ow, shape[2]]
            case .relu:
                steps.append(PlanStep(kind: .relu, inSize: inSize, outSize: inSize))
            case .flatten:
                shape = [inSize]  // NHWC rows are already flat in (h, w, c) order
            case .dense(let d):
                steps.append(PlanStep(kind: .dense(param: weights.count, inputs: d.inputs, outputs: d.outputs, relu: fuseReLU), inSize: inSize, outSize: d.outputs))
                weights.append(Self.buffer(d.weights)); biases.append(Self.buffer(d.bias))
                shapes.append((d.weights.shape, d.bias.shape)); learningRates.append(net.specs[i].learningRate)
                shape = [d.outputs]
                if fuseReLU { i += 1 }
            case .softmax:
                steps.append(PlanStep(kind: .softmax(classes: inSize), inSize: inSize, outSize: inSize))
            }
            i += 1
        }
        self.steps = steps
        self.inputShape = net.inputShape
        inputSize = net.inputShape.reduce(1, *)
        let perShard = (batchSize + shards - 1) / shards
        let sizes = zip(weights, biases).map { (w: $0.count, b: $1.count) }
        workspaces = (0..<shards).map { _ in ShardWorkspace(steps: steps, inputSize: net.inputShape.reduce(1, *), parameterShapes: sizes, capacity: perShard) }
        pixelValue = (0..<256).map { Scalar(Double($0) / 255) }
    }

    static func buffer(_ t: Tensor<Double>) -> Buffer<Scalar> {
        let b = Buffer<Scalar>(t.count)
        for k in 0..<t.count { b.p[k] = Scalar(t.storage[k]) }
        return b
    }

    func parameterTensors() -> [Tensor<Double>] {
        var out = [Tensor<Double>]()
        for (k, s) in shapes.enumerated() {
            out.append(Tensor(shape: s.weights, storage: (0..<weights[k].count).map { Double(weights[k].p[$0]) }))
            out.append(Tensor(shape: s.bias, storage: (0..<biases[k].count).map { Double(biases[k].p[$0]) }))
        }
        return out
    }

    func sumOfSquaredWeights() -> Double {
        weights.reduce(0.0) { s, w in (0..<w.count).reduce(s) { $0 + Double(w.p[$1]) * Double(w.p[$1]) } }
    }

    // MARK: Batches across shards

    /// Runs `body(workspace, shardIndices)` for every non-empty shard of `indices`, in parallel.
    func eachShard(_ indices: [Int], _ body: (ShardWorkspace<Scalar>, ArraySlice<Int>) -> Void) {
        let n = workspaces.count
        let parts = (0..<n).map { s in indices[(s * indices.count / n)..<((s + 1) * indices.count / n)] }
        if n == 1 { body(workspaces[0], parts[0]); return }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: n) { s in
                if !parts[s].isEmpty { body(workspaces[s], parts[s]) }
            }
        }
    }

    /// Forward, backward and the update for one mini-batch. Returns the batch's summed loss.
    func step(_ set: ImageSet, _ indices: [Int], rule: CNN.UpdateRule) -> Double {
        let loss = accumulateGradients(set, indices, perImageClip: rule.perImageClip)
        guard loss.isFinite else { return loss }
        lastClipped = update(rule: rule) + workspaces[0].clipped.reduce(0, +)
        return loss
    }

    /// Every shard's gradients (and per-image clip counts) summed into shard 0's; returns the summed loss.
    func accumulateGradients(_ set: ImageSet, _ indices: [Int], perImageClip: Double?) -> Double {
        let used = min(workspaces.count, indices.count)
        self.perImageClip = perImageClip.map { Scalar($0) }
        for ws in workspaces { for k in ws.clipped.indices { ws.clipped[k] = 0 } }
        eachShard(indices) { ws, idx in
            self.load(set, idx, into: ws)
            self.forward(ws, count: idx.count, labels: idx.map { set.labels[$0] })
            self.backward(ws, count: idx.count, labels: idx.map { set.labels[$0] })
        }
        let first = workspaces[0]
        var loss = first.loss
        for ws in workspaces[1..<used] {
            loss += ws.loss
            for k in weights.indices {
                add(ws.dW[k], into: first.dW[k]); add(ws.db[k], into: first.db[k])
                first.clipped[k] += ws.clipped[k]
            }
        }
        return loss
    }

    func add(_ a: Buffer<Scalar>, into b: Buffer<Scalar>) {
        for k in 0..<a.count { b.p[k] += a.p[k] }
    }

    func gradients(_ set: ImageSet, _ indices: [Int], perImageClip: Double?) -> [CNN.ParameterGradients?] {
        _ = accumulateGradients(set, indices, perImageClip: perImageClip)
        var out = [CNN.ParameterGradients?]()
        let ws = workspaces[0]
        for (k, s) in shapes.enumerated() {
            out.append(CNN.ParameterGradients(dW: Tensor(shape: s.weights, storage: (0..<ws.dW[k].count).map { Double(ws.dW[k].p[$0]) }),
                                              db: Tensor(shape: s.bias, storage: (0..<ws.db[k].count).map { Double(ws.db[k].p[$0]) }),
                                              clippedEntries: ws.clipped[k]))
        }
        return out
    }

    func predict(_ set: ImageSet, _ indices: [Int]) -> (predictions: [Int], loss: Double) {
        eachShard(indices) { ws, idx in
            self.load(set, idx, into: ws)
            self.forward(ws, count: idx.count, labels: idx.map { set.labels[$0] })
        }
        var predictions = [Int](), loss = 0.0
        for ws in workspaces[0..<min(workspaces.count, indices.count)] { predictions += ws.predictions; loss += ws.loss }
        return (predictions, loss)
    }

    /// W ← W·(1 − lr·λ/m) − lr·clip(dW)/m,  b ← b − lr·db/m, with m the batch size asked for.
    /// With `ClipScope.image` the gradients were clipped per image in `backward` and are used as they are.
    func update(rule: CNN.UpdateRule) -> Int {
        var clipped = 0
        let m = Double(rule.batchSize)
        let clip = rule.clipScope == .batch ? Scalar(rule.clip) : .infinity
        let ws = workspaces[0]
        for k in weights.indices {
            let lr = learningRates[k] ?? rule.learningRate
            let decay = Scalar(1 - lr * rule.lambda / m), scale = Scalar(lr / m)
            let w = weights[k].p, g = ws.dW[k].p
            for j in 0..<weights[k].count {
                var gj = g[j]
                if gj > clip { gj = clip; clipped += 1 } else if gj < -clip { gj = -clip; clipped += 1 }
                w[j] = w[j] * decay - scale * gj
            }
            let b = biases[k].p, gb = ws.db[k].p
            for j in 0..<biases[k].count { b[j] -= scale * gb[j] }
        }
        return clipped
    }

    // MARK: One shard, forward and backward

    @inline(never) func load(_ set: ImageSet, _ idx: ArraySlice<Int>, into ws: ShardWorkspace<Scalar>) {
        let p = inputSize
        set.pixels.withUnsafeBufferPointer { src in
            pixelValue.withUnsafeBufferPointer { table in
                for (r, i) in idx.enumerated() {
                    let d = ws.input.p + r * p, s = i * p
                    for k in 0..<p { d[k] = table[Int(src[s + k])] }
                }
            }
        }
    }

    /// The output of step `j` (the input batch for j = -1).
    @inline(__always) func activation(_ ws: ShardWorkspace<Scalar>, _ j: Int) -> UnsafeMutablePointer<Scalar> {
        j < 0 ? ws.input.p : ws.outputs[j].p
    }

    func forward(_ ws: ShardWorkspace<Scalar>, count n: Int, labels: [Int]) {
        for (j, s) in steps.enumerated() {
            let x = activation(ws, j - 1), out = ws.outputs[j].p
            switch s.kind {
            case .conv(let param, let f, let pad, let stride, let h, let w, let cin, let oh, let ow, let cout, let relu):
                let cols = ws.columns[j]!.p, k = f * f * cin, rows = n * oh * ow
                im2col(x, cols, n: n, h: h, w: w, c: cin, f: f, pad: pad, stride: stride, oh: oh, ow: ow)
                // Z = cols · Wᵀ + b  (rows, C_out): b is laid down first and the GEMM adds onto it
                fillRows(out, with: biases[param].p, rows: rows, columns: cout)
                Scalar.gemm(transA: false, transB: true, m: rows, n: cout, k: k, alpha: 1, a: cols, lda: k,
                            b: weights[param].p, ldb: k, beta: 1, c: out, ldc: cout)
                if relu { clampNegatives(out, rows * cout) }
            case .dense(let param, let inputs, let outputs, let relu):
                // Z = x · Wᵀ + b  (n, out)
                fillRows(out, with: biases[param].p, rows: n, columns: outputs)
                Scalar.gemm(transA: false, transB: true, m: n, n: outputs, k: inputs, alpha: 1, a: x, lda: inputs,
                            b: weights[param].p, ldb: inputs, beta: 1, c: out, ldc: outputs)
                if relu { clampNegatives(out, n * outputs) }
            case .pool(let f, let h, let w, let c, let oh, let ow, let relu):
                maxPool(x, out, ws.argmax[j]!, n: n, h: h, w: w, c: c, f: f, oh: oh, ow: ow)
                if relu { clampNegatives(out, n * s.outSize) }
            case .relu:
                out.update(from: x, count: n &* s.outSize)
                clampNegatives(out, n &* s.outSize)
            case .softmax(let classes):
                var loss = 0.0
                ws.predictions.removeAll(keepingCapacity: true)
                for r in 0..<n {
                    let z = x + r * classes, a = out + r * classes
                    var m = z[0], best = 0
                    for q in 1..<classes where z[q] > m { m = z[q]; best = q }
                    var sum: Scalar = 0
                    for q in 0..<classes { let e = Scalar.exp(z[q] - m); a[q] = e; sum += e }
                    for q in 0..<classes { a[q] /= sum }
                    ws.predictions.append(best)
                    loss -= cLog(max(Double(a[labels[r]]), 1e-300))
                }
                ws.loss = loss
            }
        }
    }

    func backward(_ ws: ShardWorkspace<Scalar>, count n: Int, labels: [Int]) {
        // δ = a - y at the softmax output
        var delta = ws.deltaA.p, spare = ws.deltaB.p
        for j in stride(from: steps.count - 1, through: 0, by: -1) {
            let s = steps[j]
            let x = activation(ws, j - 1), out = ws.outputs[j].p
            let needInputDelta = j > 0
            switch s.kind {
            case .softmax(let classes):
                delta.update(from: out, count: n * classes)
                for r in 0..<n { delta[r * classes + labels[r]] -= 1 }
                continue  // δ is already ∂J/∂z of the layer below
            case .dense(let param, let inputs, let outputs, let relu):
                if relu { gate(delta, by: out, n &* outputs) }  // δ_z = δ_a ⊙ (a > 0)
                columnSums(delta, into: ws.db[param].p, rows: n, columns: outputs)
                // dW = δᵀ · x
                Scalar.gemm(transA: true, transB: false, m: outputs, n: inputs, k: n, alpha: 1, a: delta, lda: outputs,
                            b: x, ldb: inputs, beta: 0, c: ws.dW[param].p, ldc: inputs)
                if let c = perImageClip {
                    // Σ_n clip(δ_nᵀ x_n): the GEMM's sum plus a correction for the products past ±c
                    ws.clipped[param] += PerImageClip.correct(delta: delta, x: x, n: n, outputs: outputs, inputs: inputs, clip: c, into: ws.dW[param].p)
                }
                if needInputDelta {
                    // δ_x = δ · W
                    Scalar.gemm(transA: false, transB: false, m: n, n: inputs, k: outputs, alpha: 1, a: delta, lda: outputs,
                                b: weights[param].p, ldb: inputs, beta: 0, c: spare, ldc: inputs)
                }
            case .conv(let param, let f, let pad, let stride, let h, let w, let cin, let oh, let ow, let cout, let relu):
                let rows = n * oh * ow, k = f * f * cin, cols = ws.columns[j]!.p
                if relu { gate(delta, by: out, rows &* cout) }
                columnSums(delta, into: ws.db[param].p, rows: rows, columns: cout)
                // dW = δᵀ · cols
                Scalar.gemm(transA: true, transB: false, m: cout, n: k, k: rows, alpha: 1, a: delta, lda: cout,
                            b: cols, ldb: k, beta: 0, c: ws.dW[param].p, ldc: k)
                if needInputDelta {
                    // δ_x = col2im(δ · W); the patches are no longer needed, so their buffer takes δ · W.
                    Scalar.gemm(transA: false, transB: false, m: rows, n: k, k: cout, alpha: 1, a: delta, lda: cout,
                                b: weights[param].p, ldb: k, beta: 0, c: cols, ldc: k)
                    col2im(cols, spare, n: n, h: h, w: w, c: cin, f: f, pad: pad, stride: stride, oh: oh, ow: ow)
                }
            case .pool(_, _, _, _, _, _, let relu):
                if needInputDelta {
                    // δ goes back to where each maximum came from (if the ReLU let it through); every other input gets 0
                    if relu { gate(delta, by: out, n &* s.outSize) }
                    spare.update(repeating: 0, count: n &* s.inSize)
                    let arg = ws.argmax[j]!
                    for q in 0..<(n &* s.outSize) { spare[Int(arg[q])] += delta[q] }
                }
            case .relu:
                if needInputDelta { spare.update(from: delta, count: n &* s.inSize); gate(spare, by: out, n &* s.inSize) }
            }
            swap(&delta, &spare)
        }
    }

    // MARK: Kernels

    /// Every row of z set to b: the GEMM then adds onto it (beta = 1) instead of clearing z first.
    @inline(never) func fillRows(_ z: UnsafeMutablePointer<Scalar>, with b: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int) {
        guard rows > 0 else { return }
        z.update(from: b, count: columns)
        var done = 1
        while done < rows {  // doubling copies: memcpy does the work
            let now = Swift.min(done, rows &- done)
            (z + done &* columns).update(from: z, count: now &* columns)
            done &+= now
        }
    }

    // a = max(z, 0)
    @inline(never) func clampNegatives(_ z: UnsafeMutablePointer<Scalar>, _ count: Int) {
        for k in 0..<count { z[k] = z[k] > 0 ? z[k] : 0 }
    }

    // δ ← δ ⊙ (a > 0)
    @inline(never) func gate(_ d: UnsafeMutablePointer<Scalar>, by a: UnsafeMutablePointer<Scalar>, _ count: Int) {
        for k in 0..<count { d[k] = a[k] > 0 ? d[k] : 0 }
    }

    @inline(never) func columnSums(_ d: UnsafeMutablePointer<Scalar>, into out: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int) {
        out.update(repeating: 0, count: columns)
        var row = d
        for _ in 0..<rows { for c in 0..<columns { out[c] += row[c] }; row += columns }
    }

    /// Patches as rows, in the order (kh, kw, c) that the weights use. In NHWC the f·C_in values of
    /// one kernel row are contiguous, so each is a straight copy.
    @inline(never) func im2col(_ x: UnsafeMutablePointer<Scalar>, _ cols: UnsafeMutablePointer<Scalar>, n: Int, h: Int, w: Int, c: Int,
                               f: Int, pad: Int, stride: Int, oh: Int, ow: Int) {
        let k = f &* f &* c, run = f &* c
        var row = cols
        for i in 0..<n {
            let image = x + i &* h &* w &* c
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let x0 = ox &* stride &- pad
                    let inside = x0 >= 0 && x0 &+ f <= w
                    for kh in 0..<f {
                        let y = oy &* stride &+ kh &- pad
                        let dst = row + kh &* run
                        if y < 0 || y >= h { dst.update(repeating: 0, count: run); continue }
                        if inside {
                            let src = image + (y &* w &+ x0) &* c
                            if run >= 16 { dst.update(from: src, count: run) } else { for q in 0..<run { dst[q] = src[q] } }
                        } else {
                            for kw in 0..<f {
                                let xx = x0 &+ kw
                                if xx < 0 || xx >= w { (dst + kw &* c).update(repeating: 0, count: c) }
                                else { (dst + kw &* c).update(from: image + (y &* w &+ xx) &* c, count: c) }
                            }
                        }
                    }
                    row += k
                }
            }
        }
    }

    /// The adjoint of im2col: every patch value added back onto the pixel it came from.
    @inline(never) func col2im(_ cols: UnsafeMutablePointer<Scalar>, _ x: UnsafeMutablePointer<Scalar>, n: Int, h: Int, w: Int, c: Int,
                               f: Int, pad: Int, stride: Int, oh: Int, ow: Int) {
        x.update(repeating: 0, count: n &* h &* w &* c)
        let k = f &* f &* c, run = f &* c
        var row = UnsafePointer(cols)
        for i in 0..<n {
            let image = x + i &* h &* w &* c
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let x0 = ox &* stride &- pad
                    let inside = x0 >= 0 && x0 &+ f <= w
                    for kh in 0..<f {
                        let y = oy &* stride &+ kh &- pad
                        if y < 0 || y >= h { continue }
                        let src = row + kh &* run
                        if inside {
                            let dst = image + (y &* w &+ x0) &* c
                            for q in 0..<run { dst[q] += src[q] }
                        } else {
                            for kw in 0..<f {
                                let xx = x0 &+ kw
                                if xx < 0 || xx >= w { continue }
                                let dst = image + (y &* w &+ xx) &* c
                                for q in 0..<c { dst[q] += src[kw &* c &+ q] }
                            }
                        }
                    }
                    row += k
                }
            }
        }
    }

    /// Max over each f×f window per channel, remembering the flat input index of the first maximum.
    /// Channels are innermost in NHWC, so each window row is compared a pixel (all channels) at a time.
    @inline(never) func maxPool(_ x: UnsafeMutablePointer<Scalar>, _ out: UnsafeMutablePointer<Scalar>, _ arg: UnsafeMutablePointer<Int32>,
                                n: Int, h: Int, w: Int, c: Int, f: Int, oh: Int, ow: Int) {
        var o = out, a = arg
        for i in 0..<n {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let first = ((i &* h &+ oy &* f) &* w &+ ox &* f) &* c
                    for ch in 0..<c { o[ch] = x[first &+ ch]; a[ch] = Int32(truncatingIfNeeded: first &+ ch) }
                    for dy in 0..<f {
                        for dx in 0..<f where dy != 0 || dx != 0 {
                            let q = first &+ (dy &* w &+ dx) &* c
                            let v = x + q
                            for ch in 0..<c where v[ch] > o[ch] {
                                o[ch] = v[ch]; a[ch] = Int32(truncatingIfNeeded: q &+ ch)
                            }
                        }
                    }
                    o += c; a += c
                }
            }
        }
    }
}
