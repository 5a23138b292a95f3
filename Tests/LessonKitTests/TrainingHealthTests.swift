// The health figures (TrainingHealth.swift) from the fast path's buffers against numpy's, worked out
// by hand on one small batch (Tests/make_health_fixture.py).
import Foundation
import Testing
@testable import Training
import Network
import Numerics

private struct HealthFixture {
    let set: ImageSet
    let rule: CNN.UpdateRule
    let cases: [(activation: String, parameters: [[Double]], layers: [[String: Any]])]

    init() throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtureURL("health_batch.json"))) as! [String: Any]
        let side = json["side"] as! Int, batch = json["batch"] as! Int
        set = ImageSet(pixels: (json["images"] as! [Int]).map { UInt8($0) }, labels: json["labels"] as! [Int], height: side, width: side)
        rule = CNN.UpdateRule(learningRate: json["learning_rate"] as! Double, lambda: json["lambda"] as! Double,
                              clip: json["clip"] as! Double, clipScope: .batch, batchSize: batch)
        cases = (json["cases"] as! [[String: Any]]).map { c in
            let parameters = (c["parameters"] as! [Any]).map { flatten($0) }
            return (c["dense_activation"] as! String, parameters, c["layers"] as! [[String: Any]])
        }
    }

    static let shapes = [[4, 3, 3, 1], [4], [3, 3, 3, 4], [3], [6, 12], [6], [3, 6], [3]]

    func network(_ activation: String, _ parameters: [[Double]]) throws -> CNN {
        let specs: [LayerSpec] = [
            LayerSpec(name: "conv1", kind: .conv(f: 3, out: 4, pad: 0, stride: 1)), LayerSpec(name: "r1", kind: .relu),
            LayerSpec(name: "pool1", kind: .maxpool(f: 2)),
            LayerSpec(name: "conv2", kind: .conv(f: 3, out: 3, pad: 0, stride: 1)), LayerSpec(name: "r2", kind: .relu),
            LayerSpec(name: "flat", kind: .flatten),
            LayerSpec(name: "dense1", kind: .dense(out: 6)),
            activation == "relu" ? LayerSpec(name: "a3", kind: .relu) : LayerSpec(name: "a3", kind: .sigmoid),
            LayerSpec(name: "dense2", kind: .dense(out: 3)), LayerSpec(name: "sm", kind: .softmax),
        ]
        return try CNN(specs: specs, inputShape: [set.height, set.width, 1],
                       parameters: zip(Self.shapes, parameters).map { Tensor(shape: $0, storage: $1) })
    }
}

private func flatten(_ v: Any) -> [Double] {
    if let d = v as? Double { return [d] }
    if let n = v as? NSNumber { return [n.doubleValue] }
    return (v as! [Any]).flatMap(flatten)
}

private func number(_ v: Any?) -> Double { Double(v as! String)! }

@Test(arguments: [Precision.float64, .float32], [1, 3])
func healthFiguresOfOneBatchAreNumpys(precision: Precision, shards: Int) throws {
    let fixture = try HealthFixture()
    let tolerance = precision == .float64 ? 1e-9 : 2e-4
    for c in fixture.cases {
        let trainer = CNNTrainer(try fixture.network(c.activation, c.parameters), precision: precision, batchSize: fixture.rule.batchSize, shards: shards)
        var rng = RandomState(seed: 1)
        _ = trainer.trainEpoch(fixture.set, rule: fixture.rule, rng: &rng)
        let health = try #require(trainer.lastHealth)
        #expect(health.layers.count == c.layers.count)
        for (k, (mine, theirs)) in zip(health.layers, c.layers).enumerated() {
            func close(_ a: Double, _ key: String) {
                let b = number(theirs[key])
                #expect(abs(a - b) <= tolerance * max(abs(b), 1e-3), "\(c.activation) layer \(k) \(key): \(a) against numpy's \(b)")
            }
            close(mine.activationMean, "mean"); close(mine.activationSpread, "spread")
            close(mine.gradientRMS, "gradient_rms"); close(mine.weightRMS, "weight_rms"); close(mine.updateRMS, "update_rms")
            #expect(mine.units == theirs["units"] as! Int)
            #expect(mine.weights == theirs["weights"] as! Int)
            #expect(mine.dead == theirs["dead"] as? Int, "\(c.activation) layer \(k) dead")
            #expect(mine.saturated == theirs["saturated"] as? Int, "\(c.activation) layer \(k) saturated")
            // float32 may land an entry on the other side of the bound
            if precision == .float64 { #expect(mine.clipped == theirs["clipped"] as! Int) }
            else { #expect(abs(mine.clipped - (theirs["clipped"] as! Int)) <= 1) }
            #expect(mine.readAfterPool == (k == 0))
        }
    }
    // The fixture has something to count: dead units under the ReLU, saturated ones under the sigmoid.
    #expect((fixture.cases[0].layers[2]["dead"] as! Int) > 0)
    #expect((fixture.cases[1].layers[2]["saturated"] as! Int) > 0)
}
