// Measuring a network's health while it trains (TrainingHealth.swift) reads buffers and changes no
// bit of what is trained.
import Testing
@testable import Training
import Network
import Numerics

@Test(arguments: Precision.allCases)
func measuringHealthChangesNoBitOfTheWeights(precision: Precision) throws {
    let net = try smallNetwork()
    let set = randomImages(60, seed: 4)
    let rule = CNN.UpdateRule(learningRate: 0.1, lambda: 0.01, clip: 0.5, clipScope: .batch, batchSize: 16)
    func trained(measuring: Bool) -> [Tensor<Double>] {
        let trainer = CNNTrainer(net, precision: precision, batchSize: 16, shards: 2)
        trainer.measuresHealth = measuring
        var rng = RandomState(seed: 100)
        for _ in 0..<2 { _ = trainer.trainEpoch(set, rule: rule, rng: &rng) }
        #expect((trainer.lastHealth != nil) == measuring)
        return trainer.parameters
    }
    let with = trained(measuring: true), without = trained(measuring: false)
    #expect(zip(with, without).allSatisfy { $0.storage == $1.storage })
}

/// The activation sums run in SIMD lanes, in chunks: at every length around the lane and chunk edges
/// they equal the sums added one by one in Double (float32 lanes within a chunk, so to 1e-6).
@Test(arguments: [0, 1, 7, 8, 9, 1023, 1024, 1031, 5000, 108_160])
func activationSumsInLanesAreTheSumsOneByOne(n: Int) {
    var rng = RandomState(seed: UInt32(n % 1000))
    let values = (0..<n).map { _ in max(0, rng.standardNormal() * 2 + 0.5) }  // ReLU outputs: many zeros, the rest positive
    let floats = values.map(Float.init)
    let exact = floats.reduce((0.0, 0.0)) { ($0.0 + Double($1), $0.1 + Double($1) * Double($1)) }
    let (s, q) = floats.withUnsafeBufferPointer { ShardHealth.sums($0.baseAddress ?? UnsafePointer(bitPattern: 8)!, n) }
    #expect(abs(s - exact.0) <= 1e-6 * max(1, abs(exact.0)) && abs(q - exact.1) <= 1e-6 * max(1, abs(exact.1)), "\(s) \(q) against \(exact)")
    let doubles = values.reduce((0.0, 0.0)) { ($0.0 + $1, $0.1 + $1 * $1) }
    let (sd, qd) = values.withUnsafeBufferPointer { ShardHealth.sums($0.baseAddress ?? UnsafePointer(bitPattern: 8)!, n) }
    #expect(abs(sd - doubles.0) <= 1e-12 * max(1, abs(doubles.0)) && abs(qd - doubles.1) <= 1e-12 * max(1, abs(doubles.1)))
}
