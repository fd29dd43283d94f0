/*
 * Private to the integer GEMM sources (quant_gemm*.c): the interface between
 * the driver (quant_gemm.c: blocking, zero-point algebra, choice of path,
 * portable reference) and the SIMD micro-kernels (quant_gemm_avx2.c,
 * quant_gemm_neon.c), and two test hooks (tools/qgemm_test.c).
 *
 * The SIMD paths compute the raw product P[i, j] = sum_t a'[i, t] * b'[t, j]
 * of shifted operands a' = a + a_off, b' = b + b_off (each kernel set fixes
 * the shifts so that its operands fit its instructions: e.g. u8 x s8 for
 * vpmaddubsw), exactly modulo 2^32; the driver folds the zero points and the
 * bias in afterwards (see quant_gemm.c). Every path returns the same bits as
 * the portable loops, which stay the reference and the fallback.
 */
#ifndef QCC_QUANT_GEMM_INTERNAL_H
#define QCC_QUANT_GEMM_INTERNAL_H

#include "quant_internal.h"

/* The paths of qcc_qgemm_i32 (qcc_qgemm_path). */
#define QCC_QGEMM_PATH_PORTABLE 0
#define QCC_QGEMM_PATH_AVX2_U8S8 1  /* vpmaddubsw + vpmaddwd: a' in 0..255, b' small enough (see avx2.c) */
#define QCC_QGEMM_PATH_AVX2_S16 2   /* vpmaddwd on sign/zero-extended 16-bit values: any 8-bit operands */
#define QCC_QGEMM_PATH_NEON_SDOT 3  /* vdotq_laneq_s32 (armv8.2-a+dotprod) */
#define QCC_QGEMM_PATH_NEON_SMULL 4 /* vmull_s8 + vpadalq_s16 (armv8-a) */
#define QCC_QGEMM_PATH_AVX512_VNNI 5 /* zmm vpdpbusd (AVX512-VNNI): any 8-bit operands */
#define QCC_QGEMM_PATH_AVX_VNNI 6    /* ymm VEX vpdpbusd (AVX-VNNI): any 8-bit operands */

/*
 * Which SIMD kernels this build has. x86-64 with GCC or Clang: the AVX2
 * kernels are compiled with target attributes and chosen at run time
 * (__builtin_cpu_supports), or, with QCC_NO_TARGET_CLONES (generated code,
 * one variant for the compiler's target), only when __AVX2__ is defined and
 * then always used. AArch64: the NEON kernels, sdot when the target has
 * __ARM_FEATURE_DOTPROD (chosen at compile time); NEON is part of every
 * AArch64 target, so a build without -march flags takes the smull path.
 * QCC_QGEMM_NO_SIMD builds the portable loops only (any compiler, any CPU).
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
    (!defined(QCC_NO_TARGET_CLONES) || defined(__AVX2__)) && !defined(QCC_QGEMM_NO_SIMD)
#define QCC_QGEMM_AVX2 1
#if defined(QCC_NO_TARGET_CLONES)
#define QCC_QGEMM_AVX2_RUNTIME_CHECK 0
#else
#define QCC_QGEMM_AVX2_RUNTIME_CHECK 1
#endif
#else
#define QCC_QGEMM_AVX2 0
#endif
/*
 * The VNNI kernels (quant_gemm_vnni.c): x86-64 with GCC >= 11 or Clang >= 12
 * (the avxvnni target); always compiled with target attributes and chosen
 * at run time, whatever the -m flags and QCC_NO_TARGET_CLONES say (which
 * only turns off target_clones). QCC_QGEMM_NO_VNNI leaves them out.
 */
#if defined(__x86_64__) && !defined(QCC_QGEMM_NO_SIMD) && !defined(QCC_QGEMM_NO_VNNI) && \
    ((defined(__clang__) && __clang_major__ >= 12) || (!defined(__clang__) && defined(__GNUC__) && __GNUC__ >= 11))
#define QCC_QGEMM_VNNI 1
#else
#define QCC_QGEMM_VNNI 0
#endif
#if defined(__aarch64__) && defined(__ARM_NEON) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(QCC_QGEMM_NO_SIMD)
#define QCC_QGEMM_NEON 1
#else
#define QCC_QGEMM_NEON 0
#endif

/*
 * Blocking. B is packed per call into one K block x N block of at most
 * QCC_QGEMM_B_BYTES; K is split into ceil(K / QCC_QGEMM_KC) nearly equal
 * blocks (multiples of 4). A panels (mr rows x one K block) are converted
 * into QCC_QGEMM_A_BYTES. Both live on the caller's stack (about 64 KiB with
 * the per-column terms), so a call allocates nothing.
 */
#ifndef QCC_QGEMM_KC
#define QCC_QGEMM_KC 256
#endif
#ifndef QCC_QGEMM_B_BYTES
#define QCC_QGEMM_B_BYTES (48 * 1024)
#endif
#define QCC_QGEMM_NC_MAX 768 /* columns of a B block (bounds the per-column arrays) */
#define QCC_QGEMM_MR_MAX 8
#define QCC_QGEMM_A_STRIDE_MAX (QCC_QGEMM_KC * 2 + 64) /* bytes per converted A row */
#define QCC_QGEMM_A_BYTES (QCC_QGEMM_MR_MAX * QCC_QGEMM_A_STRIDE_MAX)
#define QCC_QGEMM_M_CHUNK 256 /* rows whose sums are kept at once */
/* K blocks are multiples of 4 (every kq divides them), and a B block holds at least one 16-column panel of int16. */
typedef char qcc_qgemm_blocking_check[QCC_QGEMM_KC % 4 == 0 && QCC_QGEMM_KC >= 4 &&
                                              QCC_QGEMM_B_BYTES >= QCC_QGEMM_KC * 2 * 16 &&
                                              QCC_QGEMM_NC_MAX >= 16
                                          ? 1
                                          : -1];

/*
 * What a micro-kernel adds to its raw products before storing a tile (for
 * columns j of the B block and rows i of the A panel):
 *   c[i, j] = P[i, j] + (add_c ? c[i, j] : 0)
 *             + (correct ? colterm[j] + zb_neg[j] * row_term[i] : 0)
 * all modulo 2^32; zb_neg == NULL means zero. colterm and zb_neg hold a
 * multiple of the kernel's nr entries (zero past the block's columns).
 */
typedef struct {
    int add_c;                /* a later K block: accumulate into c */
    int correct;              /* the last K block: add the zero-point and bias terms */
    const uint32_t *colterm;  /* [nb]: bias + K za' zb' - za' sum_t b' */
    const uint32_t *zb_neg;   /* [nb]: -zb', or NULL when every zb' is 0 */
    const uint32_t *row_term; /* [mr]: sum_t a' (- K za'_i with per-row a zero points) */
} qcc_qgemm_epilogue;

/*
 * The one-row product in the kernels' own terms (za' = za + a_off, zb'_j
 * likewise): with r = sum_t a'_t - K za',
 *   sum_t (a_t - za)(b_tj - zb_j) = sum_t (a'_t - za') b'_tj - zb'_j r,
 * so a gemv kernel computes, for j < n, modulo 2^32,
 *   c[j] = sum_t (a'_t - za') b'_tj + bias[j] - (zb[j] + zb_add) r
 * with bias[j] = 0 when bias is NULL and zb[j] = 0 when zb is NULL.
 */
typedef struct qcc_qgemv_epilogue {
    uint32_t za;         /* za' */
    uint32_t row_term;   /* r */
    const int32_t *bias; /* [n] or NULL */
    const int32_t *zb;   /* [n]: per-column zero points, or NULL */
    uint32_t zb_add;     /* b_off with per-column zb, else the whole scalar zb' */
} qcc_qgemv_epilogue;

/*
 * One SIMD kernel set. Operands are 8-bit (i8 or u8); `u8` flags below say
 * which. Element offsets a_off / b_off per operand type (what the packers
 * add before the kernels multiply):
 *   a_off[0] for i8 a, a_off[1] for u8 a; likewise b_off.
 *
 * pack_b: packs the kb x nb block at b (row stride ldb bytes) into dst:
 *   ceil(nb / nr) panels of nr columns (zero-padded), each kbp x nr elements
 *   (kbp = kb rounded up to kq, zero-padded), in the kernel's layout; when
 *   colsum is not NULL, adds sum_t b'[t, j] to colsum[j] for j < nb.
 * pack_a: converts rows 0..mr-1 of the mr x kb block at a (row stride lda
 *   bytes) to the kernel's element type, row r at dst + r * astride,
 *   zero-padded to kbp elements; when rowsum is not NULL, adds sum_t a'[r, t]
 *   to rowsum[r].
 * panel: for every nr-column panel of the packed B block, the mr x nb
 *   product with the converted A panel, finished by the epilogue into c (row
 *   stride ldc); only the nb real columns are written.
 * gemv (NULL when the set has none): the whole one-row product c = a x b,
 *   B read in place (row stride ldb bytes) with no packing, which a single
 *   row cannot pay for; a' and b' with this set's offsets, e the rest of the
 *   zero-point algebra (qcc_qgemv_epilogue).
 */
typedef struct {
    int path;
    int mr, nr;         /* register tile; mr <= QCC_QGEMM_MR_MAX */
    int kq;             /* K granularity of the packed layouts (2 or 4) */
    int elem_bytes;     /* bytes per packed element (1 or 2) */
    int32_t a_off[2], b_off[2];
    void (*pack_b)(const uint8_t *b, int64_t ldb, int u8, int64_t kb, int64_t nb, void *dst, uint32_t *colsum);
    void (*pack_a)(const uint8_t *a, int64_t lda, int u8, int64_t mr, int64_t kb, int64_t kbp, void *dst,
                   int64_t astride, uint32_t *rowsum);
    void (*panel)(int64_t mr, int64_t nb, int64_t kbp, const void *a, int64_t astride, const void *b, int32_t *c,
                  int64_t ldc, const qcc_qgemm_epilogue *e);
    void (*gemv)(int64_t n, int64_t k, const uint8_t *a, int a_u8, const uint8_t *b, int64_t ldb, int b_u8,
                 const struct qcc_qgemv_epilogue *e, int32_t *c);
} qcc_qgemm_kernels;

#if QCC_QGEMM_AVX2
extern const qcc_qgemm_kernels qcc_qgemm_kernels_avx2_u8s8;
extern const qcc_qgemm_kernels qcc_qgemm_kernels_avx2_s16;
/* 1 when every pair |b'[2s, j]| + |b'[2s+1, j]| of the k x n matrix is at most 128 (the u8s8 bound). */
int qcc_qgemm_avx2_u8s8_safe(const uint8_t *b, int64_t ldb, int u8, int64_t k, int64_t n);
#endif
#if QCC_QGEMM_NEON
extern const qcc_qgemm_kernels qcc_qgemm_kernels_neon;
#endif
#if QCC_QGEMM_VNNI
/*
 * The widest VNNI kernel set of at most max_bits (512: AVX512-VNNI, else
 * 256: AVX-VNNI) this CPU runs, or NULL. Weak on ELF: a build that leaves
 * quant_gemm_vnni.c out still links (and has no VNNI path).
 */
#if defined(__ELF__)
__attribute__((weak))
#endif
const qcc_qgemm_kernels *qcc_qgemm_vnni_kernels(int max_bits);
#endif

/*
 * Test hooks (tools/qgemm_test.c). qcc_qgemm_path: the path qcc_qgemm_i32
 * (and each product of qcc_qgemm_batched_i32) takes for these operands, a
 * pure function of its arguments and the CPU; qcc_qgemm_takes_gemv likewise. qcc_qgemm_set_simd(0) makes
 * every call take the portable path (1, the default, restores the choice);
 * meant for benchmarks only.
 */
int qcc_qgemm_path(int64_t m, int64_t n, int64_t k, const qcc_qmatrix *a, const qcc_qmatrix *b);
/* 1 when that path computes this product with its gemv kernel (one row of a). */
int qcc_qgemm_takes_gemv(int64_t m, int64_t n, int64_t k, const qcc_qmatrix *a, const qcc_qmatrix *b);
void qcc_qgemm_set_simd(int enabled);
/*
 * qcc_qgemm_set_vnni(bits): the widest VNNI kernels the SIMD paths may take:
 * 512 (the default: AVX512-VNNI, else AVX-VNNI), 256 (AVX-VNNI only) or 0
 * (none: the AVX2 paths); for tests and benchmarks.
 */
void qcc_qgemm_set_vnni(int max_bits);

#endif
