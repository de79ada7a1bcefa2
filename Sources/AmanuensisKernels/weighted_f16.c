/*
 * Attention's second product over float16 values: out[r] = Σ_j p[r][j] · V[j],
 * with V one head's cross-attention values, float16 [count, width], kept at
 * half the size of float32 because every decoding step of every stream reads
 * them whole. Each value row is converted once per row of p.
 *
 * The vector body is written once, on the compiler's generic vectors, and
 * compiled for AVX2 with 8 lanes and for AVX-512 with 16 (dispatch.c picks);
 * the baseline variant is the scalar reference.
 */
#include "AmanuensisKernels.h"
#include "vectors.h"
#include <string.h>

/* Scalar reference: the meaning of every variant. */
void am_weighted_f16_c(const uint16_t *values, const float *weights, float *out, size_t rows, size_t count,
                       size_t width, size_t weight_stride, size_t out_stride) {
    float row[width];
    for (size_t r = 0; r < rows; r++) memset(out + r * out_stride, 0, width * sizeof(float));
    for (size_t j = 0; j < count; j++) {
        am_f16_to_f32(values + j * width, row, width);
        for (size_t r = 0; r < rows; r++) {
            const float w = weights[r * weight_stride + j];
            for (size_t i = 0; i < width; i++) out[r * out_stride + i] += w * row[i];
        }
    }
}

/* The vector variants hold a whole output row in registers: two sets of
 * accumulators over alternate value rows, so the FMAs form independent
 * chains rather than one waiting on the last. Wider rows, or rows that are
 * not a multiple of LANES, run the scalar reference. */
enum { MAXIMUM_WIDTH = 64 };

#define AM_WEIGHTED_F16(suffix, target, LANES)                                                                  \
    target void am_weighted_f16_##suffix(const uint16_t *values, const float *weights, float *out, size_t rows, \
                                         size_t count, size_t width, size_t weight_stride, size_t out_stride) { \
        if (width > MAXIMUM_WIDTH || width % LANES != 0) {                                                      \
            am_weighted_f16_c(values, weights, out, rows, count, width, weight_stride, out_stride);            \
            return;                                                                                             \
        }                                                                                                       \
        const size_t lanes = width / LANES;                                                                     \
        for (size_t r = 0; r < rows; r++) {                                                                     \
            const float *p = weights + r * weight_stride;                                                       \
            vec##LANES even[MAXIMUM_WIDTH / LANES], odd[MAXIMUM_WIDTH / LANES];                                 \
            for (size_t l = 0; l < lanes; l++) even[l] = odd[l] = (vec##LANES){0};                              \
            size_t j = 0;                                                                                       \
            for (; j + 2 <= count; j += 2) {                                                                    \
                const uint16_t *v0 = values + j * width, *v1 = v0 + width;                                      \
                for (size_t l = 0; l < lanes; l++) {                                                            \
                    even[l] += p[j] * HALVES(LANES, v0 + LANES * l);                                            \
                    odd[l] += p[j + 1] * HALVES(LANES, v1 + LANES * l);                                         \
                }                                                                                               \
            }                                                                                                   \
            if (j < count)                                                                                      \
                for (size_t l = 0; l < lanes; l++) even[l] += p[j] * HALVES(LANES, values + j * width + LANES * l); \
            for (size_t l = 0; l < lanes; l++) STORE(LANES, out + r * out_stride + LANES * l, even[l] + odd[l]); \
        }                                                                                                       \
    }

AM_WEIGHTED_F16(avx2, AM_AVX2, 8)
AM_WEIGHTED_F16(avx512, AM_AVX512, 16)
