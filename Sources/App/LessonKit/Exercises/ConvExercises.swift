// conv_forward and conv_backward as exercises, in the tutorial's layouts: an image or map is (H, W, C),
// a filter bank (C_out, f, f, C_in); stride 1, no padding. The reference is the network's own Conv2D
// (its naive loops); the wrong versions are the slips students make with filters and sums.
import Network
import Numerics

enum ConvExercises {
    /// One image as a batch of one, through the readable layer.
    static func layer(_ a: ExerciseArrays) -> Conv2D {
        let w = a["W"]!
        return Conv2D(weights: w, bias: a["b"] ?? Tensor(shape: [w.shape[0]]))
    }
    static func batch(_ t: Tensor<Double>) -> Tensor<Double> { t.reshaped([1] + t.shape) }
    static func single(_ t: Tensor<Double>) -> Tensor<Double> { t.reshaped(Array(t.shape.dropFirst())) }

    /// Each filter turned 180 degrees in its two spatial axes: W'[k, p, q, c] = W[k, f-1-p, f-1-q, c].
    static func rot180(_ w: Tensor<Double>) -> Tensor<Double> {
        let (f, c) = (w.shape[1], w.shape[3])
        return Tensor(shape: w.shape) { o in
            let ci = o % c, q = (o / c) % f, p = (o / c / f) % f, ko = o / c / f / f
            return w.storage[((ko * f + (f - 1 - p)) * f + (f - 1 - q)) * c + ci]
        }
    }

    static let forward = ExerciseFunction(
        name: "conv_forward",
        parameters: [.init("x", "(H, W, C_in): the layer's input"),
                     .init("W", "(C_out, f, f, C_in): the filters"),
                     .init("b", "(C_out,): the biases")],
        outputs: [.init("z", "(H-f+1, W-f+1, C_out): each filter laid on every f×f patch, summed, plus its bias")],
        summary: "The convolution's forward pass (stride 1, no padding): z before any activation.",
        formulas: ["z[i, j, k] = Σ_(p,q,c) x[i+p, j+q, c] · W[k, p, q, c] + b[k]"],
        reference: { a in ["z": single(layer(a).forwardNaive(batch(a["x"]!)).z)] },
        mistakes: { a, right in
            var flipped = a; flipped["W"] = rot180(a["W"]!)
            let z = right["z"]!, b = a["b"]!, k = b.count
            return [
                Mistake("filter turned 180°", "you turned each filter 180 degrees before laying it on the image (a true convolution); the forward pass lays the filter on the patch as it is, W[k, p, q, c] on x[i+p, j+q, c] (a correlation).",
                        ["z": single(layer(flipped).forwardNaive(batch(a["x"]!)).z)]),
                Mistake("bias missing", "the bias is missing: every z is short by its filter's b[k].",
                        ["z": Tensor(shape: z.shape) { o in z.storage[o] - b.storage[o % k] }]),
            ]
        },
        factors: { _ in [] },
        hidden: { rng in
            [["x": draw(&rng, [8, 7, 3]), "W": draw(&rng, [4, 3, 3, 3]), "b": draw(&rng, [4])],
             ["x": draw(&rng, [6, 9, 2]), "W": draw(&rng, [5, 2, 2, 2]), "b": draw(&rng, [5])]]
        },
        worked: { _, index, a in
            let (x, w, b) = (a["x"]!, a["W"]!, a["b"]!)
            let (i, j, k) = (index[0], index[1], index[2])
            let (f, c) = (w.shape[1], w.shape[3])
            var parts = [(String, [Double])]()
            for p in 0..<f { for q in 0..<f { for ch in 0..<c {
                parts.append(("x\(indexText([i + p, j + q, ch])) · W\(indexText([k, p, q, ch]))",
                              [x.at(i + p, j + q, ch), w.at(k, p, q, ch)]))
            } } }
            return sum("z\(indexText(index)) = Σ_(p,q,c) x[\(i)+p, \(j)+q, c] · W[\(k), p, q, c] + b[\(k)]", parts,
                       plus: ("b[\(k)]", b.storage[k]))
        })

    static let backward = ExerciseFunction(
        name: "conv_backward",
        parameters: [.init("x", "(H, W, C_in): the layer's input, as in the forward pass"),
                     .init("W", "(C_out, f, f, C_in): the filters"),
                     .init("delta", "(H-f+1, W-f+1, C_out): δ = ∂J/∂z, the error at the conv's output z")],
        outputs: [.init("dx", "(H, W, C_in): ∂J/∂x, the error handed to the layer below"),
                  .init("dW", "(C_out, f, f, C_in): ∂J/∂W, for this one image (before clipping or weight decay)"),
                  .init("db", "(C_out,): ∂J/∂b")],
        summary: "The convolution's backward pass: the error for its input, and its filters' and biases' gradients.",
        formulas: ["dx[y, x, c] = Σ_k Σ_(p,q) δ[y-p, x-q, k] · W[k, p, q, c]   (δ outside its map counts 0)",
                   "dW[k, p, q, c] = Σ_(i,j) x[i+p, j+q, c] · δ[i, j, k]",
                   "db[k] = Σ_(i,j) δ[i, j, k]"],
        reference: { a in
            let l = layer(a)
            let g = l.backwardNaive(batch(a["delta"]!), cache: l.forwardNaive(batch(a["x"]!)).cache)
            return ["dx": single(g.dx), "dW": g.dW, "db": g.db]
        },
        mistakes: { a, right in
            var flipped = a; flipped["W"] = rot180(a["W"]!)
            let l = layer(flipped)
            let wrongDx = single(l.backwardNaive(batch(a["delta"]!), cache: l.forwardNaive(batch(a["x"]!)).cache).dx)
            return [
                Mistake("filter not turned 180°", "the filters were not turned 180 degrees. Sliding δ over the filters as they are (a full correlation) sends each error to the mirror-image pixel; the input pixel x[y, x] met W[k, p, q] at output [y-p, x-q].",
                        ["dx": wrongDx]),
                Mistake("dW turned 180°", "dW is turned 180 degrees in every filter: you convolved where the filter gradient is a correlation of the input with δ (valid mode), each weight W[k, p, q, c] meeting x[i+p, j+q, c] as in the forward pass.",
                        ["dW": rot180(right["dW"]!)]),
            ]
        },
        factors: { a in
            let d = a["delta"]!
            let positions = d.shape[0] * d.shape[1]
            return [(1 / Double(positions), "averaged over the \(positions) output positions (\(d.shape[0])×\(d.shape[1])) instead of summed over them"),
                    (Double(positions), "multiplied by the number of output positions, \(positions)")]
        },
        hidden: { rng in
            [["x": draw(&rng, [8, 7, 3]), "W": draw(&rng, [4, 3, 3, 3]), "delta": draw(&rng, [6, 5, 4])],
             ["x": draw(&rng, [6, 9, 2]), "W": draw(&rng, [5, 2, 2, 2]), "delta": draw(&rng, [5, 8, 5])]]
        },
        worked: { output, index, a in
            let (x, w, d) = (a["x"]!, a["W"]!, a["delta"]!)
            let (f, oh, ow, cout) = (w.shape[1], d.shape[0], d.shape[1], d.shape[2])
            var parts = [(String, [Double])]()
            switch output {
            case "dx":
                let (y, xx, c) = (index[0], index[1], index[2])
                for k in 0..<cout { for p in 0..<f { for q in 0..<f where y - p >= 0 && y - p < oh && xx - q >= 0 && xx - q < ow {
                    parts.append(("δ\(indexText([y - p, xx - q, k])) · W\(indexText([k, p, q, c]))", [d.at(y - p, xx - q, k), w.at(k, p, q, c)]))
                } } }
                return sum("dx\(indexText(index)) = Σ_k Σ_(p,q) δ[\(y)-p, \(xx)-q, k] · W[k, p, q, \(c)]", parts)
            case "dW":
                let (k, p, q, c) = (index[0], index[1], index[2], index[3])
                for i in 0..<oh { for j in 0..<ow {
                    parts.append(("x\(indexText([i + p, j + q, c])) · δ\(indexText([i, j, k]))", [x.at(i + p, j + q, c), d.at(i, j, k)]))
                } }
                return sum("dW\(indexText(index)) = Σ_(i,j) x[i+\(p), j+\(q), \(c)] · δ[i, j, \(k)]", parts)
            default:
                let k = index[0]
                for i in 0..<oh { for j in 0..<ow { parts.append(("δ\(indexText([i, j, k]))", [d.at(i, j, k)])) } }
                return sum("db[\(k)] = Σ_(i,j) δ[i, j, \(k)]", parts)
            }
        })
}
