/*
 * The decoder's output projection, logits = x · Eᵀ, with the embedding E kept
 * in float16 as the model stores it: the largest read of every token (51 864
 * rows), halved against float32 and exact, since the weights are float16.
 * Each embedding row is read once and dotted with every row of x.
 *
 * One baseline-compiled file; the AVX2 and AVX-512 variants carry their own
 * target attributes and are chosen at run time (dispatch.c).
 */
#include "AmanuensisKernels.h"
#include <immintrin.h>
#include <string.h>

/* Overwrites, or adds to what is there (a bias, a residual). */
static inline void store(float *target, float value, int accumulate) {
    *target = accumulate ? *target + value : value;
}

/* Scalar reference: the meaning of every variant. */
void am_logits_f16_c(const uint16_t *embedding, const float *x, float *logits,
                     size_t rows, size_t width, size_t first, size_t last, size_t vocabulary, int accumulate) {
    float row[width];
    for (size_t v = first; v < last; v++) {
        am_f16_to_f32(embedding + v * width, row, width);
        for (size_t r = 0; r < rows; r++) {
            float sum = 0.0f;
            for (size_t i = 0; i < width; i++) sum += x[r * width + i] * row[i];
            store(logits + r * vocabulary + v, sum, accumulate);
        }
    }
}

enum { MAXIMUM_ROWS = AM_LOGITS_F16_ROWS, BLOCK = 4 };

/* Horizontal sum: [0..3]+[4..7], then pairs, then the last two. */
__attribute__((target("avx2")))
static inline float horizontal_sum_avx2(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

/* One row of x (greedy search) takes four embedding rows at a time: a single
 * accumulator would be one chain of dependent FMAs, bound by their latency;
 * four rows give four independent chains. Several rows of x (beam search,
 * sampling) are independent chains already: each embedding row is converted
 * once and dotted with all of them. */

__attribute__((target("avx2,fma,f16c")))
void am_logits_f16_avx2(const uint16_t *embedding, const float *x, float *logits,
                        size_t rows, size_t width, size_t first, size_t last, size_t vocabulary, int accumulate) {
    if (rows > MAXIMUM_ROWS || width % 8 != 0) {
        am_logits_f16_c(embedding, x, logits, rows, width, first, last, vocabulary, accumulate);
        return;
    }
    if (rows > 1) {
        for (size_t v = first; v < last; v++) {
            const uint16_t *e = embedding + v * width;
            __m256 sums[MAXIMUM_ROWS];
            for (size_t r = 0; r < rows; r++) sums[r] = _mm256_setzero_ps();
            for (size_t i = 0; i < width; i += 8) {
                const __m256 w = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(e + i)));
                for (size_t r = 0; r < rows; r++) sums[r] = _mm256_fmadd_ps(_mm256_loadu_ps(x + r * width + i), w, sums[r]);
            }
            for (size_t r = 0; r < rows; r++) store(logits + r * vocabulary + v, horizontal_sum_avx2(sums[r]), accumulate);
        }
        return;
    }
    size_t v = first;
    for (; v + BLOCK <= last; v += BLOCK) {
        for (size_t r = 0; r < rows; r++) {
            __m256 sums[BLOCK] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() };
            const float *xr = x + r * width;
            for (size_t i = 0; i < width; i += 8) {
                const __m256 xi = _mm256_loadu_ps(xr + i);
                for (size_t b = 0; b < BLOCK; b++) {
                    /* 8 halves → 8 floats, one FMA. */
                    const __m256 w = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(embedding + (v + b) * width + i)));
                    sums[b] = _mm256_fmadd_ps(xi, w, sums[b]);
                }
            }
            for (size_t b = 0; b < BLOCK; b++) store(logits + r * vocabulary + v + b, horizontal_sum_avx2(sums[b]), accumulate);
        }
    }
    if (v < last) am_logits_f16_c(embedding, x, logits, rows, width, v, last, vocabulary, accumulate);
}

__attribute__((target("avx512f")))
void am_logits_f16_avx512(const uint16_t *embedding, const float *x, float *logits,
                          size_t rows, size_t width, size_t first, size_t last, size_t vocabulary, int accumulate) {
    if (rows > MAXIMUM_ROWS || width % 16 != 0) {
        am_logits_f16_c(embedding, x, logits, rows, width, first, last, vocabulary, accumulate);
        return;
    }
    if (rows > 1) {
        for (size_t v = first; v < last; v++) {
            const uint16_t *e = embedding + v * width;
            __m512 sums[MAXIMUM_ROWS];
            for (size_t r = 0; r < rows; r++) sums[r] = _mm512_setzero_ps();
            for (size_t i = 0; i < width; i += 16) {
                const __m512 w = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(e + i)));
                for (size_t r = 0; r < rows; r++) sums[r] = _mm512_fmadd_ps(_mm512_loadu_ps(x + r * width + i), w, sums[r]);
            }
            for (size_t r = 0; r < rows; r++) store(logits + r * vocabulary + v, _mm512_reduce_add_ps(sums[r]), accumulate);
        }
        return;
    }
    size_t v = first;
    for (; v + BLOCK <= last; v += BLOCK) {
        for (size_t r = 0; r < rows; r++) {
            __m512 sums[BLOCK] = { _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps() };
            const float *xr = x + r * width;
            for (size_t i = 0; i < width; i += 16) {
                const __m512 xi = _mm512_loadu_ps(xr + i);
                for (size_t b = 0; b < BLOCK; b++) {
                    const __m512 w = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(embedding + (v + b) * width + i)));
                    sums[b] = _mm512_fmadd_ps(xi, w, sums[b]);
                }
            }
            for (size_t b = 0; b < BLOCK; b++) store(logits + r * vocabulary + v + b, _mm512_reduce_add_ps(sums[b]), accumulate);
        }
    }
    if (v < last) am_logits_f16_c(embedding, x, logits, rows, width, v, last, vocabulary, accumulate);
}
