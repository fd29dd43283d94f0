/*
 * AArch64 NEON micro-kernels of the integer GEMM (quant_gemm_internal.h),
 * one set per build, chosen at compile time:
 *
 * sdot (__ARM_FEATURE_DOTPROD, e.g. -march=armv8.2-a+dotprod):
 *   vdotq_s32 adds four s8 x s8 products into each int32 lane, exactly.
 * smull (plain armv8-a): vmull_s8 forms s8 x s8 products in int16 (exact:
 *   |p| <= 128 * 128 = 16384), vpadalq_s16 adds adjacent pairs into int32
 *   lanes (widening first, so the pair sum 2 * 16384 cannot overflow; a
 *   vmlal_s8 into int16 could).
 * Both take signed bytes: a' = a for i8 a, a - 128 for u8 a (the byte xor
 * 0x80), likewise b'. Accumulation wraps modulo 2^32 (the exact sum's bits).
 *
 * Packed layouts, panels of 16 columns, a "unit" being kq consecutive k:
 *   sdot  (kq = 4): B unit = 64 bytes, columns 0..15 each with its 4 values
 *                   b'[t..t+3, j] consecutive (one 16-byte load = 4 columns);
 *   smull (kq = 2): B unit = 32 bytes, columns 0..15 each with b'[t, t+1, j]
 *                   (one 16-byte load = 8 columns, 2 vmull per load).
 *   A: the panel's rows as s8, row r at a + r * astride; a row's unit is
 *      loaded with vld1q_dup (4 or 2 bytes repeated over the vector).
 * Register tile: 4 rows x 16 columns = 16 int32x4 accumulators (+ 4 B, 1 A
 * of the 32 vector registers).
 */
#include "quant_gemm_internal.h"

#if QCC_QGEMM_NEON
#include <arm_neon.h>

#define NR 16
#define MR 4
#if defined(__ARM_FEATURE_DOTPROD)
#define KQ 4
#else
#define KQ 2
#endif
#define UNIT_BYTES (NR * KQ)
#define QG_INLINE static inline __attribute__((always_inline))

typedef char qg_neon_mr_fits[MR <= QCC_QGEMM_MR_MAX ? 1 : -1];

static void pack_b(const uint8_t *b, int64_t ldb, int u8, int64_t kb, int64_t nb, void *dst, uint32_t *colsum) {
    const uint8_t flip = u8 ? 0x80 : 0;
    int8_t *out = (int8_t *)dst;
    for (int64_t j0 = 0; j0 < nb; j0 += NR) {
        const int64_t w = nb - j0 < NR ? nb - j0 : NR;
        for (int64_t t = 0; t < kb; t += KQ, out += UNIT_BYTES) {
            for (int64_t j = 0; j < NR; j++) {
                for (int q = 0; q < KQ; q++) {
                    const int8_t v = j < w && t + q < kb ? (int8_t)(b[(t + q) * ldb + j0 + j] ^ flip) : 0;
                    out[j * KQ + q] = v;
                    if (colsum && j < w) colsum[j0 + j] += (uint32_t)(int32_t)v;
                }
            }
        }
    }
}

static void pack_a(const uint8_t *a, int64_t lda, int u8, int64_t mr, int64_t kb, int64_t kbp, void *dst,
                   int64_t astride, uint32_t *rowsum) {
    const uint8_t flip = u8 ? 0x80 : 0;
    for (int64_t r = 0; r < mr; r++) {
        const uint8_t *src = a + r * lda;
        int8_t *out = (int8_t *)dst + r * astride;
        int32_t sum = 0;
        for (int64_t t = 0; t < kb; t++) {
            out[t] = (int8_t)(src[t] ^ flip);
            sum += out[t];
        }
        for (int64_t t = kb; t < kbp; t++) out[t] = 0;
        if (rowsum) rowsum[r] += (uint32_t)sum;
    }
}

/* Finishes 4 columns (the first `cols` real, 1..4 or more) of one row and stores them. */
QG_INLINE void finish(int32x4_t acc, int32_t *c, int64_t cols, const uint32_t *colterm, const uint32_t *zb_neg,
                      uint32_t row_term, const qcc_qgemm_epilogue *e) {
    uint32x4_t v = vreinterpretq_u32_s32(acc);
    int32_t tmp[4] = {0, 0, 0, 0};
    const int full = cols >= 4;
    if (e->add_c) {
        if (full) {
            v = vaddq_u32(v, vreinterpretq_u32_s32(vld1q_s32(c)));
        } else {
            for (int64_t j = 0; j < cols; j++) tmp[j] = c[j];
            v = vaddq_u32(v, vreinterpretq_u32_s32(vld1q_s32(tmp)));
        }
    }
    if (e->correct) {
        v = vaddq_u32(v, vld1q_u32(colterm));
        if (zb_neg) v = vmlaq_n_u32(v, vld1q_u32(zb_neg), row_term);
    }
    if (full) {
        vst1q_s32(c, vreinterpretq_s32_u32(v));
    } else {
        vst1q_s32(tmp, vreinterpretq_s32_u32(v));
        for (int64_t j = 0; j < cols; j++) c[j] = tmp[j];
    }
}

/*
 * One mr x 16 tile over `units` units (mr constant in each inlined copy);
 * w = real columns (1..16). Rows spelled out with named accumulators (ROW):
 * a loop over an accumulator array is not always unrolled at -O2, and then
 * the accumulators live in memory.
 */
QG_INLINE void tile(const int mr, int64_t units, const int8_t *a, int64_t astride, const int8_t *b, int32_t *c,
                    int64_t ldc, int64_t w, const qcc_qgemm_epilogue *e, int64_t j0) {
    const int32x4_t zero = vdupq_n_s32(0);
    int32x4_t c00 = zero, c01 = zero, c02 = zero, c03 = zero, c10 = zero, c11 = zero, c12 = zero, c13 = zero;
    int32x4_t c20 = zero, c21 = zero, c22 = zero, c23 = zero, c30 = zero, c31 = zero, c32 = zero, c33 = zero;
    const int8_t *a0 = a, *a1 = a + astride, *a2 = a + 2 * astride, *a3 = a + 3 * astride;
    for (int64_t u = 0; u < units; u++) {
#if defined(__ARM_FEATURE_DOTPROD)
        const int8x16_t b0 = vld1q_s8(b), b1 = vld1q_s8(b + 16), b2 = vld1q_s8(b + 32), b3 = vld1q_s8(b + 48);
#define ROW(r)                                                                                                         \
    if (mr > r) {                                                                                                      \
        int32_t unit;                                                                                                  \
        __builtin_memcpy(&unit, a##r + 4 * u, sizeof unit);                                                            \
        const int8x16_t ar = vreinterpretq_s8_s32(vdupq_n_s32(unit));                                                  \
        c##r##0 = vdotq_s32(c##r##0, b0, ar);                                                                          \
        c##r##1 = vdotq_s32(c##r##1, b1, ar);                                                                          \
        c##r##2 = vdotq_s32(c##r##2, b2, ar);                                                                          \
        c##r##3 = vdotq_s32(c##r##3, b3, ar);                                                                          \
    }
#else
        const int8x16_t b0 = vld1q_s8(b), b1 = vld1q_s8(b + 16);
#define ROW(r)                                                                                                         \
    if (mr > r) {                                                                                                      \
        int16_t unit;                                                                                                  \
        __builtin_memcpy(&unit, a##r + 2 * u, sizeof unit);                                                            \
        const int8x16_t ar = vreinterpretq_s8_s16(vdupq_n_s16(unit));                                                  \
        c##r##0 = vpadalq_s16(c##r##0, vmull_s8(vget_low_s8(b0), vget_low_s8(ar)));                                   \
        c##r##1 = vpadalq_s16(c##r##1, vmull_high_s8(b0, ar));                                                         \
        c##r##2 = vpadalq_s16(c##r##2, vmull_s8(vget_low_s8(b1), vget_low_s8(ar)));                                   \
        c##r##3 = vpadalq_s16(c##r##3, vmull_high_s8(b1, ar));                                                         \
    }
#endif
        ROW(0)
        ROW(1)
        ROW(2)
        ROW(3)
#undef ROW
        b += UNIT_BYTES;
    }
    const uint32_t *zb = e->zb_neg ? e->zb_neg + j0 : NULL;
    const uint32_t *ct = e->colterm + j0;
#define STORE(r)                                                                                                       \
    if (mr > r) {                                                                                                      \
        const uint32_t rt = e->correct && zb ? e->row_term[r] : 0;                                                     \
        int32_t *cr = c + r * ldc;                                                                                     \
        finish(c##r##0, cr, w, ct, zb, rt, e);                                                                         \
        if (w > 4) finish(c##r##1, cr + 4, w - 4, ct + 4, zb ? zb + 4 : NULL, rt, e);                                  \
        if (w > 8) finish(c##r##2, cr + 8, w - 8, ct + 8, zb ? zb + 8 : NULL, rt, e);                                  \
        if (w > 12) finish(c##r##3, cr + 12, w - 12, ct + 12, zb ? zb + 12 : NULL, rt, e);                             \
    }
    STORE(0)
    STORE(1)
    STORE(2)
    STORE(3)
#undef STORE
}

QG_INLINE void panel_rows(const int mr, int64_t nb, int64_t kbp, const int8_t *a, int64_t astride, const int8_t *b,
                          int32_t *c, int64_t ldc, const qcc_qgemm_epilogue *e) {
    const int64_t units = kbp / KQ;
    for (int64_t j = 0; j < nb; j += NR) {
        const int64_t w = nb - j < NR ? nb - j : NR;
        tile(mr, units, a, astride, b + (j / NR) * units * UNIT_BYTES, c + j, ldc, w, e, j);
    }
}

static void panel(int64_t mr, int64_t nb, int64_t kbp, const void *a, int64_t astride, const void *b, int32_t *c,
                  int64_t ldc, const qcc_qgemm_epilogue *e) {
    const int8_t *ap = (const int8_t *)a, *bp = (const int8_t *)b;
    switch (mr) {
    case 1: panel_rows(1, nb, kbp, ap, astride, bp, c, ldc, e); break;
    case 2: panel_rows(2, nb, kbp, ap, astride, bp, c, ldc, e); break;
    case 3: panel_rows(3, nb, kbp, ap, astride, bp, c, ldc, e); break;
    case 4: panel_rows(4, nb, kbp, ap, astride, bp, c, ldc, e); break;
    default: break;
    }
}

typedef char qg_neon_cases_cover_mr[MR == 4 ? 1 : -1];

/* a' = a for i8, a - 128 for u8 (xor 0x80); likewise b'. */
const qcc_qgemm_kernels qcc_qgemm_kernels_neon = {
#if defined(__ARM_FEATURE_DOTPROD)
    QCC_QGEMM_PATH_NEON_SDOT,
#else
    QCC_QGEMM_PATH_NEON_SMULL,
#endif
    MR, NR, KQ, 1, {0, -128}, {0, -128}, pack_b, pack_a, panel, NULL};

#else
/* ISO C forbids an empty translation unit. */
typedef int qcc_quant_gemm_neon_unused;
#endif
