/*
 * The exponential of the softmaxes (rows.c, attention.c) and of the int8
 * products' GELU (rows.c), inlined into each instruction-set variant that
 * includes it.
 */
#ifndef AMANUENSIS_EXPONENTIAL_H
#define AMANUENSIS_EXPONENTIAL_H

#include "vectors.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

/* e^x in float, within 2 ulp, 0 below e^-87 (so masked -inf scores vanish).
 * Cephes' expf: x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial for e^r,
 * and 2^n put straight into the exponent bits. */
INLINE float exp_poly(float x) {
    const float clamped = fminf(fmaxf(x, -87.0f), 88.0f);
    const float n = rintf(clamped * 1.44269504088896341f);
    const float r = clamped - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return x < -87.0f ? 0.0f : p * scale;
}

/* row[j] = e^(row[j] − max) for j < count (count ≥ 1); returns 1 / Σ, the
 * division left to the caller. */
INLINE float exponentiate(float *row, size_t count) {
#pragma clang fp reassociate(on)
    float largest = row[0];
    for (size_t j = 1; j < count; j++) largest = fmaxf(largest, row[j]);
    float sum = 0.0f;
    for (size_t j = 0; j < count; j++) {
        const float e = exp_poly(row[j] - largest);
        row[j] = e;
        sum += e;
    }
    return 1.0f / sum;
}

#endif
