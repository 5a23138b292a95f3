// The convolution's step on the training path: which kernels compute it (its own C kernels for the
// first layer, direct C kernels for small stride-1 convs, im2col and GEMMs otherwise), its forward
// with the bias and a fused ReLU, and its backward into dW, db and the error for the layer below.
import Network
import Numerics

/// How a convolution is computed.
enum ConvKernel {
    /// The network's first layer with one input channel and at most 16 filters: its own C kernels
    /// (CKernels/Kernels.c), no im2col, and no error handed further back.
    case first
    /// Stride 1, no padding, at most 16 filters: forward, dW and the error for the layer below by C kernels
    /// that read the input where it lies (CKernels/Conv.c); that error by δ · W and col2im past 16 input channels.
    case direct
    /// Anything else: im2col and GEMMs.
    case im2col

    /// Whether a direct conv's error for the layer below comes from its own kernel (CKernels/Conv.c) rather
    /// than δ · W and col2im: its input channels fit the 16 lanes, a row of its input the kernel's 64 totals.
    static func directBackwardData(cin: Int, w: Int) -> Bool { cin <= 16 && w <= 64 }

    /// Images per δ · W GEMM and its col2im, for a direct conv past 16 input channels: δ · W for 8 images of
    /// conv2's size is 648 KB, within a core's L2 cache (a whole shard's, 5 MB, went to memory and back).
    static let imagesPerCol2im = 8

    init(first: Bool, cin: Int, cout: Int, pad: Int, stride: Int) {
        if first && cin == 1 && cout <= 16 { self = .first } else if pad == 0 && stride == 1 && cout <= 16 { self = .direct } else { self = .im2col }
    }
}

/// A convolution step: parameter layer `param`, f × f filters with `pad` and `stride` over an (h, w, cin)
/// input giving (oh, ow, cout), the following ReLU fused in when `relu`, computed by `kernel`.
struct ConvStep {
    let param: Int, f: Int, pad: Int, stride: Int
    let h: Int, w: Int, cin: Int, oh: Int, ow: Int, cout: Int
    let relu: Bool
    let kernel: ConvKernel
}

extension TrainingPlan {
    /// z = b + Σ x · W over each patch, then the fused ReLU if there is one.
    func convForward(_ c: ConvStep, step j: Int, _ x: UnsafeMutablePointer<Scalar>, _ out: UnsafeMutablePointer<Scalar>,
                     _ ws: ShardWorkspace<Scalar>, count n: Int) {
        switch c.kernel {
        case .first:
            Scalar.firstConvForward(x, out, weights: weights[c.param].p, bias: biases[c.param].p, n: n, h: c.h, w: c.w, f: c.f, pad: c.pad,
                                    stride: c.stride, oh: c.oh, ow: c.ow, cout: c.cout)
        case .direct:
            // z = b + Σ x[oy + kh, ox + kw, ci] · W[:, kh, kw, ci], reading x where it lies
            Scalar.convForward(x, out, transposed: transposed[c.param]!.p, bias: biases[c.param].p, n: n, h: c.h, w: c.w, cin: c.cin, f: c.f,
                               oh: c.oh, ow: c.ow, cout: c.cout)
        case .im2col:
            let cols = ws.columns[j]!.p, k = c.f * c.f * c.cin, rows = n * c.oh * c.ow
            im2col(x, cols, n: n, h: c.h, w: c.w, c: c.cin, f: c.f, pad: c.pad, stride: c.stride, oh: c.oh, ow: c.ow)
            // Z = cols · Wᵀ + b  (rows, C_out): b is laid down first and the GEMM adds onto it
            fillRows(out, with: biases[c.param].p, rows: rows, columns: c.cout)
            Scalar.gemm(transA: false, transB: true, m: rows, n: c.cout, k: k, alpha: 1, a: cols, lda: k,
                        b: weights[c.param].p, ldb: k, beta: 1, c: out, ldc: c.cout)
        }
        if c.relu { Scalar.relu(out, n * c.oh * c.ow * c.cout) }
    }

    /// dW, db and, when `dx` is given, the error for the layer below, from the error at the conv's output
    /// (gated first by the fused ReLU).
    func convBackward(_ c: ConvStep, step j: Int, _ x: UnsafeMutablePointer<Scalar>, _ out: UnsafeMutablePointer<Scalar>,
                      _ ws: ShardWorkspace<Scalar>, count n: Int, delta: UnsafeMutablePointer<Scalar>, into dx: UnsafeMutablePointer<Scalar>?) {
        let rows = n * c.oh * c.ow, k = c.f * c.f * c.cin
        if c.relu { Scalar.gate(delta, by: out, rows &* c.cout) }
        if c.kernel == .first {
            // The first layer: no error goes further back, only its gradients.
            Scalar.firstConvBackward(delta, x, dW: ws.dW[c.param].p, db: ws.db[c.param].p, n: n, h: c.h, w: c.w, f: c.f, pad: c.pad,
                                     stride: c.stride, oh: c.oh, ow: c.ow, cout: c.cout)
            return
        }
        Scalar.columnSums(delta, into: ws.db[c.param].p, rows: rows, columns: c.cout)
        if c.kernel == .direct {
            // dW[:, kh, kw, ci] = Σ δ[oy, ox, :] · x[oy + kh, ox + kw, ci], image by image, in the
            // kernel's (f·f·C_in, 16) layout and then as (C_out, f·f·C_in)
            let total = ws.filterGradients[j]!.p, dW = ws.dW[c.param].p
            Scalar.convWeightGradient(x, delta, into: total, n: n, h: c.h, w: c.w, cin: c.cin, f: c.f, oh: c.oh, ow: c.ow, cout: c.cout)
            for q in 0..<k { for o in 0..<c.cout { dW[o * k + q] = total[q * 16 + o] } }
        } else {
            // dW = δᵀ · cols
            Scalar.gemm(transA: true, transB: false, m: c.cout, n: k, k: rows, alpha: 1, a: delta, lda: c.cout,
                        b: ws.columns[j]!.p, ldb: k, beta: 0, c: ws.dW[c.param].p, ldc: k)
        }
        guard let dx else { return }
        if let wb = backwardFilters[c.param] {
            // δ_x[y, x, :] = Σ over the windows holding (y, x) of δ[oy, ox, :] · W[:, y − oy, x − ox, :]: what
            // col2im(δ · W) adds, in its order, without the patches
            Scalar.convBackwardData(delta, backward: wb.p, into: dx, n: n, h: c.h, w: c.w, cin: c.cin, f: c.f, oh: c.oh, ow: c.ow, cout: c.cout)
        } else {
            // δ_x = col2im(δ · W), a few images at a time so that δ · W (250 values per output
            // pixel for conv2) is still in the cache when col2im reads it; the patches' buffer takes it.
            var first = 0
            let cols = ws.columns[j]!.p
            while first < n {
                let images = Swift.min(ConvKernel.imagesPerCol2im, n - first), pixels = c.oh * c.ow
                Scalar.gemm(transA: false, transB: false, m: images * pixels, n: k, k: c.cout, alpha: 1, a: delta + first * pixels * c.cout,
                            lda: c.cout, b: weights[c.param].p, ldb: k, beta: 0, c: cols, ldc: k)
                Scalar.col2im(cols, dx + first * c.h * c.w * c.cin, n: images, h: c.h, w: c.w, c: c.cin, f: c.f, pad: c.pad, stride: c.stride,
                              oh: c.oh, ow: c.ow)
                first += images
            }
        }
    }
}
