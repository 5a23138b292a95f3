// The training path's Swift kernels over raw buffers: bias rows and im2col (the C ones, im2col's
// adjoint col2im among them, are KernelScalar's: CKernels/Kernels.c).
import Numerics

extension TrainingPlan {
    /// Every row of z set to b: the GEMM then adds onto it (beta = 1) instead of clearing z first.
    @inline(never) func fillRows(_ z: UnsafeMutablePointer<Scalar>, with b: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int) {
        guard rows > 0 else { return }
        z.update(from: b, count: columns)
        var done = 1
        while done < rows {  // doubling copies: memcpy does the work
            let now = Swift.min(done, rows &- done)
            (z + done &* columns).update(from: z, count: now &* columns)
            done &+= now
        }
    }

    /// Patches as rows, in the order (kh, kw, c) that the weights use. In NHWC the f·C_in values of one
    /// kernel row are contiguous, so each is a straight copy. (A C version measured no faster.)
    @inline(never) func im2col(_ x: UnsafeMutablePointer<Scalar>, _ cols: UnsafeMutablePointer<Scalar>, n: Int, h: Int, w: Int, c: Int,
                               f: Int, pad: Int, stride: Int, oh: Int, ow: Int) {
        let k = f &* f &* c, run = f &* c
        var row = cols
        for i in 0..<n {
            let image = x + i &* h &* w &* c
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let x0 = ox &* stride &- pad
                    let inside = x0 >= 0 && x0 &+ f <= w
                    for kh in 0..<f {
                        let y = oy &* stride &+ kh &- pad
                        let dst = row + kh &* run
                        if y < 0 || y >= h { dst.update(repeating: 0, count: run); continue }
                        if inside {
                            let src = image + (y &* w &+ x0) &* c
                            if run >= 16 { dst.update(from: src, count: run) } else { for q in 0..<run { dst[q] = src[q] } }
                        } else {
                            for kw in 0..<f {
                                let xx = x0 &+ kw
                                if xx < 0 || xx >= w { (dst + kw &* c).update(repeating: 0, count: c) }
                                else { (dst + kw &* c).update(from: image + (y &* w &+ xx) &* c, count: c) }
                            }
                        }
                    }
                    row += k
                }
            }
        }
    }
}
