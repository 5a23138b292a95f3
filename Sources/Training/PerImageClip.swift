// The training path's per-image clip (ClipScope.image): the GEMM's batch sum corrected where one
// image's product passes ±clip. The readable version it equals is Dense.perImageClippedWeightGradient.
import Numerics

/// The training path's per-image clipping: given the GEMM's δᵀx, only entries whose per-image
/// product passes ±c need changing, and max|δ_n,o|·max|x_n| ≤ c rules most rows out at once.
enum PerImageClip {
    /// Adds Σ_n (clip(δ_n,o·x_n,i) − δ_n,o·x_n,i) onto dW; returns how many products were clipped.
    /// delta: (n, outputs), x: (n, inputs), dW: (outputs, inputs), all row-major.
    static func correct<S: BinaryFloatingPoint>(delta: UnsafePointer<S>, x: UnsafePointer<S>, n: Int, outputs: Int, inputs: Int,
                                                      clip c: S, into dW: UnsafeMutablePointer<S>) -> Int {
        var clipped = 0
        for r in 0..<n {
            let xr = x + r * inputs, dr = delta + r * outputs
            var xMax: S = 0
            for i in 0..<inputs { xMax = max(xMax, abs(xr[i])) }
            for o in 0..<outputs {
                let d = dr[o]
                guard abs(d) * xMax > c else { continue }
                let row = dW + o * inputs
                for i in 0..<inputs {
                    let v = d * xr[i]
                    if v > c { row[i] += c - v; clipped += 1 } else if v < -c { row[i] += -c - v; clipped += 1 }
                }
            }
        }
        return clipped
    }
}
