/* Element conversion (qcc_cast.h): qcc's Cast op, bit for bit. */
#include "qcc_cast.h"

#include <string.h>

/* Elements per stack tile: sources are widened to 64-bit patterns a tile at a time. */
#define QCC_CAST_TILE 256

int qcc_cast_supports(int32_t elem) {
    return elem == QCC_ELEM_F32 || (elem >= QCC_ELEM_I8 && elem <= QCC_ELEM_BOOL);
}

static size_t elem_bytes(int32_t elem) {
    switch (elem) {
    case QCC_ELEM_I8: case QCC_ELEM_U8: case QCC_ELEM_BOOL: return 1;
    case QCC_ELEM_I16: case QCC_ELEM_U16: return 2;
    case QCC_ELEM_F32: case QCC_ELEM_I32: case QCC_ELEM_U32: return 4;
    default: return 8;
    }
}

/*
 * numpyIntegerBits of ElementwiseCast.swift: `v` truncated toward zero through
 * the x86-64 conversion numpy uses for `target`, as the bits of an int64
 * (two's complement, so every target's value is its low bits). Conversions are
 * only done in range, so no C undefined behaviour.
 */
static uint64_t float_bits(double v, int32_t target) {
    switch (target) {
    case QCC_ELEM_I32: case QCC_ELEM_I16: case QCC_ELEM_I8: case QCC_ELEM_U16: case QCC_ELEM_U8:
        if (!(v > -2147483649.0 && v < 2147483648.0)) return (uint64_t)(int64_t)INT32_MIN;
        return (uint64_t)(int64_t)v;
    case QCC_ELEM_U64:
        if (v >= 9223372036854775808.0 && v < 18446744073709551616.0) return (uint64_t)v;
        /* fall through */
    default:
        if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) return (uint64_t)1 << 63;
        return (uint64_t)(int64_t)v;
    }
}

/* The int64 whose two's complement bits are `u` (no implementation-defined conversion). */
static int64_t as_signed(uint64_t u) { return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1; }

/* t[j] = source element start + j as a 64-bit pattern (signed values sign-extended, bools 0/1). */
static void load_bits(int32_t elem, const void *src, int64_t start, int64_t n, uint64_t *t) {
    switch (elem) {
    case QCC_ELEM_I8: { const int8_t *p = (const int8_t *)src + start; for (int64_t j = 0; j < n; j++) t[j] = (uint64_t)(int64_t)p[j]; break; }
    case QCC_ELEM_U8: { const uint8_t *p = (const uint8_t *)src + start; for (int64_t j = 0; j < n; j++) t[j] = p[j]; break; }
    case QCC_ELEM_BOOL: { const uint8_t *p = (const uint8_t *)src + start; for (int64_t j = 0; j < n; j++) t[j] = p[j] != 0; break; }
    case QCC_ELEM_I16: { const int16_t *p = (const int16_t *)src + start; for (int64_t j = 0; j < n; j++) t[j] = (uint64_t)(int64_t)p[j]; break; }
    case QCC_ELEM_U16: { const uint16_t *p = (const uint16_t *)src + start; for (int64_t j = 0; j < n; j++) t[j] = p[j]; break; }
    case QCC_ELEM_I32: { const int32_t *p = (const int32_t *)src + start; for (int64_t j = 0; j < n; j++) t[j] = (uint64_t)(int64_t)p[j]; break; }
    case QCC_ELEM_U32: { const uint32_t *p = (const uint32_t *)src + start; for (int64_t j = 0; j < n; j++) t[j] = p[j]; break; }
    case QCC_ELEM_I64: { const int64_t *p = (const int64_t *)src + start; for (int64_t j = 0; j < n; j++) t[j] = (uint64_t)p[j]; break; }
    default: { const uint64_t *p = (const uint64_t *)src + start; for (int64_t j = 0; j < n; j++) t[j] = p[j]; break; }
    }
}

/*
 * Writes t[j] to destination element start + j of an integer or bool type:
 * integers keep the low bits (stored through the unsigned type of the same
 * width: the same bits as a wrapping signed conversion), bools are t != 0.
 */
static void store_bits(int32_t elem, void *dst, int64_t start, int64_t n, const uint64_t *t) {
    switch (elem) {
    case QCC_ELEM_I8: case QCC_ELEM_U8: { uint8_t *p = (uint8_t *)dst + start; for (int64_t j = 0; j < n; j++) p[j] = (uint8_t)t[j]; break; }
    case QCC_ELEM_BOOL: { uint8_t *p = (uint8_t *)dst + start; for (int64_t j = 0; j < n; j++) p[j] = t[j] != 0; break; }
    case QCC_ELEM_I16: case QCC_ELEM_U16: { uint16_t *p = (uint16_t *)dst + start; for (int64_t j = 0; j < n; j++) p[j] = (uint16_t)t[j]; break; }
    case QCC_ELEM_I32: case QCC_ELEM_U32: { uint32_t *p = (uint32_t *)dst + start; for (int64_t j = 0; j < n; j++) p[j] = (uint32_t)t[j]; break; }
    default: { uint64_t *p = (uint64_t *)dst + start; for (int64_t j = 0; j < n; j++) p[j] = t[j]; break; }
    }
}

void qcc_cast(void *dst, int32_t dst_elem, const void *src, int32_t src_elem, int64_t count) {
    if (!qcc_cast_supports(dst_elem) || !qcc_cast_supports(src_elem) || count <= 0) return;
    if (dst_elem == src_elem) {
        memcpy(dst, src, (size_t)count * elem_bytes(src_elem));
        return;
    }
    uint64_t tile[QCC_CAST_TILE];
    for (int64_t j0 = 0; j0 < count; j0 += QCC_CAST_TILE) {
        const int64_t n = count - j0 < QCC_CAST_TILE ? count - j0 : QCC_CAST_TILE;
        if (src_elem == QCC_ELEM_F32) {
            const float *x = (const float *)src + j0;
            if (dst_elem == QCC_ELEM_BOOL) {
                uint8_t *p = (uint8_t *)dst + j0;
                for (int64_t j = 0; j < n; j++) p[j] = x[j] != 0.0f; /* NaN != 0: true */
                continue;
            }
            for (int64_t j = 0; j < n; j++) tile[j] = float_bits((double)x[j], dst_elem);
            store_bits(dst_elem, dst, j0, n, tile);
            continue;
        }
        load_bits(src_elem, src, j0, n, tile);
        if (dst_elem == QCC_ELEM_F32) {
            /* Swift's Float(Int64) and Float(UInt64): round to nearest even, as C's conversions in the default mode. */
            float *y = (float *)dst + j0;
            if (src_elem == QCC_ELEM_U64)
                for (int64_t j = 0; j < n; j++) y[j] = (float)tile[j];
            else
                for (int64_t j = 0; j < n; j++) y[j] = (float)as_signed(tile[j]);
            continue;
        }
        store_bits(dst_elem, dst, j0, n, tile);
    }
}
