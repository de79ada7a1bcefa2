/*
 * Runtime CPU-feature dispatch: one const table per instruction set, chosen
 * once by the caller (the backend holds the pointer; nothing global is
 * written but am_cpu_features' string, once). A table is offered only on a
 * CPU with every feature its variants are compiled for (vectors.h); the
 * AVX-512 one comes with the bfloat16 attention where the CPU has AVX512-BF16.
 * AMANUENSIS_FORCE_ISA=c|avx2|avx512 forces a level so tests can run every
 * variant on one machine; forcing one the CPU lacks falls back to the best it
 * has.
 */
#include "AmanuensisKernels.h"
#include "vectors.h"
#include <cpuid.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const am_kernels table_c = {
    "c", am_dot_rows_f16_c, am_dot_rows_s8_c, am_weighted_f16_c, am_f32_to_f16, am_f16_to_f32, am_softmax_rows_c, am_logsumexp_c, am_gelu_c, am_attention_c, am_layer_norm_c, am_quantize_s8_c,
    am_finish_int8_rows_c, am_screen_candidates_c,
};
static const am_kernels table_avx2 = {
    "avx2", am_dot_rows_f16_avx2, am_dot_rows_s8_avx2, am_weighted_f16_avx2, am_f32_to_f16_avx2, am_f16_to_f32_avx2, am_softmax_rows_avx2, am_logsumexp_avx2, am_gelu_avx2, am_attention_avx2, am_layer_norm_avx2, am_quantize_s8_avx2,
    am_finish_int8_rows_avx2, am_screen_candidates_avx2,
};
#define AVX512_KERNELS                                                                                      \
    "avx512", am_dot_rows_f16_avx512, am_dot_rows_s8_avx512, am_weighted_f16_avx512, am_f32_to_f16_avx512, am_f16_to_f32_avx512,  \
        am_softmax_rows_avx512, am_logsumexp_avx512, am_gelu_avx512, am_attention_avx512, am_layer_norm_avx512, am_quantize_s8_avx512,          \
        am_finish_int8_rows_avx512, am_screen_candidates_avx512
static const am_kernels table_avx512 = { AVX512_KERNELS, NULL, NULL };
static const am_kernels table_avx512_bf16 = { AVX512_KERNELS, am_attention_pack_bf16, am_attention_bf16 };

/* The features this file knows: as am_cpu_features names them (Linux's
 * /proc/cpuinfo names), and as a target attribute does. */
enum { AVX2, FMA, F16C, AVX512F, AVX512BW, AVX512DQ, AVX512VL, AVX512_VNNI, AVX512_BF16, AVX512_FP16,
       AMX_TILE, AMX_BF16, AMX_INT8, FEATURES };
static const struct { const char *name, *target; } features[FEATURES] = {
    [AVX2] = { "avx2", "avx2" },
    [FMA] = { "fma", "fma" },
    [F16C] = { "f16c", "f16c" },
    [AVX512F] = { "avx512f", "avx512f" },
    [AVX512BW] = { "avx512bw", "avx512bw" },
    [AVX512DQ] = { "avx512dq", "avx512dq" },
    [AVX512VL] = { "avx512vl", "avx512vl" },
    [AVX512_VNNI] = { "avx512_vnni", "avx512vnni" },
    [AVX512_BF16] = { "avx512_bf16", "avx512bf16" },
    [AVX512_FP16] = { "avx512_fp16", "avx512fp16" },
    [AMX_TILE] = { "amx_tile", "amx-tile" },
    [AMX_BF16] = { "amx_bf16", "amx-bf16" },
    [AMX_INT8] = { "amx_int8", "amx-int8" },
};

/* Bit `bit` of register `reg` of CPUID leaf 7, sub-leaf `subleaf`. */
enum { EAX, EBX, ECX, EDX };
static int leaf7(unsigned subleaf, int reg, int bit) {
    unsigned r[4];
    if (!__get_cpuid_count(7, 0, &r[0], &r[1], &r[2], &r[3])) return 0;
    if (subleaf > r[0]) return 0; /* sub-leaf 0's EAX: the last sub-leaf */
    if (subleaf != 0) __cpuid_count(7, subleaf, r[0], r[1], r[2], r[3]);
    return (r[reg] >> bit) & 1;
}

/* Whether the OS saves the AMX tile state, XCR0 bits 17 (TILECFG) and 18
 * (TILEDATA). (A process must still ask Linux for it, ARCH_REQ_XCOMP_PERM,
 * before its first tile instruction.) */
static int os_saves_tiles(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE)) return 0;
    unsigned low, high;
    __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    return (low & (3u << 17)) == (3u << 17);
}

/* __builtin_cpu_supports also checks that the OS saves the YMM and ZMM state
 * (XGETBV). The newer features are read from CPUID here rather than through
 * the runtime library's feature bits, which an older libgcc does not set;
 * the AVX-512 ones count only where AVX-512F is usable. */
static int has(int feature) {
    __builtin_cpu_init();
    switch (feature) {
    case AVX2: return __builtin_cpu_supports("avx2") != 0;
    case FMA: return __builtin_cpu_supports("fma") != 0;
    case F16C: return __builtin_cpu_supports("f16c") != 0;
    case AVX512F: return __builtin_cpu_supports("avx512f") != 0;
    case AVX512BW: return __builtin_cpu_supports("avx512bw") != 0;
    case AVX512DQ: return __builtin_cpu_supports("avx512dq") != 0;
    case AVX512VL: return __builtin_cpu_supports("avx512vl") != 0;
    case AVX512_VNNI: return __builtin_cpu_supports("avx512vnni") != 0;
    case AVX512_BF16: return has(AVX512F) && leaf7(1, EAX, 5);
    case AVX512_FP16: return has(AVX512F) && leaf7(0, EDX, 23);
    case AMX_TILE: return os_saves_tiles() && leaf7(0, EDX, 24);
    case AMX_BF16: return os_saves_tiles() && leaf7(0, EDX, 22);
    case AMX_INT8: return os_saves_tiles() && leaf7(0, EDX, 25);
    default: return 0;
    }
}

/* Whether the CPU has every feature of a variant's target list (vectors.h,
 * comma-separated). A feature this file does not know counts as missing: the
 * variant is never chosen, rather than chosen on a CPU that faults. */
static int has_all(const char *list) {
    while (*list) {
        const size_t length = strcspn(list, ",");
        int feature = 0;
        while (feature < FEATURES && !(strlen(features[feature].target) == length &&
                                       memcmp(features[feature].target, list, length) == 0))
            feature++;
        if (!has(feature)) return 0;
        list += length + (list[length] == ',');
    }
    return 1;
}

const am_kernels *am_kernels_for(const char *isa) {
    if (strcmp(isa, "c") == 0) return &table_c;
    if (strcmp(isa, "avx2") == 0 && has_all(AM_AVX2_FEATURES)) return &table_avx2;
    if (strcmp(isa, "avx512") == 0 && has_all(AM_AVX512_BF16_FEATURES)) return &table_avx512_bf16;
    if (strcmp(isa, "avx512") == 0 && has_all(AM_AVX512_FEATURES)) return &table_avx512;
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

/* Every name and a space after it, and the terminator. */
static char feature_names[FEATURES * 12 + 1];
static pthread_once_t features_found = PTHREAD_ONCE_INIT;

static void find_features(void) {
    char *end = feature_names;
    for (int feature = 0; feature < FEATURES; feature++) {
        if (!has(feature)) continue;
        if (end != feature_names) *end++ = ' ';
        const size_t length = strlen(features[feature].name);
        memcpy(end, features[feature].name, length);
        end += length;
    }
    *end = '\0';
}

const char *am_cpu_features(void) {
    pthread_once(&features_found, find_features);
    return feature_names;
}
