/*
 * Private to the GEMM sources (float_gemm*.c): the micro-kernel interface
 * every instruction set implements, and the blocking constants.
 */
#ifndef QCC_FLOAT_GEMM_INTERNAL_H
#define QCC_FLOAT_GEMM_INTERNAL_H

#include "qcc_gemm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(QCC_GEMM_NO_X86)
#define QCC_GEMM_X86 1
#else
#define QCC_GEMM_X86 0
#endif

/* The largest K block; K is split into ceil(K / QCC_GEMM_KC) nearly equal blocks. */
#ifndef QCC_GEMM_KC
#define QCC_GEMM_KC 256
#endif
/* Floats of the packed-B block (kc x nc), sized to stay in L2 while every A panel streams over it. */
#define QCC_GEMM_B_BLOCK (128 * 1024)
/* GEMMs of at most this many rows read a non-transposed B in place instead of packing it. */
#ifndef QCC_GEMM_DIRECT_B_ROWS
#define QCC_GEMM_DIRECT_B_ROWS 64
#endif
/*
 * Software prefetch distance of the micro-kernels' B stream: floats ahead in
 * a packed panel, rows ahead in a B read in place (tuned on Zen 5, where the
 * hardware prefetcher alone leaves a weight streamed from memory 30% slower).
 */
#define QCC_GEMM_PREFETCH_FLOATS 4096
#define QCC_GEMM_PREFETCH_ROWS 32
/* Rows of the largest A panel any kernel takes, and the largest K block the A scratch holds. */
#define QCC_GEMM_MR_MAX 16
#define QCC_GEMM_KC_MAX 384
/* The scratch (qcc_gemm.h) holds the B block and one A panel. */
typedef char qcc_gemm_scratch_fits[QCC_GEMM_KC <= QCC_GEMM_KC_MAX &&
                                           (size_t)(QCC_GEMM_B_BLOCK + QCC_GEMM_MR_MAX * QCC_GEMM_KC_MAX + 64) *
                                                   sizeof(float) <=
                                               QCC_GEMM_SCRATCH_BYTES
                                       ? 1
                                       : -1];

/*
 * One row panel: C[mr, nc] = alpha * A[mr, kc] * B[kc, nc] + beta * C (C
 * not read when beta == 0), mr <= the kernel's MR. A is row-major with row
 * stride lda (a_kmajor == 0) or k-major, element (i, k) at a[k * lda + i]
 * (a_kmajor == 1). B is row-major with row stride ldb, read in place, when
 * ldb != 0 (then a_kmajor is 0); when ldb == 0 it is packed: consecutive
 * panels of nr columns (the last one rounded up to the kernel's quantum,
 * zero-padded), each kc x width, row-major; the panel at column j starts at
 * b + j * kc.
 */
typedef void (*qcc_gemm_row_panel_fn)(int a_kmajor, int64_t mr, int64_t nc, int64_t kc, const float *a, int64_t lda,
                                      const float *b, int64_t ldb, float *c, int64_t ldc, float alpha, float beta);

/*
 * One K block of a row vector times a row-major B: c[n] = alpha * a[kc] *
 * B[kc, n] + beta * c (c not read when beta == 0).
 */
typedef void (*qcc_gemm_gemv_fn)(int64_t n, int64_t kc, const float *a, const float *b, int64_t ldb, float *c,
                                 float alpha, float beta);

/* The micro-kernels of one instruction set. */
typedef struct {
    int isa;
    int mr;      /* rows of a full A panel */
    int nr;      /* columns of a full B panel */
    int quantum; /* the last B panel's width is rounded up to a multiple of this */
    qcc_gemm_row_panel_fn row_panel;
    qcc_gemm_gemv_fn gemv;
} qcc_gemm_kernels;

extern const qcc_gemm_kernels qcc_gemm_kernels_portable;
#if QCC_GEMM_X86
extern const qcc_gemm_kernels qcc_gemm_kernels_avx2;
extern const qcc_gemm_kernels qcc_gemm_kernels_avx512;
#endif

#endif
