/* Scans: CumSum along one axis, inclusive or exclusive, forward or reversed. */
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

/*
 * The running sums of one element type T (integers as their unsigned type,
 * so that sums wrap): the first sum is 0 + x, each next one the previous sum
 * plus the next element, with the inner dimension as the vectorised loop.
 */
#define DEFINE_CUMSUM(NAME, T)                                                                                         \
    static void NAME(const T *x, T *y, int64_t outer, int64_t n, int64_t inner, int exclusive, int reverse) {          \
        const int64_t step = reverse ? -inner : inner;                                                                 \
        for (int64_t o = 0; o < outer; o++) {                                                                          \
            const int64_t first = o * n * inner + (reverse ? (n - 1) * inner : 0);                                     \
            const T *xs = x + first;                                                                                   \
            T *ys = y + first;                                                                                         \
            for (int64_t i = 0; i < inner; i++) ys[i] = exclusive ? (T)0 : (T)((T)0 + xs[i]);                          \
            for (int64_t j = 1; j < n; j++) {                                                                          \
                const T *prev = ys + (j - 1) * step;                                                                   \
                const T *src = xs + (exclusive ? j - 1 : j) * step;                                                    \
                T *dst = ys + j * step;                                                                                \
                for (int64_t i = 0; i < inner; i++) dst[i] = (T)(prev[i] + src[i]);                                    \
            }                                                                                                          \
        }                                                                                                              \
    }

DEFINE_CUMSUM(cumsum_f64, double)
DEFINE_CUMSUM(cumsum_u32, uint32_t)
DEFINE_CUMSUM(cumsum_u64, uint64_t)

int qcc_cumsum_supports(int32_t elem) {
    switch (elem) {
    case QCC_ELEM_F32: case QCC_ELEM_F64: case QCC_ELEM_I32: case QCC_ELEM_U32: case QCC_ELEM_I64: case QCC_ELEM_U64:
        return 1;
    default: return 0;
    }
}

void qcc_cumsum(int32_t elem, const void *x, void *y, int64_t outer, int64_t n, int64_t inner, int exclusive,
                int reverse) {
    if (n <= 0 || inner <= 0) return;
    switch (elem) {
    case QCC_ELEM_F32: qcc_f32_cumsum((const float *)x, (float *)y, outer, n, inner, exclusive, reverse); break;
    case QCC_ELEM_F64: cumsum_f64((const double *)x, (double *)y, outer, n, inner, exclusive, reverse); break;
    case QCC_ELEM_I32: case QCC_ELEM_U32:
        cumsum_u32((const uint32_t *)x, (uint32_t *)y, outer, n, inner, exclusive, reverse);
        break;
    case QCC_ELEM_I64: case QCC_ELEM_U64:
        cumsum_u64((const uint64_t *)x, (uint64_t *)y, outer, n, inner, exclusive, reverse);
        break;
    default: break;
    }
}
