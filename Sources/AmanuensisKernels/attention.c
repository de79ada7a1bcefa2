/*
 * The encoder's self-attention, and the decoder's cross-attention over a
 * prompt's rows (DecoderPass), one head at a time, fused: for a tile of
 * query rows, the scores against every key, their softmax and the weighted
 * sum of the values, before the next tile. A tile's scores (a few rows of
 * 1500) stay in the core's caches between the three steps, and the softmax
 * skips its division: each output row is scaled by 1/Σ once, 64 products
 * instead of 1500.
 *
 * Both products run on a register tile of ROWS query rows × 32 columns (keys
 * for the scores, value columns for the output), with ROWS chosen per
 * instruction set so the accumulators fill its vector registers: 12 rows on
 * AVX-512 (24 zmm), 2 on AVX2 (8 ymm, leaving room for the loads), 1 on
 * the baseline. The body is written once on the compiler's 16-float vectors
 * and compiled for each (dispatch.c picks). Keys and values are packed per
 * head first (am_attention_pack): the values' rows in the fused projection
 * are 4.6 KB apart, past the page the hardware prefetcher stays within.
 */
#include "AmanuensisKernels.h"
#include "exponential.h"
#include <string.h>

/* Sixteen floats, at any address (vectors.h). */
typedef floats16 vec;
enum { LANES = 16, COLUMNS = 2 * LANES, WIDTH = AM_ATTENTION_WIDTH };

void am_attention_pack(const float *keys, const float *values, size_t stride, size_t count, float scale, float *packed) {
    const size_t padded = am_attention_padded_keys(count);
    for (size_t d = 0; d < WIDTH; d++) {
        float *row = packed + d * padded;
        for (size_t j = 0; j < count; j++) row[j] = scale * keys[j * stride + d];
        memset(row + count, 0, (padded - count) * sizeof(float));
    }
    float *packed_values = packed + WIDTH * padded;
    for (size_t j = 0; j < count; j++) memcpy(packed_values + j * WIDTH, values + j * stride, WIDTH * sizeof(float));
}

void am_attention_pack_f16(const void *keys, const void *values, size_t count, float scale, am_f16_to_f32_fn widen,
                           float *packed) {
    enum { BLOCK = 32 };
    const size_t padded = am_attention_padded_keys(count);
    const char *key_bytes = keys;
    for (size_t first = 0; first < padded; first += BLOCK) {
        float block[BLOCK * WIDTH];
        const size_t valid = count - first < BLOCK ? count - first : BLOCK;
        widen(key_bytes + 2 * first * WIDTH, block, valid * WIDTH);
        memset(block + valid * WIDTH, 0, (BLOCK - valid) * WIDTH * sizeof(float));
        for (size_t d = 0; d < WIDTH; d++)
            for (size_t j = 0; j < BLOCK; j++) packed[d * padded + first + j] = scale * block[j * WIDTH + d];
    }
    widen(values, packed + WIDTH * padded, count * WIDTH);
}

/* The register tile both products run on: for r < stored,
 * out[r · out_stride + i] = scale[r] · Σ_k a[r · a_stride + k] · b[k · b_stride + i]
 * over i < 32 and k < depth, from ROWS rows of a (scale NULL: 1). */
INLINE void tile_product(const float *a, size_t a_stride, const float *b, size_t b_stride, size_t depth,
                         float *out, size_t out_stride, const float *scale, size_t stored, const int ROWS) {
    vec sum[ROWS][2];
    for (int r = 0; r < ROWS; r++) sum[r][0] = sum[r][1] = (vec){0};
    for (size_t k = 0; k < depth; k++) {
        const vec b0 = LOAD(16, b + k * b_stride), b1 = LOAD(16, b + k * b_stride + LANES);
        for (int r = 0; r < ROWS; r++) {
            const float x = a[r * a_stride + k];
            sum[r][0] += x * b0;
            sum[r][1] += x * b1;
        }
    }
    for (size_t r = 0; r < stored; r++) {
        const float s = scale ? scale[r] : 1.0f;
        STORE(16, out + r * out_stride, sum[r][0] * s);
        STORE(16, out + r * out_stride + LANES, sum[r][1] * s);
    }
}

INLINE void attention(const float *q, size_t q_stride, const float *packed, size_t keys, size_t rows,
                      float *scores, float *out, size_t out_stride, const int ROWS) {
    const size_t padded = am_attention_padded_keys(keys);
    const float *packed_keys = packed, *v = packed + WIDTH * padded;
    for (size_t first = 0; first < rows; first += ROWS) {
        const size_t valid = rows - first < (size_t)ROWS ? rows - first : (size_t)ROWS;
        /* The tile's queries side by side, zero past the last row: every
         * broadcast is then a fixed offset from one pointer. */
        float tile[ROWS * WIDTH];
        memset(tile, 0, sizeof tile);
        for (size_t r = 0; r < valid; r++) memcpy(tile + r * WIDTH, q + (first + r) * q_stride, WIDTH * sizeof(float));

        for (size_t j = 0; j < padded; j += COLUMNS)
            tile_product(tile, WIDTH, packed_keys + j, padded, WIDTH, scores + j, padded, NULL, ROWS, ROWS);
        float inverse[ROWS];
        for (int r = 0; r < ROWS; r++) inverse[r] = exponentiate(scores + r * padded, keys);
        for (size_t c = 0; c < WIDTH; c += COLUMNS)
            tile_product(scores, padded, v + c, WIDTH, keys, out + first * out_stride + c, out_stride, inverse, valid, ROWS);
    }
}

#define AM_ATTENTION(suffix, target, rows_per_tile)                                                      \
    target void am_attention_##suffix(const float *q, size_t q_stride, const float *packed, size_t keys, \
                                      size_t rows, float *scores, float *out, size_t out_stride) {       \
        attention(q, q_stride, packed, keys, rows, scores, out, out_stride, rows_per_tile);              \
    }

AM_ATTENTION(c, , 1)
AM_ATTENTION(avx2, AM_AVX2, 2)
AM_ATTENTION(avx512, AM_AVX512, AM_ATTENTION_ROWS)
