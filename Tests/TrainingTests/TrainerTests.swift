// The training path against the readable network: same gradients and updates in Double (to
// rounding), float32 within its tolerance, shards and threads not changing the answer.
import Testing
@testable import Training
@testable import Network
@testable import Numerics
import CKernels

/// A small network exercising every step kind: each way a conv is computed (the first layer's padded
/// kernel; c2 by the direct kernels, stride 1 and no padding; c3 padded and strided, by im2col), fused
/// and standalone ReLU, pooling, a conv without ReLU, conv → ReLU → flatten (the tutorial's conv2),
/// dense with its own learning rate, softmax.
func smallNetwork() throws -> CNN {
    let specs: [LayerSpec] = [
        LayerSpec(name: "c1", kind: .conv(f: 3, out: 4, pad: 1, stride: 1)), LayerSpec(name: "r1", kind: .relu),
        LayerSpec(name: "p1", kind: .maxpool(f: 2)),
        LayerSpec(name: "c2", kind: .conv(f: 3, out: 5, pad: 0, stride: 1)),
        LayerSpec(name: "p2", kind: .maxpool(f: 2)), LayerSpec(name: "r2", kind: .relu),
        LayerSpec(name: "c3", kind: .conv(f: 2, out: 6, pad: 1, stride: 2)), LayerSpec(name: "r4", kind: .relu),
        LayerSpec(name: "fl", kind: .flatten),
        LayerSpec(name: "d1", kind: .dense(out: 12)), LayerSpec(name: "r3", kind: .relu),
        LayerSpec(name: "d2", kind: .dense(out: 10), learningRate: 0.01), LayerSpec(name: "sm", kind: .softmax),
    ]
    var rng = RandomState(seed: 5)
    return try CNN(specs: specs, inputShape: [side, side, 1], seed: 100, rng: &rng)
}

/// The small network's images are side × side.
let side = 20

func randomImages(_ n: Int, seed: UInt32) -> ImageSet {
    var rng = RandomState(seed: seed)
    let pixels = (0..<(n * side * side)).map { _ in UInt8(rng.randomSample() * 256) }
    let labels = (0..<n).map { _ in Int(rng.randomSample() * 10) }
    return ImageSet(pixels: pixels, labels: labels, height: side, width: side)
}

func relativeDifference(_ a: [Tensor<Double>], _ b: [Tensor<Double>]) -> Double {
    zip(a, b).map { x, y in x.maxAbsDifference(y) / max(1e-12, y.storage.map(abs).max() ?? 0) }.max() ?? 0
}

@Test(arguments: [(Precision.float64, 1, nil), (.float64, 2, nil), (.float64, 3, nil), (.float32, 2, nil),
                  (.float64, 1, 0.05), (.float64, 3, 0.05), (.float32, 2, 0.05)] as [(Precision, Int, Double?)])
func trainerGradientsMatchTheReadableNetwork(precision: Precision, shards: Int, perImageClip: Double?) throws {
    let net = try smallNetwork()
    let set = randomImages(40, seed: 9)
    let idx = Array((0..<37).reversed())
    let trainer = CNNTrainer(net, precision: precision, batchSize: 37, shards: shards)
    let fast = trainer.gradients(set, idx, perImageClip: perImageClip)
    let pass = net.forward(set.batch(idx[...]))
    let slow = net.backward(pass, labels: idx.map { set.labels[$0] }, perImageClip: perImageClip).gradients.compactMap { $0 }
    let tolerance = precision == .float64 ? 1e-10 : 1e-4
    #expect(fast.count == slow.count)
    if perImageClip != nil {
        // Per image, only dense layers clip; this clip is small enough that both do, many times.
        #expect(slow.map(\.clippedEntries).filter { $0 > 0 }.count == 2)
        if precision == .float64 { #expect(fast.map { $0!.clippedEntries } == slow.map(\.clippedEntries)) }
    }
    #expect(relativeDifference(fast.map { $0!.dW }, slow.map(\.dW)) < tolerance)
    #expect(relativeDifference(fast.map { $0!.db }, slow.map(\.db)) < tolerance)
    let e0 = trainer.evaluate(set); let (predictions, loss) = (e0.predictions, e0.loss)
    let (p2, l2) = net.evaluate(set)
    #expect(abs(loss - l2) / l2 < tolerance)
    #expect(precision == .float32 || predictions == p2)
}

@Test(arguments: Precision.allCases, CNN.ClipScope.allCases)
func trainerEpochMatchesTheReadableEpoch(precision: Precision, scope: CNN.ClipScope) throws {
    var slow = try smallNetwork()
    let set = randomImages(50, seed: 3)
    let rule = CNN.UpdateRule(learningRate: 0.1, lambda: 0.01, clip: scope == .batch ? 0.5 : 0.1, clipScope: scope, batchSize: 16)
    var rng1 = RandomState(seed: 100), rng2 = RandomState(seed: 100)
    let trainer = CNNTrainer(slow, precision: precision, batchSize: 16, shards: 2)
    for _ in 0..<2 {
        let a = slow.trainEpoch(set, rule: rule, rng: &rng1)
        let b = trainer.trainEpoch(set, rule: rule, rng: &rng2)
        #expect(a.updates == b.updates && a.updates == 4)
        #expect(a.clippedEntries > 0)
        if precision == .float64 { #expect(a.clippedEntries == b.clippedEntries) }
    }
    // Compared as updates (trained − initial), tensor by tensor, not as parameters: eight updates move
    // a weight by ~1e-3 while weights are ~0.3, so a parameter tolerance would let a gradient off by a
    // few tenths of a percent through. float32 also rounds each parameter as it stores it, up to
    // 2⁻²⁴·|W| per update, which the bound allows on top of 1e-4 of the largest update.
    let initial = try smallNetwork().parameters
    for (k, (fast, (slowW, start))) in zip(trainer.parameters, zip(slow.parameters, initial)).enumerated() {
        let slowUpdate = slowW - start, fastUpdate = fast - start
        let largest = slowUpdate.storage.map(abs).max() ?? 0
        #expect(largest > 0, "tensor \(k) moved")
        let bound = precision == .float64 ? 1e-10 * largest
            : 1e-4 * largest + 8 * 0x1p-24 * (slowW.storage.map(abs).max() ?? 0)
        #expect(fastUpdate.maxAbsDifference(slowUpdate) <= bound, "tensor \(k): update differs by \(fastUpdate.maxAbsDifference(slowUpdate)), largest update \(largest)")
    }
    #expect(trainer.network.parameters == trainer.parameters)
}

/// A seeded run prints the same bytes on any number of cores: the shards are fixed and their
/// gradients are added in shard order, whatever thread computed them. Batches of 37 and 16 images
/// (a short last batch of 2 leaves shards empty), a batch smaller than the shard count, both precisions.
@Test(arguments: Precision.allCases)
func threadsNeverChangeTheBytes(precision: Precision) throws {
    let net = try smallNetwork()
    let set = randomImages(50, seed: 4)
    let rule = CNN.UpdateRule(learningRate: 0.1, lambda: 0.01, clip: 0.1, clipScope: .image, batchSize: 16)
    var results = [[Tensor<Double>]](), losses = [Double](), predictions = [[Int]]()
    for threads in [1, 2, 3, 16] {
        let trainer = CNNTrainer(net, precision: precision, batchSize: 16, shards: CNNTrainer.defaultShards, threads: threads)
        var rng = RandomState(seed: 100)
        for _ in 0..<2 { _ = trainer.trainEpoch(set, rule: rule, rng: &rng) }
        results.append(trainer.parameters)
        let e = trainer.evaluate(randomImages(5, seed: 8))
        losses.append(e.loss); predictions.append(e.predictions)
    }
    for r in results.dropFirst() { #expect(r == results[0], "parameters differ with the thread count") }
    #expect(Set(losses).count == 1 && Set(predictions).count == 1)
    #expect(predictions[0].count == 5)
    // A batch of three images on eight shards: three shards hold one each, and the sum is the batch's.
    let trainer = CNNTrainer(net, precision: .float64, batchSize: 16)
    let few = trainer.gradients(set, [4, 9, 1])
    let slow = net.backward(net.forward(set.batch([4, 9, 1][...])), labels: [4, 9, 1].map { set.labels[$0] }).gradients.compactMap { $0 }
    #expect(relativeDifference(few.map { $0!.dW }, slow.map(\.dW)) < 1e-10)
    let one = trainer.evaluate(randomImages(1, seed: 2)), oneSlow = net.evaluate(randomImages(1, seed: 2))
    #expect(one.predictions == oneSlow.predictions && abs(one.loss - oneSlow.loss) < 1e-10 * oneSlow.loss)
}

/// The tutorial's network (Lessons/03-cnn.md): conv2 is 5×5 over 10 channels into 16, 9×9 out, by the
/// direct kernels.
func tutorialNetwork() throws -> CNN {
    let specs: [LayerSpec] = [
        LayerSpec(name: "conv1", kind: .conv(f: 3, out: 10, pad: 0, stride: 1)), LayerSpec(name: "relu1", kind: .relu),
        LayerSpec(name: "pool1", kind: .maxpool(f: 2)), LayerSpec(name: "conv2", kind: .conv(f: 5, out: 16, pad: 0, stride: 1)),
        LayerSpec(name: "relu2", kind: .relu), LayerSpec(name: "flatten", kind: .flatten), LayerSpec(name: "dense1", kind: .dense(out: 100)),
        LayerSpec(name: "relu3", kind: .relu), LayerSpec(name: "dense2", kind: .dense(out: 10)), LayerSpec(name: "softmax", kind: .softmax),
    ]
    var rng = RandomState(seed: 8)
    return try CNN(specs: specs, inputShape: [28, 28, 1], seed: 100, rng: &rng)
}

func randomDigits(_ n: Int, seed: UInt32) -> ImageSet {
    var rng = RandomState(seed: seed)
    let pixels = (0..<(n * 784)).map { _ in rng.randomSample() < 0.8 ? 0 : UInt8(rng.randomSample() * 256) }
    return ImageSet(pixels: pixels, labels: (0..<n).map { _ in Int(rng.randomSample() * 10) }, height: 28, width: 28)
}

@Test(arguments: Precision.allCases)
func tutorialNetworkGradientsMatchTheReadableNetwork(precision: Precision) throws {
    let net = try tutorialNetwork()
    let plan = TrainingPlan<Float>(net, batchSize: 8, shards: 1, threads: 1)
    guard case .conv(let conv2) = plan.steps[2].kind, conv2.kernel == .direct else { Issue.record("conv2 is not on the direct kernels"); return }
    let set = randomDigits(13, seed: 4)
    let idx = Array(0..<13)
    let trainer = CNNTrainer(net, precision: precision, batchSize: 13, shards: 2)
    let fast = trainer.gradients(set, idx, perImageClip: 0.5)
    let pass = net.forward(set.batch(idx[...]))
    let slow = net.backward(pass, labels: idx.map { set.labels[$0] }, perImageClip: 0.5).gradients.compactMap { $0 }
    let tolerance = precision == .float64 ? 1e-10 : 1e-4
    #expect(relativeDifference(fast.map { $0!.dW }, slow.map(\.dW)) < tolerance)
    #expect(relativeDifference(fast.map { $0!.db }, slow.map(\.db)) < tolerance)
    let loss = trainer.evaluate(set).loss
    #expect(abs(loss - net.evaluate(set).loss) / loss < tolerance)
}

/// Each vector level of the C kernels (AVX-512, AVX2, baseline: as many as this processor has) gives
/// the same bits: a trained epoch of the tutorial's network and of the small one, and lesson 1's
/// packed gradient descent.
@Test func everyKernelLevelComputesTheSameBits() throws {
    let available = lesson_kernel_level_available()
    defer { _ = lesson_kernel_level_force(Int32(LESSON_LEVEL_UNKNOWN)) }
    var results = [[Tensor<Double>]]()
    for level in Int32(LESSON_LEVEL_BASELINE)...available {
        #expect(lesson_kernel_level_force(level) == 1 && lesson_kernel_level() == level)
        var out = [Tensor<Double>]()
        for (net, set) in [(try tutorialNetwork(), randomDigits(24, seed: 5)), (try smallNetwork(), randomImages(24, seed: 6))] {
            for precision in Precision.allCases {
                var rng = RandomState(seed: 1)
                let rule = CNN.UpdateRule(learningRate: 0.1, lambda: 0.01, clip: 0.5, clipScope: .image, batchSize: 8)
                let trainer = CNNTrainer(net, precision: precision, batchSize: 8, shards: 2)
                _ = trainer.trainEpoch(set, rule: rule, rng: &rng)
                out += trainer.parameters
            }
        }
        let (X, labels) = denseData(150, seed: 8)
        var rng = RandomState(seed: 2)
        var dense = TwoLayerNetwork(rng: &rng)
        _ = DenseTraining.gradientDescent(&dense, X, labels: labels, rule: .tutorial(m: 150), learningRate: 0.1, iterations: 3,
                                          logEvery: 1, block: 32, wholeUpTo: 0, threads: 2)
        out += [dense.W1, dense.b1, dense.W2, dense.b2]
        results.append(out)
    }
    #expect(lesson_kernel_level_force(available + 1) == 0, "a level the processor lacks is refused")
    for r in results.dropFirst() { #expect(r == results[0]) }
    #expect(results.count >= 2, "this processor runs at least AVX2 and the baseline")
}

/// The training path's average pooling, tanh and sigmoid steps against the readable layers: the
/// same gradients in float64 to rounding, float32 within its tolerance, and the same loss.
@Test(arguments: [Precision.float64, .float32])
func trainerStepsOfTheNewKindsMatchTheReadableNetwork(precision: Precision) throws {
    let specs: [LayerSpec] = [
        LayerSpec(name: "c1", kind: .conv(f: 3, out: 4, pad: 0, stride: 1)), LayerSpec(name: "t1", kind: .tanh),
        LayerSpec(name: "p1", kind: .avgpool(f: 2)),
        LayerSpec(name: "c2", kind: .conv(f: 3, out: 5, pad: 0, stride: 1)), LayerSpec(name: "s2", kind: .sigmoid),
        LayerSpec(name: "p2", kind: .avgpool(f: 3)),
        LayerSpec(name: "fl", kind: .flatten), LayerSpec(name: "d1", kind: .dense(out: 12)), LayerSpec(name: "t3", kind: .tanh),
        LayerSpec(name: "d2", kind: .dense(out: 10)), LayerSpec(name: "s4", kind: .sigmoid), LayerSpec(name: "d3", kind: .dense(out: 10)),
        LayerSpec(name: "sm", kind: .softmax),
    ]
    var rng = RandomState(seed: 5)
    let net = try CNN(specs: specs, inputShape: [side, side, 1], seed: 100, rng: &rng)
    let set = randomImages(30, seed: 4)
    let idx = Array(0..<29)
    let trainer = CNNTrainer(net, precision: precision, batchSize: 29, shards: 2)
    let steps = TrainingPlan<Double>(net, batchSize: 29, shards: 1, threads: 1).steps
    guard steps.compactMap({ if case .activation(let g) = $0.kind { return g } else { return nil } }).first == Tanh.self,
          steps.contains(where: { if case .avgPool = $0.kind { return true } else { return false } }) else {
        Issue.record("the plan has no tanh or average-pooling step"); return
    }
    let fast = trainer.gradients(set, idx)
    let slow = net.backward(net.forward(set.batch(idx[...])), labels: idx.map { set.labels[$0] }).gradients.compactMap { $0 }
    let tolerance = precision == .float64 ? 1e-10 : 1e-4
    #expect(fast.count == slow.count && slow.count == 5)
    #expect(relativeDifference(fast.map { $0!.dW }, slow.map(\.dW)) < tolerance)
    #expect(relativeDifference(fast.map { $0!.db }, slow.map(\.db)) < tolerance)
    let loss = trainer.evaluate(set).loss
    let (_, l2) = net.evaluate(set)
    #expect(abs(loss - l2) / l2 < tolerance)
}

/// Dead filters, as the training path's evaluation finds them, are those the readable network's ReLU
/// outputs say: 0 at every position of every image of the set, for each conv layer a ReLU follows (c1,
/// whose ReLU the max-pool applies, and c3, which applies its own; c2 is followed by a pool first).
@Test(arguments: [Precision.float64, .float32])
func deadFiltersAreTheReadableNetworksZeroChannels(precision: Precision) throws {
    var net = try smallNetwork()
    // Two filters made dead: a bias far below anything their sums reach.
    var p = net.parameters
    p[1].storage[2] = -1000   // c1's bias, filter 2
    p[5].storage[0] = -1000   // c3's bias, filter 0
    net.parameters = p
    let set = randomImages(30, seed: 4)
    let evaluation = CNNTrainer(net, precision: precision, batchSize: 8, shards: 2).evaluate(set)
    let pass = net.forward(set.batch(Array(0..<30)[...]))
    // The readable outputs of r1 (after c1) and r4 (after c3), NHWC.
    let readable = [1, 7].map { layer -> [Int] in
        let t = pass.outputs[layer], c = t.shape[3]
        return (0..<c).filter { k in stride(from: k, to: t.count, by: c).allSatisfy { t.storage[$0] <= 0 } }
    }
    #expect(evaluation.deadFilters == readable, "\(evaluation.deadFilters) vs \(readable)")
    #expect(readable[0].contains(2) && readable[1].contains(0))
    #expect(evaluation.predictions.count == 30)
}
