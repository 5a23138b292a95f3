// The training path's front: the same network as `CNN`, compiled into a `TrainingPlan` of fused
// steps over buffers allocated once, run in Float or Double, each mini-batch cut into shards.
import Dispatch
import Network
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
    /// Mini-batches are cut into this many shards, each computed with single-threaded BLAS; their
    /// gradients are then added in shard order. The count is fixed, not the machine's cores, so a
    /// seeded run sums in the same order (and prints the same bytes) on 1, 2 or 16 cores.
    public let shards: Int
    /// Threads the shards are spread over (the cores available by default): changes the speed only.
    public let threads: Int
    private let specs: [LayerSpec]
    private let inputShape: [Int]
    private var single: TrainingPlan<Float>?
    private var double: TrainingPlan<Double>?

    /// One shard runs with multi-threaded BLAS instead (one image at a time, say).
    public init(_ net: CNN, precision: Precision, batchSize: Int, shards: Int = CNNTrainer.defaultShards, threads: Int = Cores.available) {
        self.precision = precision
        self.batchSize = batchSize
        self.shards = max(1, min(shards, batchSize))
        self.threads = max(1, threads)
        self.specs = net.specs
        self.inputShape = net.inputShape
        switch precision {
        case .float32: single = TrainingPlan<Float>(net, batchSize: batchSize, shards: self.shards, threads: self.threads)
        case .float64: double = TrainingPlan<Double>(net, batchSize: batchSize, shards: self.shards, threads: self.threads)
        }
    }

    /// Eight shards of 64 images for the tutorial's batches of 512.
    public static let defaultShards = 8

    /// Images per shard for batches of `batch`: each shard's workspace holds this many.
    public static func imagesPerShard(batch: Int, shards: Int = defaultShards) -> Int { (batch + shards - 1) / max(1, shards) }

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

    /// Whether each training step measures its `lastHealth` (on by default; the weights are the same bits either way).
    public var measuresHealth: Bool {
        get { single?.measureHealth ?? double!.measureHealth }
        set { single?.measureHealth = newValue; double?.measureHealth = newValue }
    }

    /// Every parameter layer's health over the last mini-batch trained (nil before the first, or when not measured).
    public var lastHealth: BatchHealth? { single?.lastHealth ?? double?.lastHealth }

    public struct EpochResult: Sendable {
        public let clippedEntries: Int
        public let clippedUpdates: Int
        /// Batches done: fewer than the epoch's batches when stopped early.
        public let updates: Int
        public let finiteLoss: Bool
    }

    /// One epoch in the order `rng.shuffle` gives (the tutorial's `getBatch(randomize=True)`), one
    /// clipped, decayed update per batch. `progress(batchesDone, totalBatches, runningLoss, runningAccuracy)`
    /// after each batch: the mean loss and the share classified right (before each update) so far this epoch.
    public func trainEpoch(_ train: ImageSet, rule: CNN.UpdateRule, rng: inout RandomState,
                           progress: (_ done: Int, _ total: Int, _ runningLoss: Double, _ runningAccuracy: Double) -> Void = { _, _, _, _ in },
                           shouldStop: () -> Bool = { false }) -> EpochResult {
        var order = Array(0..<train.count)
        rng.shuffle(&order)
        return withBLASThreads {
            let batches = (train.count + batchSize - 1) / batchSize
            var clippedEntries = 0, clippedUpdates = 0, running = 0.0, seen = 0, correct = 0
            for b in 0..<batches {
                let idx = Array(order[(b * batchSize)..<min(train.count, (b + 1) * batchSize)])
                let loss: Double
                let clipped: Int
                if let p = single { loss = p.step(train, idx, rule: rule); clipped = p.lastClipped; correct += p.lastCorrect }
                else { loss = double!.step(train, idx, rule: rule); clipped = double!.lastClipped; correct += double!.lastCorrect }
                guard loss.isFinite else { return EpochResult(clippedEntries: clippedEntries, clippedUpdates: clippedUpdates, updates: b, finiteLoss: false) }
                running += loss; seen += idx.count
                clippedEntries += clipped
                if clipped > 0 { clippedUpdates += 1 }
                progress(b + 1, batches, running / Double(seen), Double(correct) / Double(seen))
                if shouldStop() { return EpochResult(clippedEntries: clippedEntries, clippedUpdates: clippedUpdates, updates: b + 1, finiteLoss: true) }
            }
            return EpochResult(clippedEntries: clippedEntries, clippedUpdates: clippedUpdates, updates: batches, finiteLoss: true)
        }
    }

    /// A forward pass over a whole set: predicted classes, the summed cross-entropy, and which filters
    /// are dead on it.
    public struct Evaluation: Sendable {
        public var predictions: [Int]
        public var loss: Double
        /// For each conv layer followed by a ReLU (first conv first), each filter's liveness on this set.
        public var live: [[Bool]]
        /// The one definition of a dead filter: its ReLU output is 0 at every position of every image of
        /// the set it was measured on. Per ReLU conv layer (first conv first), the dead filters' indices.
        public var deadFilters: [[Int]] { live.map { l in l.indices.filter { !l[$0] } } }
    }

    /// Predicted classes, the summed cross-entropy and the dead filters over a whole set, forward only.
    public func evaluate(_ set: ImageSet) -> Evaluation {
        withBLASThreads {
            var predictions = [Int](), loss = 0.0, live = [[Bool]]()
            var start = 0
            while start < set.count {
                let idx = Array(start..<min(set.count, start + batchSize))
                let r = single?.predict(set, idx, live: &live) ?? double!.predict(set, idx, live: &live)
                predictions += r.predictions; loss += r.loss
                start += batchSize
            }
            return Evaluation(predictions: predictions, loss: loss, live: live)
        }
    }

    /// The gradients (summed over the images) of one batch, without updating: for tests against `CNN.backward`.
    public func gradients(_ set: ImageSet, _ indices: [Int], perImageClip: Double? = nil) -> [CNN.ParameterGradients?] {
        withBLASThreads { single?.gradients(set, indices, perImageClip: perImageClip) ?? double!.gradients(set, indices, perImageClip: perImageClip) }
    }

    /// Shards run BLAS single-threaded on their own core; one shard lets BLAS use every core.
    private func withBLASThreads<T>(_ body: () -> T) -> T {
        BLASThreads.with(shards > 1 ? 1 : threads, body)
    }
}

public enum Cores {
    /// Cores online on this machine.
    public static var available: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

