/*
 * Row-wise kernels of the encoder and decoder: softmax, log-sum-exp, layer norm, GELU, and the
 * int8 quantization of a product's input and the finish of its output. Each body is written once, as plain
 * C the compiler vectorizes, and compiled three times: for the baseline, for
 * AVX2 and for AVX-512 (the target attributes below); dispatch.c picks one at
 * run time. Reductions are reassociated (summed in vector lanes), so the
 * variants differ from each other in the last bits, never more.
 */
#include "AmanuensisKernels.h"
#include "exponential.h"
#include <math.h>
#include <string.h>

INLINE void softmax_rows(float *x, size_t rows, size_t cols, size_t stride) {
#pragma clang fp reassociate(on)
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * stride;
        const float inverse = exponentiate(row, cols);
        for (size_t c = 0; c < cols; c++) row[c] *= inverse;
    }
}

/* The exponential is exp_poly's (within 2 ulp, where libm's scalar expf took
 * a third of a millisecond over the vocabulary); it clamps a NaN away, so NaN
 * is looked for on its own. */
INLINE float logsumexp(const float *x, size_t count) {
#pragma clang fp reassociate(on)
    float largest = -INFINITY;
    int unordered = 0;
    for (size_t i = 0; i < count; i++) {
        largest = x[i] > largest ? x[i] : largest;
        unordered |= x[i] != x[i];
    }
    if (unordered) return NAN;
    if (largest == -INFINITY) return -INFINITY;
    float sum = 0.0f;
    for (size_t i = 0; i < count; i++) sum += exp_poly(x[i] - largest);
    return largest + logf(sum);
}

INLINE void layer_norm(const float *x, float *y, const float *gamma, const float *beta,
                       size_t rows, size_t cols, float eps) {
#pragma clang fp reassociate(on)
    for (size_t r = 0; r < rows; r++) {
        const float *in = x + r * cols;
        float *out = y + r * cols;
        /* Two passes: the mean first, then the centred variance, which avoids
         * the cancellation of the sum-of-squares form. */
        float sum = 0.0f;
        for (size_t c = 0; c < cols; c++) sum += in[c];
        const float mean = sum / (float)cols;
        float squares = 0.0f;
        for (size_t c = 0; c < cols; c++) {
            const float d = in[c] - mean;
            squares += d * d;
        }
        const float inv = 1.0f / sqrtf(squares / (float)cols + eps);
        for (size_t c = 0; c < cols; c++) out[c] = (in[c] - mean) * inv * gamma[c] + beta[c];
    }
}

INLINE float quantize_s8(const float *x, int8_t *q, size_t count) {
#pragma clang fp reassociate(on)
    float largest = 0.0f;
    for (size_t i = 0; i < count; i++) largest = fmaxf(largest, fabsf(x[i]));
    if (largest == 0.0f) {
        memset(q, 0, count);
        return 1.0f;
    }
    const float scale = largest / 127.0f, inverse = 127.0f / largest;
    for (size_t i = 0; i < count; i++) q[i] = (int8_t)rintf(x[i] * inverse);
    return scale;
}

/* erf(x) within 1.5e-7 (Abramowitz and Stegun's 7.1.26: a degree-5
 * polynomial in t = 1 / (1 + p|x|) times e^-x²), in arithmetic a vector lane
 * can do, unlike libm's erff. */
INLINE float erf_poly(float x) {
    const float a = fabsf(x), t = 1.0f / (1.0f + 0.3275911f * a);
    float p = 1.061405429f;
    p = p * t - 1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t - 0.284496736f;
    p = p * t + 0.254829592f;
    return copysignf(1.0f - p * t * exp_poly(-a * a), x);
}

INLINE float gelu_value(float v) { return 0.5f * v * (1.0f + erf_poly(v * 0.70710678118654752f)); }

INLINE void finish_int8_rows(float *y, const float *row_scales, const float *bias, size_t rows, size_t cols,
                             int gelu) {
    for (size_t r = 0; r < rows; r++) {
        float *row = y + r * cols;
        const float scale = row_scales[r];
        if (gelu) {
            for (size_t c = 0; c < cols; c++) row[c] = gelu_value(row[c] * scale + bias[c]);
        } else {
            for (size_t c = 0; c < cols; c++) row[c] = row[c] * scale + bias[c];
        }
    }
}

#define AM_ROW_KERNELS(suffix, target)                                                              \
    target void am_softmax_rows_##suffix(float *x, size_t rows, size_t cols, size_t stride) {       \
        softmax_rows(x, rows, cols, stride);                                                        \
    }                                                                                               \
    target float am_logsumexp_##suffix(const float *x, size_t count) { return logsumexp(x, count); } \
    target void am_gelu_##suffix(float *x, size_t count) {                                          \
        for (size_t i = 0; i < count; i++) x[i] = gelu_value(x[i]);                                 \
    }                                                                                               \
    target void am_layer_norm_##suffix(const float *x, float *y, const float *gamma,                \
                                       const float *beta, size_t rows, size_t cols, float eps) {    \
        layer_norm(x, y, gamma, beta, rows, cols, eps);                                             \
    }                                                                                               \
    target float am_quantize_s8_##suffix(const float *x, int8_t *q, size_t count) {                 \
        return quantize_s8(x, q, count);                                                            \
    }                                                                                               \
    target void am_finish_int8_rows_##suffix(float *y, const float *row_scales, const float *bias,  \
                                             size_t rows, size_t cols, int gelu) {                  \
        finish_int8_rows(y, row_scales, bias, rows, cols, gelu);                                    \
    }

AM_ROW_KERNELS(c, )
AM_ROW_KERNELS(avx2, AM_AVX2)
AM_ROW_KERNELS(avx512, AM_AVX512)
