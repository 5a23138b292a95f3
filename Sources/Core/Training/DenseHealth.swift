// The health of lessons 1 and 2 (the same figures as lesson 3's, TrainingHealth.swift), for their
// two dense layers: lesson 1's from the training path's own buffers after each full-batch iteration,
// lesson 2's from the tutorial's per-letter passes over one epoch. Reading them changes no bit.
import Network
import Numerics

extension LayerHealth {
    /// A dense layer whose activations are `units` rows of `perUnit` values each (a unit's values
    /// contiguous, the tutorials' (units, images) layout), its weights before the step and after it, and
    /// the gradient the step used. `gate` judges the units: a ReLU's are dead when a row has no positive
    /// value; a sigmoid's saturated when every value of the row is in its flat tails.
    static func dense(activations a: UnsafePointer<Double>, units: Int, perUnit: Int, gate: HealthSource.Gate,
                      before: [Double], after: [Double], gradient: [Double]) -> LayerHealth {
        let total = units &* perUnit
        let (s, q) = ShardHealth.sums(a, total)
        let n = Double(max(1, total)), mean = s / n
        var inactive = 0
        for u in 0..<units {
            let row = UnsafeBufferPointer(start: a + u &* perUnit, count: perUnit)
            switch gate {
            case .relu: if !row.contains(where: { $0 > 0 }) { inactive += 1 }
            case .flatTails(let middle): if !row.contains(where: middle.contains) { inactive += 1 }
            case .none: break
            }
        }
        func squares(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 } }
        var step = 0.0
        for (w0, w1) in zip(before, after) { step += (w1 - w0) * (w1 - w0) }
        let w = Double(max(1, before.count))
        var dead: Int?, saturated: Int?
        switch gate {
        case .relu: dead = inactive
        case .flatTails: saturated = inactive
        case .none: break
        }
        return LayerHealth(activationMean: mean, activationSpread: max(0, q / n - mean * mean).squareRoot(), readAfterPool: false,
                           units: units, dead: dead, saturated: saturated, gradientRMS: (squares(gradient) / w).squareRoot(),
                           weightRMS: (squares(before) / w).squareRoot(), updateRMS: (step / w).squareRoot(),
                           clipped: 0, weights: before.count)
    }
}

extension DensePlan {
    /// Lesson 1 after one iteration: the hidden layer (ReLU, A1) and the output layer (softmax, A2) over
    /// every training image, the set the iteration's one step was taken on.
    func health(before: TwoLayerNetwork, after: TwoLayerNetwork, dW1: Tensor<Double>, dW2: Tensor<Double>) -> BatchHealth {
        BatchHealth(layers: [
            .dense(activations: A1, units: hidden, perUnit: m, gate: .relu, before: before.W1.storage, after: after.W1.storage, gradient: dW1.storage),
            .dense(activations: A2, units: outputs, perUnit: m, gate: .none, before: before.W2.storage, after: after.W2.storage, gradient: dW2.storage),
        ])
    }
}

public enum LetterTraining {
    /// One epoch of lesson 2 as LetterNetwork.trainEpoch runs it (the same bits), and its health: the
    /// set is the epoch's letters (each seen just before its own update), the step is the epoch's
    /// updates together (the weights after it less those before), the gradient their sum of adjustments.
    public static func epoch(_ net: inout LetterNetwork, inputs: [Tensor<Double>], labels: [Tensor<Double>], learningRate: Double,
                             lossDivisor: Int) -> (losses: [Double], health: BatchHealth) {
        let before = net
        var hidden = [[Double]](repeating: [], count: net.w1.columns), output = [[Double]](repeating: [], count: net.w2.columns)
        var w1Adjust = [Double](repeating: 0, count: net.w1.count), w2Adjust = [Double](repeating: 0, count: net.w2.count)
        let losses = net.trainEpoch(inputs: inputs, labels: labels, learningRate: learningRate, lossDivisor: lossDivisor) { f, g in
            for (u, v) in f.a1.storage.enumerated() { hidden[u].append(v) }
            for (u, v) in f.a2.storage.enumerated() { output[u].append(v) }
            for k in w1Adjust.indices { w1Adjust[k] += g.w1Adjust.storage[k] }
            for k in w2Adjust.indices { w2Adjust[k] += g.w2Adjust.storage[k] }
        }
        let tails = HealthSource.Gate.flatTails(Sigmoid.unsaturated ?? 0.02...0.98)
        func layer(_ rows: [[Double]], _ w0: Tensor<Double>, _ w1: Tensor<Double>, _ g: [Double]) -> LayerHealth {
            let flat = rows.flatMap { $0 }, values = flat.isEmpty ? [0] : flat
            return values.withUnsafeBufferPointer { p in
                .dense(activations: p.baseAddress!, units: rows.count, perUnit: flat.count / max(1, rows.count), gate: tails,
                       before: w0.storage, after: w1.storage, gradient: g)
            }
        }
        return (losses, BatchHealth(layers: [layer(hidden, before.w1, net.w1, w1Adjust), layer(output, before.w2, net.w2, w2Adjust)]))
    }
}
