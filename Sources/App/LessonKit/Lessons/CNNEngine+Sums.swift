// Lesson 3's worked sums, term by term: an element of a conv layer's output, of its weight gradient
// or of the error it hands back, and a pooling window. The step's worked example and the quiz's
// questions take their terms from here, so a question is the same sum the step writes out.
import Network
import Numerics

extension CNNEngine {
    /// z[oy, ox, k] = Σ_c Σ_(a,b) x[oy·s + a - p, ox·s + b - p, c] · W[k][a, b, c] (+ b[k]): the
    /// products in the filter's order, grouped by input channel c (`channels`: only those).
    func convOutputTerms(_ c: Conv2D, x: Tensor<Double>, oy: Int, ox: Int, k: Int, channels: [Int]? = nil) -> [WorkedSum.Term] {
        let size = c.f * c.f * c.inChannels
        var terms = [WorkedSum.Term]()
        for ci in channels ?? Array(0..<c.inChannels) {
            for a in 0..<c.f { for b in 0..<c.f {
                terms.append(.init(c.inputValue(x, 0, oy * c.stride + a - c.pad, ox * c.stride + b - c.pad, ci),
                                   c.weights.storage[k * size + (a * c.f + b) * c.inChannels + ci], group: ci))
            } }
        }
        return terms
    }

    /// dW[k][a, b, c] = Σ over output positions (oy, ox) of x[oy·s + a - p, ox·s + b - p, c] · δ[oy, ox, k].
    func convWeightTerms(_ c: Conv2D, x: Tensor<Double>, deltaOut: Tensor<Double>, k: Int, a: Int, b: Int, channel ci: Int) -> [WorkedSum.Term] {
        let (oh, ow, cs) = (deltaOut.shape[1], deltaOut.shape[2], deltaOut.shape[3])
        var terms = [WorkedSum.Term]()
        for oy in 0..<oh { for ox in 0..<ow {
            terms.append(.init(c.inputValue(x, 0, oy * c.stride + a - c.pad, ox * c.stride + b - c.pad, ci), deltaOut.storage[(oy * ow + ox) * cs + k]))
        } }
        return terms
    }

    /// δ_in[y, x, c] = Σ_k Σ over the filter taps (a, b) that reached (y, x) of δ[oy, ox, k] · W[k][a, b, c],
    /// grouped by filter k. `padded`: every tap, with δ = 0 where it falls outside δ (a full convolution,
    /// as a student writes it over a whole f × f window).
    func inputErrorTerms(_ c: Conv2D, deltaOut: Tensor<Double>, y: Int, x: Int, channel cin: Int, padded: Bool = false) -> [WorkedSum.Term] {
        let (oh, ow, cs) = (deltaOut.shape[1], deltaOut.shape[2], deltaOut.shape[3])
        var terms = [WorkedSum.Term]()
        for k in 0..<c.outChannels { for a in 0..<c.f { for b in 0..<c.f {
            let (ny, nx) = (y + c.pad - a, x + c.pad - b)
            let w = c.weights.storage[((k * c.f + a) * c.f + b) * c.inChannels + cin]
            guard ny >= 0, nx >= 0, ny % c.stride == 0, nx % c.stride == 0, ny / c.stride < oh, nx / c.stride < ow else {
                if padded { terms.append(.init(0, w, group: k)) }
                continue
            }
            terms.append(.init(deltaOut.storage[((ny / c.stride) * ow + nx / c.stride) * cs + k], w, group: k))
        } } }
        return terms
    }

    /// δ_in[j] of a dense layer = Σ_r δ[r] · W[r, j].
    func denseInputErrorTerms(_ d: Dense, deltaOut: Tensor<Double>, j: Int) -> [WorkedSum.Term] {
        (0..<d.outputs).map { .init(deltaOut.storage[$0], d.weights.storage[$0 * d.inputs + j]) }
    }

    /// The f × f window of x (channel ch) that pooled[py, px, ch] summarises, row by row.
    func poolWindow(_ x: Tensor<Double>, f: Int, py: Int, px: Int, channel ch: Int) -> [Double] {
        let (w, cs) = (x.shape[2], x.shape[3])
        return (0..<(f * f)).map { q in x.storage[((py * f + q / f) * w + px * f + q % f) * cs + ch] }
    }
}
