// Training-path steps for the layer kinds that have no C kernels: average pooling, tanh and sigmoid.
// Plain loops over the shard's buffers, the same formulas as the readable layers (AvgPool2D, Tanh,
// Sigmoid); the parity tests prove them equal.
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

    // tanh: a = tanh(z);  sigmoid: a = 1 / (1 + e^(−z))
    func squash(_ g: Squash, _ z: UnsafeMutablePointer<Scalar>, _ a: UnsafeMutablePointer<Scalar>, _ count: Int) {
        switch g {
        case .tanh: for k in 0..<count { a[k] = Scalar.tanh(z[k]) }
        case .sigmoid: for k in 0..<count { a[k] = 1 / (1 + Scalar.exp(-z[k])) }
        }
    }

    // tanh: δ_z = δ_a · (1 − a²);  sigmoid: δ_z = δ_a · a (1 − a)
    func squashBackward(_ g: Squash, _ delta: UnsafeMutablePointer<Scalar>, output a: UnsafeMutablePointer<Scalar>,
                        into dz: UnsafeMutablePointer<Scalar>, _ count: Int) {
        switch g {
        case .tanh: for k in 0..<count { dz[k] = delta[k] * (1 - a[k] * a[k]) }
        case .sigmoid: for k in 0..<count { dz[k] = delta[k] * (a[k] * (1 - a[k])) }
        }
    }
}
