// The training path's dense products (lesson 3's dense layers, forward and backward) in one fixed
// order, so that a seeded run computes the same bits on every processor: OpenBLAS picks its kernel by
// processor and by size, and its AVX2 and AVX-512 kernels (and its kernels for small and large
// products on one processor) add the same products in different orders.
//
//     c[i, j] (=, or +=) Σ_k a(i, k) · b[k, j],  a(i, k) = a[i·rs + k·cs]
//
// Each c[i, j] is one chain of fused multiply-adds over k = 0, 1, …, from +0, then stored (or added to
// what c held: the bias the forward laid down). That is the order OpenBLAS's sgemm kernel for AVX-512
// uses for these layers' larger products. The strides let one kernel take x · Wᵀ (b = Wᵀ, kept
// transposed), δᵀ · x and δ · W. Tiles of R rows × V vectors of 16 columns keep their sums in
// registers while k runs; every level (AVX-512, AVX2, baseline) computes the same bits.
#include "CKernels.h"
#include "Levels.h"

// The R × V tile at rows i0…, columns j0…: `last` columns in its last vector (1 … 16). b may be read
// 16 columns at a time past n (its buffers have slack); c is written only inside the product.
#define TILE(NAME, ATTR, T, V, R, VW)                                                                     \
static inline __attribute__((always_inline)) ATTR void NAME(const T *restrict a, long rs, long cs,       \
        const T *restrict b, long ldb, T *restrict c, long ldc, long k, long i0, long j0, long last, int add) { \
    V t[R][VW];                                                                                          \
    for (int r = 0; r < R; r++) for (int v = 0; v < VW; v++) t[r][v] = (V){0};                           \
    for (long q = 0; q < k; q++) {                                                                       \
        V bv[VW];                                                                                        \
        for (int v = 0; v < VW; v++) bv[v] = LOADV(V, b + q * ldb + j0 + v * LANES);                     \
        for (int r = 0; r < R; r++) {                                                                    \
            V av = a[(i0 + r) * rs + q * cs] - (V){0};  /* a splat: x − 0 is x, so the compiler drops it */ \
            for (int v = 0; v < VW; v++) t[r][v] = __builtin_elementwise_fma(av, bv[v], t[r][v]);        \
        }                                                                                                \
    }                                                                                                    \
    for (int r = 0; r < R; r++) {                                                                        \
        T *row = c + (i0 + r) * ldc + j0;                                                                \
        for (int v = 0; v < VW; v++) {                                                                   \
            T *to = row + v * LANES;                                                                     \
            if (v < VW - 1 || last == LANES) {                                                           \
                STOREV(to, add ? LOADV(V, to) + t[r][v] : t[r][v]);                                      \
            } else                                                                                       \
                for (long l = 0; l < last; l++) to[l] = add ? to[l] + t[r][v][l] : t[r][v][l];           \
        }                                                                                                \
    }                                                                                                    \
}

#define EACH_VECTORS(ATTR, PREFIX, T, V, R)                                                               \
    TILE(PREFIX##_1, ATTR, T, V, R, 1) TILE(PREFIX##_2, ATTR, T, V, R, 2) TILE(PREFIX##_3, ATTR, T, V, R, 3) \
    TILE(PREFIX##_4, ATTR, T, V, R, 4) TILE(PREFIX##_5, ATTR, T, V, R, 5) TILE(PREFIX##_6, ATTR, T, V, R, 6)
#define CALL_VECTORS(PREFIX, VW, ARGS)                                                                    \
    switch (VW) {                                                                                        \
    case 1: PREFIX##_1 ARGS; break; case 2: PREFIX##_2 ARGS; break; case 3: PREFIX##_3 ARGS; break;      \
    case 4: PREFIX##_4 ARGS; break; case 5: PREFIX##_5 ARGS; break; default: PREFIX##_6 ARGS; break;     \
    }

// One level: tiles of RMAX rows (and of 1 row for the rest), the columns in tiles of equal width up to
// VMAX vectors (100 columns = 7 vectors: 4 + 3, not 6 + 1).
#define LEVEL(NAME, ATTR, T, V, RMAX, VMAX)                                                               \
EACH_VECTORS(ATTR, NAME##_rows, T, V, RMAX)                                                              \
EACH_VECTORS(ATTR, NAME##_row, T, V, 1)                                                                  \
static ATTR void NAME(const T *a, long rs, long cs, const T *b, long ldb, T *c, long ldc,                 \
                      long m, long n, long k, int add) {                                                 \
    long vectors = (n + LANES - 1) / LANES, tiles = (vectors + VMAX - 1) / VMAX;                          \
    long width = (vectors + tiles - 1) / tiles;                                                          \
    for (long v0 = 0; v0 < vectors; v0 += width) {                                                       \
        long vw = vectors - v0 < width ? vectors - v0 : width, j0 = v0 * LANES;                          \
        long last = v0 + vw == vectors ? n - (vectors - 1) * LANES : LANES;                              \
        long i0 = 0;                                                                                     \
        for (; i0 + RMAX <= m; i0 += RMAX) CALL_VECTORS(NAME##_rows, vw, (a, rs, cs, b, ldb, c, ldc, k, i0, j0, last, add)) \
        for (; i0 < m; i0++) CALL_VECTORS(NAME##_row, vw, (a, rs, cs, b, ldb, c, ldc, k, i0, j0, last, add)) \
    }                                                                                                    \
}

// Sums in registers: AVX-512 has 32 of 16 floats (4 × 6 = 24 sums, 6 of b), AVX2 16 of 8, SSE 16 of 4.
LEVEL(product_f32_avx512, AVX512, float, v16f, 4, 6)
LEVEL(product_f32_avx2, AVX2, float, v16f, 4, 1)
LEVEL(product_f32_base, BASE, float, v16f, 2, 1)
LEVEL(product_f64_avx512, AVX512, double, v16d, 4, 3)
LEVEL(product_f64_avx2, AVX2, double, v16d, 2, 1)
LEVEL(product_f64_base, BASE, double, v16d, 1, 1)

#define ENTRY(T, SUFFIX)                                                                                  \
void lesson_product_##SUFFIX(const T *a, long rs, long cs, const T *b, long ldb, T *c, long ldc,         \
                             long m, long n, long k, int add) {                                          \
    AT_LEVEL(product_##SUFFIX, , (a, rs, cs, b, ldb, c, ldc, m, n, k, add))                              \
}
ENTRY(float, f32)
ENTRY(double, f64)
