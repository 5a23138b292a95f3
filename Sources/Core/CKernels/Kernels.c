// The training path's channel-loop kernels, for float and double alike (one macro each).
#include "CKernels.h"

#if defined(__x86_64__) && defined(__clang__)
#define CLONES __attribute__((target_clones("avx2", "default")))
// An AVX-512 clone only where it measured faster (conv1's pooled gradient: its 9 sums of 16 lanes fit
// AVX-512's registers, not AVX2's); no FMA contraction (-ffp-contract=off), so every clone computes the same bits.
#define CLONES_WIDE __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#define CLONES_WIDE
#endif

// A pixel's channels (at most LANES) as one vector of the compiler's vector extension: AVX2 registers in
// the avx2 clone, SSE in the other. Loads and stores take all LANES (the buffers have slack).
#define LANES 16
typedef float lanes_f32 __attribute__((vector_size(LANES * sizeof(float))));
typedef double lanes_f64 __attribute__((vector_size(LANES * sizeof(double))));
typedef int32_t bits_f32 __attribute__((vector_size(LANES * sizeof(float))));
typedef int64_t bits_f64 __attribute__((vector_size(LANES * sizeof(double))));
typedef int32_t index_lanes __attribute__((vector_size(LANES * sizeof(int32_t))));

// out[i, oy, ox, ch] = max over the f×f window of x; arg: the flat index of its first maximum (a tie
// keeps the first, in row-major order); with relu, max(out, 0) (ReLU before a max-pool commutes).
#define MAXPOOL(NAME, T)                                                                                  \
static CLONES void NAME(const T *restrict x, T *restrict out, int32_t *restrict arg, long n, long h, long w,      \
                 long c, long f, long oh, long ow, int relu) {                                            \
    for (long i = 0; i < n; i++)                                                                          \
        for (long oy = 0; oy < oh; oy++)                                                                  \
            for (long ox = 0; ox < ow; ox++) {                                                            \
                long first = ((i * h + oy * f) * w + ox * f) * c;                                         \
                for (long ch = 0; ch < c; ch++) { out[ch] = x[first + ch]; arg[ch] = (int32_t)(first + ch); } \
                for (long dy = 0; dy < f; dy++)                                                           \
                    for (long dx = 0; dx < f; dx++) {                                                     \
                        if (dy == 0 && dx == 0) continue;                                                 \
                        long q = first + (dy * w + dx) * c;                                               \
                        const T *v = x + q;                                                               \
                        for (long ch = 0; ch < c; ch++) {                                                 \
                            T best = out[ch]; int larger = v[ch] > best;                                  \
                            out[ch] = larger ? v[ch] : best;                                              \
                            arg[ch] = larger ? (int32_t)(q + ch) : arg[ch];                               \
                        }                                                                                 \
                    }                                                                                     \
                if (relu) for (long ch = 0; ch < c; ch++) out[ch] = out[ch] > 0 ? out[ch] : 0;            \
                out += c; arg += c;                                                                       \
            }                                                                                             \
}
MAXPOOL(maxpool_loop_f32, float)
MAXPOOL(maxpool_loop_f64, double)

// The same for c ≤ LANES: a pixel's channels compared as one vector and blended by the comparison's
// mask, values and indices alike (the loop version's branches mispredict on real feature maps).
// Lanes past c read and write the next pixel's values, which its own turn overwrites.
#define MAXPOOL_LANES(NAME, LOOP, T, V, M)                                                                \
CLONES void NAME(const T *restrict x, T *restrict out, int32_t *restrict arg, long n, long h, long w,      \
                 long c, long f, long oh, long ow, int relu) {                                            \
    if (c > LANES) { LOOP(x, out, arg, n, h, w, c, f, oh, ow, relu); return; }                            \
    index_lanes lane;                                                                                     \
    for (int l = 0; l < LANES; l++) lane[l] = l;                                                          \
    for (long i = 0; i < n; i++)                                                                          \
        for (long oy = 0; oy < oh; oy++)                                                                  \
            for (long ox = 0; ox < ow; ox++) {                                                            \
                long first = ((i * h + oy * f) * w + ox * f) * c;                                         \
                V best; __builtin_memcpy(&best, x + first, sizeof best);                                  \
                index_lanes at = lane + (int32_t)first;                                                   \
                for (long dy = 0; dy < f; dy++)                                                           \
                    for (long dx = 0; dx < f; dx++) {                                                     \
                        if (dy == 0 && dx == 0) continue;                                                 \
                        long q = first + (dy * w + dx) * c;                                               \
                        V v; __builtin_memcpy(&v, x + q, sizeof v);                                       \
                        M larger = v > best;  /* strictly: a tie keeps the first maximum */               \
                        best = (V)(((M)v & larger) | ((M)best & ~larger));                                \
                        index_lanes moved = __builtin_convertvector(larger, index_lanes);                 \
                        at = ((lane + (int32_t)q) & moved) | (at & ~moved);                               \
                    }                                                                                     \
                if (relu) { M positive = best > 0; best = (V)((M)best & positive); }                      \
                __builtin_memcpy(out, &best, sizeof best);                                                \
                __builtin_memcpy(arg, &at, sizeof at);                                                    \
                out += c; arg += c;                                                                       \
            }                                                                                             \
}
MAXPOOL_LANES(lesson_maxpool_f32, maxpool_loop_f32, float, lanes_f32, bits_f32)
MAXPOOL_LANES(lesson_maxpool_f64, maxpool_loop_f64, double, lanes_f64, bits_f64)

// BODY for each tap t = kh·f + kw of output pixel (oy, ox) that falls inside the image, at = its
// pixel's offset in the image (taps outside are the zero padding: they add nothing).
#define EACH_TAP(BODY)                                                                                    \
    for (long kh = 0; kh < f; kh++) {                                                                     \
        long y = oy * stride + kh - pad;                                                                  \
        if (y < 0 || y >= h) continue;                                                                    \
        for (long kw = 0; kw < f; kw++) {                                                                 \
            long xx = ox * stride + kw - pad;                                                             \
            if (xx < 0 || xx >= w) continue;                                                              \
            long t = kh * f + kw, at = y * w + xx;                                                        \
            BODY;                                                                                         \
        }                                                                                                 \
    }

// One input channel: z[i, oy, ox, k] = b[k] + Σ_(kh,kw) x[i, oy·s + kh − p, ox·s + kw − p] · W[k, kh, kw],
// the taps in row-major order. A pixel's sums over its filters are one vector of LANES; filters past
// cout are zero.
#define CONV1_FORWARD(NAME, T, V)                                                                         \
CLONES void NAME(const T *restrict x, T *restrict z, const T *restrict weights, const T *restrict bias,    \
                 long n, long h, long w, long f, long pad, long stride, long oh,                         \
                 long ow, long cout) {                                                                    \
    V taps[f * f], b = {0};  /* on the stack: vectors need their alignment */                             \
    for (long k = 0; k < cout; k++) b[k] = bias[k];                                                       \
    for (long t = 0; t < f * f; t++) {                                                                    \
        taps[t] = (V){0};                                                                                 \
        for (long k = 0; k < cout; k++) taps[t][k] = weights[k * f * f + t];                             \
    }                                                                                                     \
    for (long i = 0; i < n; i++) {                                                                        \
        const T *image = x + i * h * w;                                                                   \
        for (long oy = 0; oy < oh; oy++)                                                                  \
            for (long ox = 0; ox < ow; ox++) {                                                            \
                V acc = b;                                                                                \
                EACH_TAP(acc += taps[t] * image[at])                                                      \
                /* All LANES stored: the next pixel overwrites those past cout, the buffer's slack   \
                   the last pixel's (a copy of cout values would be a memmove call per pixel). */     \
                __builtin_memcpy(z + ((i * oh + oy) * ow + ox) * cout, &acc, sizeof acc);                \
            }                                                                                             \
    }                                                                                                     \
}
CONV1_FORWARD(lesson_conv1_forward_f32, float, lanes_f32)
CONV1_FORWARD(lesson_conv1_forward_f64, double, lanes_f64)

// dW[k, kh, kw] = Σ over images and output pixels of δ[i, oy, ox, k] · x[i, oy·s + kh − p, ox·s + kw − p],
// db[k] = Σ δ[.., k]; each image summed on its own first and then added to the totals, so no float
// sum runs over more than one image's pixels. The sums by tap are vectors over the filters.
#define CONV1_BACKWARD(NAME, T, V, M)                                                                     \
CLONES void NAME(const T *restrict delta, const T *restrict x, T *restrict dW, T *restrict db,             \
                 long n, long h, long w, long f, long pad, long stride, long oh,                         \
                 long ow, long cout) {                                                                    \
    long taps = f * f;                                                                                    \
    V total[taps], image[taps], totalBias = {0};                                                          \
    M keep = {0};                                                                                         \
    for (long k = 0; k < cout; k++) keep[k] = -1;                                                         \
    for (long t = 0; t < taps; t++) total[t] = (V){0};                                                    \
    for (long i = 0; i < n; i++) {                                                                        \
        const T *pixels = x + i * h * w;                                                                  \
        for (long t = 0; t < taps; t++) image[t] = (V){0};                                                \
        V imageBias = {0};                                                                                \
        for (long oy = 0; oy < oh; oy++)                                                                  \
            for (long ox = 0; ox < ow; ox++) {                                                            \
                /* LANES loaded at once (the buffer has slack), the lanes past cout masked to zero. */ \
                V d;                                                                                      \
                __builtin_memcpy(&d, delta + ((i * oh + oy) * ow + ox) * cout, sizeof d);                 \
                d = (V)((M)d & keep);                                                                     \
                imageBias += d;                                                                           \
                EACH_TAP(image[t] += d * pixels[at])                                                      \
            }                                                                                             \
        for (long t = 0; t < taps; t++) total[t] += image[t];                                             \
        totalBias += imageBias;                                                                           \
    }                                                                                                     \
    for (long k = 0; k < cout; k++) {                                                                     \
        for (long t = 0; t < taps; t++) dW[k * taps + t] = total[t][k];                                   \
        db[k] = totalBias[k];                                                                             \
    }                                                                                                     \
}
CONV1_BACKWARD(lesson_conv1_backward_f32, float, lanes_f32, bits_f32)
CONV1_BACKWARD(lesson_conv1_backward_f64, double, lanes_f64, bits_f64)

// A first conv of 3 × 3 filters, stride 1, no padding (lesson 3's conv1) before its max-pool, in
// CONV1_BACKWARD_POOLED's order, densely over the channels: at each pooled pixel the lanes are its
// channels, and for each of the window's pf × pf places, δ kept only in the channels whose maximum is
// there (and whose gate passed) times that place's 3 × 3 patch, tap by tap. Of a channel's pf² products
// all but one are 0 · x = ±0 (for a finite pixel), added to sums that start at +0 and so are never −0: no
// bit changes; the one left is added where the loop over maxima adds it. The same bits, without a gather
// and a branch per maximum.
#define CONV1_POOLED_3X3(NAME, T, V, M)                                                                   \
static CLONES_WIDE void NAME(const T *restrict delta, const T *restrict gate, const int32_t *restrict arg, \
                             const T *restrict x, T *restrict dW, T *restrict db, long n, long h, long w, \
                             long oh, long ow, long cout, long pf, long ph, long pw) {                    \
    M keep = {0};                                                                                         \
    index_lanes lane;                                                                                     \
    for (int l = 0; l < LANES; l++) { lane[l] = l; keep[l] = l < cout ? -1 : 0; }                        \
    V total[9], totalBias = {0};                                                                          \
    for (int t = 0; t < 9; t++) total[t] = (V){0};                                                        \
    for (long i = 0; i < n; i++) {                                                                        \
        const T *pixels = x + i * h * w;                                                                  \
        V image[9], imageBias = {0};                                                                      \
        for (int t = 0; t < 9; t++) image[t] = (V){0};                                                    \
        for (long py = 0; py < ph; py++)                                                                  \
            for (long px = 0; px < pw; px++) {                                                            \
                long at = ((i * ph + py) * pw + px) * cout;                                               \
                V d; __builtin_memcpy(&d, delta + at, sizeof d);                                          \
                M live = keep;                                                                            \
                if (gate) { V g; __builtin_memcpy(&g, gate + at, sizeof g); live &= (M)(g > 0); }         \
                d = (V)((M)d & live);                                                                     \
                index_lanes a; __builtin_memcpy(&a, arg + at, sizeof a);                                  \
                index_lanes offset = a - (lane + (int32_t)(((i * oh + pf * py) * ow + pf * px) * cout));  \
                if (pf == 2) {                                                                            \
                    /* Each channel's patch picked from the window's 4 × 4 pixels by where its maximum is  \
                       (the row, then the column): the one product, without the three ±0 ones. */         \
                    M lower = __builtin_convertvector(offset >= (int32_t)(ow * cout), M);                 \
                    M right = __builtin_convertvector((offset == (int32_t)cout) | (offset == (int32_t)((ow + 1) * cout)), M); \
                    const T *c0 = pixels + 2 * py * w + 2 * px;                                           \
                    V rows[3][4];                                                                         \
                    for (int r = 0; r < 3; r++)                                                           \
                        for (int c = 0; c < 4; c++) {                                                     \
                            V top = c0[r * w + c] - (V){0}, bottom = c0[(r + 1) * w + c] - (V){0};        \
                            rows[r][c] = (V)(((M)bottom & lower) | ((M)top & ~lower));                    \
                        }                                                                                 \
                    for (int kh = 0; kh < 3; kh++)                                                        \
                        for (int kw = 0; kw < 3; kw++) {                                                  \
                            V patch = (V)(((M)rows[kh][kw + 1] & right) | ((M)rows[kh][kw] & ~right));    \
                            image[kh * 3 + kw] += d * patch;                                              \
                        }                                                                                 \
                } else                                                                                    \
                for (long dy = 0; dy < pf; dy++)                                                          \
                    for (long dx = 0; dx < pf; dx++) {                                                    \
                        M here = __builtin_convertvector(offset == (int32_t)((dy * ow + dx) * cout), M);  \
                        V dc = (V)((M)d & here);                                                          \
                        const T *c0 = pixels + (pf * py + dy) * w + pf * px + dx;                         \
                        for (int kh = 0; kh < 3; kh++)                                                    \
                            for (int kw = 0; kw < 3; kw++) image[kh * 3 + kw] += dc * c0[kh * w + kw];    \
                    }                                                                                     \
                imageBias += d;                                                                           \
            }                                                                                             \
        for (int t = 0; t < 9; t++) total[t] += image[t];                                                 \
        totalBias += imageBias;                                                                           \
    }                                                                                                     \
    for (long k = 0; k < cout; k++) {                                                                     \
        for (int t = 0; t < 9; t++) dW[k * 9 + t] = total[t][k];                                          \
        db[k] = totalBias[k];                                                                             \
    }                                                                                                     \
}
CONV1_POOLED_3X3(conv1_pooled_3x3_f32, float, lanes_f32, bits_f32)
CONV1_POOLED_3X3(conv1_pooled_3x3_f64, double, lanes_f64, bits_f64)

// The same gradients when the first conv is followed by a max-pool (lesson 3's conv1 → pool1): δ is
// non-zero only at each window's maximum, so instead of un-pooling into a mostly-zero map and running
// over every output pixel, each pooled δ[i, py, px, k] (0 where `gate` is given and its value is not
// > 0: the ReLU the pool applied) goes straight to its maximum's patch: dW[k, :] += δ · patch,
// db[k] += δ. An image's patches (f·f values, as a vector) are gathered once; each image is summed on
// its own first. 3 × 3 unpadded filters go to DENSE (CONV1_POOLED_3X3) instead. arg: the pool's flat indices into the conv output, ((i·oh + y)·ow + x)·cout + k, for
// its pf × pf windows (ph × pw of them). patches: room for one image's, oh·ow·LANES values.
#define CONV1_BACKWARD_POOLED(NAME, T, V, DENSE)                                                          \
CLONES void NAME(const T *restrict delta, const T *restrict gate, const int32_t *restrict arg,           \
                 const T *restrict x, T *restrict dW, T *restrict db, long n, long h, long w, long f,   \
                 long pad, long stride, long oh, long ow, long cout, long pf, long ph, long pw,          \
                 T *restrict patches) {                                                                   \
    if (f == 3 && stride == 1 && pad == 0) {                                                              \
        DENSE(delta, gate, arg, x, dW, db, n, h, w, oh, ow, cout, pf, ph, pw);                            \
        return;                                                                                           \
    }                                                                                                     \
    long taps = f * f;                                                                                    \
    V total[LANES], image[LANES];                                                                         \
    T totalBias[LANES] = {0}, imageBias[LANES];                                                           \
    for (long k = 0; k < LANES; k++) total[k] = (V){0};                                                   \
    __builtin_memset(patches, 0, sizeof(T) * (unsigned long)(oh * ow * LANES));                           \
    for (long i = 0; i < n; i++) {                                                                        \
        const T *pixels = x + i * h * w;                                                                  \
        /* Scalar stores into memory (a vector built lane by lane went through the stack); every image   \
           writes the same taps, and the rest (lanes past f·f, padding) stay zero. */                     \
        for (long oy = 0; oy < oh; oy++)                                                                  \
            for (long ox = 0; ox < ow; ox++) {                                                            \
                T *p = patches + (oy * ow + ox) * LANES;                                                  \
                EACH_TAP(p[t] = pixels[at])                                                               \
            }                                                                                             \
        for (long k = 0; k < cout; k++) { image[k] = (V){0}; imageBias[k] = 0; }                          \
        const int32_t *a = arg + i * ph * pw * cout;                                                      \
        const T *d = delta + i * ph * pw * cout, *g = gate ? gate + i * ph * pw * cout : 0;               \
        for (long py = 0; py < ph; py++)                                                                  \
            for (long px = 0; px < pw; px++)                                                              \
                for (long k = 0; k < cout; k++, a++, d++) {                                               \
                    if (g && !(*g++ > 0)) continue;                                                       \
                    /* Where in its window the maximum was, found by comparing (no division): */          \
                    long corner = (py * pf * ow + px * pf), offset = *a - ((i * oh * ow + corner) * cout + k); \
                    long at = corner;                                                                     \
                    for (long dy = 0; dy < pf; dy++)                                                      \
                        for (long dx = 0; dx < pf; dx++)                                                  \
                            if (offset == (dy * ow + dx) * cout) at = corner + dy * ow + dx;              \
                    V p;                                                                                  \
                    __builtin_memcpy(&p, patches + at * LANES, sizeof p);                                 \
                    image[k] += *d * p;                                                                   \
                    imageBias[k] += *d;                                                                   \
                }                                                                                         \
        for (long k = 0; k < cout; k++) { total[k] += image[k]; totalBias[k] += imageBias[k]; }           \
    }                                                                                                     \
    for (long k = 0; k < cout; k++) {                                                                     \
        for (long t = 0; t < taps; t++) dW[k * taps + t] = total[k][t];                                   \
        db[k] = totalBias[k];                                                                             \
    }                                                                                                     \
}
CONV1_BACKWARD_POOLED(lesson_conv1_backward_pooled_f32, float, lanes_f32, conv1_pooled_3x3_f32)
CONV1_BACKWARD_POOLED(lesson_conv1_backward_pooled_f64, double, lanes_f64, conv1_pooled_3x3_f64)

// Per-image clipping's correction (ClipScope.image; the readable one: Network/Clipping.swift): onto dW = Σ_n δ_nᵀ x_n,
// add clip(v) − v for each product v = δ[r, o] · x[r, i] past ±c, image r after image r; a row whose
// largest product max|δ[r, o]| · max|x[r, ·]| stays within ±c is skipped. Branch-free, so the compiler
// vectorises the products (Swift's loop was a compare and a branch per product). Returns the count.
#define CLIP_CORRECT(NAME, T)                                                                             \
CLONES long NAME(const T *restrict delta, const T *restrict x, long n, long outputs, long inputs, T c,    \
                 T *restrict dW) {                                                                        \
    long clipped = 0;                                                                                     \
    for (long r = 0; r < n; r++) {                                                                        \
        const T *xr = x + r * inputs, *dr = delta + r * outputs;                                          \
        T xMax = 0;                                                                                       \
        for (long i = 0; i < inputs; i++) { T a = xr[i] < 0 ? -xr[i] : xr[i]; xMax = a > xMax ? a : xMax; } \
        for (long o = 0; o < outputs; o++) {                                                              \
            T d = dr[o], ad = d < 0 ? -d : d;                                                             \
            if (!(ad * xMax > c)) continue;                                                               \
            T *row = dW + o * inputs;                                                                     \
            int count = 0;   /* int, so the vectoriser keeps 8 float lanes (a long count halved them) */ \
            for (long i = 0; i < inputs; i++) {                                                           \
                T v = d * xr[i];                                                                          \
                int high = v > c, low = v < -c;                                                           \
                /* Every entry stored, the unclipped ones plus −0 (x + −0 is x for every x, ±0 too):   \
                   a conditional store compiled to a masked store, slow on AMD processors. */             \
                T fix = high ? c - v : low ? -c - v : (T)-0.0;                                            \
                row[i] += fix;                                                                            \
                count += high | low;                                                                      \
            }                                                                                             \
            clipped += count;                                                                             \
        }                                                                                                 \
    }                                                                                                     \
    return clipped;                                                                                       \
}
CLIP_CORRECT(lesson_clip_correct_f32, float)
CLIP_CORRECT(lesson_clip_correct_f64, double)

// a = max(z, 0) in place, and δ ← δ ⊙ (a > 0): branch-free selects the compiler vectorises (Swift's
// loop compiled to a compare and a branch per element, a coin flip on real activations).
#define RELU(NAME, T)                                                                                     \
CLONES void NAME(T *restrict z, long count) {                                                             \
    for (long k = 0; k < count; k++) z[k] = z[k] > 0 ? z[k] : 0;                                          \
}
RELU(lesson_relu_f32, float)
RELU(lesson_relu_f64, double)

#define GATE(NAME, T)                                                                                     \
CLONES void NAME(T *restrict d, const T *restrict a, long count) {                                        \
    for (long k = 0; k < count; k++) d[k] = a[k] > 0 ? d[k] : 0;                                          \
}
GATE(lesson_gate_f32, float)
GATE(lesson_gate_f64, double)

// out[c] = Σ_r d[r, c], the rows added in order.
#define COLUMN_SUMS(NAME, T)                                                                              \
CLONES void NAME(const T *restrict d, T *restrict out, long rows, long columns) {                         \
    for (long c = 0; c < columns; c++) out[c] = 0;                                                        \
    for (long r = 0; r < rows; r++)                                                                       \
        for (long c = 0; c < columns; c++) out[c] += d[r * columns + c];                                  \
}
COLUMN_SUMS(lesson_column_sums_f32, float)
COLUMN_SUMS(lesson_column_sums_f64, double)


// The adjoint of im2col (Training/Kernels.swift): x = 0, then every patch value of cols (rows of
// f·f·C in (kh, kw, c) order, one per output pixel) added back onto the pixel it came from, patch after
// patch. An unclipped kernel row is f·C contiguous values in NHWC, added as one run the compiler
// vectorises (Swift's loop stayed scalar: its pointers may alias).
#define COL2IM(NAME, T)                                                                                   \
CLONES void NAME(const T *restrict cols, T *restrict x, long n, long h, long w, long c, long f,          \
                 long pad, long stride, long oh, long ow) {                                               \
    __builtin_memset(x, 0, sizeof(T) * (unsigned long)(n * h * w * c));                                   \
    long run = f * c;                                                                                     \
    const T *row = cols;                                                                                  \
    for (long i = 0; i < n; i++) {                                                                        \
        T *image = x + i * h * w * c;                                                                     \
        for (long oy = 0; oy < oh; oy++)                                                                  \
            for (long ox = 0; ox < ow; ox++, row += f * run) {                                            \
                long x0 = ox * stride - pad;                                                              \
                int inside = x0 >= 0 && x0 + f <= w;                                                      \
                for (long kh = 0; kh < f; kh++) {                                                         \
                    long y = oy * stride + kh - pad;                                                      \
                    if (y < 0 || y >= h) continue;                                                        \
                    const T *src = row + kh * run;                                                        \
                    if (inside) {                                                                         \
                        T *dst = image + (y * w + x0) * c;                                                \
                        for (long q = 0; q < run; q++) dst[q] += src[q];                                  \
                    } else                                                                                \
                        for (long kw = 0; kw < f; kw++) {                                                 \
                            long xx = x0 + kw;                                                            \
                            if (xx < 0 || xx >= w) continue;                                              \
                            T *dst = image + (y * w + xx) * c;                                            \
                            for (long q = 0; q < c; q++) dst[q] += src[kw * c + q];                       \
                        }                                                                                 \
                }                                                                                         \
            }                                                                                             \
    }                                                                                                     \
}
COL2IM(lesson_col2im_f32, float)
COL2IM(lesson_col2im_f64, double)
