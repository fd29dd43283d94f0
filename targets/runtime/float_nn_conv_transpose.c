/* Transposed convolution: per image and group, cols = weight^T * x (one GEMM), then col2im adds cols into y. */
#include "qcc_float_conv_transpose.h"
#include "qcc_gemm.h"

#include <string.h>

QCC_NO_CONTRACT

/* ceil(a / b) for b > 0 and any a. */
static int64_t ceil_div_ct(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

static int64_t product3_ct(const int64_t *v) { return v[0] * v[1] * v[2]; }

int64_t qcc_f32_conv_transpose_workspace(const qcc_window3d *w, int64_t out_channels, int64_t group) {
    return out_channels / group * product3_ct(w->kernel) * product3_ct(w->in);
}

/*
 * y[m, o] += cols[m, k, i] for o = i * stride + k * dilation - pad in [0, out), over `channels` output
 * planes; cols is [channels * prod(kernel), prod(in)].
 */
QCC_TARGET_CLONES static void col2im_add(const float *cols, float *y, int64_t channels, const qcc_window3d *w) {
    const int64_t in0 = w->in[0], in1 = w->in[1], in2 = w->in[2];
    const int64_t out_plane = product3_ct(w->out), in_plane = product3_ct(w->in);
    const int64_t s2 = w->stride[2];
    const float *src = cols;
    for (int64_t c = 0; c < channels; c++) {
        float *yc = y + c * out_plane;
        for (int64_t k0 = 0; k0 < w->kernel[0]; k0++)
            for (int64_t k1 = 0; k1 < w->kernel[1]; k1++)
                for (int64_t k2 = 0; k2 < w->kernel[2]; k2++, src += in_plane) {
                    /* Inputs i2 whose output o2 = i2 * s2 + off2 lies in [0, out2). */
                    const int64_t off2 = k2 * w->dilation[2] - w->pad_begin[2];
                    int64_t lo = ceil_div_ct(-off2, s2), hi = ceil_div_ct(w->out[2] - off2, s2);
                    if (lo < 0) lo = 0;
                    if (hi > in2) hi = in2;
                    if (hi <= lo) continue;
                    for (int64_t i0 = 0; i0 < in0; i0++) {
                        const int64_t o0 = i0 * w->stride[0] + k0 * w->dilation[0] - w->pad_begin[0];
                        if (o0 < 0 || o0 >= w->out[0]) continue;
                        for (int64_t i1 = 0; i1 < in1; i1++) {
                            const int64_t o1 = i1 * w->stride[1] + k1 * w->dilation[1] - w->pad_begin[1];
                            if (o1 < 0 || o1 >= w->out[1]) continue;
                            const float *row = src + (i0 * in1 + i1) * in2;
                            float *dst = yc + (o0 * w->out[1] + o1) * w->out[2] + off2;
                            if (s2 == 1) {
                                for (int64_t i2 = lo; i2 < hi; i2++) dst[i2] += row[i2];
                            } else {
                                for (int64_t i2 = lo; i2 < hi; i2++) dst[i2 * s2] += row[i2];
                            }
                        }
                    }
                }
    }
}

void qcc_f32_conv_transpose(const float *x, const float *weight, const float *bias, float *y, int64_t batch,
                            int64_t channels, int64_t out_channels, int64_t group, const qcc_window3d *w,
                            float *workspace, float *gemm_scratch) {
    const int64_t cg = channels / group, mg = out_channels / group;
    const int64_t in_size = product3_ct(w->in), out_size = product3_ct(w->out), ksize = product3_ct(w->kernel);
    for (int64_t n = 0; n < batch; n++) {
        float *yn = y + n * out_channels * out_size;
        for (int64_t m = 0; m < out_channels; m++) {
            const float b = bias ? bias[m] : 0.0f;
            float *row = yn + m * out_size;
            for (int64_t i = 0; i < out_size; i++) row[i] = b;
        }
        for (int64_t g = 0; g < group; g++) {
            const float *xg = x + (n * channels + g * cg) * in_size;
            const float *wg = weight + g * cg * mg * ksize;
            /* cols[mg * ksize, in_size] = wg^T (wg is [cg, mg * ksize]) * xg [cg, in_size]. */
            qcc_f32_gemm_batched_scratch(1, 0, mg * ksize, in_size, cg, 1.0f, wg, mg * ksize, xg, in_size, 0.0f,
                                         workspace, in_size, 0, NULL, NULL, NULL, NULL, gemm_scratch);
            col2im_add(workspace, yn + g * mg * out_size, mg, w);
        }
    }
}
