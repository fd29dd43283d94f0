/*
 * Integer matrix products (qcc_quant.h): the driver of the SIMD paths and the
 * portable reference.
 *
 * Portable (every case; the reference): columns of c are done in tiles of
 * QG_NB; for each block of QG_KB rows of b, the block is decoded once to
 * int32 (b - zb), and every row of a (decoded to a - za) accumulates into its
 * row of c with a vectorisable multiply-add.
 *
 * SIMD (quant_gemm_vnni.c, quant_gemm_avx2.c, quant_gemm_neon.c) for the common case of
 * qcc_qgemm_i32: 8-bit a (i8 or u8) with a scalar or per-row zero point, 8-bit
 * b with a scalar or per-column zero point. The kernels compute the raw
 * product of shifted operands a' = a + a_off, b' = b + b_off (shifts that
 * make them fit the instructions, e.g. a' unsigned for vpmaddubsw), and the
 * zero points are folded in by algebra, in wrapping uint32 arithmetic, so
 * the result is exact modulo 2^32, the same bits as the portable loops:
 *   sum_t (a - za)(b - zb) = sum_t (a' - za')(b' - zb')          za' = za + a_off, zb' = zb + b_off
 *     = sum_t a' b' - zb'_j sum_t a'_it - za'_i sum_t b'_tj + K za'_i zb'_j.
 * With a scalar za the column terms bias_j + K za' zb'_j - za' sum_t b'_tj are
 * one vector per B block; the row sums (taken while converting A panels) are
 * multiplied by -zb'_j in the kernels' epilogue; with per-row za (the conv
 * weights), the K za'_i zb'_j term joins the row sums and -za'_i sum_t b'_tj is
 * added to c after the block. Sums are skipped when their factor is 0.
 *
 * Blocking (quant_gemm_internal.h): rows in chunks of QCC_QGEMM_M_CHUNK (their
 * sums), N in blocks of at most QCC_QGEMM_NC_MAX columns and K in nearly
 * equal blocks of at most QCC_QGEMM_KC, one K x N block of B packed per
 * step into a stack buffer; the kernels sweep the packed block once per A
 * panel of mr rows, writing c at the first K block, adding at the others,
 * and adding the zero-point terms at the last. Nothing is allocated.
 *
 * One row (m == 1, e.g. a classifier head or a decoder step) cannot pay for
 * packing B, which it would use once: the kernel sets with a gemv (AVX512-VNNI,
 * AVX-VNNI, AVX2 s16) read B in place instead (simd_gemv), and on AVX2 one
 * row always takes s16, since the u8s8 test would itself read all of B.
 */
#include "quant_gemm_internal.h"

#include <string.h>

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

/* ------------------------------------------------------------------------ */
/* SIMD paths                                                               */
/* ------------------------------------------------------------------------ */

#if defined(__GNUC__) || defined(__clang__)
#define QG_NOINLINE __attribute__((noinline))
#else
#define QG_NOINLINE
#endif

#if QCC_QGEMM_AVX2 || QCC_QGEMM_NEON || QCC_QGEMM_VNNI
#define QG_HAVE_SIMD 1
#else
#define QG_HAVE_SIMD 0
#endif

static int simd_enabled = 1;

void qcc_qgemm_set_simd(int enabled) { simd_enabled = enabled; }

static int vnni_bits = 512;

void qcc_qgemm_set_vnni(int max_bits) { vnni_bits = max_bits; }

#if QCC_QGEMM_VNNI
/* The VNNI kernels this CPU runs (up to vnni_bits), or NULL; NULL also when quant_gemm_vnni.c is not linked. */
static const qcc_qgemm_kernels *vnni_kernels(void) {
#if defined(__ELF__)
    if (!qcc_qgemm_vnni_kernels) return NULL;
#endif
    return vnni_bits > 0 ? qcc_qgemm_vnni_kernels(vnni_bits) : NULL;
}
#endif

#if QCC_QGEMM_AVX2
static int have_avx2(void) {
#if QCC_QGEMM_AVX2_RUNTIME_CHECK
    /* Every thread computes the same value, so a racing first call is harmless. */
    static volatile int state = 0;
    if (state == 0) {
        __builtin_cpu_init();
        state = __builtin_cpu_supports("avx2") ? 1 : 2;
    }
    return state == 1;
#else
    return 1;
#endif
}
#endif

static int is_byte_type(qcc_qtype t) { return t == QCC_QTYPE_I8 || t == QCC_QTYPE_U8; }

/* The SIMD kernels for this product, or NULL for the portable loops. */
static const qcc_qgemm_kernels *simd_kernels(int64_t m, int64_t n, int64_t k, const qcc_qmatrix *a,
                                             const qcc_qmatrix *b) {
    if (!QG_HAVE_SIMD || !simd_enabled || m <= 0 || n <= 0 || k <= 0) return NULL;
    if (!is_byte_type(a->type) || !is_byte_type(b->type)) return NULL;
    if (a->zero_point && a->zp_layout != QCC_ZP_SCALAR && a->zp_layout != QCC_ZP_PER_ROW) return NULL;
    if (b->zero_point && b->zp_layout != QCC_ZP_SCALAR && b->zp_layout != QCC_ZP_PER_COL) return NULL;
#if QCC_QGEMM_VNNI
    {
        /* vpdpbusd: exact for any 8-bit operands, the fastest where the CPU has it. */
        const qcc_qgemm_kernels *v = vnni_kernels();
        if (v) return v;
    }
#endif
#if QCC_QGEMM_AVX2
    /* One row: the s16 gemv, exact for any operands; the u8s8 test would read all of b for one use of it. */
    if (have_avx2() && m == 1) return &qcc_qgemm_kernels_avx2_s16;
    if (have_avx2())
        return qcc_qgemm_avx2_u8s8_safe((const uint8_t *)b->data, b->ld, b->type == QCC_QTYPE_U8, k, n)
                   ? &qcc_qgemm_kernels_avx2_u8s8
                   : &qcc_qgemm_kernels_avx2_s16;
#endif
#if QCC_QGEMM_NEON
    return &qcc_qgemm_kernels_neon;
#endif
    return NULL;
}

int qcc_qgemm_path(int64_t m, int64_t n, int64_t k, const qcc_qmatrix *a, const qcc_qmatrix *b) {
    const qcc_qgemm_kernels *kn = simd_kernels(m, n, k, a, b);
    return kn ? kn->path : QCC_QGEMM_PATH_PORTABLE;
}

int qcc_qgemm_takes_gemv(int64_t m, int64_t n, int64_t k, const qcc_qmatrix *a, const qcc_qmatrix *b) {
    const qcc_qgemm_kernels *kn = simd_kernels(m, n, k, a, b);
    return kn && m == 1 && kn->gemv;
}

#if QG_HAVE_SIMD

static int64_t round_up(int64_t v, int64_t q) { return (v + q - 1) / q * q; }

/* p rounded up to a multiple of 64 bytes. */
static uint8_t *align64(uint8_t *p) { return p + ((64 - ((uintptr_t)p & 63)) & 63); }

/*
 * c = a x b with the zero points and bias (qcc_qgemm_i32), m, n, k > 0, on
 * the kernels kn. A separate frame from the portable loops' tiles.
 */
static QG_NOINLINE void simd_qgemm(const qcc_qgemm_kernels *kn, int64_t m, int64_t n, int64_t k, const qcc_qmatrix *a,
                                   const qcc_qmatrix *b, const int32_t *bias, int32_t *c, int64_t ldc) {
    uint8_t b_space[QCC_QGEMM_B_BYTES + 64], a_space[QCC_QGEMM_A_BYTES + 64];
    uint32_t colsum[QCC_QGEMM_NC_MAX], colterm[QCC_QGEMM_NC_MAX], zb_neg[QCC_QGEMM_NC_MAX];
    uint32_t row_term[QCC_QGEMM_M_CHUNK];
    uint8_t *const bbuf = align64(b_space), *const abuf = align64(a_space);

    const uint8_t *ad = (const uint8_t *)a->data, *bd = (const uint8_t *)b->data;
    const int a_u8 = a->type == QCC_QTYPE_U8, b_u8 = b->type == QCC_QTYPE_U8;
    const uint32_t a_off = (uint32_t)kn->a_off[a_u8], b_off = (uint32_t)kn->b_off[b_u8];
    const int za_rows = a->zero_point && a->zp_layout == QCC_ZP_PER_ROW;
    const int zb_cols = b->zero_point && b->zp_layout == QCC_ZP_PER_COL;
    /* Shifted zero points (za_s, zb_s when scalar), modulo 2^32. */
    const uint32_t za_s = (a->zero_point && !za_rows ? (uint32_t)a->zero_point[0] : 0) + a_off;
    const uint32_t zb_s = (b->zero_point && !zb_cols ? (uint32_t)b->zero_point[0] : 0) + b_off;
    const uint32_t ku = (uint32_t)k;

    /* Which sums are needed: rows' when some zb' != 0, columns' when some za' != 0. */
    int need_rows = !zb_cols && zb_s != 0, need_cols = !za_rows && za_s != 0;
    for (int64_t j = 0; zb_cols && !need_rows && j < n; j++) need_rows = (uint32_t)b->zero_point[j] + b_off != 0;
    for (int64_t i = 0; za_rows && !need_cols && i < m; i++) need_cols = (uint32_t)a->zero_point[i] + a_off != 0;

    /* K in nearly equal blocks of at most QCC_QGEMM_KC (multiples of 4, so kq divides them). */
    const int64_t k_blocks = (k + QCC_QGEMM_KC - 1) / QCC_QGEMM_KC;
    const int64_t kc = round_up((k + k_blocks - 1) / k_blocks, 4);
    /* As many columns as fit the B buffer, whole panels. */
    int64_t nc = QCC_QGEMM_B_BYTES / (kc * kn->elem_bytes) / kn->nr * kn->nr;
    if (nc > QCC_QGEMM_NC_MAX / kn->nr * kn->nr) nc = QCC_QGEMM_NC_MAX / kn->nr * kn->nr;
    const int64_t astride = round_up(kc * kn->elem_bytes, 64);

    for (int64_t m0 = 0; m0 < m; m0 += QCC_QGEMM_M_CHUNK) {
        const int64_t mb = m - m0 < QCC_QGEMM_M_CHUNK ? m - m0 : QCC_QGEMM_M_CHUNK;
        if (need_rows) memset(row_term, 0, sizeof row_term);
        for (int64_t n0 = 0; n0 < n; n0 += nc) {
            const int64_t nb = n - n0 < nc ? n - n0 : nc, nbp = round_up(nb, kn->nr);
            if (need_cols) memset(colsum, 0, (size_t)nb * sizeof colsum[0]);
            for (int64_t k0 = 0; k0 < k; k0 += kc) {
                const int64_t kb = k - k0 < kc ? k - k0 : kc, kbp = round_up(kb, kn->kq);
                const int last = k0 + kb >= k;
                kn->pack_b(bd + k0 * b->ld + n0, b->ld, b_u8, kb, nb, bbuf, need_cols ? colsum : NULL);
                if (last) {
                    /* The column terms of this block: bias + K za' zb' - za' sum_t b' (scalar za), else bias. */
                    for (int64_t j = 0; j < nbp; j++) {
                        uint32_t t = 0, z = 0;
                        if (j < nb) {
                            const uint32_t zb = (zb_cols ? (uint32_t)b->zero_point[n0 + j] + b_off : zb_s);
                            t = bias ? (uint32_t)bias[n0 + j] : 0;
                            if (!za_rows) t += ku * za_s * zb - (need_cols ? za_s * colsum[j] : 0);
                            z = 0 - zb;
                        }
                        colterm[j] = t;
                        zb_neg[j] = z;
                    }
                }
                for (int64_t i0 = m0; i0 < m0 + mb; i0 += kn->mr) {
                    const int64_t mr = m0 + mb - i0 < kn->mr ? m0 + mb - i0 : kn->mr;
                    uint32_t *rt = row_term + (i0 - m0);
                    /* Row sums while converting the first N block's panels. */
                    kn->pack_a(ad + i0 * a->ld + k0, a->ld, a_u8, mr, kb, kbp, abuf, astride,
                               need_rows && n0 == 0 ? rt : NULL);
                    if (need_rows && n0 == 0 && last && za_rows)
                        for (int64_t r = 0; r < mr; r++) rt[r] -= ku * ((uint32_t)a->zero_point[i0 + r] + a_off);
                    qcc_qgemm_epilogue e;
                    e.add_c = k0 > 0;
                    e.correct = last;
                    e.colterm = colterm;
                    e.zb_neg = need_rows ? zb_neg : NULL;
                    e.row_term = rt;
                    kn->panel(mr, nb, kbp, abuf, astride, bbuf, c + i0 * ldc + n0, ldc, &e);
                }
            }
            /* Per-row za: c -= za'_i sum_t b'_tj. */
            for (int64_t i = m0; za_rows && need_cols && i < m0 + mb; i++) {
                const uint32_t zneg = 0 - ((uint32_t)a->zero_point[i] + a_off);
                if (zneg == 0) continue;
                int32_t *ci = c + i * ldc + n0;
                for (int64_t j = 0; j < nb; j++) ci[j] = (int32_t)((uint32_t)ci[j] + zneg * colsum[j]);
            }
        }
    }
}
#endif

#if QG_HAVE_SIMD
/* c = a x b for one row (m == 1) on kernels with a gemv (qcc_qgemv_epilogue). */
static QG_NOINLINE void simd_gemv(const qcc_qgemm_kernels *kn, int64_t n, int64_t k, const qcc_qmatrix *a,
                                  const qcc_qmatrix *b, const int32_t *bias, int32_t *c) {
    const uint8_t *ad = (const uint8_t *)a->data;
    const int a_u8 = a->type == QCC_QTYPE_U8, b_u8 = b->type == QCC_QTYPE_U8;
    const uint32_t a_off = (uint32_t)kn->a_off[a_u8], b_off = (uint32_t)kn->b_off[b_u8];
    const int zb_cols = b->zero_point && b->zp_layout == QCC_ZP_PER_COL;
    qcc_qgemv_epilogue e;
    /* One row: a scalar and a per-row zero point are both zero_point[0]. */
    e.za = (a->zero_point ? (uint32_t)a->zero_point[0] : 0) + a_off;
    uint32_t rowsum = 0;
    if (a_u8)
        for (int64_t t = 0; t < k; t++) rowsum += ad[t];
    else
        for (int64_t t = 0; t < k; t++) rowsum += (uint32_t)(int32_t)(int8_t)ad[t];
    e.row_term = rowsum + (uint32_t)k * (a_off - e.za);
    e.bias = bias;
    e.zb = zb_cols ? b->zero_point : NULL;
    e.zb_add = (b->zero_point && !zb_cols ? (uint32_t)b->zero_point[0] : 0) + b_off;
    kn->gemv(n, k, ad, a_u8, (const uint8_t *)b->data, b->ld, b_u8, &e, c);
}
#endif

/*
 * The portable loop nest; `wide` selects the int64 accumulators (c and bias
 * are then int64_t). Not inlined into qgemm, so that its tiles and the SIMD
 * path's buffers are never on the stack at once.
 */
static QG_NOINLINE void portable_qgemm(int wide, int64_t m, int64_t n, int64_t k, const qcc_qmatrix *a,
                                       const qcc_qmatrix *b, const void *bias, void *c, int64_t ldc) {
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

/* One product: the SIMD path when it applies (int32 accumulators, 8-bit operands), else the portable loops. */
static void qgemm(int wide, int64_t m, int64_t n, int64_t k, const qcc_qmatrix *a, const qcc_qmatrix *b,
                  const void *bias, void *c, int64_t ldc) {
#if QG_HAVE_SIMD
    if (!wide) {
        const qcc_qgemm_kernels *kn = simd_kernels(m, n, k, a, b);
        if (kn && m == 1 && kn->gemv) {
            simd_gemv(kn, n, k, a, b, (const int32_t *)bias, (int32_t *)c);
            return;
        }
        if (kn) {
            simd_qgemm(kn, m, n, k, a, b, (const int32_t *)bias, (int32_t *)c, ldc);
            return;
        }
    }
#endif
    portable_qgemm(wide, m, n, k, a, b, bias, c, ldc);
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
