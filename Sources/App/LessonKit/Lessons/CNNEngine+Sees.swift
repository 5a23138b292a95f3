// What the trained network sees, the questions a class asks once it is trained: what each filter
// looks for (its favourite patches of the test digits), why one digit was misread (its class scores,
// the pixels that pushed each score, and what hiding a part of it changes), and which digits sit in a
// cell of the confusion matrix.
import Foundation
import Network
import Numerics
import Rendering
import Training

extension CNNEngine {
    /// Patches per filter, and how many filters per layer the terminal shows (the PNG has them all).
    static let favouriteCount = 9
    static let filtersShown = 2
    /// The occluding square: its side and its gray.
    static let occluder = (size: 4, value: 0.5)

    /// `confusion-cell`: nil for auto, else the true and read digits (checked before anything runs).
    static func confusionCellSetting(_ settings: LessonSettings) throws -> (truth: Int, read: Int)? {
        let setting = settings.string("confusion-cell")
        guard setting != "auto" else { return nil }
        let parts = setting.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let t = parts[0], let p = parts[1], (0..<classes).contains(t), (0..<classes).contains(p) else {
            throw LessonError("\(settings.said("confusion-cell", flag: "--show-confusion")): give the true digit and the digit it was read as, each 0 to 9, e.g. --show-confusion 4,9.")
        }
        return (t, p)
    }

    /// `explain-image`: nil for auto, else the test image's index (within test-images).
    static func explainImageSetting(_ settings: LessonSettings) throws -> Int? {
        let setting = settings.string("explain-image"), images = settings.int("test-images")
        guard setting != "auto" else { return nil }
        guard let k = Int(setting.trimmingCharacters(in: .whitespaces)), k >= 0 else {
            throw LessonError("\(settings.said("explain-image", flag: "--set explain-image=")): give a test image's index (0 to \(images - 1)) or auto (the most confidently misread).")
        }
        guard k < images else {
            throw LessonError("\(settings.said("explain-image", flag: "--set explain-image=")) is past the \(NumberText.count(images, "test image")) (0 to \(images - 1)); choose a smaller index.")
        }
        return k
    }

    /// The test set's predictions on the fast path (the evaluation's), computed once.
    func ensureTestPredictions() throws -> [Int] {
        if let testPredictions { return testPredictions }
        let net = try ensureTrained()
        let (_, te) = try ensureData()
        let batch = min(settings.int("batch"), te.count)
        let p = (trainer ?? CNNTrainer(net, precision: trainedPrecision ?? .float64, batchSize: batch)).evaluate(te).predictions
        testPredictions = p
        return p
    }

    /// Every misread test digit, most confidently misread first: the probability the network gave its
    /// wrong answer and the right one (from the float64 reference layers on these images). Worked out
    /// once, for the evaluation's table and the steps after it.
    func ensureMisread() throws -> [(index: Int, label: Int, predicted: Int, confidence: Double, pTrue: Double)] {
        if misreadRanked { return misread }
        let net = try ensureTrained()
        let (_, te) = try ensureData()
        let pred = try ensureTestPredictions()
        let wrongIndices = zip(pred, te.labels).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        if !wrongIndices.isEmpty {
            let probabilities = net.forward(te.batch(wrongIndices[...])).probabilities
            misread = wrongIndices.enumerated().map { r, i in
                (index: i, label: te.labels[i], predicted: pred[i],
                 confidence: probabilities.storage[r * 10 + pred[i]], pTrue: probabilities.storage[r * 10 + te.labels[i]])
            }.sorted { ($0.confidence, -$0.index) > ($1.confidence, -$1.index) }
        }
        misreadRanked = true
        return misread
    }

    // MARK: Favourite patches

    func favouritePatches() throws {
        let net = try ensureTrained()
        let (_, te) = try ensureData()
        let convs = net.specs.indices.filter { net.specs[$0].kind is ConvKind && net.receptiveField(layer: $0, row: 0, column: 0) != nil }
        guard !convs.isEmpty else { out.say("patches.no-conv"); return }
        out.say("patches.intro", ["images": .int(te.count), "count": .int(Self.favouriteCount), "state": trainedState])
        let found = FavouritePatches.find(net, layers: convs, images: te, count: Self.favouriteCount)
        for layer in convs {
            let name = specs[layer].name
            let field = net.receptiveField(layer: layer, row: 0, column: 0)!
            guard let conv = net.layers[layer] as? Conv2D, let best = found[layer], !best.isEmpty else { continue }
            let (fh, fw) = (field.rows.count, field.columns.count)
            out.say(fh == conv.f && fw == conv.f ? "patches.layer-first" : "patches.layer-deeper",
                    ["layer": .text(name), "height": .int(fh), "width": .int(fw), "f": .int(conv.f)])
            // Dead: no patch of any test image gives a response above 0, so its ReLU passes 0 everywhere.
            // (Only a ReLU after it makes a filter that never responds dead: a tanh passes its negatives on.)
            let reluAfter = layer + 1 < specs.count && specs[layer + 1].kind is ReLU
            let dead = reluAfter ? best.indices.filter { k in (best[k].first?.activation ?? 0) <= 0 } : []
            if !dead.isEmpty { out.say("patches.dead", ["layer": .text(name), "filters": .index(dead)]) }
            // The terminal: the filters whose favourite patch they respond to most, strongest first.
            // (A deeper layer's patches are larger: one filter's fill the screen.)
            let shown = best.indices.filter { !dead.contains($0) }.sorted { (best[$0].first?.activation ?? 0) > (best[$1].first?.activation ?? 0) }
                .prefix(fh == conv.f ? Self.filtersShown : 1)
            for k in shown {
                let p = best[k]
                let captions: [Value] = p.map { .phrase(Phrase("patches.tile", ["activation": .number($0.activation)])) }
                var maps = TerminalMaps(p.map { $0.pixels.map { Double($0) / 255 } }, width: fw, height: fh, captions: captions)
                maps.inPNG = true
                out.maps(maps, caption: "patches.maps", ["layer": .text(name), "k": .int(k), "top": .number(p.first?.activation ?? 0),
                                                          "image": .int(p.first?.image ?? 0), "row": .int(p.first?.row ?? 0), "column": .int(p.first?.column ?? 0)])
            }
            if best.count > shown.count {
                out.say("patches.shown", ["shown": .int(shown.count), "filters": .int(best.count), "file": .text("favourite-patches-\(name).png")])
            }
            try drawFavourites(conv, best, layer: name, field: (fh, fw), dead: Set(dead))
        }
    }

    /// One row per filter: the filter itself (its weights summed over input channels, each on its own
    /// scale from darkest to brightest) then its favourite patches as the digits show them.
    func drawFavourites(_ conv: Conv2D, _ best: [[FavouritePatch]], layer: String, field: (h: Int, w: Int), dead: Set<Int>) throws {
        let values: [String: Value] = ["layer": .text(layer), "count": .int(Self.favouriteCount), "state": trainedState,
                                       "channels": .int(conv.inChannels)]
        try context.draw("favourite-patches-\(layer).png", .gallery, shows: "patches.picture", values) { text in
            var tiles = [Tile]()
            for (k, patches) in best.enumerated() {
                let f = conv.f
                let w = (0..<(f * f)).map { q in (0..<conv.inChannels).reduce(0.0) { $0 + conv.weights.storage[(k * f * f + q) * conv.inChannels + $1] } }
                let (lo, hi) = (w.min() ?? 0, w.max() ?? 1)
                tiles.append(Tile(width: f, height: f, values: w.map { hi > lo ? ($0 - lo) / (hi - lo) : 0.5 },
                                  caption: text(dead.contains(k) ? "patches.png-filter-dead" : "patches.png-filter", ["k": .int(k)])))
                for p in patches {
                    tiles.append(Tile(width: field.w, height: field.h, values: p.pixels.map { Double($0) / 255 },
                                      caption: text("patches.tile", ["activation": .number(p.activation)])))
                }
                for _ in patches.count..<Self.favouriteCount { tiles.append(Tile.blank) }
            }
            var grid = ImageGrid(title: text("patches.png-title", values), tiles: tiles, columns: Self.favouriteCount + 1,
                                 scale: max(4, 60 / max(field.h, field.w)), colormap: .gray, range: 0...1)
            grid.captionSize = 14
            return .grid(grid)
        }
    }

    // MARK: Why a digit was misread

    /// The test image `explain-image` names, or the most confidently misread one.
    func explainedImage() throws -> (index: Int, label: Int, predicted: Int, chosen: Bool)? {
        let (_, te) = try ensureData()
        let predictions = try ensureTestPredictions()
        if let k = try Self.explainImageSetting(settings), k < te.count { return (k, te.labels[k], predictions[k], true) }
        // The evaluation's ranking: its first is the most confidently misread.
        return try ensureMisread().first.map { ($0.index, $0.label, $0.predicted, false) }
    }

    func explain() throws {
        let net = try ensureTrained()
        let (_, te) = try ensureData()
        guard let chosen = try explainedImage() else { out.say("explain.none", ["images": .int(te.count)]); return }
        let (n, label, predicted) = (chosen.index, chosen.label, chosen.predicted)
        let x = te.batch([n][...])
        let (scores, probabilities, gradients) = net.scoreGradients(x, classes: [predicted, label])
        let classes = scores.count
        out.say(chosen.chosen ? "explain.intro-chosen" : "explain.intro-auto",
                ["index": .int(n), "label": .int(label), "predicted": .int(predicted), "p": .number(probabilities[predicted]), "state": trainedState])
        out.table(Table("explain.scores", columns: [.init("digit"), .init("score", format: ".3f"), .init("p", format: ".3e"), .init("", align: .left)],
                        rows: (0..<classes).map { k in
                            [.int(k), .number(scores[k]), .number(probabilities[k]),
                             k == predicted ? .phrase(Phrase("explain.read-mark")) : k == label ? .phrase(Phrase("explain.true-mark")) : .text("")]
                        }))
        // Which pixels pushed the digit towards the wrong class rather than the right one:
        // ∂(score predicted − score true)/∂x.
        let towards = zip(gradients[0].storage, gradients[1].storage).map { $0 - $1 }
        // Occlusion: p(true) and p(predicted) with the gray square at each place; per pixel, p(true)
        // averaged over the squares that cover it, so the map lies over the digit.
        let (size, gray) = Self.occluder
        let (places, occluded) = net.occluded(x, size: size, value: gray)
        let (h, w) = (te.height, te.width)
        var sum = [Double](repeating: 0, count: h * w), covered = [Double](repeating: 0, count: h * w)
        for (p, probs) in zip(places, occluded) {
            for r in p.row..<(p.row + size) { for c in p.column..<(p.column + size) { sum[r * w + c] += probs[label]; covered[r * w + c] += 1 } }
        }
        let pTrueMap = zip(sum, covered).map { $1 > 0 ? $0 / $1 : probabilities[label] }
        // The block that pushed hardest towards the wrong class: hiding it lowers p(predicted) most.
        let hardest = occluded.indices.min { (occluded[$0][predicted], $0) < (occluded[$1][predicted], $1) }!
        let block = places[hardest]
        let third = { (v: Int, n: Int) in min(2, (v + size / 2) * 3 / n) }
        out.say("explain.gradients", ["label": .int(label), "predicted": .int(predicted)])
        let digit = x.storage
        let bound = max(1e-300, towards.map(abs).max() ?? 1)
        var maps = TerminalMaps([towards, pTrueMap], width: w, height: h,
                                captions: [.phrase(Phrase("explain.map-towards", ["label": .int(label), "predicted": .int(predicted)])),
                                           .phrase(Phrase("explain.map-occluded", ["label": .int(label)]))])
        // p(true)'s scale fitted to the map: a confident mistake stays far below 1 everywhere, and an
        // untrained network's hardly moves.
        let low = pTrueMap.min() ?? 0, top = max(low + 1e-12, pTrueMap.max() ?? 1)
        maps.scales = [.init(lo: -bound, hi: bound, colormap: .diverging, signed: true), .init(lo: low, hi: top, colormap: .gray)]
        out.maps(maps, caption: "explain.maps", ["bound": .number(bound), "low": .number(low), "top": .number(top)])
        out.say("explain.block", ["row": .int(block.row), "last-row": .int(block.row + size - 1), "column": .int(block.column),
                                  "last-column": .int(block.column + size - 1),
                                  "where": .phrase(Phrase("explain.where", ["vertical": .phrase(Phrase(["explain.vertical-0", "explain.vertical-1", "explain.vertical-2"][third(block.row, h)])),
                                                                            "horizontal": .phrase(Phrase(["explain.horizontal-0", "explain.horizontal-1", "explain.horizontal-2"][third(block.column, w)]))])),
                                  "predicted": .int(predicted), "label": .int(label), "before": .number(probabilities[predicted]),
                                  "after": .number(occluded[hardest][predicted]), "true-after": .number(occluded[hardest][label]),
                                  "size": .int(size)])
        let values: [String: Value] = ["index": .int(n), "label": .int(label), "predicted": .int(predicted), "state": trainedState]
        try context.draw("explain-\(n).png", .inputGradient, shows: "explain.picture", values) { text in
            func grid(_ title: String, _ v: [Double], _ colormap: Colormap, _ range: ClosedRange<Double>, legend: String) -> PictureContent {
                var g = ImageGrid(title: title, tiles: [Tile(width: w, height: h, values: v)], columns: 1, scale: 8, colormap: colormap, range: range)
                g.showColorBar = true; g.legendCaption = legend
                return .grid(g)
            }
            let bp = max(1e-300, gradients[0].storage.map(abs).max() ?? 1), bt = max(1e-300, gradients[1].storage.map(abs).max() ?? 1)
            return .beside([grid(text("explain.png-digit", values), digit, .gray, 0...1, legend: text("pictures.pixel")),
                            grid(text("explain.png-towards", ["k": .int(predicted)]), gradients[0].storage, .diverging, -bp...bp, legend: text("explain.png-legend")),
                            grid(text("explain.png-towards", ["k": .int(label)]), gradients[1].storage, .diverging, -bt...bt, legend: text("explain.png-legend")),
                            grid(text("explain.png-occluded", ["label": .int(label), "size": .int(size)]), pTrueMap, .gray, low...top, legend: "p")])
        }
    }

    // MARK: The digits behind a confusion cell

    /// The test images of true class `t` read as `p`, most confident first: (index, p(read), p(true)).
    func confusionCell(_ t: Int, _ p: Int) throws -> [(index: Int, read: Double, truth: Double)] {
        // Off the diagonal, the evaluation's ranking of the misread digits already holds the cell.
        if t != p { return try ensureMisread().filter { $0.label == t && $0.predicted == p }.map { ($0.index, $0.confidence, $0.pTrue) } }
        let net = try ensureTrained()
        let (_, te) = try ensureData()
        let predictions = try ensureTestPredictions()
        let indices = te.labels.indices.filter { te.labels[$0] == t && predictions[$0] == p }
        guard !indices.isEmpty else { return [] }
        var out = [(index: Int, read: Double, truth: Double)]()
        for start in stride(from: 0, to: indices.count, by: 256) {
            let these = Array(indices[start..<min(indices.count, start + 256)])
            let probabilities = net.forward(te.batch(these[...])).probabilities
            let classes = probabilities.shape[1]
            for (r, i) in these.enumerated() { out.append((i, probabilities.storage[r * classes + p], probabilities.storage[r * classes + t])) }
        }
        return out.sorted { ($0.read, -$0.index) > ($1.read, -$1.index) }
    }

    /// The cells off the diagonal with the most test images, most first (ties: the smaller true, then
    /// predicted class).
    func mostConfused(_ confusion: [[Double]], count: Int) -> [(truth: Int, read: Int, images: Int)] {
        var cells = [(truth: Int, read: Int, images: Int)]()
        for t in confusion.indices { for p in confusion[t].indices where p != t && confusion[t][p] > 0 { cells.append((t, p, Int(confusion[t][p]))) } }
        return Array(cells.sorted { ($0.images, -$0.truth, -$0.read) > ($1.images, -$1.truth, -$1.read) }.prefix(count))
    }

    /// In the evaluation: the three cells most confused, in words, and their digits in confusions.png.
    func sayMostConfused(_ confusion: [[Double]]) throws {
        let cells = mostConfused(confusion, count: 3)
        guard !cells.isEmpty else { return }
        let named = cells.map { Value.phrase(Phrase("evaluate.confused-cell", ["truth": .int($0.truth), "read": .int($0.read), "images": .int($0.images)])) }
        out.say(["evaluate.confused-1", "evaluate.confused-2", "evaluate.confused-3"][named.count - 1], Dictionary(uniqueKeysWithValues: zip(["a", "b", "c"], named)))
        let (_, te) = try ensureData()
        let rows = try cells.map { try confusionCell($0.truth, $0.read).prefix(10) }
        try context.draw("confusions.png", .gallery, shows: "pictures.confusions", ["state": trainedState, "cells": .int(cells.count)]) { text in
            var tiles = [Tile]()
            let width = rows.map(\.count).max() ?? 1
            for row in rows {
                for m in row {
                    tiles.append(Tile(width: 28, height: 28, values: te.batch([m.index][...]).storage,
                                      caption: text("pictures.confusions-tile", ["index": .int(m.index), "p": .number((1000 * m.read).rounded(.down) / 10)])))
                }
                for _ in row.count..<width { tiles.append(Tile.blank) }
            }
            var grid = ImageGrid(title: text("pictures.confusions-title"), tiles: tiles, columns: width, scale: 4, colormap: .gray, range: 0...1)
            grid.captionSize = 14
            grid.rowLabels = cells.map { text("pictures.confusions-row", ["truth": .int($0.truth), "read": .int($0.read), "images": .int($0.images)]) }
            return .grid(grid)
        }
    }

    /// The step: the cell `confusion-cell` (or --show-confusion) names, or the largest off the diagonal.
    func showConfusionCell() throws {
        let (_, te) = try ensureData()
        let predictions = try ensureTestPredictions()
        var cell: (truth: Int, read: Int)
        let named = try Self.confusionCellSetting(settings)
        let chosen = named != nil
        if let named { cell = named } else {
            var counts = [[Double]](repeating: [Double](repeating: 0, count: Self.classes), count: Self.classes)
            for (p, y) in zip(predictions, te.labels) where p < Self.classes && y < Self.classes { counts[y][p] += 1 }
            guard let top = mostConfused(counts, count: 1).first else { out.say("confusion.none", ["images": .int(te.count)]); return }
            cell = (top.truth, top.read)
        }
        let images = try confusionCell(cell.truth, cell.read)
        let values: [String: Value] = ["truth": .int(cell.truth), "read": .int(cell.read), "images": .int(images.count), "state": trainedState]
        out.result(chosen ? "confusion.count-chosen" : "confusion.count-auto", values)
        guard !images.isEmpty else { return }
        let listed = images.prefix(10)
        out.table(Table("confusion.images", columns: [.init("index"), .init("p(read)", format: ".4f"), .init("p(true)", format: ".2e")],
                        rows: listed.map { [.int($0.index), .number($0.read), .number($0.truth)] }))
        if images.count > listed.count { out.say("confusion.more", ["shown": .int(listed.count), "images": .int(images.count)]) }
        let shown = images.prefix(6)
        out.maps(TerminalMaps(shown.map { te.batch([$0.index][...]).storage }, width: te.width, height: te.height,
                              captions: shown.map { .phrase(Phrase("confusion.map", ["index": .int($0.index)])) }))
        let drawn = images.prefix(100)
        try context.draw("confusion-\(cell.truth)-\(cell.read).png", .gallery, shows: "confusion.picture", values.merging(["drawn": .int(drawn.count)]) { $1 }) { text in
            let tiles = drawn.map { m in
                Tile(width: 28, height: 28, values: te.batch([m.index][...]).storage,
                     caption: text("pictures.confusions-tile", ["index": .int(m.index), "p": .number((1000 * m.read).rounded(.down) / 10)]))
            }
            var grid = ImageGrid(title: text("confusion.png-title", values), tiles: Array(tiles), columns: 10, scale: 4, colormap: .gray, range: 0...1)
            grid.captionSize = 14
            return .grid(grid)
        }
    }
}
