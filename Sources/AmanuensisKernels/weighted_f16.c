/*
 * Attention's second product over float16 values: out[r] = Σ_j p[r][j] · V[j],
 * with V one head's cross-attention values, float16 [count, width], kept at
 * half the size of float32 because every decoding step of every stream reads
 * them whole. Each value row is converted once per row of p.
 *
 * One baseline-compiled file; the AVX2 and AVX-512 variants carry their own
 * target attributes and are chosen at run time (dispatch.c).
 */
#include "AmanuensisKernels.h"
#include <immintrin.h>
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
 * chains rather than one waiting on the last. */
enum { MAXIMUM_WIDTH = 64 };

__attribute__((target("avx2,fma,f16c")))
void am_weighted_f16_avx2(const uint16_t *values, const float *weights, float *out, size_t rows, size_t count,
                          size_t width, size_t weight_stride, size_t out_stride) {
    if (width > MAXIMUM_WIDTH || width % 8 != 0) {
        am_weighted_f16_c(values, weights, out, rows, count, width, weight_stride, out_stride);
        return;
    }
    const size_t lanes = width / 8;
    for (size_t r = 0; r < rows; r++) {
        const float *p = weights + r * weight_stride;
        __m256 even[MAXIMUM_WIDTH / 8], odd[MAXIMUM_WIDTH / 8];
        for (size_t l = 0; l < lanes; l++) even[l] = odd[l] = _mm256_setzero_ps();
        size_t j = 0;
        for (; j + 2 <= count; j += 2) {
            const __m256 w0 = _mm256_set1_ps(p[j]), w1 = _mm256_set1_ps(p[j + 1]);
            const uint16_t *v0 = values + j * width, *v1 = v0 + width;
            for (size_t l = 0; l < lanes; l++) {
                even[l] = _mm256_fmadd_ps(w0, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(v0 + 8 * l))), even[l]);
                odd[l] = _mm256_fmadd_ps(w1, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(v1 + 8 * l))), odd[l]);
            }
        }
        if (j < count) {
            const __m256 w = _mm256_set1_ps(p[j]);
            for (size_t l = 0; l < lanes; l++)
                even[l] = _mm256_fmadd_ps(w, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(values + j * width + 8 * l))), even[l]);
        }
        for (size_t l = 0; l < lanes; l++) _mm256_storeu_ps(out + r * out_stride + 8 * l, _mm256_add_ps(even[l], odd[l]));
    }
}

__attribute__((target("avx512f")))
void am_weighted_f16_avx512(const uint16_t *values, const float *weights, float *out, size_t rows, size_t count,
                            size_t width, size_t weight_stride, size_t out_stride) {
    if (width > MAXIMUM_WIDTH || width % 16 != 0) {
        am_weighted_f16_c(values, weights, out, rows, count, width, weight_stride, out_stride);
        return;
    }
    const size_t lanes = width / 16;
    for (size_t r = 0; r < rows; r++) {
        const float *p = weights + r * weight_stride;
        __m512 even[MAXIMUM_WIDTH / 16], odd[MAXIMUM_WIDTH / 16];
        for (size_t l = 0; l < lanes; l++) even[l] = odd[l] = _mm512_setzero_ps();
        size_t j = 0;
        for (; j + 2 <= count; j += 2) {
            const __m512 w0 = _mm512_set1_ps(p[j]), w1 = _mm512_set1_ps(p[j + 1]);
            const uint16_t *v0 = values + j * width, *v1 = v0 + width;
            for (size_t l = 0; l < lanes; l++) {
                even[l] = _mm512_fmadd_ps(w0, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(v0 + 16 * l))), even[l]);
                odd[l] = _mm512_fmadd_ps(w1, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(v1 + 16 * l))), odd[l]);
            }
        }
        if (j < count) {
            const __m512 w = _mm512_set1_ps(p[j]);
            for (size_t l = 0; l < lanes; l++)
                even[l] = _mm512_fmadd_ps(w, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(values + j * width + 16 * l))), even[l]);
        }
        for (size_t l = 0; l < lanes; l++) _mm512_storeu_ps(out + r * out_stride + 16 * l, _mm512_add_ps(even[l], odd[l]));
    }
}
