// Issue 36: the memory estimate is checked against the buffers the training path really allocates, so
// a change to either that the other does not follow fails here rather than under a user's budget.
import Testing
@testable import Training
@testable import Network
@testable import Numerics

/// A network from `specs` on 28 × 28 images, its shapes, and its training plan's bytes beside the
/// estimate's training part, for batches of `batch` over `shards` shards.
func plannedAndEstimated(_ specs: [LayerSpec], batch: Int, shards: Int, precision: Precision) throws -> (allocated: Int, estimated: Int) {
    var rng = RandomState(seed: 3)
    let net = try CNN(specs: specs, inputShape: [28, 28, 1], seed: 100, rng: &rng)
    let shapes = try CNN.shapes(of: specs, input: [28, 28, 1]).get()
    let estimate = MemoryEstimate(specs: specs, input: [28, 28, 1], shapes: shapes, batch: batch, shards: shards,
                                  scalarBytes: precision == .float32 ? 4 : 8, keptBytes: 0)
    let allocated = precision == .float32 ? TrainingPlan<Float>(net, batchSize: batch, shards: shards, threads: 1).allocatedBytes
        : TrainingPlan<Double>(net, batchSize: batch, shards: shards, threads: 1).allocatedBytes
    return (allocated, try #require(estimate.trainingBytes))
}

@Suite struct MemoryEstimateTests {
    static let layers: [String: [LayerSpec]] = [
        // The tutorial's: the first conv pooled in one pass, conv2 on the direct kernels, ReLUs fused.
        "tutorial": [
            LayerSpec(name: "conv1", kind: .conv(f: 3, out: 10, pad: 0, stride: 1)), LayerSpec(name: "relu1", kind: .relu),
            LayerSpec(name: "pool1", kind: .maxpool(f: 2)), LayerSpec(name: "conv2", kind: .conv(f: 5, out: 16, pad: 0, stride: 1)),
            LayerSpec(name: "relu2", kind: .relu), LayerSpec(name: "flatten", kind: .flatten), LayerSpec(name: "dense1", kind: .dense(out: 100)),
            LayerSpec(name: "relu3", kind: .relu), LayerSpec(name: "dense2", kind: .dense(out: 10)), LayerSpec(name: "softmax", kind: .softmax),
        ],
        // A wide dense layer: the weights and their per-shard gradients dominate.
        "wide dense": [
            LayerSpec(name: "conv1", kind: .conv(f: 3, out: 10, pad: 0, stride: 1)), LayerSpec(name: "relu1", kind: .relu),
            LayerSpec(name: "pool1", kind: .maxpool(f: 2)), LayerSpec(name: "flatten", kind: .flatten),
            LayerSpec(name: "dense1", kind: .dense(out: 3000)), LayerSpec(name: "relu3", kind: .relu),
            LayerSpec(name: "dense2", kind: .dense(out: 10)), LayerSpec(name: "softmax", kind: .softmax),
        ],
        // im2col (padded, strided, more than 16 filters), standalone activations, average pooling.
        "im2col": [
            LayerSpec(name: "c1", kind: .conv(f: 3, out: 32, pad: 1, stride: 1)), LayerSpec(name: "t1", kind: .tanh),
            LayerSpec(name: "p1", kind: .avgpool(f: 2)), LayerSpec(name: "c2", kind: .conv(f: 3, out: 24, pad: 1, stride: 2)),
            LayerSpec(name: "r2", kind: .relu), LayerSpec(name: "p2", kind: .maxpool(f: 2)), LayerSpec(name: "fl", kind: .flatten),
            LayerSpec(name: "d1", kind: .dense(out: 64)), LayerSpec(name: "s1", kind: .sigmoid), LayerSpec(name: "d2", kind: .dense(out: 10)),
            LayerSpec(name: "sm", kind: .softmax),
        ],
        // A direct conv past 16 input channels: its error goes back through δ · W, 8 images at a time.
        "wide channels": [
            LayerSpec(name: "c1", kind: .conv(f: 3, out: 20, pad: 0, stride: 1)), LayerSpec(name: "r1", kind: .relu),
            LayerSpec(name: "c2", kind: .conv(f: 3, out: 8, pad: 0, stride: 1)), LayerSpec(name: "r2", kind: .relu),
            LayerSpec(name: "p2", kind: .maxpool(f: 2)), LayerSpec(name: "fl", kind: .flatten),
            LayerSpec(name: "d1", kind: .dense(out: 10)), LayerSpec(name: "sm", kind: .softmax),
        ],
        // Dense only.
        "dense only": [
            LayerSpec(name: "fl", kind: .flatten), LayerSpec(name: "d1", kind: .dense(out: 200)), LayerSpec(name: "r1", kind: .relu),
            LayerSpec(name: "d2", kind: .dense(out: 10)), LayerSpec(name: "sm", kind: .softmax),
        ],
    ]

    @Test(arguments: ["tutorial", "wide dense", "im2col", "wide channels", "dense only"], [Precision.float32, .float64])
    func theEstimateForeseesWhatTheTrainerAllocates(network: String, precision: Precision) throws {
        for (batch, shards) in [(512, 8), (64, 2), (100, 3)] {
            let (allocated, estimated) = try plannedAndEstimated(Self.layers[network]!, batch: batch, shards: shards, precision: precision)
            let ratio = Double(estimated) / Double(allocated)
            #expect(ratio >= 0.99 && ratio <= 1.02, "\(network), \(precision), batch \(batch) over \(shards) shards: estimated \(estimated) bytes, allocated \(allocated) (ratio \(ratio))")
        }
    }
}
