/*
 * What the instruction-set variants of the kernels share: the features each
 * is compiled for, and the compiler's generic vectors their bodies are
 * written on. A kernel's body is written once and compiled per instruction
 * set by a macro that gives it its target attribute; dispatch.c chooses a
 * variant only on a CPU with every feature of that attribute.
 */
#ifndef AMANUENSIS_VECTORS_H
#define AMANUENSIS_VECTORS_H

#include <stdint.h>

#define INLINE static inline __attribute__((always_inline))

/* The features of each variant: its target attribute, and exactly what
 * dispatch.c requires of the CPU (it reads these same strings). */
#define AM_AVX2_FEATURES "avx2,fma,f16c"
#define AM_AVX512_FEATURES "avx512f,avx512vl,avx512bw,avx512dq," AM_AVX2_FEATURES
/* Not a level of its own: the bfloat16 attention beside the AVX-512 table. */
#define AM_AVX512_BF16_FEATURES "avx512bf16," AM_AVX512_FEATURES
#define AM_AVX2 __attribute__((target(AM_AVX2_FEATURES)))
#define AM_AVX512 __attribute__((target(AM_AVX512_FEATURES)))

/* Vectors of 8 floats (an AVX2 register) and 16 (an AVX-512 one). The
 * bodies write a product's step as sum += x * w, which clang contracts to one
 * fused multiply-add (its default, -ffp-contract=on), as the intrinsics did. */
typedef float vec4 __attribute__((vector_size(16)));
typedef float vec8 __attribute__((vector_size(32)));
typedef float vec16 __attribute__((vector_size(64)));

/* Their forms in memory, at any address and through any pointer type: floats,
 * float16 and int8 values. */
typedef float floats4 __attribute__((vector_size(16), aligned(4), may_alias));
typedef float floats8 __attribute__((vector_size(32), aligned(4), may_alias));
typedef float floats16 __attribute__((vector_size(64), aligned(4), may_alias));
typedef _Float16 halves8 __attribute__((vector_size(16), aligned(1), may_alias));
typedef _Float16 halves16 __attribute__((vector_size(32), aligned(1), may_alias));
typedef int8_t bytes8 __attribute__((vector_size(8), aligned(1), may_alias));
typedef int8_t bytes16 __attribute__((vector_size(16), aligned(1), may_alias));

/* LANES floats at p, and stored there; LANES float16 or int8 values at p as
 * floats (F16C's or AVX-512's vcvtph2ps; vpmovsxbd and vcvtdq2ps, all in
 * registers); LANES floats stored at p as float16, rounding to nearest even
 * (the default rounding mode) and overflowing to infinity (vcvtps2ph). */
#define LOAD(LANES, p) ((vec##LANES)*(const floats##LANES *)(p))
#define STORE(LANES, p, v) (*(floats##LANES *)(p) = (v))
#define HALVES(LANES, p) __builtin_convertvector(*(const halves##LANES *)(p), vec##LANES)
#define BYTES(LANES, p) __builtin_convertvector(*(const bytes##LANES *)(p), vec##LANES)
#define STORE_HALVES(LANES, p, v) (*(halves##LANES *)(p) = __builtin_convertvector((v), halves##LANES))

/* Horizontal sums, halving until one lane is left (0..3 + 4..7, then pairs,
 * then the last two): the order of _mm512_reduce_add_ps and of the usual
 * AVX2 sequence, so a variant's sums do not depend on how they are written. */
AM_AVX2 INLINE float sum8(vec8 v) {
    const vec4 h = __builtin_shufflevector(v, v, 0, 1, 2, 3) + __builtin_shufflevector(v, v, 4, 5, 6, 7);
    const vec4 q = h + __builtin_shufflevector(h, h, 2, 3, 2, 3);
    return q[0] + q[1];
}
AM_AVX512 INLINE float sum16(vec16 v) {
    return sum8(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
                __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15));
}

#endif
