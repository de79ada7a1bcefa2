/*
 * Each row of x dotted with the rows [first, last) of a table, float16 or
 * int8 with one scale a row: the decoder's output projection (the table is
 * the embedding, the largest read of every token: 51 864 rows, halved against
 * float32 and exact, since the weights are float16; with the int8 compute
 * type halved again, as CTranslate2 keeps it), its cross-attention scores
 * and its linear layers. Each table row is read once and dotted with every
 * row of x; the products stay float32, except one row of x against an int8
 * table, which the vector variants take in integers (dot_row_s8 below).
 *
 * The vector body is written once, on the compiler's generic vectors, and
 * compiled for AVX2 with 8 lanes and for AVX-512 with 16 (dispatch.c picks);
 * the baseline variant is the scalar reference.
 */
#include "AmanuensisKernels.h"
#include "vectors.h"
#include <immintrin.h>
#include <math.h>

/* Overwrites, or adds to what is there (a bias, a residual). */
static inline void store(float *target, float value, int accumulate) {
    *target = accumulate ? *target + value : value;
}

/* The table's element types: float16, or int8 with one scale a row. */
enum { HALF, BYTE };

/* Embedding row v's scale: 1 for float16. */
INLINE float row_scale(const float *scales, size_t v) { return scales ? scales[v] : 1.0f; }

/* Scalar reference: the meaning of every variant. */
INLINE void dot_rows_c(const void *table, const int kind, const float *scales, const float *x, float *out,
                     size_t rows, size_t width, size_t first, size_t last, size_t count, int accumulate) {
    float row[width];
    for (size_t v = first; v < last; v++) {
        if (kind == HALF) {
            am_f16_to_f32((const char *)table + 2 * v * width, row, width);
        } else {
            for (size_t i = 0; i < width; i++) row[i] = (float)((const int8_t *)table)[v * width + i];
        }
        for (size_t r = 0; r < rows; r++) {
            float sum = 0.0f;
            for (size_t i = 0; i < width; i++) sum += x[r * width + i] * row[i];
            store(out + r * count + v, sum * row_scale(scales, v), accumulate);
        }
    }
}

/* Embedding row v. */
INLINE const void *embedding_row(const void *table, const int kind, size_t v, size_t width) {
    return (const char *)table + (kind == HALF ? 2 : 1) * v * width;
}

/* A greedy step's one row of x reads each table row whole before the next,
 * in CHAINS independent sums (one sum would be one chain of dependent FMAs,
 * bound by their latency): a single forward stream, which the hardware
 * prefetcher follows at the memory's speed. Reading four rows side by side
 * instead, with software prefetches ahead, left a Zen 4 core at less than
 * half of that (Docs/measurements.md, "Reading the weights"). */
enum { MAXIMUM_ROWS = AM_DOT_ROWS_X, CHAINS = 4 };
_Static_assert(CHAINS == 4, "the bodies below add the four sums pairwise");

/* LANES weights of table row `row` from element `i`, as floats. */
#define WEIGHTS(LANES, row, kind, i) \
    ((kind) == HALF ? HALVES(LANES, (const char *)(row) + 2 * (i)) : BYTES(LANES, (const int8_t *)(row) + (i)))

/* The vector body, dot_rows_<suffix>, on vectors of LANES floats; widths that
 * are not a multiple of LANES and more than MAXIMUM_ROWS rows run the scalar
 * reference.
 *
 * Several rows of x (beam search, sampling, a batched pass) are independent
 * chains already: each table row is converted once and dotted with all of
 * them. One row of x takes the row whole in CHAINS sums (above). */
#define DOT_ROWS_VECTOR(suffix, target, LANES)                                                                       \
    target INLINE void dot_rows_##suffix(const void *table, const int kind, const float *scales, const float *x, \
                                       float *out, size_t rows, size_t width, size_t first, size_t last,         \
                                       size_t count, int accumulate) {                                         \
        if (rows > MAXIMUM_ROWS || width % LANES != 0) {                                                           \
            dot_rows_c(table, kind, scales, x, out, rows, width, first, last, count, accumulate);       \
            return;                                                                                                \
        }                                                                                                          \
        if (rows > 1) {                                                                                            \
            for (size_t v = first; v < last; v++) {                                                                \
                const void *e = embedding_row(table, kind, v, width);                                          \
                vec##LANES sums[MAXIMUM_ROWS];                                                                     \
                for (size_t r = 0; r < rows; r++) sums[r] = (vec##LANES){0};                                       \
                for (size_t i = 0; i < width; i += LANES) {                                                        \
                    const vec##LANES w = WEIGHTS(LANES, e, kind, i);                                               \
                    for (size_t r = 0; r < rows; r++) sums[r] += LOAD(LANES, x + r * width + i) * w;               \
                }                                                                                                  \
                for (size_t r = 0; r < rows; r++)                                                                  \
                    store(out + r * count + v, sum##LANES(sums[r]) * row_scale(scales, v), accumulate);    \
            }                                                                                                      \
            return;                                                                                                \
        }                                                                                                          \
        for (size_t v = first; v < last; v++) {                                                                    \
            const void *e = embedding_row(table, kind, v, width);                                                  \
            vec##LANES sums[CHAINS] = { 0 };                                                                       \
            size_t i = 0;                                                                                          \
            for (; i + CHAINS * LANES <= width; i += CHAINS * LANES)                                               \
                for (size_t c = 0; c < CHAINS; c++)                                                                \
                    sums[c] += LOAD(LANES, x + i + c * LANES) * WEIGHTS(LANES, e, kind, i + c * LANES);           \
            for (; i < width; i += LANES) sums[0] += LOAD(LANES, x + i) * WEIGHTS(LANES, e, kind, i);              \
            store(out + v, sum##LANES((sums[0] + sums[1]) + (sums[2] + sums[3])) * row_scale(scales, v), accumulate); \
        }                                                                                                          \
    }

DOT_ROWS_VECTOR(avx2, AM_AVX2, 8)
DOT_ROWS_VECTOR(avx512, AM_AVX512, 16)

/* One row of x against int8 table rows, in integers, the int8 product of a
 * greedy step: x rounded to int16 with one unit (its largest magnitude over
 * 32767, rounding far below the weights' own), then vpmaddwd multiplies the
 * weights, widened to int16, with it and adds pairs into int32 lanes: two
 * instructions for 2·LANES weights where converting each to float takes
 * three for LANES. A lane sums width / LANES products of at most 127·32767,
 * exact in int32 while width ≤ 516·LANES; the lanes are added as floats. */
enum { INTEGER_UNIT = 32767, LANE_PRODUCTS = 516 };

/* x rounded to units of max|x| / 32767; returns the unit (0 for a zero x). */
INLINE float quantize_s16(const float *x, int16_t *q, size_t width) {
    float largest = 0.0f;
    for (size_t i = 0; i < width; i++) largest = fmaxf(largest, fabsf(x[i]));
    const float unit = largest / INTEGER_UNIT, inverse = largest > 0.0f ? INTEGER_UNIT / largest : 0.0f;
    for (size_t i = 0; i < width; i++) q[i] = (int16_t)__builtin_rintf(x[i] * inverse);
    return unit;
}

#define DOT_ROW_S8_INTEGER(suffix, target, LANES, integers, zero, load_x, widen, madd, add, to_float, sum)         \
    target static void dot_row_s8_##suffix(const int8_t *table, const float *scales, const float *x, float *out, \
                                           size_t width, size_t first, size_t last, int accumulate) {              \
        int16_t q[width];                                                                                          \
        const float unit = quantize_s16(x, q, width);                                                              \
        enum { STEP = 2 * LANES };                                                                                 \
        for (size_t v = first; v < last; v++) {                                                                    \
            const int8_t *row = table + v * width;                                                                 \
            integers sums[CHAINS];                                                                                 \
            for (size_t c = 0; c < CHAINS; c++) sums[c] = zero();                                                  \
            size_t i = 0;                                                                                          \
            for (; i + CHAINS * STEP <= width; i += CHAINS * STEP)                                                 \
                for (size_t c = 0; c < CHAINS; c++)                                                                \
                    sums[c] = add(sums[c], madd(widen(row + i + c * STEP), load_x(q + i + c * STEP)));             \
            for (; i < width; i += STEP) sums[0] = add(sums[0], madd(widen(row + i), load_x(q + i)));              \
            const integers total = add(add(sums[0], sums[1]), add(sums[2], sums[3]));                              \
            store(out + v, sum(to_float(total)) * unit * scales[v], accumulate);                                   \
        }                                                                                                          \
    }

AM_AVX2 INLINE __m256i load_x_avx2(const int16_t *p) { return _mm256_loadu_si256((const __m256i *)p); }
AM_AVX2 INLINE __m256i widen_avx2(const int8_t *p) { return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)p)); }
AM_AVX2 INLINE vec8 to_float_avx2(__m256i v) { return (vec8)_mm256_cvtepi32_ps(v); }
AM_AVX512 INLINE __m512i load_x_avx512(const int16_t *p) { return _mm512_loadu_si512(p); }
AM_AVX512 INLINE __m512i widen_avx512(const int8_t *p) { return _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)p)); }
AM_AVX512 INLINE vec16 to_float_avx512(__m512i v) { return (vec16)_mm512_cvtepi32_ps(v); }

DOT_ROW_S8_INTEGER(avx2, AM_AVX2, 8, __m256i, _mm256_setzero_si256, load_x_avx2, widen_avx2, _mm256_madd_epi16,
                   _mm256_add_epi32, to_float_avx2, sum8)
DOT_ROW_S8_INTEGER(avx512, AM_AVX512, 16, __m512i, _mm512_setzero_si512, load_x_avx512, widen_avx512,
                   _mm512_madd_epi16, _mm512_add_epi32, to_float_avx512, sum16)

/* Whether one row of x takes the integer path. */
#define INTEGER_ROW(rows, width, LANES) ((rows) == 1 && (width) % (2 * (LANES)) == 0 && (width) <= LANE_PRODUCTS * (LANES))

#define AM_DOT_ROWS(suffix, target, body, integer_row)                                                             \
    target void am_dot_rows_f16_##suffix(const void *table, const float *x, float *out, size_t rows,    \
                                       size_t width, size_t first, size_t last, size_t count, int accumulate) { \
        body(table, HALF, NULL, x, out, rows, width, first, last, count, accumulate);                \
    }                                                                                                            \
    target void am_dot_rows_s8_##suffix(const int8_t *table, const float *scales, const float *x, float *out, \
                                      size_t rows, size_t width, size_t first, size_t last, size_t count,   \
                                      int accumulate) {                                                          \
        integer_row                                                                                              \
        body(table, BYTE, scales, x, out, rows, width, first, last, count, accumulate);              \
    }

AM_DOT_ROWS(c, , dot_rows_c, )
AM_DOT_ROWS(avx2, AM_AVX2, dot_rows_avx2, if (INTEGER_ROW(rows, width, 8)) {
    dot_row_s8_avx2(table, scales, x, out, width, first, last, accumulate);
    return;
})
AM_DOT_ROWS(avx512, AM_AVX512, dot_rows_avx512, if (INTEGER_ROW(rows, width, 16)) {
    dot_row_s8_avx512(table, scales, x, out, width, first, last, accumulate);
    return;
})
