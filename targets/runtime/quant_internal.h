/*
 * Private to the integer kernels (quant_*.c): reading and writing quantized
 * storage as int32, and the exact 128-bit arithmetic of the rare products
 * that do not fit 64 bits.
 */
#ifndef QCC_QUANT_INTERNAL_H
#define QCC_QUANT_INTERNAL_H

#include "qcc_quant.h"

/* The kernels rely on >> of a negative value being an arithmetic shift (floor division by 2^s). */
typedef char qcc_quant_arithmetic_shift_check[((-1) >> 1) == -1 && ((int64_t)-5 >> 1) == -3 ? 1 : -1];

/* Elements per stack tile of the row-wise kernels. */
#define QCC_QTILE 256

/* The range of a storage type's values (4-bit: -8..7 / 0..15). */
QCC_INLINE void qcc_qtype_range(qcc_qtype t, int64_t *lo, int64_t *hi) {
    switch (t) {
    case QCC_QTYPE_I8: *lo = -128; *hi = 127; break;
    case QCC_QTYPE_U8: *lo = 0; *hi = 255; break;
    case QCC_QTYPE_I16: *lo = -32768; *hi = 32767; break;
    case QCC_QTYPE_U16: *lo = 0; *hi = 65535; break;
    case QCC_QTYPE_I4: *lo = -8; *hi = 7; break;
    case QCC_QTYPE_U4: *lo = 0; *hi = 15; break;
    case QCC_QTYPE_I32: *lo = INT32_MIN; *hi = INT32_MAX; break;
    default: *lo = INT64_MIN; *hi = INT64_MAX; break;
    }
}

QCC_INLINE int qcc_qtype_is_4bit(qcc_qtype t) { return t == QCC_QTYPE_I4 || t == QCC_QTYPE_U4; }

/* Bytes per element of the byte-addressable types (0 for 4-bit types). */
QCC_INLINE size_t qcc_qtype_size(qcc_qtype t) {
    switch (t) {
    case QCC_QTYPE_I8: case QCC_QTYPE_U8: return 1;
    case QCC_QTYPE_I16: case QCC_QTYPE_U16: return 2;
    case QCC_QTYPE_I32: return 4;
    case QCC_QTYPE_I64: return 8;
    default: return 0;
    }
}

/* Nibble `e` of packed 4-bit storage, sign-extended for i4. */
QCC_INLINE int32_t qcc_nibble(const uint8_t *p, int64_t e, int is_signed) {
    int32_t v = (p[e >> 1] >> ((e & 1) * 4)) & 15;
    return is_signed ? v - ((v & 8) << 1) : v;
}

/*
 * dst[j] = element start + j * stride of `base` (of type t, one of the value
 * types i8..u4 or i32), for j < count.
 */
static inline void qcc_qload(qcc_qtype t, const void *base, int64_t start, int64_t stride, int64_t count, int32_t *dst) {
    switch (t) {
    case QCC_QTYPE_I8: {
        const int8_t *p = (const int8_t *)base + start;
        if (stride == 1) for (int64_t j = 0; j < count; j++) dst[j] = p[j];
        else for (int64_t j = 0; j < count; j++) dst[j] = p[j * stride];
        break;
    }
    case QCC_QTYPE_U8: {
        const uint8_t *p = (const uint8_t *)base + start;
        if (stride == 1) for (int64_t j = 0; j < count; j++) dst[j] = p[j];
        else for (int64_t j = 0; j < count; j++) dst[j] = p[j * stride];
        break;
    }
    case QCC_QTYPE_I16: {
        const int16_t *p = (const int16_t *)base + start;
        if (stride == 1) for (int64_t j = 0; j < count; j++) dst[j] = p[j];
        else for (int64_t j = 0; j < count; j++) dst[j] = p[j * stride];
        break;
    }
    case QCC_QTYPE_U16: {
        const uint16_t *p = (const uint16_t *)base + start;
        if (stride == 1) for (int64_t j = 0; j < count; j++) dst[j] = p[j];
        else for (int64_t j = 0; j < count; j++) dst[j] = p[j * stride];
        break;
    }
    case QCC_QTYPE_I4:
    case QCC_QTYPE_U4: {
        const uint8_t *p = (const uint8_t *)base;
        const int is_signed = t == QCC_QTYPE_I4;
        for (int64_t j = 0; j < count; j++) dst[j] = qcc_nibble(p, start + j * stride, is_signed);
        break;
    }
    case QCC_QTYPE_I32: {
        const int32_t *p = (const int32_t *)base + start;
        if (stride == 1) for (int64_t j = 0; j < count; j++) dst[j] = p[j];
        else for (int64_t j = 0; j < count; j++) dst[j] = p[j * stride];
        break;
    }
    default: break;
    }
}

/*
 * Writes src[j] (already within the type's range) to element start + j of
 * `base` (a value type i8..u4), for j < count. 4-bit elements are written
 * nibble by nibble, the other nibble of each byte kept.
 */
static inline void qcc_qstore(qcc_qtype t, void *base, int64_t start, int64_t count, const int32_t *src) {
    switch (t) {
    case QCC_QTYPE_I8: {
        int8_t *p = (int8_t *)base + start;
        for (int64_t j = 0; j < count; j++) p[j] = (int8_t)src[j];
        break;
    }
    case QCC_QTYPE_U8: {
        uint8_t *p = (uint8_t *)base + start;
        for (int64_t j = 0; j < count; j++) p[j] = (uint8_t)src[j];
        break;
    }
    case QCC_QTYPE_I16: {
        int16_t *p = (int16_t *)base + start;
        for (int64_t j = 0; j < count; j++) p[j] = (int16_t)src[j];
        break;
    }
    case QCC_QTYPE_U16: {
        uint16_t *p = (uint16_t *)base + start;
        for (int64_t j = 0; j < count; j++) p[j] = (uint16_t)src[j];
        break;
    }
    case QCC_QTYPE_I4:
    case QCC_QTYPE_U4: {
        uint8_t *p = (uint8_t *)base;
        int64_t j = 0;
        /* A leading odd element shares its byte with the previous one. */
        if (count > 0 && (start & 1)) {
            int64_t e = start;
            p[e >> 1] = (uint8_t)((p[e >> 1] & 0x0F) | ((src[0] & 15) << 4));
            j = 1;
        }
        for (; j + 1 < count; j += 2) {
            int64_t e = start + j;
            p[e >> 1] = (uint8_t)((src[j] & 15) | ((src[j + 1] & 15) << 4));
        }
        if (j < count) {
            int64_t e = start + j;
            p[e >> 1] = (uint8_t)((p[e >> 1] & 0xF0) | (src[j] & 15));
        }
        break;
    }
    default: break;
    }
}

/* ------------------------------------------------------------------------ */
/* Exact 128-bit integers, two's complement in two words.                    */
/* ------------------------------------------------------------------------ */

typedef struct {
    uint64_t hi, lo;
} qcc_s128;

QCC_INLINE qcc_s128 qcc_s128_from_i64(int64_t v) {
    qcc_s128 r;
    r.lo = (uint64_t)v;
    r.hi = v < 0 ? ~(uint64_t)0 : 0;
    return r;
}

QCC_INLINE qcc_s128 qcc_s128_add(qcc_s128 a, qcc_s128 b) {
    qcc_s128 r;
    r.lo = a.lo + b.lo;
    r.hi = a.hi + b.hi + (r.lo < a.lo);
    return r;
}

QCC_INLINE qcc_s128 qcc_s128_neg(qcc_s128 a) {
    qcc_s128 r;
    r.lo = ~a.lo + 1;
    r.hi = ~a.hi + (r.lo == 0);
    return r;
}

/* The exact product of two int64 values. */
QCC_INLINE qcc_s128 qcc_s128_mul(int64_t a, int64_t b) {
    const int negative = (a < 0) != (b < 0);
    const uint64_t x = a < 0 ? 0 - (uint64_t)a : (uint64_t)a;
    const uint64_t y = b < 0 ? 0 - (uint64_t)b : (uint64_t)b;
    const uint64_t x0 = x & 0xFFFFFFFFu, x1 = x >> 32, y0 = y & 0xFFFFFFFFu, y1 = y >> 32;
    const uint64_t p00 = x0 * y0, p01 = x0 * y1, p10 = x1 * y0, p11 = x1 * y1;
    const uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFFu) + (p10 & 0xFFFFFFFFu);
    qcc_s128 r;
    r.lo = (mid << 32) | (p00 & 0xFFFFFFFFu);
    r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    return negative ? qcc_s128_neg(r) : r;
}

/* floor((v + 2^(s-1)) / 2^s) for 1 <= s <= 62, saturated to the int64 range. */
QCC_INLINE int64_t qcc_s128_round_shift(qcc_s128 v, int s) {
    v = qcc_s128_add(v, qcc_s128_from_i64((int64_t)1 << (s - 1)));
    /* Arithmetic shift right of the 128-bit value. */
    const uint64_t lo = (v.lo >> s) | (v.hi << (64 - s));
    const int64_t hi = (int64_t)v.hi >> s;
    /* The result fits int64 when hi is the sign extension of lo. */
    if (hi == ((int64_t)lo < 0 ? -1 : 0)) return (int64_t)lo;
    return hi < 0 ? INT64_MIN : INT64_MAX;
}

#endif
