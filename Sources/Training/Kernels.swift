// The training path's kernels over raw buffers: bias rows, ReLU and its gate, column sums, im2col and
// its adjoint col2im, and max-pooling that remembers where each maximum came from.
import CKernels
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

    // a = max(z, 0)   (CKernels: vectorised selects; Swift's loop branched on every element)
    @inline(never) func clampNegatives(_ z: UnsafeMutablePointer<Scalar>, _ count: Int) {
        if let (z, _) = Self.rebound(z, z, as: Float.self) { lesson_relu_f32(z, count) }
        else if let (z, _) = Self.rebound(z, z, as: Double.self) { lesson_relu_f64(z, count) }
    }

    // δ ← δ ⊙ (a > 0)
    @inline(never) func gate(_ d: UnsafeMutablePointer<Scalar>, by a: UnsafeMutablePointer<Scalar>, _ count: Int) {
        if let (d, a) = Self.rebound(d, a, as: Float.self) { lesson_gate_f32(d, a, count) }
        else if let (d, a) = Self.rebound(d, a, as: Double.self) { lesson_gate_f64(d, a, count) }
    }

    // out[c] = Σ_r d[r, c]
    @inline(never) func columnSums(_ d: UnsafeMutablePointer<Scalar>, into out: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int) {
        if let (d, out) = Self.rebound(d, out, as: Float.self) { lesson_column_sums_f32(d, out, rows, columns) }
        else if let (d, out) = Self.rebound(d, out, as: Double.self) { lesson_column_sums_f64(d, out, rows, columns) }
    }

    /// Patches as rows, in the order (kh, kw, c) that the weights use. (A C version measured no faster.)
    /// In NHWC the f·C_in values of
    /// one kernel row are contiguous, so each is a straight copy.
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

    /// The adjoint of im2col: every patch value added back onto the pixel it came from.
    @inline(never) func col2im(_ cols: UnsafeMutablePointer<Scalar>, _ x: UnsafeMutablePointer<Scalar>, n: Int, h: Int, w: Int, c: Int,
                               f: Int, pad: Int, stride: Int, oh: Int, ow: Int) {
        x.update(repeating: 0, count: n &* h &* w &* c)
        let k = f &* f &* c, run = f &* c
        var row = UnsafePointer(cols)
        for i in 0..<n {
            let image = x + i &* h &* w &* c
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let x0 = ox &* stride &- pad
                    let inside = x0 >= 0 && x0 &+ f <= w
                    for kh in 0..<f {
                        let y = oy &* stride &+ kh &- pad
                        if y < 0 || y >= h { continue }
                        let src = row + kh &* run
                        if inside {
                            let dst = image + (y &* w &+ x0) &* c
                            for q in 0..<run { dst[q] += src[q] }
                        } else {
                            for kw in 0..<f {
                                let xx = x0 &+ kw
                                if xx < 0 || xx >= w { continue }
                                let dst = image + (y &* w &+ xx) &* c
                                for q in 0..<c { dst[q] += src[kw &* c &+ q] }
                            }
                        }
                    }
                    row += k
                }
            }
        }
    }

    /// Two pointers as `T` pointers when Scalar is T (the plan is only ever Float or Double).
    static func rebound<T>(_ a: UnsafeMutablePointer<Scalar>, _ b: UnsafeMutablePointer<Scalar>, as: T.Type) -> (UnsafeMutablePointer<T>, UnsafeMutablePointer<T>)? {
        guard Scalar.self == T.self else { return nil }
        return (UnsafeMutableRawPointer(a).assumingMemoryBound(to: T.self), UnsafeMutableRawPointer(b).assumingMemoryBound(to: T.self))
    }

    /// Max over each f×f window per channel, remembering the flat input index of the first maximum;
    /// with `relu`, the ReLU the network applies before pooling is applied after it instead (max is
    /// monotonic), one pass instead of two. Channels are innermost in NHWC, so a window is compared a
    /// pixel (all channels) at a time. Float and Double go to the C kernel (CKernels), the same loops.
    @inline(never) func maxPool(_ x: UnsafeMutablePointer<Scalar>, _ out: UnsafeMutablePointer<Scalar>, _ arg: UnsafeMutablePointer<Int32>,
                                n: Int, h: Int, w: Int, c: Int, f: Int, oh: Int, ow: Int, relu: Bool) {
        // The C kernel vectorises the channel loop (Swift's SIMD masks compiled to lane-by-lane code here).
        if let (x, out) = Self.rebound(x, out, as: Float.self) { return lesson_maxpool_f32(x, out, arg, n, h, w, c, f, oh, ow, relu ? 1 : 0) }
        if let (x, out) = Self.rebound(x, out, as: Double.self) { return lesson_maxpool_f64(x, out, arg, n, h, w, c, f, oh, ow, relu ? 1 : 0) }
        var o = out, a = arg
        for i in 0..<n {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let first = ((i &* h &+ oy &* f) &* w &+ ox &* f) &* c
                    for ch in 0..<c { o[ch] = x[first &+ ch]; a[ch] = Int32(truncatingIfNeeded: first &+ ch) }
                    for dy in 0..<f {
                        for dx in 0..<f where dy != 0 || dx != 0 {
                            let q = first &+ (dy &* w &+ dx) &* c
                            let v = x + q
                            for ch in 0..<c where v[ch] > o[ch] {
                                o[ch] = v[ch]; a[ch] = Int32(truncatingIfNeeded: q &+ ch)
                            }
                        }
                    }
                    if relu { for ch in 0..<c { o[ch] = o[ch] > 0 ? o[ch] : 0 } }
                    o += c; a += c
                }
            }
        }
    }
}
