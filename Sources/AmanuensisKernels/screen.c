/*
 * The vocabulary screen's candidates (VocabularyScreen): a step's row of
 * 51 864 logits read twice, LANES entries at a time, with scalar work only
 * where a lane may matter: where a lower bound beats the threshold so far,
 * and where an upper bound reaches the final one. That is a few dozen
 * entries of a row, where the scalar loop took 80 µs a step. The body is
 * written once and compiled per instruction set, as the row kernels are;
 * bounds are not contracted into fused multiply-adds, so every variant
 * computes the same bounds and finds the same candidates.
 */
#include "AmanuensisKernels.h"
#include "vectors.h"
#include <math.h>

/* Puts `lower` among the `top` largest of `best`, largest first. */
INLINE void keep_largest(float *best, size_t top, float lower) {
    if (!(lower > best[top - 1])) return;
    size_t slot = top - 1;
    while (slot > 0 && best[slot - 1] < lower) {
        best[slot] = best[slot - 1];
        slot--;
    }
    best[slot] = lower;
}

INLINE void take(size_t *candidates, size_t capacity, size_t *found, size_t v) {
    if (*found < capacity) candidates[*found] = v;
    (*found)++;
}

#define AM_SCREEN_KERNEL(suffix, target, LANES)                                                                      \
    target size_t am_screen_candidates_##suffix(const float *logits, const float *scales, float bound,              \
                                                size_t approximate, size_t count, size_t top, size_t *candidates,   \
                                                size_t capacity) {                                                  \
        _Pragma("clang fp contract(off)");                                                                           \
        if (approximate > count) approximate = count;                                                                \
        if (top < 1) top = 1;                                                                                        \
        if (top > AM_SCREEN_TOP) top = AM_SCREEN_TOP;                                                                \
        float best[AM_SCREEN_TOP];                                                                                   \
        for (size_t k = 0; k < top; k++) best[k] = -INFINITY;                                                        \
        size_t v = 0;                                                                                                \
        for (; v + LANES <= approximate; v += LANES) {                                                               \
            const vec##LANES lower = LOAD(LANES, logits + v) - LOAD(LANES, scales + v) * bound;                       \
            if (!__builtin_reduce_or(lower > best[top - 1])) continue;                                               \
            for (size_t i = 0; i < LANES; i++) keep_largest(best, top, lower[i]);                                    \
        }                                                                                                            \
        for (; v < count; v++) keep_largest(best, top, v < approximate ? logits[v] - scales[v] * bound : logits[v]); \
        const float threshold = best[top - 1];                                                                       \
        size_t found = 0;                                                                                            \
        for (v = 0; v + LANES <= approximate; v += LANES) {                                                          \
            const vec##LANES x = LOAD(LANES, logits + v);                                                             \
            const vec##LANES upper = x + LOAD(LANES, scales + v) * bound;                                             \
            if (!__builtin_reduce_or((upper >= threshold) & (x != -INFINITY))) continue;                             \
            for (size_t i = 0; i < LANES; i++)                                                                       \
                if (x[i] != -INFINITY && upper[i] >= threshold) take(candidates, capacity, &found, v + i);           \
        }                                                                                                            \
        for (; v < approximate; v++)                                                                                 \
            if (logits[v] != -INFINITY && logits[v] + scales[v] * bound >= threshold) take(candidates, capacity, &found, v); \
        return found;                                                                                                \
    }

AM_SCREEN_KERNEL(c, , 4)
AM_SCREEN_KERNEL(avx2, AM_AVX2, 8)
AM_SCREEN_KERNEL(avx512, AM_AVX512, 16)
