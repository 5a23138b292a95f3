// The plan the trainer runs: fused steps (conv with its bias and ReLU, max-pool with the ReLU before
// it, the first conv and that max-pool in one pass, dense, softmax), per-shard workspaces allocated
// once, and each batch's forward, backward and update.
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

/// How a convolution is computed.
enum ConvKernel {
    /// The network's first layer with one input channel and at most 16 filters: its own C kernels
    /// (CKernels/Kernels.c), no im2col, and no error handed further back.
    case first
    /// Stride 1, no padding, at most 16 filters: forward, dW and the error for the layer below by C kernels
    /// that read the input where it lies (CKernels/Conv.c); that error by δ · W and col2im past 16 input channels.
    case direct
    /// Anything else: im2col and GEMMs.
    case im2col

    /// Whether a direct conv's error for the layer below comes from its own kernel (CKernels/Conv.c) rather
    /// than δ · W and col2im: its input channels fit the 16 lanes, a row of its input the kernel's 64 totals.
    static func directBackwardData(cin: Int, w: Int) -> Bool { cin <= 16 && w <= 64 }

    /// Images per δ · W GEMM and its col2im, for a direct conv past 16 input channels: δ · W for 8 images of
    /// conv2's size is 648 KB, within a core's L2 cache (a whole shard's, 5 MB, went to memory and back).
    static let imagesPerCol2im = 8

    init(first: Bool, cin: Int, cout: Int, pad: Int, stride: Int) {
        if first && cin == 1 && cout <= 16 { self = .first } else if pad == 0 && stride == 1 && cout <= 16 { self = .direct } else { self = .im2col }
    }
}

/// One fused step of the network and the sizes it works on (per image unless said).
struct PlanStep {
    enum Kind {
        /// conv, with the following ReLU fused in when `relu`, computed by `kernel`
        case conv(param: Int, f: Int, pad: Int, stride: Int, h: Int, w: Int, cin: Int, oh: Int, ow: Int, cout: Int, relu: Bool, kernel: ConvKernel)
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

extension PlanStep {
    /// Whether the first two steps are an unpadded stride-1 first conv (f·f ≤ 16) and a 2 × 2 max-pool of its
    /// output: the forward computes both in one pass (CKernels/Conv.c) and never stores the conv's output.
    static func firstConvPools(_ steps: [PlanStep]) -> Bool {
        guard steps.count >= 2, case .conv(_, let f, 0, 1, _, _, _, let oh, let ow, let cout, false, .first) = steps[0].kind,
              case .pool(2, oh, ow, cout, _, _, _) = steps[1].kind else { return false }
        return f * f <= 16
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
    var predictions: [Int] = []
    /// Per parameter layer: products clipped by per-image clipping in the last backward pass.
    var clipped: [Int] = []

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
            case .conv(_, let f, _, _, _, let w, let cin, let oh, let ow, _, _, let kernel):
                // im2col's patches for the whole shard; a direct conv's δ · W for col2im's few images, if it has one
                let images = switch kernel {
                case .first: 0
                case .direct: ConvKernel.directBackwardData(cin: cin, w: w) ? 0 : Swift.min(capacity, ConvKernel.imagesPerCol2im)
                case .im2col: capacity
                }
                columns.append(images == 0 ? nil : Buffer(images * oh * ow * f * f * cin)); argmax.append(nil)
                filterGradients.append(kernel == .direct ? Buffer(f * f * cin * 16) : nil)
            case .pool:
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
        if let s = steps.first, case .conv(_, _, _, _, _, _, _, let oh, let ow, _, _, .first) = s.kind { firstOutputs = oh * ow }
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
    /// Set per batch from the update rule: clip each image's dense weight gradient (`ClipScope.image`).
    private var perImageClip: Scalar?

    /// Threads the shards are spread over.
    let threads: Int
    /// The first conv and the max-pool after it computed in one pass (`PlanStep.firstConvPools`).
    let firstConvPools: Bool

    init(_ net: CNN, batchSize: Int, shards: Int, threads: Int) {
        self.threads = threads
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
                let kernel = ConvKernel(first: steps.isEmpty, cin: shape[2], cout: c.outChannels, pad: c.pad, stride: c.stride)
                steps.append(PlanStep(kind: .conv(param: weights.count, f: c.f, pad: c.pad, stride: c.stride, h: shape[0], w: shape[1], cin: shape[2],
                                                  oh: oh, ow: ow, cout: c.outChannels, relu: fuseReLU && !reluInPool, kernel: kernel),
                                      inSize: inSize, outSize: oh * ow * c.outChannels))
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
            if case .conv(let param, let f, _, _, _, let w, let cin, _, _, let cout, _, .direct) = s.kind {
                transposed[param] = Buffer(weights[param].count / cout * 16)
                if ConvKernel.directBackwardData(cin: cin, w: w) { backwardFilters[param] = Buffer(f * f * cout * 16) }
            }
        }
        transposeFilters()
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
        let loss = accumulateGradients(set, indices, perImageClip: rule.perImageClip)
        guard loss.isFinite else { return loss }
        lastClipped = update(rule: rule) + workspaces[0].clipped.reduce(0, +)
        return loss
    }

    /// Every shard's gradients (and per-image clip counts) summed into shard 0's; returns the summed loss.
    func accumulateGradients(_ set: ImageSet, _ indices: [Int], perImageClip: Double?) -> Double {
        let used = parts(indices).count
        self.perImageClip = perImageClip.map { Scalar($0) }
        for ws in workspaces { for k in ws.clipped.indices { ws.clipped[k] = 0 } }
        eachShard(indices) { ws, idx in
            self.load(set, idx, into: ws)
            self.forward(ws, count: idx.count, labels: idx.map { set.labels[$0] }, forBackward: true)
            self.backward(ws, count: idx.count, labels: idx.map { set.labels[$0] })
        }
        let first = workspaces[0]
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

    func predict(_ set: ImageSet, _ indices: [Int]) -> (predictions: [Int], loss: Double) {
        eachShard(indices) { ws, idx in
            self.load(set, idx, into: ws)
            self.forward(ws, count: idx.count, labels: idx.map { set.labels[$0] }, forBackward: false)
        }
        var predictions = [Int](), loss = 0.0
        for ws in workspaces[0..<parts(indices).count] { predictions += ws.predictions; loss += ws.loss }
        return (predictions, loss)
    }

    /// W ← W·(1 − lr·λ/m) − lr·clip(dW)/m,  b ← b − lr·db/m, with m the batch size asked for.
    /// With `ClipScope.image` the gradients were clipped per image in `backward` and are used as they are.
    func update(rule: CNN.UpdateRule) -> Int {
        var clipped = 0
        let m = Double(rule.batchSize)
        let clip = Scalar(rule.batchClipBound)
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
                guard j == 0, case .conv(let param, let f, _, _, let h, let w, _, let oh, let ow, let cout, _, _) = s.kind,
                      case .pool(_, _, _, _, let ph, let pw, let relu) = steps[1].kind else { continue }
                Scalar.firstConvPool(x, ws.outputs[1].p, forBackward ? ws.argmax[1]! : nil, weights: weights[param].p, bias: biases[param].p,
                                     n: n, h: h, w: w, f: f, oh: oh, ow: ow, cout: cout, ph: ph, pw: pw, relu: relu)
                continue
            }
            switch s.kind {
            case .conv(let param, let f, let pad, let stride, let h, let w, _, let oh, let ow, let cout, let relu, .first):
                Scalar.firstConvForward(x, out, weights: weights[param].p, bias: biases[param].p, n: n, h: h, w: w, f: f, pad: pad, stride: stride,
                                 oh: oh, ow: ow, cout: cout)
                if relu { Scalar.relu(out, n * oh * ow * cout) }
            case .conv(let param, let f, _, _, let h, let w, let cin, let oh, let ow, let cout, let relu, .direct):
                // z = b + Σ x[oy + kh, ox + kw, ci] · W[:, kh, kw, ci], reading x where it lies
                Scalar.convForward(x, out, transposed: transposed[param]!.p, bias: biases[param].p, n: n, h: h, w: w, cin: cin, f: f,
                                   oh: oh, ow: ow, cout: cout)
                if relu { Scalar.relu(out, n * oh * ow * cout) }
            case .conv(let param, let f, let pad, let stride, let h, let w, let cin, let oh, let ow, let cout, let relu, .im2col):
                let cols = ws.columns[j]!.p, k = f * f * cin, rows = n * oh * ow
                im2col(x, cols, n: n, h: h, w: w, c: cin, f: f, pad: pad, stride: stride, oh: oh, ow: ow)
                // Z = cols · Wᵀ + b  (rows, C_out): b is laid down first and the GEMM adds onto it
                fillRows(out, with: biases[param].p, rows: rows, columns: cout)
                Scalar.gemm(transA: false, transB: true, m: rows, n: cout, k: k, alpha: 1, a: cols, lda: k,
                            b: weights[param].p, ldb: k, beta: 1, c: out, ldc: cout)
                if relu { Scalar.relu(out, rows * cout) }
            case .dense(let param, let inputs, let outputs, let relu):
                // Z = x · Wᵀ + b  (n, out)
                fillRows(out, with: biases[param].p, rows: n, columns: outputs)
                Scalar.product(x, rowStride: inputs, columnStride: 1, denseTransposed[param]!.p, ldb: outputs,
                               into: out, ldc: outputs, m: n, n: outputs, k: inputs, add: true)
                if relu { Scalar.relu(out, n * outputs) }
            case .pool(let f, let h, let w, let c, let oh, let ow, let relu):
                Scalar.maxPool(x, out, ws.argmax[j]!, n: n, h: h, w: w, c: c, f: f, oh: oh, ow: ow, relu: relu)
            case .relu:
                out.update(from: x, count: n &* s.outSize)
                Scalar.relu(out, n &* s.outSize)
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
            case .conv(let param, let f, let pad, let stride, let h, let w, _, let oh, let ow, let cout, let relu, .first):
                // The first layer: no error goes further back, only its gradients.
                if relu { Scalar.gate(delta, by: out, n &* oh &* ow &* cout) }
                Scalar.firstConvBackward(delta, x, dW: ws.dW[param].p, db: ws.db[param].p, n: n, h: h, w: w, f: f, pad: pad, stride: stride,
                                  oh: oh, ow: ow, cout: cout)
            case .conv(let param, let f, let pad, let stride, let h, let w, let cin, let oh, let ow, let cout, let relu, let kernel):
                let rows = n * oh * ow, k = f * f * cin
                if relu { Scalar.gate(delta, by: out, rows &* cout) }
                Scalar.columnSums(delta, into: ws.db[param].p, rows: rows, columns: cout)
                if kernel == .direct {
                    // dW[:, kh, kw, ci] = Σ δ[oy, ox, :] · x[oy + kh, ox + kw, ci], image by image, in the
                    // kernel's (f·f·C_in, 16) layout and then as (C_out, f·f·C_in)
                    let total = ws.filterGradients[j]!.p, dW = ws.dW[param].p
                    Scalar.convWeightGradient(x, delta, into: total, n: n, h: h, w: w, cin: cin, f: f, oh: oh, ow: ow, cout: cout)
                    for q in 0..<k { for c in 0..<cout { dW[c * k + q] = total[q * 16 + c] } }
                } else {
                    // dW = δᵀ · cols
                    Scalar.gemm(transA: true, transB: false, m: cout, n: k, k: rows, alpha: 1, a: delta, lda: cout,
                                b: ws.columns[j]!.p, ldb: k, beta: 0, c: ws.dW[param].p, ldc: k)
                }
                if needInputDelta, let wb = backwardFilters[param] {
                    // δ_x[y, x, :] = Σ over the windows holding (y, x) of δ[oy, ox, :] · W[:, y − oy, x − ox, :]: what
                    // col2im(δ · W) adds, in its order, without the patches
                    Scalar.convBackwardData(delta, backward: wb.p, into: spare, n: n, h: h, w: w, cin: cin, f: f, oh: oh, ow: ow, cout: cout)
                } else if needInputDelta {
                    // δ_x = col2im(δ · W), a few images at a time so that δ · W (250 values per output
                    // pixel for conv2) is still in the cache when col2im reads it; the patches' buffer takes it.
                    var first = 0
                    let cols = ws.columns[j]!.p
                    while first < n {
                        let images = Swift.min(ConvKernel.imagesPerCol2im, n - first), pixels = oh * ow
                        Scalar.gemm(transA: false, transB: false, m: images * pixels, n: k, k: cout, alpha: 1, a: delta + first * pixels * cout, lda: cout,
                                    b: weights[param].p, ldb: k, beta: 0, c: cols, ldc: k)
                        Scalar.col2im(cols, spare + first * h * w * cin, n: images, h: h, w: w, c: cin, f: f, pad: pad, stride: stride, oh: oh, ow: ow)
                        first += images
                    }
                }
            case .pool(let pf, _, _, _, let ph, let pw, let relu):
                if j == 1, case .conv(let param, let f, let pad, let stride, let h, let w, _, let oh, let ow, let cout, false, .first) = steps[0].kind,
                   f * f <= 16 {
                    // The first conv's gradients straight from the pooled δ: only each window's maximum gets
                    // an error, so the un-pooled map (three quarters zeros) is never built. Nothing is left below.
                    Scalar.firstConvBackwardPooled(delta, gate: relu ? UnsafePointer(out) : nil, arg: ws.argmax[j]!, ws.input.p,
                                                   dW: ws.dW[param].p, db: ws.db[param].p, n: n, h: h, w: w, f: f, pad: pad, stride: stride,
                                                   oh: oh, ow: ow, cout: cout, window: pf, ph: ph, pw: pw, patches: ws.patches.p)
                    break layers
                }
                if needInputDelta {
                    // δ goes back to where each maximum came from (if the ReLU let it through); every other input gets 0
                    if relu { Scalar.gate(delta, by: out, n &* s.outSize) }
                    spare.update(repeating: 0, count: n &* s.inSize)
                    let arg = ws.argmax[j]!
                    for q in 0..<(n &* s.outSize) { spare[Int(arg[q])] += delta[q] }
                }
            case .relu:
                if needInputDelta { spare.update(from: delta, count: n &* s.inSize); Scalar.gate(spare, by: out, n &* s.inSize) }
            }
            swap(&delta, &spare)
        }
    }
}
