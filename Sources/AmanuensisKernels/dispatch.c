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

static const am_kernels table_c = { "c", am_logits_f16_c };
static const am_kernels table_avx2 = { "avx2", am_logits_f16_avx2 };
static const am_kernels table_avx512 = { "avx512", am_logits_f16_avx512 };

/* __builtin_cpu_supports also checks that the OS saves the YMM/ZMM state (XGETBV). */
static int has_avx2(void) {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}
static int has_avx512(void) { return __builtin_cpu_supports("avx512f"); }

const am_kernels *am_kernels_select(void) {
    __builtin_cpu_init();
    const char *forced = getenv("AMANUENSIS_FORCE_ISA");
    if (forced && strcmp(forced, "c") == 0) return &table_c;
    if (forced && strcmp(forced, "avx2") == 0 && has_avx2()) return &table_avx2;
    if (has_avx512() && !(forced && strcmp(forced, "avx2") == 0)) return &table_avx512;
    if (has_avx2()) return &table_avx2;
    return &table_c;
}
