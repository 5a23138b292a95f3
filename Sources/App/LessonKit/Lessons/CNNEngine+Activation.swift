// The step-through's lines about the activation after a conv or dense layer: forward, what it does to
// the values (ReLU cuts the negatives, tanh and sigmoid squash), and backward, how much error its
// slope lets through. ReLU is the tutorial's; tanh and sigmoid read the same steps with their own
// words, KEY.tanh and KEY.sigmoid beside the ReLU's KEY in the lesson file.
import Network
import Numerics

extension CNNEngine {
    /// The activation layer right after layer `i`, if there is one.
    func followingActivation(_ i: Int) -> Int? {
        i + 1 < specs.count && specs[i + 1].kind is any ElementwiseActivation ? i + 1 : nil
    }

    /// Word `key` as it reads for the layer kind at `layer`: the key itself for the tutorial's kinds (ReLU,
    /// max-pooling), KEY.KIND (`forward.a.tanh`, `forward.pool.avgpool`) for the others.
    func word(_ key: String, for layer: Int) -> String {
        let kind = specs[layer].kind
        return kind is ReLU || kind is MaxPool2D ? key : key + "." + type(of: kind).keyword
    }

    /// Forward: conv layer `i`'s activation `r` on the worked channel `k`: its values under --full, one
    /// worked element, every channel's statistics, the PNG and the terminal maps.
    func showConvActivation(_ i: Int, activation r: Int, channel k: Int) throws {
        let t = try ensureTrace()
        let z = t.pass.outputs[i], a = t.pass.outputs[r]
        let (w, cs) = (z.shape[2], z.shape[3])
        func at(_ q: Int) -> Value { .index([q / cs / w, q / cs % w, q % cs]) }
        // a's channels are in the table and pictures below; its values under --full.
        out.quantity("a", image(a), word("forward.a", for: r), ["k": .int(k)], role: .activation, layout: .imageChannels, channel: k, onlyWhenFull: true)
        if specs[r].kind is ReLU {
            // Where ReLU cuts: the most negative z of the layer.
            let low = z.storage.indices.min { z.storage[$0] < z.storage[$1] }!
            out.worked("forward.relu-cut", ["at": at(low), "z": .number(z.storage[low])])
        } else {
            // Where tanh or sigmoid squashes most: the largest |z| of the layer, and its slope there.
            let q = z.storage.indexOfLargestMagnitude()
            let g = type(of: specs[r].kind) as! any ElementwiseActivation.Type
            out.worked(word("forward.relu-cut", for: r), ["at": at(q), "z": .number(z.storage[q]), "a": .number(a.storage[q]),
                                                         "slope": .number(g.gate(1, z: z.storage[q], a: a.storage[q]))])
        }
        channelStats(a, caption: word("forward.channel-stats", for: r))
        try drawChannels(a, layer: specs[i].name, errors: false, state: stepState, file: "\(specs[i].name)-feature-maps-\(stepSuffix).png")
        // The worked example's channel first: a narrow terminal shows only the first few.
        let order = [k] + (0..<cs).filter { $0 != k }
        let maps = order.map { channel(a, $0).storage }, captions = order.map { Value.text("a[:,:,\($0)]") }
        // A scale that fits the values: from 0 for ReLU and sigmoid, around 0 for tanh's negatives.
        let pictures = a.storage.contains { $0 < 0 } ? TerminalMaps.signed(maps, width: a.shape[2], height: a.shape[1], captions: captions)
            : TerminalMaps(maps, width: a.shape[2], height: a.shape[1], captions: captions, lo: 0, hi: max(1e-12, a.storage.max() ?? 1),
                           colormap: .sequential)
        out.maps(pictures, caption: word("forward.maps", for: r), ["k": .int(k)])
    }

    /// Forward: dense layer `i`'s activation `r`, said in a line; its values under --full.
    func showDenseActivation(_ i: Int, activation r: Int) throws {
        let a = try ensureTrace().pass.outputs[r]
        out.quantity("a", a, word("forward.relu", for: r), role: .activation, onlyWhenFull: true)
        out.say(word("forward.dense-relu", for: r), ["zeros": .int(a.storage.filter { $0 == 0 }.count), "count": .int(a.count),
                                                     "low": .number(a.storage.min() ?? 0), "high": .number(a.storage.max() ?? 0)])
    }

    /// Backward: dense layer `i`'s δ, the error arriving at its activation `r` times the activation's slope.
    func showDenseActivationGate(_ i: Int, activation r: Int) throws {
        let t = try ensureTrace()
        let deltaOut = t.back.deltaOut[i]!, arriving = t.back.deltaOut[r]!
        // δ_a is the δ_in the step above showed; shown again it would only repeat it.
        out.quantity("δ", deltaOut, word("backward.relu-delta", for: r), role: .error, onlyWhenFull: true)
        let shrink = zip(arriving.storage, deltaOut.storage).map { $0 == 0 ? 1 : abs($1 / $0) }
        out.say(word("backward.relu-arriving-dense", for: r), ["above": .text(specs[r + 1].name),
                                                               "gated": .int(zip(arriving.storage, deltaOut.storage).filter { $0 != 0 && $1 == 0 }.count),
                                                               "count": .int(deltaOut.count), "most": .number(shrink.max() ?? 1)])
    }

    /// Backward: where conv layer `i`'s activation `r` held back most of the error arriving on the path's
    /// channel `co`: a ReLU's gate (an error stopped where z was not positive), or a squash's slope.
    func showConvActivationGate(_ i: Int, activation r: Int, channel co: Int) throws {
        let t = try ensureTrace()
        let z = t.pass.outputs[i], a = t.pass.outputs[r], arriving = t.back.deltaOut[r]!, delta = t.back.deltaOut[i]!
        let (ow, cs) = (z.shape[2], z.shape[3])
        func at(_ q: Int) -> Value { .index([q / cs / ow, q / cs % ow, q % cs]) }
        if specs[r].kind is ReLU {
            // The ReLU gate: where z was not positive, the arriving error stops (the largest such).
            let gated = z.storage.indices.filter { z.storage[$0] <= 0 && arriving.storage[$0] != 0 }
            let onPath = gated.filter { $0 % cs == co }
            if let q = (onPath.isEmpty ? gated : onPath).max(by: { abs(arriving.storage[$0]) < abs(arriving.storage[$1]) }) {
                // The path's channel first; one where ReLU stopped no error there says so and shows another.
                if onPath.isEmpty { out.say("backward.relu-gate-elsewhere", ["k": .int(co)]) }
                out.worked("backward.relu-gate", ["at": at(q), "da": .number(arriving.storage[q]), "z": .number(z.storage[q])])
            }
            return
        }
        // A squash passes every error on, scaled by its slope: the path channel's largest loss of error.
        let onPath = z.storage.indices.filter { $0 % cs == co }
        guard let q = onPath.max(by: { abs(arriving.storage[$0] - delta.storage[$0]) < abs(arriving.storage[$1] - delta.storage[$1]) }) else { return }
        out.worked(word("backward.relu-gate", for: r), ["at": at(q), "da": .number(arriving.storage[q]), "z": .number(z.storage[q]),
                                                        "a": .number(a.storage[q]), "d": .number(delta.storage[q])])
    }
}
