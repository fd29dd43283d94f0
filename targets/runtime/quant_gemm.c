/*
 * Integer matrix products (qcc_quant.h): portable and exact. Columns of c are
 * done in tiles of QG_NB; for each block of QG_KB rows of b, the block is
 * decoded once to int32 (b - zb), and every row of a (decoded to a - za)
 * accumulates into its row of c with a vectorisable multiply-add. Fast
 * AVX2 / NEON paths come with code generation.
 */
#include "quant_internal.h"

#define QG_KB 64
#define QG_NB 128

/* The zero point of element (r, c) of a rows x cols operand. */
QCC_INLINE int32_t zero_at(const qcc_qmatrix *x, int64_t cols, int64_t r, int64_t c) {
    const int32_t *z = x->zero_point;
    if (!z) return 0;
    switch (x->zp_layout) {
    case QCC_ZP_PER_ROW: return z[r];
    case QCC_ZP_PER_COL: return z[c];
    case QCC_ZP_ROW_GROUPS: return z[(r / x->group) * cols + c];
    case QCC_ZP_COL_GROUPS: return z[r * ((cols + x->group - 1) / x->group) + c / x->group];
    default: return z[0];
    }
}

/*
 * dst[j] = x[r, c0 + j] - its zero point, for j < count (x has `cols` columns);
 * wrapping, which never happens for zero points in range.
 */
static void decode_row(const qcc_qmatrix *x, int64_t cols, int64_t r, int64_t c0, int64_t count, int32_t *dst) {
    qcc_qload(x->type, x->data, r * x->ld + c0, 1, count, dst);
    if (!x->zero_point) return;
    switch (x->zp_layout) {
    case QCC_ZP_PER_COL:
        for (int64_t j = 0; j < count; j++) dst[j] = (int32_t)((uint32_t)dst[j] - (uint32_t)x->zero_point[c0 + j]);
        break;
    case QCC_ZP_ROW_GROUPS: {
        const int32_t *z = x->zero_point + (r / x->group) * cols + c0;
        for (int64_t j = 0; j < count; j++) dst[j] = (int32_t)((uint32_t)dst[j] - (uint32_t)z[j]);
        break;
    }
    case QCC_ZP_COL_GROUPS:
        for (int64_t j = 0; j < count; j++) dst[j] = (int32_t)((uint32_t)dst[j] - (uint32_t)zero_at(x, cols, r, c0 + j));
        break;
    default: {
        const int32_t z = zero_at(x, cols, r, c0);
        for (int64_t j = 0; j < count; j++) dst[j] = (int32_t)((uint32_t)dst[j] - (uint32_t)z);
        break;
    }
    }
}

/* The range of x - zero point over every element of a rows x cols operand. */
static void difference_range(const qcc_qmatrix *x, int64_t rows, int64_t cols, int64_t *lo, int64_t *hi) {
    int64_t tlo, thi, count = 1;
    qcc_qtype_range(x->type, &tlo, &thi);
    switch (x->zp_layout) {
    case QCC_ZP_PER_ROW: count = rows; break;
    case QCC_ZP_PER_COL: count = cols; break;
    case QCC_ZP_ROW_GROUPS: count = (rows + x->group - 1) / x->group * cols; break;
    case QCC_ZP_COL_GROUPS: count = rows * ((cols + x->group - 1) / x->group); break;
    default: break;
    }
    int64_t zmin = 0, zmax = 0;
    for (int64_t i = 0; x->zero_point && i < count; i++) {
        const int64_t z = x->zero_point[i];
        if (i == 0 || z < zmin) zmin = z;
        if (i == 0 || z > zmax) zmax = z;
    }
    *lo = tlo - zmax;
    *hi = thi - zmin;
}

static int fits_i16(const qcc_qmatrix *x, int64_t rows, int64_t cols) {
    int64_t lo, hi;
    difference_range(x, rows, cols, &lo, &hi);
    return lo >= INT16_MIN && hi <= INT16_MAX;
}

/*
 * c[j] += sum_t a[t] * b[t, j] modulo 2^32, b rows QG_NB apart, for differences
 * that fit 16 bits (8-bit operands): four rows of b per pass over c, each
 * product exact in int32 (the compiler's pmaddwd), the sums wrapping.
 */
QCC_TARGET_CLONES static void accumulate_i32(int32_t *c, const int16_t *a, const int16_t *b, int64_t kb, int64_t nb) {
    int64_t t = 0;
    for (; t + 4 <= kb; t += 4) {
        const int32_t a0 = a[t], a1 = a[t + 1], a2 = a[t + 2], a3 = a[t + 3];
        if ((a0 | a1 | a2 | a3) == 0) continue;
        const int16_t *b0 = b + t * QG_NB, *b1 = b0 + QG_NB, *b2 = b1 + QG_NB, *b3 = b2 + QG_NB;
        for (int64_t j = 0; j < nb; j++) {
            const uint32_t p01 = (uint32_t)(a0 * b0[j]) + (uint32_t)(a1 * b1[j]);
            const uint32_t p23 = (uint32_t)(a2 * b2[j]) + (uint32_t)(a3 * b3[j]);
            c[j] = (int32_t)((uint32_t)c[j] + p01 + p23);
        }
    }
    for (; t < kb; t++) {
        const int32_t av = a[t];
        if (av == 0) continue;
        const int16_t *bt = b + t * QG_NB;
        for (int64_t j = 0; j < nb; j++) c[j] = (int32_t)((uint32_t)c[j] + (uint32_t)(av * bt[j]));
    }
}

/* The same for any differences (32-bit tiles), wrapping modulo 2^32. */
QCC_TARGET_CLONES static void accumulate_i32_wide(int32_t *c, const int32_t *a, const int32_t *b, int64_t kb,
                                                  int64_t nb) {
    for (int64_t t = 0; t < kb; t++) {
        const uint32_t av = (uint32_t)a[t];
        if (av == 0) continue;
        const int32_t *bt = b + t * QG_NB;
        for (int64_t j = 0; j < nb; j++) c[j] = (int32_t)((uint32_t)c[j] + av * (uint32_t)bt[j]);
    }
}

/* c[j] += sum_t a[t] * b[t, j] in int64. */
QCC_TARGET_CLONES static void accumulate_i64(int64_t *c, const int32_t *a, const int32_t *b, int64_t kb, int64_t nb) {
    int64_t t = 0;
    for (; t + 2 <= kb; t += 2) {
        const int64_t a0 = a[t], a1 = a[t + 1];
        if ((a0 | a1) == 0) continue;
        const int32_t *b0 = b + t * QG_NB, *b1 = b0 + QG_NB;
        for (int64_t j = 0; j < nb; j++) c[j] += a0 * b0[j] + a1 * b1[j];
    }
    for (; t < kb; t++) {
        const int64_t av = a[t];
        if (av == 0) continue;
        const int32_t *bt = b + t * QG_NB;
        for (int64_t j = 0; j < nb; j++) c[j] += av * bt[j];
    }
}

/* Narrows decoded differences known to fit 16 bits. */
static void narrow16(const int32_t *src, int16_t *dst, int64_t count) {
    for (int64_t j = 0; j < count; j++) dst[j] = (int16_t)src[j];
}

/* The shared loop nest; `wide` selects the int64 accumulators (c and bias are then int64_t). */
static void qgemm(int wide, int64_t m, int64_t n, int64_t k, const qcc_qmatrix *a, const qcc_qmatrix *b,
                  const void *bias, void *c, int64_t ldc) {
    int32_t btile[QG_KB * QG_NB];
    int16_t btile16[QG_KB * QG_NB];
    int32_t arow[QG_KB];
    int16_t arow16[QG_KB];
    const int small = !wide && fits_i16(a, m, k) && fits_i16(b, k, n);
    for (int64_t n0 = 0; n0 < n; n0 += QG_NB) {
        const int64_t nb = n - n0 < QG_NB ? n - n0 : QG_NB;
        /* Start from the bias. */
        for (int64_t i = 0; i < m; i++) {
            if (wide) {
                int64_t *ci = (int64_t *)c + i * ldc + n0;
                const int64_t *bi = bias ? (const int64_t *)bias + n0 : NULL;
                for (int64_t j = 0; j < nb; j++) ci[j] = bi ? bi[j] : 0;
            } else {
                int32_t *ci = (int32_t *)c + i * ldc + n0;
                const int32_t *bi = bias ? (const int32_t *)bias + n0 : NULL;
                for (int64_t j = 0; j < nb; j++) ci[j] = bi ? bi[j] : 0;
            }
        }
        for (int64_t k0 = 0; k0 < k; k0 += QG_KB) {
            const int64_t kb = k - k0 < QG_KB ? k - k0 : QG_KB;
            for (int64_t t = 0; t < kb; t++) {
                decode_row(b, n, k0 + t, n0, nb, btile + t * QG_NB);
                if (small) narrow16(btile + t * QG_NB, btile16 + t * QG_NB, nb);
            }
            for (int64_t i = 0; i < m; i++) {
                decode_row(a, k, i, k0, kb, arow);
                if (wide) {
                    accumulate_i64((int64_t *)c + i * ldc + n0, arow, btile, kb, nb);
                } else if (small) {
                    narrow16(arow, arow16, kb);
                    accumulate_i32((int32_t *)c + i * ldc + n0, arow16, btile16, kb, nb);
                } else {
                    accumulate_i32_wide((int32_t *)c + i * ldc + n0, arow, btile, kb, nb);
                }
            }
        }
    }
}

void qcc_qgemm_i32(int64_t m, int64_t n, int64_t k, const qcc_qmatrix *a, const qcc_qmatrix *b, const int32_t *bias,
                   int32_t *c, int64_t ldc) {
    qgemm(0, m, n, k, a, b, bias, c, ldc);
}

void qcc_qgemm_i64(int64_t m, int64_t n, int64_t k, const qcc_qmatrix *a, const qcc_qmatrix *b, const int64_t *bias,
                   int64_t *c, int64_t ldc) {
    qgemm(1, m, n, k, a, b, bias, c, ldc);
}

/* x with its data moved `offset` elements on. */
static qcc_qmatrix offset_matrix(const qcc_qmatrix *x, int64_t offset) {
    qcc_qmatrix r = *x;
    if (qcc_qtype_is_4bit(x->type))
        r.data = (const uint8_t *)x->data + offset / 2;
    else
        r.data = (const uint8_t *)x->data + offset * (int64_t)qcc_qtype_size(x->type);
    return r;
}

static void qgemm_batched(int wide, int64_t m, int64_t n, int64_t k, const qcc_qmatrix *a, const qcc_qmatrix *b,
                          const void *bias, void *c, int64_t ldc, int rank, const int64_t *shape,
                          const int64_t *sa, const int64_t *sb, const int64_t *sc) {
    int64_t index[QCC_MAX_RANK] = {0};
    int64_t count = 1;
    for (int d = 0; d < rank; d++) count *= shape[d];
    int64_t oa = 0, ob = 0, oc = 0;
    for (int64_t p = 0; p < count; p++) {
        const qcc_qmatrix ap = offset_matrix(a, oa), bp = offset_matrix(b, ob);
        void *cp = wide ? (void *)((int64_t *)c + oc) : (void *)((int32_t *)c + oc);
        qgemm(wide, m, n, k, &ap, &bp, bias, cp, ldc);
        /* The next batch index, row-major, with the offsets following it. */
        for (int d = rank - 1; d >= 0; d--) {
            index[d]++;
            oa += sa[d];
            ob += sb[d];
            oc += sc[d];
            if (index[d] < shape[d]) break;
            oa -= sa[d] * shape[d];
            ob -= sb[d] * shape[d];
            oc -= sc[d] * shape[d];
            index[d] = 0;
        }
    }
}

void qcc_qgemm_batched_i32(int64_t m, int64_t n, int64_t k, const qcc_qmatrix *a, const qcc_qmatrix *b,
                           const int32_t *bias, int32_t *c, int64_t ldc, int batch_rank, const int64_t *batch_shape,
                           const int64_t *a_strides, const int64_t *b_strides, const int64_t *c_strides) {
    qgemm_batched(0, m, n, k, a, b, bias, c, ldc, batch_rank, batch_shape, a_strides, b_strides, c_strides);
}

void qcc_qgemm_batched_i64(int64_t m, int64_t n, int64_t k, const qcc_qmatrix *a, const qcc_qmatrix *b,
                           const int64_t *bias, int64_t *c, int64_t ldc, int batch_rank, const int64_t *batch_shape,
                           const int64_t *a_strides, const int64_t *b_strides, const int64_t *c_strides) {
    qgemm_batched(1, m, n, k, a, b, bias, c, ldc, batch_rank, batch_shape, a_strides, b_strides, c_strides);
}
