// What the vector kernels of Conv.c, Products.c and Dense.c share: the target of each level
// (Levels.c picks one), 16-lane vectors of the compiler's vector extension, and their loads and stores.
#ifndef LESSON_LEVELS_H
#define LESSON_LEVELS_H
#include "CKernels.h"
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#define AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))
#define AVX2 __attribute__((target("avx2,fma")))
#else
#define AVX512
#define AVX2
#endif
#define BASE

#define LANES 16
typedef float v16f __attribute__((vector_size(LANES * sizeof(float))));
typedef double v16d __attribute__((vector_size(LANES * sizeof(double))));
typedef int32_t m16f __attribute__((vector_size(LANES * sizeof(float))));
typedef int64_t m16d __attribute__((vector_size(LANES * sizeof(double))));

// Macros, not functions: a function passing a vector would change the calling convention between levels.
#define LOADV(V, p) ({ V v_; memcpy(&v_, (p), sizeof v_); v_; })
#define STOREV(p, v) do { __typeof__(v) s_ = (v); memcpy((p), &s_, sizeof s_); } while (0)

// Calls PREFIX_avx512SUFFIX, PREFIX_avx2SUFFIX or PREFIX_baseSUFFIX with ARGS, the level Levels.c picks.
#define AT_LEVEL(PREFIX, SUFFIX, ARGS)                                                                    \
    switch (lesson_kernel_level()) {                                                                     \
    case LESSON_LEVEL_AVX512: PREFIX##_avx512##SUFFIX ARGS; break;                                        \
    case LESSON_LEVEL_AVX2: PREFIX##_avx2##SUFFIX ARGS; break;                                            \
    default: PREFIX##_base##SUFFIX ARGS;                                                                 \
    }
#endif
