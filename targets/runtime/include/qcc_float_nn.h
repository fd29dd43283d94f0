/*
 * f32 kernels for neural-network ops: GEMM, convolution, pooling,
 * normalisation, softmax, reductions. The hot loops are compiled per
 * instruction set (QCC_TARGET_CLONES) and compute the same bits on each (see
 * qcc_base.h); softmax and log-sum-exp take e^x from qcc_math.h.
 */
#ifndef QCC_FLOAT_NN_H
#define QCC_FLOAT_NN_H

#include "qcc_base.h"

/* ------------------------------------------------------------------------ */
/* GEMM (float_gemm*.c): qcc_f32_gemm, its batched and pre-packed forms      */
/* ------------------------------------------------------------------------ */

#include "qcc_gemm.h"

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

#endif
