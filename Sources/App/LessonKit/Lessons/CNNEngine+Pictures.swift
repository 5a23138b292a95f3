// Lesson 3's pictures: filter banks before and after training, feature maps and errors of the
// traced image, each titled with the network state it shows.
import Datasets
import Foundation
import Network
import Training
import Numerics
import Rendering

extension CNNEngine {
    /// The network state a picture shows: the seeded initialisation, or after training (or loaded).
    var trainedState: Value {
        // Loaded weights whose training is known (their run.json) are described by it, as that run did.
        if context.weightsFile != nil, history.isEmpty { return .phrase(Phrase("state.with", ["weights": .phrase(loadedDescription)])) }
        return .phrase(Phrase("state.after", ["epochs": .int(history.count)]))
    }

    /// A filter bank's colour scale, symmetric around 0: ± its own largest |w|, so its picture spans
    /// the whole colour range (a scale fixed for the trained weights left the initial ones pastel). The
    /// before/after comparison puts both banks on one scale, the larger, and says so.
    func filterBound(_ c: Conv2D) -> Double { max(1e-12, c.weights.storage.map(abs).max() ?? 1) }

    /// A conv layer's filters, one tile per (filter, input channel), on the layer's fixed scale; `reserve`
    /// keeps room for the other picture's title, so before and after have the same size.
    func filterGrid(_ c: Conv2D, bound: Double, title: String, reserve: String?, text: PictureText) -> ImageGrid {
        var tiles = [Tile]()
        for co in 0..<c.outChannels {
            for ci in 0..<c.inChannels {
                let v = (0..<(c.f * c.f)).map { k in c.weights.storage[(co * c.f * c.f + k) * c.inChannels + ci] }
                tiles.append(Tile(width: c.f, height: c.f, values: v, caption: c.inChannels == 1 ? text("filters.png-tile", ["k": .int(co)]) : ""))
            }
        }
        var grid = ImageGrid(title: title, tiles: tiles, columns: c.inChannels == 1 ? min(10, c.outChannels) : c.inChannels,
                             scale: c.f <= 3 ? 24 : 10, colormap: .diverging, range: -bound...bound)
        grid.showColorBar = true; grid.legendCaption = text("pictures.weight"); grid.reserveTitle = reserve
        if c.inChannels > 1 {
            grid.rowLabels = (0..<c.outChannels).map(String.init); grid.columnLabels = (0..<c.inChannels).map(String.init)
            grid.rowAxisTitle = text("filters.png-rows"); grid.columnAxisTitle = text("filters.png-columns")
        }
        return grid
    }

    func drawFilters(_ net: CNN, suffix: String) throws {
        drawnFilters.insert(suffix)
        let before = suffix == "before"
        for (i, layer) in net.layers.enumerated() {
            guard let c = layer as? Conv2D else { continue }
            let bound = filterBound(c)
            var values: [String: Value] = ["layer": .text(specs[i].name), "state": trainedState, "bound": .number(bound)]
            let (title, other) = before ? ("filters.png-title-initial", "filters.png-title-trained") : ("filters.png-title-trained", "filters.png-title-initial")
            try context.draw("\(specs[i].name)-filters-\(suffix).png", .filters, shows: before ? "filters.png-initial" : "filters.png-trained", values) { text in
                .grid(self.filterGrid(c, bound: bound, title: text(title, values), reserve: text(other, values), text: text))
            }
            if c.inChannels == 1 {
                let filters = (0..<c.outChannels).map { co in Array(c.weights.storage[(co * c.f * c.f)..<((co + 1) * c.f * c.f)]) }
                out.maps(TerminalMaps(filters, width: c.f, height: c.f, captions: (0..<c.outChannels).map { .text("W\($0)") },
                                      lo: -bound, hi: bound, colormap: .diverging),
                         caption: "filters.caption", ["layer": .text(specs[i].name), "when": before ? .phrase(Phrase("filters.when-initial")) : trainedState])
            }
            // After training, each single-channel layer's filters before and after side by side.
            if !before, c.inChannels == 1, let c0 = try ensureInitial().layers[i] as? Conv2D {
                let bound = max(bound, filterBound(c0))
                values["bound"] = .number(bound)
                try context.draw("\(specs[i].name)-filters-compared.png", .filters, shows: "filters.png-compared", values) { text in
                    var both = self.filterGrid(c, bound: bound, title: text("filters.png-title-compared", values), reserve: nil, text: text)
                    both.tiles = self.filterGrid(c0, bound: bound, title: "", reserve: nil, text: text).tiles + both.tiles
                    both.rowLabels = [text("filters.png-row-initial"), text("filters.png-row-trained")]
                    return .grid(both)
                }
            }
        }
    }

    func showFilters() throws {
        // The initialisation step drew the "before" grids already (muted or not); each picture once.
        if !drawnFilters.contains("before") { try drawFilters(try ensureInitial(), suffix: "before") }
        try drawFilters(try ensureTrained(), suffix: "after")
    }

    /// One image's (1, H, W, C) activations (or δ, `errors`) as a grid of channels, written as `file`.
    func drawChannels(_ t: Tensor<Double>, layer: String, errors: Bool, state: Value, file: String) throws {
        // Ctrl-C in a step of the step-through stops it before its next picture.
        try Interrupt.check("before drawing \(file)")
        let (_, te) = try ensureData()
        let idx = settings.int("trace-image")
        // Errors, and activations that go below zero (tanh's), on a scale centred on 0.
        let signed = errors || t.storage.contains { $0 < 0 }
        let maps = (0..<t.shape[3]).map { channel(t, $0).storage }
        let values: [String: Value] = ["layer": .text(layer), "state": state, "index": .int(idx), "label": .int(te.labels[idx])]
        try context.draw(file, .maps, shows: errors ? "maps.png-deltas" : "maps.png-features", values) { text in
            let tiles = maps.indices.map { c in Tile(width: t.shape[2], height: t.shape[1], values: maps[c], caption: text("maps.png-tile", ["c": .int(c)])) }
            var grid = ImageGrid(title: text(errors ? "maps.png-title-deltas" : "maps.png-title-features", values),
                                 tiles: tiles, columns: 8, scale: max(4, 120 / t.shape[1]), colormap: signed ? .diverging : .sequential)
            grid.centredOnZero = signed; grid.showColorBar = true; grid.legendCaption = errors ? "δ" : text("maps.png-activation")
            return .grid(grid)
        }
    }

    func featureMaps() throws {
        let net = try ensureTrained()
        let (_, te) = try ensureData()
        let idx = settings.int("trace-image")
        let x = te.batch([idx][...])
        let pass = net.forward(x)
        let back = net.backward(pass, labels: [te.labels[idx]])
        for (i, s) in specs.enumerated() {
            let isConv = s.kind is ConvKind
            let isPool = s.kind is any PoolingKind
            guard isConv || isPool else { continue }
            let out = isConv ? (followingActivation(i).map { pass.outputs[$0] } ?? pass.outputs[i]) : pass.outputs[i]
            try drawChannels(out, layer: s.name, errors: false, state: trainedState, file: "\(s.name)-feature-maps.png")
            if isConv, let d = back.deltaOut[i] {
                try drawChannels(d, layer: s.name, errors: true, state: trainedState, file: "\(s.name)-deltas.png")
            }
            if isPool, let d = back.deltaIn[i] {  // the errors pooling routes back, as in its step-through picture
                try drawChannels(d, layer: s.name, errors: true, state: trainedState, file: "\(s.name)-deltas.png")
            }
        }
    }
}
