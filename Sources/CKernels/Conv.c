// A convolution after the first (lesson 3's conv2: 13×13×10 in, 5×5 filters, 16 out) computed where
// its input lies, without im2col: the im2col copy (a 50-value memmove per kernel row) and OpenBLAS's
// packing of the 5 MB patch matrix cost more than its multiplications (M = 5184, N = 16, K = 250 per
// shard of 64 images). Here an image's input (6.8 KB) and the filters (16 KB) stay in the L1 cache.
//
// The filters are given transposed, wt[(kh·f + kw)·cin + ci][16], one vector of the 16 output
// channels per tap and input channel (lanes past cout zero). A pixel's 16 channels are one vector of
// the compiler's vector extension; each clone (AVX-512, AVX2, baseline) adds the same products in the
// same order, multiply then add (-ffp-contract=off), so every processor computes the same bits.
// Shapes: NHWC, stride 1, no padding, cout ≤ 16 (Training's plan uses these kernels only then).
#include "CKernels.h"
#include <string.h>

#define LANES 16
typedef float v16f __attribute__((vector_size(LANES * sizeof(float))));
typedef double v16d __attribute__((vector_size(LANES * sizeof(double))));
typedef int32_t m16f __attribute__((vector_size(LANES * sizeof(float))));
typedef int64_t m16d __attribute__((vector_size(LANES * sizeof(double))));

#if defined(__x86_64__) && defined(__clang__)
#define AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx2")))
#define AVX2 __attribute__((target("avx2")))
#else
#define AVX512
#define AVX2
#endif
#define BASE

// Macros, not functions: a function passing a vector would change the calling convention between clones.
#define LOADV(V, p) ({ V v_; memcpy(&v_, (p), sizeof v_); v_; })
#define STOREV(p, v) do { __typeof__(v) s_ = (v); memcpy((p), &s_, sizeof s_); } while (0)

// z[oy, ox0 + t, :] = b + Σ_(kh, kw, ci) x[oy + kh, ox0 + t + kw, ci] · wt[(kh, kw, ci), :] for t < TW,
// the taps in order; TW sums stay in registers while the taps run. All 16 lanes are stored, pixel
// after pixel: past cout they spill into the next pixel, which its own store overwrites (the plan's
// buffers have 16 values of slack after the last).
#define FORWARD_TILE(NAME, ATTR, T, V, TW)                                                                \
static ATTR void NAME(const T *restrict image, T *restrict zrow, const T *restrict wt, const T *restrict bias, \
                      long w, long cin, long f, long oy, long ox0, long cout) {                          \
    V acc[TW], b = LOADV(V, bias);                                                                       \
    for (int t = 0; t < TW; t++) acc[t] = b;                                                             \
    for (long kh = 0; kh < f; kh++)                                                                      \
        for (long kw = 0; kw < f; kw++) {                                                                \
            const T *xr = image + ((oy + kh) * w + ox0 + kw) * cin;                                      \
            const T *wr = wt + (kh * f + kw) * cin * LANES;                                              \
            for (long ci = 0; ci < cin; ci++) {                                                          \
                V wv = LOADV(V, wr + ci * LANES);                                                        \
                for (int t = 0; t < TW; t++) acc[t] = acc[t] + xr[t * cin + ci] * wv;                    \
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
            for (int c = 0; c < CT; c++) acc[c] = acc[c] + xr[c] * d;                                    \
        }                                                                                                \
    for (int c = 0; c < CT; c++) {                                                                       \
        T *to = total + ((kh * f + kw) * cin + ci0 + c) * LANES;                                         \
        STOREV(to, LOADV(V, to) + acc[c]);                                                               \
    }                                                                                                    \
}

// One level (AVX-512, AVX2, baseline) for one type: tiles of every width up to WMAX, the widest that
// fits the registers (AVX-512: 32 of 16 floats; AVX2: 16 of 8).
#define LEVEL(NAME, ATTR, T, V, M, WMAX)                                                                 \
FORWARD_TILE(NAME##_fw1, ATTR, T, V, 1)  FORWARD_TILE(NAME##_fw2, ATTR, T, V, 2)                         \
FORWARD_TILE(NAME##_fw3, ATTR, T, V, 3)  FORWARD_TILE(NAME##_fw4, ATTR, T, V, 4)                         \
FORWARD_TILE(NAME##_fw5, ATTR, T, V, 5)  FORWARD_TILE(NAME##_fw6, ATTR, T, V, 6)                         \
FORWARD_TILE(NAME##_fw7, ATTR, T, V, 7)  FORWARD_TILE(NAME##_fw8, ATTR, T, V, 8)                         \
FORWARD_TILE(NAME##_fw9, ATTR, T, V, 9)  FORWARD_TILE(NAME##_fw10, ATTR, T, V, 10)                       \
FORWARD_TILE(NAME##_fw11, ATTR, T, V, 11) FORWARD_TILE(NAME##_fw12, ATTR, T, V, 12)                      \
GRADIENT_TILE(NAME##_gr1, ATTR, T, V, M, 1)  GRADIENT_TILE(NAME##_gr2, ATTR, T, V, M, 2)                 \
GRADIENT_TILE(NAME##_gr3, ATTR, T, V, M, 3)  GRADIENT_TILE(NAME##_gr4, ATTR, T, V, M, 4)                 \
GRADIENT_TILE(NAME##_gr5, ATTR, T, V, M, 5)  GRADIENT_TILE(NAME##_gr6, ATTR, T, V, M, 6)                 \
GRADIENT_TILE(NAME##_gr7, ATTR, T, V, M, 7)  GRADIENT_TILE(NAME##_gr8, ATTR, T, V, M, 8)                 \
GRADIENT_TILE(NAME##_gr9, ATTR, T, V, M, 9)  GRADIENT_TILE(NAME##_gr10, ATTR, T, V, M, 10)               \
GRADIENT_TILE(NAME##_gr11, ATTR, T, V, M, 11) GRADIENT_TILE(NAME##_gr12, ATTR, T, V, M, 12)              \
static ATTR void NAME##_forward(const T *x, T *z, const T *wt, const T *bias, long n, long h, long w,     \
                                long cin, long f, long oh, long ow, long cout) {                         \
    for (long i = 0; i < n; i++) {                                                                       \
        const T *image = x + i * h * w * cin;                                                            \
        for (long oy = 0; oy < oh; oy++) {                                                               \
            T *zrow = z + (i * oh + oy) * ow * cout;                                                     \
            for (long ox0 = 0; ox0 < ow; ox0 += WMAX) {                                                  \
                long tw = ow - ox0 < WMAX ? ow - ox0 : WMAX;                                             \
                switch (tw) {                                                                            \
                case 1: NAME##_fw1(image, zrow, wt, bias, w, cin, f, oy, ox0, cout); break;              \
                case 2: NAME##_fw2(image, zrow, wt, bias, w, cin, f, oy, ox0, cout); break;              \
                case 3: NAME##_fw3(image, zrow, wt, bias, w, cin, f, oy, ox0, cout); break;              \
                case 4: NAME##_fw4(image, zrow, wt, bias, w, cin, f, oy, ox0, cout); break;              \
                case 5: NAME##_fw5(image, zrow, wt, bias, w, cin, f, oy, ox0, cout); break;              \
                case 6: NAME##_fw6(image, zrow, wt, bias, w, cin, f, oy, ox0, cout); break;              \
                case 7: NAME##_fw7(image, zrow, wt, bias, w, cin, f, oy, ox0, cout); break;              \
                case 8: NAME##_fw8(image, zrow, wt, bias, w, cin, f, oy, ox0, cout); break;              \
                case 9: NAME##_fw9(image, zrow, wt, bias, w, cin, f, oy, ox0, cout); break;              \
                case 10: NAME##_fw10(image, zrow, wt, bias, w, cin, f, oy, ox0, cout); break;            \
                case 11: NAME##_fw11(image, zrow, wt, bias, w, cin, f, oy, ox0, cout); break;            \
                default: NAME##_fw12(image, zrow, wt, bias, w, cin, f, oy, ox0, cout); break;            \
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
                    case 1: NAME##_gr1(image, d, total, w, cin, f, oh, ow, kh, kw, ci0, cout); break; \
                    case 2: NAME##_gr2(image, d, total, w, cin, f, oh, ow, kh, kw, ci0, cout); break; \
                    case 3: NAME##_gr3(image, d, total, w, cin, f, oh, ow, kh, kw, ci0, cout); break; \
                    case 4: NAME##_gr4(image, d, total, w, cin, f, oh, ow, kh, kw, ci0, cout); break; \
                    case 5: NAME##_gr5(image, d, total, w, cin, f, oh, ow, kh, kw, ci0, cout); break; \
                    case 6: NAME##_gr6(image, d, total, w, cin, f, oh, ow, kh, kw, ci0, cout); break; \
                    case 7: NAME##_gr7(image, d, total, w, cin, f, oh, ow, kh, kw, ci0, cout); break; \
                    case 8: NAME##_gr8(image, d, total, w, cin, f, oh, ow, kh, kw, ci0, cout); break; \
                    case 9: NAME##_gr9(image, d, total, w, cin, f, oh, ow, kh, kw, ci0, cout); break; \
                    case 10: NAME##_gr10(image, d, total, w, cin, f, oh, ow, kh, kw, ci0, cout); break; \
                    case 11: NAME##_gr11(image, d, total, w, cin, f, oh, ow, kh, kw, ci0, cout); break; \
                    default: NAME##_gr12(image, d, total, w, cin, f, oh, ow, kh, kw, ci0, cout); break; \
                    }                                                                                    \
                }                                                                                        \
    }                                                                                                    \
}

LEVEL(conv_f32_avx512, AVX512, float, v16f, m16f, 12)
LEVEL(conv_f32_avx2, AVX2, float, v16f, m16f, 6)
LEVEL(conv_f32_base, BASE, float, v16f, m16f, 3)
LEVEL(conv_f64_avx512, AVX512, double, v16d, m16d, 12)
LEVEL(conv_f64_avx2, AVX2, double, v16d, m16d, 3)
LEVEL(conv_f64_base, BASE, double, v16d, m16d, 1)

// The first conv (one input channel, no padding): z[i, oy, ox, :] = b + Σ_(kh, kw) x[i, oy·s + kh, ox·s + kw]
// · taps[kh·f + kw], taps[t] the filters' tap t as a vector over the output channels. TW output pixels at
// a time: each pixel's sum is a chain of f·f additions, so one pixel at a time waited on the adder's
// latency (Kernels.c's lesson_conv1_forward, which stays for padded first layers).
#define FIRST_TILE(NAME, ATTR, T, V, TW)                                                                  \
static ATTR void NAME(const T *restrict image, T *restrict zrow, const T *restrict taps, const T *restrict bias, \
                      long w, long f, long stride, long oy, long ox0, long cout) {                       \
    V acc[TW], b = LOADV(V, bias);                                                                       \
    for (int t = 0; t < TW; t++) acc[t] = b;                                                             \
    for (long kh = 0; kh < f; kh++)                                                                      \
        for (long kw = 0; kw < f; kw++) {                                                                \
            V tap = LOADV(V, taps + (kh * f + kw) * LANES);                                              \
            const T *xr = image + (oy * stride + kh) * w + ox0 * stride + kw;                            \
            for (int t = 0; t < TW; t++) acc[t] = acc[t] + tap * xr[t * stride];                         \
        }                                                                                                \
    for (int t = 0; t < TW; t++) STOREV(zrow + (ox0 + t) * cout, acc[t]);                                \
}

#define FIRST_LEVEL(NAME, ATTR, T, V, WMAX)                                                              \
FIRST_TILE(NAME##_1, ATTR, T, V, 1) FIRST_TILE(NAME##_2, ATTR, T, V, 2) FIRST_TILE(NAME##_3, ATTR, T, V, 3) \
FIRST_TILE(NAME##_4, ATTR, T, V, 4) FIRST_TILE(NAME##_5, ATTR, T, V, 5) FIRST_TILE(NAME##_6, ATTR, T, V, 6) \
FIRST_TILE(NAME##_7, ATTR, T, V, 7) FIRST_TILE(NAME##_8, ATTR, T, V, 8)                                  \
static ATTR void NAME(const T *x, T *z, const T *taps, const T *bias, long n, long h, long w, long f,    \
                      long stride, long oh, long ow, long cout) {                                        \
    for (long i = 0; i < n; i++) {                                                                       \
        const T *image = x + i * h * w;                                                                  \
        for (long oy = 0; oy < oh; oy++) {                                                               \
            T *zrow = z + (i * oh + oy) * ow * cout;                                                     \
            for (long ox0 = 0; ox0 < ow; ox0 += WMAX) {                                                  \
                switch (ow - ox0 < WMAX ? ow - ox0 : WMAX) {                                             \
                case 1: NAME##_1(image, zrow, taps, bias, w, f, stride, oy, ox0, cout); break;           \
                case 2: NAME##_2(image, zrow, taps, bias, w, f, stride, oy, ox0, cout); break;           \
                case 3: NAME##_3(image, zrow, taps, bias, w, f, stride, oy, ox0, cout); break;           \
                case 4: NAME##_4(image, zrow, taps, bias, w, f, stride, oy, ox0, cout); break;           \
                case 5: NAME##_5(image, zrow, taps, bias, w, f, stride, oy, ox0, cout); break;           \
                case 6: NAME##_6(image, zrow, taps, bias, w, f, stride, oy, ox0, cout); break;           \
                case 7: NAME##_7(image, zrow, taps, bias, w, f, stride, oy, ox0, cout); break;           \
                default: NAME##_8(image, zrow, taps, bias, w, f, stride, oy, ox0, cout); break;          \
                }                                                                                        \
            }                                                                                            \
        }                                                                                                \
    }                                                                                                    \
}
FIRST_LEVEL(first_f32_avx512, AVX512, float, v16f, 8)
FIRST_LEVEL(first_f32_avx2, AVX2, float, v16f, 4)
FIRST_LEVEL(first_f32_base, BASE, float, v16f, 2)
FIRST_LEVEL(first_f64_avx512, AVX512, double, v16d, 8)
FIRST_LEVEL(first_f64_avx2, AVX2, double, v16d, 2)
FIRST_LEVEL(first_f64_base, BASE, double, v16d, 1)

#define level lesson_kernel_level
#define HAS_AVX512 LESSON_LEVEL_AVX512
#define HAS_AVX2 LESSON_LEVEL_AVX2

#define ENTRY(T, SUFFIX)                                                                                  \
void lesson_conv_forward_##SUFFIX(const T *x, T *z, const T *wt, const T *bias, long n, long h, long w,  \
                                  long cin, long f, long oh, long ow, long cout) {                       \
    switch (level()) {                                                                                   \
    case HAS_AVX512: conv_##SUFFIX##_avx512_forward(x, z, wt, bias, n, h, w, cin, f, oh, ow, cout); break; \
    case HAS_AVX2: conv_##SUFFIX##_avx2_forward(x, z, wt, bias, n, h, w, cin, f, oh, ow, cout); break;   \
    default: conv_##SUFFIX##_base_forward(x, z, wt, bias, n, h, w, cin, f, oh, ow, cout);                \
    }                                                                                                    \
}                                                                                                        \
void lesson_conv_weight_gradient_##SUFFIX(const T *x, const T *delta, T *total, long n, long h, long w,  \
                                          long cin, long f, long oh, long ow, long cout) {               \
    switch (level()) {                                                                                   \
    case HAS_AVX512: conv_##SUFFIX##_avx512_gradient(x, delta, total, n, h, w, cin, f, oh, ow, cout); break; \
    case HAS_AVX2: conv_##SUFFIX##_avx2_gradient(x, delta, total, n, h, w, cin, f, oh, ow, cout); break; \
    default: conv_##SUFFIX##_base_gradient(x, delta, total, n, h, w, cin, f, oh, ow, cout);              \
    }                                                                                                    \
}
ENTRY(float, f32)
ENTRY(double, f64)

#define FIRST_ENTRY(T, SUFFIX)                                                                            \
void lesson_first_conv_forward_##SUFFIX(const T *x, T *z, const T *weights, const T *bias, long n, long h, \
                                        long w, long f, long stride, long oh, long ow, long cout) {      \
    T taps[16 * LANES] = {0};  /* f·f ≤ 16 taps, lanes past cout zero */                                 \
    for (long t = 0; t < f * f; t++)                                                                     \
        for (long k = 0; k < cout; k++) taps[t * LANES + k] = weights[k * f * f + t];                    \
    switch (level()) {                                                                                   \
    case HAS_AVX512: first_##SUFFIX##_avx512(x, z, taps, bias, n, h, w, f, stride, oh, ow, cout); break; \
    case HAS_AVX2: first_##SUFFIX##_avx2(x, z, taps, bias, n, h, w, f, stride, oh, ow, cout); break;     \
    default: first_##SUFFIX##_base(x, z, taps, bias, n, h, w, f, stride, oh, ow, cout);                  \
    }                                                                                                    \
}
FIRST_ENTRY(float, f32)
FIRST_ENTRY(double, f64)
