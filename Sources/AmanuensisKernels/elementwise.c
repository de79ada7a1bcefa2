#include "AmanuensisKernels.h"
#include <math.h>
#include <string.h>

void am_broadcast_row_f32(const float *row, float *dst, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) memcpy(dst + r * cols, row, cols * sizeof(float));
}

void am_add_f32(const float *src, float *dst, size_t count) {
    for (size_t i = 0; i < count; i++) dst[i] += src[i];
}

size_t am_argmax_f32(const float *x, size_t count) {
    size_t best = 0;
    for (size_t i = 1; i < count; i++) if (x[i] > x[best]) best = i;
    return best;
}

/* Two passes: the threshold, then the entries whose upper bound reaches it. */
size_t am_screen_candidates(const float *logits, const float *scales, float bound, size_t approximate, size_t count,
                            size_t top, size_t *candidates, size_t capacity) {
    if (approximate > count) approximate = count;
    if (top < 1) top = 1;
    if (top > AM_SCREEN_TOP) top = AM_SCREEN_TOP;
    /* The `top` largest lower bounds, largest first; -inf where there are fewer. */
    float best[AM_SCREEN_TOP];
    for (size_t k = 0; k < top; k++) best[k] = -INFINITY;
    for (size_t v = 0; v < count; v++) {
        const float lower = v < approximate ? logits[v] - scales[v] * bound : logits[v];
        if (!(lower > best[top - 1])) continue;
        size_t slot = top - 1;
        while (slot > 0 && best[slot - 1] < lower) {
            best[slot] = best[slot - 1];
            slot--;
        }
        best[slot] = lower;
    }
    const float threshold = best[top - 1];
    size_t found = 0;
    for (size_t v = 0; v < approximate; v++) {
        if (logits[v] == -INFINITY || !(logits[v] + scales[v] * bound >= threshold)) continue;
        if (found < capacity) candidates[found] = v;
        found++;
    }
    return found;
}

void am_conv3_columns(const float *x, size_t channels, size_t frames, size_t channel_step, size_t time_step,
                      size_t stride, size_t first, size_t last, float *columns) {
    for (size_t p = first; p < last; p++) {
        float *row = columns + p * 3 * channels;
        for (size_t k = 0; k < 3; k++) {
            const size_t t = stride * p + k; /* the frame, plus one */
            if (t == 0 || t > frames) {
                for (size_t c = 0; c < channels; c++) row[3 * c + k] = 0.0f;
            } else {
                const float *frame = x + (t - 1) * time_step;
                for (size_t c = 0; c < channels; c++) row[3 * c + k] = frame[c * channel_step];
            }
        }
    }
}
