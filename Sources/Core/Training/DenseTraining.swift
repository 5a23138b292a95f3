// Lesson 1's gradient descent on the training path: the iterations of TwoLayerNetwork.gradientDescent
// (the tutorial's `gradient_descent`, the reference), with the images taken a block of columns at a
// time. Each block's forward and backward run while its pixels are still in the cache, and the
// blocks are spread over the cores.
//
// Up to 4,096 images (the tutorial's 1,290-image subset) are one block through OpenBLAS, the readable
// path's own GEMMs, so every byte is the same. More (`--full-data`'s 60,000) go through our kernels
// (CKernels/Dense.c): X, which never changes, is packed once as bytes (47 MB instead of 376 MB of
// doubles, read every iteration), each block unpacked to exact doubles in the cache, and Z1 = W1 · X
// and dW1 = dZ1 · Xᵀ computed from there; OpenBLAS spent 40 % of such a run packing X for its 10-row
// products. The other formulas are the readable path's, element by element; the sums over images
// (the tutorial's scalar db, the loss) are taken afterwards in its order. dW1 and dW2 are sums of
// per-group products (16 blocks a group), added in group order: the same bytes on any core count.
import CKernels
import Dispatch
import Network
import Numerics

public enum DenseTraining {
    /// Images per block: 784 × 64 float64 pixels (400 KB) stay in a core's L2 cache between the forward
    /// product and dW1's. A multiple of the kernels' 16-column panels.
    public static let defaultBlock = 64
    /// Blocks a group: a group's dW1 and dW2 are one sum, the groups' added in order.
    public static let blocksPerGroup = 16
    /// Sets of at most this many images are one block.
    public static let wholeUpTo = 4096

    public static func gradientDescent(_ net: inout TwoLayerNetwork, _ X: Tensor<Double>, labels: [Int], rule: TwoLayerNetwork.GradientRule,
                                       learningRate: Double, iterations: Int, logEvery: Int, block: Int = defaultBlock,
                                       wholeUpTo: Int = wholeUpTo, threads: Int = Cores.available, progress: (TwoLayerNetwork.IterationRecord) -> Void = { _ in },
                                       health: ((BatchHealth, TwoLayerNetwork) -> Void)? = nil,
                                       shouldStop: () -> Bool = { false }) -> [TwoLayerNetwork.IterationRecord] {
        // All the images are one block when there are at most `wholeUpTo`: they fit the cache as they are,
        // and one block is the readable gradient descent's own arithmetic, byte for byte.
        let whole = X.shape[1] <= wholeUpTo
        let width = whole ? max(1, X.shape[1]) : (max(1, block) + 15) / 16 * 16
        return BLASThreads.with(1) {
            let plan = DensePlan(net: net, X: X, labels: labels, rule: rule, block: width, packed: !whole, threads: max(1, threads))
            var records = [TwoLayerNetwork.IterationRecord]()
            records.reserveCapacity(iterations)
            for i in 0..<iterations {
                let (predictions, loss, dW1, db1, dW2, db2) = plan.iteration(net)
                let before = net
                net.update(dW1: dW1, db1: db1, dW2: dW2, db2: db2, learningRate: learningRate)
                // Before the record: the engine says a warning of this iteration before its log line.
                if let health { health(plan.health(before: before, after: net, dW1: dW1, dW2: dW2), net) }
                let correct = zip(predictions, labels).filter { $0 == $1 }.count
                let accuracy = Double(correct) / Double(labels.count), meanLoss = loss / Double(labels.count)
                let logged: [Int]? = i % logEvery == 0 ? predictions : nil
                records.append(TwoLayerNetwork.IterationRecord(iteration: i, accuracy: accuracy, loss: meanLoss, predictions: logged))
                progress(records[records.count - 1])
                if !loss.isFinite || shouldStop() { break }
            }
            return records
        }
    }
}

/// The buffers of one run, allocated once: Z1, A1, Z2, A2, dZ2, dZ1 as (10, m) like the readable
/// path's, each group's dW1 and dW2, and (packed) X as bytes with a panel of doubles per worker. Raw
/// memory: the blocks write their own columns of the same matrices from several threads at once.
final class DensePlan: @unchecked Sendable {
    let X: Tensor<Double>
    let labels: [Int]
    let rule: TwoLayerNetwork.GradientRule
    let m: Int, inputs: Int, hidden: Int, outputs: Int
    let blocks: [Range<Int>]
    /// Consecutive blocks whose dW1 and dW2 one worker sums, in order.
    let groups: [Range<Int>]
    let threads: Int
    let Z1: UnsafeMutablePointer<Double>, A1: UnsafeMutablePointer<Double>, dZ1: UnsafeMutablePointer<Double>
    let Z2: UnsafeMutablePointer<Double>, A2: UnsafeMutablePointer<Double>, dZ2: UnsafeMutablePointer<Double>
    let dW1Parts: UnsafeMutablePointer<Double>, dW2Parts: UnsafeMutablePointer<Double>
    /// Packed X (nil when X is one block, or is not bytes / 255: then OpenBLAS reads X itself).
    let packed: PackedPixels?
    /// Per worker, a block's rows as doubles and its dZ1 zero-padded to whole tiles; W1 transposed for
    /// the kernels, once an iteration.
    let panels: UnsafeMutablePointer<Double>, panelSize: Int
    let deltas: UnsafeMutablePointer<Double>, deltaSize: Int
    let W1T: UnsafeMutablePointer<Double>
    /// Per worker, dW1's sums as 8 lanes each over a group's blocks (CKernels/Dense.c).
    let laneSums: UnsafeMutablePointer<Double>
    /// Packed: for each block, its tiles' first rows in its panel, tilesPerBlock + 1 entries a block.
    let blockStarts: UnsafeMutablePointer<Int32>, tilesPerBlock: Int

    init(net: TwoLayerNetwork, X: Tensor<Double>, labels: [Int], rule: TwoLayerNetwork.GradientRule, block: Int, packed: Bool, threads: Int) {
        self.X = X; self.labels = labels; self.rule = rule; self.threads = threads
        let m = X.shape[1]
        self.m = m; inputs = X.shape[0]; hidden = net.W1.shape[0]; outputs = net.W2.shape[0]
        blocks = stride(from: 0, to: m, by: block).map { $0..<min(m, $0 + block) }
        let blockCount = (m + block - 1) / block, perGroup = DenseTraining.blocksPerGroup
        groups = stride(from: 0, to: blockCount, by: perGroup).map { $0..<min(blockCount, $0 + perGroup) }
        func buffer(_ count: Int) -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: max(1, count)); p.initialize(repeating: 0, count: max(1, count)); return p
        }
        Z1 = buffer(hidden * m); A1 = buffer(hidden * m); dZ1 = buffer(hidden * m)
        Z2 = buffer(outputs * m); A2 = buffer(outputs * m); dZ2 = buffer(outputs * m)
        dW1Parts = buffer(groups.count * hidden * inputs); dW2Parts = buffer(groups.count * outputs * hidden)
        let width = PackedPixels.width, inputs = X.shape[0]
        let bytes = packed && block % width == 0 ? PackedPixels(X) : nil
        self.packed = bytes
        let tilesPerBlock = (block + width - 1) / width
        self.tilesPerBlock = tilesPerBlock
        panelSize = bytes == nil ? 0 : tilesPerBlock * width * inputs
        deltaSize = bytes == nil ? 0 : tilesPerBlock * width * hidden
        panels = buffer(bytes == nil ? 0 : threads * panelSize)
        deltas = buffer(bytes == nil ? 0 : threads * deltaSize)
        W1T = buffer(bytes == nil ? 0 : inputs * hidden)
        laneSums = buffer(bytes == nil ? 0 : threads * hidden * inputs * 8)
        // Each block's tiles' first rows, counted from the block's own first row (its panel's start).
        let starts = bytes == nil ? 0 : blocks.count * (tilesPerBlock + 1)
        blockStarts = .allocate(capacity: max(1, starts)); blockStarts.initialize(repeating: 0, count: max(1, starts))
        if let bytes {
            for (b, columns) in blocks.enumerated() {
                let t0 = columns.lowerBound / width, tiles = (columns.count + width - 1) / width
                for t in 0...tiles { blockStarts[b * (tilesPerBlock + 1) + t] = bytes.rowStart[t0 + t] - bytes.rowStart[t0] }
            }
        }
    }
    deinit {
        for p in [Z1, A1, dZ1, Z2, A2, dZ2, dW1Parts, dW2Parts, panels, deltas, W1T, laneSums] { p.deallocate() }
        blockStarts.deallocate()
    }

    /// Forward and backward over every block; returns the predictions, the summed loss and the gradients
    /// (dW1, db1, dW2, db2, as the readable path's Gradients holds them).
    func iteration(_ net: TwoLayerNetwork) -> (predictions: [Int], loss: Double, dW1: Tensor<Double>, db1: Tensor<Double>,
                                               dW2: Tensor<Double>, db2: Tensor<Double>) {
        // The kernels skip zero pixels, which is exact only while the weights are finite.
        let kernels = packed != nil && net.W1.storage.allSatisfy(\.isFinite)
        if kernels { for i in 0..<hidden { for k in 0..<inputs { W1T[k * hidden + i] = net.W1.storage[i * inputs + k] } } }
        let workers = min(threads, groups.count)
        if workers <= 1 { for g in groups.indices { runGroup(g, worker: 0, kernels: kernels, net) } }
        else {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for g in stride(from: w, to: groups.count, by: workers) { runGroup(g, worker: w, kernels: kernels, net) }
            }
        }
        // Sums over the images, in the readable path's order (Tensor.sum and sum(axis: 1): a row after
        // another, each left to right), straight from the buffers.
        let scale: Double
        switch rule {
        case .tutorial(let rows): scale = Double(rows)
        case .corrected: scale = Double(m)
        }
        let w1Size = hidden * inputs, w2Size = outputs * hidden
        func rowSums(_ d: UnsafeMutablePointer<Double>, _ rows: Int) -> [Double] {
            (0..<rows).map { i in var s = 0.0; for j in 0..<m { s += d[i * m + j] }; return s }
        }
        func total(_ d: UnsafeMutablePointer<Double>, _ rows: Int) -> Double {
            var s = 0.0
            for q in 0..<(rows * m) { s += d[q] }
            return s
        }
        var dW1 = Array(UnsafeBufferPointer(start: dW1Parts, count: w1Size)), dW2 = Array(UnsafeBufferPointer(start: dW2Parts, count: w2Size))
        for g in groups.indices.dropFirst() {
            for k in 0..<w1Size { dW1[k] += dW1Parts[g * w1Size + k] }
            for k in 0..<w2Size { dW2[k] += dW2Parts[g * w2Size + k] }
        }
        let corrected = rule == .corrected
        let db2 = corrected ? Tensor(shape: [outputs, 1], storage: rowSums(dZ2, outputs)) * (1 / scale)
                            : Tensor(shape: [1, 1], storage: [total(dZ2, outputs) / scale])
        let db1 = corrected ? Tensor(shape: [hidden, 1], storage: rowSums(dZ1, hidden)) * (1 / scale)
                            : Tensor(shape: [1, 1], storage: [total(dZ1, hidden) / scale])
        var loss = 0.0
        for (j, y) in labels.enumerated() { loss -= cLog(A2[y * m + j]) }
        // The tutorial's get_predictions: argmax down each column, the first of equals.
        let predictions = (0..<m).map { j in
            var best = 0
            for i in 1..<outputs where A2[i * m + j] > A2[best * m + j] { best = i }
            return best
        }
        return (predictions, loss, Tensor(shape: [hidden, inputs], storage: dW1) * (1 / scale), db1,
                Tensor(shape: [outputs, hidden], storage: dW2) * (1 / scale), db2)
    }

    /// Group g's blocks in order, their dW1 and dW2 summed into the group's; with the kernels, dW1's
    /// sums are kept as lanes over the group and added up at its end.
    func runGroup(_ g: Int, worker: Int, kernels: Bool, _ net: TwoLayerNetwork) {
        let dw1 = dW1Parts + g * hidden * inputs, lanes = laneSums + worker * hidden * inputs * 8
        if kernels { dw1.initialize(repeating: 0, count: hidden * inputs) }
        var lanesStarted = false
        for b in groups[g] {
            lanesStarted = run(b, first: b == groups[g].lowerBound, worker: worker, kernels: kernels, lanesStarted: lanesStarted, net, into: g) || lanesStarted
        }
        if lanesStarted { lesson_lane_totals_f64(lanes, dw1, hidden * inputs) }
    }

    /// Block b's columns, through the same formulas as TwoLayerNetwork.forward and .backward; its dW1
    /// and dW2 go to group g's (the first block of a group sets them, the others add).
    /// Returns whether it added to the worker's dW1 lanes.
    func run(_ b: Int, first: Bool, worker: Int, kernels: Bool, lanesStarted: Bool, _ net: TwoLayerNetwork, into g: Int) -> Bool {
        let cols = blocks[b], j0 = cols.lowerBound, n = cols.count
        let (m, inputs, hidden, outputs) = (self.m, self.inputs, self.hidden, self.outputs)
        let (z1, a1, dz1, z2, a2, dz2) = (Z1, A1, dZ1, Z2, A2, dZ2)
        let dw1 = dW1Parts + g * hidden * inputs, dw2 = dW2Parts + g * outputs * hidden
        let beta: Double = first ? 0 : 1
        let subtractMax = rule == .corrected
        let panel = panels + worker * panelSize, delta = deltas + worker * deltaSize
        let width = PackedPixels.width, t0 = j0 / width, tiles = (n + width - 1) / width
        let starts = blockStarts + b * (tilesPerBlock + 1)
        if kernels, let packed {
            // The block's non-zero pixel rows back to X's doubles, while they are wanted twice.
            lesson_unit_from_bytes_f64(packed.bytes + Int(packed.rowStart[t0]) * width, panel, Int(starts[tiles]) * width)
        }
        let lanes = laneSums + worker * hidden * inputs * 8
        return X.storage.withUnsafeBufferPointer { x in
        net.W1.storage.withUnsafeBufferPointer { w1 in net.W2.storage.withUnsafeBufferPointer { w2 in
        net.b1.storage.withUnsafeBufferPointer { b1 in net.b2.storage.withUnsafeBufferPointer { b2 in
            let xb = x.baseAddress! + j0
            // Z1 = W1 · X + b1;  A1 = ReLU(Z1)
            if kernels, let packed {
                lesson_dense_forward_f64(W1T, hidden, panel, starts, packed.pixel + Int(packed.rowStart[t0]), b1.baseAddress!, z1 + j0, m, n)
            } else {
                Double.gemm(transA: false, transB: false, m: hidden, n: n, k: inputs, alpha: 1, a: w1.baseAddress!, lda: inputs,
                            b: xb, ldb: m, beta: 0, c: z1 + j0, ldc: m)
                for i in 0..<hidden { for j in cols { z1[i * m + j] = z1[i * m + j] + b1[i] } }
            }
            for i in 0..<hidden { for j in cols { a1[i * m + j] = z1[i * m + j] > 0 ? z1[i * m + j] : 0 } }
            // Z2 = W2 · A1 + b2;  A2 = softmax(Z2), column by column (the tutorial's without the maximum)
            Double.gemm(transA: false, transB: false, m: outputs, n: n, k: hidden, alpha: 1, a: w2.baseAddress!, lda: hidden,
                        b: a1 + j0, ldb: m, beta: 0, c: z2 + j0, ldc: m)
            for i in 0..<outputs { for j in cols { z2[i * m + j] = z2[i * m + j] + b2[i] } }
            for j in cols {
                var top = 0.0
                if subtractMax { top = -.infinity; for i in 0..<outputs { top = max(top, z2[i * m + j]) } }
                var s = 0.0
                for i in 0..<outputs { let e = cExp(z2[i * m + j] - top); a2[i * m + j] = e; s += e }
                for i in 0..<outputs { a2[i * m + j] = a2[i * m + j] / s }
            }
            // dZ2 = A2 - Y;  dW2 (this block's, added to the group's) = dZ2 · A1ᵀ
            for i in 0..<outputs { for j in cols { dz2[i * m + j] = a2[i * m + j] - (labels[j] == i ? 1 : 0) } }
            Double.gemm(transA: false, transB: true, m: outputs, n: hidden, k: n, alpha: 1, a: dz2 + j0, lda: m,
                        b: a1 + j0, ldb: m, beta: beta, c: dw2, ldc: hidden)
            // dZ1 = W2ᵀ · dZ2 ⊙ ReLU'(Z1);  dW1 (this block's, added to the group's) = dZ1 · Xᵀ, while the
            // block's pixels are in the cache
            Double.gemm(transA: true, transB: false, m: hidden, n: n, k: outputs, alpha: 1, a: w2.baseAddress!, lda: hidden,
                        b: dz2 + j0, ldb: m, beta: 0, c: dz1 + j0, ldc: m)
            for i in 0..<hidden { for j in cols { dz1[i * m + j] = dz1[i * m + j] * (z1[i * m + j] > 0 ? 1 : 0) } }
            var finite = true
            if kernels {
                // dZ1 tile by tile, [tile][row][16], zero past the block's columns; the skipped zero pixels need it finite.
                delta.initialize(repeating: 0, count: hidden * tiles * width)
                for i in 0..<hidden {
                    for j in 0..<n {
                        let v = dz1[i * m + j0 + j]
                        delta[((j / width) * hidden + i) * width + j % width] = v; finite = finite && v.isFinite
                    }
                }
            }
            if kernels && finite, let packed {
                lesson_dense_weight_gradient_f64(delta, hidden, panel, starts, packed.rowOf + t0 * inputs, tiles, inputs, lanes, lanesStarted ? 0 : 1)
                return true
            }
            Double.gemm(transA: false, transB: true, m: hidden, n: inputs, k: n, alpha: 1, a: dz1 + j0, lda: m,
                        b: xb, ldb: m, beta: kernels ? 1 : beta, c: dw1, ldc: inputs)
            return false
        } } } } }
    }
}

/// X packed for the kernels (CKernels/Dense.c): each 16 columns a tile, and of a tile only the pixel rows
/// not zero in all 16 images (about half of MNIST's), as bytes (X · 255) [row][16]; tile t's rows from
/// rowStart[t], each row's pixel index in `pixel`, and for each tile and pixel its row or -1 in `rowOf`.
final class PackedPixels: @unchecked Sendable {
    static let width = 16
    let bytes: UnsafeMutablePointer<UInt8>
    let rowStart: [Int32]
    let pixel: UnsafeMutablePointer<Int16>
    let rowOf: UnsafeMutablePointer<Int16>

    /// nil unless every value of X is exactly a byte / 255 (lesson 1's images are), so that unpacking
    /// gives back X's own doubles, and the pixel indices fit 16 bits.
    init?(_ X: Tensor<Double>) {
        let (k, m) = (X.shape[0], X.shape[1]), width = Self.width
        let tiles = (m + width - 1) / width
        guard k < Int(Int16.max), tiles * k * width < Int(Int32.max) else { return nil }
        // X as bytes, row by row (reading X in order), each checked to be exactly its byte / 255.
        let matrix = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, k * m))
        defer { matrix.deallocate() }
        let exact = X.storage.withUnsafeBufferPointer { x -> Bool in
            for q in 0..<(k * m) {
                let v = x[q], scaled = (v * 255).rounded()
                guard scaled >= 0, scaled <= 255, scaled / 255 == v else { return false }
                matrix[q] = UInt8(scaled)
            }
            return true
        }
        guard exact else { return nil }
        // Then the tiles, 16 at a time so that the rows they read stay in the cache. The buffers are
        // sized for no zero rows at all; only what is written is ever touched.
        bytes = .allocate(capacity: max(1, tiles * k * width)); pixel = .allocate(capacity: max(1, tiles * k))
        rowOf = .allocate(capacity: max(1, tiles * k)); rowOf.initialize(repeating: -1, count: tiles * k)
        var starts = [Int32](), rows = 0
        starts.reserveCapacity(tiles + 1)
        for chunk in stride(from: 0, to: tiles, by: 16) {
            for t in chunk..<min(tiles, chunk + 16) {
                starts.append(Int32(rows))
                let j0 = t * width, n = min(width, m - j0)
                for p in 0..<k {
                    let source = matrix + p * m + j0
                    var any: UInt8 = 0
                    for c in 0..<n { any |= source[c] }
                    guard any != 0 else { continue }
                    let row = bytes + rows * width
                    for c in 0..<width { row[c] = c < n ? source[c] : 0 }
                    rowOf[t * k + p] = Int16(rows - Int(starts[t])); pixel[rows] = Int16(p)
                    rows += 1
                }
            }
        }
        starts.append(Int32(rows))
        rowStart = starts
    }
    deinit { bytes.deallocate(); pixel.deallocate(); rowOf.deallocate() }
}
