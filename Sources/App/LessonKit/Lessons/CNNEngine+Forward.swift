// Lesson 3's forward steps on the traced image: each layer's worked example, its output and
// pictures, and the loss.
import Datasets
import Foundation
import Network
import Training
import Numerics
import Rendering

extension CNNEngine {
    func forward(_ i: Int) throws {
        let net = try ensureStepNetwork()
        let t = try ensureTrace()
        let x = t.pass.inputs[i], z = t.pass.outputs[i]
        switch net.layers[i] {
        case let c as Conv2D:
            out.say("forward.conv", ["input": .shape(Array(x.shape.dropFirst())), "output": .shape(Array(z.shape.dropFirst())),
                                     "filters": .int(c.outChannels), "f": .int(c.f), "in": .int(c.inChannels)])
            // The worked output: where the layer responds most, across all its channels (a worked sum
            // over a patch of zeros, the top-left corner, would show nothing).
            let (h, w, cs) = (z.shape[1], z.shape[2], z.shape[3])
            let place = try workedPath()[i]!
            let (oy, ox, k) = (place.y, place.x, place.c)
            let best = place.flat(width: w, channels: cs)
            if place.how == .outside {
                out.say("forward.place-outside", ["layer": .text(specs[i].name), "shape": .shape([h, w, cs])])
            }
            var why = Phrase(place.how == .chosen ? "forward.sum-why-chosen" : "forward.sum-why", ["layer": .text(specs[i].name)])
            if case .follows(let j) = place.how, let q = try workedPath()[j] {
                why = Phrase("forward.sum-why-follows", ["layer": .text(specs[i].name), "from": .text(specs[j].name), "at": .index(q.index),
                                                         "a": .int(q.y - (oy * c.stride - c.pad)), "b": .int(q.x - (ox * c.stride - c.pad))])
            }
            // Products in the filter's order; for several input channels, grouped by channel. The patch
            // and the filter shown are the sum's two factors.
            let terms = convOutputTerms(c, x: x, oy: oy, ox: ox, k: k)
            let taps = c.f * c.f
            let patch = Tensor<Double>(shape: [c.f, c.f, c.inChannels]) { q in terms[(q % c.inChannels) * taps + q / c.inChannels].a }
            let filter = Tensor<Double>(shape: [c.f, c.f, c.inChannels]) { q in terms[(q % c.inChannels) * taps + q / c.inChannels].b }
            let at: [String: Value] = ["f": .int(c.f), "y": .int(oy * c.stride - c.pad), "x": .int(ox * c.stride - c.pad),
                                       "y2": .int(oy * c.stride - c.pad + c.f), "x2": .int(ox * c.stride - c.pad + c.f), "k": .int(k)]
            if c.inChannels == 1 {
                out.quantity("patch", patch.reshaped(c.f, c.f), "forward.patch", at, role: .data)
                out.quantity("W[\(k)]", filter.reshaped(c.f, c.f), "forward.filter", at, role: .weight)
            }
            if c.inChannels > 1 {
                // Patch and filter shown at the input channel whose products carry most of the sum: the one
                // the worked sum writes out term by term (first on ties).
                let subtotals = (0..<c.inChannels).map { ci in terms.filter { $0.group == ci }.reduce(0.0) { $0 + $1.a * $1.b } }
                let carrying = subtotals.indices.reduce(0) { abs(subtotals[$1]) > abs(subtotals[$0]) ? $1 : $0 }
                out.quantity("patch", patch, "forward.patch-channels", at, role: .activation, layout: .imageChannels, channel: carrying)
                out.quantity("W[\(k)]", filter, "forward.filter-channels", at, role: .weight, layout: .imageChannels, channel: carrying)
            }
            out.sum(WorkedSum(name: "z", index: [oy, ox, k], formula: Phrase(c.inChannels == 1 ? "forward.sum" : "forward.sum-channels", at),
                              why: why, terms: terms,
                              groupName: c.inChannels > 1 ? "input-channel" : nil, bias: c.bias.storage[k], factors: ["x", "W"], result: z.storage[best]))
            out.quantity("z", image(z), "forward.z", ["k": .int(k), "stride": .int(c.stride)], role: .activation, layout: .imageChannels, channel: k,
                         focus: [oy, ox])
            if let r = followingActivation(i) { try showConvActivation(i, activation: r, channel: k) }
        case let p as any PoolingKind: try poolForward(i, f: p.f)
        case is Flatten:
            out.say("forward.flatten", ["input": .shape(Array(x.shape.dropFirst())), "output": .shape(Array(z.shape.dropFirst()))])
            out.quantity("flat", z, "forward.flat", role: .activation)
        case let d as Dense:
            out.say("forward.dense", ["input": .shape(x.shape), "output": .shape(z.shape), "shape": .shape([d.outputs, d.inputs])])
            out.quantity("z", z, "forward.dense-z", role: .activation)
            if let r = followingActivation(i) { try showDenseActivation(i, activation: r) }
            if i + 1 < specs.count, specs[i + 1].kind is Softmax {
                out.quantity("a", t.pass.outputs[i + 1], "forward.softmax", role: .activation)
            }
        default:
            out.quantity("a", z, specs[i].kind is any ElementwiseActivation ? word("forward.relu", for: i) : "forward.softmax", role: .activation)
        }
    }

    func loss() throws {
        let t = try ensureTrace()
        let a = t.pass.probabilities
        let prediction = a.argmaxOverColumns()[0]
        out.quantity("ŷ", a, "loss.probabilities", role: .activation)
        out.say("loss.prediction", ["label": .int(t.label), "prediction": .int(prediction)])
        out.worked("loss.value", ["p": .number(a.storage[t.label]), "loss": .number(SoftmaxCrossEntropy.loss(a, labels: [t.label]))])
    }
}
