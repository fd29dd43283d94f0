/*
 * Integer add and multiply with numpy broadcasting (qcc_quant.h). The last
 * dimension runs in tiles: both operands are read to int32 (strided), the
 * fixed-point arithmetic runs in 64-bit integers (exact: the multipliers are
 * checked against the operands' ranges first), and the results are stored.
 * Multipliers too large for 64 bits take exact 128-bit arithmetic instead.
 */
#include "quant_internal.h"

/* The largest |v - z| over the values of type t. */
static int64_t max_difference(qcc_qtype t, int32_t z) {
    int64_t lo, hi;
    qcc_qtype_range(t, &lo, &hi);
    const int64_t a = hi - z, b = z - lo;
    return a > b ? a : b;
}

#define QE_SHIFT QCC_QARITH_SHIFT
#define QE_ROUND ((int64_t)1 << (QE_SHIFT - 1))
/* Results beyond this saturate whatever the zero point is; bounding them first keeps zy + r in range. */
#define QE_BOUND ((int64_t)1 << 40)

QCC_INLINE int32_t finish(int64_t r, int32_t zy, int32_t qmin, int32_t qmax) {
    r = r > QE_BOUND ? QE_BOUND : r < -QE_BOUND ? -QE_BOUND : r;
    r += zy;
    r = r < qmin ? qmin : r;
    r = r > qmax ? qmax : r;
    return (int32_t)r;
}

QCC_DISPATCHED(static, add_run,
               (const int32_t *a, const int32_t *b, int64_t n, int32_t za, int64_t ma, int32_t zb, int64_t mb,
                int32_t zy, int32_t qmin, int32_t qmax, int32_t *y),
               (a, b, n, za, ma, zb, mb, zy, qmin, qmax, y)) {
    for (int64_t j = 0; j < n; j++) {
        const int64_t p = ((int64_t)a[j] - za) * ma + ((int64_t)b[j] - zb) * mb + QE_ROUND;
        y[j] = finish(p >> QE_SHIFT, zy, qmin, qmax);
    }
}

static void add_run_wide(const int32_t *a, const int32_t *b, int64_t n, int32_t za, int64_t ma, int32_t zb, int64_t mb,
                         int32_t zy, int32_t qmin, int32_t qmax, int32_t *y) {
    for (int64_t j = 0; j < n; j++) {
        const qcc_s128 p = qcc_s128_add(qcc_s128_mul((int64_t)a[j] - za, ma), qcc_s128_mul((int64_t)b[j] - zb, mb));
        y[j] = finish(qcc_s128_round_shift(p, QE_SHIFT), zy, qmin, qmax);
    }
}

QCC_DISPATCHED(static, mul_run,
               (const int32_t *a, const int32_t *b, int64_t n, int32_t za, int32_t zb, int64_t m, int32_t zy,
                int32_t qmin, int32_t qmax, int32_t *y),
               (a, b, n, za, zb, m, zy, qmin, qmax, y)) {
    for (int64_t j = 0; j < n; j++) {
        const int64_t p = ((int64_t)a[j] - za) * ((int64_t)b[j] - zb) * m + QE_ROUND;
        y[j] = finish(p >> QE_SHIFT, zy, qmin, qmax);
    }
}

static void mul_run_wide(const int32_t *a, const int32_t *b, int64_t n, int32_t za, int32_t zb, int64_t m, int32_t zy,
                         int32_t qmin, int32_t qmax, int32_t *y) {
    for (int64_t j = 0; j < n; j++) {
        /* |(a - za) * (b - zb)| < 2^34 for 16-bit values with 32-bit zero points: exact in int64. */
        const qcc_s128 p = qcc_s128_mul(((int64_t)a[j] - za) * ((int64_t)b[j] - zb), m);
        y[j] = finish(qcc_s128_round_shift(p, QE_SHIFT), zy, qmin, qmax);
    }
}

/* The shared broadcast walk; `is_mul` selects the op (ma is then the product multiplier). */
static void binary(int is_mul, qcc_qtype y_type, void *y, int32_t zy, int32_t qmin, int32_t qmax, qcc_qtype a_type,
                   const void *a, const int64_t *a_strides, int32_t za, int64_t ma, qcc_qtype b_type, const void *b,
                   const int64_t *b_strides, int32_t zb, int64_t mb, const int64_t *shape, int rank) {
    int32_t ta[QCC_QTILE], tb[QCC_QTILE], ty[QCC_QTILE];
    int64_t count = 1;
    for (int d = 0; d < rank; d++) count *= shape[d];
    if (count == 0) return;
    const int64_t last = rank > 0 ? shape[rank - 1] : 1;
    const int64_t sa = rank > 0 ? a_strides[rank - 1] : 0, sb = rank > 0 ? b_strides[rank - 1] : 0;
    /* Can the 64-bit form overflow? Check each product term against (2^63 - 2^29) / 2. */
    const int64_t da = max_difference(a_type, za), db = max_difference(b_type, zb);
    const int64_t limit = (INT64_MAX - QE_ROUND) / 2;
    int fast;
    if (is_mul)
        fast = da <= ((int64_t)1 << 20) && db <= ((int64_t)1 << 20) && (ma == 0 || da * db <= limit / ma);
    else
        fast = (ma == 0 || da <= limit / ma) && (mb == 0 || db <= limit / mb);
    int64_t index[QCC_MAX_RANK] = {0};
    int64_t oa = 0, ob = 0, oy = 0;
    for (int64_t row = 0; row < count / last; row++) {
        for (int64_t j = 0; j < last; j += QCC_QTILE) {
            const int64_t n = last - j < QCC_QTILE ? last - j : QCC_QTILE;
            qcc_qload(a_type, a, oa + j * sa, sa, n, ta);
            qcc_qload(b_type, b, ob + j * sb, sb, n, tb);
            if (is_mul) {
                if (fast) mul_run(ta, tb, n, za, zb, ma, zy, qmin, qmax, ty);
                else mul_run_wide(ta, tb, n, za, zb, ma, zy, qmin, qmax, ty);
            } else {
                if (fast) add_run(ta, tb, n, za, ma, zb, mb, zy, qmin, qmax, ty);
                else add_run_wide(ta, tb, n, za, ma, zb, mb, zy, qmin, qmax, ty);
            }
            qcc_qstore(y_type, y, oy + j, n, ty);
        }
        oy += last;
        /* The next index of the outer dims, with the operand offsets following it. */
        for (int d = rank - 2; d >= 0; d--) {
            index[d]++;
            oa += a_strides[d];
            ob += b_strides[d];
            if (index[d] < shape[d]) break;
            oa -= a_strides[d] * shape[d];
            ob -= b_strides[d] * shape[d];
            index[d] = 0;
        }
    }
}

void qcc_qadd(qcc_qtype y_type, void *y, int32_t zy, int32_t qmin, int32_t qmax, qcc_qtype a_type, const void *a,
              const int64_t *a_strides, int32_t za, int64_t ma, qcc_qtype b_type, const void *b,
              const int64_t *b_strides, int32_t zb, int64_t mb, const int64_t *shape, int rank) {
    binary(0, y_type, y, zy, qmin, qmax, a_type, a, a_strides, za, ma, b_type, b, b_strides, zb, mb, shape, rank);
}

void qcc_qmul(qcc_qtype y_type, void *y, int32_t zy, int32_t qmin, int32_t qmax, qcc_qtype a_type, const void *a,
              const int64_t *a_strides, int32_t za, qcc_qtype b_type, const void *b, const int64_t *b_strides,
              int32_t zb, int64_t m, const int64_t *shape, int rank) {
    binary(1, y_type, y, zy, qmin, qmax, a_type, a, a_strides, za, m, b_type, b, b_strides, zb, 0, shape, rank);
}
