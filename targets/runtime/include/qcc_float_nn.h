/* f32 kernels for neural-network ops: GEMM, convolution, pooling, normalisation, softmax, reductions. */
#ifndef QCC_FLOAT_NN_H
#define QCC_FLOAT_NN_H

#include "qcc_base.h"

#include <math.h>

/*
 * Build support for the kernel sources. On x86-64 Linux with GCC or Clang
 * the hot loops are compiled three times (AVX-512, AVX2+FMA, baseline) and
 * the best one the CPU supports is picked at load time; define
 * QCC_NO_TARGET_CLONES to build the baseline only. The kernel sources turn
 * floating-point contraction off (QCC_NO_CONTRACT), so every
 * variant computes the same bits (GCC ignores that pragma: build with
 * -ffp-contract=off there for the same guarantee).
 */
#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(QCC_NO_TARGET_CLONES)
#define QCC_TARGET_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define QCC_TARGET_CLONES
#endif
/* Floating-point contraction off from here to the end of the file or block (GCC ignores the pragma). */
#if defined(__clang__)
#define QCC_NO_CONTRACT _Pragma("STDC FP_CONTRACT OFF")
#else
#define QCC_NO_CONTRACT
#endif
#if defined(__GNUC__) || defined(__clang__)
#define QCC_INLINE static inline __attribute__((always_inline))
#else
#define QCC_INLINE static inline
#endif

/* ------------------------------------------------------------------------ */
/* GEMM (float_gemm.c)                                                       */
/* ------------------------------------------------------------------------ */

/*
 * C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C, row-major, where op
 * transposes when trans_a / trans_b is non-zero. On the host this is
 * OpenBLAS's sgemm; lda/ldb/ldc are row strides in elements. beta == 0 means
 * C is written without being read (NaNs in it do not propagate); alpha == 0
 * or k == 0 scales C by beta without reading A or B.
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

/* ------------------------------------------------------------------------ */
/* Convolution and pooling (float_nn_conv.c)                                 */
/* ------------------------------------------------------------------------ */

/*
 * The geometry of a convolution or pooling window over up to 3 spatial
 * dimensions. 1-D and 2-D problems are written as 3-D ones with leading
 * spatial sizes 1 (kernel 1, stride 1, dilation 1, no padding).
 * `pad_begin` is the padding before each spatial dimension; the padding after
 * is implied by the output size.
 */
typedef struct {
    int64_t in[3];        /* input spatial sizes */
    int64_t out[3];       /* output spatial sizes */
    int64_t kernel[3];    /* kernel (window) sizes */
    int64_t stride[3];
    int64_t dilation[3];
    int64_t pad_begin[3];
} qcc_window3d;

/*
 * Floats of workspace qcc_f32_conv needs: channels/group * prod(kernel) *
 * prod(out), or 0 when the convolution reads its input directly (1x1 kernels
 * with stride 1 and no padding, and depthwise convolutions).
 */
int64_t qcc_f32_conv_workspace(const qcc_window3d *w, int64_t channels, int64_t group);

/*
 * Convolution: y[N, M, out] = sum over the group's channels and window of
 * x[N, C, in] * weight[M, C/group, kernel] (+ bias[M] when bias is non-NULL).
 * Each group is im2col into `workspace` (qcc_f32_conv_workspace floats) and
 * one GEMM; depthwise groups (one input channel each) run a direct kernel.
 */
void qcc_f32_conv(const float *x, const float *weight, const float *bias, float *y, int64_t batch, int64_t channels,
                  int64_t out_channels, int64_t group, const qcc_window3d *w, float *workspace);

/*
 * Pooling of each of `planes` (= N*C) spatial planes. kind 0 is max
 * (padding never wins), kind 1 is average. For averages, count_include_pad
 * divides by the window clipped to the padded input (pads given by
 * pad_begin and pad_end), otherwise by the number of input elements in the
 * window. `indices`, when non-NULL (max only), receives the flat index of
 * each maximum in the whole input tensor (plane * plane_size + position),
 * the position in row-major order, or column-major when storage_order is 1.
 * A window with no input element yields -inf (max) or NaN (average).
 */
void qcc_f32_pool(int kind, const float *x, float *y, int64_t *indices, int64_t planes, const qcc_window3d *w,
                  const int64_t *pad_end, int count_include_pad, int storage_order);

/* ------------------------------------------------------------------------ */
/* Normalisation and softmax (float_nn_norm.c)                               */
/* ------------------------------------------------------------------------ */

/*
 * Softmax of each of the outer*inner vectors of length n that step `inner`
 * elements apart (the axis is the middle of [outer, n, inner]).
 * mode 0: softmax (max-subtracted); 1: log-softmax; 2: hardmax (1 at the
 * first maximum, 0 elsewhere). x and y may be the same buffer.
 */
void qcc_f32_softmax(int mode, const float *x, float *y, int64_t outer, int64_t n, int64_t inner);

/*
 * Layer normalisation of `rows` contiguous rows of n elements:
 * y = (x - mean) / sqrt(var + epsilon) * scale + bias (bias may be NULL;
 * scale and bias have n elements). Mean and (biased) variance are two-pass
 * with double accumulation. mean_out / inv_std_out, when non-NULL, receive
 * each row's mean and 1/sqrt(var + epsilon).
 */
void qcc_f32_layernorm(const float *x, const float *scale, const float *bias, float *y, float *mean_out,
                       float *inv_std_out, int64_t rows, int64_t n, float epsilon);

/*
 * RMS normalisation of `rows` contiguous rows of n elements:
 * y = x / sqrt(mean(x^2) + epsilon) * scale (scale has n elements, or is
 * NULL for 1), the mean of squares accumulated in double.
 */
void qcc_f32_rmsnorm(const float *x, const float *scale, float *y, int64_t rows, int64_t n, float epsilon);

/*
 * Mean and biased variance of each of `rows` contiguous rows of n elements,
 * two-pass in double.
 */
void qcc_f32_row_moments(const float *x, int64_t rows, int64_t n, double *mean, double *variance);

/*
 * y[r, i] = x[r, i] * a[r % a_period] + b[r % a_period] for `rows` rows of n
 * elements: a per-row (per-channel, with a_period = C) affine map, as
 * batch and instance normalisation reduce to.
 */
void qcc_f32_row_affine(const float *x, float *y, int64_t rows, int64_t n, const float *a, const float *b,
                        int64_t a_period);

/* ------------------------------------------------------------------------ */
/* Reductions (float_nn_reduce.c)                                            */
/* ------------------------------------------------------------------------ */

/* What qcc_f32_reduce computes over the reduced axis. */
typedef enum {
    QCC_REDUCE_SUM = 0,
    QCC_REDUCE_MEAN = 1,
    QCC_REDUCE_MAX = 2,
    QCC_REDUCE_MIN = 3,
    QCC_REDUCE_PROD = 4,
    QCC_REDUCE_SUM_SQUARE = 5,
    QCC_REDUCE_L1 = 6,
    QCC_REDUCE_L2 = 7,
    QCC_REDUCE_LOG_SUM = 8,
    QCC_REDUCE_LOG_SUM_EXP = 9,
} qcc_reduce_kind;

/*
 * y[o, i] = reduce over j of x[o, j, i], x viewed as [outer, n, inner]
 * (y is [outer, inner]). Sums accumulate in float in several independent
 * lanes; an empty reduction (n == 0) gives the identity (0, 1, -inf, +inf),
 * a mean of nothing is NaN, and log-sum-exp subtracts the maximum first.
 */
void qcc_f32_reduce(qcc_reduce_kind kind, const float *x, float *y, int64_t outer, int64_t n, int64_t inner);

/*
 * The index along the middle axis of [outer, n, inner] of the maximum
 * (is_min 0) or minimum (is_min 1) of each vector: the first one, or the
 * last one when select_last is non-zero. Comparisons with NaN are false. n > 0.
 */
void qcc_f32_arg_reduce(int is_min, int select_last, const float *x, int64_t *y, int64_t outer, int64_t n,
                        int64_t inner);

/* ------------------------------------------------------------------------ */
/* Shared math                                                               */
/* ------------------------------------------------------------------------ */

/*
 * e^x in float for vectorisable loops: Cody-Waite range reduction and the
 * Cephes degree-6 polynomial, within 2 ulp of e^x for x in [-86.6, 88.7];
 * +inf above ln(FLT_MAX) = 88.72, 0 below -125 ln 2 = -86.64 (results under
 * 2^-125 flush to zero instead of becoming denormal), NaN in, NaN out.
 * Branch-free, so loops calling it vectorise; never contracted into FMAs,
 * so every instruction set computes the same bits.
 */
static inline float qcc_f32_exp_approx(float x) {
    QCC_NO_CONTRACT
    const float hi = 88.7228391f, lo = -86.6433975f;
    /* Clamp (a NaN clamps to hi); 1.5 * 2^23 added and removed rounds to nearest. */
    float xc = x < hi ? x : hi;
    xc = xc > lo ? xc : lo;
    const float magic = 12582912.0f;
    float fn = xc * 1.44269504089f + magic;
    union { float f; int32_t i; } bits;
    bits.f = fn;
    int32_t n = bits.i - 0x4B400000;
    float nf = fn - magic;
    /* r = x - n ln2, with ln2 split in two so that n * the first part is exact. */
    float r = xc - nf * 0.693145751953125f;
    r = r - nf * 1.428606765330187e-06f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    /* 2^n as 2 * 2^(n-1), so that n = 128 (x near hi) stays representable. */
    bits.i = (n + 126) << 23;
    float result = (p + p) * bits.f;
    result = x > hi ? INFINITY : result;
    result = x < lo ? 0.0f : result;
    return x != x ? x : result;
}

#endif
