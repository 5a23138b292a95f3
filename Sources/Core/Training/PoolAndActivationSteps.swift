// Training-path steps for the layer kinds that have no C kernels: average pooling, and element-wise
// activations other than ReLU (tanh, sigmoid) through their kind's own functions. Plain loops over the
// shard's buffers; the parity tests prove them equal to the readable layers.
import Network
import Numerics

extension TrainingPlan {
    // out[oy, ox, c] = (1 / f²) Σ_{dy, dx < f} x[oy·f + dy, ox·f + dx, c]
    func averagePool(_ p: PoolStep, _ x: UnsafeMutablePointer<Scalar>, _ out: UnsafeMutablePointer<Scalar>, count n: Int) {
        let share = 1 / Scalar(p.f * p.f)
        for i in 0..<n { for oy in 0..<p.oh { for ox in 0..<p.ow {
            let o = ((i * p.oh + oy) * p.ow + ox) * p.c
            for ch in 0..<p.c {
                var sum: Scalar = 0
                for dy in 0..<p.f { for dx in 0..<p.f { sum += x[((i * p.h + oy * p.f + dy) * p.w + ox * p.f + dx) * p.c + ch] } }
                out[o + ch] = sum * share
            }
        } } }
    }

    // dx[oy·f + dy, ox·f + dx, c] = δ[oy, ox, c] / f²; inputs past the last whole window get 0
    func averagePoolBackward(_ p: PoolStep, _ delta: UnsafeMutablePointer<Scalar>, into dx: UnsafeMutablePointer<Scalar>, count n: Int) {
        let share = 1 / Scalar(p.f * p.f)
        dx.update(repeating: 0, count: n * p.h * p.w * p.c)
        for i in 0..<n { for oy in 0..<p.oh { for ox in 0..<p.ow {
            let o = ((i * p.oh + oy) * p.ow + ox) * p.c
            for dy in 0..<p.f { for dxx in 0..<p.f {
                let d = ((i * p.h + oy * p.f + dy) * p.w + ox * p.f + dxx) * p.c
                for ch in 0..<p.c { dx[d + ch] = delta[o + ch] * share }
            } }
        } } }
    }

    /// a = g(z) by the kind's own function (`ElementwiseActivation.activate`): no second formula to keep equal.
    func activate(_ g: any ElementwiseActivation.Type, _ z: UnsafeMutablePointer<Scalar>, _ a: UnsafeMutablePointer<Scalar>, _ count: Int) {
        for k in 0..<count { a[k] = Scalar.activate(g, z[k]) }
    }

    /// δ_z = δ_a · g'(z), by the kind's own `gate` from the step's input z and output a.
    func activationBackward(_ g: any ElementwiseActivation.Type, _ delta: UnsafeMutablePointer<Scalar>, input z: UnsafeMutablePointer<Scalar>,
                            output a: UnsafeMutablePointer<Scalar>, into dz: UnsafeMutablePointer<Scalar>, _ count: Int) {
        for k in 0..<count { dz[k] = Scalar.gate(g, delta[k], z: z[k], a: a[k]) }
    }
}
