/*
 * f32 GEMM (float_gemm.c, float_gemm_avx512.c, float_gemm_avx2.c): qcc's
 * own single-threaded packed GEMM in the BLIS/GotoBLAS style.
 *
 * Blocking: K is split into ceil(K / 256) nearly equal blocks (a function of K
 * alone); for each block and each range of at most 128 Ki floats / kc columns
 * (kept in L2), B is packed into panels of NR columns (zero-padded), then
 * every MR-row panel of A (read in place from L1, or packed when transposed
 * or when its row stride would alias in L1) runs a register-blocked
 * micro-kernel over all the B panels. With at most 64 rows and B not
 * transposed, B is read in place instead (packing would cost more than it
 * saves); one row times a non-transposed B streams B once (GEMV).
 * Micro-kernels: AVX-512 14x32 (zmm FMAs), AVX2+FMA 6x16 (ymm FMAs), portable
 * C 4x16, picked at run time (each compiled with its own target attribute, so
 * the files build with default flags); column edges use masked loads and
 * stores, and there is a kernel for every row count, so no flop or store is
 * wasted on padding rows.
 *
 * Bits: every element is one chain of fused multiply-adds over the k of each
 * K block in increasing order, started from +0, then stored as
 * c = alpha * acc (first block, beta == 0), fma(beta, c, alpha * acc) (first
 * block) or c + alpha * acc (later blocks). All paths (AVX-512, AVX2, portable,
 * the M == 1 path, pre-packed or not) therefore compute the same bits on any
 * CPU, provided the portable path has a real FMA (QCC_FMA in qcc_base.h).
 *
 * Memory: each thread that calls the GEMM allocates one scratch buffer of
 * QCC_GEMM_SCRATCH_BYTES (536 KiB) on its first call and reuses it for
 * every later call; it is freed when the thread exits (POSIX threads; a
 * non-POSIX build uses one static buffer and is single-threaded). Nothing else
 * is allocated.
 */
#ifndef QCC_GEMM_H
#define QCC_GEMM_H

#include "qcc_base.h"

/* Instruction sets of the GEMM micro-kernels (for tests and benchmarks). */
#define QCC_GEMM_ISA_AUTO 0     /* the best the CPU supports */
#define QCC_GEMM_ISA_PORTABLE 1 /* plain C, any CPU */
#define QCC_GEMM_ISA_AVX2 2     /* x86-64 AVX2 + FMA */
#define QCC_GEMM_ISA_AVX512 3   /* x86-64 AVX-512F */

/* Bytes of the per-thread scratch buffer (see above). */
#define QCC_GEMM_SCRATCH_BYTES ((size_t)(128 * 1024 + 16 * 384 + 64) * sizeof(float))

/*
 * C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C, row-major, where op
 * transposes when trans_a / trans_b is non-zero (A is then stored K x M, B
 * N x K). lda/ldb/ldc are row strides in elements. beta == 0 means C is
 * written without being read (NaNs in it do not propagate); alpha == 0 or
 * k == 0 scales C by beta (writes 0 when beta == 0) without reading A or B.
 * Single-threaded; uses the calling thread's scratch buffer.
 */
void qcc_f32_gemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                  const float *b, int64_t ldb, float beta, float *c, int64_t ldc);

/*
 * A batch of GEMMs sharing shapes: for each of the `batch_rank`-dimensional
 * batch indices i (row-major over `batch_shape`), C_i = alpha * op(A_i) *
 * op(B_i) + beta * C_i, where A_i starts at a + sum(i[d] * a_strides[d])
 * (likewise B_i, C_i). Strides are in elements and may be 0 (a broadcast
 * operand). batch_rank may be 0 (one GEMM); at most QCC_MAX_RANK.
 */
void qcc_f32_gemm_batched(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                          int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc, int batch_rank,
                          const int64_t *batch_shape, const int64_t *a_strides, const int64_t *b_strides,
                          const int64_t *c_strides);

/*
 * qcc_f32_gemm_batched with the scratch buffer given: QCC_GEMM_SCRATCH_BYTES
 * bytes, 64-byte aligned, not shared with a concurrent call (NULL: the
 * calling thread's buffer). Same bits; for programs that allocate nothing
 * while they run (the .qprog runtime).
 */
void qcc_f32_gemm_batched_scratch(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                                  const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
                                  int64_t ldc, int batch_rank, const int64_t *batch_shape, const int64_t *a_strides,
                                  const int64_t *b_strides, const int64_t *c_strides, float *scratch);

/* The instruction set `isa` resolves to on this CPU: AUTO gives the best one, an unsupported one the best below it. */
int qcc_f32_gemm_resolve_isa(int isa);

/* qcc_f32_gemm on the micro-kernels of `isa` (resolved with qcc_f32_gemm_resolve_isa). */
void qcc_f32_gemm_isa(int isa, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                      int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);

/*
 * Pre-packed B, for a B that many GEMMs share (a constant weight): pack it
 * once with qcc_f32_gemm_pack_b, then run qcc_f32_gemm_packed, which skips
 * packing B. The packed form is specific to the instruction set it was
 * packed for (recorded in it) and holds K x N rounded up to whole panels plus
 * a 64-byte header: qcc_f32_gemm_packed_b_floats(k, n) floats, enough for any
 * instruction set; `packed` must be 64-byte aligned.
 */
int64_t qcc_f32_gemm_packed_b_floats(int64_t k, int64_t n);

/* Packs op(B)[K,N] (B stored N x K when trans_b) for the micro-kernels of `isa` into `packed`. */
void qcc_f32_gemm_pack_b(int isa, int trans_b, int64_t k, int64_t n, const float *b, int64_t ldb, float *packed);

/*
 * qcc_f32_gemm with op(B) given pre-packed (k and n must be those it was
 * packed with, or the call aborts); computes the same bits as qcc_f32_gemm.
 */
void qcc_f32_gemm_packed(int trans_a, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                         const float *packed_b, float beta, float *c, int64_t ldc);

#endif
