// Lesson 2 against the tutorial's own numpy code run with np.random.seed(0)
// (Tests/make_letters_fixture.py): weights, first-sample quantities, losses and predictions.
import Foundation
import Testing
import Datasets
import Network
import Numerics

struct LettersFixture: Decodable {
    let w1_initial, w2_initial, loss, acc, acc_repr, w1_final, w2_final: [String]
    let first_sample: [String: [String]]
    let predictions: [Int]
    let a2_text, d1_text: String
    let outputs: [[String]]
}

func expectClose(_ ours: [Double], _ numpy: [String], relative: Double = 1e-9, _ what: String) {
    #expect(ours.count == numpy.count, "\(what): \(ours.count) values, numpy has \(numpy.count)")
    for (a, s) in zip(ours, numpy) {
        let b = Double(s)!
        let ok = abs(a - b) <= relative * max(abs(b), 1e-300) || abs(a - b) < 1e-15
        if !ok { Issue.record("\(what): \(a) vs numpy \(b)"); return }
    }
}

@Test func lettersMatchNumpyForSeedZero() throws {
    let f = try loadJSON("letters_seed0.json", as: LettersFixture.self)
    var rng = RandomState(seed: 0)
    var net = LetterNetwork(inputs: 30, hidden: 5, outputs: 3, rng: &rng)
    // Weights are drawn exactly as numpy draws them: equal, not merely close.
    #expect(net.w1.storage == f.w1_initial.map { Double($0)! })
    #expect(net.w2.storage == f.w2_initial.map { Double($0)! })

    let cache = net.forward(Letters.input(0))
    let g = net.backward(cache, y: Letters.label(0))
    for (name, t) in [("z1", cache.z1), ("a1", cache.a1), ("z2", cache.z2), ("a2", cache.a2), ("d2", g.d2), ("d1", g.d1),
                      ("w1_adj", g.w1Adjust), ("w2_adj", g.w2Adjust)] {
        expectClose(t.storage, f.first_sample[name]!, name)
    }
    var stepped = net
    stepped.apply(g, learningRate: 0.1)
    expectClose(stepped.w1.storage, f.first_sample["w1"]!, "w1 after one update")

    let inputs = (0..<3).map(Letters.input), labels = (0..<3).map(Letters.label)
    var losses = [Double]()
    for _ in 0..<100 {
        let l = net.trainEpoch(inputs: inputs, labels: labels, learningRate: 0.1, lossDivisor: 3)
        losses.append(l.reduce(0, +) / 3)
    }
    expectClose([losses[0]], [f.loss[0]], "loss after epoch 1")
    expectClose([losses[99]], [f.loss[99]], "loss after epoch 100")
    expectClose(losses, f.loss, "every epoch's loss")
    expectClose(losses.map { (1 - $0) * 100 }, f.acc, "tutorial acc")
    expectClose(net.w1.storage, f.w1_final, "final w1")
    expectClose(net.w2.storage, f.w2_final, "final w2")
    #expect((0..<3).map { net.predict(inputs[$0]) } == f.predictions)
    for i in 0..<3 { expectClose(net.forward(inputs[i]).a2.storage, f.outputs[i], "output for letter \(i)") }
}
