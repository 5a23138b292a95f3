// Lesson 1's gradient descent on the training path: the iterations of TwoLayerNetwork.gradientDescent
// (the tutorial's `gradient_descent`, the reference), with the images taken a block of columns at a
// time. Each block's forward and backward run while its pixels are still in the cache, so the
// 376 MB image matrix of `--full-data` is read from memory once per iteration instead of twice; the
// blocks are spread over the cores, each on single-threaded BLAS.
//
// Same numbers: every element is computed by the same operations in the same order as the readable
// path, and the sums over images (the tutorial's scalar db, the loss) are taken afterwards in its
// order. Only dW1 and dW2 are sums of per-block GEMMs, added in block order; with one block (the
// tutorial's 1,290-image subset) they are the readable path's GEMMs and every byte is the same.
import Dispatch
import Network
import Numerics

public enum DenseTraining {
    /// Images per block: 784 × 256 float64 pixels (1.6 MB) stay in the cache between the forward GEMM
    /// and dW1's (measured: 256 and 1,024 within 2 % of each other, both 1.2× the unblocked run).
    public static let defaultBlock = 256
    /// Sets of at most this many images are one block.
    public static let wholeUpTo = 4096

    public static func gradientDescent(_ net: inout TwoLayerNetwork, _ X: Tensor<Double>, labels: [Int], rule: TwoLayerNetwork.GradientRule,
                                       learningRate: Double, iterations: Int, logEvery: Int, block: Int = defaultBlock,
                                       wholeUpTo: Int = wholeUpTo, threads: Int = Cores.available, progress: (TwoLayerNetwork.IterationRecord) -> Void = { _ in },
                                       shouldStop: () -> Bool = { false }) -> [TwoLayerNetwork.IterationRecord] {
        // All the images are one block when there are at most `wholeUpTo`: they fit the cache as they are,
        // and one block is the readable gradient descent's own arithmetic, byte for byte.
        let width = X.shape[1] <= wholeUpTo ? X.shape[1] : block
        return BLASThreads.with(1) {
            let plan = DensePlan(net: net, X: X, labels: labels, rule: rule, block: max(1, width), threads: max(1, threads))
            var records = [TwoLayerNetwork.IterationRecord]()
            records.reserveCapacity(iterations)
            for i in 0..<iterations {
                let (predictions, loss, g) = plan.iteration(net)
                net.update(g, learningRate: learningRate)
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
/// path's, and each block's dW1 and dW2. Raw memory: the blocks write their own columns of the same
/// matrices from several threads at once.
final class DensePlan: @unchecked Sendable {
    let X: Tensor<Double>
    let labels: [Int]
    let rule: TwoLayerNetwork.GradientRule
    let m: Int, inputs: Int, hidden: Int, outputs: Int
    let blocks: [Range<Int>]
    let threads: Int
    let Z1: UnsafeMutablePointer<Double>, A1: UnsafeMutablePointer<Double>, dZ1: UnsafeMutablePointer<Double>
    let Z2: UnsafeMutablePointer<Double>, A2: UnsafeMutablePointer<Double>, dZ2: UnsafeMutablePointer<Double>
    let dW1Parts: UnsafeMutablePointer<Double>, dW2Parts: UnsafeMutablePointer<Double>
    /// The labels as one-hot columns: the same every iteration.
    let oneHot: Tensor<Double>

    init(net: TwoLayerNetwork, X: Tensor<Double>, labels: [Int], rule: TwoLayerNetwork.GradientRule, block: Int, threads: Int) {
        self.X = X; self.labels = labels; self.rule = rule; self.threads = threads
        let m = X.shape[1]
        self.m = m; inputs = X.shape[0]; hidden = net.W1.shape[0]; outputs = net.W2.shape[0]
        blocks = stride(from: 0, to: m, by: block).map { $0..<min(m, $0 + block) }
        func buffer(_ count: Int) -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: max(1, count)); p.initialize(repeating: 0, count: max(1, count)); return p
        }
        Z1 = buffer(hidden * m); A1 = buffer(hidden * m); dZ1 = buffer(hidden * m)
        Z2 = buffer(outputs * m); A2 = buffer(outputs * m); dZ2 = buffer(outputs * m)
        dW1Parts = buffer(blocks.count * hidden * inputs); dW2Parts = buffer(blocks.count * outputs * hidden)
        oneHot = TwoLayerNetwork.oneHot(labels, classes: outputs)
    }
    deinit { for p in [Z1, A1, dZ1, Z2, A2, dZ2, dW1Parts, dW2Parts] { p.deallocate() } }

    /// Forward and backward over every block; returns the predictions, the summed loss and the gradients.
    func iteration(_ net: TwoLayerNetwork) -> (predictions: [Int], loss: Double, gradients: TwoLayerNetwork.Gradients) {
        let workers = min(threads, blocks.count)
        if workers <= 1 { for b in blocks.indices { run(b, net) } }
        else { DispatchQueue.concurrentPerform(iterations: workers) { w in for b in stride(from: w, to: blocks.count, by: workers) { run(b, net) } } }
        // Sums over the images, in the readable path's order.
        let scale: Double
        switch rule {
        case .tutorial(let rows): scale = Double(rows)
        case .corrected: scale = Double(m)
        }
        let w1Size = hidden * inputs, w2Size = outputs * hidden
        var dW1 = Array(UnsafeBufferPointer(start: dW1Parts, count: w1Size)), dW2 = Array(UnsafeBufferPointer(start: dW2Parts, count: w2Size))
        for b in blocks.indices.dropFirst() {
            for k in 0..<w1Size { dW1[k] += dW1Parts[b * w1Size + k] }
            for k in 0..<w2Size { dW2[k] += dW2Parts[b * w2Size + k] }
        }
        let dZ2t = Tensor(shape: [outputs, m], storage: Array(UnsafeBufferPointer(start: dZ2, count: outputs * m)))
        let dZ1t = Tensor(shape: [hidden, m], storage: Array(UnsafeBufferPointer(start: dZ1, count: hidden * m)))
        let db2 = rule == .corrected ? dZ2t.sum(axis: 1) * (1 / scale) : Tensor(shape: [1, 1], storage: [dZ2t.sum() / scale])
        let db1 = rule == .corrected ? dZ1t.sum(axis: 1) * (1 / scale) : Tensor(shape: [1, 1], storage: [dZ1t.sum() / scale])
        let g = TwoLayerNetwork.Gradients(oneHotY: oneHot, dZ2: dZ2t,
                                          dW2: Tensor(shape: [outputs, hidden], storage: dW2) * (1 / scale), db2: db2, dZ1: dZ1t,
                                          dW1: Tensor(shape: [hidden, inputs], storage: dW1) * (1 / scale), db1: db1)
        var loss = 0.0
        for (j, y) in labels.enumerated() { loss -= cLog(A2[y * m + j]) }
        let predictions = TwoLayerNetwork.predictions(Tensor(shape: [outputs, m], storage: Array(UnsafeBufferPointer(start: A2, count: outputs * m))))
        return (predictions, loss, g)
    }

    /// Block b's columns, through the same formulas as TwoLayerNetwork.forward and .backward.
    func run(_ b: Int, _ net: TwoLayerNetwork) {
        let cols = blocks[b], j0 = cols.lowerBound, n = cols.count
        let (m, inputs, hidden, outputs) = (self.m, self.inputs, self.hidden, self.outputs)
        let (z1, a1, dz1, z2, a2, dz2) = (Z1, A1, dZ1, Z2, A2, dZ2)
        let dw1 = dW1Parts + b * hidden * inputs, dw2 = dW2Parts + b * outputs * hidden
        let subtractMax = rule == .corrected
        X.storage.withUnsafeBufferPointer { x in
        net.W1.storage.withUnsafeBufferPointer { w1 in net.W2.storage.withUnsafeBufferPointer { w2 in
        net.b1.storage.withUnsafeBufferPointer { b1 in net.b2.storage.withUnsafeBufferPointer { b2 in
            let xb = x.baseAddress! + j0
            // Z1 = W1 · X + b1;  A1 = ReLU(Z1)
            Double.gemm(transA: false, transB: false, m: hidden, n: n, k: inputs, alpha: 1, a: w1.baseAddress!, lda: inputs,
                        b: xb, ldb: m, beta: 0, c: z1 + j0, ldc: m)
            for i in 0..<hidden { for j in cols { z1[i * m + j] = z1[i * m + j] + b1[i]; a1[i * m + j] = z1[i * m + j] > 0 ? z1[i * m + j] : 0 } }
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
            // dZ2 = A2 - Y;  dW2 (this block's) = dZ2 · A1ᵀ
            for i in 0..<outputs { for j in cols { dz2[i * m + j] = a2[i * m + j] - (labels[j] == i ? 1 : 0) } }
            Double.gemm(transA: false, transB: true, m: outputs, n: hidden, k: n, alpha: 1, a: dz2 + j0, lda: m,
                        b: a1 + j0, ldb: m, beta: 0, c: dw2, ldc: hidden)
            // dZ1 = W2ᵀ · dZ2 ⊙ ReLU'(Z1);  dW1 (this block's) = dZ1 · Xᵀ, while the block's pixels are in the cache
            Double.gemm(transA: true, transB: false, m: hidden, n: n, k: outputs, alpha: 1, a: w2.baseAddress!, lda: hidden,
                        b: dz2 + j0, ldb: m, beta: 0, c: dz1 + j0, ldc: m)
            for i in 0..<hidden { for j in cols { dz1[i * m + j] = dz1[i * m + j] * (z1[i * m + j] > 0 ? 1 : 0) } }
            Double.gemm(transA: false, transB: true, m: hidden, n: inputs, k: n, alpha: 1, a: dz1 + j0, lda: m,
                        b: xb, ldb: m, beta: 0, c: dw1, ldc: inputs)
        } } } } }
    }
}
