// Lesson 1's two big products, Z1 = W1 · X and dW1 = dZ1 · Xᵀ, for a block of image columns: W1 has
// 10 rows and X is 784 × 60,000, a shape OpenBLAS spends most of its time packing (its packing copies
// were 40 % of a full-data run, its kernel 27 %). X never changes, so it is packed once, as bytes.
//
// Same bits on every processor: each clone (AVX-512, AVX2, baseline) adds the same products in the
// same order, multiply then add (no FMA contraction, -ffp-contract=off; the one explicit FMA, in UNIT, is exact). A Z1 element is one sum over
// k in order; a dW1 element is eight partial sums, over the columns j ≡ l (mod 8) of the block for
// l = 0 … 7 (the vector type has 8 lanes whatever the registers), added in a fixed tree at the end.
#include "CKernels.h"
#include "Levels.h"

typedef double v8d __attribute__((vector_size(64)));
// Macros, not functions: a function passing a v8d would change the calling convention between clones.
#define load8(p) ({ v8d v_; __builtin_memcpy(&v_, (p), sizeof v_); v_; })
#define store8(p, v) do { v8d s_ = (v); __builtin_memcpy((p), &s_, sizeof s_); } while (0)
#define splat8(s) ({ double x_ = (s); (v8d){x_, x_, x_, x_, x_, x_, x_, x_}; })
#define lanes_total(s) ({ v8d t_ = (s); ((t_[0] + t_[1]) + (t_[2] + t_[3])) + ((t_[4] + t_[5]) + (t_[6] + t_[7])); })


// X is kept as bytes in panels (Training's DensePlan): each 16 columns of X are a tile, and a tile keeps
// only its pixel rows that are not zero in all 16 images (about half of MNIST's: the frame around each
// digit is blank), [row][16] one after another, with the row's pixel index in `pixel` and, for each pixel,
// its row in the tile or -1 in `row_of`. A zero row adds w·0 = ±0 to a sum, which changes nothing (the
// sums start at +0 and never become −0), so skipping them keeps every bit, as long as the weights and
// deltas are finite (the plan checks, and gives OpenBLAS any block where they are not).
// A block's tiles become doubles in one panel once per iteration; `start[t]` is tile t's first row in it.
#define PANEL 16

// z[i, j] = Σ_k wT[k, i] · x[k, j] + b[i] for the R rows from i0 and the 8·CV columns from c0 of tile t
// (columns j = 16t + c0 + …, of the block's n): R × CV vectors of sums stay in registers while k runs
// over the tile's rows in order.
#define FORWARD_TILE(NAME, ATTR, R, CV)                                                                   \
static ATTR void NAME(const double *restrict wT, long rows, long i0, const double *restrict panel,        \
                      const int32_t *restrict start, const int16_t *restrict pixel,                      \
                      const double *restrict b, double *restrict z, long ldz, long t, long c0, long n) { \
    v8d acc[R][CV];                                                                                      \
    for (int r = 0; r < R; r++) for (int c = 0; c < CV; c++) acc[r][c] = splat8(0);                      \
    for (long q = start[t]; q < start[t + 1]; q++) {                                                     \
        v8d xv[CV];                                                                                      \
        for (int c = 0; c < CV; c++) xv[c] = load8(panel + q * PANEL + c0 + 8 * c);                      \
        const double *wk = wT + pixel[q] * rows + i0;                                                    \
        for (int r = 0; r < R; r++) {                                                                    \
            v8d wv = splat8(wk[r]);                                                                      \
            for (int c = 0; c < CV; c++) acc[r][c] = acc[r][c] + wv * xv[c];                             \
        }                                                                                                \
    }                                                                                                    \
    for (int r = 0; r < R; r++)                                                                          \
        for (int c = 0; c < CV; c++) {                                                                   \
            long j = t * PANEL + c0 + 8 * c;                                                             \
            v8d v = acc[r][c] + splat8(b[i0 + r]);                                                       \
            double *out = z + (i0 + r) * ldz + j;                                                        \
            if (j + 8 <= n) store8(out, v);                                                              \
            else { double rest[8]; store8(rest, v); for (long l = 0; j + l < n; l++) out[l] = rest[l]; } \
        }                                                                                                \
}

// Row groups of R, then single rows; each tile in column groups of 8·CV.
#define FORWARD(NAME, ATTR, R, CV)                                                                       \
FORWARD_TILE(NAME##_tile, ATTR, R, CV)                                                                   \
FORWARD_TILE(NAME##_row, ATTR, 1, CV)                                                                    \
static ATTR void NAME(const double *wT, long rows, const double *panel, const int32_t *start,            \
                      const int16_t *pixel, const double *b, double *z, long ldz, long n) {              \
    for (long t = 0; t * PANEL < n; t++)                                                                 \
        for (long c0 = 0; c0 < PANEL && t * PANEL + c0 < n; c0 += 8 * CV) {                              \
            long i = 0;                                                                                  \
            for (; i + R <= rows; i += R) NAME##_tile(wT, rows, i, panel, start, pixel, b, z, ldz, t, c0, n); \
            for (; i < rows; i++) NAME##_row(wT, rows, i, panel, start, pixel, b, z, ldz, t, c0, n);     \
        }                                                                                                \
}

// The sums of dw[i, k] = Σ_j d[i, j] · x[k, j] over a group's blocks, kept as 8 lanes each, lanes[i][k][8]:
// lane l takes the columns j ≡ l (mod 8), in order, block after block; tiles where pixel k is a zero row
// add nothing (a pixel zero in one tile of a pair of pixels is multiplied as a row of zeros: ±0 changes
// no lane). The lanes are added up once a group (lesson_lane_totals_f64), not once a block: with a
// block's 4 tiles, adding up every block cost as much as the products. The first block of a group
// starts the lanes at zero. d is the block's deltas copied tile by tile, [tile][row][16], zero past its
// n columns.
#define GRADIENT_TILE(NAME, ATTR, R, KC)                                                                  \
static ATTR void NAME(const double *restrict d, long rows, long i0, const double *restrict panel,        \
                      const int32_t *restrict start, const int16_t *restrict row_of, long tiles, long k, \
                      long K, double *restrict lanes, int first) {                                       \
    static const double zeros[PANEL] = {0};                                                              \
    v8d acc[R][KC];                                                                                      \
    for (int r = 0; r < R; r++)                                                                          \
        for (int c = 0; c < KC; c++) acc[r][c] = first ? splat8(0) : load8(lanes + ((i0 + r) * K + k + c) * 8); \
    for (long t = 0; t < tiles; t++) {                                                                   \
        const double *x[KC];                                                                             \
        int any = 0;                                                                                     \
        for (int c = 0; c < KC; c++) {                                                                   \
            long p = row_of[t * K + k + c];                                                              \
            any |= p >= 0;                                                                               \
            x[c] = p >= 0 ? panel + (start[t] + p) * PANEL : zeros;                                      \
        }                                                                                                \
        if (!any) continue;                                                                              \
        v8d x0[KC], x1[KC];                                                                              \
        for (int c = 0; c < KC; c++) { x0[c] = load8(x[c]); x1[c] = load8(x[c] + 8); }                   \
        const double *dt = d + (t * rows + i0) * PANEL;                                                  \
        for (int r = 0; r < R; r++) {                                                                    \
            v8d d0 = load8(dt + r * PANEL), d1 = load8(dt + r * PANEL + 8);                              \
            for (int c = 0; c < KC; c++) {                                                               \
                acc[r][c] = acc[r][c] + d0 * x0[c];                                                      \
                acc[r][c] = acc[r][c] + d1 * x1[c];                                                      \
            }                                                                                            \
        }                                                                                                \
    }                                                                                                    \
    for (int r = 0; r < R; r++)                                                                          \
        for (int c = 0; c < KC; c++) store8(lanes + ((i0 + r) * K + k + c) * 8, acc[r][c]);              \
}

#define GRADIENT(NAME, ATTR, R, KC)                                                                      \
GRADIENT_TILE(NAME##_tile, ATTR, R, KC)                                                                  \
GRADIENT_TILE(NAME##_row, ATTR, 1, KC)                                                                   \
GRADIENT_TILE(NAME##_tile1, ATTR, R, 1)                                                                  \
GRADIENT_TILE(NAME##_row1, ATTR, 1, 1)                                                                   \
static ATTR void NAME(const double *d, long rows, const double *panel, const int32_t *start,             \
                      const int16_t *row_of, long tiles, long K, double *lanes, int first) {            \
    long k = 0;                                                                                          \
    for (; k + KC <= K; k += KC) {                                                                       \
        long i = 0;                                                                                      \
        for (; i + R <= rows; i += R) NAME##_tile(d, rows, i, panel, start, row_of, tiles, k, K, lanes, first); \
        for (; i < rows; i++) NAME##_row(d, rows, i, panel, start, row_of, tiles, k, K, lanes, first);   \
    }                                                                                                    \
    for (; k < K; k++) {                                                                                 \
        long i = 0;                                                                                      \
        for (; i + R <= rows; i += R) NAME##_tile1(d, rows, i, panel, start, row_of, tiles, k, K, lanes, first); \
        for (; i < rows; i++) NAME##_row1(d, rows, i, panel, start, row_of, tiles, k, K, lanes, first);  \
    }                                                                                                    \
}

// out[q] = bytes[q] / 255, exactly the division's double: q = b·r with r = 1/255 rounded, then one
// correction step q + (b − q·255)·r with fused multiply-adds (exact for every byte 0 … 255, which the
// tests check one by one); the baseline has no FMA and divides.
#define UNIT(NAME, ATTR)                                                                                 \
static ATTR void NAME(const uint8_t *restrict bytes, double *restrict out, long count) {                 \
    const v8d r = splat8(1.0 / 255), full = splat8(255);                                                 \
    long q = 0;                                                                                          \
    for (; q + 8 <= count; q += 8) {                                                                     \
        uint8_t b8[8]; __builtin_memcpy(b8, bytes + q, 8);                                               \
        v8d b = {b8[0], b8[1], b8[2], b8[3], b8[4], b8[5], b8[6], b8[7]};                                \
        v8d e = b * r;                                                                                   \
        v8d rest = __builtin_elementwise_fma(-e, full, b);                                               \
        store8(out + q, __builtin_elementwise_fma(rest, r, e));                                          \
    }                                                                                                    \
    for (; q < count; q++) out[q] = bytes[q] / 255.0;                                                    \
}

// Tiles sized to each register file: AVX-512 has 32 registers of 8 doubles, AVX2 16 of 4, SSE 16 of 2.
FORWARD(forward_avx512, AVX512, 10, 2)
FORWARD(forward_avx2, AVX2, 5, 1)
FORWARD(forward_base, BASE, 2, 1)
GRADIENT(gradient_avx512, AVX512, 10, 2)
GRADIENT(gradient_avx2, AVX2, 3, 1)
GRADIENT(gradient_base, BASE, 1, 1)
UNIT(unit_avx512, AVX512)
UNIT(unit_avx2, AVX2)
static void unit_base(const uint8_t *restrict bytes, double *restrict out, long count) {
    for (long q = 0; q < count; q++) out[q] = bytes[q] / 255.0;
}
// The same in float for lesson 3's training path: one float division each, rounded once, which is
// Float(Double(b) / 255) for every byte (no double rounding: the tests check all 256); the compiler's
// vector division, 16 (AVX-512) or 8 (AVX2) at a time.
#define UNIT32(NAME, ATTR)                                                                               \
static ATTR void NAME(const uint8_t *restrict bytes, float *restrict out, long count) {                  \
    for (long q = 0; q < count; q++) out[q] = (float)bytes[q] / 255.0f;                                  \
}
UNIT32(unit32_avx512, AVX512)
UNIT32(unit32_avx2, AVX2)
UNIT32(unit32_base, BASE)

void lesson_dense_forward_f64(const double *wT, long rows, const double *panel, const int32_t *start,
                              const int16_t *pixel, const double *b, double *z, long ldz, long n) {
    AT_LEVEL(forward, , (wT, rows, panel, start, pixel, b, z, ldz, n))
}

void lesson_dense_weight_gradient_f64(const double *d, long rows, const double *panel, const int32_t *start,
                                      const int16_t *row_of, long tiles, long K, double *lanes, int first) {
    AT_LEVEL(gradient, , (d, rows, panel, start, row_of, tiles, K, lanes, first))
}

// out[q] = the sum of lanes[q][0 … 7], in the fixed tree ((0 + 1) + (2 + 3)) + ((4 + 5) + (6 + 7)).
void lesson_lane_totals_f64(const double *lanes, double *out, long count) {
    for (long q = 0; q < count; q++) out[q] = lanes_total(load8(lanes + q * 8));
}

void lesson_unit_from_bytes_f64(const uint8_t *bytes, double *out, long count) {
    AT_LEVEL(unit, , (bytes, out, count))
}

void lesson_unit_from_bytes_f32(const uint8_t *bytes, float *out, long count) {
    AT_LEVEL(unit32, , (bytes, out, count))
}
