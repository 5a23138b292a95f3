// One story through lesson 3's step-through: the worked places of the conv and pool layers follow one
// path, forward and backward. conv1's worked output (where it responds most, or --at/--channel) is
// pooled by the window that holds it; conv2 works the output whose patch covers that pooled pixel; the
// backward steps work the same places' errors and the weight that joined them.
import Foundation
import Network
import Numerics

extension CNNEngine {
    /// A place in one image's (H, W, C) map, and how it was chosen (for the step's line saying so).
    struct Place: Equatable {
        var y: Int, x: Int, c: Int
        enum How: Equatable { case largest, chosen, outside, follows(Int), window(Int), noWindow }
        var how: How
        var index: [Int] { [y, x, c] }
        func flat(width: Int, channels: Int) -> Int { (y * width + x) * channels + c }
    }

    /// `--at` as written: an optional layer name (`conv2:3,5`) and a row and column; `--channel` as a
    /// number. nil: auto. An error names the flag and what it takes.
    static func workedPlace(_ settings: LessonSettings) throws -> (layer: String?, at: (Int, Int)?, channel: Int?) {
        var at = settings.string("worked-at")
        let ch = settings.string("worked-channel")
        var layer: String?
        if let colon = at.firstIndex(of: ":") {
            layer = String(at[..<colon]).trimmingCharacters(in: .whitespaces)
            at = String(at[at.index(after: colon)...])
            guard !layer!.isEmpty, at != "auto" else {
                throw LessonError("\(settings.said("worked-at", flag: "--at")): give a conv layer's name, a colon, a row and a column, e.g. --at conv2:3,5.")
            }
        }
        var place: (Int, Int)?
        if at != "auto" {
            let parts = at.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let i = parts[0], let j = parts[1], i >= 0, j >= 0 else {
                throw LessonError("\(settings.said("worked-at", flag: "--at")): give a row and a column of conv1's output, e.g. --at 14,18, or of another conv layer's, e.g. --at conv2:3,5.")
            }
            place = (i, j)
        }
        var channel: Int?
        if ch != "auto" {
            guard let k = Int(ch), k >= 0 else { throw LessonError("\(settings.said("worked-channel", flag: "--channel")): give an output channel number, e.g. --channel 3.") }
            channel = k
        }
        return (layer, place, channel)
    }

    /// The worked place of every conv, ReLU and pool layer on the traced image, keyed by layer index.
    func workedPath() throws -> [Int: Place] {
        if let path { return path }
        let net = try ensureStepNetwork()
        let t = try ensureTrace()
        let chosen = try Self.workedPlace(settings)
        let firstConv = specs.firstIndex { $0.kind is ConvKind }
        let anchor = chosen.layer.flatMap { name in specs.firstIndex { $0.name == name } } ?? firstConv
        var places = [Int: Place]()
        var previous: Place?
        var origin = 0  // the layer that chose `previous` (a ReLU passes its conv's place on)
        for (i, layer) in net.layers.enumerated() {
            let z = t.pass.outputs[i]
            switch layer {
            case let c as Conv2D:
                let (h, w, cs) = (z.shape[1], z.shape[2], z.shape[3])
                func best(_ candidates: [Int]) -> Int? {
                    candidates.max { z.storage[$0] < z.storage[$1] || (z.storage[$0] == z.storage[$1] && $0 > $1) }
                }
                func place(_ q: Int, _ how: Place.How) -> Place { Place(y: q / cs / w, x: q / cs % w, c: q % cs, how: how) }
                if i == anchor, chosen.at != nil || chosen.channel != nil {
                    let at = chosen.at.flatMap { $0.0 < h && $0.1 < w ? $0 : nil }, k = chosen.channel.flatMap { $0 < cs ? $0 : nil }
                    let q = best(z.storage.indices.filter { q in
                        (at.map { q / cs / w == $0.0 && q / cs % w == $0.1 } ?? true) && (k.map { q % cs == $0 } ?? true)
                    })!
                    let outside = (chosen.at != nil && at == nil) || (chosen.channel != nil && k == nil)
                    previous = place(q, outside ? .outside : .chosen)
                } else if let p = previous, i != anchor {
                    // The outputs whose f×f patch covers the previous layer's worked pixel, in any channel.
                    let cover = z.storage.indices.filter { q in
                        let (oy, ox) = (q / cs / w, q / cs % w)
                        return (0..<c.f).contains(p.y - (oy * c.stride - c.pad)) && (0..<c.f).contains(p.x - (ox * c.stride - c.pad))
                    }
                    previous = best(cover).map { place($0, .follows(origin)) } ?? place(best(Array(z.storage.indices))!, .largest)
                } else {
                    previous = place(best(Array(z.storage.indices))!, .largest)
                }
                places[i] = previous
                origin = i
            case is any ElementwiseActivation:
                if let p = previous { places[i] = p }
            case let pool as any PoolingKind:
                guard let p = previous else { continue }
                let f = pool.f
                let (py, px) = (p.y / f, p.x / f)
                if py < z.shape[1], px < z.shape[2] {
                    previous = Place(y: py, x: px, c: p.c, how: .window(origin))
                } else if let o = poolWorkedIndex(x: t.pass.inputs[i], z: z, f: f) {
                    let (w, cs) = (z.shape[2], z.shape[3])
                    previous = Place(y: o / cs / w, x: o / cs % w, c: o % cs, how: .noWindow)
                } else {
                    previous = Place(y: 0, x: 0, c: 0, how: .noWindow)
                }
                places[i] = previous
                origin = i
            default:
                previous = nil
            }
        }
        path = places
        return places
    }

    /// The worked place at layer `i`'s input (the place of the layer before it), if any.
    func placeFeeding(_ i: Int) throws -> Place? {
        guard i > 0 else { return nil }
        return try workedPath()[i - 1]
    }

    /// The layer whose step chose the place at layer `i`'s output: a ReLU's conv layer, else `i`.
    func origin(of i: Int) -> Int {
        var j = i
        while j > 0, specs[j].kind is any ElementwiseActivation { j -= 1 }
        return j
    }
}
