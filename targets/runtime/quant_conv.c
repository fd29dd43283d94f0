/* Integer convolution (qcc_quant.h): im2col with the input's zero point as padding, then qcc_qgemm per group. */
#include "quant_internal.h"

#include <string.h>

/* ceil(a / b) for b > 0 and any a. */
static int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
/* floor(a / b) for b > 0 and any a. */
static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/* The outputs o in [*lo, *hi) of one output row whose input position o * stride + offset lies in [0, in). */
static void valid_range(int64_t out, int64_t in, int64_t stride, int64_t offset, int64_t *lo, int64_t *hi) {
    int64_t a = ceil_div(-offset, stride);
    int64_t b = floor_div(in - 1 - offset, stride) + 1;
    if (a < 0) a = 0;
    if (b > out) b = out;
    if (b < a) b = a;
    *lo = a;
    *hi = b;
}

static int64_t product3(const int64_t *v) { return v[0] * v[1] * v[2]; }

static int reads_input_directly(const qcc_window3d *w) {
    for (int d = 0; d < 3; d++)
        if (w->kernel[d] != 1 || w->stride[d] != 1 || w->pad_begin[d] != 0 || w->out[d] != w->in[d]) return 0;
    return 1;
}

int64_t qcc_qconv_workspace(const qcc_window3d *w, int64_t channels, int64_t group, qcc_qtype x_type) {
    if (reads_input_directly(w)) return 0;
    return channels / group * product3(w->kernel) * product3(w->out) * (int64_t)qcc_qtype_size(x_type);
}

/*
 * Unfolds the windows of `channels` input planes of T elements into
 * col[channels * prod(kernel), prod(out)], padding with `pad`.
 */
#define QCC_DEFINE_IM2COL(NAME, T)                                                                                   \
    static void NAME(const T *x, T *col, int64_t channels, const qcc_window3d *w, T pad) {                           \
        const int64_t in_plane = product3(w->in), out0 = w->out[0], out1 = w->out[1], out2 = w->out[2];            \
        T *dst = col;                                                                                              \
        for (int64_t c = 0; c < channels; c++) {                                                                   \
            const T *xc = x + c * in_plane;                                                                        \
            for (int64_t k0 = 0; k0 < w->kernel[0]; k0++)                                                          \
                for (int64_t k1 = 0; k1 < w->kernel[1]; k1++)                                                      \
                    for (int64_t k2 = 0; k2 < w->kernel[2]; k2++) {                                                \
                        int64_t off2 = k2 * w->dilation[2] - w->pad_begin[2];                                      \
                        int64_t lo, hi;                                                                            \
                        valid_range(out2, w->in[2], w->stride[2], off2, &lo, &hi);                                 \
                        for (int64_t o0 = 0; o0 < out0; o0++) {                                                    \
                            int64_t i0 = o0 * w->stride[0] + k0 * w->dilation[0] - w->pad_begin[0];                \
                            for (int64_t o1 = 0; o1 < out1; o1++, dst += out2) {                                   \
                                int64_t i1 = o1 * w->stride[1] + k1 * w->dilation[1] - w->pad_begin[1];            \
                                if (i0 < 0 || i0 >= w->in[0] || i1 < 0 || i1 >= w->in[1]) {                       \
                                    for (int64_t o2 = 0; o2 < out2; o2++) dst[o2] = pad;                           \
                                    continue;                                                                      \
                                }                                                                                  \
                                const T *src = xc + (i0 * w->in[1] + i1) * w->in[2] + off2;                        \
                                for (int64_t o2 = 0; o2 < lo; o2++) dst[o2] = pad;                                 \
                                if (w->stride[2] == 1) {                                                           \
                                    if (hi > lo) memcpy(dst + lo, src + lo, (size_t)(hi - lo) * sizeof(T));        \
                                } else {                                                                           \
                                    const int64_t s = w->stride[2];                                                \
                                    for (int64_t o2 = lo; o2 < hi; o2++) dst[o2] = src[o2 * s];                    \
                                }                                                                                  \
                                for (int64_t o2 = hi; o2 < out2; o2++) dst[o2] = pad;                              \
                            }                                                                                      \
                        }                                                                                          \
                    }                                                                                              \
        }                                                                                                          \
    }

QCC_DEFINE_IM2COL(im2col8, uint8_t)
QCC_DEFINE_IM2COL(im2col16, uint16_t)

static void qconv(int wide, qcc_qtype x_type, const void *x, int32_t x_zero_point, int32_t x_pad, qcc_qtype w_type,
                  const void *w, const int32_t *w_zero_point, const void *bias, void *y, int64_t batch,
                  int64_t channels, int64_t out_channels, int64_t group, const qcc_window3d *win, void *workspace) {
    const int64_t cg = channels / group, mg = out_channels / group;
    const int64_t in_size = product3(win->in), out_size = product3(win->out), ksize = product3(win->kernel);
    const int64_t kdim = cg * ksize;
    const int direct = reads_input_directly(win);
    const size_t xsize = qcc_qtype_size(x_type), wsize = qcc_qtype_size(w_type);
    for (int64_t n = 0; n < batch; n++) {
        for (int64_t g = 0; g < group; g++) {
            const uint8_t *xg = (const uint8_t *)x + (size_t)((n * channels + g * cg) * in_size) * xsize;
            const void *cols = xg;
            if (!direct) {
                if (xsize == 1)
                    im2col8(xg, workspace, cg, win, (uint8_t)x_pad);
                else
                    im2col16((const uint16_t *)xg, workspace, cg, win, (uint16_t)x_pad);
                cols = workspace;
            }
            qcc_qmatrix a = {w_type, (const uint8_t *)w + (size_t)(g * mg * kdim) * wsize, kdim,
                             w_zero_point ? w_zero_point + g * mg : NULL, QCC_ZP_PER_ROW, 0};
            qcc_zp_layout scalar = QCC_ZP_SCALAR;
            qcc_qmatrix b = {x_type, cols, out_size, &x_zero_point, scalar, 0};
            const int64_t row0 = n * out_channels + g * mg;
            if (wide) {
                int64_t *yg = (int64_t *)y + row0 * out_size;
                qcc_qgemm_i64(mg, out_size, kdim, &a, &b, NULL, yg, out_size);
                if (bias)
                    for (int64_t r = 0; r < mg; r++) {
                        const int64_t v = ((const int64_t *)bias)[g * mg + r];
                        int64_t *row = yg + r * out_size;
                        for (int64_t i = 0; i < out_size; i++) row[i] += v;
                    }
            } else {
                int32_t *yg = (int32_t *)y + row0 * out_size;
                qcc_qgemm_i32(mg, out_size, kdim, &a, &b, NULL, yg, out_size);
                if (bias)
                    for (int64_t r = 0; r < mg; r++) {
                        const uint32_t v = (uint32_t)((const int32_t *)bias)[g * mg + r];
                        int32_t *row = yg + r * out_size;
                        for (int64_t i = 0; i < out_size; i++) row[i] = (int32_t)((uint32_t)row[i] + v);
                    }
            }
        }
    }
}

void qcc_qconv_i32(qcc_qtype x_type, const void *x, int32_t x_zero_point, int32_t x_pad, qcc_qtype w_type,
                   const void *w, const int32_t *w_zero_point, const int32_t *bias, int32_t *y, int64_t batch,
                   int64_t channels, int64_t out_channels, int64_t group, const qcc_window3d *win, void *workspace) {
    qconv(0, x_type, x, x_zero_point, x_pad, w_type, w, w_zero_point, bias, y, batch, channels, out_channels, group, win,
          workspace);
}

void qcc_qconv_i64(qcc_qtype x_type, const void *x, int32_t x_zero_point, int32_t x_pad, qcc_qtype w_type,
                   const void *w, const int32_t *w_zero_point, const int64_t *bias, int64_t *y, int64_t batch,
                   int64_t channels, int64_t out_channels, int64_t group, const qcc_window3d *win, void *workspace) {
    qconv(1, x_type, x, x_zero_point, x_pad, w_type, w, w_zero_point, bias, y, batch, channels, out_channels, group, win,
          workspace);
}
