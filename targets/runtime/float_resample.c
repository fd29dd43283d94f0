/* Separable f32 resampling for Resize: each call interpolates along one axis with per-position taps. */
#include "qcc_float_resample.h"

#include <string.h>

QCC_NO_CONTRACT

QCC_TARGET_CLONES
void qcc_f32_resample_axis(const float *x, float *y, int64_t outer, int64_t in, int64_t inner, int64_t out,
                           int64_t taps, const int64_t *indices, const float *weights, float fill) {
    for (int64_t o = 0; o < outer; o++) {
        const float *xo = x + o * in * inner;
        float *yo = y + o * out * inner;
        for (int64_t j = 0; j < out; j++) {
            const int64_t *idx = indices + j * taps;
            const float *w = weights + j * taps;
            float *dst = yo + j * inner;
            if (idx[0] < 0) {
                for (int64_t i = 0; i < inner; i++) dst[i] = fill;
                continue;
            }
            if (taps == 1 && w[0] == 1.0f) {
                const float *src = xo + idx[0] * inner;
                if (inner == 1)
                    dst[0] = src[0];
                else
                    memcpy(dst, src, (size_t)inner * sizeof(float));
                continue;
            }
            if (inner == 1) {
                float acc = 0.0f;
                for (int64_t k = 0; k < taps; k++) acc += w[k] * xo[idx[k]];
                dst[0] = acc;
                continue;
            }
            {
                const float *src = xo + idx[0] * inner;
                const float w0 = w[0];
                for (int64_t i = 0; i < inner; i++) dst[i] = w0 * src[i];
            }
            for (int64_t k = 1; k < taps; k++) {
                const float *src = xo + idx[k] * inner;
                const float wk = w[k];
                for (int64_t i = 0; i < inner; i++) dst[i] += wk * src[i];
            }
        }
    }
}
