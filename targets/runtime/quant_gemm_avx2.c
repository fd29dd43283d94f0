/*
 * AVX2 micro-kernels of the integer GEMM (quant_gemm_internal.h). Two exact
 * paths for 8-bit operands into int32 (modulo 2^32), chosen per call by the
 * driver:
 *
 * u8s8 (vpmaddubsw + vpmaddwd), the int8 peak of a CPU without VNNI:
 *   a' = a + 128 for i8 a (the byte xor 0x80), a itself for u8 a: 0..255;
 *   b' = b for i8 b, b - 128 for u8 b: -128..127.
 *   vpmaddubsw forms u0 * s0 + u1 * s1 per adjacent byte pair (k = 2s, 2s+1)
 *   and saturates it to int16; vpmaddwd with ones then adds two such pairs
 *   exactly into int32 lanes. Saturation would make the result wrong, so this
 *   path only runs when qcc_qgemm_avx2_u8s8_safe found, over the whole of B,
 *   |b'[2s, j]| + |b'[2s+1, j]| <= 128 for every pair: then
 *   |u0 * s0 + u1 * s1| <= 255 * 128 = 32640 < 32767 for any a' in 0..255,
 *   so vpmaddubsw never saturates (by construction, whatever A holds). This
 *   holds e.g. for 7-bit weights (|b| <= 64) and 4-bit ones; full-range int8
 *   (the usual per-channel symmetric weights in [-127, 127]) takes s16.
 * s16 (vpmaddwd): a' = a and b' = b, sign- or zero-extended to int16;
 *   vpmaddwd multiplies int16 pairs exactly into int32 (|a * b| <= 255 * 255,
 *   a pair sum < 2^17), which cannot overflow: any 8-bit operands.
 * Accumulation is vpaddd (wrapping), the exact sum modulo 2^32.
 *
 * Packed layouts (elements of one "unit" = kq consecutive k):
 *   B: panels of 16 columns; a panel is kbp / kq units of 64 bytes, a unit
 *      being [columns 0..7][columns 8..15], each column's kq values
 *      consecutive (u8s8: 4 bytes b'[t..t+3, j]; s16: 2 int16 b'[t, t+1, j]).
 *      So one 32-byte load gives the second operand of vpmaddubsw/vpmaddwd
 *      for 8 columns.
 *   A: the panel's rows converted (a' bytes, or int16), row r at
 *      a + r * astride; a unit of row r is 4 bytes broadcast to all lanes
 *      (vpbroadcastd), the first operand.
 * Register tile: mr rows x 16 columns (2 ymm accumulators per row): u8s8
 * 4 x 16 (8 accumulators + 2 B + broadcast + ones + 2 products = 14 ymm),
 * s16 6 x 16 (12 + 2 + broadcast + product = 16 ymm), so gcc keeps every
 * accumulator in a register (no (%rsp) traffic in the loops).
 */
#include "quant_gemm_internal.h"

#if QCC_QGEMM_AVX2
#include <immintrin.h>
#include <string.h>

#define QG_TARGET __attribute__((target("avx2")))
#define QG_INLINE static inline __attribute__((always_inline, target("avx2")))
#define NR 16
#define MR_U8S8 4
#define MR_S16 6
#define MR_MAX 6

typedef char qg_avx2_mr_fits[MR_MAX <= QCC_QGEMM_MR_MAX ? 1 : -1];

/* The first `count` (0..8) int32 lanes set, for maskload / maskstore. */
QG_INLINE __m256i lanes(int64_t count) {
    static const int32_t table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(table + 8 - count));
}

/* The first `count` (0..32) bytes set. */
QG_INLINE __m256i byte_lanes(int64_t count) {
    static const int8_t table[64] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                     -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
    return _mm256_loadu_si256((const __m256i *)(table + 32 - count));
}

/* 16 bytes at p, of which only the first w (0..16) are read; the rest 0. */
QG_INLINE __m128i load16(const uint8_t *p, int64_t w) {
    if (w >= 16) return _mm_loadu_si128((const __m128i *)p);
    uint8_t tmp[16] = {0};
    if (w > 0) memcpy(tmp, p, (size_t)w);
    return _mm_loadu_si128((const __m128i *)tmp);
}

/* 32 bytes at p, of which only the first w (0..32) are read; the rest 0. */
QG_INLINE __m256i load32(const uint8_t *p, int64_t w) {
    if (w >= 32) return _mm256_loadu_si256((const __m256i *)p);
    uint8_t tmp[32] = {0};
    if (w > 0) memcpy(tmp, p, (size_t)w);
    return _mm256_loadu_si256((const __m256i *)tmp);
}

/* A 4-byte unit broadcast to every int32 lane (vpbroadcastd). */
QG_INLINE __m256i broadcast_unit(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, sizeof v);
    return _mm256_set1_epi32(v);
}

QG_INLINE uint32_t hsum_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return (uint32_t)_mm_cvtsi128_si32(s);
}

/* Adds the 16 int32 column sums of a panel (cs0: columns 0..7, cs1: 8..15) to colsum[0..w). */
QG_INLINE void add_colsums(uint32_t *colsum, __m256i cs0, __m256i cs1, int64_t w) {
    uint32_t tmp[16];
    _mm256_storeu_si256((__m256i *)tmp, cs0);
    _mm256_storeu_si256((__m256i *)(tmp + 8), cs1);
    for (int64_t j = 0; j < w && j < 16; j++) colsum[j] += tmp[j];
}

/* ------------------------------------------------------------------------ */
/* The u8s8 safety check                                                    */
/* ------------------------------------------------------------------------ */

int QG_TARGET qcc_qgemm_avx2_u8s8_safe(const uint8_t *b, int64_t ldb, int u8, int64_t k, int64_t n) {
    const __m256i flip = _mm256_set1_epi8(u8 ? (char)0x80 : 0), limit = _mm256_set1_epi8(-128 /* 128 as u8 */);
    for (int64_t t = 0; t < k; t += 2) {
        const uint8_t *r0 = b + t * ldb, *r1 = t + 1 < k ? r0 + ldb : NULL;
        int64_t j = 0;
        __m256i worst = _mm256_setzero_si256();
        for (; j + 32 <= n; j += 32) {
            /* |b'| as u8 (|-128| = 128 fits), the pair sum saturating at 255 (> 128 either way). */
            const __m256i x0 = _mm256_abs_epi8(_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(r0 + j)), flip));
            const __m256i x1 = r1 ? _mm256_abs_epi8(_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(r1 + j)), flip))
                                  : _mm256_setzero_si256();
            worst = _mm256_max_epu8(worst, _mm256_adds_epu8(x0, x1));
        }
        /* Some byte above 128: max(worst, 128) != 128. */
        if (!_mm256_testz_si256(_mm256_xor_si256(_mm256_max_epu8(worst, limit), limit), _mm256_set1_epi8(-1)))
            return 0;
        for (; j < n; j++) {
            const int v0 = (int8_t)(r0[j] ^ (u8 ? 0x80 : 0)), v1 = r1 ? (int8_t)(r1[j] ^ (u8 ? 0x80 : 0)) : 0;
            if ((v0 < 0 ? -v0 : v0) + (v1 < 0 ? -v1 : v1) > 128) return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Packing                                                                  */
/* ------------------------------------------------------------------------ */

/* Row t of the block as 16 columns from j (w of them real), converted by `flip`; 0 past kb. */
QG_INLINE __m128i b_row(const uint8_t *b, int64_t ldb, int64_t t, int64_t kb, int64_t j, int64_t w, __m128i flip) {
    if (t >= kb) return _mm_setzero_si128();
    const __m128i x = _mm_xor_si128(load16(b + t * ldb + j, w), flip);
    /* Padding columns must be b' = 0 after the conversion. */
    return w >= 16 ? x : _mm_and_si128(x, _mm256_castsi256_si128(byte_lanes(w)));
}

static QG_TARGET void pack_b_u8s8(const uint8_t *b, int64_t ldb, int u8, int64_t kb, int64_t nb, void *dst,
                                  uint32_t *colsum) {
    const __m128i flip = _mm_set1_epi8(u8 ? (char)0x80 : 0);
    const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
    uint8_t *out = (uint8_t *)dst;
    for (int64_t j = 0; j < nb; j += NR) {
        const int64_t w = nb - j < NR ? nb - j : NR;
        __m256i cs0 = _mm256_setzero_si256(), cs1 = _mm256_setzero_si256();
        for (int64_t t = 0; t < kb; t += 4, out += 64) {
            const __m128i x0 = b_row(b, ldb, t, kb, j, w, flip), x1 = b_row(b, ldb, t + 1, kb, j, w, flip);
            const __m128i x2 = b_row(b, ldb, t + 2, kb, j, w, flip), x3 = b_row(b, ldb, t + 3, kb, j, w, flip);
            /* A 4 x 16 byte transpose: column j's 4 rows become 4 consecutive bytes. */
            const __m128i lo01 = _mm_unpacklo_epi8(x0, x1), hi01 = _mm_unpackhi_epi8(x0, x1);
            const __m128i lo23 = _mm_unpacklo_epi8(x2, x3), hi23 = _mm_unpackhi_epi8(x2, x3);
            const __m256i y0 = _mm256_set_m128i(_mm_unpackhi_epi16(lo01, lo23), _mm_unpacklo_epi16(lo01, lo23));
            const __m256i y1 = _mm256_set_m128i(_mm_unpackhi_epi16(hi01, hi23), _mm_unpacklo_epi16(hi01, hi23));
            _mm256_storeu_si256((__m256i *)out, y0);
            _mm256_storeu_si256((__m256i *)(out + 32), y1);
            if (colsum) {
                /* 1 * b' pair sums (|.| <= 256, no saturation), then pairs of pairs into int32. */
                cs0 = _mm256_add_epi32(cs0, _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, y0), ones16));
                cs1 = _mm256_add_epi32(cs1, _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, y1), ones16));
            }
        }
        if (colsum) add_colsums(colsum + j, cs0, cs1, w);
    }
}

static QG_TARGET void pack_b_s16(const uint8_t *b, int64_t ldb, int u8, int64_t kb, int64_t nb, void *dst,
                                 uint32_t *colsum) {
    const __m128i none = _mm_setzero_si128();
    const __m256i ones16 = _mm256_set1_epi16(1);
    uint8_t *out = (uint8_t *)dst;
    for (int64_t j = 0; j < nb; j += NR) {
        const int64_t w = nb - j < NR ? nb - j : NR;
        __m256i cs0 = _mm256_setzero_si256(), cs1 = _mm256_setzero_si256();
        for (int64_t t = 0; t < kb; t += 2, out += 64) {
            const __m128i x0 = b_row(b, ldb, t, kb, j, w, none), x1 = b_row(b, ldb, t + 1, kb, j, w, none);
            /* Column j's two rows side by side, then widened to int16. */
            const __m128i lo = _mm_unpacklo_epi8(x0, x1), hi = _mm_unpackhi_epi8(x0, x1);
            const __m256i y0 = u8 ? _mm256_cvtepu8_epi16(lo) : _mm256_cvtepi8_epi16(lo);
            const __m256i y1 = u8 ? _mm256_cvtepu8_epi16(hi) : _mm256_cvtepi8_epi16(hi);
            _mm256_storeu_si256((__m256i *)out, y0);
            _mm256_storeu_si256((__m256i *)(out + 32), y1);
            if (colsum) {
                cs0 = _mm256_add_epi32(cs0, _mm256_madd_epi16(y0, ones16));
                cs1 = _mm256_add_epi32(cs1, _mm256_madd_epi16(y1, ones16));
            }
        }
        if (colsum) add_colsums(colsum + j, cs0, cs1, w);
    }
}

static QG_TARGET void pack_a_u8s8(const uint8_t *a, int64_t lda, int u8, int64_t mr, int64_t kb, int64_t kbp,
                                  void *dst, int64_t astride, uint32_t *rowsum) {
    const __m256i flip = _mm256_set1_epi8(u8 ? 0 : (char)0x80), zero = _mm256_setzero_si256();
    for (int64_t r = 0; r < mr; r++) {
        const uint8_t *src = a + r * lda;
        uint8_t *out = (uint8_t *)dst + r * astride;
        __m256i sum = zero;
        for (int64_t t = 0; t < kbp; t += 32) {
            __m256i x = _mm256_xor_si256(load32(src + t, kb - t), flip);
            if (kb - t < 32) x = _mm256_and_si256(x, byte_lanes(kb - t > 0 ? kb - t : 0));
            _mm256_storeu_si256((__m256i *)(out + t), x);
            sum = _mm256_add_epi64(sum, _mm256_sad_epu8(x, zero));
        }
        if (rowsum) rowsum[r] += hsum_epi32(sum); /* the 64-bit lanes' low halves: sums < 2^32 */
    }
}

static QG_TARGET void pack_a_s16(const uint8_t *a, int64_t lda, int u8, int64_t mr, int64_t kb, int64_t kbp, void *dst,
                                 int64_t astride, uint32_t *rowsum) {
    const __m256i ones16 = _mm256_set1_epi16(1);
    for (int64_t r = 0; r < mr; r++) {
        const uint8_t *src = a + r * lda;
        uint8_t *out = (uint8_t *)dst + r * astride;
        __m256i sum = _mm256_setzero_si256();
        for (int64_t t = 0; t < kbp; t += 16) {
            const __m128i x = load16(src + t, kb - t);
            const __m256i y = u8 ? _mm256_cvtepu8_epi16(x) : _mm256_cvtepi8_epi16(x);
            _mm256_storeu_si256((__m256i *)(out + 2 * t), y);
            sum = _mm256_add_epi32(sum, _mm256_madd_epi16(y, ones16));
        }
        if (rowsum) rowsum[r] += hsum_epi32(sum);
    }
}

/* ------------------------------------------------------------------------ */
/* Micro-kernels                                                            */
/* ------------------------------------------------------------------------ */

/* 8 int32 column sums of one unit: a (broadcast) times b. */
QG_INLINE __m256i unit_dot(const int s16, __m256i a, __m256i b, __m256i ones) {
    return s16 ? _mm256_madd_epi16(a, b) : _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), ones);
}

/* Finishes 8 columns (the first `cols` real) of row r and stores them. */
QG_INLINE void finish(__m256i v, int32_t *c, int64_t cols, const uint32_t *colterm, const uint32_t *zb_neg,
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

/*
 * One mr x (8 * nv) tile over `units` units (mr, nv, s16 constants in each
 * inlined copy); w = real columns (1..16). The rows are spelled out (ROW)
 * with named accumulators: a loop over an accumulator array is not always
 * unrolled at -O2, and then the accumulators live on the stack.
 */
QG_INLINE void tile(const int s16, const int mr, const int nv, int64_t units, const uint8_t *a, int64_t astride,
                    const uint8_t *b, int32_t *c, int64_t ldc, int64_t w, const uint32_t *colterm,
                    const uint32_t *zb_neg, const uint32_t *row_term, const qcc_qgemm_epilogue *e) {
    const __m256i zero = _mm256_setzero_si256(), ones = _mm256_set1_epi16(1);
    __m256i c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero;
    __m256i c30 = zero, c31 = zero, c40 = zero, c41 = zero, c50 = zero, c51 = zero;
    const uint8_t *a0 = a, *a1 = a + astride, *a2 = a + 2 * astride, *a3 = a + 3 * astride;
    const uint8_t *a4 = a + 4 * astride, *a5 = a + 5 * astride;
    for (int64_t u = 0; u < units; u++) {
        const __m256i b0 = _mm256_load_si256((const __m256i *)b);
        const __m256i b1 = nv == 2 ? _mm256_load_si256((const __m256i *)(b + 32)) : b0;
#define ROW(r)                                                                                                         \
    if (mr > r) {                                                                                                      \
        const __m256i ar = broadcast_unit(a##r + 4 * u);                                                               \
        c##r##0 = _mm256_add_epi32(c##r##0, unit_dot(s16, ar, b0, ones));                                              \
        if (nv == 2) c##r##1 = _mm256_add_epi32(c##r##1, unit_dot(s16, ar, b1, ones));                                 \
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
        finish(c##r##0, c + r * ldc, w, colterm, zb_neg, rt, e);                                                       \
        if (nv == 2) finish(c##r##1, c + r * ldc + 8, w - 8, colterm + 8, zb_neg ? zb_neg + 8 : NULL, rt, e);          \
    }
    STORE(0)
    STORE(1)
    STORE(2)
    STORE(3)
    STORE(4)
    STORE(5)
#undef STORE
}

/* Every 16-column panel of the packed B block for one A panel of mr rows. */
QG_INLINE void panel_rows(const int s16, const int mr, int64_t nb, int64_t kbp, const uint8_t *a, int64_t astride,
                          const uint8_t *b, int32_t *c, int64_t ldc, const qcc_qgemm_epilogue *e) {
    const int64_t units = kbp / (s16 ? 2 : 4);
    for (int64_t j = 0; j < nb; j += NR) {
        const int64_t w = nb - j < NR ? nb - j : NR;
        const uint8_t *bp = b + (j / NR) * units * 64;
        const uint32_t *zb = e->zb_neg ? e->zb_neg + j : NULL;
        if (w > 8)
            tile(s16, mr, 2, units, a, astride, bp, c + j, ldc, w, e->colterm + j, zb, e->row_term, e);
        else
            tile(s16, mr, 1, units, a, astride, bp, c + j, ldc, w, e->colterm + j, zb, e->row_term, e);
    }
}

#define PANEL_CASE(s16, r)                                                                                             \
    case r:                                                                                                            \
        panel_rows(s16, r, nb, kbp, (const uint8_t *)a, astride, (const uint8_t *)b, c, ldc, e);                       \
        break;

static QG_TARGET void panel_u8s8(int64_t mr, int64_t nb, int64_t kbp, const void *a, int64_t astride, const void *b,
                                 int32_t *c, int64_t ldc, const qcc_qgemm_epilogue *e) {
    switch (mr) {
        PANEL_CASE(0, 1)
        PANEL_CASE(0, 2)
        PANEL_CASE(0, 3)
        PANEL_CASE(0, 4)
    default:
        break;
    }
}

static QG_TARGET void panel_s16(int64_t mr, int64_t nb, int64_t kbp, const void *a, int64_t astride, const void *b,
                                int32_t *c, int64_t ldc, const qcc_qgemm_epilogue *e) {
    switch (mr) {
        PANEL_CASE(1, 1)
        PANEL_CASE(1, 2)
        PANEL_CASE(1, 3)
        PANEL_CASE(1, 4)
        PANEL_CASE(1, 5)
        PANEL_CASE(1, 6)
    default:
        break;
    }
}

typedef char qg_avx2_cases_cover_mr[MR_U8S8 == 4 && MR_S16 == 6 ? 1 : -1];

/*
 * GEMV of the s16 set (quant_gemm_internal.h): one row of A against B read
 * in place, strips of 64 columns, two rows of B per step: the rows' bytes
 * interleaved (unpack), widened to int16 (column order kept) and multiplied
 * by vpmaddwd with the broadcast pair (d_t, d_t+1). Normally d = a - za',
 * which fits int16 (|a - za'| <= 255 + |za'|), so no column sums are needed:
 * |d b| <= 32767 * 128 < 2^31 and a pair sum < 2^32 (wrapping like the rest).
 * A zero point too wide for that (sums) takes d = a and the column sums
 * instead: sum_t (a - za') b = sum_t a b - za' sum_t b.
 */
QG_INLINE __m256i widen_s16(const int u8, __m128i x) { return u8 ? _mm256_cvtepu8_epi16(x) : _mm256_cvtepi8_epi16(x); }

/* Finishes 8 columns (the first `cols` real) of the one-row product and stores them (qcc_qgemv_epilogue). */
QG_INLINE void finish_gemv(__m256i v, int32_t *c, int64_t j, int64_t cols, const qcc_qgemv_epilogue *e) {
    if (cols <= 0) return;
    const __m256i m = lanes(cols >= 8 ? 8 : cols);
    if (e->bias) v = _mm256_add_epi32(v, _mm256_maskload_epi32(e->bias + j, m));
    __m256i zb = _mm256_set1_epi32((int32_t)e->zb_add);
    if (e->zb) zb = _mm256_add_epi32(zb, _mm256_maskload_epi32(e->zb + j, m));
    v = _mm256_sub_epi32(v, _mm256_mullo_epi32(zb, _mm256_set1_epi32((int32_t)e->row_term)));
    _mm256_maskstore_epi32(c + j, m, v);
}

/* d_t as an int16 (a_u8: a's type; z: za', or 0 with sums). */
QG_INLINE uint32_t d_at(const int a_u8, const uint8_t *a, int64_t t, int32_t z) {
    const int32_t v = a_u8 ? (int32_t)a[t] : (int32_t)(int8_t)a[t];
    return (uint32_t)(uint16_t)(int16_t)(v - z);
}

/* Rows t and t+1 of 16 columns from j (w of the strip's columns real; full: all of them and both rows exist). */
QG_INLINE void rows16(const uint8_t *b, int64_t ldb, int64_t t, int64_t k, int64_t j, int64_t w, int full, __m128i *x0,
                      __m128i *x1) {
    if (full) {
        *x0 = _mm_loadu_si128((const __m128i *)(b + t * ldb + j));
        *x1 = _mm_loadu_si128((const __m128i *)(b + (t + 1) * ldb + j));
    } else {
        /* Zero past column w and past row k. */
        *x0 = b_row(b, ldb, t, k, j, w, _mm_setzero_si128());
        *x1 = b_row(b, ldb, t + 1, k, j, w, _mm_setzero_si128());
    }
}

/* lo, hi += the pair products of 16 columns (8 each) of rows x0, x1 with av; sl, sh += their column sums (sums). */
QG_INLINE void madd16(const int b_u8, const int sums, __m128i x0, __m128i x1, __m256i av, __m256i *lo, __m256i *hi,
                      __m256i *sl, __m256i *sh) {
    const __m256i q0 = widen_s16(b_u8, _mm_unpacklo_epi8(x0, x1)), q1 = widen_s16(b_u8, _mm_unpackhi_epi8(x0, x1));
    *lo = _mm256_add_epi32(*lo, _mm256_madd_epi16(av, q0));
    *hi = _mm256_add_epi32(*hi, _mm256_madd_epi16(av, q1));
    if (sums) {
        const __m256i ones16 = _mm256_set1_epi16(1);
        *sl = _mm256_add_epi32(*sl, _mm256_madd_epi16(ones16, q0));
        *sh = _mm256_add_epi32(*sh, _mm256_madd_epi16(ones16, q1));
    }
}

/*
 * One strip of w (1..16 * groups) columns from column j: groups of 16
 * columns, 4 without column sums (a whole 64-byte line of each row, read
 * once), 2 with them (the registers hold no more). a_u8, b_u8: the types;
 * sums: as above; constants in each inlined copy.
 */
QG_INLINE void gemv_strip(const int a_u8, const int b_u8, const int sums, const int groups, int64_t k, const uint8_t *a,
                          const uint8_t *b, int64_t ldb, int64_t j, int64_t w, const qcc_qgemv_epilogue *e,
                          int32_t *c) {
    const __m256i z = _mm256_setzero_si256();
    const int32_t za = sums ? 0 : (int32_t)e->za;
    __m256i c0 = z, c1 = z, c2 = z, c3 = z, c4 = z, c5 = z, c6 = z, c7 = z, s0 = z, s1 = z, s2 = z, s3 = z;
    for (int64_t t = 0; t < k; t += 2) {
        const int full = w == 16 * groups && t + 2 <= k;
        uint32_t pair = d_at(a_u8, a, t, za);
        if (t + 1 < k) pair |= d_at(a_u8, a, t + 1, za) << 16;
        const __m256i av = _mm256_set1_epi32((int32_t)pair);
        __m128i x0, x1;
        rows16(b, ldb, t, k, j, w, full, &x0, &x1);
        madd16(b_u8, sums, x0, x1, av, &c0, &c1, &s0, &s1);
        rows16(b, ldb, t, k, j + 16, w - 16, full, &x0, &x1);
        madd16(b_u8, sums, x0, x1, av, &c2, &c3, &s2, &s3);
        if (groups == 4) {
            rows16(b, ldb, t, k, j + 32, w - 32, full, &x0, &x1);
            madd16(b_u8, 0, x0, x1, av, &c4, &c5, &s0, &s1);
            rows16(b, ldb, t, k, j + 48, w - 48, full, &x0, &x1);
            madd16(b_u8, 0, x0, x1, av, &c6, &c7, &s2, &s3);
        }
    }
    if (sums) {
        const __m256i zv = _mm256_set1_epi32((int32_t)e->za);
        c0 = _mm256_sub_epi32(c0, _mm256_mullo_epi32(zv, s0));
        c1 = _mm256_sub_epi32(c1, _mm256_mullo_epi32(zv, s1));
        c2 = _mm256_sub_epi32(c2, _mm256_mullo_epi32(zv, s2));
        c3 = _mm256_sub_epi32(c3, _mm256_mullo_epi32(zv, s3));
    }
    finish_gemv(c0, c, j, w, e);
    finish_gemv(c1, c, j + 8, w - 8, e);
    finish_gemv(c2, c, j + 16, w - 16, e);
    finish_gemv(c3, c, j + 24, w - 24, e);
    if (groups == 4) {
        finish_gemv(c4, c, j + 32, w - 32, e);
        finish_gemv(c5, c, j + 40, w - 40, e);
        finish_gemv(c6, c, j + 48, w - 48, e);
        finish_gemv(c7, c, j + 56, w - 56, e);
    }
}

#define GEMV_STRIPS(a_u8, b_u8, sums)                                                                                  \
    for (int64_t j = 0, width = (sums) ? 32 : 64; j < n; j += width)                                                  \
    gemv_strip(a_u8, b_u8, sums, (sums) ? 2 : 4, k, a, b, ldb, j, n - j < width ? n - j : width, e, c)

static QG_TARGET void gemv_s16(int64_t n, int64_t k, const uint8_t *a, int a_u8, const uint8_t *b, int64_t ldb,
                               int b_u8, const qcc_qgemv_epilogue *e, int32_t *c) {
    const int32_t za = (int32_t)e->za;
    /* Column sums only for a zero point so wide that a - za' leaves int16 (a in -128..255). */
    if (za < INT16_MIN + 255 || za > INT16_MAX - 128) {
        if (a_u8) GEMV_STRIPS(1, b_u8, 1); else GEMV_STRIPS(0, b_u8, 1);
    } else if (a_u8) {
        if (b_u8) GEMV_STRIPS(1, 1, 0); else GEMV_STRIPS(1, 0, 0);
    } else {
        if (b_u8) GEMV_STRIPS(0, 1, 0); else GEMV_STRIPS(0, 0, 0);
    }
}

#undef GEMV_STRIPS

/* a' = a + 128 for i8 (xor 0x80), a for u8; b' = b for i8, b - 128 for u8. */
const qcc_qgemm_kernels qcc_qgemm_kernels_avx2_u8s8 = {
    QCC_QGEMM_PATH_AVX2_U8S8, MR_U8S8, NR, 4, 1, {128, 0}, {0, -128}, pack_b_u8s8, pack_a_u8s8, panel_u8s8, NULL};
/* a' = a, b' = b (extended to int16). */
const qcc_qgemm_kernels qcc_qgemm_kernels_avx2_s16 = {
    QCC_QGEMM_PATH_AVX2_S16, MR_S16, NR, 2, 2, {0, 0}, {0, 0}, pack_b_s16, pack_a_s16, panel_s16, gemv_s16};

#else
/* ISO C forbids an empty translation unit. */
typedef int qcc_quant_gemm_avx2_unused;
#endif
