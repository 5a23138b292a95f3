// Small kernels for the training path (Sources/Training) where Swift's SIMD types compile poorly on a
// baseline x86-64 target: loops over a pixel's channels that the C compiler vectorises, with an AVX2
// clone picked at load time where the processor has it. No FMA contraction (-ffp-contract=off), so the
// clones compute the same bits. Shapes are NHWC, row-major; see Kernels.c for each formula.
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

void lesson_relu_f32(float *z, long count);
void lesson_relu_f64(double *z, long count);
void lesson_gate_f32(float *d, const float *a, long count);
void lesson_gate_f64(double *d, const double *a, long count);
void lesson_column_sums_f32(const float *d, float *out, long rows, long columns);
void lesson_column_sums_f64(const double *d, double *out, long rows, long columns);
#endif
