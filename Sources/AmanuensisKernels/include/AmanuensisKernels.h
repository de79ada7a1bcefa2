/*
 * AmanuensisKernels: the numeric inner loops of the Whisper network that are
 * not matrix products (those go through oneDNN). Every function is pure: it
 * reads its inputs, writes its outputs, and keeps no state, so any number of
 * requests may call them at once.
 *
 * Layout convention: matrices are row-major float32 with an explicit row
 * stride in elements, so a kernel can work on one head's columns of a fused
 * Q/K/V buffer without copying.
 */
#ifndef AMANUENSIS_KERNELS_H
#define AMANUENSIS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* IEEE half and bfloat16 to float32. `src` may be unaligned (model files are
 * packed without padding). */
void am_f16_to_f32(const void *src, float *dst, size_t count);
void am_bf16_to_f32(const void *src, float *dst, size_t count);
/* float32 to IEEE half, rounding to nearest even. */
void am_f32_to_f16(const float *src, void *dst, size_t count);

/* Copies `row` (cols values) into each of `rows` rows of `dst`: the bias that
 * a following GEMM with beta = 1 accumulates onto. */
void am_broadcast_row_f32(const float *row, float *dst, size_t rows, size_t cols);

/* dst[i] += src[i]. */
void am_add_f32(const float *src, float *dst, size_t count);

/* Rows [first, last) of the matrix that turns a 3-tap convolution with
 * padding 1 into a matrix product (im2col): row p holds, for each channel c,
 * x(c, stride·p − 1), x(c, stride·p) and x(c, stride·p + 1), where
 * x(c, t) = x[c · channel_step + t · time_step] for 0 ≤ t < frames and 0
 * outside. Rows are 3 · channels floats. */
void am_conv3_columns(const float *x, size_t channels, size_t frames, size_t channel_step, size_t time_step,
                      size_t stride, size_t first, size_t last, float *columns);

/* Index of the largest value (the first one on ties). */
size_t am_argmax_f32(const float *x, size_t count);

/* The entries v < `approximate` of a row of logits that may be among its
 * `top` largest (1 ≤ top ≤ AM_SCREEN_TOP: a beam of 16 asks for 17) once
 * computed exactly, where each
 * such entry is within scales[v] · bound of its exact value and every entry
 * from `approximate` to `count` is exact: those whose upper bound reaches the
 * top-th largest lower bound. −∞ entries (masked) never are. Writes at most
 * `capacity` indices to `candidates` and returns how many there are, which
 * may be more. */
#define AM_SCREEN_TOP 32
typedef size_t (*am_screen_candidates_fn)(const float *logits, const float *scales, float bound, size_t approximate,
                                          size_t count, size_t top, size_t *candidates, size_t capacity);
size_t am_screen_candidates_c(const float *, const float *, float, size_t, size_t, size_t, size_t *, size_t);
size_t am_screen_candidates_avx2(const float *, const float *, float, size_t, size_t, size_t, size_t *, size_t);
size_t am_screen_candidates_avx512(const float *, const float *, float, size_t, size_t, size_t, size_t *, size_t);

/* out[r · count + v] (+)= x[r] · table[v] for v in [first, last), with
 * `table` float16 `[count, width]` at any address (the embedding may be read
 * where the model file holds it) and `rows` rows of x; with `accumulate`
 * the products are added to what `out` holds. It serves the vocabulary
 * projection (the table is the embedding), the cross-attention scores (the
 * keys) and every linear layer of a decoding step (few rows, float16 weights
 * `[outputs, inputs]`), where reading the table is the cost. The range lets
 * callers split the work between threads. The vector variants take at most
 * AM_DOT_ROWS_X rows of x; more run the scalar reference. */
#define AM_DOT_ROWS_X 8
typedef void (*am_dot_rows_f16_fn)(const void *table, const float *x, float *out,
                                   size_t rows, size_t width, size_t first, size_t last, size_t count, int accumulate);
void am_dot_rows_f16_c(const void *, const float *, float *, size_t, size_t, size_t, size_t, size_t, int);
void am_dot_rows_f16_avx2(const void *, const float *, float *, size_t, size_t, size_t, size_t, size_t, int);
void am_dot_rows_f16_avx512(const void *, const float *, float *, size_t, size_t, size_t, size_t, size_t, int);

/* The same over an int8 table with one scale a row:
 * out[r · count + v] (+)= scales[v] · (x[r] · table[v]). */
typedef void (*am_dot_rows_s8_fn)(const int8_t *table, const float *scales, const float *x, float *out,
                                  size_t rows, size_t width, size_t first, size_t last, size_t count, int accumulate);
void am_dot_rows_s8_c(const int8_t *, const float *, const float *, float *, size_t, size_t, size_t, size_t, size_t, int);
void am_dot_rows_s8_avx2(const int8_t *, const float *, const float *, float *, size_t, size_t, size_t, size_t, size_t, int);
void am_dot_rows_s8_avx512(const int8_t *, const float *, const float *, float *, size_t, size_t, size_t, size_t, size_t, int);

/* The variants of am_f32_to_f16, with its rounding, and of am_f16_to_f32,
 * for the hot paths. */
typedef void (*am_f32_to_f16_fn)(const float *src, void *dst, size_t count);
void am_f32_to_f16_avx2(const float *, void *, size_t);
void am_f32_to_f16_avx512(const float *, void *, size_t);
typedef void (*am_f16_to_f32_fn)(const void *src, float *dst, size_t count);
void am_f16_to_f32_avx2(const void *, float *, size_t);
void am_f16_to_f32_avx512(const void *, float *, size_t);

/* out[r · out_stride + i] = Σ_j weights[r · weight_stride + j] · values[j · width + i]
 * for `rows` rows, j < count and i < width, with `values` float16
 * `[count, width]`: attention's product of probabilities and values. */
typedef void (*am_weighted_f16_fn)(const uint16_t *values, const float *weights, float *out, size_t rows,
                                   size_t count, size_t width, size_t weight_stride, size_t out_stride);
void am_weighted_f16_c(const uint16_t *, const float *, float *, size_t, size_t, size_t, size_t, size_t);
void am_weighted_f16_avx2(const uint16_t *, const float *, float *, size_t, size_t, size_t, size_t, size_t);
void am_weighted_f16_avx512(const uint16_t *, const float *, float *, size_t, size_t, size_t, size_t, size_t);

/* Softmax of each row's first `cols` values, in place; rows are `stride` apart. */
typedef void (*am_softmax_rows_fn)(float *x, size_t rows, size_t cols, size_t stride);
void am_softmax_rows_c(float *, size_t, size_t, size_t);
void am_softmax_rows_avx2(float *, size_t, size_t, size_t);
void am_softmax_rows_avx512(float *, size_t, size_t, size_t);

/* log Σ e^x over `count` values (rows.c): the normalizer of a decoding step's
 * logits, over the whole vocabulary every step. -inf where every value is
 * -inf; NaN where any is NaN, so a caller checking for a finite result sees
 * it. */
typedef float (*am_logsumexp_fn)(const float *x, size_t count);
typedef void (*am_gelu_fn)(float *x, size_t count);
float am_logsumexp_c(const float *, size_t);
float am_logsumexp_avx2(const float *, size_t);
float am_logsumexp_avx512(const float *, size_t);

/* GELU, 0.5 x (1 + erf(x / √2)), in place, with the int8 products' erf
 * (rows.c, within 1.5e-7): the decoder's feed-forward rows. */
void am_gelu_c(float *, size_t);
void am_gelu_avx2(float *, size_t);
void am_gelu_avx512(float *, size_t);

/* The encoder's self-attention of one head, and the decoder's cross-attention
 * over a prompt's rows (attention.c): for `rows` query
 * rows of q, out[i] = softmax(q[i] · Kᵀ) · V over `keys` keys, with heads
 * AM_ATTENTION_WIDTH wide (every Whisper model's) and the rows of q and out
 * `q_stride` and `out_stride` floats apart. K and V come packed by
 * am_attention_pack, once per head rather than once per call. `scores` is
 * scratch of AM_ATTENTION_ROWS × am_attention_padded_keys(keys) floats. */
#define AM_ATTENTION_WIDTH 64
#define AM_ATTENTION_ROWS 12
static inline size_t am_attention_padded_keys(size_t keys) { return (keys + 31) / 32 * 32; }
/* Packs one head's keys, transposed and scaled by `scale` (1/√width), then
 * its values, from rows `stride` apart: am_attention_packed_floats(count)
 * floats, `[width, padded keys]` then `[count, width]`. */
static inline size_t am_attention_packed_floats(size_t keys) {
    return AM_ATTENTION_WIDTH * (am_attention_padded_keys(keys) + keys);
}
typedef void (*am_attention_pack_fn)(const float *keys, const float *values, size_t stride, size_t count, float scale,
                                     float *packed);
void am_attention_pack(const float *keys, const float *values, size_t stride, size_t count, float scale, float *packed);
/* The same packing from one head's float16 keys and values, `[count, width]`
 * each (the decoder's cross-attention), widened by `widen`. */
void am_attention_pack_f16(const void *keys, const void *values, size_t count, float scale, am_f16_to_f32_fn widen,
                           float *packed);
typedef void (*am_attention_fn)(const float *q, size_t q_stride, const float *packed, size_t keys, size_t rows,
                                float *scores, float *out, size_t out_stride);
void am_attention_c(const float *, size_t, const float *, size_t, size_t, float *, float *, size_t);
void am_attention_avx2(const float *, size_t, const float *, size_t, size_t, float *, float *, size_t);
void am_attention_avx512(const float *, size_t, const float *, size_t, size_t, float *, float *, size_t);

/* The same attention in bfloat16 (attention_bf16.c; AVX512-BF16 only), with
 * the float32 functions' types: am_attention_pack_bf16 packs keys and values
 * as pairs of bfloat16 into the same am_attention_packed_floats(count)
 * floats' room, and `scores` is scratch of
 * am_attention_bf16_scratch_floats(keys) floats (the scores, then the
 * probabilities as bfloat16). */
static inline size_t am_attention_bf16_scratch_floats(size_t keys) {
    return AM_ATTENTION_ROWS * am_attention_padded_keys(keys) * 3 / 2;
}
void am_attention_pack_bf16(const float *, const float *, size_t, size_t, float, float *);
void am_attention_bf16(const float *, size_t, const float *, size_t, size_t, float *, float *, size_t);

/* y[r] = (x[r] - mean) / sqrt(var + eps) * gamma + beta for each of `rows`
 * rows of `cols` values. `x` and `y` may be the same buffer. */
typedef void (*am_layer_norm_fn)(const float *x, float *y, const float *gamma, const float *beta,
                                 size_t rows, size_t cols, float eps);
void am_layer_norm_c(const float *, float *, const float *, const float *, size_t, size_t, float);
void am_layer_norm_avx2(const float *, float *, const float *, const float *, size_t, size_t, float);
void am_layer_norm_avx512(const float *, float *, const float *, const float *, size_t, size_t, float);

/* Symmetric int8 quantization of `count` values with one scale for all:
 * q = round(x / scale), scale = max|x| / 127, so x ≈ q · scale. Returns the
 * scale (1 when every value is 0). The input of an int8 matrix product, a
 * row at a time. */
typedef float (*am_quantize_s8_fn)(const float *x, int8_t *q, size_t count);
float am_quantize_s8_c(const float *, int8_t *, size_t);
float am_quantize_s8_avx2(const float *, int8_t *, size_t);
float am_quantize_s8_avx512(const float *, int8_t *, size_t);

/* The output of an int8 matrix product whose input rows were quantized each
 * with its own scale, finished in place: y[r, c] = y[r, c] · row_scales[r] +
 * bias[c] for `rows` rows of `cols` values, then, when `gelu` is non-zero,
 * GELU in its erf form (the erf within 1.5e-7). */
typedef void (*am_finish_int8_rows_fn)(float *y, const float *row_scales, const float *bias, size_t rows,
                                       size_t cols, int gelu);
void am_finish_int8_rows_c(float *, const float *, const float *, size_t, size_t, int);
void am_finish_int8_rows_avx2(float *, const float *, const float *, size_t, size_t, int);
void am_finish_int8_rows_avx512(float *, const float *, const float *, size_t, size_t, int);

/* Runs body(context, first, last, share) over consecutive shares of
 * [0, count) on the calling thread's OpenMP team, returning when all are
 * done. `share` numbers the shares from 0, so each can use its own scratch.
 * At most max_shares shares, and no more than the team oneDNN would use on
 * this thread (1 where no OpenMP runtime is loaded). */
typedef void (*am_rows_body)(void *context, size_t first, size_t last, size_t share);
void am_parallel_rows(size_t count, size_t max_shares, am_rows_body body, void *context);

/* Reads every cache line of `bytes` bytes at `region` (read_ahead.c). */
void am_read_ahead(const void *region, size_t bytes);

/* The OpenMP runtime's omp_set_num_threads and omp_get_max_threads for the
 * calling thread, looked up with the team above: a no-op, and 1, where no
 * OpenMP runtime is loaded. */
void am_omp_set_threads(int n);
int am_omp_max_threads(void);

/* The kernels of one instruction set. */
typedef struct {
    const char *isa;
    am_dot_rows_f16_fn dot_rows_f16;
    am_dot_rows_s8_fn dot_rows_s8;
    am_weighted_f16_fn weighted_f16;
    am_f32_to_f16_fn f32_to_f16;
    am_f16_to_f32_fn f16_to_f32;
    am_softmax_rows_fn softmax_rows;
    am_logsumexp_fn logsumexp;
    am_gelu_fn gelu;
    am_attention_fn attention;
    am_layer_norm_fn layer_norm;
    am_quantize_s8_fn quantize_s8;
    am_finish_int8_rows_fn finish_int8_rows;
    am_screen_candidates_fn screen_candidates;
    /* NULL where the CPU lacks AVX512-BF16. */
    am_attention_pack_fn attention_pack_bf16;
    am_attention_fn attention_bf16;
} am_kernels;

/* The table of one instruction set ("c", "avx2", "avx512"), or NULL when
 * this CPU lacks it. */
const am_kernels *am_kernels_for(const char *isa);

/* The best table for this CPU (or the one AMANUENSIS_FORCE_ISA names). */
const am_kernels *am_kernels_select(void);

/* The vector features this CPU has and its OS enables, among avx2, fma, f16c,
 * avx512f, avx512bw, avx512dq, avx512vl, avx512_vnni, avx512_bf16,
 * avx512_fp16, amx_tile, amx_bf16 and amx_int8 (as /proc/cpuinfo names
 * them), space-separated in that order: "" on a CPU with none. Found once; the
 * string is static. */
const char *am_cpu_features(void);

#endif
