// The network's first convolution, computed directly. With one input channel its im2col rows hold
// f·f values (9 for conv1) and its GEMM has K = 9, N = 10: OpenBLAS spends more time packing such
// shapes than multiplying, and im2col writes nine copies of every pixel. Here each output pixel is
// f·f multiply-adds over all its filters at once, in C (CKernels/Kernels.c), whose channel loops the
// compiler vectorises. The readable Conv2D is the reference (TrainerTests, CNNParityTests).
import CKernels
import Numerics

extension TrainingPlan {
    /// z[i, oy, ox, k] = b[k] + Σ_(kh,kw) x[i, oy·s + kh − p, ox·s + kw − p] · W[k, kh, kw]
    /// x: (n, h, w) with one channel; z: (n, oh, ow, cout); weights: (cout, f, f, 1).
    @inline(never) func firstConvForward(_ x: UnsafeMutablePointer<Scalar>, _ z: UnsafeMutablePointer<Scalar>, weights: UnsafeMutablePointer<Scalar>,
                                         bias: UnsafeMutablePointer<Scalar>, n: Int, h: Int, w: Int, f: Int, pad: Int, stride: Int,
                                         oh: Int, ow: Int, cout: Int) {
        if let (x, z) = Self.rebound(x, z, as: Float.self), let (weights, bias) = Self.rebound(weights, bias, as: Float.self) {
            lesson_conv1_forward_f32(x, z, weights, bias, n, h, w, f, pad, stride, oh, ow, cout)
        } else if let (x, z) = Self.rebound(x, z, as: Double.self), let (weights, bias) = Self.rebound(weights, bias, as: Double.self) {
            lesson_conv1_forward_f64(x, z, weights, bias, n, h, w, f, pad, stride, oh, ow, cout)
        }
    }

    /// dW[k, kh, kw] = Σ over images and output pixels of δ[.., k] · x[oy·s + kh − p, ox·s + kw − p],
    /// db[k] = Σ δ[.., k]; each image's sums are added to the totals, so a float32 sum is never longer
    /// than one image's pixels.
    @inline(never) func firstConvBackward(_ delta: UnsafeMutablePointer<Scalar>, _ x: UnsafeMutablePointer<Scalar>, dW: UnsafeMutablePointer<Scalar>,
                                          db: UnsafeMutablePointer<Scalar>, n: Int, h: Int, w: Int, f: Int, pad: Int, stride: Int,
                                          oh: Int, ow: Int, cout: Int) {
        if let (delta, x) = Self.rebound(delta, x, as: Float.self), let (dW, db) = Self.rebound(dW, db, as: Float.self) {
            lesson_conv1_backward_f32(delta, x, dW, db, n, h, w, f, pad, stride, oh, ow, cout)
        } else if let (delta, x) = Self.rebound(delta, x, as: Double.self), let (dW, db) = Self.rebound(dW, db, as: Double.self) {
            lesson_conv1_backward_f64(delta, x, dW, db, n, h, w, f, pad, stride, oh, ow, cout)
        }
    }
}
