/*
 * f32 GEMM driver: K blocking, B (and, where needed, A) packing, the M == 1
 * path, run-time choice of micro-kernels, pre-packed B, the per-thread
 * scratch buffer and the portable C micro-kernels. See qcc_gemm.h.
 */
#define _POSIX_C_SOURCE 200112L
#include "float_gemm_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

QCC_NO_CONTRACT

/* ------------------------------------------------------------------------ */
/* Portable micro-kernels (4 x 16), used where no x86 SIMD path applies     */
/* ------------------------------------------------------------------------ */

#define PMR 4
#define PNR 16

/*
 * One mr x PNR tile (mr and a_kmajor constants in each inlined copy, so the
 * compiler keeps acc in vector registers) over bw readable columns of B,
 * storing w.
 */
QCC_INLINE void portable_tile(const int mr, const int a_kmajor, int64_t kc, const float *a, int64_t lda, const float *b,
                              int64_t b_step, int64_t bw, int64_t w, float *c, int64_t ldc, float alpha, float beta) {
    /* One named accumulator row per A row, unrolled by hand: compilers keep these in vector registers. */
    float acc0[PNR], acc1[PNR], acc2[PNR], acc3[PNR];
    for (int jj = 0; jj < PNR; jj++) acc0[jj] = acc1[jj] = acc2[jj] = acc3[jj] = 0.0f;
    for (int64_t k = 0; k < kc; k++) {
        const float *bk = b + k * b_step;
        float tail[PNR];
        if (bw != PNR) {
            /* The last columns of a B read in place: copy them out, zero-padded. */
            for (int jj = 0; jj < PNR; jj++) tail[jj] = jj < bw ? bk[jj] : 0.0f;
            bk = tail;
        }
#define PORTABLE_ROW(i)                                                                                                \
    if (mr > i) {                                                                                                      \
        const float ai = a_kmajor ? a[k * lda + i] : a[i * lda + k];                                                   \
        for (int jj = 0; jj < PNR; jj++) acc##i[jj] = QCC_FMA(ai, bk[jj], acc##i[jj]);                                 \
    }
        PORTABLE_ROW(0)
        PORTABLE_ROW(1)
        PORTABLE_ROW(2)
        PORTABLE_ROW(3)
#undef PORTABLE_ROW
    }
    for (int i = 0; i < mr; i++) {
        const float *acc = i == 0 ? acc0 : i == 1 ? acc1 : i == 2 ? acc2 : acc3;
        float *ci = c + i * ldc;
        for (int64_t jj = 0; jj < w; jj++) {
            const float r = alpha != 1.0f ? alpha * acc[jj] : acc[jj];
            ci[jj] = beta != 0.0f ? QCC_FMA(beta, ci[jj], r) : r;
        }
    }
}

#define PORTABLE_CASE(r)                                                                                               \
    case 2 * r:                                                                                                        \
        portable_tile(r, 0, kc, a, lda, bp, b_step, bw, w, c + j, ldc, alpha, beta);                                   \
        break;                                                                                                         \
    case 2 * r + 1:                                                                                                    \
        portable_tile(r, 1, kc, a, lda, bp, b_step, bw, w, c + j, ldc, alpha, beta);                                   \
        break;

static void portable_row_panel(int a_kmajor, int64_t mr, int64_t nc, int64_t kc, const float *a, int64_t lda,
                               const float *b, int64_t ldb, float *c, int64_t ldc, float alpha, float beta) {
    for (int64_t j = 0; j < nc; j += PNR) {
        const int64_t w = nc - j < PNR ? nc - j : PNR;
        /* Packed panels are PNR wide and zero-padded; in place (ldb != 0), only w columns may be read. */
        const float *bp = ldb != 0 ? b + j : b + j * kc;
        const int64_t b_step = ldb != 0 ? ldb : PNR, bw = ldb != 0 ? w : PNR;
        switch (mr * 2 + (a_kmajor ? 1 : 0)) {
            PORTABLE_CASE(1)
            PORTABLE_CASE(2)
            PORTABLE_CASE(3)
            PORTABLE_CASE(4)
        default:
            break;
        }
    }
}

static void portable_gemv(int64_t n, int64_t kc, const float *a, const float *b, int64_t ldb, float *c, float alpha,
                          float beta) {
    for (int64_t j = 0; j < n; j += 64) {
        const int64_t w = n - j < 64 ? n - j : 64;
        float acc[64];
        for (int64_t jj = 0; jj < w; jj++) acc[jj] = 0.0f;
        for (int64_t k = 0; k < kc; k++) {
            const float *bk = b + k * ldb + j;
            for (int64_t jj = 0; jj < w; jj++) acc[jj] = QCC_FMA(a[k], bk[jj], acc[jj]);
        }
        for (int64_t jj = 0; jj < w; jj++) {
            const float r = alpha != 1.0f ? alpha * acc[jj] : acc[jj];
            c[j + jj] = beta != 0.0f ? QCC_FMA(beta, c[j + jj], r) : r;
        }
    }
}

const qcc_gemm_kernels qcc_gemm_kernels_portable = {QCC_GEMM_ISA_PORTABLE, PMR, PNR, PNR, portable_row_panel,
                                                    portable_gemv};

/* ------------------------------------------------------------------------ */
/* Choosing the micro-kernels                                               */
/* ------------------------------------------------------------------------ */

static int detect_isa(void) {
#if QCC_GEMM_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return QCC_GEMM_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return QCC_GEMM_ISA_AVX2;
#endif
    return QCC_GEMM_ISA_PORTABLE;
}

int qcc_f32_gemm_resolve_isa(int isa) {
    /* Every thread computes the same value, so a racing first call is harmless. */
    static volatile int best = 0;
    if (best == 0) best = detect_isa();
    return isa <= QCC_GEMM_ISA_AUTO || isa > best ? best : isa;
}

static const qcc_gemm_kernels *kernels_for(int isa) {
    switch (qcc_f32_gemm_resolve_isa(isa)) {
#if QCC_GEMM_X86
    case QCC_GEMM_ISA_AVX512:
        return &qcc_gemm_kernels_avx512;
    case QCC_GEMM_ISA_AVX2:
        return &qcc_gemm_kernels_avx2;
#endif
    default:
        return &qcc_gemm_kernels_portable;
    }
}

/* ------------------------------------------------------------------------ */
/* Per-thread scratch                                                       */
/* ------------------------------------------------------------------------ */

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_release(void *p) { free(p); }
static void scratch_make_key(void) {
    if (pthread_key_create(&scratch_key, scratch_release) != 0) abort();
}

/* The calling thread's scratch buffer, allocated on its first call and freed when the thread exits. */
static float *scratch(void) {
    pthread_once(&scratch_once, scratch_make_key);
    void *p = pthread_getspecific(scratch_key);
    if (p == NULL) {
        if (posix_memalign(&p, 64, QCC_GEMM_SCRATCH_BYTES) != 0) abort();
        pthread_setspecific(scratch_key, p);
    }
    return (float *)p;
}
#else
/* Without POSIX threads: one static buffer, so the GEMM must only be called from one thread at a time. */
static float *scratch(void) {
    static float buffer[QCC_GEMM_SCRATCH_BYTES / sizeof(float)];
    return (float *)(((uintptr_t)buffer + 63) & ~(uintptr_t)63);
}
#endif

/* ------------------------------------------------------------------------ */
/* Blocking and packing                                                     */
/* ------------------------------------------------------------------------ */

/* K is split into this many nearly equal blocks; the earlier ones are the larger. */
static int64_t k_blocks(int64_t k) { return (k + QCC_GEMM_KC - 1) / QCC_GEMM_KC; }
static int64_t k_block_size(int64_t k, int64_t blocks, int64_t p) { return k / blocks + (p < k % blocks ? 1 : 0); }

/* Columns of the packed form of n columns: whole panels, the last rounded up to the quantum. */
static int64_t padded_width(const qcc_gemm_kernels *kn, int64_t n) {
    const int64_t full = n / kn->nr * kn->nr, rest = n - full;
    return full + (rest + kn->quantum - 1) / kn->quantum * kn->quantum;
}

/* Packs rows [k0, k0 + kc) and columns [j0, j0 + nc) of op(B) into panels (see qcc_gemm_row_panel_fn). */
static void pack_b(const qcc_gemm_kernels *kn, int trans_b, const float *b, int64_t ldb, int64_t k0, int64_t kc,
                   int64_t j0, int64_t nc, float *dst) {
    const int64_t nr = kn->nr;
    for (int64_t j = 0; j < nc; j += nr) {
        const int64_t w = nc - j < nr ? nc - j : nr;
        const int64_t wp = padded_width(kn, w);
        float *p = dst + j * kc;
        if (!trans_b) {
            const float *src = b + k0 * ldb + j0 + j;
            for (int64_t k = 0; k < kc; k++, src += ldb, p += wp) {
                if (w == 32)
                    memcpy(p, src, 32 * sizeof(float));
                else if (w == 16)
                    memcpy(p, src, 16 * sizeof(float));
                else {
                    memcpy(p, src, (size_t)w * sizeof(float));
                    for (int64_t jj = w; jj < wp; jj++) p[jj] = 0.0f;
                }
            }
        } else {
            /* op(B)[k, j] = b[j * ldb + k]: read along k, write down the panel's columns. */
            for (int64_t jj = 0; jj < w; jj++) {
                const float *src = b + (j0 + j + jj) * ldb + k0;
                for (int64_t k = 0; k < kc; k++) p[k * wp + jj] = src[k];
            }
            for (int64_t jj = w; jj < wp; jj++)
                for (int64_t k = 0; k < kc; k++) p[k * wp + jj] = 0.0f;
        }
    }
}

/* Packs rows [i0, i0 + mr) and columns [k0, k0 + kc) of op(A) k-major: element (i, k) at dst[k * mr + i]. */
static void pack_a(int trans_a, const float *a, int64_t lda, int64_t i0, int64_t mr, int64_t k0, int64_t kc,
                   float *dst) {
    if (trans_a) {
        for (int64_t k = 0; k < kc; k++) {
            const float *src = a + (k0 + k) * lda + i0;
            for (int64_t i = 0; i < mr; i++) dst[k * mr + i] = src[i];
        }
    } else {
        for (int64_t i = 0; i < mr; i++) {
            const float *src = a + (i0 + i) * lda + k0;
            for (int64_t k = 0; k < kc; k++) dst[k * mr + i] = src[k];
        }
    }
}

/*
 * Reading A in place (rows of stride lda) is cheapest, but when lda is a
 * multiple of 1024 floats (4 KiB) the rows of an A panel all land in the same
 * L1 sets; such A panels, and transposed ones, are packed instead.
 */
static int a_in_place(int trans_a, int64_t lda) { return !trans_a && lda % 1024 != 0; }

/* Header of a pre-packed B. */
typedef struct {
    uint32_t magic;
    int32_t isa;
    int64_t k, n;
} packed_header;

#define PACKED_MAGIC 0x71636742u /* "qcgB" */
#define PACKED_HEADER_FLOATS 16

/* ------------------------------------------------------------------------ */
/* The driver                                                               */
/* ------------------------------------------------------------------------ */

/* C = beta * C, without reading C when beta == 0. */
static void scale_c(int64_t m, int64_t n, float beta, float *c, int64_t ldc) {
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
}

/* The GEMM on kernels `kn`, op(B) from b (packed per block) or from `packed` (whole, padded width `npad`). */
static void gemm(const qcc_gemm_kernels *kn, float *work, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                 float alpha, const float *a, int64_t lda, const float *b, int64_t ldb, const float *packed,
                 int64_t npad, float beta, float *c, int64_t ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0.0f) {
        scale_c(m, n, beta, c, ldc);
        return;
    }
    if (work == NULL) work = scratch();
    float *const b_block = work;
    float *const a_panel = work + QCC_GEMM_B_BLOCK;
    const int64_t blocks = k_blocks(k);

    if (m == 1 && packed == NULL && !trans_b) {
        /* A row vector: stream B once, no packing. */
        int64_t k0 = 0;
        for (int64_t p = 0; p < blocks; p++) {
            const int64_t kc = k_block_size(k, blocks, p);
            const float *av = a + k0;
            if (trans_a && lda != 1) {
                for (int64_t t = 0; t < kc; t++) a_panel[t] = a[(k0 + t) * lda];
                av = a_panel;
            }
            kn->gemv(n, kc, av, b + k0 * ldb, ldb, c, alpha, p == 0 ? beta : 1.0f);
            k0 += kc;
        }
        return;
    }

    const int64_t mr_full = kn->mr, nr = kn->nr;
    const int64_t kc_max = k_block_size(k, blocks, 0);
    int64_t nc_max = QCC_GEMM_B_BLOCK / kc_max / nr * nr;
    if (nc_max < nr) nc_max = nr;
    const int in_place = a_in_place(trans_a, lda);
    /* Few A panels: read B in place rather than pay for packing it. */
    const int b_direct = packed == NULL && !trans_b && in_place && m <= QCC_GEMM_DIRECT_B_ROWS;
    for (int64_t jc = 0; jc < n; jc += nc_max) {
        const int64_t nc = n - jc < nc_max ? n - jc : nc_max;
        int64_t k0 = 0;
        for (int64_t p = 0; p < blocks; p++) {
            const int64_t kc = k_block_size(k, blocks, p);
            const float *bp;
            if (b_direct) {
                bp = b + k0 * ldb + jc;
            } else if (packed != NULL) {
                bp = packed + k0 * npad + jc * kc;
            } else {
                pack_b(kn, trans_b, b, ldb, k0, kc, jc, nc, b_block);
                bp = b_block;
            }
            const float beta_p = p == 0 ? beta : 1.0f;
            for (int64_t ic = 0; ic < m; ic += mr_full) {
                const int64_t mr = m - ic < mr_full ? m - ic : mr_full;
                if (in_place) {
                    kn->row_panel(0, mr, nc, kc, a + ic * lda + k0, lda, bp, b_direct ? ldb : 0, c + ic * ldc + jc,
                                  ldc, alpha, beta_p);
                } else {
                    pack_a(trans_a, a, lda, ic, mr, k0, kc, a_panel);
                    kn->row_panel(1, mr, nc, kc, a_panel, mr, bp, 0, c + ic * ldc + jc, ldc, alpha, beta_p);
                }
            }
            k0 += kc;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Public entry points                                                      */
/* ------------------------------------------------------------------------ */

void qcc_f32_gemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                  const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    gemm(kernels_for(QCC_GEMM_ISA_AUTO), NULL, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, NULL, 0, beta, c, ldc);
}

void qcc_f32_gemm_isa(int isa, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                      int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    gemm(kernels_for(isa), NULL, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, NULL, 0, beta, c, ldc);
}

int64_t qcc_f32_gemm_packed_b_floats(int64_t k, int64_t n) {
    return PACKED_HEADER_FLOATS + (k > 0 ? k : 0) * (((n > 0 ? n : 0) + 31) / 32 * 32);
}

void qcc_f32_gemm_pack_b(int isa, int trans_b, int64_t k, int64_t n, const float *b, int64_t ldb, float *packed) {
    const qcc_gemm_kernels *kn = kernels_for(isa);
    packed_header h = {PACKED_MAGIC, kn->isa, k, n};
    memset(packed, 0, PACKED_HEADER_FLOATS * sizeof(float));
    memcpy(packed, &h, sizeof h);
    if (k <= 0 || n <= 0) return;
    float *body = packed + PACKED_HEADER_FLOATS;
    const int64_t npad = padded_width(kn, n), blocks = k_blocks(k);
    int64_t k0 = 0;
    for (int64_t p = 0; p < blocks; p++) {
        const int64_t kc = k_block_size(k, blocks, p);
        pack_b(kn, trans_b, b, ldb, k0, kc, 0, n, body + k0 * npad);
        k0 += kc;
    }
}

void qcc_f32_gemm_packed(int trans_a, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                         const float *packed_b, float beta, float *c, int64_t ldc) {
    packed_header h;
    memcpy(&h, packed_b, sizeof h);
    if (h.magic != PACKED_MAGIC || h.k != k || h.n != n) abort();
    const qcc_gemm_kernels *kn = kernels_for(h.isa);
    gemm(kn, NULL, trans_a, 0, m, n, k, alpha, a, lda, NULL, 0, packed_b + PACKED_HEADER_FLOATS, padded_width(kn, n),
         beta, c, ldc);
}

void qcc_f32_gemm_batched(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                          int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc, int batch_rank,
                          const int64_t *batch_shape, const int64_t *a_strides, const int64_t *b_strides,
                          const int64_t *c_strides) {
    qcc_f32_gemm_batched_scratch(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, batch_rank,
                                 batch_shape, a_strides, b_strides, c_strides, NULL);
}

void qcc_f32_gemm_batched_scratch(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                                  const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
                                  int64_t ldc, int batch_rank, const int64_t *batch_shape, const int64_t *a_strides,
                                  const int64_t *b_strides, const int64_t *c_strides, float *scratch_buffer) {
    const qcc_gemm_kernels *kn = kernels_for(QCC_GEMM_ISA_AUTO);
    int64_t count = 1;
    for (int d = 0; d < batch_rank; d++) count *= batch_shape[d];
    int64_t index[QCC_MAX_RANK] = {0};
    int64_t oa = 0, ob = 0, oc = 0;
    for (int64_t i = 0; i < count; i++) {
        gemm(kn, scratch_buffer, trans_a, trans_b, m, n, k, alpha, a + oa, lda, b + ob, ldb, NULL, 0, beta, c + oc,
             ldc);
        /* Advance the batch index (odometer), keeping the three offsets in step. */
        for (int d = batch_rank - 1; d >= 0; d--) {
            index[d]++;
            oa += a_strides[d];
            ob += b_strides[d];
            oc += c_strides[d];
            if (index[d] < batch_shape[d]) break;
            oa -= a_strides[d] * index[d];
            ob -= b_strides[d] * index[d];
            oc -= c_strides[d] * index[d];
            index[d] = 0;
        }
    }
}
