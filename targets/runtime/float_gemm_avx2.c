/* AVX2 + FMA GEMM micro-kernels: 6 x 16 register blocks of ymm FMAs, masked column edges. */
#include "float_gemm_internal.h"

#if QCC_GEMM_X86
#include <immintrin.h>

QCC_NO_CONTRACT

#define K256_TARGET __attribute__((target("avx2,fma")))
#define K256_INLINE static inline __attribute__((always_inline, target("avx2,fma")))
#define MR 6

/* A mask of the first `count` (0..8) lanes, for maskload / maskstore. */
K256_INLINE __m256i lanes(int64_t count) {
    static const int32_t table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(table + 8 - count));
}

/* Stores alpha * acc (+ beta * c) to c under `mask` (full when `full`). */
K256_INLINE void store_vec(float *c, __m256 acc, __m256 va, __m256 vb, int scale, int load, int full, __m256i mask) {
    __m256 r = scale ? _mm256_mul_ps(va, acc) : acc;
    if (full) {
        if (load) r = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c), r);
        _mm256_storeu_ps(c, r);
    } else {
        if (load) r = _mm256_fmadd_ps(vb, _mm256_maskload_ps(c, mask), r);
        _mm256_maskstore_ps(c, mask, r);
    }
}

/*
 * One mr x (8 * nv) tile over a K block (see float_gemm_avx512.c); `rest`
 * is the number of valid columns of the last vector (8 when full), which
 * limits stores and, when B is read in place (direct, row stride ldb), loads.
 */
K256_INLINE void tile(const int mr, const int nv, const int a_kmajor, const int direct, int64_t kc, const float *a,
                      int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc, float alpha, float beta,
                      int64_t rest) {
    __m256 acc0[MR], acc1[MR];
    for (int i = 0; i < mr; i++) {
        acc0[i] = _mm256_setzero_ps();
        acc1[i] = _mm256_setzero_ps();
    }
    const int full = rest == 8;
    const __m256i mask = lanes(rest);
    const int64_t b_step = direct ? ldb : 8 * nv;
    for (int64_t k = 0; k < kc; k++) {
        /* As in float_gemm_avx512.c, fetch B ahead; fewer rows ahead here, as more cost 20% on B in L2. */
        _mm_prefetch((const char *)(direct ? b + QCC_GEMM_PREFETCH_ROWS / 4 * ldb : b + QCC_GEMM_PREFETCH_FLOATS),
                     _MM_HINT_T0);
        __m256 b0, b1;
        if (!direct) {
            b0 = _mm256_load_ps(b);
            b1 = nv == 2 ? _mm256_load_ps(b + 8) : b0;
        } else if (nv == 2) {
            b0 = _mm256_loadu_ps(b);
            b1 = full ? _mm256_loadu_ps(b + 8) : _mm256_maskload_ps(b + 8, mask);
        } else {
            b0 = full ? _mm256_loadu_ps(b) : _mm256_maskload_ps(b, mask);
            b1 = b0;
        }
        for (int i = 0; i < mr; i++) {
            const __m256 ai = _mm256_broadcast_ss(a_kmajor ? a + i : a + i * lda);
            acc0[i] = _mm256_fmadd_ps(ai, b0, acc0[i]);
            if (nv == 2) acc1[i] = _mm256_fmadd_ps(ai, b1, acc1[i]);
        }
        b += b_step;
        a += a_kmajor ? lda : 1;
    }
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    const int scale = alpha != 1.0f, load = beta != 0.0f;
    for (int i = 0; i < mr; i++) {
        float *ci = c + i * ldc;
        if (nv == 2) {
            store_vec(ci, acc0[i], va, vb, scale, load, 1, mask);
            store_vec(ci + 8, acc1[i], va, vb, scale, load, full, mask);
        } else {
            store_vec(ci, acc0[i], va, vb, scale, load, full, mask);
        }
    }
}

/* All B panels (packed, or in place when `direct`) for one A panel of `mr` rows. */
K256_INLINE void panel(const int mr, const int a_kmajor, const int direct, int64_t nc, int64_t kc, const float *a,
                       int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc, float alpha, float beta) {
    const int64_t b_col = direct ? 1 : kc;
    int64_t j = 0;
    for (; j + 16 <= nc; j += 16)
        tile(mr, 2, a_kmajor, direct, kc, a, lda, b + j * b_col, ldb, c + j, ldc, alpha, beta, 8);
    const int64_t rest = nc - j;
    if (rest > 8)
        tile(mr, 2, a_kmajor, direct, kc, a, lda, b + j * b_col, ldb, c + j, ldc, alpha, beta, rest - 8);
    else if (rest > 0)
        tile(mr, 1, a_kmajor, direct, kc, a, lda, b + j * b_col, ldb, c + j, ldc, alpha, beta, rest);
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

static K256_TARGET void row_panel(int a_kmajor, int64_t mr, int64_t nc, int64_t kc, const float *a, int64_t lda,
                                  const float *b, int64_t ldb, float *c, int64_t ldc, float alpha, float beta) {
    switch (mr) {
        PANEL_CASE(1)
        PANEL_CASE(2)
        PANEL_CASE(3)
        PANEL_CASE(4)
        PANEL_CASE(5)
        PANEL_CASE(6)
    default:
        break;
    }
}

/* Row vector times B, 64 columns (8 independent FMA chains) at a time, then 8 and a masked rest. */
static K256_TARGET void gemv(int64_t n, int64_t kc, const float *a, const float *b, int64_t ldb, float *c, float alpha,
                             float beta) {
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    const int scale = alpha != 1.0f, load = beta != 0.0f;
    int64_t j = 0;
    for (; j + 64 <= n; j += 64) {
        __m256 acc[8];
        for (int v = 0; v < 8; v++) acc[v] = _mm256_setzero_ps();
        const float *bk = b + j;
        for (int64_t k = 0; k < kc; k++, bk += ldb) {
            const __m256 ak = _mm256_broadcast_ss(a + k);
            for (int v = 0; v < 8; v++) acc[v] = _mm256_fmadd_ps(ak, _mm256_loadu_ps(bk + 8 * v), acc[v]);
        }
        for (int v = 0; v < 8; v++) store_vec(c + j + 8 * v, acc[v], va, vb, scale, load, 1, lanes(8));
    }
    for (; j < n; j += 8) {
        const int64_t rest = n - j >= 8 ? 8 : n - j;
        const __m256i mask = lanes(rest);
        __m256 acc = _mm256_setzero_ps();
        const float *bk = b + j;
        for (int64_t k = 0; k < kc; k++, bk += ldb)
            acc = _mm256_fmadd_ps(_mm256_broadcast_ss(a + k), _mm256_maskload_ps(bk, mask), acc);
        store_vec(c + j, acc, va, vb, scale, load, rest == 8, mask);
    }
}

const qcc_gemm_kernels qcc_gemm_kernels_avx2 = {QCC_GEMM_ISA_AVX2, MR, 16, 8, row_panel, gemv};

#endif
