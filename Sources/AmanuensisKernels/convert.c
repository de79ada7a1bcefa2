#include "AmanuensisKernels.h"
#include "vectors.h"
#include <math.h>
#include <string.h>

/* Half to float by bit manipulation: exact for normals, subnormals, infinities
 * and NaN, with no dependence on F16C being present. */
static inline float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1fu;
    uint32_t mantissa = h & 0x3ffu;
    uint32_t bits;
    if (exponent == 0x1fu) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign;
    } else {
        /* Subnormal half: value = mantissa * 2^-24, exact in float. */
        float value = (float)mantissa * 0x1p-24f;
        memcpy(&bits, &value, sizeof bits);
        bits |= sign;
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

void am_f16_to_f32(const void *src, float *dst, size_t count) {
    const unsigned char *bytes = src;
    for (size_t i = 0; i < count; i++) {
        uint16_t h;
        memcpy(&h, bytes + 2 * i, sizeof h);
        dst[i] = half_to_float(h);
    }
}

void am_bf16_to_f32(const void *src, float *dst, size_t count) {
    const unsigned char *bytes = src;
    for (size_t i = 0; i < count; i++) {
        uint16_t b;
        memcpy(&b, bytes + 2 * i, sizeof b);
        uint32_t bits = (uint32_t)b << 16;
        memcpy(&dst[i], &bits, sizeof bits);
    }
}

/* Float to half, round to nearest even; overflow becomes infinity. */
static inline uint16_t float_to_half(float f) {
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    const uint16_t sign = (uint16_t)((bits >> 16) & 0x8000u);
    const uint32_t magnitude = bits & 0x7fffffffu;
    if (magnitude >= 0x7f800000u) return sign | 0x7c00u | (magnitude > 0x7f800000u ? 0x200u : 0);
    if (magnitude >= 0x477ff000u) return sign | 0x7c00u;
    if (magnitude < 0x38800000u) {
        /* Subnormal or zero: scale into the subnormal range and round. */
        float scaled = fabsf(f) * 0x1p24f;
        return sign | (uint16_t)nearbyintf(scaled);
    }
    uint32_t rounded = magnitude + 0xfffu + ((magnitude >> 13) & 1u);
    return sign | (uint16_t)((rounded - 0x38000000u) >> 13);
}

void am_f32_to_f16(const float *src, void *dst, size_t count) {
    unsigned char *bytes = dst;
    for (size_t i = 0; i < count; i++) {
        uint16_t h = float_to_half(src[i]);
        memcpy(bytes + 2 * i, &h, sizeof h);
    }
}

/* The same rounding (to nearest even) and overflow to infinity in hardware:
 * the window's cross-attention keys and values, 4.6 million values, are
 * converted every window. One body, compiled for AVX2 with 8 lanes and for
 * AVX-512 with 16 (dispatch.c picks); the last count % LANES values take the
 * scalar path. */
#define AM_F32_TO_F16(suffix, target, LANES)                                                             \
    target void am_f32_to_f16_##suffix(const float *src, void *dst, size_t count) {                       \
        unsigned char *bytes = dst;                                                                       \
        size_t i = 0;                                                                                     \
        for (; i + LANES <= count; i += LANES) STORE_HALVES(LANES, bytes + 2 * i, LOAD(LANES, src + i));  \
        am_f32_to_f16(src + i, bytes + 2 * i, count - i);                                                 \
    }

AM_F32_TO_F16(avx2, AM_AVX2, 8)
AM_F32_TO_F16(avx512, AM_AVX512, 16)

/* And back, exactly (F16C's or AVX-512's vcvtph2ps): a prompt's products
 * widen the decoder's float16 weights (float32 and int8_encoder), 8.3
 * million values for tiny.en, at every prompt. */
#define AM_F16_TO_F32(suffix, target, LANES)                                                            \
    target void am_f16_to_f32_##suffix(const void *src, float *dst, size_t count) {                      \
        const unsigned char *bytes = src;                                                                \
        size_t i = 0;                                                                                    \
        for (; i + LANES <= count; i += LANES) STORE(LANES, dst + i, HALVES(LANES, bytes + 2 * i));      \
        am_f16_to_f32(bytes + 2 * i, dst + i, count - i);                                                \
    }

AM_F16_TO_F32(avx2, AM_AVX2, 8)
AM_F16_TO_F32(avx512, AM_AVX512, 16)
