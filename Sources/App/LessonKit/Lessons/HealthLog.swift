// A training's health as it goes: every batch's per-layer figures (TrainingHealth.swift), gathered
// per epoch for run.json and the epoch's line, and the moments the lesson must say something in words:
// a layer's units dying, its updates exploding or vanishing, the loss diverging. Each is said once.
import Foundation
import Training

final class HealthLog {
    /// The parameter layers' names, first first.
    let layers: [String]
    /// Batches in one epoch (iterations: 1 per "epoch" of the loop).
    let batchesPerEpoch: Int
    /// Every batch measured: its place in epochs, its mean loss and its figures.
    private(set) var batches: [(x: Double, loss: Double, health: BatchHealth)] = []
    private var epochStart = 0
    private var said: Set<String> = []
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

    enum Warning: Equatable {
        /// Layers whose updates exploded on the same batch, said together; `ratio` the largest.
        case exploding(layers: [Int], ratio: Double, epoch: Int, batch: Int)
        case vanishing(layers: [Int], ratio: Double, batches: Int)
        case dead(layer: Int, least: Int, units: Int, epoch: Int)
        case diverging(loss: Double, first: Double, epoch: Int, batch: Int)
    }

    init(layers: [String], batchesPerEpoch: Int) {
        self.layers = layers; self.batchesPerEpoch = max(1, batchesPerEpoch)
        smallRun = Array(repeating: 0, count: layers.count); largeRun = smallRun
    }

    /// Batch `batch` (from 1) of epoch `epoch` (from 1) trained, with mean loss `loss`: what to say now.
    func batch(epoch: Int, batch: Int, loss: Double, _ health: BatchHealth) -> [Warning] {
        batches.append((Double(epoch - 1) + Double(batch) / Double(batchesPerEpoch), loss, health))
        var out = [Warning]()
        var exploding = [(Int, Double)](), vanishing = [(Int, Double)]()
        for (k, l) in health.layers.enumerated() where k < layers.count {
            let r = l.updateRatio
            largeRun[k] = r > Self.exploding ? largeRun[k] + 1 : 0
            if largeRun[k] >= 2 || r >= Self.explodingAtOnce, once("exploding \(k)") { exploding.append((k, r)) }
            smallRun[k] = r < Self.vanishing ? smallRun[k] + 1 : 0
            if smallRun[k] >= min(Self.vanishingRun, batchesPerEpoch), once("vanishing \(k)") { vanishing.append((k, r)) }
        }
        if !exploding.isEmpty {
            out.append(.exploding(layers: exploding.map(\.0), ratio: exploding.map(\.1).max()!, epoch: epoch, batch: batch))
        }
        if !vanishing.isEmpty {
            out.append(.vanishing(layers: vanishing.map(\.0), ratio: vanishing.map(\.1).max()!, batches: min(Self.vanishingRun, batchesPerEpoch)))
        }
        if let first = firstLoss {
            if loss.isFinite, loss > Self.divergingFactor * first, once("diverging") {
                out.append(.diverging(loss: loss, first: first, epoch: epoch, batch: batch))
            }
        } else if loss.isFinite { firstLoss = loss }
        return out
    }

    /// The epoch just ended: its figures per layer for run.json (`LAYER.update_ratio`, `LAYER.dead`, …),
    /// its one line, and what to say of it.
    func endEpoch(_ epoch: Int, unit: String = "epoch") -> (figures: [String: Double], line: HealthLine, warnings: [Warning])? {
        let these = batches[epochStart...].map(\.health)
        epochStart = batches.count
        guard !these.isEmpty else { return nil }
        var figures = [String: Double](), line = [HealthLine.Layer](), warnings = [Warning]()
        for (k, name) in layers.enumerated() {
            let l = these.compactMap { $0.layers.indices.contains(k) ? $0.layers[k] : nil }
            guard !l.isEmpty else { continue }
            let n = Double(l.count)
            func mean(_ f: (LayerHealth) -> Double) -> Double { l.map(f).reduce(0, +) / n }
            // The ratio's typical size: the geometric mean (its mean log), as the guide reads it.
            let ratio = Foundation.exp(mean { Foundation.log(max($0.updateRatio, 1e-300)) })
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
            // Over half its units dead on every batch of the epoch.
            let least = l.compactMap(\.dead).min() ?? 0
            if l.allSatisfy({ ($0.deadShare ?? 0) > 0.5 }), once("dead \(k)") {
                warnings.append(.dead(layer: k, least: least, units: l[0].units, epoch: epoch))
            }
        }
        return (figures, HealthLine(unit: unit, index: epoch, layers: line), warnings)
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

    private func once(_ what: String) -> Bool { said.insert(what).inserted }
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
        case .exploding(let ks, let ratio, let epoch, let batch):
            return Phrase("health.exploding", lr.merging(["layers": .text(Self.names(ks.map { layers[$0] })), "ratio": .number(ratio), "log": .number(log10(ratio)),
                                                          "epoch": .int(epoch), "batch": .int(batch)]) { $1 })
        case .vanishing(let ks, let ratio, let batches):
            return Phrase("health.vanishing", lr.merging(["layers": .text(Self.names(ks.map { layers[$0] })), "ratio": .number(ratio),
                                                          "log": .number(log10(max(ratio, 1e-300))), "batches": .int(batches)]) { $1 })
        case .dead(let k, let least, let units, let epoch):
            return Phrase("health.dead", lr.merging(["layer": .text(layers[k]), "dead": .int(least), "units": .int(units), "epoch": .int(epoch)]) { $1 })
        case .diverging(let loss, let first, let epoch, let batch):
            return Phrase("health.diverging", lr.merging(["loss": .number(loss), "first": .number(first), "epoch": .int(epoch), "batch": .int(batch)]) { $1 })
        }
    }
}
