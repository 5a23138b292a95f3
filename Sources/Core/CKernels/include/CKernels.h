// Small kernels for the training path (Sources/Training) where Swift's SIMD types compile poorly on a
// baseline x86-64 target: loops over a pixel's channels that the C compiler vectorises, with an AVX2
// clone picked at load time where the processor has it. No FMA contraction (-ffp-contract=off), so the
// clones compute the same bits; Conv.c and Products.c write their fused multiply-adds out. Shapes are
// NHWC, row-major; see Kernels.c for each formula.
// The conv1 kernels load and store 16 values at a pixel of cout ≤ 16: the buffers they are given have
// 16 elements of slack past their end (Training's Buffer).
#ifndef LESSON_CKERNELS_H
#define LESSON_CKERNELS_H
#include <stdint.h>

void lesson_maxpool_f32(const float *x, float *out, int32_t *arg, long n, long h, long w, long c, long f, long oh, long ow, int relu);
void lesson_maxpool_f64(const double *x, double *out, int32_t *arg, long n, long h, long w, long c, long f, long oh, long ow, int relu);

void lesson_conv1_forward_f32(const float *x, float *z, const float *weights, const float *bias,
                              long n, long h, long w, long f, long pad, long stride, long oh, long ow, long cout);
void lesson_conv1_forward_f64(const double *x, double *z, const double *weights, const double *bias,
                              long n, long h, long w, long f, long pad, long stride, long oh, long ow, long cout);

void lesson_conv1_backward_f32(const float *delta, const float *x, float *dW, float *db,
                               long n, long h, long w, long f, long pad, long stride, long oh, long ow, long cout);
void lesson_conv1_backward_f64(const double *delta, const double *x, double *dW, double *db,
                               long n, long h, long w, long f, long pad, long stride, long oh, long ow, long cout);

// conv1's gradients straight from the pooled δ of the max-pool after it (taps = f·f ≤ 16, cout ≤ 16):
// gate (nullable) the pool's output, δ counted only where it is > 0; arg the pool's flat indices into
// the conv output, for pf × pf windows, ph × pw of them; patches: room for oh·ow·16 values.
void lesson_conv1_backward_pooled_f32(const float *delta, const float *gate, const int32_t *arg, const float *x, float *dW, float *db,
                                      long n, long h, long w, long f, long pad, long stride, long oh, long ow, long cout,
                                      long pf, long ph, long pw, float *patches);
void lesson_conv1_backward_pooled_f64(const double *delta, const double *gate, const int32_t *arg, const double *x, double *dW, double *db,
                                      long n, long h, long w, long f, long pad, long stride, long oh, long ow, long cout,
                                      long pf, long ph, long pw, double *patches);

// dW += Σ_n (clip(δ[n, o] · x[n, i]) − δ[n, o] · x[n, i]) over the products past ±c; returns their count.
long lesson_clip_correct_f32(const float *delta, const float *x, long n, long outputs, long inputs, float c, float *dW);
long lesson_clip_correct_f64(const double *delta, const double *x, long n, long outputs, long inputs, double c, double *dW);

// x = 0, then each row of cols (a patch, (kh, kw, c) order) added back onto the pixels it came from.
void lesson_col2im_f32(const float *cols, float *x, long n, long h, long w, long c, long f, long pad, long stride, long oh, long ow);
void lesson_col2im_f64(const double *cols, double *x, long n, long h, long w, long c, long f, long pad, long stride, long oh, long ow);

void lesson_relu_f32(float *z, long count);
void lesson_relu_f64(double *z, long count);
void lesson_gate_f32(float *d, const float *a, long count);
void lesson_gate_f64(double *d, const double *a, long count);
void lesson_column_sums_f32(const float *d, float *out, long rows, long columns);
void lesson_column_sums_f64(const double *d, double *out, long rows, long columns);

// The vector level Dense.c's and Conv.c's kernels run at (Levels.c): the best the processor has, or
// one forced (tests run every level available and compare the bits). force returns 0 for a level the
// processor lacks; LESSON_LEVEL_UNKNOWN lifts the force.
enum { LESSON_LEVEL_UNKNOWN = 0, LESSON_LEVEL_BASELINE = 1, LESSON_LEVEL_AVX2 = 2, LESSON_LEVEL_AVX512 = 3 };
int lesson_kernel_level(void);
int lesson_kernel_level_available(void);
int lesson_kernel_level_force(int level);

// The first conv without padding (Conv.c), f·f ≤ 16, cout ≤ 16: z[i, oy, ox, k] = b[k] + Σ_(kh,kw)
// x[i, oy·s + kh, ox·s + kw] · W[k, kh, kw]; bias read as 16 values and z written 16 a pixel (slack).
void lesson_first_conv_forward_f32(const float *x, float *z, const float *weights, const float *bias, long n, long h,
                                   long w, long f, long stride, long oh, long ow, long cout);
void lesson_first_conv_forward_f64(const double *x, double *z, const double *weights, const double *bias, long n, long h,
                                   long w, long f, long stride, long oh, long ow, long cout);

// The same first conv (stride 1), its ReLU if `relu`, and a 2 × 2 max-pool (stride 2) in one pass: out
// (n, ph, pw, cout) and, if arg is not null, the max-pool's index into the conv output it does not store,
// ((i·oh + y)·ow + x)·cout + k: the bits of lesson_first_conv_forward and lesson_maxpool (out and arg
// written 16 a pixel: slack).
void lesson_first_conv_pool_f32(const float *x, float *out, int32_t *arg, const float *weights, const float *bias, long n,
                                long h, long w, long f, long oh, long ow, long cout, long ph, long pw, int relu);
void lesson_first_conv_pool_f64(const double *x, double *out, int32_t *arg, const double *weights, const double *bias, long n,
                                long h, long w, long f, long oh, long ow, long cout, long ph, long pw, int relu);

// A later convolution without im2col (Conv.c): no padding, cout ≤ 16, NHWC (the forward takes a stride,
// the weight gradient stride 1). wt holds the filters transposed, wt[(kh·f + kw)·cin + ci][16] (lanes
// past cout zero), bias 16 values (past cout zero).
// Forward: z[i, oy, ox, :] = bias + Σ_(kh, kw, ci) x[i, oy·s + kh, ox·s + kw, ci] · wt[(kh, kw, ci), :]
// (z needs 16 values of slack). Weight gradient: total[(kh, kw, ci), :] = Σ_i Σ_(oy, ox)
// x[i, oy + kh, ox + kw, ci] · δ[i, oy, ox, :], each image summed first (δ read 16 lanes a pixel: slack).
void lesson_conv_forward_f32(const float *x, float *z, const float *wt, const float *bias, long n, long h, long w,
                             long cin, long f, long stride, long oh, long ow, long cout);
void lesson_conv_forward_f64(const double *x, double *z, const double *wt, const double *bias, long n, long h, long w,
                             long cin, long f, long stride, long oh, long ow, long cout);
void lesson_conv_weight_gradient_f32(const float *x, const float *delta, float *total, long n, long h, long w,
                                     long cin, long f, long oh, long ow, long cout);
void lesson_conv_weight_gradient_f64(const double *x, const double *delta, double *total, long n, long h, long w,
                                     long cin, long f, long oh, long ow, long cout);

// The error for the layer below a later convolution (Conv.c; stride 1, no padding, cin ≤ 16, w ≤ 64):
// dx[i, y, x, :] = Σ_(oy, ox) Σ_co δ[i, oy, ox, co] · wb[((y − oy)·f + x − ox)·cout + co][:], the windows in
// raster order, each window's sum a fused multiply-add chain over co (dx needs 16 values of slack).
void lesson_conv_backward_data_f32(const float *delta, const float *wb, float *dx, long n, long h, long w, long cin,
                                   long f, long oh, long ow, long cout);
void lesson_conv_backward_data_f64(const double *delta, const double *wb, double *dx, long n, long h, long w, long cin,
                                   long f, long oh, long ow, long cout);
// The row-tile kernel alone (what lesson_conv_backward_data runs where it cannot skip zero errors), for
// the tests that compare the two.
void lesson_conv_backward_data_rows_f32(const float *delta, const float *wb, float *dx, long n, long h, long w, long cin,
                                        long f, long oh, long ow, long cout);
void lesson_conv_backward_data_rows_f64(const double *delta, const double *wb, double *dx, long n, long h, long w, long cin,
                                        long f, long oh, long ow, long cout);

// Lesson 3's dense products in one fixed order (Products.c): c[i, j] = Σ_k a[i·rs + k·cs] · b[k·ldb + j]
// (add: c[i, j] += that sum), each sum a fused multiply-add chain over k from +0 (b read 16 values past
// its last row: slack).
void lesson_product_f32(const float *a, long rs, long cs, const float *b, long ldb, float *c, long ldc,
                        long m, long n, long k, int add);
void lesson_product_f64(const double *a, long rs, long cs, const double *b, long ldb, double *c, long ldc,
                        long m, long n, long k, int add);

// Lesson 1's dense products for a block of n image columns (Dense.c), from its tiles of 16 columns:
// panel holds the tiles' non-zero pixel rows as doubles, [row][16], tile t's from start[t] (start has
// tiles + 1 entries, relative to the block); pixel[q] is row q's pixel index, row_of[t·K + k] pixel k's
// row in tile t or -1. z[i, j] = Σ_k wT[k, i] · x[k, j] + b[i] (wT is W1 transposed, K × rows; z has
// row stride ldz). The sums dw[i, k] = Σ_j d[i, j] · x[k, j] (d is [tiles][rows][16], zero past n) are
// kept as 8 lanes, lanes[i][k][8], over a group's blocks (the first sets them), and added up by
// lesson_lane_totals_f64 (out[q] = Σ lanes[q][·] in a fixed order). out[q] = bytes[q] / 255, exactly.
void lesson_dense_forward_f64(const double *wT, long rows, const double *panel, const int32_t *start,
                              const int16_t *pixel, const double *b, double *z, long ldz, long n);
void lesson_dense_weight_gradient_f64(const double *d, long rows, const double *panel, const int32_t *start,
                                      const int16_t *row_of, long tiles, long K, double *lanes, int first);
void lesson_lane_totals_f64(const double *lanes, double *out, long count);
void lesson_unit_from_bytes_f64(const uint8_t *bytes, double *out, long count);
// out[q] = bytes[q] / 255 in float, rounded once: Float(Double(bytes[q]) / 255) (lesson 3's pixels).
void lesson_unit_from_bytes_f32(const uint8_t *bytes, float *out, long count);
#endif