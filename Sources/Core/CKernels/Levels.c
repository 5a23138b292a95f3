// Which vector level the kernels of Dense.c and Conv.c run at: AVX-512, AVX2 or the baseline, found
// once from the processor. Every level computes the same bits; tests force each in turn to prove it.
#include "CKernels.h"
#include <stdlib.h>
#include <string.h>

static int cached = LESSON_LEVEL_UNKNOWN, forced = LESSON_LEVEL_UNKNOWN;

int lesson_kernel_level(void) {
    int f = __atomic_load_n(&forced, __ATOMIC_RELAXED);
    if (f != LESSON_LEVEL_UNKNOWN) return f;
    int found = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (found == LESSON_LEVEL_UNKNOWN) {
#if defined(__x86_64__) && defined(__clang__)
        __builtin_cpu_init();
        found = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")
            ? LESSON_LEVEL_AVX512
            // the AVX2 level's byte unpacking (Dense.c) uses FMA: no processor is known to have AVX2
            // without it, but the check costs nothing
            : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? LESSON_LEVEL_AVX2 : LESSON_LEVEL_BASELINE;
#else
        found = LESSON_LEVEL_BASELINE;
#endif
        // LESSON_KERNEL_LEVEL=avx2 or baseline runs a lower level than the processor's, as a machine
        // without AVX-512 would (tests pin a run's bytes at each); a level the processor lacks is ignored.
        const char *asked = getenv("LESSON_KERNEL_LEVEL");
        int wanted = !asked ? LESSON_LEVEL_UNKNOWN : !strcmp(asked, "avx512") ? LESSON_LEVEL_AVX512
            : !strcmp(asked, "avx2") ? LESSON_LEVEL_AVX2 : !strcmp(asked, "baseline") ? LESSON_LEVEL_BASELINE : LESSON_LEVEL_UNKNOWN;
        if (wanted != LESSON_LEVEL_UNKNOWN && wanted < found) found = wanted;
        __atomic_store_n(&cached, found, __ATOMIC_RELAXED);
    }
    return found;
}

int lesson_kernel_level_available(void) {
    int saved = __atomic_exchange_n(&forced, LESSON_LEVEL_UNKNOWN, __ATOMIC_RELAXED);
    int found = lesson_kernel_level();
    __atomic_store_n(&forced, saved, __ATOMIC_RELAXED);
    return found;
}

int lesson_kernel_level_force(int level) {
    if (level != LESSON_LEVEL_UNKNOWN && (level < LESSON_LEVEL_BASELINE || level > lesson_kernel_level_available())) return 0;
    __atomic_store_n(&forced, level, __ATOMIC_RELAXED);
    return 1;
}
