// Lesson 3's training on the fast path (progress, interrupt, divergence, epoch rows, the weights
// file), its cost curves, and the evaluation on the test set.
import Datasets
import Foundation
import Network
import Training
import Numerics
import Rendering

extension CNNEngine {
    // MARK: Training

    @discardableResult
    func ensureTrained() throws -> CNN {
        if let trained { return trained }
        var net = try ensureInitial()
        if let loadedWeights {
            net.parameters = loadedWeights
            trained = net
            return net
        }
        let (tr, te) = try ensureData()
        let rule = updateRule
        let epochs = settings.int("epochs")
        // A batch larger than the data is the whole data: buffers for the images there are, not for `batch`.
        let trainer = CNNTrainer(net, precision: precision, batchSize: min(rule.batchSize, tr.count))
        self.trainer = trainer
        out.table(Table("train.epochs", columns: [.init("epoch", format: "5d"), .init("cost", format: ".6f"), .init("train acc", format: ".4f"),
                                                  .init("test acc", format: ".4f"), .init("clipped updates"), .init("of"), .init("entries clipped", format: ",")]))
        // The bar is this engine's own: batch by batch within each epoch, with images per second.
        let loop = TrainingLoop(context: context, learningRate: rule.learningRate, unit: "epoch", total: epochs, bar: false)
        let batchesPerEpoch = (tr.count + rule.batchSize - 1) / rule.batchSize
        let health = HealthLog(layers: parameterLayerNames, batchesPerEpoch: batchesPerEpoch, learningRate: rule.learningRate)
        self.health = health
        func warn(_ warnings: [HealthLog.Warning], _ progress: Progress?) {
            guard !warnings.isEmpty else { return }
            progress?.finish()
            for phrase in health.phrases(warnings) { out.emit(.warning(phrase)) }
            fflush(stdout)
        }
        // --watch: the screen replaces the progress bar; what the stream prints meanwhile waits for it.
        let watch = loop.startWatching(steps: epochs * batchesPerEpoch)
        defer { loop.endWatching() }
        let started = Date()
        func frame(epoch e: Int, batch: Int, rate: Double?, eta: Double?) -> WatchFrame {
            var f = WatchFrame()
            f.title = context.file.title
            f.epoch = e; f.epochs = epochs; f.batch = batch; f.batches = batchesPerEpoch
            f.imagesPerSecond = rate; f.remaining = eta
            f.points = batchLosses
            f.testAccuracy = history.map { (Double($0.epoch), $0.testAccuracy) }
            f.layers = health.layers
            f.health = health.batches.last?.health
            if let w = trainer.parameters.first { f.showFilters(health.layers.first ?? "", w) }
            f.warnings = health.said
            return f
        }
        for e in 1...epochs {
            let start = Date()
            let progress = Progress("epoch \(e)/\(epochs)", total: (tr.count + rule.batchSize - 1) / rule.batchSize)
            var previous = (seen: 0, sum: 0.0, right: 0.0)
            let c = trainer.trainEpoch(tr, rule: rule, rng: &rng, progress: { done, total, running, accuracy in
                // This batch's own mean cross-entropy and share classified right (before its update), from
                // the running figures before and after it.
                let seen = min(done * rule.batchSize, tr.count), sum = running * Double(seen), right = accuracy * Double(seen)
                if seen > previous.seen {
                    let images = Double(seen - previous.seen)
                    batchLosses.append((Double(e - 1) + Double(done) / Double(total), (sum - previous.sum) / images, (right - previous.right) / images))
                    if let h = trainer.lastHealth { warn(health.batch(epoch: e, batch: done, loss: (sum - previous.sum) / images, h), progress) }
                }
                previous = (seen, sum, right)
                let elapsed = Date().timeIntervalSince(start)
                let rate = Double(min(done * rule.batchSize, tr.count)) / max(elapsed, 1e-9)
                let eta = Double(tr.count) / rate * Double(epochs - e + 1) - elapsed
                if let watch { watch.show(frame(epoch: e, batch: done, rate: rate, eta: eta)) }
                else { progress.update(done, figures: [("loss", running, ".4f"), ("img/s", rate, ".0f")], remaining: eta) }
                _ = total
                Interrupt.batchTrained(epoch: e, batch: done)
            }, shouldStop: { loop.stopRequested })
            progress.finish()
            guard c.finiteLoss, trainer.parameters.allSatisfy({ $0.storage.allSatisfy(\.isFinite) }) else {
                throw loop.diverged("in epoch \(e), batch \(c.updates + 1)", then: "; no weights file was written")
            }
            let batches = (tr.count + rule.batchSize - 1) / rule.batchSize
            if c.updates < batches {
                throw loop.interrupted("in epoch \(e) after batch \(c.updates) of \(batches) (\(NumberText.count(history.count, "full epoch")) done)",
                                       curves: { try plotCost(partial: true) }, then: "; no weights file was written")
            }
            let trainEvaluation = trainer.evaluate(tr)
            let (trainPred, trainLoss) = (trainEvaluation.predictions, trainEvaluation.loss)
            let testPred = trainer.evaluate(te).predictions
            let record = EpochRecord(epoch: e, cost: (trainLoss + trainer.sumOfSquaredWeights) / Double(tr.count),
                                     trainAccuracy: CNN.accuracy(trainPred, tr.labels), testAccuracy: CNN.accuracy(testPred, te.labels),
                                     clippedEntries: c.clippedEntries, clippedUpdates: c.clippedUpdates, updates: c.updates,
                                     seconds: Date().timeIntervalSince(start))
            history.append(record)
            // Printed as each epoch ends, so a long run shows its progress even when not on a terminal.
            // No timings here: a seed must print the same bytes every run (speed is on the progress line).
            let epochHealth = health.endEpoch(e)
            loop.ended(e, figures: record.figures.merging(epochHealth?.figures ?? [:]) { a, _ in a }, row: [.int(e), .number(record.cost), .number(record.trainAccuracy), .number(record.testAccuracy),
                                                         .int(c.clippedUpdates), .int(c.updates), .int(c.clippedEntries)])
            if let epochHealth {
                out.emit(.health(epochHealth.line))
                warn(epochHealth.warnings, nil)
            }
            watch?.show(frame(epoch: e, batch: batchesPerEpoch, rate: Double(tr.count * e) / max(1e-9, Date().timeIntervalSince(started)), eta: nil), force: true)
            fflush(stdout)
        }
        net = trainer.network
        trained = net
        let url = try context.outputURL("weights.lnw")
        try AtomicFile.write(bytes: WeightsFile.encode(net), to: url)
        wroteWeights = true
        out.wrote(url, shows: "train.weights-file", ["epochs": .int(epochs)])
        return net
    }

    /// The conv and dense layers, in order: the layers whose health is measured.
    var parameterLayerNames: [String] { specs.filter { $0.kind is ConvKind || $0.kind is DenseKind }.map(\.name) }

    var clipScope: CNN.ClipScope { CNN.ClipScope(rawValue: settings.string("clip-scope"))! }
    var updateRule: CNN.UpdateRule {
        CNN.UpdateRule(learningRate: settings.double("learning-rate"), lambda: settings.double("lambda"),
                       clip: settings.double("clip"), clipScope: clipScope, batchSize: settings.int("batch"))
    }

    func trainNetwork() throws {
        let (tr, te) = try ensureData()
        if let w = context.weightsFile {
            try ensureTrained()
            out.result("train.loaded", ["file": .text(out.relativePath(w))])
            return
        }
        out.say("train.plan", ["epochs": .int(settings.int("epochs")), "images": .int(tr.count), "batch": .int(settings.int("batch")), "test": .int(te.count)])
        out.say("train.precision", ["precision": .text(precision.rawValue),
                                    "shards": .int(CNNTrainer.defaultShards), "per": .int(CNNTrainer.imagesPerShard(batch: settings.int("batch")))])
        out.say("health.intro", ["unit": .text("epoch")])
        try ensureTrained()
        let last = history.last!
        out.result("train.result", ["epochs": .int(last.epoch), "train": .number(last.trainAccuracy), "test": .number(last.testAccuracy)])
        out.note(clipScope == .batch ? "train.cost-note-batch" : "train.cost-note-image")
    }

    func plotCost(partial: Bool = false) throws {
        if !partial { try ensureTrained() }
        // Stopped within the first epoch, the batches so far are still a curve worth keeping.
        guard !history.isEmpty || (partial && batchLosses.count > 1) else { if !partial { out.say("plot-cost.no-history") }; return }
        // The per-batch loss as a thin line under the per-epoch cost, so a one-epoch run shows a curve;
        // costs are never negative, so the axis starts at 0; epochs are whole numbers.
        let (history, batchLosses) = (self.history, self.batchLosses)
        // The x axis spans the epochs done and, stopped mid-epoch, the running epoch's batches.
        let epochs = Double(max(1, history.count, Int((batchLosses.map(\.x).filter(\.isFinite).max() ?? 0).rounded(.up))))
        try context.draw("cost.png", .curves, shows: "pictures.cost", ["epochs": .int(history.count), "batches": .int(batchLosses.count)]) { text in
            var cost = LinePlot(title: text("pictures.cost-title"), xLabel: text("pictures.x-epoch"), yLabel: text("pictures.cost-y"),
                                series: [Series(name: text("pictures.cost-series-epoch"), y: history.map(\.cost)),
                                         Series(name: text("pictures.cost-series-batch"), x: batchLosses.map(\.x), y: batchLosses.map(\.loss))],
                                yRange: 0...max(1e-12, (history.map(\.cost) + batchLosses.map(\.loss)).filter(\.isFinite).max() ?? 1) * 1.05)
            cost.series[0].dots = true
            cost.series[1].lineWidth = 1.5
            cost.series[1].dots = false
            cost.wholeXTicks = true
            cost.xRange = 0...epochs
            return .curves(cost)
        }
        // Accuracy in percent, the axis spanning the data (within 0 to 100). A short run (under 5 epochs)
        // also draws each mini-batch's accuracy (the share its forward pass got right, just before the
        // update), so one epoch is a curve and not two lone dots; a long run's epochs say enough.
        let running = history.count < 5 ? batchLosses.compactMap { b in b.accuracy.map { (x: b.x, y: 100 * $0) } } : []
        let accuracies = history.flatMap { [100 * $0.trainAccuracy, 100 * $0.testAccuracy] } + running.map(\.y)
        let (lo, hi) = (accuracies.min() ?? 0, accuracies.max() ?? 100)
        let pad = max(0.5, (hi - lo) * 0.1)
        try context.draw("accuracy.png", .curves, shows: "pictures.accuracy", ["epochs": .int(history.count)]) { text in
            var accuracy = LinePlot(title: text("pictures.accuracy-title"), xLabel: text("pictures.x-epoch"), yLabel: text("pictures.accuracy-y"),
                                    series: [Series(name: text("pictures.accuracy-train"), y: history.map { 100 * $0.trainAccuracy }),
                                             Series(name: text("pictures.accuracy-test"), y: history.map { 100 * $0.testAccuracy })],
                                    yRange: max(0, lo - pad)...min(100, hi + pad))
            accuracy.series[0].dots = true; accuracy.series[1].dots = true
            if !running.isEmpty {
                var batches = Series(name: text("pictures.accuracy-train-batches"), x: running.map(\.x), y: running.map(\.y))
                batches.lineWidth = 1.5; batches.dots = false
                accuracy.series.append(batches)
            }
            accuracy.wholeXTicks = true
            accuracy.xRange = 0...epochs
            return .curves(accuracy)
        }
        try plotHealth()
    }

    /// health.png: each layer's update size (log10 of update/weight, beside the 1e-3 guide) and, for the
    /// layers with a ReLU, the share of its units dead, batch by batch.
    func plotHealth() throws {
        // This run's measurements, or those a --weights run restored from the run.json that trained them.
        let batches: [(x: Double, figures: [String: Double])]
        if let health, !health.batches.isEmpty {
            batches = health.batches.map { ($0.x, HealthLog.batchFigures($0.health, layers: health.layers)) }
        } else if !restoredBatchHealth.isEmpty, restoredBatchHealth.count == batchLosses.count, restoredBatchHealth.contains(where: { !$0.isEmpty }) {
            batches = zip(batchLosses, restoredBatchHealth).map { ($0.x, $1) }
        } else { return }
        let epochs = Double(max(1, Int((batches.last?.x ?? 1).rounded(.up))))
        try HealthPicture.draw(context, steps: batches, layers: parameterLayerNames, xRange: 0...epochs, xKey: "pictures.x-epoch", wholeXTicks: true,
                               shows: "pictures.health", ["epochs": .int(history.count), "batches": .int(batches.count)])
    }

    func evaluate() throws {
        let net = try ensureTrained()
        let (_, te) = try ensureData()
        let precision = trainedPrecision ?? .float64, batch = min(settings.int("batch"), te.count)
        let evaluation = (trainer ?? CNNTrainer(net, precision: precision, batchSize: batch)).evaluate(te)
        let pred = evaluation.predictions
        // Weights so large their products overflow (1e300 in a weights file) give outputs that are not
        // numbers: an accuracy from them would be the argmax of NaNs, not a measurement.
        guard evaluation.loss.isFinite || evaluation.loss == .infinity && net.parameters.allSatisfy({ $0.storage.allSatisfy { abs($0) < 1e30 } }) else {
            let largest = net.parameters.map { $0.storage.map(abs).max() ?? 0 }.max() ?? 0
            throw LessonError("with \(context.weightsFile.map { "the weights in " + out.relativePath($0) } ?? "these weights") the network's outputs on the test images are not finite numbers (its largest weight is \(NumberText.short(largest))): no accuracy can be measured. Use weights that lesson trained, or train again.")
        }
        testPredictions = pred
        let correct = zip(pred, te.labels).filter { $0 == $1 }.count
        evaluatedAccuracy = Double(correct) / Double(te.count)
        out.result("evaluate.result", ["correct": .int(correct), "images": .int(te.count), "accuracy": .number(Double(correct) / Double(te.count))])
        try sayDeadFilters(trained: evaluation, initial: CNNTrainer(try ensureInitial(), precision: precision, batchSize: batch).evaluate(te), images: te.count)
        let confusion = out.confusion("evaluate.confusion", pred, te.labels)
        let values: [String: Value] = ["state": trainedState, "images": .int(te.count), "accuracy": .number(100 * Double(correct) / Double(te.count))]
        try context.draw("confusion.png", .confusion, shows: "pictures.confusion", values) { text in
            .table(DigitPictures.confusion(confusion, title: text("pictures.confusion-title", values), rows: text("pictures.true-digit"),
                                           columns: text("pictures.predicted-digit"), legend: text("pictures.images"), cellSize: 56))
        }
        try sayMostConfused(confusion)
        // The misread digits, most confidently misread first, so a teacher picks one to trace.
        guard !(try ensureMisread()).isEmpty else { return }
        out.table(Table("evaluate.misread", columns: [.init("index"), .init("true"), .init("predicted"), .init("confidence", format: ".4f"),
                                                      .init("p(true)", format: ".2e")],
                        rows: misread.prefix(5).map { [.int($0.index), .int($0.label), .int($0.predicted), .number($0.confidence), .number($0.pTrue)] }))
        out.say("evaluate.misread-more", ["shown": .int(min(5, misread.count)), "count": .int(misread.count), "index": .int(misread[0].index)])
        let shown = misread.prefix(40)
        try context.draw("misclassified.png", .gallery, shows: "pictures.misclassified", ["state": trainedState, "shown": .int(shown.count)]) { text in
            let tiles = shown.map { m in
                // The confidence truncated, not rounded: 99.98% is not 100%.
                Tile(width: 28, height: 28, values: te.batch([m.index][...]).storage,
                     caption: text("pictures.misclassified-tile", ["index": .int(m.index), "label": .int(m.label), "predicted": .int(m.predicted),
                                                                  "confidence": .number((1000 * m.confidence).rounded(.down) / 10)]))
            }
            var grid = ImageGrid(title: text("pictures.misclassified-title"), tiles: Array(tiles), columns: 8, scale: 5, colormap: .gray, range: 0...1)
            grid.captionSize = 14  // the smallest text a projector shows
            return .grid(grid)
        }
    }

    /// Filters dead on the test set (CNNTrainer.Evaluation's definition), at initialisation and trained:
    /// which stayed dead, which died in training, which came back.
    func sayDeadFilters(trained: CNNTrainer.Evaluation, initial: CNNTrainer.Evaluation, images: Int) throws {
        // The conv layers a ReLU follows, in order: the ones the evaluation measures.
        let convs = specs.indices.filter { specs[$0].kind is ConvKind && $0 + 1 < specs.count && specs[$0 + 1].kind is ReLU }.map { specs[$0].name }
        let after = trained.deadFilters, before = initial.deadFilters
        guard after.count == before.count, after.count == convs.count else { return }
        let state = trainedState
        var lines = [(String, [String: Value])]()
        for (k, layer) in convs.enumerated() {
            let still = after[k].filter(before[k].contains), became = after[k].filter { !before[k].contains($0) }
            let revived = before[k].filter { !after[k].contains($0) }
            for (key, filters) in [("evaluate.dead-still", still), ("evaluate.dead-became", became), ("evaluate.dead-revived", revived)] where !filters.isEmpty {
                lines.append((key, ["layer": .text(layer), "filters": .index(filters), "state": state]))
            }
        }
        deadFilters = after
        if lines.isEmpty { out.say("evaluate.dead-none", ["images": .int(images), "state": state]); return }
        out.say("evaluate.dead-intro", ["images": .int(images)])
        for (key, values) in lines { out.say(key, values) }
    }
}
