// The scalars the training path runs in, each with its C kernels (CKernels: Kernels.c, Conv.c): Float
// calls the f32 entry points, Double the f64 ones, so the plan calls `Scalar.relu(z, count)` with no
// type tests.
//
// Why C: the convolutions' im2col copies and OpenBLAS's packing of the patch matrices cost more than
// their multiplications (conv1 has K = 9, N = 10; conv2's patches are 5 MB a shard), so the kernels read
// each image where it lies; max-pooling, ReLU, its gate and per-image clipping are loops Swift compiled
// to a branch per element (a coin flip on real activations). The C compiler vectorises them, at the
// vector level the processor has (the same bits at every level). The readable layers in Network are the
// reference (TrainerTests, CNNParityTests).
import CKernels
import Network
import Numerics

protocol KernelScalar: BLASScalar {
    /// out = max over each f×f window per channel, arg = the flat input index of its first maximum;
    /// with `relu`, max(out, 0) (the ReLU before a max-pool, applied after it: max is monotonic).
    static func maxPool(_ x: UnsafePointer<Self>, _ out: UnsafeMutablePointer<Self>, _ arg: UnsafeMutablePointer<Int32>,
                        n: Int, h: Int, w: Int, c: Int, f: Int, oh: Int, ow: Int, relu: Bool)
    /// One input channel: z[i, oy, ox, k] = b[k] + Σ_(kh,kw) x[i, oy·s + kh − p, ox·s + kw − p] · W[k, kh, kw]
    static func firstConvForward(_ x: UnsafePointer<Self>, _ z: UnsafeMutablePointer<Self>, weights: UnsafePointer<Self>, bias: UnsafePointer<Self>,
                                 n: Int, h: Int, w: Int, f: Int, pad: Int, stride: Int, oh: Int, ow: Int, cout: Int)
    /// The same conv unpadded (stride 1, f·f ≤ 16), its ReLU if `relu` and a 2 × 2 max-pool in one pass:
    /// out = the pool's output, arg (if given) its indices into the conv output, which is not stored
    static func firstConvPool(_ x: UnsafePointer<Self>, _ out: UnsafeMutablePointer<Self>, _ arg: UnsafeMutablePointer<Int32>?,
                              weights: UnsafePointer<Self>, bias: UnsafePointer<Self>, n: Int, h: Int, w: Int, f: Int,
                              oh: Int, ow: Int, cout: Int, ph: Int, pw: Int, relu: Bool)
    /// dW[k, kh, kw] = Σ δ[.., k] · x[oy·s + kh − p, ox·s + kw − p], db[k] = Σ δ[.., k], each image summed first.
    static func firstConvBackward(_ delta: UnsafePointer<Self>, _ x: UnsafePointer<Self>, dW: UnsafeMutablePointer<Self>, db: UnsafeMutablePointer<Self>,
                                  n: Int, h: Int, w: Int, f: Int, pad: Int, stride: Int, oh: Int, ow: Int, cout: Int)
    /// The first conv's dW and db from the pooled δ of the max-pool after it: each δ (where `gate`, the
    /// pool's output, is > 0 if given) times its maximum's patch
    static func firstConvBackwardPooled(_ delta: UnsafePointer<Self>, gate: UnsafePointer<Self>?, arg: UnsafePointer<Int32>, _ x: UnsafePointer<Self>,
                                        dW: UnsafeMutablePointer<Self>, db: UnsafeMutablePointer<Self>, n: Int, h: Int, w: Int, f: Int, pad: Int,
                                        stride: Int, oh: Int, ow: Int, cout: Int, window pf: Int, ph: Int, pw: Int, patches: UnsafeMutablePointer<Self>)
    /// A later convolution (stride 1, no padding, cout ≤ 16) without im2col:
    /// z[i, oy, ox, :] = b + Σ_(kh,kw,ci) x[i, oy + kh, ox + kw, ci] · wt[(kh,kw,ci), :], wt the filters transposed to 16 lanes
    static func convForward(_ x: UnsafePointer<Self>, _ z: UnsafeMutablePointer<Self>, transposed wt: UnsafePointer<Self>, bias: UnsafePointer<Self>,
                            n: Int, h: Int, w: Int, cin: Int, f: Int, oh: Int, ow: Int, cout: Int)
    /// total[(kh,kw,ci), :] = Σ_i Σ_(oy,ox) x[i, oy + kh, ox + kw, ci] · δ[i, oy, ox, :], each image summed first
    static func convWeightGradient(_ x: UnsafePointer<Self>, _ delta: UnsafePointer<Self>, into total: UnsafeMutablePointer<Self>,
                                   n: Int, h: Int, w: Int, cin: Int, f: Int, oh: Int, ow: Int, cout: Int)
    /// The error for the layer below such a convolution (cin ≤ 16, w ≤ 64): δx[i, y, x, :] = Σ over the windows
    /// holding (y, x), in raster order, of Σ_co δ[i, oy, ox, co] · wb[(y − oy, x − ox, co), :], wb the filters as (f·f·C_out, 16)
    static func convBackwardData(_ delta: UnsafePointer<Self>, backward wb: UnsafePointer<Self>, into dx: UnsafeMutablePointer<Self>,
                                 n: Int, h: Int, w: Int, cin: Int, f: Int, oh: Int, ow: Int, cout: Int)
    /// c[i, j] = Σ_k a[i·rs + k·cs] · b[k·ldb + j] (with `add`, c[i, j] += it), summed over k in order (fused
    /// multiply-adds) on every processor: the dense layers' products
    static func product(_ a: UnsafePointer<Self>, rowStride rs: Int, columnStride cs: Int, _ b: UnsafePointer<Self>, ldb: Int,
                        into c: UnsafeMutablePointer<Self>, ldc: Int, m: Int, n: Int, k: Int, add: Bool)
    /// dW += Σ_n (clip(δ_n,o · x_n,i) − δ_n,o · x_n,i) for the products past ±c; returns how many
    static func clipCorrection(delta: UnsafePointer<Self>, x: UnsafePointer<Self>, n: Int, outputs: Int, inputs: Int, clip c: Self,
                               into dW: UnsafeMutablePointer<Self>) -> Int
    /// The adjoint of im2col: x = 0, then every patch value of cols added back onto the pixel it came from
    static func col2im(_ cols: UnsafePointer<Self>, _ x: UnsafeMutablePointer<Self>, n: Int, h: Int, w: Int, c: Int,
                       f: Int, pad: Int, stride: Int, oh: Int, ow: Int)
    /// out[q] = bytes[q] / 255, the value Scalar(Double(bytes[q]) / 255) (a pixel as the readable path reads it)
    static func unitFromBytes(_ bytes: UnsafePointer<UInt8>, _ out: UnsafeMutablePointer<Self>, count: Int)
    /// z = max(z, 0)
    static func relu(_ z: UnsafeMutablePointer<Self>, _ count: Int)
    /// δ ← δ ⊙ (a > 0)
    static func gate(_ d: UnsafeMutablePointer<Self>, by a: UnsafePointer<Self>, _ count: Int)
    /// out[c] = Σ_r d[r, c], the rows in order
    static func columnSums(_ d: UnsafePointer<Self>, into out: UnsafeMutablePointer<Self>, rows: Int, columns: Int)
    /// a = g(z) and δ_z = δ_a · g'(z) by an activation kind's own functions, in this scalar.
    static func activate(_ g: any ElementwiseActivation.Type, _ z: Self) -> Self
    static func gate(_ g: any ElementwiseActivation.Type, _ delta: Self, z: Self, a: Self) -> Self
}

extension Float: KernelScalar {
    static func activate(_ g: any ElementwiseActivation.Type, _ z: Float) -> Float { g.activate(z) }
    static func gate(_ g: any ElementwiseActivation.Type, _ delta: Float, z: Float, a: Float) -> Float { g.gate(delta, z: z, a: a) }
    static func maxPool(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ arg: UnsafeMutablePointer<Int32>,
                        n: Int, h: Int, w: Int, c: Int, f: Int, oh: Int, ow: Int, relu: Bool) {
        lesson_maxpool_f32(x, out, arg, n, h, w, c, f, oh, ow, relu ? 1 : 0)
    }
    static func firstConvForward(_ x: UnsafePointer<Float>, _ z: UnsafeMutablePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                 n: Int, h: Int, w: Int, f: Int, pad: Int, stride: Int, oh: Int, ow: Int, cout: Int) {
        // Unpadded (lesson 3's conv1): several output pixels at a time (Conv.c); padded: pixel by pixel (Kernels.c).
        if pad == 0 && f * f <= 16 { lesson_first_conv_forward_f32(x, z, weights, bias, n, h, w, f, stride, oh, ow, cout) }
        else { lesson_conv1_forward_f32(x, z, weights, bias, n, h, w, f, pad, stride, oh, ow, cout) }
    }
    static func firstConvPool(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ arg: UnsafeMutablePointer<Int32>?,
                              weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, n: Int, h: Int, w: Int, f: Int,
                              oh: Int, ow: Int, cout: Int, ph: Int, pw: Int, relu: Bool) {
        lesson_first_conv_pool_f32(x, out, arg, weights, bias, n, h, w, f, oh, ow, cout, ph, pw, relu ? 1 : 0)
    }
    static func firstConvBackward(_ delta: UnsafePointer<Float>, _ x: UnsafePointer<Float>, dW: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>,
                                  n: Int, h: Int, w: Int, f: Int, pad: Int, stride: Int, oh: Int, ow: Int, cout: Int) {
        lesson_conv1_backward_f32(delta, x, dW, db, n, h, w, f, pad, stride, oh, ow, cout)
    }
    static func firstConvBackwardPooled(_ delta: UnsafePointer<Float>, gate: UnsafePointer<Float>?, arg: UnsafePointer<Int32>, _ x: UnsafePointer<Float>,
                                        dW: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>, n: Int, h: Int, w: Int, f: Int, pad: Int,
                                        stride: Int, oh: Int, ow: Int, cout: Int, window pf: Int, ph: Int, pw: Int, patches: UnsafeMutablePointer<Self>) {
        lesson_conv1_backward_pooled_f32(delta, gate, arg, x, dW, db, n, h, w, f, pad, stride, oh, ow, cout, pf, ph, pw, patches)
    }
    static func convForward(_ x: UnsafePointer<Float>, _ z: UnsafeMutablePointer<Float>, transposed wt: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                            n: Int, h: Int, w: Int, cin: Int, f: Int, oh: Int, ow: Int, cout: Int) {
        lesson_conv_forward_f32(x, z, wt, bias, n, h, w, cin, f, 1, oh, ow, cout)
    }
    static func convWeightGradient(_ x: UnsafePointer<Float>, _ delta: UnsafePointer<Float>, into total: UnsafeMutablePointer<Float>,
                                   n: Int, h: Int, w: Int, cin: Int, f: Int, oh: Int, ow: Int, cout: Int) {
        lesson_conv_weight_gradient_f32(x, delta, total, n, h, w, cin, f, oh, ow, cout)
    }
    static func convBackwardData(_ delta: UnsafePointer<Float>, backward wb: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                                 n: Int, h: Int, w: Int, cin: Int, f: Int, oh: Int, ow: Int, cout: Int) {
        lesson_conv_backward_data_f32(delta, wb, dx, n, h, w, cin, f, oh, ow, cout)
    }
    static func product(_ a: UnsafePointer<Float>, rowStride rs: Int, columnStride cs: Int, _ b: UnsafePointer<Float>, ldb: Int,
                        into c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, n: Int, k: Int, add: Bool) {
        lesson_product_f32(a, rs, cs, b, ldb, c, ldc, m, n, k, add ? 1 : 0)
    }
    static func clipCorrection(delta: UnsafePointer<Float>, x: UnsafePointer<Float>, n: Int, outputs: Int, inputs: Int, clip c: Float,
                               into dW: UnsafeMutablePointer<Float>) -> Int {
        lesson_clip_correct_f32(delta, x, n, outputs, inputs, c, dW)
    }
    static func col2im(_ cols: UnsafePointer<Float>, _ x: UnsafeMutablePointer<Float>, n: Int, h: Int, w: Int, c: Int,
                       f: Int, pad: Int, stride: Int, oh: Int, ow: Int) {
        lesson_col2im_f32(cols, x, n, h, w, c, f, pad, stride, oh, ow)
    }
    static func unitFromBytes(_ bytes: UnsafePointer<UInt8>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        lesson_unit_from_bytes_f32(bytes, out, count)
    }
    static func relu(_ z: UnsafeMutablePointer<Float>, _ count: Int) { lesson_relu_f32(z, count) }
    static func gate(_ d: UnsafeMutablePointer<Float>, by a: UnsafePointer<Float>, _ count: Int) { lesson_gate_f32(d, a, count) }
    static func columnSums(_ d: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        lesson_column_sums_f32(d, out, rows, columns)
    }
}

extension Double: KernelScalar {
    static func activate(_ g: any ElementwiseActivation.Type, _ z: Double) -> Double { g.activate(z) }
    static func gate(_ g: any ElementwiseActivation.Type, _ delta: Double, z: Double, a: Double) -> Double { g.gate(delta, z: z, a: a) }
    static func maxPool(_ x: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, _ arg: UnsafeMutablePointer<Int32>,
                        n: Int, h: Int, w: Int, c: Int, f: Int, oh: Int, ow: Int, relu: Bool) {
        lesson_maxpool_f64(x, out, arg, n, h, w, c, f, oh, ow, relu ? 1 : 0)
    }
    static func firstConvForward(_ x: UnsafePointer<Double>, _ z: UnsafeMutablePointer<Double>, weights: UnsafePointer<Double>, bias: UnsafePointer<Double>,
                                 n: Int, h: Int, w: Int, f: Int, pad: Int, stride: Int, oh: Int, ow: Int, cout: Int) {
        // Unpadded (lesson 3's conv1): several output pixels at a time (Conv.c); padded: pixel by pixel (Kernels.c).
        if pad == 0 && f * f <= 16 { lesson_first_conv_forward_f64(x, z, weights, bias, n, h, w, f, stride, oh, ow, cout) }
        else { lesson_conv1_forward_f64(x, z, weights, bias, n, h, w, f, pad, stride, oh, ow, cout) }
    }
    static func firstConvPool(_ x: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, _ arg: UnsafeMutablePointer<Int32>?,
                              weights: UnsafePointer<Double>, bias: UnsafePointer<Double>, n: Int, h: Int, w: Int, f: Int,
                              oh: Int, ow: Int, cout: Int, ph: Int, pw: Int, relu: Bool) {
        lesson_first_conv_pool_f64(x, out, arg, weights, bias, n, h, w, f, oh, ow, cout, ph, pw, relu ? 1 : 0)
    }
    static func firstConvBackward(_ delta: UnsafePointer<Double>, _ x: UnsafePointer<Double>, dW: UnsafeMutablePointer<Double>, db: UnsafeMutablePointer<Double>,
                                  n: Int, h: Int, w: Int, f: Int, pad: Int, stride: Int, oh: Int, ow: Int, cout: Int) {
        lesson_conv1_backward_f64(delta, x, dW, db, n, h, w, f, pad, stride, oh, ow, cout)
    }
    static func firstConvBackwardPooled(_ delta: UnsafePointer<Double>, gate: UnsafePointer<Double>?, arg: UnsafePointer<Int32>, _ x: UnsafePointer<Double>,
                                        dW: UnsafeMutablePointer<Double>, db: UnsafeMutablePointer<Double>, n: Int, h: Int, w: Int, f: Int, pad: Int,
                                        stride: Int, oh: Int, ow: Int, cout: Int, window pf: Int, ph: Int, pw: Int, patches: UnsafeMutablePointer<Self>) {
        lesson_conv1_backward_pooled_f64(delta, gate, arg, x, dW, db, n, h, w, f, pad, stride, oh, ow, cout, pf, ph, pw, patches)
    }
    static func convForward(_ x: UnsafePointer<Double>, _ z: UnsafeMutablePointer<Double>, transposed wt: UnsafePointer<Double>, bias: UnsafePointer<Double>,
                            n: Int, h: Int, w: Int, cin: Int, f: Int, oh: Int, ow: Int, cout: Int) {
        lesson_conv_forward_f64(x, z, wt, bias, n, h, w, cin, f, 1, oh, ow, cout)
    }
    static func convWeightGradient(_ x: UnsafePointer<Double>, _ delta: UnsafePointer<Double>, into total: UnsafeMutablePointer<Double>,
                                   n: Int, h: Int, w: Int, cin: Int, f: Int, oh: Int, ow: Int, cout: Int) {
        lesson_conv_weight_gradient_f64(x, delta, total, n, h, w, cin, f, oh, ow, cout)
    }
    static func convBackwardData(_ delta: UnsafePointer<Double>, backward wb: UnsafePointer<Double>, into dx: UnsafeMutablePointer<Double>,
                                 n: Int, h: Int, w: Int, cin: Int, f: Int, oh: Int, ow: Int, cout: Int) {
        lesson_conv_backward_data_f64(delta, wb, dx, n, h, w, cin, f, oh, ow, cout)
    }
    static func product(_ a: UnsafePointer<Double>, rowStride rs: Int, columnStride cs: Int, _ b: UnsafePointer<Double>, ldb: Int,
                        into c: UnsafeMutablePointer<Double>, ldc: Int, m: Int, n: Int, k: Int, add: Bool) {
        lesson_product_f64(a, rs, cs, b, ldb, c, ldc, m, n, k, add ? 1 : 0)
    }
    static func clipCorrection(delta: UnsafePointer<Double>, x: UnsafePointer<Double>, n: Int, outputs: Int, inputs: Int, clip c: Double,
                               into dW: UnsafeMutablePointer<Double>) -> Int {
        lesson_clip_correct_f64(delta, x, n, outputs, inputs, c, dW)
    }
    static func col2im(_ cols: UnsafePointer<Double>, _ x: UnsafeMutablePointer<Double>, n: Int, h: Int, w: Int, c: Int,
                       f: Int, pad: Int, stride: Int, oh: Int, ow: Int) {
        lesson_col2im_f64(cols, x, n, h, w, c, f, pad, stride, oh, ow)
    }
    static func unitFromBytes(_ bytes: UnsafePointer<UInt8>, _ out: UnsafeMutablePointer<Double>, count: Int) {
        lesson_unit_from_bytes_f64(bytes, out, count)
    }
    static func relu(_ z: UnsafeMutablePointer<Double>, _ count: Int) { lesson_relu_f64(z, count) }
    static func gate(_ d: UnsafeMutablePointer<Double>, by a: UnsafePointer<Double>, _ count: Int) { lesson_gate_f64(d, a, count) }
    static func columnSums(_ d: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, rows: Int, columns: Int) {
        lesson_column_sums_f64(d, out, rows, columns)
    }
}
