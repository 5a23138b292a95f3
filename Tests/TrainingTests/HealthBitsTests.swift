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
