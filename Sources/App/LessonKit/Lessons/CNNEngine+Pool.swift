// The step-through's pooling steps: forward, one worked window (on the path, else the most telling);
// backward, where that window's error goes. Max-pooling (the tutorial's) passes the largest value on
// and routes all of the error back to it; average pooling passes the mean on and shares the error
// equally, with its words as KEY.avgpool in the lesson file.
import Network
import Numerics

extension CNNEngine {
    /// Forward through pooling layer `i` (f × f windows).
    func poolForward(_ i: Int, f: Int) throws {
        let t = try ensureTrace()
        let x = t.pass.inputs[i], z = t.pass.outputs[i]
        let maxCache = t.pass.caches[i] as? MaxPool2D.Cache
        out.say(word("forward.pool", for: i), ["input": .shape(Array(x.shape.dropFirst())), "output": .shape(Array(z.shape.dropFirst())), "f": .int(f)])
        if maxCache != nil { out.say("forward.pool-ties") }
        let (w, cs) = (x.shape[2], x.shape[3])
        if let place = try workedPath()[i] {
            let (py, px, ch) = (place.y, place.x, place.c)
            let o = place.flat(width: z.shape[2], channels: cs)
            let window = poolWindow(x, f: f, py: py, px: px, channel: ch).map(Value.number)
            if case .window(let j) = place.how, let q = try workedPath()[j] {
                out.say("forward.pool-why-path", ["from": .text(specs[j].name), "at": .index(q.index)])
            } else {
                out.say("forward.pool-why", ["channel": .int(ch)])
            }
            let inputs: [Table.Column] = [.init("window")] + (0..<(f * f)).map { .init("x\($0)", format: ".8g") }
            if let cache = maxCache {
                let pos = cache.argmax[o] / cs
                out.table(Table("forward.pool-windows", columns: inputs + [.init("max", format: ".8g"), .init("at", align: .left)],
                                rows: [[.index([py, px, ch])] + window + [.number(z.storage[o]), .index([pos / w, pos % w, ch])]]))
            } else {
                out.table(Table(word("forward.pool-windows", for: i), columns: inputs + [.init("mean", format: ".8g")],
                                rows: [[.index([py, px, ch])] + window + [.number(z.storage[o])]]))
            }
            out.quantity("pooled", image(z), word("forward.pooled", for: i), ["k": .int(ch)], role: .activation, layout: .imageChannels, channel: ch)
        } else {
            out.quantity("pooled", image(z), word("forward.pooled", for: i), ["k": .int(0)], role: .activation, layout: .imageChannels)
        }
        try drawChannels(z, layer: specs[i].name, errors: false, state: stepState, file: "\(specs[i].name)-feature-maps-\(stepSuffix).png")
    }

    /// Backward through pooling layer `i`: the worked window's error, where it goes, and δ_in.
    func poolBackward(_ i: Int, f: Int) throws {
        let t = try ensureTrace()
        let deltaOut = t.back.deltaOut[i]!
        out.say(word("backward.pool", for: i), ["f": .int(f), "others": .int(f * f - 1), "count": .int(f * f), "above": .text(specs[i + 1].name)])
        // Worked: the error of the forward step's worked window (conv2's worked δ_in), or the largest.
        let x = t.pass.inputs[i], deltaIn = t.back.deltaIn[i]!
        let (w, cs) = (x.shape[2], x.shape[3])
        let place = try workedPath()[i]
        let o = place?.flat(width: deltaOut.shape[2], channels: cs) ?? deltaOut.storage.indexOfLargestMagnitude()
        let (py, px, ch) = (o / cs / deltaOut.shape[2], o / cs % deltaOut.shape[2], o % cs)
        var values: [String: Value] = ["above": .text(specs[i + 1].name), "from": .index([py, px, ch]), "d": .number(deltaOut.storage[o]),
                                       "rows": .text("\(py * f)-\(py * f + f - 1)"), "cols": .text("\(px * f)-\(px * f + f - 1)")]
        // Where the window's error lands: its maximum, or (average pooling) every input, the first marked.
        var pos = py * f * w + px * f
        if let cache = t.pass.caches[i] as? MaxPool2D.Cache {
            pos = cache.argmax[o] / cs
            values["to"] = .index([pos / w, pos % w, ch]); values["x"] = .number(x.storage[pos * cs + ch])
        } else {
            values["count"] = .int(f * f); values["share"] = .number(deltaIn.storage[pos * cs + ch])
        }
        out.worked(word(place != nil ? "backward.pool-route-path" : "backward.pool-route", for: i), values)
        if t.pass.caches[i] is MaxPool2D.Cache, let below = try workedPath()[i - 1], below.c == ch, pos != below.y * w + below.x {
            out.say("backward.pool-not-winner", ["at": .index(below.index), "from": .text(specs[origin(of: i - 1)].name)])
        }
        out.quantity("δ_in", image(deltaIn), word("backward.pool-in", for: i), ["k": .int(ch)], role: .error, layout: .imageChannels, channel: ch,
                     focus: [pos / w, pos % w])
        try drawChannels(deltaIn, layer: specs[i].name, errors: true, state: stepState, file: "\(specs[i].name)-deltas-\(stepSuffix).png")
    }

    /// A pooling layer's worked window off the path (flat index into the pooled output): among windows whose values are
    /// all non-zero and distinct, the one with the largest maximum (a window of zeros teaches nothing).
    func poolWorkedIndex(x: Tensor<Double>, z: Tensor<Double>, f: Int) -> Int? {
        let cs = x.shape[3]
        var chosen: Int?
        for o in z.storage.indices {
            let (py, px, ch) = (o / cs / z.shape[2], o / cs % z.shape[2], o % cs)
            let window = poolWindow(x, f: f, py: py, px: px, channel: ch)
            guard window.allSatisfy({ $0 != 0 }), Set(window).count == window.count else { continue }
            if chosen.map({ z.storage[o] > z.storage[$0] }) ?? true { chosen = o }
        }
        return chosen
    }
}
