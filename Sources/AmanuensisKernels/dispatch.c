/*
 * Runtime CPU-feature dispatch: one const table per instruction set, chosen
 * once by the caller (the backend holds the pointer; nothing global is
 * written). AMANUENSIS_FORCE_ISA=c|avx2|avx512 forces a level so tests can
 * run every variant on one machine; forcing one the CPU lacks falls back to
 * the best it has.
 */
#include "AmanuensisKernels.h"
#include <stdlib.h>
#include <string.h>

static const am_kernels table_c = {
    "c", am_logits_f16_c, am_logits_s8_c, am_weighted_f16_c, am_f32_to_f16, am_softmax_rows_c, am_attention_c, am_layer_norm_c, am_quantize_s8_c,
};
static const am_kernels table_avx2 = {
    "avx2", am_logits_f16_avx2, am_logits_s8_avx2, am_weighted_f16_avx2, am_f32_to_f16_avx2, am_softmax_rows_avx2, am_attention_avx2, am_layer_norm_avx2, am_quantize_s8_avx2,
};
static const am_kernels table_avx512 = {
    "avx512", am_logits_f16_avx512, am_logits_s8_avx512, am_weighted_f16_avx512, am_f32_to_f16_avx512, am_softmax_rows_avx512, am_attention_avx512, am_layer_norm_avx512, am_quantize_s8_avx512,
};

/* __builtin_cpu_supports also checks that the OS saves the YMM/ZMM state (XGETBV). */
static int has_avx2(void) {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}
/* Every feature any AVX-512 variant is compiled for (rows.c, attention.c): a
 * CPU with AVX-512F alone would fault on the first BW or DQ instruction. */
static int has_avx512(void) {
    return has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
}

const am_kernels *am_kernels_for(const char *isa) {
    __builtin_cpu_init();
    if (strcmp(isa, "c") == 0) return &table_c;
    if (strcmp(isa, "avx2") == 0 && has_avx2()) return &table_avx2;
    if (strcmp(isa, "avx512") == 0 && has_avx512()) return &table_avx512;
    return NULL;
}

const am_kernels *am_kernels_select(void) {
    const char *forced = getenv("AMANUENSIS_FORCE_ISA");
    const am_kernels *table = forced ? am_kernels_for(forced) : NULL;
    if (table) return table;
    table = am_kernels_for("avx512");
    if (table) return table;
    table = am_kernels_for("avx2");
    return table ? table : &table_c;
}
