// A training's health as it goes: every batch's per-layer figures (TrainingHealth.swift), gathered
// per epoch for run.json and the epoch's line, and the moments the lesson must say something in words:
// a layer's units dying, its updates exploding or vanishing, the loss diverging. Each is said once.
import Foundation
import Training

final class HealthLog {
    /// What one measurement is, and how its place is said: a mini-batch within an epoch (lesson 3), a
    /// full-batch iteration (lesson 1, counted from 0 as the tutorial does), or an epoch (lesson 2).
    enum Step: String { case batch, iteration, epoch }

    /// The parameter layers' names, first first.
    let layers: [String]
    let step: Step
    /// Measurements in one block: a health line and run.json's figures are each block's (lesson 3: the
    /// batches of an epoch; lessons 1 and 2: a fifth of the run or so).
    let batchesPerEpoch: Int
    /// Every measurement: its place on the x axis (lesson 3: in epochs; lesson 1: the iteration, from 0;
    /// lesson 2: the epoch, from 1), its mean loss and its figures.
    private(set) var batches: [(x: Double, loss: Double, health: BatchHealth)] = []
    private var epochStart = 0
    /// Which warnings were given already (each once).
    private var given: Set<String> = []
    private var smallRun: [Int]
    private var largeRun: [Int]
    private var firstLoss: Double?

    /// Update-to-weight ratios past these are exploding or vanishing (Karpathy's guide is about 1e-3):
    /// exploding on two batches in a row (one early batch of the tutorial's own settings passes 1e-1 in
    /// conv2 and then settles), or at once when one step is as large as the weights themselves.
    static let exploding = 1e-1
    static let explodingAtOnce = 1.0
    static let vanishing = 1e-5
    /// Vanishing is said after this many batches in a row (or the whole of a shorter epoch).
    static let vanishingRun = 10
    /// The loss diverges when a batch's mean loss is over this many times the first batch's.
    static let divergingFactor = 2.0

    /// Where a measurement was taken.
    enum Place: Equatable {
        case batch(epoch: Int, batch: Int)
        case iteration(Int)
        case epoch(Int)
    }

    /// A block of measurements: lesson 3's epoch; lesson 1's iterations first...last; lesson 2's epochs.
    struct Block: Equatable {
        let step: Step
        let index: Int
        let first: Int, last: Int
    }

    enum Warning: Equatable {
        /// Layers whose updates exploded on the same batch, said together; `ratio` the largest.
        case exploding(layers: [Int], ratio: Double, at: Place)
        case vanishing(layers: [Int], ratio: Double, run: Int, step: Step)
        case dead(layer: Int, least: Int, units: Int, block: Block)
        case diverging(loss: Double, first: Double, at: Place)
    }

    /// The learning rate the warnings' advice starts from.
    let learningRate: Double
    /// Every warning said so far, in the lesson's words, oldest first (the watch screen shows the last).
    private(set) var said: [Phrase] = []

    init(layers: [String], batchesPerEpoch: Int, step: Step = .batch, learningRate: Double) {
        self.layers = layers; self.batchesPerEpoch = max(1, batchesPerEpoch); self.step = step; self.learningRate = learningRate
        smallRun = Array(repeating: 0, count: layers.count); largeRun = smallRun
    }

    /// `warnings` in the lesson's words, remembered as said.
    func phrases(_ warnings: [Warning]) -> [Phrase] {
        let p = warnings.map { $0.phrase(layers: layers, learningRate: learningRate) }
        said += p
        return p
    }

    /// Measurement `batch` (from 1) of block `epoch` (from 1), with mean loss `loss`: what to say now.
    func batch(epoch: Int, batch: Int, loss: Double, _ health: BatchHealth) -> [Warning] {
        let count = (epoch - 1) * batchesPerEpoch + batch
        let place: Place
        switch step {
        case .batch: place = .batch(epoch: epoch, batch: batch)
        case .iteration: place = .iteration(count - 1)
        case .epoch: place = .epoch(count)
        }
        let x: Double
        switch step {
        case .batch: x = Double(epoch - 1) + Double(batch) / Double(batchesPerEpoch)
        case .iteration: x = Double(count - 1)
        case .epoch: x = Double(count)
        }
        batches.append((x, loss, health))
        var out = [Warning]()
        var exploding = [(Int, Double)](), vanishing = [(Int, Double)]()
        // A block shorter than the run asked for (lessons 1 and 2 have one measurement per block).
        let run = step == .batch ? min(Self.vanishingRun, batchesPerEpoch) : Self.vanishingRun
        for (k, l) in health.layers.enumerated() where k < layers.count {
            let r = l.updateRatio
            largeRun[k] = r > Self.exploding ? largeRun[k] + 1 : 0
            if largeRun[k] >= 2 || r >= Self.explodingAtOnce, once("exploding \(k)") { exploding.append((k, r)) }
            smallRun[k] = r < Self.vanishing ? smallRun[k] + 1 : 0
            if smallRun[k] >= run, once("vanishing \(k)") { vanishing.append((k, r)) }
        }
        if !exploding.isEmpty {
            out.append(.exploding(layers: exploding.map(\.0), ratio: exploding.map(\.1).max()!, at: place))
        }
        if !vanishing.isEmpty {
            out.append(.vanishing(layers: vanishing.map(\.0), ratio: vanishing.map(\.1).max()!, run: run, step: step))
        }
        if let first = firstLoss {
            if loss.isFinite, loss > Self.divergingFactor * first, once("diverging") {
                out.append(.diverging(loss: loss, first: first, at: place))
            }
        } else if loss.isFinite { firstLoss = loss }
        return out
    }

    /// The block just ended: its figures per layer for run.json (`LAYER.update_ratio`, `LAYER.dead`, …),
    /// its one line, and what to say of it.
    func endEpoch(_ epoch: Int) -> (figures: [String: Double], line: HealthLine, warnings: [Warning])? {
        let these = batches[epochStart...].map(\.health)
        let firstCount = epochStart + 1, lastCount = batches.count
        epochStart = batches.count
        guard !these.isEmpty else { return nil }
        let block: Block
        switch step {
        case .batch: block = Block(step: step, index: epoch, first: epoch, last: epoch)
        case .iteration: block = Block(step: step, index: epoch, first: firstCount - 1, last: lastCount - 1)
        case .epoch: block = Block(step: step, index: epoch, first: firstCount, last: lastCount)
        }
        var figures = [String: Double](), line = [HealthLine.Layer](), warnings = [Warning]()
        for (k, name) in layers.enumerated() {
            let l = these.compactMap { $0.layers.indices.contains(k) ? $0.layers[k] : nil }
            guard !l.isEmpty else { continue }
            let n = Double(l.count)
            func mean(_ f: (LayerHealth) -> Double) -> Double { l.map(f).reduce(0, +) / n }
            // The ratio's typical size: the geometric mean (its mean log), as the guide reads it, of the
            // steps that moved the weights at all (0 when none did: every unit dead, say).
            let moved = l.map(\.updateRatio).filter { $0 > 0 }
            let ratio = moved.isEmpty ? 0 : Foundation.exp(moved.map { Foundation.log($0) }.reduce(0, +) / Double(moved.count))
            let dead = l.allSatisfy { $0.dead != nil } ? mean { $0.deadShare ?? 0 } : nil
            let saturated = l.allSatisfy { $0.saturated != nil } ? mean { $0.saturatedShare ?? 0 } : nil
            figures["\(name).update_ratio"] = ratio
            figures["\(name).gradient_rms"] = mean(\.gradientRMS)
            figures["\(name).activation_mean"] = mean(\.activationMean)
            figures["\(name).activation_spread"] = mean(\.activationSpread)
            figures["\(name).clipped"] = Double(l.map(\.clipped).reduce(0, +)) / Double(max(1, l.map(\.clippable).reduce(0, +)))
            if let dead { figures["\(name).dead"] = dead }
            if let saturated { figures["\(name).saturated"] = saturated }
            line.append(HealthLine.Layer(name: name, updateRatio: ratio, dead: dead, saturated: saturated))
            // Over half its units dead on every batch of the block.
            let least = l.compactMap(\.dead).min() ?? 0
            if l.allSatisfy({ ($0.deadShare ?? 0) > 0.5 }), once("dead \(k)") {
                warnings.append(.dead(layer: k, least: least, units: l[0].units, block: block))
            }
        }
        let unit = step == .batch ? "epoch" : step.rawValue
        return (figures, HealthLine(unit: unit, index: block.last, first: block.first == block.last ? nil : block.first, layers: line), warnings)
    }

    /// One batch's figures as run.json keeps them beside its loss: each layer's update ratio, the share
    /// of its weight gradient clipped, and its dead or saturated share.
    static func batchFigures(_ h: BatchHealth, layers: [String]) -> [String: Double] {
        var out = [String: Double]()
        for (name, l) in zip(layers, h.layers) {
            out["\(name).update_ratio"] = l.updateRatio
            out["\(name).clipped"] = l.clippedShare
            if let d = l.deadShare { out["\(name).dead"] = d }
            if let s = l.saturatedShare { out["\(name).saturated"] = s }
        }
        return out
    }

    private func once(_ what: String) -> Bool { given.insert(what).inserted }
}

extension HealthLog.Place {
    /// "in epoch 1, batch 2", "at iteration 37", "in epoch 12"
    var phrase: Phrase {
        switch self {
        case .batch(let e, let b): return Phrase("health.at-batch", ["epoch": .int(e), "batch": .int(b)])
        case .iteration(let i): return Phrase("health.at-iteration", ["iteration": .int(i)])
        case .epoch(let e): return Phrase("health.at-epoch", ["epoch": .int(e)])
        }
    }
}

extension HealthLog.Block {
    /// "epoch 3", "iterations 0-99", "epochs 1-20"
    var phrase: Phrase {
        first == last ? Phrase("health.block-one", ["unit": .text(step == .batch ? "epoch" : step.rawValue), "index": .int(last)])
                      : Phrase("health.block-range", ["unit": .text(step.rawValue), "first": .int(first), "last": .int(last)])
    }
}

extension HealthLog.Warning {
    /// "conv1", "conv1 and conv2", "conv1, conv2 and dense1"
    static func names(_ n: [String]) -> String {
        n.count <= 1 ? n.joined() : n.dropLast().joined(separator: ", ") + " and " + n.last!
    }

    /// The warning in the lesson's words (`health.*`), with what to try.
    func phrase(layers: [String], learningRate: Double) -> Phrase {
        let lr: [String: Value] = ["lr": .number(learningRate), "smaller": .number(learningRate / 10), "larger": .number(learningRate * 10)]
        switch self {
        case .exploding(let ks, let ratio, let at):
            return Phrase("health.exploding", lr.merging(["layers": .text(Self.names(ks.map { layers[$0] })), "ratio": .number(ratio), "log": .number(log10(ratio)),
                                                          "at": .phrase(at.phrase)]) { $1 })
        case .vanishing(let ks, let ratio, let run, let step):
            return Phrase(ratio > 0 ? "health.vanishing" : "health.vanishing-still", lr.merging(["layers": .text(Self.names(ks.map { layers[$0] })), "ratio": .number(ratio),
                                                          "log": .number(log10(max(ratio, 1e-300))),
                                                          "run": .phrase(Phrase("health.run-\(step.rawValue)", ["count": .int(run)])),
                                                          "init": .phrase(Phrase("health.dead-init"))]) { $1 })
        case .dead(let k, let least, let units, let block):
            return Phrase("health.dead", lr.merging(["layer": .text(layers[k]), "dead": .int(least), "units": .int(units),
                                                     "step": .text(block.step.rawValue), "block": .phrase(block.phrase),
                                                     "init": .phrase(Phrase("health.dead-init"))]) { $1 })
        case .diverging(let loss, let first, let at):
            let step: String
            switch at { case .batch: step = "batch"; case .iteration: step = "iteration"; case .epoch: step = "epoch" }
            return Phrase("health.diverging", lr.merging(["loss": .number(loss), "first": .number(first), "at": .phrase(at.phrase),
                                                          "step": .text(step)]) { $1 })
        }
    }
}
