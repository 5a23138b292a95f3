// Mini-batch training as the tutorial's batchTrain runs it: each epoch a fresh shuffle of the
// image indices, batches of 512 fed forward and backward, clipped and decayed updates.
import Numerics

public struct EpochRecord: Sendable {
    public let epoch: Int
    /// The tutorial's cost: (Σ cross-entropy over the training set + Σ W²) / n.
    public let cost: Double
    public let trainAccuracy: Double
    public let testAccuracy: Double
    /// Weight-gradient entries clipped to ±clip during the epoch, and updates in which any were.
    public let clippedEntries: Int
    public let clippedUpdates: Int
    public let updates: Int
    public let seconds: Double

    public init(epoch: Int, cost: Double, trainAccuracy: Double, testAccuracy: Double, clippedEntries: Int,
                clippedUpdates: Int, updates: Int, seconds: Double) {
        self.epoch = epoch; self.cost = cost; self.trainAccuracy = trainAccuracy; self.testAccuracy = testAccuracy
        self.clippedEntries = clippedEntries; self.clippedUpdates = clippedUpdates; self.updates = updates; self.seconds = seconds
    }
}

/// Images stored as bytes and turned into (N, H, W, 1) doubles / 255 one batch at a time.
public struct ImageSet: Sendable {
    public let pixels: [UInt8]
    public let labels: [Int]
    public let height: Int
    public let width: Int
    public init(pixels: [UInt8], labels: [Int], height: Int, width: Int) {
        self.pixels = pixels; self.labels = labels; self.height = height; self.width = width
    }
    public var count: Int { labels.count }

    public func batch(_ indices: ArraySlice<Int>) -> Tensor<Double> {
        let p = height * width
        var out = [Double](repeating: 0, count: indices.count * p)
        pixels.withUnsafeBufferPointer { src in
            for (r, i) in indices.enumerated() { for k in 0..<p { out[r * p + k] = Double(src[i * p + k]) / 255 } }
        }
        return Tensor(shape: [indices.count, height, width, 1], storage: out)
    }
}

extension CNN {
    /// Predicted classes and the summed cross-entropy over a set, in batches.
    public func evaluate(_ set: ImageSet, batchSize: Int = 512) -> (predictions: [Int], loss: Double) {
        var predictions = [Int](), loss = 0.0
        var start = 0
        let all = Array(0..<set.count)
        while start < set.count {
            let idx = all[start..<min(set.count, start + batchSize)]
            let a = forward(set.batch(idx)).probabilities
            predictions += a.argmaxOverColumns()
            loss += SoftmaxCrossEntropy.loss(a, labels: idx.map { set.labels[$0] })
            start += batchSize
        }
        return (predictions, loss)
    }

    public static func accuracy(_ predictions: [Int], _ labels: [Int]) -> Double {
        Double(zip(predictions, labels).filter { $0 == $1 }.count) / Double(max(1, labels.count))
    }

    /// One epoch: shuffle the indices with `rng`, then a clipped, decayed update per batch.
    /// `progress(batchesDone, totalBatches, runningLoss)` is called after every batch.
    /// Stops after the current batch when `shouldStop()` says so, or when the batch loss is not finite;
    /// `updates` then counts the batches done.
    public mutating func trainEpoch(_ train: ImageSet, rule: UpdateRule, rng: inout RandomState,
                                    progress: (Int, Int, Double) -> Void = { _, _, _ in },
                                    shouldStop: () -> Bool = { false }) -> (clippedEntries: Int, clippedUpdates: Int, updates: Int, finiteLoss: Bool) {
        var order = Array(0..<train.count)
        rng.shuffle(&order)
        let batches = (train.count + rule.batchSize - 1) / rule.batchSize
        var clippedEntries = 0, clippedUpdates = 0, running = 0.0, seen = 0
        for b in 0..<batches {
            let idx = order[(b * rule.batchSize)..<min(train.count, (b + 1) * rule.batchSize)]
            let labels = idx.map { train.labels[$0] }
            let pass = forward(train.batch(idx))
            let batchLoss = SoftmaxCrossEntropy.loss(pass.probabilities, labels: labels)
            if !batchLoss.isFinite || pass.probabilities.storage.contains(where: { !$0.isFinite }) {
                return (clippedEntries, clippedUpdates, b, false)
            }
            running += batchLoss
            seen += labels.count
            let grads = backward(pass, labels: labels, perImageClip: rule.perImageClip)
            let c = update(grads.gradients, rule: rule)
            clippedEntries += c
            if c > 0 { clippedUpdates += 1 }
            progress(b + 1, batches, running / Double(seen))
            if shouldStop() { return (clippedEntries, clippedUpdates, b + 1, true) }
        }
        return (clippedEntries, clippedUpdates, batches, true)
    }
}
