/*
 * The decoder's output projection, logits = x · Eᵀ, with the embedding E kept
 * in float16 as the model stores it: the largest read of every token (51 864
 * rows), halved against float32 and exact, since the weights are float16.
 * With the int8 compute type E is int8 with one scale a row, as CTranslate2
 * keeps it, and the read halves again; the products stay float32. Each
 * embedding row is read once and dotted with every row of x.
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

/* The embedding's element types: float16, or int8 with one scale a row. */
enum { HALF, BYTE };

#define INLINE static inline __attribute__((always_inline))

/* Embedding row v's scale: 1 for float16. */
INLINE float row_scale(const float *scales, size_t v) { return scales ? scales[v] : 1.0f; }

/* Scalar reference: the meaning of every variant. */
INLINE void logits_c(const void *embedding, const int kind, const float *scales, const float *x, float *logits,
                     size_t rows, size_t width, size_t first, size_t last, size_t vocabulary, int accumulate) {
    float row[width];
    for (size_t v = first; v < last; v++) {
        if (kind == HALF) {
            am_f16_to_f32((const uint16_t *)embedding + v * width, row, width);
        } else {
            for (size_t i = 0; i < width; i++) row[i] = (float)((const int8_t *)embedding)[v * width + i];
        }
        for (size_t r = 0; r < rows; r++) {
            float sum = 0.0f;
            for (size_t i = 0; i < width; i++) sum += x[r * width + i] * row[i];
            store(logits + r * vocabulary + v, sum * row_scale(scales, v), accumulate);
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

/* Eight weights of an embedding row from element `i`, as floats. */
__attribute__((target("avx2,f16c")))
INLINE __m256 load8(const void *row, const int kind, size_t i) {
    if (kind == HALF) return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)row + i)));
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)((const int8_t *)row + i))));
}

/* Sixteen weights of an embedding row from element `i`, as floats. */
__attribute__((target("avx512f")))
INLINE __m512 load16(const void *row, const int kind, size_t i) {
    if (kind == HALF) return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)((const uint16_t *)row + i)));
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)((const int8_t *)row + i))));
}

/* Embedding row v. */
INLINE const void *embedding_row(const void *embedding, const int kind, size_t v, size_t width) {
    return kind == HALF ? (const void *)((const uint16_t *)embedding + v * width) : (const void *)((const int8_t *)embedding + v * width);
}

/* One row of x (greedy search) takes four embedding rows at a time: a single
 * accumulator would be one chain of dependent FMAs, bound by their latency;
 * four rows give four independent chains. Several rows of x (beam search,
 * sampling, a batched pass) are independent chains already: each embedding
 * row is converted once and dotted with all of them. */

__attribute__((target("avx2,fma,f16c")))
INLINE void logits_avx2(const void *embedding, const int kind, const float *scales, const float *x, float *logits,
                        size_t rows, size_t width, size_t first, size_t last, size_t vocabulary, int accumulate) {
    if (rows > MAXIMUM_ROWS || width % 8 != 0) {
        logits_c(embedding, kind, scales, x, logits, rows, width, first, last, vocabulary, accumulate);
        return;
    }
    if (rows > 1) {
        for (size_t v = first; v < last; v++) {
            const void *e = embedding_row(embedding, kind, v, width);
            __m256 sums[MAXIMUM_ROWS];
            for (size_t r = 0; r < rows; r++) sums[r] = _mm256_setzero_ps();
            for (size_t i = 0; i < width; i += 8) {
                const __m256 w = load8(e, kind, i);
                for (size_t r = 0; r < rows; r++) sums[r] = _mm256_fmadd_ps(_mm256_loadu_ps(x + r * width + i), w, sums[r]);
            }
            for (size_t r = 0; r < rows; r++)
                store(logits + r * vocabulary + v, horizontal_sum_avx2(sums[r]) * row_scale(scales, v), accumulate);
        }
        return;
    }
    size_t v = first;
    for (; v + BLOCK <= last; v += BLOCK) {
        __m256 sums[BLOCK] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() };
        for (size_t i = 0; i < width; i += 8) {
            const __m256 xi = _mm256_loadu_ps(x + i);
            for (size_t b = 0; b < BLOCK; b++) sums[b] = _mm256_fmadd_ps(xi, load8(embedding_row(embedding, kind, v + b, width), kind, i), sums[b]);
        }
        for (size_t b = 0; b < BLOCK; b++)
            store(logits + v + b, horizontal_sum_avx2(sums[b]) * row_scale(scales, v + b), accumulate);
    }
    if (v < last) logits_c(embedding, kind, scales, x, logits, rows, width, v, last, vocabulary, accumulate);
}

__attribute__((target("avx512f")))
INLINE void logits_avx512(const void *embedding, const int kind, const float *scales, const float *x, float *logits,
                          size_t rows, size_t width, size_t first, size_t last, size_t vocabulary, int accumulate) {
    if (rows > MAXIMUM_ROWS || width % 16 != 0) {
        logits_c(embedding, kind, scales, x, logits, rows, width, first, last, vocabulary, accumulate);
        return;
    }
    if (rows > 1) {
        for (size_t v = first; v < last; v++) {
            const void *e = embedding_row(embedding, kind, v, width);
            __m512 sums[MAXIMUM_ROWS];
            for (size_t r = 0; r < rows; r++) sums[r] = _mm512_setzero_ps();
            for (size_t i = 0; i < width; i += 16) {
                const __m512 w = load16(e, kind, i);
                for (size_t r = 0; r < rows; r++) sums[r] = _mm512_fmadd_ps(_mm512_loadu_ps(x + r * width + i), w, sums[r]);
            }
            for (size_t r = 0; r < rows; r++)
                store(logits + r * vocabulary + v, _mm512_reduce_add_ps(sums[r]) * row_scale(scales, v), accumulate);
        }
        return;
    }
    size_t v = first;
    for (; v + BLOCK <= last; v += BLOCK) {
        __m512 sums[BLOCK] = { _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps() };
        for (size_t i = 0; i < width; i += 16) {
            const __m512 xi = _mm512_loadu_ps(x + i);
            for (size_t b = 0; b < BLOCK; b++) sums[b] = _mm512_fmadd_ps(xi, load16(embedding_row(embedding, kind, v + b, width), kind, i), sums[b]);
        }
        for (size_t b = 0; b < BLOCK; b++)
            store(logits + v + b, _mm512_reduce_add_ps(sums[b]) * row_scale(scales, v + b), accumulate);
    }
    if (v < last) logits_c(embedding, kind, scales, x, logits, rows, width, v, last, vocabulary, accumulate);
}

#define AM_LOGITS(suffix, target, body)                                                                          \
    target void am_logits_f16_##suffix(const uint16_t *embedding, const float *x, float *logits, size_t rows,    \
                                       size_t width, size_t first, size_t last, size_t vocabulary, int accumulate) { \
        body(embedding, HALF, NULL, x, logits, rows, width, first, last, vocabulary, accumulate);                \
    }                                                                                                            \
    target void am_logits_s8_##suffix(const int8_t *embedding, const float *scales, const float *x, float *logits, \
                                      size_t rows, size_t width, size_t first, size_t last, size_t vocabulary,   \
                                      int accumulate) {                                                          \
        body(embedding, BYTE, scales, x, logits, rows, width, first, last, vocabulary, accumulate);              \
    }

AM_LOGITS(c, , logits_c)
AM_LOGITS(avx2, __attribute__((target("avx2,fma,f16c"))), logits_avx2)
AM_LOGITS(avx512, __attribute__((target("avx512f"))), logits_avx512)
