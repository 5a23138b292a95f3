// The plan the trainer runs: fused steps (conv with its bias and ReLU, max-pool with the ReLU before
// it, the first conv and that max-pool in one pass, dense, softmax; average pooling and any other
// element-wise activation as steps of their own), per-shard workspaces allocated once, and each batch's forward, backward and update.
import Dispatch
import Network
import Numerics
#if canImport(Glibc)
import Glibc
#endif

/// A buffer of scalars allocated once and reused for every batch.
final class Buffer<Scalar: BLASScalar> {
    let p: UnsafeMutablePointer<Scalar>
    let count: Int
    /// Zeroed room past the end, so a vector kernel may load or store a whole SIMD16 at the last element.
    static var slack: Int { 16 }
    init(_ count: Int) {
        self.count = max(count, 1)
        p = .allocate(capacity: self.count + Self.slack)
        p.initialize(repeating: 0, count: self.count + Self.slack)
    }
    deinit { p.deallocate() }
}

/// A pooling step: f × f windows over (h, w, c) giving (oh, ow, c). For max-pooling, `relu` applies a
/// ReLU that the network has just before it: max is monotonic, so pool(relu(z)) = relu(pool(z)) on a
/// quarter of the values, and the conv's gate comes for free.
struct PoolStep {
    let f: Int, h: Int, w: Int, c: Int, oh: Int, ow: Int
    let relu: Bool
}

/// One fused step of the network and the sizes it works on (per image unless said).
struct PlanStep {
    enum Kind {
        case conv(ConvStep)
        case maxPool(PoolStep)
        case avgPool(PoolStep)
        case relu
        /// An element-wise activation computed by its kind's own functions (tanh, sigmoid); ReLU has
        /// kernels and is fused into its conv, dense or max-pool step where it can be.
        case activation(any ElementwiseActivation.Type)
        case dense(param: Int, inputs: Int, outputs: Int, relu: Bool)
        case softmax(classes: Int)
    }
    let kind: Kind
    let inSize: Int
    let outSize: Int
}

extension PlanStep {
    /// Whether the first two steps are an unpadded stride-1 first conv (f·f ≤ 16) and a 2 × 2 max-pool of its
    /// output: the forward computes both in one pass (CKernels/Conv.c) and never stores the conv's output.
    static func firstConvPools(_ steps: [PlanStep]) -> Bool {
        guard steps.count >= 2, case .conv(let c) = steps[0].kind, c.pad == 0, c.stride == 1, !c.relu, c.kernel == .first,
              case .maxPool(let p) = steps[1].kind, p.f == 2, p.h == c.oh, p.w == c.ow, p.c == c.cout else { return false }
        return c.f * c.f <= 16
    }
}

/// Everything one shard needs for a forward and backward pass of up to `capacity` images.
final class ShardWorkspace<Scalar: BLASScalar> {
    let capacity: Int
    let input: Buffer<Scalar>            // (n, H, W, C)
    var outputs: [Buffer<Scalar>] = []   // per step: (n, outSize)
    var columns: [Buffer<Scalar>?] = []  // per conv step that needs them: (n·OH·OW, f·f·C_in), im2col's patches and then δ·W
    var filterGradients: [Buffer<Scalar>?] = []  // per direct conv step: dW as (f·f·C_in, 16), the kernel's layout
    let patches: Buffer<Scalar>          // one image's first-conv patches, (OH·OW, 16), for its pooled backward
    var argmax: [UnsafeMutablePointer<Int32>?] = []
    let deltaA: Buffer<Scalar>, deltaB: Buffer<Scalar>
    var dW: [Buffer<Scalar>] = [], db: [Buffer<Scalar>] = []
    var loss = 0.0
    /// How many of the shard's images the last training forward pass classified right.
    var correct = 0
    var predictions: [Int] = []
    /// Per parameter layer: products clipped by per-image clipping in the last backward pass.
    var clipped: [Int] = []
    /// The last training forward pass's activation figures for `BatchHealth`, when measured.
    var health: ShardHealth?

    init(steps: [PlanStep], inputSize: Int, parameterShapes: [(w: Int, b: Int)], capacity: Int) {
        self.capacity = capacity
        input = Buffer(capacity * inputSize)
        var largest = inputSize
        let fused = PlanStep.firstConvPools(steps)
        for (j, s) in steps.enumerated() {
            // The first conv's output when the pool is computed with it: never stored.
            outputs.append(Buffer(fused && j == 0 ? 0 : capacity * s.outSize))
            largest = max(largest, s.outSize)
            switch s.kind {
            case .conv(let c):
                // im2col's patches for the whole shard; a direct conv's δ · W for col2im's few images, if it has one
                let images = switch c.kernel {
                case .first: 0
                case .direct: ConvKernel.directBackwardData(cin: c.cin, w: c.w) ? 0 : Swift.min(capacity, ConvKernel.imagesPerCol2im)
                case .im2col: capacity
                }
                columns.append(images == 0 ? nil : Buffer(images * c.oh * c.ow * c.f * c.f * c.cin)); argmax.append(nil)
                filterGradients.append(c.kernel == .direct ? Buffer(c.f * c.f * c.cin * 16) : nil)
            case .maxPool:
                columns.append(nil); filterGradients.append(nil)
                // With the same slack as a Buffer: the vector max-pool stores 16 lanes at the last pixel.
                let a = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, capacity * s.outSize) + Buffer<Scalar>.slack)
                a.initialize(repeating: 0, count: max(1, capacity * s.outSize) + Buffer<Scalar>.slack)
                argmax.append(a)
            default: columns.append(nil); argmax.append(nil); filterGradients.append(nil)
            }
        }
        deltaA = Buffer(capacity * largest); deltaB = Buffer(capacity * largest)
        var firstOutputs = 0
        if let s = steps.first, case .conv(let c) = s.kind, c.kernel == .first { firstOutputs = c.oh * c.ow }
        patches = Buffer(firstOutputs * 16)
        for s in parameterShapes { dW.append(Buffer(s.w)); db.append(Buffer(s.b)) }
        clipped = Array(repeating: 0, count: parameterShapes.count)
        predictions.reserveCapacity(capacity)
    }
    deinit { for a in argmax { a?.deallocate() } }
}

final class TrainingPlan<Scalar: KernelScalar>: @unchecked Sendable {
    let steps: [PlanStep]
    let inputSize: Int
    let inputShape: [Int]
    /// Weights (out, in) and biases per parameter layer, and each one's learning rate (nil: the lesson's).
    var weights: [Buffer<Scalar>] = [], biases: [Buffer<Scalar>] = []
    var shapes: [(weights: [Int], bias: [Int])] = []
    var learningRates: [Double?] = []
    let workspaces: [ShardWorkspace<Scalar>]
    /// Per parameter layer computed by the direct conv kernels: its filters transposed to
    /// (f·f·C_in, 16), lanes past C_out zero, refreshed after every update.
    var transposed: [Buffer<Scalar>?] = []
    /// The same layers' filters for their backward pass, (f·f·C_out, 16): per tap and output channel a
    /// vector of the input channels (lanes past C_in zero), where conv2's δx kernel can take them (C_in ≤ 16).
    var backwardFilters: [Buffer<Scalar>?] = []
    /// Per dense layer: its weights transposed, (in, out), for the forward's x · Wᵀ.
    var denseTransposed: [Buffer<Scalar>?] = []
    private(set) var lastClipped = 0
    /// How many images of the last step's batch its forward pass classified right (before the update).
    private(set) var lastCorrect = 0
    /// Set per batch from the update rule: clip each image's dense weight gradient (`ClipScope.image`).
    private var perImageClip: Scalar?

    /// Threads the shards are spread over.
    let threads: Int
    /// The first conv and the max-pool after it computed in one pass (`PlanStep.firstConvPools`).
    let firstConvPools: Bool
    /// Where each ReLU conv layer's output is after a forward pass (see `reluOutputs`), found once.
    private(set) lazy var reluOutputSteps: [(step: Int, size: Int, channels: Int)] = reluOutputs()
    /// Whether each training step measures `lastHealth` (it reads the buffers and changes no bit).
    var measureHealth = true
    /// Every parameter layer's health over the last training step's batch.
    private(set) var lastHealth: BatchHealth?
    private(set) lazy var healthSources = HealthSource.sources(steps, firstConvPools: firstConvPools)

    init(_ net: CNN, batchSize: Int, shards: Int, threads: Int) {
        self.threads = threads
        var steps = [PlanStep]()
        var shape = net.inputShape
        let layers = net.layers
        var i = 0
        while i < layers.count {
            let inSize = shape.reduce(1, *)
            func isReLU(_ k: Int) -> Bool { k < layers.count && layers[k] is ReLU }
            func isMaxPool(_ k: Int) -> Bool { k < layers.count && layers[k] is MaxPool2D }
            let fuseReLU = isReLU(i + 1)
            switch layers[i] {
            case let c as Conv2D:
                let (oh, ow) = c.outputSize(shape[0], shape[1])
                // conv → relu → max-pool: the pool applies the ReLU (see PoolStep)
                let reluInPool = fuseReLU && isMaxPool(i + 2)
                let kernel = ConvKernel(first: steps.isEmpty, cin: shape[2], cout: c.outChannels, pad: c.pad, stride: c.stride)
                steps.append(PlanStep(kind: .conv(ConvStep(param: weights.count, f: c.f, pad: c.pad, stride: c.stride, h: shape[0], w: shape[1], cin: shape[2],
                                                           oh: oh, ow: ow, cout: c.outChannels, relu: fuseReLU && !reluInPool, kernel: kernel)),
                                      inSize: inSize, outSize: oh * ow * c.outChannels))
                weights.append(Self.buffer(c.weights)); biases.append(Self.buffer(c.bias))
                shapes.append((c.weights.shape, c.bias.shape)); learningRates.append(net.specs[i].learningRate)
                shape = [oh, ow, c.outChannels]
                if fuseReLU && !reluInPool { i += 1 }
                if reluInPool {
                    let p = layers[i + 2] as! MaxPool2D
                    let (ph, pw) = p.outputSize(oh, ow)
                    steps.append(PlanStep(kind: .maxPool(PoolStep(f: p.f, h: oh, w: ow, c: c.outChannels, oh: ph, ow: pw, relu: true)),
                                          inSize: oh * ow * c.outChannels, outSize: ph * pw * c.outChannels))
                    shape = [ph, pw, c.outChannels]
                    i += 2
                }
            case let p as any PoolingKind:
                let (oh, ow) = p.outputSize(shape[0], shape[1])
                let pool = PoolStep(f: p.f, h: shape[0], w: shape[1], c: shape[2], oh: oh, ow: ow, relu: false)
                steps.append(PlanStep(kind: p is MaxPool2D ? .maxPool(pool) : .avgPool(pool), inSize: inSize, outSize: oh * ow * shape[2]))
                shape = [oh, ow, shape[2]]
            case is ReLU:
                steps.append(PlanStep(kind: .relu, inSize: inSize, outSize: inSize))
            case let g as any ElementwiseActivation:
                steps.append(PlanStep(kind: .activation(type(of: g)), inSize: inSize, outSize: inSize))
            case is Flatten:
                shape = [inSize]  // NHWC rows are already flat in (h, w, c) order
            case let d as Dense:
                steps.append(PlanStep(kind: .dense(param: weights.count, inputs: d.inputs, outputs: d.outputs, relu: fuseReLU), inSize: inSize, outSize: d.outputs))
                weights.append(Self.buffer(d.weights)); biases.append(Self.buffer(d.bias))
                shapes.append((d.weights.shape, d.bias.shape)); learningRates.append(net.specs[i].learningRate)
                shape = [d.outputs]
                if fuseReLU { i += 1 }
            case is Softmax:
                steps.append(PlanStep(kind: .softmax(classes: inSize), inSize: inSize, outSize: inSize))
            default:
                preconditionFailure("\(net.specs[i].summary) has no step on the training path")
            }
            i += 1
        }
        self.steps = steps
        firstConvPools = PlanStep.firstConvPools(steps)
        self.inputShape = net.inputShape
        inputSize = net.inputShape.reduce(1, *)
        let perShard = CNNTrainer.imagesPerShard(batch: batchSize, shards: shards)
        let sizes = zip(weights, biases).map { (w: $0.count, b: $1.count) }
        workspaces = (0..<shards).map { _ in ShardWorkspace(steps: steps, inputSize: net.inputShape.reduce(1, *), parameterShapes: sizes, capacity: perShard) }
        transposed = Array(repeating: nil, count: weights.count)
        backwardFilters = Array(repeating: nil, count: weights.count)
        denseTransposed = Array(repeating: nil, count: weights.count)
        for s in steps {
            if case .dense(let param, _, _, _) = s.kind { denseTransposed[param] = Buffer(weights[param].count) }
            if case .conv(let c) = s.kind, c.kernel == .direct {
                transposed[c.param] = Buffer(weights[c.param].count / c.cout * 16)
                if ConvKernel.directBackwardData(cin: c.cin, w: c.w) { backwardFilters[c.param] = Buffer(c.f * c.f * c.cout * 16) }
            }
        }
        transposeFilters()
    }

    /// Bytes of every buffer this plan allocated: what MemoryEstimate's training part must foresee.
    var allocatedBytes: Int {
        let size = MemoryLayout<Scalar>.size
        func bytes(_ b: Buffer<Scalar>?) -> Int { b.map { ($0.count + Buffer<Scalar>.slack) * size } ?? 0 }
        func sum(_ bs: [Buffer<Scalar>?]) -> Int { bs.reduce(0) { $0 + bytes($1) } }
        var total = sum(weights) + sum(biases) + sum(transposed) + sum(backwardFilters) + sum(denseTransposed)
        for ws in workspaces {
            total += bytes(ws.input) + sum(ws.outputs) + sum(ws.columns) + sum(ws.filterGradients) + bytes(ws.patches)
                + bytes(ws.deltaA) + bytes(ws.deltaB) + sum(ws.dW) + sum(ws.db)
            for (j, a) in ws.argmax.enumerated() where a != nil { total += (max(1, ws.capacity * steps[j].outSize) + Buffer<Scalar>.slack) * 4 }
        }
        return total
    }

    /// W (C_out, f·f·C_in) → transposed (f·f·C_in, 16) for the direct conv kernels, and → (f·f·C_out, 16)
    /// for their δx kernel.
    func transposeFilters() {
        for (k, t) in denseTransposed.enumerated() {
            guard let t else { continue }
            let outputs = shapes[k].weights[0], inputs = shapes[k].weights[1], w = weights[k].p
            for o in 0..<outputs { for i in 0..<inputs { t.p[i * outputs + o] = w[o * inputs + i] } }
        }
        for (k, t) in transposed.enumerated() {
            guard let t else { continue }
            let cout = shapes[k].weights[0], taps = weights[k].count / cout, w = weights[k].p
            for q in 0..<taps { for c in 0..<cout { t.p[q * 16 + c] = w[c * taps + q] } }
            guard let b = backwardFilters[k] else { continue }
            let cin = shapes[k].weights[3], f = shapes[k].weights[1]
            for tap in 0..<(f * f) { for c in 0..<cout { for ci in 0..<cin { b.p[(tap * cout + c) * 16 + ci] = w[c * taps + tap * cin + ci] } } }
        }
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

    /// `indices` cut into shards from the front: shard s takes the s-th run of ⌈count / shards⌉, so the
    /// shards that hold images are always the first ones (a short last batch uses fewer).
    func parts(_ indices: [Int]) -> [ArraySlice<Int>] {
        let per = (indices.count + workspaces.count - 1) / max(1, workspaces.count)
        guard per > 0 else { return [] }
        return stride(from: 0, to: indices.count, by: per).map { indices[$0..<min(indices.count, $0 + per)] }
    }

    /// Runs `body(workspace, shardIndices)` for every shard that holds images, spread over `threads`
    /// (worker w takes shards w, w + threads, ...); which thread computes a shard never changes its result.
    func eachShard(_ indices: [Int], _ body: (ShardWorkspace<Scalar>, ArraySlice<Int>) -> Void) {
        let parts = self.parts(indices)
        let workers = min(threads, parts.count)
        if workers <= 1 { for (s, p) in parts.enumerated() { body(workspaces[s], p) }; return }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for s in stride(from: w, to: parts.count, by: workers) { body(workspaces[s], parts[s]) }
            }
        }
    }

    /// Forward, backward and the update for one mini-batch. Returns the batch's summed loss.
    func step(_ set: ImageSet, _ indices: [Int], rule: CNN.UpdateRule) -> Double {
        let loss = accumulateGradients(set, indices, perImageClip: rule.perImageClip, measure: measureHealth)
        guard loss.isFinite else { lastHealth = nil; return loss }
        var updates = measureHealth ? Array(repeating: UpdateHealth(), count: weights.count) : nil
        lastClipped = update(rule: rule, health: &updates) + workspaces[0].clipped.reduce(0, +)
        if var updates {
            var activations = ShardHealth(healthSources)
            for ws in workspaces.prefix(parts(indices).count) { if let h = ws.health { activations.add(h) } }
            for k in updates.indices { updates[k].clipped += workspaces[0].clipped[k] }
            lastHealth = BatchHealth.combine(healthSources, activations: activations, updates: updates, weightCounts: weights.map(\.count),
                                          clippedPerImage: rule.perImageClip == nil ? nil : indices.count)
        } else { lastHealth = nil }
        return loss
    }

    /// Every shard's gradients (and per-image clip counts) summed into shard 0's; returns the summed loss.
    func accumulateGradients(_ set: ImageSet, _ indices: [Int], perImageClip: Double?, measure: Bool = false) -> Double {
        let used = parts(indices).count
        self.perImageClip = perImageClip.map { Scalar($0) }
        for ws in workspaces { for k in ws.clipped.indices { ws.clipped[k] = 0 } }
        eachShard(indices) { ws, idx in
            self.load(set, idx, into: ws)
            self.forward(ws, count: idx.count, labels: idx.map { set.labels[$0] }, forBackward: true)
            if measure {
                var h = ShardHealth(self.healthSources)
                h.read(self.healthSources, outputs: ws.outputs, count: idx.count)
                ws.health = h
            }
            ws.correct = zip(ws.predictions, idx).reduce(0) { $0 + ($1.0 == set.labels[$1.1] ? 1 : 0) }
            self.backward(ws, count: idx.count, labels: idx.map { set.labels[$0] })
        }
        let first = workspaces[0]
        lastCorrect = workspaces.prefix(used).reduce(0) { $0 + $1.correct }
        var loss = first.loss
        for ws in workspaces.prefix(used).dropFirst() {
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

    /// `live`: for each conv layer followed by a ReLU (first conv first), the channels whose ReLU output
    /// was positive somewhere for some image so far; these images' are added.
    func predict(_ set: ImageSet, _ indices: [Int], live: inout [[Bool]]) -> (predictions: [Int], loss: Double) {
        eachShard(indices) { ws, idx in
            self.load(set, idx, into: ws)
            self.forward(ws, count: idx.count, labels: idx.map { set.labels[$0] }, forBackward: false)
        }
        var predictions = [Int](), loss = 0.0
        for (ws, idx) in zip(workspaces, parts(indices)) {
            predictions += ws.predictions; loss += ws.loss
            markLiveChannels(ws, count: idx.count, into: &live)
        }
        return (predictions, loss)
    }

    /// Where each ReLU conv layer's output is after a forward pass: the conv's own output when it applies
    /// the ReLU, else the ReLU step's, or the max-pool's that applies it when its windows cover every
    /// position (a channel is 0 at every position exactly when every window's max is).
    func reluOutputs() -> [(step: Int, size: Int, channels: Int)] {
        var out = [(step: Int, size: Int, channels: Int)]()
        for (j, s) in steps.enumerated() {
            guard case .conv(let c) = s.kind else { continue }
            let next = j + 1 < steps.count ? steps[j + 1].kind : nil
            if c.relu { out.append((j, c.oh * c.ow, c.cout)) }
            else if case .relu = next { out.append((j + 1, c.oh * c.ow, c.cout)) }
            else if case .maxPool(let p) = next, p.relu, p.oh * p.f == c.oh, p.ow * p.f == c.ow { out.append((j + 1, p.oh * p.ow, c.cout)) }
        }
        return out
    }

    func markLiveChannels(_ ws: ShardWorkspace<Scalar>, count n: Int, into live: inout [[Bool]]) {
        for (k, r) in reluOutputSteps.enumerated() {
            if live.count <= k { live.append([Bool](repeating: false, count: r.channels)) }
            let out = ws.outputs[r.step].p
            // NHWC: channel c of every position is every `channels`-th value.
            for c in 0..<r.channels where !live[k][c] {
                var i = c
                while i < n &* r.size &* r.channels { if out[i] > 0 { live[k][c] = true; break }; i &+= r.channels }
            }
        }
    }

    /// W ← W·(1 − lr·λ/m) − lr·clip(dW)/m,  b ← b − lr·db/m, with m the batch size asked for.
    /// With `ClipScope.image` the gradients were clipped per image in `backward` and are used as they are.
    /// `health`, when given, gets each layer's Σ (g/m)², Σ W², Σ ΔW² and clipped entries; the weights
    /// computed are the same bits either way.
    func update(rule: CNN.UpdateRule, health: inout [UpdateHealth]?) -> Int {
        var clipped = 0
        let m = Double(rule.batchSize)
        let clip = Scalar(rule.batchClipBound)
        let ws = workspaces[0]
        for k in weights.indices {
            let lr = learningRates[k] ?? rule.learningRate
            let decay = Scalar(1 - lr * rule.lambda / m), scale = Scalar(lr / m)
            let w = weights[k].p, g = ws.dW[k].p
            if health != nil {
                var h = UpdateHealth()
                let before = clipped
                for j in 0..<weights[k].count {
                    var gj = g[j]
                    h.gradientSquares += Double(gj) * Double(gj)
                    if gj > clip { gj = clip; clipped += 1 } else if gj < -clip { gj = -clip; clipped += 1 }
                    let old = w[j]
                    w[j] = w[j] * decay - scale * gj
                    h.weightSquares += Double(old) * Double(old)
                    h.updateSquares += (Double(w[j]) - Double(old)) * (Double(w[j]) - Double(old))
                }
                h.gradientSquares /= m * m  // of the mean gradient g/m
                h.clipped = clipped - before
                health![k] = h
            } else {
                for j in 0..<weights[k].count {
                    var gj = g[j]
                    if gj > clip { gj = clip; clipped += 1 } else if gj < -clip { gj = -clip; clipped += 1 }
                    w[j] = w[j] * decay - scale * gj
                }
            }
            let b = biases[k].p, gb = ws.db[k].p
            for j in 0..<biases[k].count { b[j] -= scale * gb[j] }
        }
        transposeFilters()
        return clipped
    }

    // MARK: One shard, forward and backward

    @inline(never) func load(_ set: ImageSet, _ idx: ArraySlice<Int>, into ws: ShardWorkspace<Scalar>) {
        let p = inputSize
        set.pixels.withUnsafeBufferPointer { src in
            for (r, i) in idx.enumerated() { Scalar.unitFromBytes(src.baseAddress! + i * p, ws.input.p + r * p, count: p) }
        }
    }

    /// The output of step `j` (the input batch for j = -1).
    @inline(__always) func activation(_ ws: ShardWorkspace<Scalar>, _ j: Int) -> UnsafeMutablePointer<Scalar> {
        j < 0 ? ws.input.p : ws.outputs[j].p
    }

    /// `forBackward`: keep what the backward pass reads (the max-pools' indices), not needed to predict.
    func forward(_ ws: ShardWorkspace<Scalar>, count n: Int, labels: [Int], forBackward: Bool) {
        for (j, s) in steps.enumerated() {
            let x = activation(ws, j - 1), out = ws.outputs[j].p
            if firstConvPools && j < 2 {
                // conv1 → (ReLU) → pool1 at once, into the pool's output and indices
                guard j == 0, case .conv(let c) = s.kind, case .maxPool(let p) = steps[1].kind else { continue }
                Scalar.firstConvPool(x, ws.outputs[1].p, forBackward ? ws.argmax[1]! : nil, weights: weights[c.param].p, bias: biases[c.param].p,
                                     n: n, h: c.h, w: c.w, f: c.f, oh: c.oh, ow: c.ow, cout: c.cout, ph: p.oh, pw: p.ow, relu: p.relu)
                continue
            }
            switch s.kind {
            case .conv(let c):
                convForward(c, step: j, x, out, ws, count: n)
            case .dense(let param, let inputs, let outputs, let relu):
                // Z = x · Wᵀ + b  (n, out)
                fillRows(out, with: biases[param].p, rows: n, columns: outputs)
                Scalar.product(x, rowStride: inputs, columnStride: 1, denseTransposed[param]!.p, ldb: outputs,
                               into: out, ldc: outputs, m: n, n: outputs, k: inputs, add: true)
                if relu { Scalar.relu(out, n * outputs) }
            case .maxPool(let p):
                Scalar.maxPool(x, out, ws.argmax[j]!, n: n, h: p.h, w: p.w, c: p.c, f: p.f, oh: p.oh, ow: p.ow, relu: p.relu)
            case .avgPool(let p):
                averagePool(p, x, out, count: n)
            case .relu:
                out.update(from: x, count: n &* s.outSize)
                Scalar.relu(out, n &* s.outSize)
            case .activation(let g):
                activate(g, x, out, n &* s.outSize)
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
        layers: for j in stride(from: steps.count - 1, through: 0, by: -1) {
            let s = steps[j]
            let x = activation(ws, j - 1), out = ws.outputs[j].p
            let needInputDelta = j > 0
            switch s.kind {
            case .softmax(let classes):
                delta.update(from: out, count: n * classes)
                for r in 0..<n { delta[r * classes + labels[r]] -= 1 }
                continue  // δ is already ∂J/∂z of the layer below
            case .dense(let param, let inputs, let outputs, let relu):
                if relu { Scalar.gate(delta, by: out, n &* outputs) }  // δ_z = δ_a ⊙ (a > 0)
                Scalar.columnSums(delta, into: ws.db[param].p, rows: n, columns: outputs)
                // dW = δᵀ · x
                Scalar.product(delta, rowStride: 1, columnStride: outputs, x, ldb: inputs,
                               into: ws.dW[param].p, ldc: inputs, m: outputs, n: inputs, k: n, add: false)
                if let c = perImageClip {
                    // Σ_n clip(δ_nᵀ x_n): the GEMM's sum plus a correction for the products past ±c
                    ws.clipped[param] += Scalar.clipCorrection(delta: delta, x: x, n: n, outputs: outputs, inputs: inputs, clip: c, into: ws.dW[param].p)
                }
                if needInputDelta {
                    // δ_x = δ · W
                    Scalar.product(delta, rowStride: outputs, columnStride: 1, weights[param].p, ldb: inputs,
                                   into: spare, ldc: inputs, m: n, n: inputs, k: outputs, add: false)
                }
            case .conv(let c):
                convBackward(c, step: j, x, out, ws, count: n, delta: delta, into: needInputDelta ? spare : nil)
            case .maxPool(let p):
                if j == 1, case .conv(let c) = steps[0].kind, !c.relu, c.kernel == .first, c.f * c.f <= 16 {
                    // The first conv's gradients straight from the pooled δ: only each window's maximum gets
                    // an error, so the un-pooled map (three quarters zeros) is never built. Nothing is left below.
                    Scalar.firstConvBackwardPooled(delta, gate: p.relu ? UnsafePointer(out) : nil, arg: ws.argmax[j]!, ws.input.p,
                                                   dW: ws.dW[c.param].p, db: ws.db[c.param].p, n: n, h: c.h, w: c.w, f: c.f, pad: c.pad,
                                                   stride: c.stride, oh: c.oh, ow: c.ow, cout: c.cout, window: p.f, ph: p.oh, pw: p.ow,
                                                   patches: ws.patches.p)
                    break layers
                }
                if needInputDelta {
                    // δ goes back to where each maximum came from (if the ReLU let it through); every other input gets 0
                    if p.relu { Scalar.gate(delta, by: out, n &* s.outSize) }
                    spare.update(repeating: 0, count: n &* s.inSize)
                    let arg = ws.argmax[j]!
                    for q in 0..<(n &* s.outSize) { spare[Int(arg[q])] += delta[q] }
                }
            case .avgPool(let p):
                if needInputDelta { averagePoolBackward(p, delta, into: spare, count: n) }
            case .relu:
                if needInputDelta { spare.update(from: delta, count: n &* s.inSize); Scalar.gate(spare, by: out, n &* s.inSize) }
            case .activation(let g):
                if needInputDelta { activationBackward(g, delta, input: x, output: out, into: spare, n &* s.inSize) }
            }
            swap(&delta, &spare)
        }
    }
}
