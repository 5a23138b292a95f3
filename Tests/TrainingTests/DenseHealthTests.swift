// Lessons 1 and 2's health figures (DenseHealth.swift) against the same figures worked out another way:
// from the readable layers' forward and backward passes (TwoLayerNetwork, LetterNetwork), element by
// element. Measuring changes no bit of the weights.
import Foundation
import Testing
@testable import Training
@testable import Network
@testable import Numerics

private func close(_ a: Double, _ b: Double, _ what: String) {
    #expect(abs(a - b) <= 1e-9 * max(1, abs(b)), "\(what): \(a) against \(b)")
}

private func rms(_ v: [Double]) -> Double { (v.reduce(0) { $0 + $1 * $1 } / Double(max(1, v.count))).squareRoot() }
private func meanAndSpread(_ v: [Double]) -> (Double, Double) {
    let m = v.reduce(0, +) / Double(v.count)
    return (m, (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count)).squareRoot())
}

/// Lesson 1: every iteration's figures, one block and several, equal those of the readable pass on the
/// weights before it; hidden unit 3 is made dead (negative weights and bias on pixels that are never
/// negative) and unit 7 nearly so, so the dead count is tested at 1, not only at 0.
@Test(arguments: [4096, 0])
func lessonOneHealthIsTheReadablePassWorkedOut(wholeUpTo: Int) throws {
    let (X, labels) = denseData(200, seed: 7)
    var rng = RandomState(seed: 2)
    var start = TwoLayerNetwork(rng: &rng)
    for k in 0..<784 { start.W1.storage[3 * 784 + k] = -0.5; start.W1.storage[7 * 784 + k] = -0.01 }
    start.b1.storage[3] = -1
    let rule = TwoLayerNetwork.GradientRule.tutorial(m: 260), alpha = 0.2
    var measured = start, plain = start
    var seen = [(BatchHealth, TwoLayerNetwork)]()
    _ = DenseTraining.gradientDescent(&measured, X, labels: labels, rule: rule, learningRate: alpha, iterations: 6, logEvery: 2,
                                      wholeUpTo: wholeUpTo, health: { seen.append(($0, $1)) })
    _ = DenseTraining.gradientDescent(&plain, X, labels: labels, rule: rule, learningRate: alpha, iterations: 6, logEvery: 2, wholeUpTo: wholeUpTo)
    #expect(measured.W1 == plain.W1 && measured.W2 == plain.W2 && measured.b1 == plain.b1 && measured.b2 == plain.b2)
    #expect(seen.count == 6)
    var net = start
    for (i, (h, after)) in seen.enumerated() {
        let f = net.forward(X, rule: rule), g = net.backward(f, labels: labels, rule: rule)
        var next = net
        next.update(g, learningRate: alpha)
        #expect(after.W1 == measured.W1 || i < seen.count - 1)
        let hidden = h.layers[0], output = h.layers[1]
        let (hm, hs) = meanAndSpread(f.A1.storage), (om, os) = meanAndSpread(f.A2.storage)
        close(hidden.activationMean, hm, "hidden mean, iteration \(i)"); close(hidden.activationSpread, hs, "hidden spread")
        close(output.activationMean, om, "output mean"); close(output.activationSpread, os, "output spread")
        let m = X.shape[1]
        let dead = (0..<10).filter { u in (0..<m).allSatisfy { f.A1.storage[u * m + $0] <= 0 } }.count
        #expect(hidden.dead == dead && dead >= 1, "iteration \(i): \(String(describing: hidden.dead)) dead, by hand \(dead)")
        #expect(output.dead == nil && output.saturated == nil && hidden.saturated == nil)
        close(hidden.gradientRMS, rms(g.dW1.storage), "dW1 rms"); close(output.gradientRMS, rms(g.dW2.storage), "dW2 rms")
        close(hidden.weightRMS, rms(net.W1.storage), "W1 rms"); close(output.weightRMS, rms(net.W2.storage), "W2 rms")
        close(hidden.updateRMS, rms(zip(next.W1.storage, net.W1.storage).map { $0 - $1 }), "W1 step rms")
        close(output.updateRMS, rms(zip(next.W2.storage, net.W2.storage).map { $0 - $1 }), "W2 step rms")
        close(hidden.updateRatio, alpha * rms(g.dW1.storage) / rms(net.W1.storage), "hidden update/weight")
        #expect(hidden.units == 10 && hidden.weights == 7840 && hidden.clipped == 0)
        net = next
    }
}

/// Lesson 2: an epoch measured trains the same bits as the tutorial's loop, and its figures are the
/// three letters' passes worked out: activations over the epoch's letters, saturated units (below 0.02
/// or above 0.98 for all three), the step as the weights after less before, the gradient the summed
/// adjustments.
@Test func lessonTwoHealthIsTheEpochWorkedOut() throws {
    var rng = RandomState(seed: 5)
    var net = LetterNetwork(inputs: 30, hidden: 5, outputs: 3, rng: &rng)
    // Hidden unit 2 pushed into its upper tail for every letter: saturated.
    for i in 0..<30 { net.w1.storage[i * 5 + 2] = 6 }
    let inputs = (0..<3).map { k in Tensor<Double>(shape: [1, 30], storage: (0..<30).map { ($0 * 7 + k * 3) % 5 < 2 ? 1 : 0 }) }
    let labels = (0..<3).map { k in Tensor<Double>(shape: [1, 3], storage: (0..<3).map { $0 == k ? 1 : 0 }) }
    for epoch in 0..<3 {
        var plain = net, measured = net
        let lossesPlain = plain.trainEpoch(inputs: inputs, labels: labels, learningRate: 0.5, lossDivisor: 3)
        let (losses, h) = LetterTraining.epoch(&measured, inputs: inputs, labels: labels, learningRate: 0.5, lossDivisor: 3)
        #expect(losses == lossesPlain && measured.w1 == plain.w1 && measured.w2 == plain.w2)
        // By hand: the same per-letter passes.
        var walk = net, a1 = [[Double]](), a2 = [[Double]]()
        var sum1 = [Double](repeating: 0, count: 150), sum2 = [Double](repeating: 0, count: 15)
        for (x, y) in zip(inputs, labels) {
            let f = walk.forward(x), g = walk.backward(f, y: y)
            a1.append(f.a1.storage); a2.append(f.a2.storage)
            for k in 0..<150 { sum1[k] += g.w1Adjust.storage[k] }
            for k in 0..<15 { sum2[k] += g.w2Adjust.storage[k] }
            walk.apply(g, learningRate: 0.5)
        }
        func saturated(_ a: [[Double]], _ units: Int) -> Int {
            (0..<units).filter { u in a.allSatisfy { $0[u] < 0.02 || $0[u] > 0.98 } }.count
        }
        let (m1, s1) = meanAndSpread(a1.flatMap { $0 }), (m2, s2) = meanAndSpread(a2.flatMap { $0 })
        close(h.layers[0].activationMean, m1, "hidden mean, epoch \(epoch)"); close(h.layers[0].activationSpread, s1, "hidden spread")
        close(h.layers[1].activationMean, m2, "output mean"); close(h.layers[1].activationSpread, s2, "output spread")
        #expect(h.layers[0].saturated == saturated(a1, 5) && h.layers[0].saturated! >= 1, "\(String(describing: h.layers[0].saturated))")
        #expect(h.layers[1].saturated == saturated(a2, 3) && h.layers[0].dead == nil)
        close(h.layers[0].gradientRMS, rms(sum1), "w1 adjustments rms"); close(h.layers[1].gradientRMS, rms(sum2), "w2 adjustments rms")
        close(h.layers[0].weightRMS, rms(net.w1.storage), "w1 rms")
        close(h.layers[0].updateRMS, rms(zip(walk.w1.storage, net.w1.storage).map { $0 - $1 }), "w1 step rms")
        close(h.layers[1].updateRMS, rms(zip(walk.w2.storage, net.w2.storage).map { $0 - $1 }), "w2 step rms")
        net = measured
    }
}
