/* Softmax and normalisation kernels. Reductions over a row use LANES independent accumulators so that
 * the compiler can vectorise them without reassociating (the result does not depend on the compiler). */
#include "qcc_float_nn.h"
#include "qcc_math.h"

QCC_NO_CONTRACT

#define LANES 16

QCC_INLINE float max_contiguous(const float *x, int64_t n) {
    float m[LANES];
    for (int j = 0; j < LANES; j++) m[j] = -INFINITY;
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int j = 0; j < LANES; j++) m[j] = x[i + j] > m[j] ? x[i + j] : m[j];
    /* The tail as one last block overlapping the previous one (max is idempotent). */
    if (i < n && n >= LANES)
        for (int j = 0; j < LANES; j++) m[j] = x[n - LANES + j] > m[j] ? x[n - LANES + j] : m[j];
    else
        for (; i < n; i++) m[0] = x[i] > m[0] ? x[i] : m[0];
    float r = m[0];
    for (int j = 1; j < LANES; j++) r = m[j] > r ? m[j] : r;
    return r;
}

/* Returns the sum of e^(x - shift), writing each term to y when `store` (a constant after inlining). */
QCC_INLINE float exp_sum_contiguous(const float *x, float *y, int64_t n, float shift, int store) {
    float s[LANES] = {0};
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int j = 0; j < LANES; j++) {
            float e = qcc_f32_exp_fast(x[i + j] - shift);
            if (store) y[i + j] = e;
            s[j] += e;
        }
    if (i < n) {
        /* The tail through a padded block, so that it runs vectorised too (e^-inf = 0 adds nothing). */
        float t[LANES];
        for (int j = 0; j < LANES; j++) t[j] = i + j < n ? x[i + j] : -INFINITY;
        for (int j = 0; j < LANES; j++) {
            t[j] = qcc_f32_exp_fast(t[j] - shift);
            s[j] += t[j];
        }
        if (store)
            for (int64_t j = 0; i + j < n; j++) y[i + j] = t[j];
    }
    float r = 0.0f;
    for (int j = 0; j < LANES; j++) r += s[j];
    return r;
}

QCC_INLINE void softmax_contiguous(int mode, const float *x, float *y, int64_t n) {
    float mx = max_contiguous(x, n);
    if (mode == 2) {
        int64_t first = 0;
        while (first < n && !(x[first] == mx)) first++;
        for (int64_t i = 0; i < n; i++) y[i] = i == first ? 1.0f : 0.0f;
        return;
    }
    if (mode == 0) {
        float sum = exp_sum_contiguous(x, y, n, mx, 1);
        float inv = 1.0f / sum;
        for (int64_t i = 0; i < n; i++) y[i] *= inv;
        return;
    }
    float shift = mx + logf(exp_sum_contiguous(x, y, n, mx, 0));
    for (int64_t i = 0; i < n; i++) y[i] = x[i] - shift;
}

/* Columns of a strided softmax processed at once. */
#define COLUMNS 64

/*
 * The softmax of `w` vectors of n elements that step `stride` apart, vector c starting at x + c: each
 * vector computes exactly what it would alone (the same operations in the same order), but every step
 * runs across the w columns, contiguous in memory, so that it vectorises.
 */
QCC_INLINE void softmax_columns(int mode, const float *x, float *y, int64_t n, int64_t stride, int64_t w) {
    float mx[COLUMNS], acc[COLUMNS];
    for (int64_t c = 0; c < w; c++) mx[c] = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
        const float *xi = x + i * stride;
        for (int64_t c = 0; c < w; c++) mx[c] = qcc_f32_select(xi[c] > mx[c], xi[c], mx[c]);
    }
    if (mode == 2) {
        /* The index of each column's first maximum (n when none equals it: all NaN). */
        int64_t first[COLUMNS];
        for (int64_t c = 0; c < w; c++) first[c] = n;
        for (int64_t i = n - 1; i >= 0; i--) {
            const float *xi = x + i * stride;
            for (int64_t c = 0; c < w; c++) first[c] = xi[c] == mx[c] ? i : first[c];
        }
        for (int64_t i = 0; i < n; i++) {
            float *yi = y + i * stride;
            for (int64_t c = 0; c < w; c++) yi[c] = i == first[c] ? 1.0f : 0.0f;
        }
        return;
    }
    for (int64_t c = 0; c < w; c++) acc[c] = 0.0f;
    for (int64_t i = 0; i < n; i++) {
        const float *xi = x + i * stride;
        float *yi = y + i * stride;
        if (mode == 0) {
            for (int64_t c = 0; c < w; c++) {
                const float e = qcc_f32_exp_fast(xi[c] - mx[c]);
                yi[c] = e;
                acc[c] += e;
            }
        } else {
            for (int64_t c = 0; c < w; c++) acc[c] += qcc_f32_exp_fast(xi[c] - mx[c]);
        }
    }
    if (mode == 0) {
        for (int64_t c = 0; c < w; c++) acc[c] = 1.0f / acc[c];
        for (int64_t i = 0; i < n; i++) {
            float *yi = y + i * stride;
            for (int64_t c = 0; c < w; c++) yi[c] *= acc[c];
        }
    } else {
        for (int64_t c = 0; c < w; c++) acc[c] = mx[c] + logf(acc[c]);
        for (int64_t i = 0; i < n; i++) {
            const float *xi = x + i * stride;
            float *yi = y + i * stride;
            for (int64_t c = 0; c < w; c++) yi[c] = xi[c] - acc[c];
        }
    }
}

QCC_DISPATCHED(extern, qcc_f32_softmax,
               (int mode, const float *x, float *y, int64_t outer, int64_t n, int64_t inner),
               (mode, x, y, outer, n, inner)) {
    if (n == 0) return;
    for (int64_t o = 0; o < outer; o++) {
        const float *xo = x + o * n * inner;
        float *yo = y + o * n * inner;
        if (inner == 1) {
            softmax_contiguous(mode, xo, yo, n);
        } else {
            for (int64_t c = 0; c < inner; c += COLUMNS)
                softmax_columns(mode, xo + c, yo + c, n, inner, inner - c < COLUMNS ? inner - c : COLUMNS);
        }
    }
}

QCC_INLINE double sum_contiguous(const float *x, int64_t n) {
    double s[LANES] = {0};
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int j = 0; j < LANES; j++) s[j] += (double)x[i + j];
    for (; i < n; i++) s[0] += (double)x[i];
    double r = 0.0;
    for (int j = 0; j < LANES; j++) r += s[j];
    return r;
}

/* Sum of (x - center)^2 in double. */
QCC_INLINE double squares_contiguous(const float *x, int64_t n, double center) {
    double s[LANES] = {0};
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int j = 0; j < LANES; j++) {
            double d = (double)x[i + j] - center;
            s[j] += d * d;
        }
    for (; i < n; i++) {
        double d = (double)x[i] - center;
        s[0] += d * d;
    }
    double r = 0.0;
    for (int j = 0; j < LANES; j++) r += s[j];
    return r;
}

QCC_DISPATCHED(extern, qcc_f32_row_moments,
               (const float *x, int64_t rows, int64_t n, double *mean, double *variance),
               (x, rows, n, mean, variance)) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        double m = n > 0 ? sum_contiguous(xr, n) / (double)n : NAN;
        mean[r] = m;
        variance[r] = n > 0 ? squares_contiguous(xr, n, m) / (double)n : NAN;
    }
}

QCC_DISPATCHED(extern, qcc_f32_layernorm,
               (const float *x, const float *scale, const float *bias, float *y, float *mean_out, float *inv_std_out,
                int64_t rows, int64_t n, float epsilon),
               (x, scale, bias, y, mean_out, inv_std_out, rows, n, epsilon)) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *yr = y + r * n;
        double m = sum_contiguous(xr, n) / (double)n;
        double var = squares_contiguous(xr, n, m) / (double)n;
        float inv = (float)(1.0 / sqrt(var + (double)epsilon));
        float mf = (float)m;
        if (mean_out) mean_out[r] = mf;
        if (inv_std_out) inv_std_out[r] = inv;
        if (bias) {
            for (int64_t i = 0; i < n; i++) yr[i] = (xr[i] - mf) * inv * scale[i] + bias[i];
        } else {
            for (int64_t i = 0; i < n; i++) yr[i] = (xr[i] - mf) * inv * scale[i];
        }
    }
}

QCC_DISPATCHED(extern, qcc_f32_rmsnorm,
               (const float *x, const float *scale, float *y, int64_t rows, int64_t n, float epsilon),
               (x, scale, y, rows, n, epsilon)) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *yr = y + r * n;
        double ms = squares_contiguous(xr, n, 0.0) / (double)n;
        float inv = (float)(1.0 / sqrt(ms + (double)epsilon));
        if (scale) {
            for (int64_t i = 0; i < n; i++) yr[i] = xr[i] * inv * scale[i];
        } else {
            for (int64_t i = 0; i < n; i++) yr[i] = xr[i] * inv;
        }
    }
}

QCC_DISPATCHED(extern, qcc_f32_row_affine,
               (const float *x, float *y, int64_t rows, int64_t n, const float *a, const float *b, int64_t a_period),
               (x, y, rows, n, a, b, a_period)) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *yr = y + r * n;
        float ar = a[r % a_period], br = b[r % a_period];
        for (int64_t i = 0; i < n; i++) yr[i] = xr[i] * ar + br;
    }
}
