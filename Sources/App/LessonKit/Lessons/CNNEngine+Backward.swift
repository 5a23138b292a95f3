// Lesson 3's backward steps on the traced image: each layer's δ, dW and δ_in with worked sums on the
// path, the error at the pixels, and the gradient check of every parameter layer.
import Datasets
import Foundation
import Network
import Training
import Numerics
import Rendering

extension CNNEngine {
    func backward(_ i: Int) throws {
        let net = try ensureStepNetwork()
        let t = try ensureTrace()
        // The error at this layer's output; for a layer followed by ReLU, after the ReLU's gate.
        let deltaOut = t.back.deltaOut[i]!
        switch net.layers[i] {
        case let d as Dense:
            if i + 1 < specs.count, specs[i + 1].kind is Softmax {
                out.quantity("δ", deltaOut, "backward.softmax-delta", role: .error)
            } else if let r = followingActivation(i) {
                try showDenseActivationGate(i, activation: r)
            }
            let g = t.back.gradients[i]!
            let x = t.pass.inputs[i]
            out.quantity("dW", g.dW, "backward.dense-dW", ["out": .int(d.outputs), "in": .int(d.inputs)], role: .gradient)
            // Worked: the largest |dW| entry, one product for one image: δ[r] · x[c].
            let e = g.dW.storage.indexOfLargestMagnitude()
            let (r, col) = (e / d.inputs, e % d.inputs)
            out.sum(WorkedSum(name: "dW", index: [r, col], formula: Phrase("backward.dense-dW-sum", ["r": .int(r), "c": .int(col)]),
                              why: Phrase("backward.largest-why", ["name": .text("dW")]), terms: [.init(deltaOut.storage[r], x.storage[col])], factors: ["δ", "x"], result: g.dW.storage[e]))
            // For one image db is δ itself, printed just above: said in a line, shown whole under --full.
            out.quantity("db", g.db, "backward.dense-db", role: .gradient, onlyWhenFull: true)
            out.say("backward.dense-db-is-delta")
            let deltaIn = t.back.deltaIn[i]!
            out.quantity("δ_in", deltaIn, "backward.dense-delta-in", role: .error)
            let j = deltaIn.storage.indexOfLargestMagnitude()
            out.sum(WorkedSum(name: "δ_in", index: [0, j], formula: Phrase("backward.dense-delta-in-sum", ["j": .int(j)]),
                              why: Phrase("backward.largest-why", ["name": .text("δ_in")]),
                              terms: denseInputErrorTerms(d, deltaOut: deltaOut, j: j), factors: ["δ", "W"],
                              result: deltaIn.storage[j]))
        case is Flatten:
            out.say("backward.flatten", ["count": .int(deltaOut.count), "shape": .shape(Array(t.back.deltaIn[i]!.shape.dropFirst()))])
            out.quantity("δ", image(t.back.deltaIn[i]!), "backward.unflattened", role: .error, layout: .imageChannels)
        case let p as any PoolingKind: try poolBackward(i, f: p.f)
        case let c as Conv2D:
            if let r = followingActivation(i), r + 1 < specs.count {
                out.say(word("backward.relu-arriving", for: r), ["above": .text(specs[r + 1].name)])
            }
            let x = t.pass.inputs[i], z = t.pass.outputs[i]
            let (oh, ow, cs) = (z.shape[1], z.shape[2], z.shape[3])
            let g = t.back.gradients[i]!
            let size = c.f * c.f * c.inChannels
            // The forward step's worked place; its filter's weight that joined the worked pixel below to it
            // (the layer below's worked place), or for the first layer the filter's largest |dW| entry.
            let place = try workedPath()[i]!
            let co = place.c
            let feeding = try placeFeeding(i)
            let kh: Int, kw: Int, ci: Int, dWWhy: Phrase
            if let q = feeding, (0..<c.f).contains(q.y - (place.y * c.stride - c.pad)), (0..<c.f).contains(q.x - (place.x * c.stride - c.pad)) {
                (kh, kw, ci) = (q.y - (place.y * c.stride - c.pad), q.x - (place.x * c.stride - c.pad), q.c)
                dWWhy = Phrase("backward.conv-dW-why-path", ["from": .text(specs[origin(of: i - 1)].name), "at": .index(q.index), "z": .index(place.index)])
            } else {
                let e = (co * size..<(co + 1) * size).max { abs(g.dW.storage[$0]) < abs(g.dW.storage[$1]) || (abs(g.dW.storage[$0]) == abs(g.dW.storage[$1]) && $0 > $1) }!
                (kh, kw, ci) = (e % size / c.inChannels / c.f, e % size / c.inChannels % c.f, e % c.inChannels)
                dWWhy = Phrase("backward.conv-dW-why-filter", ["k": .int(co), "z": .index(place.index)])
            }
            let e = co * size + (kh * c.f + kw) * c.inChannels + ci
            let here = place.flat(width: ow, channels: cs)
            out.say("backward.conv-path", ["z": .index(place.index), "k": .int(co), "d": .number(deltaOut.storage[here])])
            if deltaOut.storage[here] == 0 {
                out.say("backward.conv-path-zero", ["z": .index(place.index), "value": .number(z.storage[here])])
            }
            out.quantity("δ", image(deltaOut), followingActivation(i).map { word("backward.conv-delta", for: $0) } ?? "backward.conv-delta", ["k": .int(co)], role: .error, layout: .imageChannels, channel: co,
                         focus: [place.y, place.x])
            try drawChannels(deltaOut, layer: specs[i].name, errors: true, state: stepState, file: "\(specs[i].name)-deltas-\(stepSuffix).png")
            // A picture of δ where the 5 × 5 window shows only a small part of the map (conv1's 26 × 26).
            let deltaMap = channel(deltaOut, co).storage
            if oh > 2 * TerminalView.windowSide { out.maps(.signed([deltaMap], width: ow, height: oh, captions: [.text("δ[:, :, \(co)]")]), caption: "maps.delta",
                     ["k": .int(co), "bound": .number(deltaMap.map(abs).max() ?? 0), "nonzero": .int(deltaMap.filter { $0 != 0 }.count),
                      "count": .int(deltaMap.count)]) }
            if let r = followingActivation(i) { try showConvActivationGate(i, activation: r, channel: co) }
            out.quantity("dW", g.dW, "backward.conv-dW-bank", ["layer": .text(specs[i].name)], role: .gradient, layout: .filterBank, onlyWhenFull: true)
            out.quantity("dW[\(co)]", Tensor(shape: c.inChannels == 1 ? [c.f, c.f] : [c.f, c.f, c.inChannels], storage: Array(g.dW.storage[(co * size)..<((co + 1) * size)])),
                         "backward.conv-dW", ["k": .int(co)], role: .gradient, layout: .imageChannels, channel: ci)
            // dW[co][kh, kw, ci] = Σ over output positions of x under that weight × δ there.
            let terms = convWeightTerms(c, x: x, deltaOut: deltaOut, k: co, a: kh, b: kw, channel: ci)
            out.sum(WorkedSum(name: "dW[\(co)]", index: [kh, kw, ci], formula: Phrase("backward.conv-dW-sum", ["k": .int(co), "a": .int(kh), "b": .int(kw), "c": .int(ci)]),
                              why: dWWhy, terms: terms, factors: ["x", "δ"], result: g.dW.storage[e]))
            // dW as filters: every filter's for a one-channel layer, else the worked filter's input channels.
            let dWMaps: [[Double]], dWCaptions: [Value]
            if c.inChannels == 1 {
                dWMaps = (0..<c.outChannels).map { Array(g.dW.storage[($0 * size)..<(($0 + 1) * size)]) }
                dWCaptions = (0..<c.outChannels).map { .text("dW\($0)") }
            } else {
                let order = [ci] + (0..<c.inChannels).filter { $0 != ci }
                dWMaps = order.map { cin in (0..<(c.f * c.f)).map { g.dW.storage[co * size + $0 * c.inChannels + cin] } }
                dWCaptions = order.map { .text("c\($0)") }
            }
            var dWPictures = TerminalMaps.signed(dWMaps, width: c.f, height: c.f, captions: dWCaptions)
            dWPictures.inPNG = false
            out.maps(dWPictures, caption: c.inChannels == 1 ? "maps.dW-bank" : "maps.dW-filter",
                     ["k": .int(co), "c": .int(ci), "bound": .number(dWMaps.joined().map(abs).max() ?? 0)])
            out.quantity("db", g.db, "backward.conv-db", role: .gradient)
            if i > 0 {
                let deltaIn = t.back.deltaIn[i]!
                let (w, ics) = (deltaIn.shape[2], deltaIn.shape[3])
                // The error at the layer below's worked pixel: where the story goes next.
                let j = feeding?.flat(width: w, channels: ics) ?? deltaIn.storage.indexOfLargestMagnitude()
                let (y, xx, cin) = (j / ics / w, j / ics % w, j % ics)
                out.quantity("δ_in", image(deltaIn), "backward.conv-delta-in", ["k": .int(cin)], role: .error, layout: .imageChannels, channel: cin,
                             focus: [y, xx])
                let back = inputErrorTerms(c, deltaOut: deltaOut, y: y, x: xx, channel: cin)
                let why = feeding != nil ? Phrase("backward.conv-delta-in-why-path", ["from": .text(specs[origin(of: i - 1)].name), "at": .index([y, xx, cin])])
                    : Phrase("backward.largest-why", ["name": .text("δ_in")])
                out.sum(WorkedSum(name: "δ_in", index: [y, xx, cin], formula: Phrase("backward.conv-delta-in-sum", ["c": .int(cin)]),
                                  why: why, terms: back, groupName: "filter", factors: ["δ", "W"], result: deltaIn.storage[j]))
            } else {
                out.say("backward.first-layer", ["layer": .text(specs[i].name)])
            }
            out.say(clipScope == .batch ? "backward.clip-batch" : "backward.clip-image",
                    ["largest": .number(g.dW.storage.map(abs).max()!), "clip": .number(settings.double("clip"))])
        default:
            out.quantity("δ", deltaOut, "backward.delta", role: .error)
        }
    }

    // MARK: The error at the pixels

    /// ∂J/∂x for the traced image: the first layer's δ carried back once more, to the 784 pixels.
    /// Which pixels, brightened, would raise the loss, and which would lower it.
    func inputGradient() throws {
        let net = try ensureStepNetwork()
        let t = try ensureTrace()
        let (_, te) = try ensureData()
        let idx = settings.int("trace-image")
        let g = t.back.deltaIn[0]!  // (1, 28, 28, 1)
        let grad = g.reshaped(28, 28)
        // Worked: the largest |dx| under conv1's worked patch, where the story started; else the largest.
        var j = grad.storage.indexOfLargestMagnitude()
        var why = Phrase("backward.largest-why", ["name": .text("dx")])
        if let c = net.layers[0] as? Conv2D, let p = try workedPath()[0] {
            let (y0, x0) = (p.y * c.stride - c.pad, p.x * c.stride - c.pad)
            let under = (0..<(c.f * c.f)).map { (y0 + $0 / c.f, x0 + $0 % c.f) }.filter { (0..<28).contains($0.0) && (0..<28).contains($0.1) }.map { $0.0 * 28 + $0.1 }
            if let q = under.max(by: { abs(grad.storage[$0]) < abs(grad.storage[$1]) || (abs(grad.storage[$0]) == abs(grad.storage[$1]) && $0 > $1) }) {
                j = q
                why = Phrase("input-gradient.why-path", ["layer": .text(specs[0].name), "y": .int(y0), "x": .int(x0), "y2": .int(y0 + c.f), "x2": .int(x0 + c.f)])
            }
        }
        let (y, x) = (j / 28, j % 28)
        out.quantity("dx", grad, "input-gradient.formula", ["layer": .text(specs[0].name)], role: .error, focus: [y, x])
        if let c = net.layers[0] as? Conv2D {
            out.sum(WorkedSum(name: "dx", index: [y, x], formula: Phrase("input-gradient.sum", ["layer": .text(specs[0].name)]),
                              why: why,
                              terms: inputErrorTerms(c, deltaOut: t.back.deltaOut[0]!, y: y, x: x, channel: 0), groupName: "filter",
                              factors: ["δ", "W"], result: grad.storage[j]))
        }
        let pixels = te.batch([idx][...]).storage
        let up = grad.storage.indices.max { grad.storage[$0] < grad.storage[$1] }!
        let down = grad.storage.indices.min { grad.storage[$0] < grad.storage[$1] }!
        out.say("input-gradient.meaning", ["up": .index([up / 28, up % 28]), "g_up": .number(grad.storage[up]), "x_up": .number(pixels[up]),
                                           "down": .index([down / 28, down % 28]), "g_down": .number(-grad.storage[down]), "x_down": .number(pixels[down])])
        let shown = InputBesideGradient(input: pixels, gradient: grad.storage, width: 28, height: 28, inputColormap: .gray)
        out.maps(shown.terminalMaps(captions: [.phrase(Phrase("maps.input-label", ["label": .int(te.labels[idx])])), .text("dx")]), caption: "input-gradient.maps", ["bound": .number(shown.bound)])
        let image: [String: Value] = ["index": .int(idx), "label": .int(te.labels[idx]), "state": stepState]
        try context.draw("input-gradient-\(stepSuffix).png", .inputGradient, shows: "input-gradient.picture", image) { text in
            shown.picture(input: (title: text("input-gradient.png-input", image), caption: text("pictures.pixel-caption"), legend: text("pictures.pixel")),
                          gradient: (title: text("input-gradient.png-gradient", image), caption: text("input-gradient.png-gradient-caption"), legend: "dx"),
                          scale: 10)
        }
    }

    // MARK: Gradient check

    func gradientCheck() throws {
        let net = try ensureStepNetwork()
        let (_, te) = try ensureData()
        let idx = Array(0..<min(2, te.count))
        let x = te.batch(idx[...]), labels = idx.map { te.labels[$0] }
        out.say("gradient-check.intro", ["images": .int(idx.count), "limit": .int(500), "sampled": .int(200)])
        let checks = try net.gradientCheck(x, labels: labels, limit: 500, sampled: 200) { try Interrupt.check("in the gradient check") }
        let rows: [[Value]] = checks.map { c in
            [.text(specs[c.layer].name), .phrase(Phrase(c.isWeight ? "gradient-check.weights" : "gradient-check.biases")), .number(c.relativeError),
             .phrase(c.checked < c.count ? Phrase("gradient-check.sampled", ["checked": .int(c.checked), "count": .int(c.count)]) : Phrase("gradient-check.all"))]
        }
        let worst = checks.map(\.relativeError).max() ?? 0
        out.table(Table("gradient-check.table", columns: [.init("layer", align: .left), .init("parameter", align: .left),
                                                          .init("relative error", format: ".2e"), .init("entries checked", align: .left)], rows: rows))
        out.result(worst < 1e-7 ? "gradient-check.pass" : "gradient-check.fail", ["worst": .number(worst)])
    }
}
