/* Fixed-point multipliers, and quantize / dequantize / requantize (qcc_quant.h). */
#include "quant_internal.h"

#include <math.h>

QCC_NO_CONTRACT

/* ------------------------------------------------------------------------ */
/* Fixed-point multipliers                                                    */
/* ------------------------------------------------------------------------ */

void qcc_quant_multiplier(double m, int32_t *multiplier, int32_t *shift) {
    if (!(m > 0)) { /* 0, negative, NaN */
        *multiplier = 0;
        *shift = 62;
        return;
    }
    if (m > 0x1p40) { /* far beyond 2^30, and +inf (frexp of inf is unspecified) */
        *multiplier = INT32_MAX;
        *shift = 1;
        return;
    }
    int e;
    const double f = frexp(m, &e);
    /* f * 2^31 is exact in double; nearbyint rounds half to even. */
    int64_t mult = (int64_t)nearbyint(ldexp(f, 31));
    int s = 31 - e;
    if (mult == ((int64_t)1 << 31)) {
        mult = (int64_t)1 << 30;
        s -= 1;
    }
    if (s > 62) {
        /* m < 2^-32: m * 2^62 < 2^30, exact in double (scaling up never rounds). */
        mult = (int64_t)nearbyint(ldexp(m, 62));
        s = 62;
    } else if (s < 1) {
        mult = INT32_MAX;
        s = 1;
    }
    *multiplier = (int32_t)mult;
    *shift = s;
}

int64_t qcc_quant_fixed_point(double m, int s) {
    if (!(m > 0)) return 0;
    const double v = ldexp(m, s);
    if (v >= 0x1p62) return (int64_t)1 << 62;
    return (int64_t)nearbyint(v);
}

int64_t qcc_qadd_multiplier(float scale_in, float scale_out) {
    return qcc_quant_fixed_point((double)scale_in / (double)scale_out, QCC_QARITH_SHIFT);
}

int64_t qcc_qmul_multiplier(float scale_a, float scale_b, float scale_out) {
    return qcc_quant_fixed_point((double)scale_a * (double)scale_b / (double)scale_out, QCC_QARITH_SHIFT);
}

/* ------------------------------------------------------------------------ */
/* Rows: how the conversions walk a tensor and its parameters                 */
/* ------------------------------------------------------------------------ */

/*
 * The tensor [outer, channels, inner] as `rows` runs of `len` contiguous
 * elements. Per tensor and per axis, a row is one (o, c) with one parameter;
 * per axis along the last dimension (inner = 1) a row is one o across the
 * channels, element j using parameter j; per group, a row is one (o, c) whose
 * element j uses parameter row_param + j.
 */
typedef struct {
    int64_t rows, len, channels, groups, group, inner;
    int by_row, varying;
} row_layout;

static row_layout make_rows(int64_t outer, int64_t channels, int64_t inner, int64_t group) {
    row_layout l;
    l.channels = channels;
    l.inner = inner;
    l.group = group;
    l.groups = group > 0 ? (channels + group - 1) / group : 0;
    l.by_row = group <= 0 && inner == 1 && channels > 1;
    l.varying = l.by_row || group > 0;
    l.rows = l.by_row ? outer : outer * channels;
    l.len = l.by_row ? channels : inner;
    return l;
}

/* The index of the parameter of row r's first element. */
QCC_INLINE int64_t row_param(const row_layout *l, int64_t r) {
    if (l->by_row) return 0;
    if (l->group <= 0) return r % l->channels;
    return ((r / l->channels) * l->groups + (r % l->channels) / l->group) * l->inner;
}

/* How many parameters the layout reads. */
static int64_t param_count(const row_layout *l, int64_t outer) {
    if (l->group <= 0) return l->channels;
    return outer * l->groups * l->inner;
}

/* ------------------------------------------------------------------------ */
/* Quantize                                                                   */
/* ------------------------------------------------------------------------ */

/* q = clamp(nearbyintf(x / s) + z, lo, hi), NaN to z, in f32. */
QCC_INLINE int32_t quantize_one(float x, float s, int32_t z, float lo, float hi) {
    float v = nearbyintf(x / s) + (float)z;
    if (v != v) return z;
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    return (int32_t)v;
}

/* One parameter for the whole run. */
QCC_DISPATCHED(static, quantize_run,
               (const float *x, int64_t n, float s, int32_t z, float lo, float hi, int32_t *q),
               (x, n, s, z, lo, hi, q)) {
    for (int64_t j = 0; j < n; j++) q[j] = quantize_one(x[j], s, z, lo, hi);
}

/* A parameter per element. */
QCC_DISPATCHED(static, quantize_run_varying,
               (const float *x, int64_t n, const float *s, const int32_t *z, float lo, float hi, int32_t *q),
               (x, n, s, z, lo, hi, q)) {
    for (int64_t j = 0; j < n; j++) q[j] = quantize_one(x[j], s[j], z[j], lo, hi);
}

void qcc_quantize_f32(qcc_qtype type, void *dst, const float *x, int64_t outer, int64_t channels, int64_t inner,
                      int64_t group, const float *scale, const int32_t *zero_point, int32_t qmin, int32_t qmax) {
    int32_t tile[QCC_QTILE];
    const float lo = (float)qmin, hi = (float)qmax;
    const row_layout l = make_rows(outer, channels, inner, group);
    for (int64_t r = 0; r < l.rows; r++) {
        const int64_t row = r * l.len, p = row_param(&l, r);
        for (int64_t j = 0; j < l.len; j += QCC_QTILE) {
            const int64_t n = l.len - j < QCC_QTILE ? l.len - j : QCC_QTILE;
            if (l.varying)
                quantize_run_varying(x + row + j, n, scale + p + j, zero_point + p + j, lo, hi, tile);
            else
                quantize_run(x + row + j, n, scale[p], zero_point[p], lo, hi, tile);
            qcc_qstore(type, dst, row + j, n, tile);
        }
    }
    /* The unused high nibble of an odd 4-bit tensor. */
    const int64_t count = outer * channels * inner;
    if (qcc_qtype_is_4bit(type) && (count & 1)) ((uint8_t *)dst)[count >> 1] &= 0x0F;
}

/* ------------------------------------------------------------------------ */
/* Dequantize                                                                 */
/* ------------------------------------------------------------------------ */

/* x = (float)(q - z) * s with q - z exact in int32 (values of at most 16 bits with zero points in range, or z = 0). */
QCC_DISPATCHED(static, dequantize_run, (const int32_t *q, int64_t n, float s, int32_t z, float *x), (q, n, s, z, x)) {
    for (int64_t j = 0; j < n; j++) x[j] = (float)(q[j] - z) * s;
}

QCC_DISPATCHED(static, dequantize_run_varying,
               (const int32_t *q, int64_t n, const float *s, const int32_t *z, float *x),
               (q, n, s, z, x)) {
    for (int64_t j = 0; j < n; j++) x[j] = (float)(q[j] - z[j]) * s[j];
}

/* The same with the difference in int64 (i64 values, or i32 values with non-zero zero points). */
static void dequantize_run_wide(qcc_qtype type, const void *q, int64_t start, int64_t n, const float *s,
                                const int32_t *z, int varying, float *x) {
    for (int64_t j = 0; j < n; j++) {
        const int64_t v = type == QCC_QTYPE_I64 ? ((const int64_t *)q)[start + j] : ((const int32_t *)q)[start + j];
        const int64_t k = varying ? j : 0;
        /* v - z can exceed int64 only for i64 values next to the limits: saturate there. */
        int64_t d;
        if (z[k] > 0 && v < INT64_MIN + z[k]) d = INT64_MIN;
        else if (z[k] < 0 && v > INT64_MAX + z[k]) d = INT64_MAX;
        else d = v - z[k];
        x[j] = (float)d * s[k];
    }
}

void qcc_dequantize_f32(qcc_qtype type, float *dst, const void *q, int64_t outer, int64_t channels, int64_t inner,
                        int64_t group, const float *scale, const int32_t *zero_point) {
    int32_t tile[QCC_QTILE];
    const row_layout l = make_rows(outer, channels, inner, group);
    /* The int32 forms are exact when every q - z fits: values of at most 16 bits with |z| <= 2^20, or i32 with z = 0. */
    int narrow = type != QCC_QTYPE_I64;
    const int64_t params = param_count(&l, outer);
    for (int64_t k = 0; narrow && k < params; k++) {
        const int32_t z = zero_point[k];
        if (type == QCC_QTYPE_I32 ? z != 0 : (z < -(1 << 20) || z > (1 << 20))) narrow = 0;
    }
    for (int64_t r = 0; r < l.rows; r++) {
        const int64_t row = r * l.len, p = row_param(&l, r);
        for (int64_t j = 0; j < l.len; j += QCC_QTILE) {
            const int64_t n = l.len - j < QCC_QTILE ? l.len - j : QCC_QTILE;
            const float *s = scale + p + (l.varying ? j : 0);
            const int32_t *z = zero_point + p + (l.varying ? j : 0);
            if (!narrow && (type == QCC_QTYPE_I32 || type == QCC_QTYPE_I64)) {
                dequantize_run_wide(type, q, row + j, n, s, z, l.varying, dst + row + j);
                continue;
            }
            /* i32 values (narrow here) are read in place; the other types are widened into the tile. */
            const int32_t *v = tile;
            if (type == QCC_QTYPE_I32) v = (const int32_t *)q + row + j;
            else qcc_qload(type, q, row + j, 1, n, tile);
            if (!narrow) {
                /* A value type with an absurd zero point: the difference in int64. */
                for (int64_t k = 0; k < n; k++) {
                    const int64_t kk = l.varying ? k : 0;
                    dst[row + j + k] = (float)((int64_t)v[k] - z[kk]) * s[kk];
                }
            } else if (l.varying) {
                dequantize_run_varying(v, n, s, z, dst + row + j);
            } else {
                dequantize_run(v, n, *s, *z, dst + row + j);
            }
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Requantize                                                                 */
/* ------------------------------------------------------------------------ */

/*
 * y = clamp(zout + ((p + 2^(s-1)) >> s)) for the product p = d * m, computed as
 * zout + ((p >> (s - 1)) + 1) >> 1: the same integer, floor((p + 2^(s-1)) / 2^s)
 * = floor((floor(p / 2^(s-1)) + 1) / 2), in a form GCC vectorises. It has no
 * 1 << (s - 1) (GCC cannot vectorise a shift of a constant by a per-lane
 * count), and the arithmetic shift by s - 1 is written as a logical one
 * (AVX2 has per-lane logical 64-bit shifts only): for p < 0,
 * p >> k = ~(~p >> k) with ~p >= 0.
 */
QCC_INLINE int32_t requantize_finish(int64_t p, int s, int32_t zout, int32_t qmin, int32_t qmax) {
    const uint64_t negative = (uint64_t)0 - (uint64_t)(p < 0);
    const int64_t floor_half = (int64_t)((((uint64_t)p ^ negative) >> (s - 1)) ^ negative);
    int64_t r = zout + ((floor_half + 1) >> 1);
    r = r < qmin ? qmin : r;
    r = r > qmax ? qmax : r;
    return (int32_t)r;
}

/* d = v - zin fits 32 bits in magnitude, so d * m fits 62 (and the rounding term 2^61 fits too). */
QCC_INLINE int32_t requantize_one(int32_t v, int32_t zin, int32_t m, int s, int32_t zout, int32_t qmin, int32_t qmax) {
    return requantize_finish(((int64_t)v - zin) * m, s, zout, qmin, qmax);
}

/* d = v - zin fits int32 (checked for the whole tensor): the product is int32 x int32, a vector multiply on every ISA. */
QCC_INLINE int32_t requantize_one_narrow(int32_t v, int32_t zin, int32_t m, int s, int32_t zout, int32_t qmin,
                                         int32_t qmax) {
    return requantize_finish((int64_t)(v - zin) * m, s, zout, qmin, qmax);
}

QCC_DISPATCHED(static, requantize_run,
               (int narrow, const int32_t *v, int64_t n, int32_t zin, int32_t m, int s, int32_t zout, int32_t qmin,
                int32_t qmax, int32_t *y),
               (narrow, v, n, zin, m, s, zout, qmin, qmax, y)) {
    if (narrow)
        for (int64_t j = 0; j < n; j++) y[j] = requantize_one_narrow(v[j], zin, m, s, zout, qmin, qmax);
    else
        for (int64_t j = 0; j < n; j++) y[j] = requantize_one(v[j], zin, m, s, zout, qmin, qmax);
}

/* A channel per element (per axis along the last dimension). */
QCC_DISPATCHED(static, requantize_run_varying,
               (int narrow, const int32_t *v, int64_t n, const int32_t *zin, const int32_t *m, const int32_t *s,
                const int32_t *zout, int32_t qmin, int32_t qmax, int32_t *y),
               (narrow, v, n, zin, m, s, zout, qmin, qmax, y)) {
    if (narrow)
        for (int64_t j = 0; j < n; j++) y[j] = requantize_one_narrow(v[j], zin[j], m[j], s[j], zout[j], qmin, qmax);
    else
        for (int64_t j = 0; j < n; j++) y[j] = requantize_one(v[j], zin[j], m[j], s[j], zout[j], qmin, qmax);
}

/* The same for any int64 value and zero point, in exact 128-bit arithmetic. */
QCC_INLINE int32_t requantize_wide(int64_t v, int32_t zin, int32_t m, int s, int32_t zout, int32_t qmin, int32_t qmax) {
    const qcc_s128 p = qcc_s128_add(qcc_s128_mul(v, m), qcc_s128_neg(qcc_s128_mul(zin, m)));
    int64_t r = qcc_s128_round_shift(p, s);
    /* Anything beyond 2^40 saturates whatever zout is; bounding it first keeps zout + r in range. */
    const int64_t bound = (int64_t)1 << 40;
    r = r > bound ? bound : r < -bound ? -bound : r;
    r += zout;
    r = r < qmin ? qmin : r;
    r = r > qmax ? qmax : r;
    return (int32_t)r;
}

void qcc_requantize(qcc_qtype in_type, const void *x, qcc_qtype out_type, void *y, int64_t outer, int64_t channels,
                    int64_t inner, const int32_t *zp_in, const int32_t *multiplier, const int32_t *shift,
                    const int32_t *zp_out, int32_t qmin, int32_t qmax) {
    int32_t values[QCC_QTILE], out[QCC_QTILE], zeros[QCC_QTILE] = {0};
    int64_t type_lo, type_hi;
    qcc_qtype_range(in_type, &type_lo, &type_hi);
    /* 64 bits suffice when every |v - zin| <= 2^31: then |d * m| < 2^62 and the rounding term 2^61 fits too;
     * narrow when every v - zin fits int32 (values of up to 16 bits with their zero points, i32 with zin 0). */
    int fast = in_type != QCC_QTYPE_I64, narrow = fast;
    for (int64_t c = 0; fast && c < channels; c++) {
        const int64_t zin = zp_in ? zp_in[c] : 0;
        if (type_hi - zin > ((int64_t)1 << 31) || zin - type_lo > ((int64_t)1 << 31)) fast = 0;
        if (type_hi - zin > INT32_MAX || type_lo - zin < INT32_MIN) narrow = 0;
    }
    narrow = narrow && fast;
    const row_layout l = make_rows(outer, channels, inner, 0);
    for (int64_t r = 0; r < l.rows; r++) {
        const int64_t row = r * l.len, c0 = row_param(&l, r);
        for (int64_t j = 0; j < l.len; j += QCC_QTILE) {
            const int64_t n = l.len - j < QCC_QTILE ? l.len - j : QCC_QTILE;
            /* The channel of element k is c0 + k when varying, else c0. */
            const int64_t c = c0 + (l.varying ? j : 0);
            const int32_t *zin = zp_in ? zp_in + c : zeros;
            if (fast) {
                /* i32 values are read in place; the other types are widened into the tile. */
                const int32_t *v = values;
                if (in_type == QCC_QTYPE_I32) v = (const int32_t *)x + row + j;
                else qcc_qload(in_type, x, row + j, 1, n, values);
                if (l.varying)
                    requantize_run_varying(narrow, v, n, zin, multiplier + c, shift + c, zp_out + c, qmin, qmax, out);
                else
                    requantize_run(narrow, v, n, zin[0], multiplier[c], shift[c], zp_out[c], qmin, qmax, out);
            } else {
                if (in_type != QCC_QTYPE_I64) qcc_qload(in_type, x, row + j, 1, n, values);
                for (int64_t k = 0; k < n; k++) {
                    const int64_t kc = l.varying ? k : 0;
                    const int64_t v = in_type == QCC_QTYPE_I64 ? ((const int64_t *)x)[row + j + k] : values[k];
                    out[k] = requantize_wide(v, zin[kc], multiplier[c + kc], shift[c + kc], zp_out[c + kc], qmin, qmax);
                }
            }
            qcc_qstore(out_type, y, row + j, n, out);
        }
    }
}
