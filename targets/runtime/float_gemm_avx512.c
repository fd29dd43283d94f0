/* AVX-512 GEMM micro-kernels: 14 x 32 register blocks of zmm FMAs, masked column edges. */
#include "float_gemm_internal.h"

#if QCC_GEMM_X86
#include <immintrin.h>

QCC_NO_CONTRACT

#define K512_TARGET __attribute__((target("avx512f,avx2,fma")))
#define K512_INLINE static inline __attribute__((always_inline, target("avx512f,avx2,fma")))
#define MR 14

/*
 * One mr x (16 * nv) tile over a K block: mr, nv, a_kmajor and the mask of
 * full tiles are constants in every inlined copy, so the accumulators live in
 * registers. `mask` limits the last vector's columns: for stores, and for
 * loads of B when it is read in place (direct: row stride ldb; packed B is
 * zero-padded).
 */
K512_INLINE void tile(const int mr, const int nv, const int a_kmajor, const int direct, int64_t kc, const float *a,
                      int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc, float alpha, float beta,
                      __mmask16 mask) {
    __m512 acc0[MR], acc1[MR];
    for (int i = 0; i < mr; i++) {
        acc0[i] = _mm512_setzero_ps();
        acc1[i] = _mm512_setzero_ps();
    }
    const int64_t b_step = direct ? ldb : 16 * nv;
    const __mmask16 m0 = nv == 2 ? (__mmask16)0xFFFF : mask;
    for (int64_t k = 0; k < kc; k++) {
        /* A weight streams from memory once per GEMM, faster than the hardware prefetcher alone fetches it. */
        const float *ahead = direct ? b + QCC_GEMM_PREFETCH_ROWS * ldb : b + QCC_GEMM_PREFETCH_FLOATS;
        _mm_prefetch((const char *)ahead, _MM_HINT_T0);
        if (nv == 2) _mm_prefetch((const char *)(ahead + 16), _MM_HINT_T0);
        const __m512 b0 = direct ? _mm512_maskz_loadu_ps(m0, b) : _mm512_load_ps(b);
        const __m512 b1 = nv != 2 ? b0 : direct ? _mm512_maskz_loadu_ps(mask, b + 16) : _mm512_load_ps(b + 16);
        for (int i = 0; i < mr; i++) {
            const __m512 ai = _mm512_set1_ps(a_kmajor ? a[i] : a[i * lda]);
            acc0[i] = _mm512_fmadd_ps(ai, b0, acc0[i]);
            if (nv == 2) acc1[i] = _mm512_fmadd_ps(ai, b1, acc1[i]);
        }
        b += b_step;
        a += a_kmajor ? lda : 1;
    }
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    const int scale = alpha != 1.0f;
    for (int i = 0; i < mr; i++) {
        float *ci = c + i * ldc;
        __m512 r0 = scale ? _mm512_mul_ps(va, acc0[i]) : acc0[i];
        if (beta != 0.0f) r0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, ci), r0);
        _mm512_mask_storeu_ps(ci, m0, r0);
        if (nv == 2) {
            __m512 r1 = scale ? _mm512_mul_ps(va, acc1[i]) : acc1[i];
            if (beta != 0.0f) r1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask, ci + 16), r1);
            _mm512_mask_storeu_ps(ci + 16, mask, r1);
        }
    }
}

/* All B panels (packed, or in place when `direct`) for one A panel of `mr` rows. */
K512_INLINE void panel(const int mr, const int a_kmajor, const int direct, int64_t nc, int64_t kc, const float *a,
                       int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc, float alpha, float beta) {
    const int64_t b_col = direct ? 1 : kc;
    int64_t j = 0;
    for (; j + 32 <= nc; j += 32)
        tile(mr, 2, a_kmajor, direct, kc, a, lda, b + j * b_col, ldb, c + j, ldc, alpha, beta, 0xFFFF);
    const int64_t rest = nc - j;
    if (rest > 16)
        tile(mr, 2, a_kmajor, direct, kc, a, lda, b + j * b_col, ldb, c + j, ldc, alpha, beta,
             (__mmask16)((1u << (rest - 16)) - 1));
    else if (rest > 0)
        tile(mr, 1, a_kmajor, direct, kc, a, lda, b + j * b_col, ldb, c + j, ldc, alpha, beta,
             (__mmask16)((1u << rest) - 1));
}

#define PANEL_CASE(r)                                                                                                  \
    case r:                                                                                                            \
        if (ldb != 0)                                                                                                  \
            panel(r, 0, 1, nc, kc, a, lda, b, ldb, c, ldc, alpha, beta);                                               \
        else if (a_kmajor)                                                                                             \
            panel(r, 1, 0, nc, kc, a, lda, b, 0, c, ldc, alpha, beta);                                                 \
        else                                                                                                           \
            panel(r, 0, 0, nc, kc, a, lda, b, 0, c, ldc, alpha, beta);                                                 \
        break;

static K512_TARGET void row_panel(int a_kmajor, int64_t mr, int64_t nc, int64_t kc, const float *a, int64_t lda,
                                  const float *b, int64_t ldb, float *c, int64_t ldc, float alpha, float beta) {
    switch (mr) {
        PANEL_CASE(1)
        PANEL_CASE(2)
        PANEL_CASE(3)
        PANEL_CASE(4)
        PANEL_CASE(5)
        PANEL_CASE(6)
        PANEL_CASE(7)
        PANEL_CASE(8)
        PANEL_CASE(9)
        PANEL_CASE(10)
        PANEL_CASE(11)
        PANEL_CASE(12)
        PANEL_CASE(13)
        PANEL_CASE(14)
    default:
        break;
    }
}

/* Stores alpha * acc (+ beta * c) to c[0..16) under `mask`, as the tile does. */
K512_INLINE void store_vec(float *c, __m512 acc, float alpha, float beta, __mmask16 mask) {
    __m512 r = alpha != 1.0f ? _mm512_mul_ps(_mm512_set1_ps(alpha), acc) : acc;
    if (beta != 0.0f) r = _mm512_fmadd_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(mask, c), r);
    _mm512_mask_storeu_ps(c, mask, r);
}

/* Row vector times B, 128 columns (8 independent FMA chains) at a time, then 16 and a masked rest. */
static K512_TARGET void gemv(int64_t n, int64_t kc, const float *a, const float *b, int64_t ldb, float *c, float alpha,
                             float beta) {
    int64_t j = 0;
    for (; j + 128 <= n; j += 128) {
        __m512 acc[8];
        for (int v = 0; v < 8; v++) acc[v] = _mm512_setzero_ps();
        const float *bk = b + j;
        for (int64_t k = 0; k < kc; k++, bk += ldb) {
            const __m512 ak = _mm512_set1_ps(a[k]);
            for (int v = 0; v < 8; v++) acc[v] = _mm512_fmadd_ps(ak, _mm512_loadu_ps(bk + 16 * v), acc[v]);
        }
        for (int v = 0; v < 8; v++) store_vec(c + j + 16 * v, acc[v], alpha, beta, 0xFFFF);
    }
    for (; j < n; j += 16) {
        const __mmask16 mask = n - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - j)) - 1);
        __m512 acc = _mm512_setzero_ps();
        const float *bk = b + j;
        for (int64_t k = 0; k < kc; k++, bk += ldb)
            acc = _mm512_fmadd_ps(_mm512_set1_ps(a[k]), _mm512_maskz_loadu_ps(mask, bk), acc);
        store_vec(c + j, acc, alpha, beta, mask);
    }
}

const qcc_gemm_kernels qcc_gemm_kernels_avx512 = {QCC_GEMM_ISA_AVX512, MR, 32, 16, row_panel, gemv};

#endif
