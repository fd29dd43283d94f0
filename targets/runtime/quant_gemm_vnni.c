/*
 * VNNI micro-kernels of the integer GEMM (quant_gemm_internal.h): vpdpbusd
 * adds the four products u8 x s8 of each 32-bit lane pair (k = 4s .. 4s+3)
 * directly into an int32 accumulator, with no 16-bit intermediate:
 * |sum| <= 4 * 255 * 128 = 130560, and the accumulation wraps (vpdpbusd, not
 * the saturating vpdpbusds), so the result is the exact sum modulo 2^32 for
 * any 8-bit operands. Two kernel sets, chosen at run time:
 *
 *   avx512-vnni (AVX512F/BW/VL + AVX512_VNNI): 512-bit zmm, tile 8 rows x 48
 *     columns (24 accumulators + 3 B + 1 broadcast of the 32 zmm);
 *   avx-vnni (AVX2 + AVX-VNNI, VEX vpdpbusd): 256-bit ymm, tile 6 rows x 16
 *     columns (12 accumulators + 2 B + 1 broadcast of the 16 ymm).
 *
 * Operands as for the AVX2 u8s8 path: a' = a + 128 for i8 a (the byte xor
 * 0x80), a for u8 a: 0..255; b' = b for i8 b, b - 128 for u8 b: -128..127.
 * The driver folds the shifts and zero points in through the row and column
 * sums taken here while packing.
 *
 * The functions are compiled with target attributes and used only after
 * qcc_qgemm_vnni_kernels found the instructions (__builtin_cpu_supports /
 * cpuid), so no -m flag is needed, with or without QCC_NO_TARGET_CLONES.
 *
 * Packed layouts (a "unit" = 4 consecutive k):
 *   B: panels of up to 48 (zmm) / 16 (ymm) columns, the last panel of a
 *      block only as wide as its columns need (a multiple of 16); a panel is
 *      kbp / 4 units of 4 * width bytes, a unit being groups of 16 columns
 *      [0..15][16..31][32..47], each column's 4 values b'[t..t+3, j]
 *      consecutive: one 64-byte group is a zmm (or two ymm) of 16 int32 lanes.
 *   A: the panel's rows as a' bytes, row r at a + r * astride, zero-padded;
 *      a row's unit is 4 bytes broadcast to every lane (vpbroadcastd).
 * One row (gemv_512, gemv_256) reads B in place and interleaves it in
 * registers instead.
 */
#include "quant_gemm_internal.h"

#if QCC_QGEMM_VNNI
#include <cpuid.h>
#include <immintrin.h>
#include <string.h>

#define T512 "avx512f,avx512bw,avx512vl,avx512vnni,avx2"
#define T256 "avx2,avxvnni"
#define QV512 __attribute__((target(T512)))
#define QV256 __attribute__((target(T256)))
#define QV512_INLINE static inline __attribute__((always_inline, target(T512)))
#define QV256_INLINE static inline __attribute__((always_inline, target(T256)))
/* SSE2 helpers (the x86-64 baseline), inlined into either set. */
#define QV_INLINE static inline __attribute__((always_inline))

#define NR512 48
#define MR512 8
#define NR256 16
#define MR256 6

typedef char qv_mr_fits[MR512 <= QCC_QGEMM_MR_MAX && MR256 <= QCC_QGEMM_MR_MAX &&
                                QCC_QGEMM_NC_MAX % NR512 == 0 && QCC_QGEMM_NC_MAX % NR256 == 0
                            ? 1
                            : -1];

/* ------------------------------------------------------------------------ */
/* Shared packing helpers                                                   */
/* ------------------------------------------------------------------------ */

/* 16 bytes at p, of which only the first w (0..16) are read; the rest 0. */
QV_INLINE __m128i load16(const uint8_t *p, int64_t w) {
    if (w >= 16) return _mm_loadu_si128((const __m128i *)p);
    uint8_t tmp[16] = {0};
    if (w > 0) memcpy(tmp, p, (size_t)w);
    return _mm_loadu_si128((const __m128i *)tmp);
}

/* Row t of the B block as 16 columns from j (w real), xor `flip`; zero past kb and past the w columns. */
QV_INLINE __m128i b_row(const uint8_t *b, int64_t ldb, int64_t t, int64_t kb, int64_t j, int64_t w, __m128i flip) {
    static const int8_t ones[32] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
    if (t >= kb) return _mm_setzero_si128();
    const __m128i x = _mm_xor_si128(load16(b + t * ldb + j, w), flip);
    return w >= 16 ? x : _mm_and_si128(x, _mm_loadu_si128((const __m128i *)(ones + 16 - w)));
}

/*
 * Rows t..t+3 of 16 columns from j, transposed: q[0..3] hold columns 0..3,
 * 4..7, 8..11, 12..15, each column's 4 bytes consecutive.
 */
QV_INLINE void unit16(const uint8_t *b, int64_t ldb, int64_t t, int64_t kb, int64_t j, int64_t w, __m128i flip,
                      __m128i q[4]) {
    const __m128i x0 = b_row(b, ldb, t, kb, j, w, flip), x1 = b_row(b, ldb, t + 1, kb, j, w, flip);
    const __m128i x2 = b_row(b, ldb, t + 2, kb, j, w, flip), x3 = b_row(b, ldb, t + 3, kb, j, w, flip);
    const __m128i lo01 = _mm_unpacklo_epi8(x0, x1), hi01 = _mm_unpackhi_epi8(x0, x1);
    const __m128i lo23 = _mm_unpacklo_epi8(x2, x3), hi23 = _mm_unpackhi_epi8(x2, x3);
    q[0] = _mm_unpacklo_epi16(lo01, lo23);
    q[1] = _mm_unpackhi_epi16(lo01, lo23);
    q[2] = _mm_unpacklo_epi16(hi01, hi23);
    q[3] = _mm_unpackhi_epi16(hi01, hi23);
}

/*
 * a'[t .. t+3] of the GEMV's row as one int32 to broadcast (little-endian:
 * a'[t + i] is byte i), zero past k; a_flip = 0x80808080 for i8 a, else 0.
 */
QV_INLINE int32_t a_quad(const uint8_t *a, int64_t t, int64_t k, uint32_t a_flip) {
    uint32_t v = 0;
    if (k - t >= 4) {
        memcpy(&v, a + t, 4);
    } else {
        uint8_t bytes[4] = {0, 0, 0, 0};
        memcpy(bytes, a + t, (size_t)(k - t));
        memcpy(&v, bytes, 4);
        a_flip &= k - t == 1 ? 0xFFu : k - t == 2 ? 0xFFFFu : 0xFFFFFFu;
    }
    return (int32_t)(v ^ a_flip);
}

/* ------------------------------------------------------------------------ */
/* AVX512-VNNI                                                              */
/* ------------------------------------------------------------------------ */

/* One row of up to 64 bytes (mask m), xor 0x80 when flip_b; zero when not present. */
QV512_INLINE __m512i load_row_512(const uint8_t *p, int present, __mmask64 m, int flip_b) {
    if (!present) return _mm512_setzero_si512();
    const __m512i x = _mm512_maskz_loadu_epi8(m, p);
    return flip_b ? _mm512_xor_si512(x, _mm512_set1_epi8((char)0x80)) : x;
}

/*
 * Rows t..t+3 of up to 64 columns (mask: the real ones) interleaved into the
 * vpdpbusd layout, in column order: out[G] holds columns 16 G .. 16 G + 15,
 * each one's 4 bytes consecutive. Rows at or past kb (rows <= t) are zero.
 * The unpacks work within 128-bit lanes (q[g] lane i of 128-bit lane L is
 * column 16 L + 4 g + i); a 4 x 4 transpose of those lanes puts them back.
 */
QV512_INLINE void quad_512(const uint8_t *b, int64_t ldb, int64_t rows, __mmask64 m, int flip_b, __m512i out[4]) {
    const __m512i x0 = load_row_512(b, rows > 0, m, flip_b), x1 = load_row_512(b + ldb, rows > 1, m, flip_b);
    const __m512i x2 = load_row_512(b + 2 * ldb, rows > 2, m, flip_b), x3 = load_row_512(b + 3 * ldb, rows > 3, m, flip_b);
    const __m512i lo01 = _mm512_unpacklo_epi8(x0, x1), hi01 = _mm512_unpackhi_epi8(x0, x1);
    const __m512i lo23 = _mm512_unpacklo_epi8(x2, x3), hi23 = _mm512_unpackhi_epi8(x2, x3);
    const __m512i q0 = _mm512_unpacklo_epi16(lo01, lo23), q1 = _mm512_unpackhi_epi16(lo01, lo23);
    const __m512i q2 = _mm512_unpacklo_epi16(hi01, hi23), q3 = _mm512_unpackhi_epi16(hi01, hi23);
    const __m512i t0 = _mm512_shuffle_i32x4(q0, q1, _MM_SHUFFLE(1, 0, 1, 0));
    const __m512i t1 = _mm512_shuffle_i32x4(q2, q3, _MM_SHUFFLE(1, 0, 1, 0));
    const __m512i t2 = _mm512_shuffle_i32x4(q0, q1, _MM_SHUFFLE(3, 2, 3, 2));
    const __m512i t3 = _mm512_shuffle_i32x4(q2, q3, _MM_SHUFFLE(3, 2, 3, 2));
    out[0] = _mm512_shuffle_i32x4(t0, t1, _MM_SHUFFLE(2, 0, 2, 0));
    out[1] = _mm512_shuffle_i32x4(t0, t1, _MM_SHUFFLE(3, 1, 3, 1));
    out[2] = _mm512_shuffle_i32x4(t2, t3, _MM_SHUFFLE(2, 0, 2, 0));
    out[3] = _mm512_shuffle_i32x4(t2, t3, _MM_SHUFFLE(3, 1, 3, 1));
}

/* One panel of pw (16, 32 or 48) columns, w of them real, from column j (flip_b: a constant in each inlined copy). */
QV512_INLINE void pack_panel_512(const int flip_b, const uint8_t *b, int64_t ldb, int64_t kb, int64_t j, int64_t pw,
                                 int64_t w, uint8_t *out, uint32_t *colsum) {
    const __m512i ones8 = _mm512_set1_epi8(1), z = _mm512_setzero_si512();
    const __mmask64 m = ((__mmask64)1 << w) - 1; /* w <= 48 */
    const int64_t kbp = (kb + 3) / 4 * 4;
    __m512i cs0 = z, cs1 = z, cs2 = z;
    for (int64_t t = 0; t < kbp; t += 4, out += pw * 4) {
        __m512i g[4];
        quad_512(b + t * ldb + j, ldb, kb - t, m, flip_b, g);
        _mm512_storeu_si512((void *)out, g[0]);
        if (pw > 16) _mm512_storeu_si512((void *)(out + 64), g[1]);
        if (pw > 32) _mm512_storeu_si512((void *)(out + 128), g[2]);
        if (colsum) {
            cs0 = _mm512_dpbusd_epi32(cs0, ones8, g[0]);
            cs1 = _mm512_dpbusd_epi32(cs1, ones8, g[1]);
            cs2 = _mm512_dpbusd_epi32(cs2, ones8, g[2]);
        }
    }
    if (colsum) {
        uint32_t tmp[48];
        _mm512_storeu_si512((void *)tmp, cs0);
        _mm512_storeu_si512((void *)(tmp + 16), cs1);
        _mm512_storeu_si512((void *)(tmp + 32), cs2);
        for (int64_t c = 0; c < w; c++) colsum[j + c] += tmp[c];
    }
}

/*
 * B block -> panels of 48 columns (quant_gemm_internal.h's pack_b): each
 * panel's 4 rows at a time with 64-byte loads, interleaved in registers
 * (quad_512).
 */
static QV512 void pack_b_512(const uint8_t *b, int64_t ldb, int u8, int64_t kb, int64_t nb, void *dst,
                             uint32_t *colsum) {
    uint8_t *out = (uint8_t *)dst;
    const int64_t kbp = (kb + 3) / 4 * 4;
    for (int64_t j = 0; j < nb; j += NR512) {
        const int64_t w = nb - j < NR512 ? nb - j : NR512;
        const int64_t pw = (w + 15) / 16 * 16; /* this panel's width */
        if (u8)
            pack_panel_512(1, b, ldb, kb, j, pw, w, out, colsum);
        else
            pack_panel_512(0, b, ldb, kb, j, pw, w, out, colsum);
        out += kbp * pw;
    }
}

static QV512 void pack_a_512(const uint8_t *a, int64_t lda, int u8, int64_t mr, int64_t kb, int64_t kbp, void *dst,
                             int64_t astride, uint32_t *rowsum) {
    const __m512i flip = _mm512_set1_epi8(u8 ? 0 : (char)0x80), zero = _mm512_setzero_si512();
    for (int64_t r = 0; r < mr; r++) {
        const uint8_t *src = a + r * lda;
        uint8_t *out = (uint8_t *)dst + r * astride;
        __m512i sum = zero;
        for (int64_t t = 0; t < kbp; t += 64) {
            const int64_t w = kb - t;
            const __mmask64 m = w >= 64 ? ~(__mmask64)0 : w > 0 ? ((__mmask64)1 << w) - 1 : 0;
            /* Padding bytes stay 0 (a' = 0 adds nothing to the products or the sum). */
            const __m512i x = _mm512_maskz_mov_epi8(m, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, src + t), flip));
            _mm512_storeu_si512((void *)(out + t), x);
            sum = _mm512_add_epi64(sum, _mm512_sad_epu8(x, zero));
        }
        if (rowsum) rowsum[r] += (uint32_t)_mm512_reduce_add_epi64(sum);
    }
}

/* Finishes 16 columns (the first `cols` real) of a row and stores them. */
QV512_INLINE void finish_512(__m512i v, int32_t *c, int64_t cols, const uint32_t *colterm, const uint32_t *zb_neg,
                             uint32_t row_term, const qcc_qgemm_epilogue *e) {
    const __mmask16 m = cols >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cols) - 1);
    if (e->add_c) v = _mm512_add_epi32(v, _mm512_maskz_loadu_epi32(m, c));
    if (e->correct) {
        v = _mm512_add_epi32(v, _mm512_loadu_si512((const void *)colterm));
        if (zb_neg)
            v = _mm512_add_epi32(v, _mm512_mullo_epi32(_mm512_loadu_si512((const void *)zb_neg),
                                                       _mm512_set1_epi32((int32_t)row_term)));
    }
    _mm512_mask_storeu_epi32(c, m, v);
}

QV512_INLINE __m512i bcast_512(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, sizeof v);
    return _mm512_set1_epi32(v);
}

/*
 * One mr x (16 * nv) tile over `units` units (mr, nv constants in each
 * inlined copy); w = real columns (1..48). Named accumulators, so that they
 * stay in registers.
 */
QV512_INLINE void tile_512(const int mr, const int nv, int64_t units, const uint8_t *a, int64_t astride,
                           const uint8_t *b, int32_t *c, int64_t ldc, int64_t w, const uint32_t *colterm,
                           const uint32_t *zb_neg, const uint32_t *row_term, const qcc_qgemm_epilogue *e) {
    const __m512i z = _mm512_setzero_si512();
    __m512i c00 = z, c01 = z, c02 = z, c10 = z, c11 = z, c12 = z, c20 = z, c21 = z, c22 = z, c30 = z, c31 = z, c32 = z;
    __m512i c40 = z, c41 = z, c42 = z, c50 = z, c51 = z, c52 = z, c60 = z, c61 = z, c62 = z, c70 = z, c71 = z, c72 = z;
    const uint8_t *a0 = a, *a1 = a + astride, *a2 = a + 2 * astride, *a3 = a + 3 * astride;
    const uint8_t *a4 = a + 4 * astride, *a5 = a + 5 * astride, *a6 = a + 6 * astride, *a7 = a + 7 * astride;
    for (int64_t u = 0; u < units; u++) {
        const __m512i b0 = _mm512_loadu_si512((const void *)b);
        const __m512i b1 = nv >= 2 ? _mm512_loadu_si512((const void *)(b + 64)) : b0;
        const __m512i b2 = nv >= 3 ? _mm512_loadu_si512((const void *)(b + 128)) : b0;
#define ROW(r)                                                                                                         \
    if (mr > r) {                                                                                                      \
        const __m512i ar = bcast_512(a##r + 4 * u);                                                                    \
        c##r##0 = _mm512_dpbusd_epi32(c##r##0, ar, b0);                                                                \
        if (nv >= 2) c##r##1 = _mm512_dpbusd_epi32(c##r##1, ar, b1);                                                   \
        if (nv >= 3) c##r##2 = _mm512_dpbusd_epi32(c##r##2, ar, b2);                                                   \
    }
        ROW(0)
        ROW(1)
        ROW(2)
        ROW(3)
        ROW(4)
        ROW(5)
        ROW(6)
        ROW(7)
#undef ROW
        b += 64 * nv;
    }
    const int rows = e->correct && zb_neg;
#define STORE(r)                                                                                                       \
    if (mr > r) {                                                                                                      \
        const uint32_t rt = rows ? row_term[r] : 0;                                                                    \
        int32_t *cr = c + r * ldc;                                                                                     \
        finish_512(c##r##0, cr, w, colterm, zb_neg, rt, e);                                                            \
        if (nv >= 2) finish_512(c##r##1, cr + 16, w - 16, colterm + 16, zb_neg ? zb_neg + 16 : NULL, rt, e);           \
        if (nv >= 3) finish_512(c##r##2, cr + 32, w - 32, colterm + 32, zb_neg ? zb_neg + 32 : NULL, rt, e);           \
    }
    STORE(0)
    STORE(1)
    STORE(2)
    STORE(3)
    STORE(4)
    STORE(5)
    STORE(6)
    STORE(7)
#undef STORE
}

/* Every panel of the packed B block for one A panel of mr rows. */
QV512_INLINE void panel_rows_512(const int mr, int64_t nb, int64_t kbp, const uint8_t *a, int64_t astride,
                                 const uint8_t *b, int32_t *c, int64_t ldc, const qcc_qgemm_epilogue *e) {
    const int64_t units = kbp / 4;
    for (int64_t j = 0; j < nb; j += NR512) {
        const int64_t w = nb - j < NR512 ? nb - j : NR512;
        const uint8_t *bp = b + j * kbp; /* the panels before are full: 48 columns x kbp bytes each */
        const uint32_t *zb = e->zb_neg ? e->zb_neg + j : NULL;
        if (w > 32)
            tile_512(mr, 3, units, a, astride, bp, c + j, ldc, w, e->colterm + j, zb, e->row_term, e);
        else if (w > 16)
            tile_512(mr, 2, units, a, astride, bp, c + j, ldc, w, e->colterm + j, zb, e->row_term, e);
        else
            tile_512(mr, 1, units, a, astride, bp, c + j, ldc, w, e->colterm + j, zb, e->row_term, e);
    }
}

#define PANEL_CASE_512(r)                                                                                              \
    case r: panel_rows_512(r, nb, kbp, (const uint8_t *)a, astride, (const uint8_t *)b, c, ldc, e); break;

static QV512 void panel_512(int64_t mr, int64_t nb, int64_t kbp, const void *a, int64_t astride, const void *b,
                            int32_t *c, int64_t ldc, const qcc_qgemm_epilogue *e) {
    switch (mr) {
        PANEL_CASE_512(1)
        PANEL_CASE_512(2)
        PANEL_CASE_512(3)
        PANEL_CASE_512(4)
        PANEL_CASE_512(5)
        PANEL_CASE_512(6)
        PANEL_CASE_512(7)
        PANEL_CASE_512(8)
    default: break;
    }
}

typedef char qv_cases_cover_mr512[MR512 == 8 ? 1 : -1];

/*
 * GEMV (quant_gemm_internal.h): one row of A against B read in place, with
 * no packing. Strips of 64 columns; every 4 rows of a strip are loaded (64
 * bytes each, masked at the strip's end) and interleaved in registers into
 * the vpdpbusd layout: after the byte and word unpacks, int32 lane i of
 * 128-bit lane L of q[g] holds the 4 values of column 16 L + 4 g + i
 * (unpacks work within 128-bit lanes), put back in order by a 4 x 4
 * transpose of 128-bit lanes at the end. Rows past k are zero and so is a'
 * there, so they add nothing. sum_t (a' - za') b' is taken as
 * sum_t a' b' - za' sum_t b', the column sums by vpdpbusd with ones.
 */

/* Finishes 16 columns (the first `cols` real) of the one-row product and stores them (qcc_qgemv_epilogue). */
QV512_INLINE void finish_gemv_512(__m512i v, int32_t *c, int64_t j, int64_t cols, const qcc_qgemv_epilogue *e) {
    if (cols <= 0) return;
    const __mmask16 m = cols >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cols) - 1);
    if (e->bias) v = _mm512_add_epi32(v, _mm512_maskz_loadu_epi32(m, e->bias + j));
    __m512i zb = _mm512_set1_epi32((int32_t)e->zb_add);
    if (e->zb) zb = _mm512_add_epi32(zb, _mm512_maskz_loadu_epi32(m, e->zb + j));
    v = _mm512_sub_epi32(v, _mm512_mullo_epi32(zb, _mm512_set1_epi32((int32_t)e->row_term)));
    _mm512_mask_storeu_epi32(c + j, m, v);
}

/*
 * One strip of w (1..64) columns from column j (flip_b, sums: constants in
 * each inlined copy). Named accumulators, so that they stay in registers.
 */
QV512_INLINE void gemv_strip_512(const int flip_b, const int sums, int64_t k, const uint8_t *a, uint32_t a_flip,
                                 const uint8_t *b, int64_t ldb, int64_t j, int64_t w, const qcc_qgemv_epilogue *e,
                                 int32_t *c) {
    const __m512i z = _mm512_setzero_si512(), ones8 = _mm512_set1_epi8(1);
    const __mmask64 m = w >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << w) - 1;
    __m512i c0 = z, c1 = z, c2 = z, c3 = z, s0 = z, s1 = z, s2 = z, s3 = z;
    b += j;
    for (int64_t t = 0; t < k; t += 4, b += 4 * ldb) {
        const int64_t rows = k - t;
        const __m512i av = _mm512_set1_epi32(a_quad(a, t, k, a_flip));
        const __m512i x0 = load_row_512(b, 1, m, flip_b), x1 = load_row_512(b + ldb, rows > 1, m, flip_b);
        const __m512i x2 = load_row_512(b + 2 * ldb, rows > 2, m, flip_b);
        const __m512i x3 = load_row_512(b + 3 * ldb, rows > 3, m, flip_b);
        const __m512i lo01 = _mm512_unpacklo_epi8(x0, x1), hi01 = _mm512_unpackhi_epi8(x0, x1);
        const __m512i lo23 = _mm512_unpacklo_epi8(x2, x3), hi23 = _mm512_unpackhi_epi8(x2, x3);
        const __m512i q0 = _mm512_unpacklo_epi16(lo01, lo23), q1 = _mm512_unpackhi_epi16(lo01, lo23);
        const __m512i q2 = _mm512_unpacklo_epi16(hi01, hi23), q3 = _mm512_unpackhi_epi16(hi01, hi23);
        c0 = _mm512_dpbusd_epi32(c0, av, q0);
        c1 = _mm512_dpbusd_epi32(c1, av, q1);
        c2 = _mm512_dpbusd_epi32(c2, av, q2);
        c3 = _mm512_dpbusd_epi32(c3, av, q3);
        if (sums) {
            s0 = _mm512_dpbusd_epi32(s0, ones8, q0);
            s1 = _mm512_dpbusd_epi32(s1, ones8, q1);
            s2 = _mm512_dpbusd_epi32(s2, ones8, q2);
            s3 = _mm512_dpbusd_epi32(s3, ones8, q3);
        }
    }
    if (sums) {
        const __m512i za = _mm512_set1_epi32((int32_t)e->za);
        c0 = _mm512_sub_epi32(c0, _mm512_mullo_epi32(za, s0));
        c1 = _mm512_sub_epi32(c1, _mm512_mullo_epi32(za, s1));
        c2 = _mm512_sub_epi32(c2, _mm512_mullo_epi32(za, s2));
        c3 = _mm512_sub_epi32(c3, _mm512_mullo_epi32(za, s3));
    }
    /* Transpose the 128-bit lanes: output L = lane L of c0, c1, c2, c3 (columns 16 L .. 16 L + 15). */
    const __m512i t0 = _mm512_shuffle_i32x4(c0, c1, _MM_SHUFFLE(1, 0, 1, 0));
    const __m512i t1 = _mm512_shuffle_i32x4(c2, c3, _MM_SHUFFLE(1, 0, 1, 0));
    const __m512i t2 = _mm512_shuffle_i32x4(c0, c1, _MM_SHUFFLE(3, 2, 3, 2));
    const __m512i t3 = _mm512_shuffle_i32x4(c2, c3, _MM_SHUFFLE(3, 2, 3, 2));
    finish_gemv_512(_mm512_shuffle_i32x4(t0, t1, _MM_SHUFFLE(2, 0, 2, 0)), c, j, w, e);
    finish_gemv_512(_mm512_shuffle_i32x4(t0, t1, _MM_SHUFFLE(3, 1, 3, 1)), c, j + 16, w - 16, e);
    finish_gemv_512(_mm512_shuffle_i32x4(t2, t3, _MM_SHUFFLE(2, 0, 2, 0)), c, j + 32, w - 32, e);
    finish_gemv_512(_mm512_shuffle_i32x4(t2, t3, _MM_SHUFFLE(3, 1, 3, 1)), c, j + 48, w - 48, e);
}

#define GEMV_STRIP_512(flip_b, sums) gemv_strip_512(flip_b, sums, k, a, a_flip, b, ldb, j, w, e, c)

static QV512 void gemv_512(int64_t n, int64_t k, const uint8_t *a, int a_u8, const uint8_t *b, int64_t ldb, int b_u8,
                           const qcc_qgemv_epilogue *e, int32_t *c) {
    const uint32_t a_flip = a_u8 ? 0 : 0x80808080u;
    /* When every row starts at the same offset in a cache line, a narrower first strip aligns the other loads. */
    const int64_t head = ldb % 64 == 0 ? (int64_t)((64 - ((uintptr_t)b & 63)) & 63) : 0;
    for (int64_t j = 0, w; j < n; j += w) {
        w = j == 0 && head > 0 ? head : 64;
        if (w > n - j) w = n - j;
        if (b_u8) {
            if (e->za) GEMV_STRIP_512(1, 1); else GEMV_STRIP_512(1, 0);
        } else {
            if (e->za) GEMV_STRIP_512(0, 1); else GEMV_STRIP_512(0, 0);
        }
    }
}

#undef GEMV_STRIP_512

static const qcc_qgemm_kernels kernels_avx512_vnni = {
    QCC_QGEMM_PATH_AVX512_VNNI, MR512, NR512, 4, 1, {128, 0}, {0, -128}, pack_b_512, pack_a_512, panel_512, gemv_512};

/* ------------------------------------------------------------------------ */
/* AVX-VNNI (256-bit, VEX)                                                  */
/* ------------------------------------------------------------------------ */

static QV256 void pack_b_256(const uint8_t *b, int64_t ldb, int u8, int64_t kb, int64_t nb, void *dst,
                             uint32_t *colsum) {
    const __m128i flip = _mm_set1_epi8(u8 ? (char)0x80 : 0);
    const __m256i ones8 = _mm256_set1_epi8(1);
    uint8_t *out = (uint8_t *)dst;
    const int64_t kbp = (kb + 3) / 4 * 4;
    for (int64_t j = 0; j < nb; j += NR256) {
        const int64_t w = nb - j < NR256 ? nb - j : NR256;
        __m256i cs0 = _mm256_setzero_si256(), cs1 = _mm256_setzero_si256();
        for (int64_t t = 0; t < kbp; t += 4, out += 64) {
            __m128i q[4];
            unit16(b, ldb, t, kb, j, w, flip, q);
            const __m256i y0 = _mm256_set_m128i(q[1], q[0]), y1 = _mm256_set_m128i(q[3], q[2]);
            _mm256_storeu_si256((__m256i *)out, y0);
            _mm256_storeu_si256((__m256i *)(out + 32), y1);
            if (colsum) {
                cs0 = _mm256_dpbusd_avx_epi32(cs0, ones8, y0);
                cs1 = _mm256_dpbusd_avx_epi32(cs1, ones8, y1);
            }
        }
        if (colsum) {
            uint32_t tmp[16];
            _mm256_storeu_si256((__m256i *)tmp, cs0);
            _mm256_storeu_si256((__m256i *)(tmp + 8), cs1);
            for (int64_t c = 0; c < w; c++) colsum[j + c] += tmp[c];
        }
    }
}

/* 32 bytes at p, of which only the first w (0..32) are read; the rest 0. */
QV256_INLINE __m256i load32(const uint8_t *p, int64_t w) {
    if (w >= 32) return _mm256_loadu_si256((const __m256i *)p);
    uint8_t tmp[32] = {0};
    if (w > 0) memcpy(tmp, p, (size_t)w);
    return _mm256_loadu_si256((const __m256i *)tmp);
}

static QV256 void pack_a_256(const uint8_t *a, int64_t lda, int u8, int64_t mr, int64_t kb, int64_t kbp, void *dst,
                             int64_t astride, uint32_t *rowsum) {
    static const int8_t ones[64] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
    const __m256i flip = _mm256_set1_epi8(u8 ? 0 : (char)0x80), zero = _mm256_setzero_si256();
    for (int64_t r = 0; r < mr; r++) {
        const uint8_t *src = a + r * lda;
        uint8_t *out = (uint8_t *)dst + r * astride;
        __m256i sum = zero;
        for (int64_t t = 0; t < kbp; t += 32) {
            const int64_t w = kb - t;
            __m256i x = _mm256_xor_si256(load32(src + t, w), flip);
            if (w < 32) x = _mm256_and_si256(x, _mm256_loadu_si256((const __m256i *)(ones + 32 - (w > 0 ? w : 0))));
            _mm256_storeu_si256((__m256i *)(out + t), x);
            sum = _mm256_add_epi64(sum, _mm256_sad_epu8(x, zero));
        }
        if (rowsum) {
            /* The 64-bit lanes' low halves: sums < 2^32. */
            __m128i s = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
            s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
            rowsum[r] += (uint32_t)_mm_cvtsi128_si32(s);
        }
    }
}

/* The first `count` (0..8) int32 lanes set. */
QV256_INLINE __m256i lanes(int64_t count) {
    static const int32_t table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(table + 8 - count));
}

QV256_INLINE void finish_256(__m256i v, int32_t *c, int64_t cols, const uint32_t *colterm, const uint32_t *zb_neg,
                             uint32_t row_term, const qcc_qgemm_epilogue *e) {
    const __m256i mask = lanes(cols < 8 ? cols : 8);
    if (e->add_c)
        v = _mm256_add_epi32(v, cols >= 8 ? _mm256_loadu_si256((const __m256i *)c) : _mm256_maskload_epi32(c, mask));
    if (e->correct) {
        v = _mm256_add_epi32(v, _mm256_loadu_si256((const __m256i *)colterm));
        if (zb_neg)
            v = _mm256_add_epi32(v, _mm256_mullo_epi32(_mm256_loadu_si256((const __m256i *)zb_neg),
                                                       _mm256_set1_epi32((int32_t)row_term)));
    }
    if (cols >= 8)
        _mm256_storeu_si256((__m256i *)c, v);
    else
        _mm256_maskstore_epi32(c, mask, v);
}

QV256_INLINE __m256i bcast_256(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, sizeof v);
    return _mm256_set1_epi32(v);
}

QV256_INLINE void tile_256(const int mr, const int nv, int64_t units, const uint8_t *a, int64_t astride,
                           const uint8_t *b, int32_t *c, int64_t ldc, int64_t w, const uint32_t *colterm,
                           const uint32_t *zb_neg, const uint32_t *row_term, const qcc_qgemm_epilogue *e) {
    const __m256i z = _mm256_setzero_si256();
    __m256i c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
    const uint8_t *a0 = a, *a1 = a + astride, *a2 = a + 2 * astride, *a3 = a + 3 * astride;
    const uint8_t *a4 = a + 4 * astride, *a5 = a + 5 * astride;
    for (int64_t u = 0; u < units; u++) {
        const __m256i b0 = _mm256_loadu_si256((const __m256i *)b);
        const __m256i b1 = nv == 2 ? _mm256_loadu_si256((const __m256i *)(b + 32)) : b0;
#define ROW(r)                                                                                                         \
    if (mr > r) {                                                                                                      \
        const __m256i ar = bcast_256(a##r + 4 * u);                                                                    \
        c##r##0 = _mm256_dpbusd_avx_epi32(c##r##0, ar, b0);                                                            \
        if (nv == 2) c##r##1 = _mm256_dpbusd_avx_epi32(c##r##1, ar, b1);                                               \
    }
        ROW(0)
        ROW(1)
        ROW(2)
        ROW(3)
        ROW(4)
        ROW(5)
#undef ROW
        b += 64;
    }
    const int rows = e->correct && zb_neg;
#define STORE(r)                                                                                                       \
    if (mr > r) {                                                                                                      \
        const uint32_t rt = rows ? row_term[r] : 0;                                                                    \
        finish_256(c##r##0, c + r * ldc, w, colterm, zb_neg, rt, e);                                                   \
        if (nv == 2) finish_256(c##r##1, c + r * ldc + 8, w - 8, colterm + 8, zb_neg ? zb_neg + 8 : NULL, rt, e);      \
    }
    STORE(0)
    STORE(1)
    STORE(2)
    STORE(3)
    STORE(4)
    STORE(5)
#undef STORE
}

QV256_INLINE void panel_rows_256(const int mr, int64_t nb, int64_t kbp, const uint8_t *a, int64_t astride,
                                 const uint8_t *b, int32_t *c, int64_t ldc, const qcc_qgemm_epilogue *e) {
    const int64_t units = kbp / 4;
    for (int64_t j = 0; j < nb; j += NR256) {
        const int64_t w = nb - j < NR256 ? nb - j : NR256;
        const uint8_t *bp = b + j * kbp;
        const uint32_t *zb = e->zb_neg ? e->zb_neg + j : NULL;
        if (w > 8)
            tile_256(mr, 2, units, a, astride, bp, c + j, ldc, w, e->colterm + j, zb, e->row_term, e);
        else
            tile_256(mr, 1, units, a, astride, bp, c + j, ldc, w, e->colterm + j, zb, e->row_term, e);
    }
}

#define PANEL_CASE_256(r)                                                                                              \
    case r: panel_rows_256(r, nb, kbp, (const uint8_t *)a, astride, (const uint8_t *)b, c, ldc, e); break;

static QV256 void panel_256(int64_t mr, int64_t nb, int64_t kbp, const void *a, int64_t astride, const void *b,
                            int32_t *c, int64_t ldc, const qcc_qgemm_epilogue *e) {
    switch (mr) {
        PANEL_CASE_256(1)
        PANEL_CASE_256(2)
        PANEL_CASE_256(3)
        PANEL_CASE_256(4)
        PANEL_CASE_256(5)
        PANEL_CASE_256(6)
    default: break;
    }
}

typedef char qv_cases_cover_mr256[MR256 == 6 ? 1 : -1];

/*
 * GEMV with ymm, as gemv_512: strips of 32 columns, 4 rows of 32 bytes
 * interleaved by unpacks (q[g] lane i of 128-bit lane L: column
 * 16 L + 4 g + i), put back in order by swapping 128-bit halves.
 */
QV256_INLINE __m256i load_row_256(const uint8_t *p, int present, int64_t w, int flip_b) {
    if (!present) return _mm256_setzero_si256();
    const __m256i x = load32(p, w);
    return flip_b ? _mm256_xor_si256(x, _mm256_set1_epi8((char)0x80)) : x;
}

/* Finishes 8 columns (the first `cols` real) of the one-row product and stores them (qcc_qgemv_epilogue). */
QV256_INLINE void finish_gemv_256(__m256i v, int32_t *c, int64_t j, int64_t cols, const qcc_qgemv_epilogue *e) {
    if (cols <= 0) return;
    const __m256i m = lanes(cols >= 8 ? 8 : cols);
    if (e->bias) v = _mm256_add_epi32(v, _mm256_maskload_epi32(e->bias + j, m));
    __m256i zb = _mm256_set1_epi32((int32_t)e->zb_add);
    if (e->zb) zb = _mm256_add_epi32(zb, _mm256_maskload_epi32(e->zb + j, m));
    v = _mm256_sub_epi32(v, _mm256_mullo_epi32(zb, _mm256_set1_epi32((int32_t)e->row_term)));
    _mm256_maskstore_epi32(c + j, m, v);
}

/* One strip of w (1..32) columns from column j (flip_b, sums: constants in each inlined copy). */
QV256_INLINE void gemv_strip_256(const int flip_b, const int sums, int64_t k, const uint8_t *a, uint32_t a_flip,
                                 const uint8_t *b, int64_t ldb, int64_t j, int64_t w, const qcc_qgemv_epilogue *e,
                                 int32_t *c) {
    const __m256i z = _mm256_setzero_si256(), ones8 = _mm256_set1_epi8(1);
    __m256i c0 = z, c1 = z, c2 = z, c3 = z, s0 = z, s1 = z, s2 = z, s3 = z;
    b += j;
    for (int64_t t = 0; t < k; t += 4, b += 4 * ldb) {
        const int64_t rows = k - t;
        const __m256i av = _mm256_set1_epi32(a_quad(a, t, k, a_flip));
        const __m256i x0 = load_row_256(b, 1, w, flip_b), x1 = load_row_256(b + ldb, rows > 1, w, flip_b);
        const __m256i x2 = load_row_256(b + 2 * ldb, rows > 2, w, flip_b);
        const __m256i x3 = load_row_256(b + 3 * ldb, rows > 3, w, flip_b);
        const __m256i lo01 = _mm256_unpacklo_epi8(x0, x1), hi01 = _mm256_unpackhi_epi8(x0, x1);
        const __m256i lo23 = _mm256_unpacklo_epi8(x2, x3), hi23 = _mm256_unpackhi_epi8(x2, x3);
        const __m256i q0 = _mm256_unpacklo_epi16(lo01, lo23), q1 = _mm256_unpackhi_epi16(lo01, lo23);
        const __m256i q2 = _mm256_unpacklo_epi16(hi01, hi23), q3 = _mm256_unpackhi_epi16(hi01, hi23);
        c0 = _mm256_dpbusd_avx_epi32(c0, av, q0);
        c1 = _mm256_dpbusd_avx_epi32(c1, av, q1);
        c2 = _mm256_dpbusd_avx_epi32(c2, av, q2);
        c3 = _mm256_dpbusd_avx_epi32(c3, av, q3);
        if (sums) {
            s0 = _mm256_dpbusd_avx_epi32(s0, ones8, q0);
            s1 = _mm256_dpbusd_avx_epi32(s1, ones8, q1);
            s2 = _mm256_dpbusd_avx_epi32(s2, ones8, q2);
            s3 = _mm256_dpbusd_avx_epi32(s3, ones8, q3);
        }
    }
    if (sums) {
        const __m256i za = _mm256_set1_epi32((int32_t)e->za);
        c0 = _mm256_sub_epi32(c0, _mm256_mullo_epi32(za, s0));
        c1 = _mm256_sub_epi32(c1, _mm256_mullo_epi32(za, s1));
        c2 = _mm256_sub_epi32(c2, _mm256_mullo_epi32(za, s2));
        c3 = _mm256_sub_epi32(c3, _mm256_mullo_epi32(za, s3));
    }
    finish_gemv_256(_mm256_permute2x128_si256(c0, c1, 0x20), c, j, w, e);
    finish_gemv_256(_mm256_permute2x128_si256(c2, c3, 0x20), c, j + 8, w - 8, e);
    finish_gemv_256(_mm256_permute2x128_si256(c0, c1, 0x31), c, j + 16, w - 16, e);
    finish_gemv_256(_mm256_permute2x128_si256(c2, c3, 0x31), c, j + 24, w - 24, e);
}

#define GEMV_STRIP_256(flip_b, sums) gemv_strip_256(flip_b, sums, k, a, a_flip, b, ldb, j, w, e, c)

static QV256 void gemv_256(int64_t n, int64_t k, const uint8_t *a, int a_u8, const uint8_t *b, int64_t ldb, int b_u8,
                           const qcc_qgemv_epilogue *e, int32_t *c) {
    const uint32_t a_flip = a_u8 ? 0 : 0x80808080u;
    for (int64_t j = 0; j < n; j += 32) {
        const int64_t w = n - j < 32 ? n - j : 32;
        if (b_u8) {
            if (e->za) GEMV_STRIP_256(1, 1); else GEMV_STRIP_256(1, 0);
        } else {
            if (e->za) GEMV_STRIP_256(0, 1); else GEMV_STRIP_256(0, 0);
        }
    }
}

#undef GEMV_STRIP_256

static const qcc_qgemm_kernels kernels_avx_vnni = {
    QCC_QGEMM_PATH_AVX_VNNI, MR256, NR256, 4, 1, {128, 0}, {0, -128}, pack_b_256, pack_a_256, panel_256, gemv_256};

/* ------------------------------------------------------------------------ */
/* Selection                                                                */
/* ------------------------------------------------------------------------ */

/* 1 when cpuid reports AVX-VNNI (leaf 7, sub-leaf 1, eax bit 4) and AVX2 is usable (the OS saves ymm). */
static int cpu_has_avx_vnni(void) {
    unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__builtin_cpu_supports("avx2")) return 0;
    if (__get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    (void)ebx;
    (void)ecx;
    (void)edx;
    return (eax >> 4) & 1;
}

const qcc_qgemm_kernels *qcc_qgemm_vnni_kernels(int max_bits) {
    /* Every thread computes the same value, so a racing first call is harmless. */
    static volatile int state = 0; /* 0 unknown, else 1 + (have 512) * 2 + (have 256) */
    if (state == 0) {
        __builtin_cpu_init();
        const int v512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
        state = 1 + (v512 ? 2 : 0) + (cpu_has_avx_vnni() ? 1 : 0);
    }
    const int s = state - 1;
    if (max_bits >= 512 && (s & 2)) return &kernels_avx512_vnni;
    if (max_bits >= 256 && (s & 1)) return &kernels_avx_vnni;
    return NULL;
}

#else
/* ISO C forbids an empty translation unit. */
typedef int qcc_quant_gemm_vnni_unused;
#endif
