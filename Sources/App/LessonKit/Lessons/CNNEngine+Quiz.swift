// Lesson 3's questions for `--quiz`: elements of the traced image's forward and backward pass that a
// student can work out by hand (at most 25 products), each with the inputs it needs and its working.
import Foundation
import Network
import Numerics

extension CNNEngine {
    /// The most products a question may ask a student to add up by hand.
    static let quizProducts = 25

    /// Each quiz line fits its step's layer: conv-output and conv-group under a conv layer's forward
    /// (conv-output only while its sum has at most 25 products), max-pool under a pool's, pool-route,
    /// dense-delta and dense-dW under a backward of that kind; at= has the element's rank.
    static func validateQuiz(_ file: LessonFile, specs: [LayerSpec]) throws {
        let shapes = try CNN.shapes(of: specs, input: [28, 28, 1]).get()
        for step in file.steps where !step.quiz.isEmpty {
            let layer = specs.firstIndex { $0.name == step.arguments["layer"] }
            for q in step.quiz {
                let kind = layer.map { specs[$0].kind }
                let inChannels = layer.map { $0 == 0 ? 1 : shapes[$0 - 1].last! } ?? 1
                var fits: Bool, rank: Int, why = ""
                switch q.kind {
                case "conv-output":
                    if let f = (kind as? ConvKind)?.f {
                        fits = f * f * inChannels <= quizProducts
                        why = fits ? "" : " (its sum has \(f * f * inChannels) products; ask conv-group for one input channel's \(f * f))"
                    } else { fits = false }
                    rank = 3
                case "conv-group": fits = kind is ConvKind; rank = 4
                case "max-pool", "pool-route": fits = kind is any PoolingKind; rank = 3
                case "dense-delta":
                    if let out = (kind as? DenseKind)?.out { fits = out <= quizProducts; why = fits ? "" : " (δ_in sums \(out) products; at most \(quizProducts) by hand)" } else { fits = false }  // (error message)
                    rank = 2
                case "dense-dW": fits = kind is DenseKind; rank = 2
                case "conv-dW": fits = kind is ConvKind; rank = 4
                case "conv-delta-in":
                    if kind is ConvKind, let i = layer { fits = i > 0; why = fits ? "" : " (the first layer hands no error back)" } else { fits = false }  // (error message)
                    rank = 4
                case "pool-zero": fits = kind is any PoolingKind; rank = 3
                case "relu-gate":
                    fits = layer.map { $0 + 1 < specs.count && specs[$0 + 1].kind is any ElementwiseActivation } ?? false
                    why = fits ? "" : " (it asks about the ReLU after a layer)"
                    rank = 3
                default: fits = true; rank = 0
                }
                guard fits else {
                    throw LessonError.at(file.path, line: q.line, "\(q.kind) does not fit step \(step.name)\(layer.map { " (layer \(specs[$0].name))" } ?? "")\(why); move it to a step it fits.")
                }
                try QuizPick.checkRank(q, rank, file: file)
            }
        }
    }

    func askQuestions(_ step: LessonStep) throws {
        guard !step.quiz.isEmpty else { return }
        for line in step.quiz {
            if let q = try question(line, step: step) { out.emit(.question(q)) }
        }
    }

    func pick(_ line: QuizLine, name: String, shape: [Int], worked: Int?, candidates: Range<Int>, make: (Int) -> Question?) -> Question? {
        QuizPick.pick(line, name: name, shape: shape, worked: worked, candidates: candidates, out: out, make: make)
    }

    func question(_ line: QuizLine, step: LessonStep) throws -> Question? {
        let net = try ensureStepNetwork()
        let t = try ensureTrace()
        let layer = specs.firstIndex { $0.name == step.arguments["layer"] }
        // The pooling and gate questions are about the tutorial's max-pooling and ReLU: with another kind
        // in their place (a lesson file's network may swap them) there is no question, and a note says why.
        if let i = layer, let j = ["max-pool": i, "pool-route": i, "pool-zero": i, "relu-gate": i + 1][line.kind], j < specs.count,
           !(specs[j].kind is MaxPool2D || specs[j].kind is ReLU) {
            out.note("quiz.other-kind", ["kind": .text(line.kind), "layer": .text(specs[j].name), "summary": .text(specs[j].summary)])
            return nil
        }
        switch (line.kind, layer.map { net.layers[$0] } as Any) {
        case ("conv-output", let c as Conv2D):
            let i = layer!, z = t.pass.outputs[i], x = t.pass.inputs[i]
            return pick(line, name: "z", shape: Array(z.shape.dropFirst()), worked: try workedPath()[i].map { $0.flat(width: z.shape[2], channels: z.shape[3]) }, candidates: z.storage.indices) { o in
                convQuestion(c, layer: i, x: x, z: z, output: o, group: nil)
            }
        case ("conv-group", let c as Conv2D):
            let i = layer!, z = t.pass.outputs[i], x = t.pass.inputs[i]
            let worked: Int = try workedPath()[i]!.flat(width: z.shape[2], channels: z.shape[3])
            // The worked z's input channel whose subtotal weighs most among those worth checking.
            let groups = (0..<c.inChannels).compactMap { g in convQuestion(c, layer: i, x: x, z: z, output: worked, group: g).map { (g, $0) } }
            let workedGroup = groups.filter { $0.1.checkable }.max { abs($0.1.value) < abs($1.1.value) }.map { worked * c.inChannels + $0.0 }
            return pick(line, name: "z", shape: Array(z.shape.dropFirst()) + [c.inChannels], worked: workedGroup,
                        candidates: 0..<(z.count * c.inChannels)) { o in
                convQuestion(c, layer: i, x: x, z: z, output: o / c.inChannels, group: o % c.inChannels)
            }
        case ("max-pool", let p as MaxPool2D):
            let i = layer!, z = t.pass.outputs[i], x = t.pass.inputs[i]
            return pick(line, name: "pooled", shape: Array(z.shape.dropFirst()), worked: try workedPath()[i].map { $0.flat(width: z.shape[2], channels: z.shape[3]) }, candidates: z.storage.indices) { o in
                poolQuestion(p, layer: i, x: x, z: z, output: o)
            }
        case ("pool-route", let p as MaxPool2D):
            let i = layer!, x = t.pass.inputs[i], deltaOut = t.back.deltaOut[i]!
            guard let cache = t.pass.caches[i] as? MaxPool2D.Cache else { return nil }
            let cs = x.shape[3]
            let o = try workedPath()[i]?.flat(width: deltaOut.shape[2], channels: cs) ?? deltaOut.storage.indexOfLargestMagnitude()
            let worked = cache.argmax[o] / cs * cs + o % cs
            return pick(line, name: "δ_in", shape: Array(x.shape.dropFirst()), worked: worked, candidates: x.storage.indices) { q in
                routeQuestion(p, layer: i, input: q)
            }
        case ("dense-delta", let d as Dense):
            let i = layer!, deltaIn = t.back.deltaIn[i]!, delta = t.back.deltaOut[i]!
            return pick(line, name: "δ_in", shape: deltaIn.shape, worked: deltaIn.storage.indexOfLargestMagnitude(), candidates: deltaIn.storage.indices) { j in
                let ask = Phrase("quiz.dense-delta", ["layer": .text(specs[i].name), "j": .int(j)])
                let sum = WorkedSum(name: "δ_in", index: [0, j], formula: Phrase("backward.dense-delta-in-sum", ["j": .int(j)]), why: ask,
                                    terms: denseInputErrorTerms(d, deltaOut: delta, j: j), factors: ["δ", "W"], result: deltaIn.storage[j])
                return Question(kind: "dense-delta", sum: sum, ask: ask,
                                inputs: [QuizInput("δ", ArrayValue(delta)), QuizInput("W[:, \(j)]", ArrayValue(shape: [d.outputs], values: sum.terms.map(\.b)))])
            }
        case ("dense-dW", let d as Dense):
            let i = layer!, g = t.back.gradients[i]!, delta = t.back.deltaOut[i]!, x = t.pass.inputs[i]
            return pick(line, name: "dW", shape: g.dW.shape, worked: g.dW.storage.indexOfLargestMagnitude(), candidates: g.dW.storage.indices) { e in
                let (r, col) = (e / d.inputs, e % d.inputs)
                let ask = Phrase("quiz.dense-dW", ["layer": .text(specs[i].name)])
                let sum = WorkedSum(name: "dW", index: [r, col], formula: Phrase("backward.dense-dW-sum", ["r": .int(r), "c": .int(col)]), why: ask,
                                    terms: [.init(delta.storage[r], x.storage[col])], factors: ["δ", "x"], result: g.dW.storage[e])
                return Question(kind: "dense-dW", sum: sum, ask: ask,
                                inputs: [QuizInput("δ[\(r)]", number: delta.storage[r]), QuizInput("x[\(col)]", number: x.storage[col])])
            }
        case ("conv-dW", let c as Conv2D):
            return try convWeightQuestion(line, c, layer: layer!)
        case ("conv-delta-in", let c as Conv2D):
            return try convInputErrorQuestion(line, c, layer: layer!)
        case ("pool-zero", let p as MaxPool2D):
            // A window's input that did not win: the largest of the others in the path's window (the
            // tempting wrong answer is the window's δ_out); its error is 0.
            let i = layer!, x = t.pass.inputs[i], deltaOut = t.back.deltaOut[i]!
            guard let cache = t.pass.caches[i] as? MaxPool2D.Cache else { return nil }
            let (w, cs) = (x.shape[2], x.shape[3])
            let o = try workedPath()[i]?.flat(width: deltaOut.shape[2], channels: cs) ?? deltaOut.storage.indexOfLargestMagnitude()
            let (py, px, ch) = (o / cs / deltaOut.shape[2], o / cs % deltaOut.shape[2], o % cs)
            let winner = cache.argmax[o] / cs
            let others = (0..<(p.f * p.f)).map { k in (py * p.f + k / p.f) * w + px * p.f + k % p.f }.filter { $0 != winner }
            let runnerUp = others.max { x.storage[$0 * cs + ch] < x.storage[$1 * cs + ch] || (x.storage[$0 * cs + ch] == x.storage[$1 * cs + ch] && $0 > $1) }!
            if let at = line.at {
                guard at.count == 3, at[0] < x.shape[1], at[1] < w, at[2] < cs else {
                    QuizPick.sayOutside(at, name: "δ_in", shape: Array(x.shape.dropFirst()), out: out)
                    return routeQuestion(p, layer: i, input: runnerUp * cs + ch, kind: "pool-zero").map { $0.chosen(.worked) }
                }
                return routeQuestion(p, layer: i, input: (at[0] * w + at[1]) * cs + at[2], kind: "pool-zero").map { $0.chosen(.named) }
            }
            return routeQuestion(p, layer: i, input: runnerUp * cs + ch, kind: "pool-zero").map { $0.chosen(.worked) }
        case ("relu-gate", _):
            return try reluGateQuestion(line, layer: layer!)
        case ("loss", _):
            let p = t.pass.probabilities.storage[t.label]
            let value = SoftmaxCrossEntropy.loss(t.pass.probabilities, labels: [t.label])
            return Question(kind: "loss", name: "J", index: [], ask: Phrase("quiz.loss", ["label": .int(t.label)]),
                            formula: Phrase("quiz.loss-formula", ["y": .int(t.label)]),
                            inputs: [QuizInput("ŷ[\(t.label)]", number: p)],
                            working: .steps([Phrase("quiz.loss-hint", ["y": .int(t.label), "p": .number(p)]),
                                             Phrase("quiz.loss-working", ["p": .number(p), "value": .number(value)])]),
                            value: value).chosen(.worked)
        default:
            return nil  // validate() refused every other pairing when the file was read
        }
    }

    /// z[oy, ox, k] of a conv layer as its sum of products (the step's own terms), or (group) input
    /// channel g's share of it.
    func convQuestion(_ c: Conv2D, layer i: Int, x: Tensor<Double>, z: Tensor<Double>, output o: Int, group g: Int?) -> Question? {
        let (w, cs) = (z.shape[2], z.shape[3])
        let (oy, ox, k) = (o / cs / w, o / cs % w, o % cs)
        let terms = convOutputTerms(c, x: x, oy: oy, ox: ox, k: k, channels: g.map { [$0] })
        let patchShape = [c.f, c.f]
        let place: [String: Value] = ["layer": .text(specs[i].name), "k": .int(k), "oy": .int(oy), "ox": .int(ox), "f": .int(c.f), "y": .int(oy * c.stride - c.pad), "x": .int(ox * c.stride - c.pad),
                                      "y2": .int(oy * c.stride - c.pad + c.f), "x2": .int(ox * c.stride - c.pad + c.f), "c": .int(g ?? 0)]
        if let g {
            // Not an element of any one tensor: named for what it is, a part of z[oy, ox, k].
            let ask = Phrase("quiz.conv-group", place)
            let sum = WorkedSum(name: "s", index: [], formula: Phrase("quiz.conv-group-formula", place), why: ask, terms: terms, factors: ["x", "W"],
                                result: terms.reduce(0.0) { $0 + $1.a * $1.b })
            return Question(kind: "conv-group", sum: sum, ask: ask,
                            inputs: [QuizInput("x[\(oy * c.stride - c.pad):\(oy * c.stride - c.pad + c.f), \(ox * c.stride - c.pad):\(ox * c.stride - c.pad + c.f), \(g)]",
                                               ArrayValue(shape: patchShape, values: terms.map(\.a))),
                                     QuizInput("W[\(k)][:, :, \(g)]", ArrayValue(shape: patchShape, values: terms.map(\.b)))])
        }
        let ask = Phrase("quiz.conv-output", place)
        let sum = WorkedSum(name: "z", index: [oy, ox, k], formula: Phrase("forward.sum", place), why: ask, terms: terms,
                            bias: c.bias.storage[k], factors: ["x", "W"], result: z.storage[o])
        return Question(kind: "conv-output", sum: sum, ask: ask,
                        inputs: [QuizInput("patch", ArrayValue(shape: patchShape, values: terms.map(\.a))),
                                 QuizInput("W[\(k)]", ArrayValue(shape: patchShape, values: terms.map(\.b))),
                                 QuizInput("b[\(k)]", number: c.bias.storage[k])])
    }

    /// pooled[py, px, ch]: the largest of its window.
    func poolQuestion(_ p: MaxPool2D, layer i: Int, x: Tensor<Double>, z: Tensor<Double>, output o: Int) -> Question {
        let (cs, pw) = (x.shape[3], z.shape[2])
        let (py, px, ch) = (o / cs / pw, o / cs % pw, o % cs)
        let window = poolWindow(x, f: p.f, py: py, px: px, channel: ch)
        let winner = window.indices.max { window[$0] < window[$1] || (window[$0] == window[$1] && $0 > $1) }!
        let windowArray = ArrayValue(shape: [p.f, p.f], values: window)
        return Question(kind: "max-pool", name: "pooled", index: [py, px, ch],
                        ask: Phrase("quiz.max-pool", ["layer": .text(specs[i].name), "f": .int(p.f)]),
                        formula: Phrase("quiz.max-pool-formula", ["rows": .text("\(py * p.f)-\(py * p.f + p.f - 1)"), "cols": .text("\(px * p.f)-\(px * p.f + p.f - 1)"), "c": .int(ch)]),
                        inputs: [QuizInput("window", windowArray)],
                        working: .steps([Phrase("quiz.max-pool-hint", ["count": .int(p.f * p.f)]),
                                         Phrase("quiz.max-pool-working", ["window": .array(ArrayValue(shape: [window.count], values: window)), "value": .number(z.storage[o]),
                                                                          "at": .index([py * p.f + winner / p.f, px * p.f + winner % p.f, ch])])]),
                        value: z.storage[o])
    }

    /// δ_in[y, x, ch] of a max-pool layer: its window's δ_out if it won the window, else 0.
    func routeQuestion(_ p: MaxPool2D, layer i: Int, input q: Int, kind: String = "pool-route") -> Question? {
        guard let t = trace, let cache = t.pass.caches[i] as? MaxPool2D.Cache else { return nil }
        let x = t.pass.inputs[i], deltaOut = t.back.deltaOut[i]!, deltaIn = t.back.deltaIn[i]!
        let (w, cs, pw) = (x.shape[2], x.shape[3], deltaOut.shape[2])
        let (y, xx, ch) = (q / cs / w, q / cs % w, q % cs)
        let (py, px) = (y / p.f, xx / p.f)
        guard py < deltaOut.shape[1], px < pw else { return nil }  // a row or column the pooling dropped
        let o = (py * pw + px) * cs + ch
        let window = poolWindow(x, f: p.f, py: py, px: px, channel: ch)
        let won = cache.argmax[o] / cs == y * w + xx
        let windowArray = ArrayValue(shape: [p.f, p.f], values: window)
        let values: [String: Value] = ["from": .index([py, px, ch]), "d": .number(deltaOut.storage[o]), "at": .index([y, xx, ch]),
                                       "x": .number(x.storage[q]), "window": .array(ArrayValue(shape: [window.count], values: window)), "value": .number(deltaIn.storage[q]),
                                       "rows": .text("\(py * p.f)-\(py * p.f + p.f - 1)"), "cols": .text("\(px * p.f)-\(px * p.f + p.f - 1)")]
        return Question(kind: kind, name: "δ_in", index: [y, xx, ch],
                        ask: Phrase("quiz.pool-route", ["layer": .text(specs[i].name), "at": .index([y, xx, ch])]),
                        formula: Phrase("quiz.pool-route-formula", values),
                        inputs: [QuizInput("x[\(py * p.f):\(py * p.f + p.f), \(px * p.f):\(px * p.f + p.f), \(ch)]", windowArray),
                                 QuizInput("δ_out[\(py), \(px), \(ch)]", number: deltaOut.storage[o])],
                        working: .steps([Phrase("quiz.pool-route-hint", values),
                                         Phrase(won ? "quiz.pool-route-won" : "quiz.pool-route-lost", values)]),
                        value: deltaIn.storage[q], scale: abs(deltaOut.storage[o]))
    }

    /// dW[k][a, b, c] of a conv layer from its non-zero terms x·δ (at most 25 of them, so it can be done
    /// by hand): the step's worked element when it has so few, else the largest such in the worked filter.
    func convWeightQuestion(_ line: QuizLine, _ c: Conv2D, layer i: Int) throws -> Question? {
        let t = try ensureTrace()
        let x = t.pass.inputs[i], delta = t.back.deltaOut[i]!, g = t.back.gradients[i]!
        let (oh, ow) = (delta.shape[1], delta.shape[2])
        let size = c.f * c.f * c.inChannels
        // The step's sum for dW[k][a, b, c] without its zero products (a blank pixel, a silent unit).
        func terms(_ e: Int) -> [WorkedSum.Term] {
            let (k, a, b, ci) = (e / size, e % size / c.inChannels / c.f, e % size / c.inChannels % c.f, e % c.inChannels)
            return convWeightTerms(c, x: x, deltaOut: delta, k: k, a: a, b: b, channel: ci).filter { $0.a != 0 && $0.b != 0 }
        }
        func make(_ e: Int) -> Question? {
            let nonZero = terms(e)
            guard nonZero.count <= Self.quizProducts else { return nil }
            let (k, a, b, ci) = (e / size, e % size / c.inChannels / c.f, e % size / c.inChannels % c.f, e % c.inChannels)
            let place: [String: Value] = ["layer": .text(specs[i].name), "k": .int(k), "a": .int(a), "b": .int(b), "c": .int(ci),
                                          "count": .int(nonZero.count), "all": .int(oh * ow)]
            let ask = Phrase("quiz.conv-dW", place)
            let sum = WorkedSum(name: "dW[\(k)]", index: [a, b, ci], formula: Phrase("backward.conv-dW-sum", place), why: ask, terms: nonZero,
                                factors: ["x", "δ"], result: g.dW.storage[e])
            return Question(kind: "conv-dW", sum: sum, ask: ask,
                            inputs: [QuizInput(Phrase("quiz.input-x-nonzero"), ArrayValue(shape: [nonZero.count], values: nonZero.map(\.a))),
                                     QuizInput(Phrase("quiz.input-delta-same"), ArrayValue(shape: [nonZero.count], values: nonZero.map(\.b)))])
        }
        let k = try workedPath()[i]?.c ?? 0
        let inFilter = (k * size)..<((k + 1) * size)
        let worked = inFilter.filter { terms($0).count <= Self.quizProducts }.max { abs(g.dW.storage[$0]) < abs(g.dW.storage[$1]) }
        return pick(line, name: "dW", shape: [c.outChannels, c.f, c.f, c.inChannels], worked: worked, candidates: 0..<g.dW.count, make: make)
    }

    /// Filter k's part of δ_in[y, x, c]: the 5×5 window of δ[:, :, k] that the pixel fed, times the
    /// filter turned 180 degrees (a full convolution, one filter at a time: 25 products). Asked at the
    /// path's pixel, for the filter whose part weighs most.
    func convInputErrorQuestion(_ line: QuizLine, _ c: Conv2D, layer i: Int) throws -> Question? {
        let t = try ensureTrace()
        let delta = t.back.deltaOut[i]!, deltaIn = t.back.deltaIn[i]!
        let (oh, ow) = (delta.shape[1], delta.shape[2])
        let (h, w, ics) = (deltaIn.shape[1], deltaIn.shape[2], deltaIn.shape[3])
        guard c.stride == 1, c.pad == 0 else { return nil }  // the window picture assumes a plain valid convolution
        func make(_ e: Int) -> Question? {
            // e indexes (y, x, c, k).
            let k = e % c.outChannels, cin = e / c.outChannels % ics, xx = e / c.outChannels / ics % w, y = e / c.outChannels / ics / w
            // Filter k's group of the step's sum for δ_in[y, x, c], every tap (0 where the window leaves δ),
            // last tap first: the window δ[y-f+1 … y, x-f+1 … x, k] row by row against rot180(W[k][:, :, c]).
            let terms = Array(inputErrorTerms(c, deltaOut: delta, y: y, x: xx, channel: cin, padded: true).filter { $0.group == k }.reversed())
            let place: [String: Value] = ["layer": .text(specs[i].name), "k": .int(k), "y": .int(y), "x": .int(xx), "c": .int(cin),
                                          "y0": .int(y - c.f + 1), "x0": .int(xx - c.f + 1), "y1": .int(y + 1), "x1": .int(xx + 1), "f": .int(c.f),
                                          "total": .number(deltaIn.storage[(y * w + xx) * ics + cin])]
            let ask = Phrase("quiz.conv-delta-in", place)
            let sum = WorkedSum(name: "p", index: [], formula: Phrase("quiz.conv-delta-in-formula", place), why: ask, terms: terms, factors: ["δ", "W"],
                                result: terms.reduce(0.0) { $0 + $1.a * $1.b })
            return Question(kind: "conv-delta-in", sum: sum, ask: ask,
                            inputs: [QuizInput(Phrase(y >= c.f - 1 && xx >= c.f - 1 && y < oh && xx < ow ? "quiz.input-delta-window" : "quiz.input-delta-window-edge", place),
                                               ArrayValue(shape: [c.f, c.f], values: terms.map(\.a))),
                                     QuizInput("rot180(W[\(k)][:, :, \(cin)])", ArrayValue(shape: [c.f, c.f], values: terms.map(\.b)))])
        }
        var worked: Int?
        if let q = try placeFeeding(i) {
            let base = ((q.y * w + q.x) * ics + q.c) * c.outChannels
            worked = (0..<c.outChannels).compactMap { k in make(base + k).map { (base + k, $0) } }.filter { $0.1.checkable }
                .max { abs($0.1.value) < abs($1.1.value) }?.0
        }
        return pick(line, name: "δ_in", shape: [h, w, ics, c.outChannels], worked: worked, candidates: 0..<(deltaIn.count * c.outChannels), make: make)
    }

    /// The ReLU after layer i: δ = δ_a where z > 0, else 0. Asked on the path's channel, where the
    /// arriving error is largest (whichever way its z points).
    func reluGateQuestion(_ line: QuizLine, layer i: Int) throws -> Question? {
        let t = try ensureTrace()
        let z = t.pass.outputs[i], arriving = t.back.deltaOut[i + 1]!, delta = t.back.deltaOut[i]!
        let shape = Array(z.shape.dropFirst())
        let cs = shape.last!
        func make(_ q: Int) -> Question {
            let at = shape.count == 3 ? [q / cs / shape[1], q / cs % shape[1], q % cs] : [q]
            let values: [String: Value] = ["layer": .text(specs[i].name), "at": .index(at), "da": .number(arriving.storage[q]),
                                           "z": .number(z.storage[q]), "value": .number(delta.storage[q])]
            return Question(kind: "relu-gate", name: "δ", index: at, ask: Phrase("quiz.relu-gate", values),
                            formula: Phrase("quiz.relu-gate-formula", values),
                            inputs: [QuizInput("δ_a\(Words.format(.index(at), spec: ""))", number: arriving.storage[q]),
                                     QuizInput("z\(Words.format(.index(at), spec: ""))", number: z.storage[q])],
                            working: .steps([Phrase(z.storage[q] > 0 ? "quiz.relu-gate-open" : "quiz.relu-gate-shut", values)]),
                            value: delta.storage[q], scale: abs(arriving.storage[q]))
        }
        if let at = line.at, at.count == shape.count, zip(at, shape).allSatisfy({ $0 < $1 }) {
            return make(at.enumerated().reduce(0) { $0 * shape[$1.offset] + $1.element }).chosen(.named)
        }
        let k = try workedPath()[i]?.c
        let onPath = arriving.storage.indices.filter { k == nil || $0 % cs == k! }
        let q = onPath.max { abs(arriving.storage[$0]) < abs(arriving.storage[$1]) || (abs(arriving.storage[$0]) == abs(arriving.storage[$1]) && $0 > $1) }!
        return make(q).chosen(.worked)
    }
}
