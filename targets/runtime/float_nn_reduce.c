/* Reductions over the middle axis of [outer, n, inner]. Contiguous rows (inner == 1) use LANES
 * independent accumulators so that the loops vectorise without reassociation; otherwise the
 * accumulation runs across `inner` contiguous outputs, which vectorises directly. */
#include "qcc_float_nn.h"
#include "qcc_math.h"

QCC_NO_CONTRACT

#define LANES 16
/* Columns processed at once by the two-pass log-sum-exp over strided vectors. */
#define CHUNK 256

QCC_INLINE float reduce_identity(qcc_reduce_kind kind) {
    switch (kind) {
    case QCC_REDUCE_MAX: return -INFINITY;
    case QCC_REDUCE_MIN: return INFINITY;
    case QCC_REDUCE_PROD: return 1.0f;
    default: return 0.0f;
    }
}

QCC_INLINE float max_row(const float *x, int64_t n) {
    float m[LANES];
    for (int j = 0; j < LANES; j++) m[j] = -INFINITY;
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int j = 0; j < LANES; j++) {
            float v = x[i + j];
            m[j] = (v > m[j] || v != v) ? v : m[j];
        }
    for (; i < n; i++) m[0] = (x[i] > m[0] || x[i] != x[i]) ? x[i] : m[0];
    float r = m[0];
    for (int j = 1; j < LANES; j++) r = (m[j] > r || m[j] != m[j]) ? m[j] : r;
    return r;
}

QCC_INLINE float min_row(const float *x, int64_t n) {
    float m[LANES];
    for (int j = 0; j < LANES; j++) m[j] = INFINITY;
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int j = 0; j < LANES; j++) {
            float v = x[i + j];
            m[j] = (v < m[j] || v != v) ? v : m[j];
        }
    for (; i < n; i++) m[0] = (x[i] < m[0] || x[i] != x[i]) ? x[i] : m[0];
    float r = m[0];
    for (int j = 1; j < LANES; j++) r = (m[j] < r || m[j] != m[j]) ? m[j] : r;
    return r;
}

/* Sum of x (power 1), x^2 (power 2) or |x| (power 0). */
QCC_INLINE float sum_row(const float *x, int64_t n, int power) {
    float s[LANES] = {0};
    int64_t i = 0;
    if (power == 1) {
        for (; i + LANES <= n; i += LANES)
            for (int j = 0; j < LANES; j++) s[j] += x[i + j];
        for (; i < n; i++) s[0] += x[i];
    } else if (power == 2) {
        for (; i + LANES <= n; i += LANES)
            for (int j = 0; j < LANES; j++) s[j] += x[i + j] * x[i + j];
        for (; i < n; i++) s[0] += x[i] * x[i];
    } else {
        for (; i + LANES <= n; i += LANES)
            for (int j = 0; j < LANES; j++) s[j] += fabsf(x[i + j]);
        for (; i < n; i++) s[0] += fabsf(x[i]);
    }
    float r = 0.0f;
    for (int j = 0; j < LANES; j++) r += s[j];
    return r;
}

QCC_INLINE float prod_row(const float *x, int64_t n) {
    float p[LANES];
    for (int j = 0; j < LANES; j++) p[j] = 1.0f;
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int j = 0; j < LANES; j++) p[j] *= x[i + j];
    for (; i < n; i++) p[0] *= x[i];
    float r = 1.0f;
    for (int j = 0; j < LANES; j++) r *= p[j];
    return r;
}

QCC_INLINE float log_sum_exp_row(const float *x, int64_t n) {
    float m = max_row(x, n);
    if (isinf(m) || m != m) return m;
    float s[LANES] = {0};
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int j = 0; j < LANES; j++) s[j] += qcc_f32_exp_fast(x[i + j] - m);
    for (; i < n; i++) s[0] += qcc_f32_exp_fast(x[i] - m);
    float r = 0.0f;
    for (int j = 0; j < LANES; j++) r += s[j];
    return m + logf(r);
}

QCC_INLINE float reduce_row(qcc_reduce_kind kind, const float *x, int64_t n) {
    switch (kind) {
    case QCC_REDUCE_SUM: return sum_row(x, n, 1);
    case QCC_REDUCE_MEAN: return sum_row(x, n, 1) / (float)n;
    case QCC_REDUCE_MAX: return max_row(x, n);
    case QCC_REDUCE_MIN: return min_row(x, n);
    case QCC_REDUCE_PROD: return prod_row(x, n);
    case QCC_REDUCE_SUM_SQUARE: return sum_row(x, n, 2);
    case QCC_REDUCE_L1: return sum_row(x, n, 0);
    case QCC_REDUCE_L2: return sqrtf(sum_row(x, n, 2));
    case QCC_REDUCE_LOG_SUM: return logf(sum_row(x, n, 1));
    case QCC_REDUCE_LOG_SUM_EXP: return log_sum_exp_row(x, n);
    }
    return 0.0f;
}

/* y[i] (op)= x[i] for one slice of `inner` columns. */
QCC_INLINE void accumulate_columns(qcc_reduce_kind kind, const float *x, float *y, int64_t inner) {
    switch (kind) {
    case QCC_REDUCE_SUM:
    case QCC_REDUCE_MEAN:
    case QCC_REDUCE_LOG_SUM:
        for (int64_t i = 0; i < inner; i++) y[i] += x[i];
        break;
    case QCC_REDUCE_MAX:
        for (int64_t i = 0; i < inner; i++) y[i] = (x[i] > y[i] || x[i] != x[i]) ? x[i] : y[i];
        break;
    case QCC_REDUCE_MIN:
        for (int64_t i = 0; i < inner; i++) y[i] = (x[i] < y[i] || x[i] != x[i]) ? x[i] : y[i];
        break;
    case QCC_REDUCE_PROD:
        for (int64_t i = 0; i < inner; i++) y[i] *= x[i];
        break;
    case QCC_REDUCE_SUM_SQUARE:
    case QCC_REDUCE_L2:
        for (int64_t i = 0; i < inner; i++) y[i] += x[i] * x[i];
        break;
    case QCC_REDUCE_L1:
        for (int64_t i = 0; i < inner; i++) y[i] += fabsf(x[i]);
        break;
    case QCC_REDUCE_LOG_SUM_EXP:
        break; /* handled by log_sum_exp_columns */
    }
}

QCC_INLINE void log_sum_exp_columns(const float *x, float *y, int64_t n, int64_t inner) {
    float m[CHUNK], s[CHUNK];
    for (int64_t c0 = 0; c0 < inner; c0 += CHUNK) {
        int64_t w = inner - c0 < CHUNK ? inner - c0 : CHUNK;
        for (int64_t i = 0; i < w; i++) m[i] = -INFINITY, s[i] = 0.0f;
        for (int64_t j = 0; j < n; j++) {
            const float *xj = x + j * inner + c0;
            for (int64_t i = 0; i < w; i++) m[i] = (xj[i] > m[i] || xj[i] != xj[i]) ? xj[i] : m[i];
        }
        for (int64_t j = 0; j < n; j++) {
            const float *xj = x + j * inner + c0;
            for (int64_t i = 0; i < w; i++) s[i] += qcc_f32_exp_fast(xj[i] - m[i]);
        }
        for (int64_t i = 0; i < w; i++) y[c0 + i] = (isinf(m[i]) || m[i] != m[i]) ? m[i] : m[i] + logf(s[i]);
    }
}

QCC_DISPATCHED(extern, qcc_f32_reduce,
               (qcc_reduce_kind kind, const float *x, float *y, int64_t outer, int64_t n, int64_t inner),
               (kind, x, y, outer, n, inner)) {
    if (n == 0) {
        float v = kind == QCC_REDUCE_MEAN ? NAN
                  : (kind == QCC_REDUCE_LOG_SUM || kind == QCC_REDUCE_LOG_SUM_EXP) ? -INFINITY
                                                                                  : reduce_identity(kind);
        for (int64_t i = 0; i < outer * inner; i++) y[i] = v;
        return;
    }
    if (inner == 1) {
        for (int64_t o = 0; o < outer; o++) y[o] = reduce_row(kind, x + o * n, n);
        return;
    }
    for (int64_t o = 0; o < outer; o++) {
        const float *xo = x + o * n * inner;
        float *yo = y + o * inner;
        if (kind == QCC_REDUCE_LOG_SUM_EXP) {
            log_sum_exp_columns(xo, yo, n, inner);
            continue;
        }
        float init = reduce_identity(kind);
        for (int64_t i = 0; i < inner; i++) yo[i] = init;
        for (int64_t j = 0; j < n; j++) accumulate_columns(kind, xo + j * inner, yo, inner);
        switch (kind) {
        case QCC_REDUCE_MEAN:
            for (int64_t i = 0; i < inner; i++) yo[i] /= (float)n;
            break;
        case QCC_REDUCE_L2:
            for (int64_t i = 0; i < inner; i++) yo[i] = sqrtf(yo[i]);
            break;
        case QCC_REDUCE_LOG_SUM:
            for (int64_t i = 0; i < inner; i++) yo[i] = logf(yo[i]);
            break;
        default: break;
        }
    }
}

QCC_DISPATCHED(extern, qcc_f32_arg_reduce,
               (int is_min, int select_last, const float *x, int64_t *y, int64_t outer, int64_t n, int64_t inner),
               (is_min, select_last, x, y, outer, n, inner)) {
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            const float *v = x + o * n * inner + i;
            int64_t best = 0;
            float bv = v[0];
            for (int64_t j = 1; j < n; j++) {
                float c = v[j * inner];
                int better = is_min ? (select_last ? c <= bv : c < bv) : (select_last ? c >= bv : c > bv);
                if (better) {
                    best = j;
                    bv = c;
                }
            }
            y[o * inner + i] = best;
        }
    }
}
