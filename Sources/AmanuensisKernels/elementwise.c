#include "AmanuensisKernels.h"
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
