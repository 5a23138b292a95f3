// The scalars the training path runs in, each with its C kernels (CKernels/Kernels.c): Float calls the
// f32 entry points, Double the f64 ones, so the plan calls `Scalar.relu(z, count)` with no type tests.
//
// Why C: the network's first convolution has one input channel, so its im2col rows hold f·f values
// (9 for conv1) and its GEMM has K = 9, N = 10 — OpenBLAS spends more time packing such shapes than
// multiplying — and max-pooling, ReLU and its gate are loops Swift compiled to a branch per element
// (a coin flip on real activations). The C compiler vectorises them, with an AVX2 clone chosen at
// load time. The readable layers in Network are the reference (TrainerTests, CNNParityTests).
import CKernels
import Numerics

protocol KernelScalar: BLASScalar {
    /// out = max over each f×f window per channel, arg = the flat input index of its first maximum;
    /// with `relu`, max(out, 0) (the ReLU before a max-pool, applied after it: max is monotonic).
    static func maxPool(_ x: UnsafePointer<Self>, _ out: UnsafeMutablePointer<Self>, _ arg: UnsafeMutablePointer<Int32>,
                        n: Int, h: Int, w: Int, c: Int, f: Int, oh: Int, ow: Int, relu: Bool)
    /// One input channel: z[i, oy, ox, k] = b[k] + Σ_(kh,kw) x[i, oy·s + kh − p, ox·s + kw − p] · W[k, kh, kw]
    static func firstConvForward(_ x: UnsafePointer<Self>, _ z: UnsafeMutablePointer<Self>, weights: UnsafePointer<Self>, bias: UnsafePointer<Self>,
                                 n: Int, h: Int, w: Int, f: Int, pad: Int, stride: Int, oh: Int, ow: Int, cout: Int)
    /// dW[k, kh, kw] = Σ δ[.., k] · x[oy·s + kh − p, ox·s + kw − p], db[k] = Σ δ[.., k], each image summed first.
    static func firstConvBackward(_ delta: UnsafePointer<Self>, _ x: UnsafePointer<Self>, dW: UnsafeMutablePointer<Self>, db: UnsafeMutablePointer<Self>,
                                  n: Int, h: Int, w: Int, f: Int, pad: Int, stride: Int, oh: Int, ow: Int, cout: Int)
    /// z = max(z, 0)
    static func relu(_ z: UnsafeMutablePointer<Self>, _ count: Int)
    /// δ ← δ ⊙ (a > 0)
    static func gate(_ d: UnsafeMutablePointer<Self>, by a: UnsafePointer<Self>, _ count: Int)
    /// out[c] = Σ_r d[r, c], the rows in order
    static func columnSums(_ d: UnsafePointer<Self>, into out: UnsafeMutablePointer<Self>, rows: Int, columns: Int)
}

extension Float: KernelScalar {
    static func maxPool(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ arg: UnsafeMutablePointer<Int32>,
                        n: Int, h: Int, w: Int, c: Int, f: Int, oh: Int, ow: Int, relu: Bool) {
        lesson_maxpool_f32(x, out, arg, n, h, w, c, f, oh, ow, relu ? 1 : 0)
    }
    static func firstConvForward(_ x: UnsafePointer<Float>, _ z: UnsafeMutablePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                 n: Int, h: Int, w: Int, f: Int, pad: Int, stride: Int, oh: Int, ow: Int, cout: Int) {
        lesson_conv1_forward_f32(x, z, weights, bias, n, h, w, f, pad, stride, oh, ow, cout)
    }
    static func firstConvBackward(_ delta: UnsafePointer<Float>, _ x: UnsafePointer<Float>, dW: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>,
                                  n: Int, h: Int, w: Int, f: Int, pad: Int, stride: Int, oh: Int, ow: Int, cout: Int) {
        lesson_conv1_backward_f32(delta, x, dW, db, n, h, w, f, pad, stride, oh, ow, cout)
    }
    static func relu(_ z: UnsafeMutablePointer<Float>, _ count: Int) { lesson_relu_f32(z, count) }
    static func gate(_ d: UnsafeMutablePointer<Float>, by a: UnsafePointer<Float>, _ count: Int) { lesson_gate_f32(d, a, count) }
    static func columnSums(_ d: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        lesson_column_sums_f32(d, out, rows, columns)
    }
}

extension Double: KernelScalar {
    static func maxPool(_ x: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, _ arg: UnsafeMutablePointer<Int32>,
                        n: Int, h: Int, w: Int, c: Int, f: Int, oh: Int, ow: Int, relu: Bool) {
        lesson_maxpool_f64(x, out, arg, n, h, w, c, f, oh, ow, relu ? 1 : 0)
    }
    static func firstConvForward(_ x: UnsafePointer<Double>, _ z: UnsafeMutablePointer<Double>, weights: UnsafePointer<Double>, bias: UnsafePointer<Double>,
                                 n: Int, h: Int, w: Int, f: Int, pad: Int, stride: Int, oh: Int, ow: Int, cout: Int) {
        lesson_conv1_forward_f64(x, z, weights, bias, n, h, w, f, pad, stride, oh, ow, cout)
    }
    static func firstConvBackward(_ delta: UnsafePointer<Double>, _ x: UnsafePointer<Double>, dW: UnsafeMutablePointer<Double>, db: UnsafeMutablePointer<Double>,
                                  n: Int, h: Int, w: Int, f: Int, pad: Int, stride: Int, oh: Int, ow: Int, cout: Int) {
        lesson_conv1_backward_f64(delta, x, dW, db, n, h, w, f, pad, stride, oh, ow, cout)
    }
    static func relu(_ z: UnsafeMutablePointer<Double>, _ count: Int) { lesson_relu_f64(z, count) }
    static func gate(_ d: UnsafeMutablePointer<Double>, by a: UnsafePointer<Double>, _ count: Int) { lesson_gate_f64(d, a, count) }
    static func columnSums(_ d: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, rows: Int, columns: Int) {
        lesson_column_sums_f64(d, out, rows, columns)
    }
}
