/* f32 transposed convolution (ConvTranspose): GEMM + col2im over up to 3 spatial dims. */
#ifndef QCC_FLOAT_CONV_TRANSPOSE_H
#define QCC_FLOAT_CONV_TRANSPOSE_H

#include "qcc_base.h"
#include "qcc_float_nn.h"

/*
 * Floats of workspace qcc_f32_conv_transpose needs:
 * out_channels/group * prod(kernel) * prod(in).
 */
int64_t qcc_f32_conv_transpose_workspace(const qcc_window3d *w, int64_t out_channels, int64_t group);

/*
 * Transposed convolution: x[N, C, in] and weight[C, M/group, kernel] give
 * y[N, M, out] where every input element x[n, c, i] adds
 * x[n, c, i] * weight[c, m, k] to y[n, g*M/group + m, o] at
 * o = i * stride + k * dilation - pad_begin for each kernel position k (c in
 * group g), positions outside [0, out) being dropped; y starts at bias[M]
 * (0 when bias is NULL). Per image and group, one GEMM (weight^T * x) into
 * `workspace` (qcc_f32_conv_transpose_workspace floats) and a col2im
 * scatter-add into y. The geometry is `w` with `in` the input and `out` the
 * output spatial sizes. `gemm_scratch` is the GEMM's scratch buffer
 * (QCC_GEMM_SCRATCH_BYTES, 64-byte aligned), or NULL for the calling
 * thread's (qcc_gemm.h); the bits are the same either way.
 */
void qcc_f32_conv_transpose(const float *x, const float *weight, const float *bias, float *y, int64_t batch,
                            int64_t channels, int64_t out_channels, int64_t group, const qcc_window3d *w,
                            float *workspace, float *gemm_scratch);

#endif
