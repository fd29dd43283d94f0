/* f32 scans: CumSum along one axis, inclusive or exclusive, forward or reversed. */
#include "qcc_float_scan.h"

QCC_NO_CONTRACT

QCC_TARGET_CLONES
void qcc_f32_cumsum(const float *x, float *y, int64_t outer, int64_t n, int64_t inner, int exclusive, int reverse) {
    if (n <= 0 || inner <= 0) return;
    /* Walking backwards is walking forwards with a negative step. */
    const int64_t step = reverse ? -inner : inner;
    for (int64_t o = 0; o < outer; o++) {
        const int64_t first = o * n * inner + (reverse ? (n - 1) * inner : 0);
        const float *xs = x + first;
        float *ys = y + first;
        if (inner == 1) {
            float acc = 0.0f;
            for (int64_t j = 0; j < n; j++) {
                float v = xs[j * step];
                if (exclusive) {
                    ys[j * step] = acc;
                    acc += v;
                } else {
                    acc += v;
                    ys[j * step] = acc;
                }
            }
            continue;
        }
        if (exclusive) {
            for (int64_t i = 0; i < inner; i++) ys[i] = 0.0f;
        } else {
            for (int64_t i = 0; i < inner; i++) ys[i] = xs[i];
        }
        for (int64_t j = 1; j < n; j++) {
            const float *prev_y = ys + (j - 1) * step;
            const float *src = exclusive ? xs + (j - 1) * step : xs + j * step;
            float *dst = ys + j * step;
            for (int64_t i = 0; i < inner; i++) dst[i] = prev_y[i] + src[i];
        }
    }
}
