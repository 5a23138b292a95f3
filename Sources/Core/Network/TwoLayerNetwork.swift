// Lesson 1's network: 784 → 10 (ReLU) → 10 (softmax), samples as columns, full-batch gradient descent.
// The backward pass has two rules: the tutorial's as written (quirks kept) and the corrected gradients.
import Numerics

public struct TwoLayerNetwork: Sendable {
    public var W1: Tensor<Double>  // (10, 784)
    public var b1: Tensor<Double>  // (10, 1)
    public var W2: Tensor<Double>  // (10, 10)
    public var b2: Tensor<Double>  // (10, 1)

    public init(W1: Tensor<Double>, b1: Tensor<Double>, W2: Tensor<Double>, b2: Tensor<Double>) {
        self.W1 = W1; self.b1 = b1; self.W2 = W2; self.b2 = b2
    }

    /// The tutorial's `init_params`: uniform [-0.5, 0.5) with `rand(...) - 0.5`, in the order W1, b1, W2, b2.
    public init(inputs: Int = 784, hidden: Int = 10, outputs: Int = 10, rng: inout RandomState) {
        W1 = rng.rand(hidden, inputs) - 0.5
        b1 = rng.rand(hidden, 1) - 0.5
        W2 = rng.rand(outputs, hidden) - 0.5
        b2 = rng.rand(outputs, 1) - 0.5
    }

    /// Which backward pass to run.
    public enum GradientRule: Sendable, Equatable {
        /// The tutorial as written: divide by `m` = all rows it loaded (not the columns trained on),
        /// `db = 1/m * np.sum(dZ)` (one scalar for the whole layer), softmax without subtracting the maximum.
        case tutorial(m: Int)
        /// The true gradients of the mean cross-entropy: divide by the batch size, one db per unit.
        case corrected
    }

    public struct ForwardCache: Sendable {
        public let X: Tensor<Double>   // (784, m)
        public let Z1: Tensor<Double>  // (10, m)
        public let A1: Tensor<Double>  // (10, m)
        public let Z2: Tensor<Double>  // (10, m)
        public let A2: Tensor<Double>  // (10, m)
        public init(X: Tensor<Double>, Z1: Tensor<Double>, A1: Tensor<Double>, Z2: Tensor<Double>, A2: Tensor<Double>) {
            self.X = X; self.Z1 = Z1; self.A1 = A1; self.Z2 = Z2; self.A2 = A2
        }
    }

    /// Column-wise softmax. The tutorial skips subtracting the column maximum, which can overflow
    /// exp for large Z; with this network's small weights it does not, and both give the same values.
    public static func softmax(_ Z: Tensor<Double>, subtractMax: Bool) -> Tensor<Double> {
        let (r, c) = (Z.rows, Z.columns)
        var out = Z.storage
        for j in 0..<c {
            var m = 0.0
            if subtractMax { m = -.infinity; for i in 0..<r { m = max(m, out[i * c + j]) } }
            var s = 0.0
            for i in 0..<r { let e = cExp(out[i * c + j] - m); out[i * c + j] = e; s += e }
            for i in 0..<r { out[i * c + j] /= s }
        }
        return Tensor(shape: Z.shape, storage: out)
    }

    public func forward(_ X: Tensor<Double>, rule: GradientRule) -> ForwardCache {
        // Z1 = W1 · X + b1
        let Z1 = W1.dot(X) + b1
        // A1 = ReLU(Z1)
        let A1 = Activation.relu(Z1)
        // Z2 = W2 · A1 + b2
        let Z2 = W2.dot(A1) + b2
        // A2 = softmax(Z2), column by column
        let A2 = TwoLayerNetwork.softmax(Z2, subtractMax: rule == .corrected)
        return ForwardCache(X: X, Z1: Z1, A1: A1, Z2: Z2, A2: A2)
    }

    public struct Gradients: Sendable {
        public let oneHotY: Tensor<Double>  // (10, m)
        public let dZ2: Tensor<Double>      // (10, m)
        public let dW2: Tensor<Double>      // (10, 10)
        public let db2: Tensor<Double>      // (10, 1) corrected; (1, 1) tutorial
        public let dZ1: Tensor<Double>      // (10, m)
        public let dW1: Tensor<Double>      // (10, 784)
        public let db1: Tensor<Double>      // (10, 1) corrected; (1, 1) tutorial
        public init(oneHotY: Tensor<Double>, dZ2: Tensor<Double>, dW2: Tensor<Double>, db2: Tensor<Double>, dZ1: Tensor<Double>,
                    dW1: Tensor<Double>, db1: Tensor<Double>) {
            self.oneHotY = oneHotY; self.dZ2 = dZ2; self.dW2 = dW2; self.db2 = db2; self.dZ1 = dZ1; self.dW1 = dW1; self.db1 = db1
        }
    }

    /// One-hot labels as columns: Y[label_j, j] = 1.
    public static func oneHot(_ labels: [Int], classes: Int = 10) -> Tensor<Double> {
        var t = Tensor<Double>(shape: [classes, labels.count])
        for (j, y) in labels.enumerated() { t[y, j] = 1 }
        return t
    }

    public func backward(_ f: ForwardCache, labels: [Int], rule: GradientRule) -> Gradients {
        let m: Double
        switch rule {
        case .tutorial(let rows): m = Double(rows)
        case .corrected: m = Double(labels.count)
        }
        let Y = TwoLayerNetwork.oneHot(labels, classes: W2.rows)
        // dZ2 = A2 - Y   (softmax and cross-entropy together)
        let dZ2 = f.A2 - Y
        // dW2 = 1/m · dZ2 · A1ᵀ
        let dW2 = Tensor.matmul(dZ2, f.A1, transposeB: true) * (1 / m)
        // db2 = 1/m · Σ_j dZ2[:, j]   (tutorial: 1/m · Σ over every entry, one scalar)
        let db2 = rule == .corrected ? dZ2.sum(axis: 1) * (1 / m) : Tensor(shape: [1, 1], storage: [dZ2.sum() / m])
        // dZ1 = W2ᵀ · dZ2 ⊙ ReLU'(Z1)
        let dZ1 = Tensor.matmul(W2, dZ2, transposeA: true) * Activation.reluDerivative(f.Z1)
        // dW1 = 1/m · dZ1 · Xᵀ
        let dW1 = Tensor.matmul(dZ1, f.X, transposeB: true) * (1 / m)
        // db1 = 1/m · Σ_j dZ1[:, j]   (tutorial: one scalar)
        let db1 = rule == .corrected ? dZ1.sum(axis: 1) * (1 / m) : Tensor(shape: [1, 1], storage: [dZ1.sum() / m])
        return Gradients(oneHotY: Y, dZ2: dZ2, dW2: dW2, db2: db2, dZ1: dZ1, dW1: dW1, db1: db1)
    }

    // θ ← θ - α · dθ   (a scalar db is subtracted from every bias, as numpy broadcasts it)
    public mutating func update(_ g: Gradients, learningRate alpha: Double) {
        update(dW1: g.dW1, db1: g.db1, dW2: g.dW2, db2: g.db2, learningRate: alpha)
    }

    /// The same step from the four gradients alone (what the training path hands over).
    public mutating func update(dW1: Tensor<Double>, db1: Tensor<Double>, dW2: Tensor<Double>, db2: Tensor<Double>, learningRate alpha: Double) {
        W1 = W1 - alpha * dW1
        b1 = b1 - alpha * db1
        W2 = W2 - alpha * dW2
        b2 = b2 - alpha * db2
    }

    /// The tutorial's `get_predictions`: argmax down each column.
    public static func predictions(_ A2: Tensor<Double>) -> [Int] { A2.argmaxOverRows() }

    public func predict(_ X: Tensor<Double>) -> [Int] {
        TwoLayerNetwork.predictions(forward(X, rule: .corrected).A2)
    }

    /// Mean cross-entropy, L = -1/m Σ_j log A2[y_j, j].
    public func loss(_ X: Tensor<Double>, labels: [Int]) -> Double {
        let A2 = forward(X, rule: .corrected).A2
        var s = 0.0
        for (j, y) in labels.enumerated() { s -= cLog(A2[y, j]) }
        return s / Double(labels.count)
    }
}

extension TwoLayerNetwork {
    /// What one iteration of gradient descent saw, before its update.
    public struct IterationRecord: Sendable {
        public let iteration: Int
        public let accuracy: Double
        public let loss: Double
        /// Kept only on logged iterations (every `logEvery`), as the tutorial prints them.
        public let predictions: [Int]?
        public init(iteration: Int, accuracy: Double, loss: Double, predictions: [Int]?) {
            self.iteration = iteration; self.accuracy = accuracy; self.loss = loss; self.predictions = predictions
        }
    }

    /// The tutorial's `gradient_descent`: forward, backward, update, `iterations` times on the whole batch.
    /// Accuracy and loss are those of the forward pass that began each iteration.
    /// Stops early, keeping the records so far, when `shouldStop()` says so after an iteration or when the
    /// loss stops being a finite number (the last record then holds the non-finite loss).
    public mutating func gradientDescent(_ X: Tensor<Double>, labels: [Int], rule: GradientRule, learningRate: Double,
                                         iterations: Int, logEvery: Int, progress: (IterationRecord) -> Void = { _ in },
                                         shouldStop: () -> Bool = { false }) -> [IterationRecord] {
        var records = [IterationRecord]()
        records.reserveCapacity(iterations)
        for i in 0..<iterations {
            let f = forward(X, rule: rule)
            let g = backward(f, labels: labels, rule: rule)
            update(g, learningRate: learningRate)
            let p = TwoLayerNetwork.predictions(f.A2)
            let correct = zip(p, labels).filter { $0 == $1 }.count
            var loss = 0.0
            for (j, y) in labels.enumerated() { loss -= cLog(f.A2[y, j]) }
            records.append(IterationRecord(iteration: i, accuracy: Double(correct) / Double(labels.count),
                                           loss: loss / Double(labels.count), predictions: i % logEvery == 0 ? p : nil))
            progress(records[records.count - 1])
            if !loss.isFinite || shouldStop() { break }
        }
        return records
    }
}
