// Lesson 3 against numpy (Tests/make_cnn_fixture.py): the tutorial's He initialisation drawn exactly,
// the first epoch's batch order, and the first mini-batch in Double to 1e-9: every gradient tensor
// whole before clipping, then every weight and bias after the update (batch- and image-scoped clipping).
import Foundation
import Testing
@testable import LessonKit
import Datasets
import Network
import Training
import Numerics

struct CNNFixture: Decodable {
    let conv1_init, conv1_bias_init, conv2_init_first, dense1_init_first, dense2_init, dense2_bias_init: [String]
    let conv2_init_sum, dense1_init_sum, first_batch_loss: String
    let first_batch: [Int]
    let after: [String: [String]]
    let clipped_entries: Int
    let conv2_one_draw_first: [String]
    let conv2_one_draw_bias: [String]
    let after_image_clip: ImageClip
    struct ImageClip: Decodable {
        let conv1, conv2_first, dense1_row7, dense2: [String]
        let dense1_clipped, dense2_clipped: Int
    }
}

func tutorialSpecs() throws -> [LayerSpec] {
    let file = try LessonFile.load(repositoryRoot.appendingPathComponent("Lessons/03-cnn.md"))
    return try NetworkBlock.parse(file.blocks["network"]!, file: file.path, input: [28, 28, 1])
}

@Test func cnnInitialisationAndFirstUpdateMatchNumpy() throws {
    let f = try loadJSON("cnn_first_batch.json", as: CNNFixture.self)
    var rng = RandomState(seed: 0)
    var net = try CNN(specs: try tutorialSpecs(), inputShape: [28, 28, 1], seed: 100, rng: &rng)
    guard case let c1 as Conv2D = net.layers[0], case let c2 as Conv2D = net.layers[3],
          case let d1 as Dense = net.layers[6], case let d2 as Dense = net.layers[8] else { Issue.record("unexpected layers"); return }
    // Drawn exactly as numpy draws them.
    #expect(c1.weights.storage == f.conv1_init.map { Double($0)! })
    #expect(c1.bias.storage == f.conv1_bias_init.map { Double($0)! })
    #expect(Array(c2.weights.storage.prefix(50)) == f.conv2_init_first.map { Double($0)! })
    #expect(Array(d1.weights.storage.prefix(50)) == f.dense1_init_first.map { Double($0)! })
    #expect(d2.weights.storage == f.dense2_init.map { Double($0)! })
    expectClose([c2.weights.sum(), d1.weights.sum()], [f.conv2_init_sum, f.dense1_init_sum], "weight sums")

    // The vectorised code's single draw of all filters, (f, f, C_in, C_out), seen in our (C_out, f, f, C_in) order.
    var scratch = RandomState(seed: 0)
    let one = Conv2D(f: 5, inChannels: 10, outChannels: 16, seed: 100, draw: .oneDraw, rng: &scratch)
    #expect(Array(one.weights.storage.prefix(50)) == f.conv2_one_draw_first.map { Double($0)! })
    #expect(one.bias.storage == f.conv2_one_draw_bias.map { Double($0)! })

    // The first epoch's shuffle continues the stream left by the last layer's init.
    var order = Array(0..<60000)
    rng.shuffle(&order)
    #expect(Array(order.prefix(20)) == f.first_batch)

    let (train, _) = try MNIST.load(.train, from: repositoryRoot.appendingPathComponent("Lessons/data/mnist"))
    let set = ImageSet(pixels: train.pixels, labels: train.labels.map(Int.init), height: 28, width: 28)
    let idx = order[0..<512]
    let labels = idx.map { set.labels[$0] }
    let pass = net.forward(set.batch(idx))
    expectClose([SoftmaxCrossEntropy.loss(pass.probabilities, labels: labels)], [f.first_batch_loss], "first batch loss")
    let before = net
    let grads = net.backward(pass, labels: labels)

    // Every tensor whole: first the raw summed gradients, before any clipping ...
    let whole = try TensorFixture("cnn_first_batch_tensors.bin.gz", index: try loadJSON("cnn_trace.json", as: CNNTrace.self).tensors)
    let layerNames = [0: "conv1", 3: "conv2", 6: "dense1", 8: "dense2"]
    for (i, name) in layerNames.sorted(by: { $0.key < $1.key }) {
        let g = try #require(grads.gradients[i], "\(name) has gradients")
        expectWhole(g.dW.storage, shape: g.dW.shape, try whole("grad/\(name)"), "\(name) dW, raw")
        expectWhole(g.db.storage, shape: g.db.shape, try whole("grad/\(name)_bias"), "\(name) db, raw")
    }
    #expect(grads.gradients.enumerated().filter { $0.element != nil }.map(\.offset) == [0, 3, 6, 8])

    // ... then the clipped, decayed update of every weight and bias.
    let clipped = net.update(grads.gradients, rule: CNN.UpdateRule(learningRate: 0.1, lambda: 0.01, clip: 0.5, batchSize: 512))
    #expect(clipped == f.clipped_entries)
    func expectParameters(_ n: CNN, _ group: String) throws {
        for (i, name) in layerNames.sorted(by: { $0.key < $1.key }) {
            let (w, b): (Tensor<Double>, Tensor<Double>)
            switch n.layers[i] {
            case let c as Conv2D: (w, b) = (c.weights, c.bias)
            case let d as Dense: (w, b) = (d.weights, d.bias)
            default: Issue.record("layer \(i) is not \(name)"); continue
            }
            expectWhole(w.storage, shape: w.shape, try whole("\(group)/\(name)"), "\(name) weights, \(group)")
            expectWhole(b.storage, shape: b.shape, try whole("\(group)/\(name)_bias"), "\(name) biases, \(group)")
        }
    }
    try expectParameters(net, "after")
    // The JSON's excerpts still agree with the whole tensors (the two files come from one script run).
    guard case let a2 as Conv2D = net.layers[3], case let e2 as Dense = net.layers[8] else { return }
    expectClose(Array(a2.weights.storage.prefix(100)), f.after["conv2_first"]!, "conv2 after")
    expectClose(e2.bias.storage, f.after["dense2_bias"]!, "dense2 biases after (lr 0.01)")

    // clip-scope image: each image's dense gradient clipped before the sum, conv gradients unclipped.
    // Checked here on the float64 training path (the readable layers' per-image loops are slow in a
    // debug build); TrainerTests shows the readable layers give the training path's result.
    let imageRule = CNN.UpdateRule(learningRate: 0.1, lambda: 0.01, clip: 0.5, clipScope: .image, batchSize: 512)
    let g = f.after_image_clip
    let trainer = CNNTrainer(before, precision: .float64, batchSize: 512, shards: 2)
    let fast = trainer.gradients(set, Array(idx), perImageClip: 0.5)  // one per layer with parameters
    #expect(fast.map { $0!.clippedEntries } == [0, 0, g.dense1_clipped, g.dense2_clipped])
    // The conv gradients are not clipped per image: the training path's equal numpy's raw ones.
    expectWhole(fast[0]!.dW.storage, try whole("grad/conv1"), "conv1 dW on the training path")
    expectWhole(fast[1]!.dW.storage, try whole("grad/conv2"), "conv2 dW on the training path")
    var perLayer = [CNN.ParameterGradients?](repeating: nil, count: before.layers.count)
    for (k, i) in [0, 3, 6, 8].enumerated() { perLayer[i] = fast[k] }
    var viaTrainer = before
    #expect(viaTrainer.update(perLayer, rule: imageRule) == g.dense1_clipped + g.dense2_clipped)
    try expectParameters(viaTrainer, "after_image_clip")
}

@Test func cnnNaivePathMatchesVectorisedOnTheTutorialNetwork() throws {
    var rng = RandomState(seed: 3)
    let net = try CNN(specs: try tutorialSpecs(), inputShape: [28, 28, 1], seed: 100, rng: &rng)
    let x = Tensor<Double>(shape: [2, 28, 28, 1], storage: rng.rand(2 * 784).storage)
    let a = net.forward(x), b = net.forward(x, naive: true)
    #expect(a.probabilities.maxAbsDifference(b.probabilities) < 1e-10)
    let ga = net.backward(a, labels: [3, 8]), gb = net.backward(b, labels: [3, 8], naive: true)
    for i in net.layers.indices {
        if let g = ga.gradients[i], let h = gb.gradients[i] {
            #expect(g.dW.maxAbsDifference(h.dW) < 1e-10 && g.db.maxAbsDifference(h.db) < 1e-10, "layer \(i)")
        }
    }
}
