/*
 * The encoder's self-attention of attention.c, in bfloat16: queries, keys,
 * probabilities and values rounded to bfloat16 (to nearest even), their
 * products summed in float32 by AVX512-BF16's vdpbf16ps, which multiplies
 * and adds a pair of bfloat16 values in each float lane. That is twice the
 * products of a float32 fused multiply-add per instruction, and the
 * attention is most of the encoder's time. The softmax is computed in
 * float32, to the precision its bfloat16 result keeps.
 *
 * Pairs run along the depth of each product: keys are packed as
 * [width/2][padded keys] pairs of dimensions, values as [padded keys/2][width]
 * pairs of keys, and a query row, or a row of probabilities, is broadcast a
 * pair at a time. The register tile is that of attention.c: 12 query rows ×
 * 32 columns.
 */
#include "AmanuensisKernels.h"
#include "vectors.h"
#include <immintrin.h>
#include <math.h>
#include <string.h>

#define AM_AVX512_BF16 __attribute__((target(AM_AVX512_BF16_FEATURES)))

enum { ROWS = AM_ATTENTION_ROWS, WIDTH = AM_ATTENTION_WIDTH, PAIRS = WIDTH / 2, COLUMNS = 32 };

/* 16 floats as bfloat16, in the low half of each 32-bit lane. */
AM_AVX512_BF16 INLINE __m512i low_halves(__m512 x) { return _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(x)); }

/* `count` floats (a multiple of 32) as count/2 pairs, value 2i in the low half of pair i. */
AM_AVX512_BF16 INLINE void pair_floats(const float *x, size_t count, uint32_t *pairs) {
    for (size_t i = 0; i < count; i += COLUMNS)
        _mm512_storeu_si512(pairs + i / 2, (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(x + i)));
}

AM_AVX512_BF16 void am_attention_pack_bf16(const float *keys, const float *values, size_t stride, size_t count,
                                           float scale, float *packed) {
    const size_t padded = am_attention_padded_keys(count);
    const __m512 scales = _mm512_set1_ps(scale);
    uint32_t *packed_keys = (uint32_t *)packed, *packed_values = packed_keys + PAIRS * padded;
    for (size_t j = 0; j < padded; j++) {
        uint32_t pairs[PAIRS] = { 0 };
        if (j < count) {
            float scaled[WIDTH];
            for (int i = 0; i < WIDTH; i += 16) _mm512_storeu_ps(scaled + i, _mm512_mul_ps(scales, _mm512_loadu_ps(keys + j * stride + i)));
            pair_floats(scaled, WIDTH, pairs);
        }
        for (int d = 0; d < PAIRS; d++) packed_keys[d * padded + j] = pairs[d];
    }
    for (size_t j = 0; j < padded; j += 2) {
        for (int c = 0; c < WIDTH; c += 16) {
            const __m512i even = j < count ? low_halves(_mm512_loadu_ps(values + j * stride + c)) : _mm512_setzero_si512();
            const __m512i odd = j + 1 < count ? low_halves(_mm512_loadu_ps(values + (j + 1) * stride + c)) : _mm512_setzero_si512();
            _mm512_storeu_si512(packed_values + j / 2 * WIDTH + c, _mm512_or_si512(even, _mm512_slli_epi32(odd, 16)));
        }
    }
}

/* out[r · out_stride + i] = scale[r] · Σ_p a[r · a_stride + p] ⋅ b[p · b_stride + i], over i < 32 and
 * p < pairs, for r < stored (scale NULL: 1), where ⋅ is the product of two bfloat16 pairs. */
AM_AVX512_BF16 INLINE void tile_product(const uint32_t *a, size_t a_stride, const uint32_t *b, size_t b_stride,
                                        size_t pairs, float *out, size_t out_stride, const float *scale, size_t stored) {
    __m512 sum[ROWS][2];
    for (int r = 0; r < ROWS; r++) sum[r][0] = sum[r][1] = _mm512_setzero_ps();
    for (size_t p = 0; p < pairs; p++) {
        const __m512bh b0 = (__m512bh)_mm512_loadu_si512(b + p * b_stride), b1 = (__m512bh)_mm512_loadu_si512(b + p * b_stride + 16);
        for (int r = 0; r < ROWS; r++) {
            const __m512bh x = (__m512bh)_mm512_set1_epi32((int)a[r * a_stride + p]);
            sum[r][0] = _mm512_dpbf16_ps(sum[r][0], x, b0);
            sum[r][1] = _mm512_dpbf16_ps(sum[r][1], x, b1);
        }
    }
    for (size_t r = 0; r < stored; r++) {
        const __m512 s = _mm512_set1_ps(scale ? scale[r] : 1.0f);
        _mm512_storeu_ps(out + r * out_stride, _mm512_mul_ps(sum[r][0], s));
        _mm512_storeu_ps(out + r * out_stride + 16, _mm512_mul_ps(sum[r][1], s));
    }
}

/* e^x for x ≤ 0 (above e^-87 where it is not 0): a degree-4 polynomial
 * after the range reduction, within 5e-5. The probabilities are rounded to
 * bfloat16 next (2^-9), so exp_poly's 2 ulp would be precision thrown away,
 * at a quarter of the attention's instructions. */
AM_AVX512_BF16 INLINE __m512 exp_short(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693147181f), x);
    __m512 p = _mm512_set1_ps(1.0f / 24);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

/* The first `count` of 16 lanes. */
INLINE __mmask16 first_lanes(size_t count) { return count >= 16 ? 0xFFFF : (__mmask16)((1u << count) - 1); }

/* A row of scores' softmax numerators e^(s − max) as bfloat16 pairs, zero
 * from `keys` to `padded`; returns 1/Σ, the division left to the product. */
AM_AVX512_BF16 INLINE float exponentiate_pairs(const float *row, size_t keys, size_t padded, uint32_t *pairs) {
    const __m512 none = _mm512_set1_ps(-INFINITY);
    __m512 largest = none;
    for (size_t j = 0; j < keys; j += 16) largest = _mm512_max_ps(largest, _mm512_mask_loadu_ps(none, first_lanes(keys - j), row + j));
    const __m512 shift = _mm512_set1_ps(_mm512_reduce_max_ps(largest));
    __m512 sum = _mm512_setzero_ps();
    for (size_t j = 0; j < padded; j += COLUMNS) {
        __m512 e[2];
        for (int h = 0; h < 2; h++) {
            const size_t at = j + 16 * h;
            e[h] = _mm512_maskz_mov_ps(at < keys ? first_lanes(keys - at) : 0, exp_short(_mm512_sub_ps(_mm512_loadu_ps(row + at), shift)));
            sum = _mm512_add_ps(sum, e[h]);
        }
        _mm512_storeu_si512(pairs + j / 2, (__m512i)_mm512_cvtne2ps_pbh(e[1], e[0]));
    }
    return 1.0f / _mm512_reduce_add_ps(sum);
}

AM_AVX512_BF16 void am_attention_bf16(const float *q, size_t q_stride, const float *packed, size_t keys, size_t rows,
                                      float *scratch, float *out, size_t out_stride) {
    const size_t padded = am_attention_padded_keys(keys);
    const uint32_t *packed_keys = (const uint32_t *)packed, *packed_values = packed_keys + PAIRS * padded;
    float *scores = scratch;
    uint32_t *probabilities = (uint32_t *)(scratch + ROWS * padded);
    for (size_t first = 0; first < rows; first += ROWS) {
        const size_t valid = rows - first < (size_t)ROWS ? rows - first : (size_t)ROWS;
        uint32_t tile[ROWS * PAIRS];
        memset(tile, 0, sizeof tile);
        for (size_t r = 0; r < valid; r++) pair_floats(q + (first + r) * q_stride, WIDTH, tile + r * PAIRS);

        for (size_t j = 0; j < padded; j += COLUMNS)
            tile_product(tile, PAIRS, packed_keys + j, padded, PAIRS, scores + j, padded, NULL, ROWS);
        float inverse[ROWS];
        for (int r = 0; r < ROWS; r++)
            inverse[r] = exponentiate_pairs(scores + r * padded, keys, padded, probabilities + r * padded / 2);
        for (size_t c = 0; c < WIDTH; c += COLUMNS)
            tile_product(probabilities, padded / 2, packed_values + c, WIDTH, padded / 2, out + first * out_stride + c,
                         out_stride, inverse, valid);
    }
}
