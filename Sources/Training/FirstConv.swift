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
        let scratch = UnsafeMutablePointer<Scalar>.allocate(capacity: lesson_conv1_scratch(f, cout))
        defer { scratch.deallocate() }
        if let (x, z, weights, bias, scratch) = Self.rebound(x, z, weights, bias, scratch, as: Float.self) {
            lesson_conv1_forward_f32(x, z, weights, bias, scratch, n, h, w, f, pad, stride, oh, ow, cout)
        } else if let (x, z, weights, bias, scratch) = Self.rebound(x, z, weights, bias, scratch, as: Double.self) {
            lesson_conv1_forward_f64(x, z, weights, bias, scratch, n, h, w, f, pad, stride, oh, ow, cout)
        }
    }

    /// dW[k, kh, kw] = Σ over images and output pixels of δ[.., k] · x[oy·s + kh − p, ox·s + kw − p],
    /// db[k] = Σ δ[.., k]; each image's sums are added to the totals, so a float32 sum is never longer
    /// than one image's pixels.
    @inline(never) func firstConvBackward(_ delta: UnsafeMutablePointer<Scalar>, _ x: UnsafeMutablePointer<Scalar>, dW: UnsafeMutablePointer<Scalar>,
                                          db: UnsafeMutablePointer<Scalar>, n: Int, h: Int, w: Int, f: Int, pad: Int, stride: Int,
                                          oh: Int, ow: Int, cout: Int) {
        let scratch = UnsafeMutablePointer<Scalar>.allocate(capacity: lesson_conv1_scratch(f, cout))
        defer { scratch.deallocate() }
        if let (delta, x, dW, db, scratch) = Self.rebound(delta, x, dW, db, scratch, as: Float.self) {
            lesson_conv1_backward_f32(delta, x, dW, db, scratch, n, h, w, f, pad, stride, oh, ow, cout)
        } else if let (delta, x, dW, db, scratch) = Self.rebound(delta, x, dW, db, scratch, as: Double.self) {
            lesson_conv1_backward_f64(delta, x, dW, db, scratch, n, h, w, f, pad, stride, oh, ow, cout)
        }
    }

    /// The five pointers as `T` pointers when Scalar is T (the plan is only ever Float or Double).
    static func rebound<T>(_ a: UnsafeMutablePointer<Scalar>, _ b: UnsafeMutablePointer<Scalar>, _ c: UnsafeMutablePointer<Scalar>,
                           _ d: UnsafeMutablePointer<Scalar>, _ e: UnsafeMutablePointer<Scalar>, as: T.Type)
        -> (UnsafeMutablePointer<T>, UnsafeMutablePointer<T>, UnsafeMutablePointer<T>, UnsafeMutablePointer<T>, UnsafeMutablePointer<T>)? {
        guard Scalar.self == T.self else { return nil }
        func cast(_ p: UnsafeMutablePointer<Scalar>) -> UnsafeMutablePointer<T> { UnsafeMutableRawPointer(p).assumingMemoryBound(to: T.self) }
        return (cast(a), cast(b), cast(c), cast(d), cast(e))
    }
}
