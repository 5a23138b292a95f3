// Convolutions computed where their input lies, without im2col: lesson 3's conv2 (13×13×10 in, 5×5
// filters, 16 out) forward, weight gradient and error for the layer below, and its conv1 forward (the
// same forward, cin = 1; in training, one pass with its ReLU and pool1): the im2col copy (a 50-value memmove per kernel row) and OpenBLAS's packing
// of the 5 MB patch matrix cost more than its multiplications (M = 5184, N = 16, K = 250 per shard of
// 64 images). Here an image's input (6.8 KB) and the filters (16 KB) stay in the L1 cache.
//
// The filters are given transposed, wt[(kh·f + kw)·cin + ci][16], one vector of the 16 output
// channels per tap and input channel (lanes past cout zero). A pixel's 16 channels are one vector of
// the compiler's vector extension; each level (AVX-512, AVX2, baseline) adds the same products in the
// same order, each a fused multiply-add written out (and no other contraction: -ffp-contract=off), so
// every processor computes the same bits.
// Shapes: NHWC, no padding, cout ≤ 16, the weight gradient stride 1 (Training's plan uses these
// kernels only then).
#include "CKernels.h"
#include "Levels.h"

// z[oy, ox0 + t, :] = b + Σ_(kh, kw, ci) x[oy·s + kh, (ox0 + t)·s + kw, ci] · wt[(kh, kw, ci), :] for t < TW,
// the taps in order; TW sums stay in registers while the taps run (one pixel at a time, each sum would
// wait on the adder's latency: f·f·cin additions in a chain). All 16 lanes are stored, pixel
// after pixel: past cout they spill into the next pixel, which its own store overwrites (the plan's
// buffers have 16 values of slack after the last).
#define FORWARD_TILE(NAME, ATTR, T, V, TW)                                                                \
static inline __attribute__((always_inline)) ATTR void NAME(const T *restrict image, T *restrict zrow, const T *restrict wt, const T *restrict bias, \
                      long w, long cin, long f, long stride, long oy, long ox0, long cout) {             \
    V acc[TW], b = LOADV(V, bias);                                                                       \
    for (int t = 0; t < TW; t++) acc[t] = b;                                                             \
    for (long kh = 0; kh < f; kh++)                                                                      \
        for (long kw = 0; kw < f; kw++) {                                                                \
            const T *xr = image + ((oy * stride + kh) * w + ox0 * stride + kw) * cin;                    \
            const T *wr = wt + (kh * f + kw) * cin * LANES;                                              \
            for (long ci = 0; ci < cin; ci++) {                                                          \
                V wv = LOADV(V, wr + ci * LANES);                                                        \
                for (int t = 0; t < TW; t++) acc[t] = __builtin_elementwise_fma(xr[t * stride * cin + ci] - (V){0}, wv, acc[t]);           \
            }                                                                                            \
        }                                                                                                \
    for (int t = 0; t < TW; t++) STOREV(zrow + (ox0 + t) * cout, acc[t]);                                \
}

// total[(kh, kw, ci0 + c), :] += Σ_(oy, ox) x[oy + kh, ox + kw, ci0 + c] · δ[oy, ox, :] for c < CT: one
// image's sums (its 81 pixels for conv2), then added to the totals, so no sum runs over more than one
// image's pixels. δ's lanes past cout are masked to zero.
#define GRADIENT_TILE(NAME, ATTR, T, V, M, CT)                                                            \
static ATTR void NAME(const T *restrict image, const T *restrict delta, T *restrict total,               \
                      long w, long cin, long f, long oh, long ow, long kh, long kw, long ci0, long cout) { \
    M keep = {0};                                                                                        \
    for (long k = 0; k < cout; k++) keep[k] = -1;                                                        \
    V acc[CT];                                                                                           \
    for (int c = 0; c < CT; c++) acc[c] = (V){0};                                                        \
    for (long oy = 0; oy < oh; oy++)                                                                     \
        for (long ox = 0; ox < ow; ox++) {                                                               \
            V d = (V)((M)LOADV(V, delta + (oy * ow + ox) * cout) & keep);                                \
            const T *xr = image + ((oy + kh) * w + ox + kw) * cin + ci0;                                 \
            for (int c = 0; c < CT; c++) acc[c] = __builtin_elementwise_fma(xr[c] - (V){0}, d, acc[c]);                                    \
        }                                                                                                \
    for (int c = 0; c < CT; c++) {                                                                       \
        T *to = total + ((kh * f + kw) * cin + ci0 + c) * LANES;                                         \
        STOREV(to, LOADV(V, to) + acc[c]);                                                               \
    }                                                                                                    \
}

// The error for the layer below, the adjoint of the forward without a patch matrix: δx[y, x, :] = Σ over
// the output pixels (oy, ox) whose window holds (y, x), in raster order, of Σ_co δ[oy, ox, co] ·
// wb[(y − oy, x − ox), co, :]. The lanes are the input channels (cin ≤ 16); wb holds the filters as
// wb[(kh·f + kw)·cout + co][16]. The sums are those δ · W and col2im computed in the GEMM's order:
// each window's product is a chain of fused multiply-adds over co from +0, added to a pixel's total
// (from +0) window after window, so these bits are OpenBLAS's on processors where its sgemm kernel
// sums that way (AVX-512) and the same on every processor. TW windows of one row at a time: for a
// fixed input pixel, rows oy ascending and then kw descending are the windows in raster order.
#define BACKWARD_DATA_TILE(NAME, ATTR, T, V, TW)                                                         \
static inline __attribute__((always_inline)) ATTR void NAME(const T *restrict drow, const T *restrict wk, V *restrict accx, long cout) { \
    V t[TW];                                                                                             \
    for (int q = 0; q < TW; q++) t[q] = (V){0};                                                          \
    for (long co = 0; co < cout; co++) {                                                                 \
        V wv = LOADV(V, wk + co * LANES);                                                                \
        for (int q = 0; q < TW; q++) t[q] = __builtin_elementwise_fma(drow[q * cout + co] - (V){0}, wv, t[q]); \
    }                                                                                                    \
    for (int q = 0; q < TW; q++) accx[q] = accx[q] + t[q];                                               \
}

// Tiles of every width 1 … 12 (a compile-time width keeps the sums in registers), and the switch that
// calls the width-W tile PREFIX##W with ARGS.
#define EACH_WIDTH_TILE(TILE, PREFIX, ATTR, ...)                                                         \
    TILE(PREFIX##1, ATTR, __VA_ARGS__, 1) TILE(PREFIX##2, ATTR, __VA_ARGS__, 2)                          \
    TILE(PREFIX##3, ATTR, __VA_ARGS__, 3) TILE(PREFIX##4, ATTR, __VA_ARGS__, 4)                          \
    TILE(PREFIX##5, ATTR, __VA_ARGS__, 5) TILE(PREFIX##6, ATTR, __VA_ARGS__, 6)                          \
    TILE(PREFIX##7, ATTR, __VA_ARGS__, 7) TILE(PREFIX##8, ATTR, __VA_ARGS__, 8)                          \
    TILE(PREFIX##9, ATTR, __VA_ARGS__, 9) TILE(PREFIX##10, ATTR, __VA_ARGS__, 10)                        \
    TILE(PREFIX##11, ATTR, __VA_ARGS__, 11) TILE(PREFIX##12, ATTR, __VA_ARGS__, 12)
#define EACH_WIDTH(PREFIX, ARGS)                                                                         \
    case 1: PREFIX##1 ARGS; break; case 2: PREFIX##2 ARGS; break; case 3: PREFIX##3 ARGS; break;         \
    case 4: PREFIX##4 ARGS; break; case 5: PREFIX##5 ARGS; break; case 6: PREFIX##6 ARGS; break;         \
    case 7: PREFIX##7 ARGS; break; case 8: PREFIX##8 ARGS; break; case 9: PREFIX##9 ARGS; break;         \
    case 10: PREFIX##10 ARGS; break; case 11: PREFIX##11 ARGS; break; default: PREFIX##12 ARGS; break;

// One level (AVX-512, AVX2, baseline) for one type: tiles of every width up to WMAX, the widest that
// fits the registers (AVX-512: 32 of 16 floats; AVX2: 16 of 8).
#define LEVEL(NAME, ATTR, T, V, M, WMAX)                                                                 \
EACH_WIDTH_TILE(FORWARD_TILE, NAME##_fw, ATTR, T, V)                                                     \
EACH_WIDTH_TILE(GRADIENT_TILE, NAME##_gr, ATTR, T, V, M)                                                  \
static ATTR void NAME##_forward(const T *x, T *z, const T *wt, const T *bias, long n, long h, long w,     \
                                long cin, long f, long stride, long oh, long ow, long cout) {            \
    /* A row in tiles of equal width (conv1's 26 = 9 + 9 + 8, not 12 + 12 + 2: a tile of 2 pixels waits    \
       on the adder's latency at every tap) */                                                           \
    long tiles = (ow + WMAX - 1) / WMAX, width = (ow + tiles - 1) / tiles;                               \
    for (long i = 0; i < n; i++) {                                                                       \
        const T *image = x + i * h * w * cin;                                                            \
        for (long oy = 0; oy < oh; oy++) {                                                               \
            T *zrow = z + (i * oh + oy) * ow * cout;                                                     \
            for (long ox0 = 0; ox0 < ow; ox0 += width) {                                                 \
                long tw = ow - ox0 < width ? ow - ox0 : width;                                           \
                /* lesson 3's conv1 (one input channel, 3 × 3) spelled out, so that the inlined tiles   \
                   unroll its 9 taps and drop the channel loop */                                        \
                if (cin == 1 && f == 3) switch (tw) {                                                    \
                EACH_WIDTH(NAME##_fw, (image, zrow, wt, bias, w, 1, 3, stride, oy, ox0, cout))   \
                } else switch (tw) {                                                                     \
                EACH_WIDTH(NAME##_fw, (image, zrow, wt, bias, w, cin, f, stride, oy, ox0, cout)) \
                }                                                                                        \
            }                                                                                            \
        }                                                                                                \
    }                                                                                                    \
}                                                                                                        \
static ATTR void NAME##_gradient(const T *x, const T *delta, T *total, long n, long h, long w, long cin, \
                                 long f, long oh, long ow, long cout) {                                  \
    memset(total, 0, sizeof(T) * f * f * cin * LANES);                                                   \
    for (long i = 0; i < n; i++) {                                                                       \
        const T *image = x + i * h * w * cin, *d = delta + i * oh * ow * cout;                           \
        for (long kh = 0; kh < f; kh++)                                                                  \
            for (long kw = 0; kw < f; kw++)                                                              \
                for (long ci0 = 0; ci0 < cin; ci0 += WMAX) {                                             \
                    long ct = cin - ci0 < WMAX ? cin - ci0 : WMAX;                                       \
                    switch (ct) {                                                                        \
                    EACH_WIDTH(NAME##_gr, (image, d, total, w, cin, f, oh, ow, kh, kw, ci0, cout)) \
                    }                                                                                    \
                }                                                                                        \
    }                                                                                                    \
}

// One level's δx for n images (stride 1, no padding, cin ≤ 16), in row tiles of at most WMAX windows.
// A row's totals stay on the stack (w ≤ 64 pixels); every pixel stores 16 lanes, in order, so the lanes
// past cin land on the next pixel and are overwritten by it (dx has 16 values of slack).
#define BACKWARD_DATA_LEVEL(NAME, ATTR, T, V, WMAX)                                                      \
EACH_WIDTH_TILE(BACKWARD_DATA_TILE, NAME##_bd, ATTR, T, V)                                               \
static ATTR void NAME##_backward_data(const T *delta, const T *wb, T *dx, long n, long h, long w, long cin, \
                                      long f, long oh, long ow, long cout) {                             \
    long tiles = (ow + WMAX - 1) / WMAX, width = (ow + tiles - 1) / tiles;                               \
    V acc[64];                                                                                           \
    for (long i = 0; i < n; i++) {                                                                       \
        const T *d = delta + i * oh * ow * cout;                                                         \
        for (long y = 0; y < h; y++) {                                                                   \
            for (long x = 0; x < w; x++) acc[x] = (V){0};                                                \
            long first = y - f + 1 > 0 ? y - f + 1 : 0, last = y < oh - 1 ? y : oh - 1;                  \
            for (long oy = first; oy <= last; oy++)                                                      \
                for (long kw = f - 1; kw >= 0; kw--) {                                                   \
                    const T *wk = wb + ((y - oy) * f + kw) * cout * LANES;                               \
                    for (long ox0 = 0; ox0 < ow; ox0 += width) {                                         \
                        long tw = ow - ox0 < width ? ow - ox0 : width;                                   \
                        const T *drow = d + (oy * ow + ox0) * cout;                                      \
                        switch (tw) { EACH_WIDTH(NAME##_bd, (drow, wk, acc + ox0 + kw, cout)) }          \
                    }                                                                                    \
                }                                                                                        \
            T *row = dx + ((i * h + y) * w) * cin;                                                       \
            for (long x = 0; x < w; x++) STOREV(row + x * cin, acc[x]);                                  \
        }                                                                                                \
    }                                                                                                    \
}
// The same δx window by window, skipping each window's zero errors: the ReLU after conv2 leaves about
// 60 % of δ at zero (few windows all zero), and a zero δ adds 0 · w = ±0 to a chain that starts at +0,
// which changes no bit of the pixel totals (a chain may end at −0 only by underflow, and +0 + −0 is
// +0; the totals start at +0 and are never −0). So each window's nonzero (δ, co) pairs are listed once
// and drive the chains of all its f × f taps at once (G kernel rows of them per pass: G·f sums in
// registers): the windows in raster order, each adding its chains onto the f × f pixels it covers,
// so that every pixel gets its windows' chains in the order the kernel above adds them. The image's
// totals (h·w ≤ 256 pixels) stay on the stack; f is 3 or 5 and C_out 16 (compile-time sizes: the 25
// taps' filters then sit at constant offsets from one address, where 25 addresses spilled).
#define COUT 16
#define SPARSE_WINDOW(NAME, ATTR, T, V, F, G)                                                            \
static inline __attribute__((always_inline)) ATTR void NAME(const T *restrict wb, const T *restrict values, \
        const int32_t *restrict channels, long count, V *restrict acc, long w, long oy, long ox) {       \
    for (int kh0 = 0; kh0 < F; kh0 += G) {                                                               \
        V t[G][F];                                                                                       \
        for (int g = 0; g < G; g++) for (int kw = 0; kw < F; kw++) t[g][kw] = (V){0};                    \
        for (long q = 0; q < count; q++) {                                                               \
            V d = values[q] - (V){0};                                                                    \
            const T *wq = wb + channels[q] * LANES;                                                      \
            for (int g = 0; g < G; g++)                                                                  \
                for (int kw = 0; kw < F; kw++)                                                           \
                    t[g][kw] = __builtin_elementwise_fma(d, LOADV(V, wq + ((kh0 + g) * F + kw) * COUT * LANES), t[g][kw]); \
        }                                                                                                \
        for (int g = 0; g < G; g++)                                                                      \
            for (int kw = 0; kw < F; kw++) {                                                             \
                V *a = acc + (oy + kh0 + g) * w + ox + kw;                                               \
                *a = *a + t[g][kw];                                                                      \
            }                                                                                            \
    }                                                                                                    \
}
#define SPARSE_LEVEL(NAME, ATTR, T, V, G5, G3)                                                          \
SPARSE_WINDOW(NAME##_sw5, ATTR, T, V, 5, G5)                                                             \
SPARSE_WINDOW(NAME##_sw3, ATTR, T, V, 3, G3)                                                             \
static ATTR void NAME##_backward_data_sparse(const T *delta, const T *wb, T *dx, long n, long h, long w, long cin, \
                                             long f, long oh, long ow, long cout) {                      \
    V acc[256];                                                                                          \
    for (long i = 0; i < n; i++) {                                                                       \
        const T *d = delta + i * oh * ow * COUT;                                                         \
        for (long p = 0; p < h * w; p++) acc[p] = (V){0};                                                \
        for (long oy = 0; oy < oh; oy++)                                                                 \
            for (long ox = 0; ox < ow; ox++) {                                                           \
                const T *dv = d + (oy * ow + ox) * cout;                                                 \
                T values[LANES + 1]; int32_t channels[LANES + 1]; long count = 0;                        \
                for (long co = 0; co < COUT; co++) {                                                     \
                    values[count] = dv[co]; channels[count] = (int32_t)co;                               \
                    count += dv[co] != 0;                                                                \
                }                                                                                        \
                if (count == 0) continue;  /* every chain +0: the totals do not change */                \
                if (f == 5) NAME##_sw5(wb, values, channels, count, acc, w, oy, ox);                     \
                else NAME##_sw3(wb, values, channels, count, acc, w, oy, ox);                            \
            }                                                                                            \
        T *image = dx + i * h * w * cin;                                                                 \
        for (long p = 0; p < h * w; p++) STOREV(image + p * cin, acc[p]);                                \
    }                                                                                                    \
}
// AVX-512 float: all 25 taps' sums (25 of 32 registers); otherwise one kernel row at a time.
// In double the kernel above stays: a vector of 16 doubles is two AVX-512 registers, so only one
// kernel row's sums fit, and it measured slower (25.5 against 20.4 µs an image; float 7.1 against 9.8).
SPARSE_LEVEL(conv_f32_avx512, AVX512, float, v16f, 5, 3)
SPARSE_LEVEL(conv_f32_avx2, AVX2, float, v16f, 1, 1)
SPARSE_LEVEL(conv_f32_base, BASE, float, v16f, 1, 1)

// The first conv (one input channel, f × f, stride 1, no padding), its ReLU and a 2 × 2 max-pool in one
// pass (lesson 3's conv1 → ReLU → pool1): each pooled pixel's four conv outputs are summed in registers
// exactly as the forward tile sums them (the bias, then the taps in order), compared as the max-pool
// compares them ((0, 0), (0, 1), (1, 0), (1, 1), strictly larger), so out and arg are the bits the two
// passes write, without storing the 26 × 26 map and reading it back. arg (if not null) gets the
// max-pool's flat index into the conv output it does not store, ((i·oh + y)·ow + x)·cout + k.
// TP pooled pixels of one pooled row at a time: 4·TP sums.
#define FIRST_POOL_TILE(NAME, ATTR, T, V, M, TP)                                                         \
static inline __attribute__((always_inline)) ATTR void NAME(const T *restrict image, const T *restrict taps, const T *restrict bias, \
        T *restrict out, int32_t *restrict arg, long w, long f, long oy, long ox0, long at, long ow, long cout, int relu) { \
    V acc[2][2 * TP], b = LOADV(V, bias);                                                                \
    for (int dy = 0; dy < 2; dy++) for (int t = 0; t < 2 * TP; t++) acc[dy][t] = b;                      \
    for (long kh = 0; kh < f; kh++)                                                                      \
        for (long kw = 0; kw < f; kw++) {                                                                \
            V wv = LOADV(V, taps + (kh * f + kw) * LANES);                                               \
            for (int dy = 0; dy < 2; dy++) {                                                             \
                const T *xr = image + (oy + dy + kh) * w + ox0 + kw;                                     \
                for (int t = 0; t < 2 * TP; t++) acc[dy][t] = __builtin_elementwise_fma(xr[t] - (V){0}, wv, acc[dy][t]); \
            }                                                                                            \
        }                                                                                                \
    for (int p = 0; p < TP; p++) {                                                                       \
        V best = acc[0][2 * p];                                                                          \
        long first = at + 2 * p * cout;                                                                  \
        index_v where = lane_numbers + (int32_t)first;                                                   \
        for (int q = 1; q < 4; q++) {                                                                    \
            int dy = q / 2, dx = q % 2;                                                                  \
            V v = acc[dy][2 * p + dx];                                                                   \
            M larger = v > best;  /* strictly: a tie keeps the first maximum */                          \
            best = (V)(((M)v & larger) | ((M)best & ~larger));                                           \
            if (arg) {                                                                                   \
                index_v moved = __builtin_convertvector(larger, index_v);                                \
                where = ((lane_numbers + (int32_t)(first + (dy * ow + dx) * cout)) & moved) | (where & ~moved); \
            }                                                                                            \
        }                                                                                                \
        if (relu) { M positive = best > 0; best = (V)((M)best & positive); }                             \
        STOREV(out + p * cout, best);                                                                    \
        if (arg) STOREV(arg + p * cout, where);                                                          \
    }                                                                                                    \
}
typedef int32_t index_v __attribute__((vector_size(LANES * sizeof(int32_t))));
static const index_v lane_numbers = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
#define EACH_POOLED_TILE(PREFIX, ATTR, T, V, M)                                                           \
    FIRST_POOL_TILE(PREFIX##1, ATTR, T, V, M, 1) FIRST_POOL_TILE(PREFIX##2, ATTR, T, V, M, 2) \
    FIRST_POOL_TILE(PREFIX##3, ATTR, T, V, M, 3) FIRST_POOL_TILE(PREFIX##4, ATTR, T, V, M, 4) \
    FIRST_POOL_TILE(PREFIX##5, ATTR, T, V, M, 5) FIRST_POOL_TILE(PREFIX##6, ATTR, T, V, M, 6)
#define EACH_POOLED_WIDTH(PREFIX, ARGS)                                                                  \
    case 1: PREFIX##1 ARGS; break; case 2: PREFIX##2 ARGS; break; case 3: PREFIX##3 ARGS; break;         \
    case 4: PREFIX##4 ARGS; break; case 5: PREFIX##5 ARGS; break; default: PREFIX##6 ARGS; break;
// One level: pooled rows in tiles of equal width, at most TMAX pooled pixels (4·TMAX sums in registers).
#define FIRST_POOL_LEVEL(NAME, ATTR, T, V, M, TMAX)                                                \
EACH_POOLED_TILE(NAME##_fp, ATTR, T, V, M)                                                               \
static ATTR void NAME##_first_pool(const T *x, T *out, int32_t *arg, const T *taps, const T *bias, long n, long h, \
                                   long w, long f, long oh, long ow, long cout, long ph, long pw, int relu) { \
    long tiles = (pw + TMAX - 1) / TMAX, width = (pw + tiles - 1) / tiles;                               \
    for (long i = 0; i < n; i++) {                                                                       \
        const T *image = x + i * h * w;                                                                  \
        for (long py = 0; py < ph; py++)                                                                 \
            for (long px0 = 0; px0 < pw; px0 += width) {                                                 \
                long tp = pw - px0 < width ? pw - px0 : width;                                           \
                long pooled = ((i * ph + py) * pw + px0) * cout, at = ((i * oh + 2 * py) * ow + 2 * px0) * cout; \
                T *o = out + pooled; int32_t *a = arg ? arg + pooled : 0;                                \
                /* lesson 3's 3 × 3 spelled out, so that the inlined tiles unroll its 9 taps */          \
                if (f == 3) switch (tp) {                                                                \
                EACH_POOLED_WIDTH(NAME##_fp, (image, taps, bias, o, a, w, 3, 2 * py, 2 * px0, at, ow, cout, relu)) \
                } else switch (tp) {                                                                     \
                EACH_POOLED_WIDTH(NAME##_fp, (image, taps, bias, o, a, w, f, 2 * py, 2 * px0, at, ow, cout, relu)) \
                }                                                                                        \
            }                                                                                            \
    }                                                                                                    \
}
// Each level's kernels and their tile widths, the widest whose sums fit the registers (AVX-512: 32 of
// 16 floats; AVX2: 16 of 8): the forward's and weight gradient's pixels or channels (FORWARD), δx's
// windows (BACKWARD), the first conv + pool's pooled pixels (POOLED: 4 sums each). On AVX2 one
// pooled pixel (2 measured slower, 3.6 against 2.4 µs an image); in double there its 4 sums take all
// 16 registers and spill (8.4 against 7.3 µs for the two passes, left so).
#define CONV_LEVEL(NAME, ATTR, T, V, M, FORWARD, BACKWARD, POOLED)                                       \
    LEVEL(NAME, ATTR, T, V, M, FORWARD)                                                                  \
    BACKWARD_DATA_LEVEL(NAME, ATTR, T, V, BACKWARD)                                                      \
    FIRST_POOL_LEVEL(NAME, ATTR, T, V, M, POOLED)
//         level             target  type    vector mask  FORWARD BACKWARD POOLED
CONV_LEVEL(conv_f32_avx512, AVX512, float,  v16f, m16f, 12,     8,       6)
CONV_LEVEL(conv_f32_avx2,   AVX2,   float,  v16f, m16f, 6,      4,       1)
CONV_LEVEL(conv_f32_base,   BASE,   float,  v16f, m16f, 3,      2,       1)
CONV_LEVEL(conv_f64_avx512, AVX512, double, v16d, m16d, 12,     4,       3)
CONV_LEVEL(conv_f64_avx2,   AVX2,   double, v16d, m16d, 3,      2,       1)
CONV_LEVEL(conv_f64_base,   BASE,   double, v16d, m16d, 1,      1,       1)

#define ENTRY(T, SUFFIX)                                                                                  \
void lesson_conv_forward_##SUFFIX(const T *x, T *z, const T *wt, const T *bias, long n, long h, long w,  \
                                  long cin, long f, long stride, long oh, long ow, long cout) {          \
    AT_LEVEL(conv_##SUFFIX, _forward, (x, z, wt, bias, n, h, w, cin, f, stride, oh, ow, cout))           \
}                                                                                                        \
void lesson_conv_weight_gradient_##SUFFIX(const T *x, const T *delta, T *total, long n, long h, long w,  \
                                          long cin, long f, long oh, long ow, long cout) {               \
    AT_LEVEL(conv_##SUFFIX, _gradient, (x, delta, total, n, h, w, cin, f, oh, ow, cout))                 \
}                                                                                                        \
void lesson_conv_backward_data_rows_##SUFFIX(const T *delta, const T *wb, T *dx, long n, long h, long w, long cin, \
                                             long f, long oh, long ow, long cout) {                      \
    AT_LEVEL(conv_##SUFFIX, _backward_data, (delta, wb, dx, n, h, w, cin, f, oh, ow, cout))              \
}
ENTRY(float, f32)
ENTRY(double, f64)

// δx: window by window without the zero errors where that kernel applies (float, f = 3 or 5, 16
// output channels, an image of at most 256 pixels), row tiles otherwise; the same bits either way.
void lesson_conv_backward_data_f32(const float *delta, const float *wb, float *dx, long n, long h, long w, long cin,
                                   long f, long oh, long ow, long cout) {
    if ((f == 5 || f == 3) && h * w <= 256 && cout == COUT)
        AT_LEVEL(conv_f32, _backward_data_sparse, (delta, wb, dx, n, h, w, cin, f, oh, ow, cout))
    else lesson_conv_backward_data_rows_f32(delta, wb, dx, n, h, w, cin, f, oh, ow, cout);
}
void lesson_conv_backward_data_f64(const double *delta, const double *wb, double *dx, long n, long h, long w, long cin,
                                   long f, long oh, long ow, long cout) {
    lesson_conv_backward_data_rows_f64(delta, wb, dx, n, h, w, cin, f, oh, ow, cout);
}

// The first conv (one input channel, no padding) is the same forward with cin = 1: its filters
// (cout, f·f) transposed to taps[t][16] here.
#define FIRST_ENTRY(T, SUFFIX)                                                                            \
void lesson_first_conv_forward_##SUFFIX(const T *x, T *z, const T *weights, const T *bias, long n, long h, \
                                        long w, long f, long stride, long oh, long ow, long cout) {      \
    T taps[16 * LANES] = {0};  /* f·f ≤ 16 taps, lanes past cout zero */                                 \
    for (long t = 0; t < f * f; t++)                                                                     \
        for (long k = 0; k < cout; k++) taps[t * LANES + k] = weights[k * f * f + t];                    \
    lesson_conv_forward_##SUFFIX(x, z, taps, bias, n, h, w, 1, f, stride, oh, ow, cout);                 \
}
FIRST_ENTRY(float, f32)
FIRST_ENTRY(double, f64)

// The same first conv with its ReLU and a 2 × 2 max-pool after it, in one pass (FIRST_POOL_TILE).
#define FIRST_POOL_ENTRY(T, SUFFIX)                                                                       \
void lesson_first_conv_pool_##SUFFIX(const T *x, T *out, int32_t *arg, const T *weights, const T *bias, long n, \
                                     long h, long w, long f, long oh, long ow, long cout, long ph, long pw, int relu) { \
    T taps[16 * LANES] = {0};                                                                             \
    for (long t = 0; t < f * f; t++)                                                                     \
        for (long k = 0; k < cout; k++) taps[t * LANES + k] = weights[k * f * f + t];                    \
    AT_LEVEL(conv_##SUFFIX, _first_pool, (x, out, arg, taps, bias, n, h, w, f, oh, ow, cout, ph, pw, relu)) \
}
FIRST_POOL_ENTRY(float, f32)
FIRST_POOL_ENTRY(double, f64)
