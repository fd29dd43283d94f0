/* Convolution (im2col + GEMM, or a direct depthwise kernel) and pooling over up to 3 spatial dims. */
#include "qcc_float_nn.h"

#include <math.h>
#include <string.h>

QCC_NO_CONTRACT

/* ceil(a / b) for b > 0 and any a. */
static int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
/* floor(a / b) for b > 0 and any a. */
static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/*
 * The outputs o in [*lo, *hi) of one output row whose input position
 * o * stride + offset lies in [0, in).
 */
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

int64_t qcc_f32_conv_workspace(const qcc_window3d *w, int64_t channels, int64_t group) {
    int64_t cg = channels / group;
    int pointwise = 1;
    for (int d = 0; d < 3; d++)
        if (w->kernel[d] != 1 || w->stride[d] != 1 || w->pad_begin[d] != 0 || w->out[d] != w->in[d]) pointwise = 0;
    if (pointwise || cg == 1) return 0;
    return cg * product3(w->kernel) * product3(w->out);
}

/* Unfolds the windows of `channels` input planes into col[channels * prod(kernel), prod(out)]. */
static void im2col(const float *x, float *col, int64_t channels, const qcc_window3d *w) {
    const int64_t in_plane = product3(w->in), out0 = w->out[0], out1 = w->out[1], out2 = w->out[2];
    float *dst = col;
    for (int64_t c = 0; c < channels; c++) {
        const float *xc = x + c * in_plane;
        for (int64_t k0 = 0; k0 < w->kernel[0]; k0++)
            for (int64_t k1 = 0; k1 < w->kernel[1]; k1++)
                for (int64_t k2 = 0; k2 < w->kernel[2]; k2++) {
                    int64_t off2 = k2 * w->dilation[2] - w->pad_begin[2];
                    int64_t lo, hi;
                    valid_range(out2, w->in[2], w->stride[2], off2, &lo, &hi);
                    for (int64_t o0 = 0; o0 < out0; o0++) {
                        int64_t i0 = o0 * w->stride[0] + k0 * w->dilation[0] - w->pad_begin[0];
                        for (int64_t o1 = 0; o1 < out1; o1++, dst += out2) {
                            int64_t i1 = o1 * w->stride[1] + k1 * w->dilation[1] - w->pad_begin[1];
                            if (i0 < 0 || i0 >= w->in[0] || i1 < 0 || i1 >= w->in[1]) {
                                memset(dst, 0, (size_t)out2 * sizeof(float));
                                continue;
                            }
                            const float *src = xc + (i0 * w->in[1] + i1) * w->in[2] + off2;
                            for (int64_t o2 = 0; o2 < lo; o2++) dst[o2] = 0.0f;
                            if (w->stride[2] == 1) {
                                if (hi > lo) memcpy(dst + lo, src + lo, (size_t)(hi - lo) * sizeof(float));
                            } else {
                                const int64_t s = w->stride[2];
                                for (int64_t o2 = lo; o2 < hi; o2++) dst[o2] = src[o2 * s];
                            }
                            for (int64_t o2 = hi; o2 < out2; o2++) dst[o2] = 0.0f;
                        }
                    }
                }
    }
}

/* One depthwise output plane: y = bias + sum over the window of weight * x (one input plane). */
QCC_TARGET_CLONES static void depthwise_plane(const float *x, const float *weight, float bias, float *y, const qcc_window3d *w) {
    const int64_t out0 = w->out[0], out1 = w->out[1], out2 = w->out[2];
    for (int64_t i = 0; i < out0 * out1 * out2; i++) y[i] = bias;
    const float *wk = weight;
    for (int64_t k0 = 0; k0 < w->kernel[0]; k0++)
        for (int64_t k1 = 0; k1 < w->kernel[1]; k1++)
            for (int64_t k2 = 0; k2 < w->kernel[2]; k2++, wk++) {
                const float wv = *wk;
                int64_t off2 = k2 * w->dilation[2] - w->pad_begin[2];
                int64_t lo, hi;
                valid_range(out2, w->in[2], w->stride[2], off2, &lo, &hi);
                if (hi <= lo) continue;
                for (int64_t o0 = 0; o0 < out0; o0++) {
                    int64_t i0 = o0 * w->stride[0] + k0 * w->dilation[0] - w->pad_begin[0];
                    if (i0 < 0 || i0 >= w->in[0]) continue;
                    for (int64_t o1 = 0; o1 < out1; o1++) {
                        int64_t i1 = o1 * w->stride[1] + k1 * w->dilation[1] - w->pad_begin[1];
                        if (i1 < 0 || i1 >= w->in[1]) continue;
                        const float *src = x + (i0 * w->in[1] + i1) * w->in[2] + off2;
                        float *dst = y + (o0 * out1 + o1) * out2;
                        if (w->stride[2] == 1) {
                            for (int64_t o2 = lo; o2 < hi; o2++) dst[o2] += wv * src[o2];
                        } else {
                            const int64_t s = w->stride[2];
                            for (int64_t o2 = lo; o2 < hi; o2++) dst[o2] += wv * src[o2 * s];
                        }
                    }
                }
            }
}

void qcc_f32_conv(const float *x, const float *weight, const float *bias, float *y, int64_t batch, int64_t channels,
                  int64_t out_channels, int64_t group, const qcc_window3d *w, float *workspace) {
    const int64_t cg = channels / group, mg = out_channels / group;
    const int64_t in_size = product3(w->in), out_size = product3(w->out), ksize = product3(w->kernel);
    const int direct = qcc_f32_conv_workspace(w, channels, group) == 0;
    for (int64_t n = 0; n < batch; n++) {
        for (int64_t g = 0; g < group; g++) {
            const float *xg = x + (n * channels + g * cg) * in_size;
            float *yg = y + (n * out_channels + g * mg) * out_size;
            const float *wg = weight + g * mg * cg * ksize;
            if (cg == 1) {
                for (int64_t m = 0; m < mg; m++)
                    depthwise_plane(xg, wg + m * ksize, bias ? bias[g * mg + m] : 0.0f, yg + m * out_size, w);
                continue;
            }
            const float *cols = xg;
            if (!direct) {
                im2col(xg, workspace, cg, w);
                cols = workspace;
            }
            if (bias) {
                for (int64_t m = 0; m < mg; m++) {
                    float b = bias[g * mg + m];
                    float *row = yg + m * out_size;
                    for (int64_t i = 0; i < out_size; i++) row[i] = b;
                }
            }
            qcc_f32_gemm(0, 0, mg, out_size, cg * ksize, 1.0f, wg, cg * ksize, cols, out_size, bias ? 1.0f : 0.0f, yg,
                         out_size);
        }
    }
}

/*
 * Pooling of 2-D windows with dilation 1 and no indices (the usual MaxPool
 * and AveragePool), as qcc_f32_pool's general loop computes it: the same
 * elements in the same order (rows, then columns, ascending), the first one
 * taken as the maximum and each later one only when greater, the sum from
 * 0.0f; but with the window's valid rows and columns clamped once per output
 * instead of tested per tap, and the padded-window count only for average
 * pooling with count_include_pad.
 */
static void pool2d(int kind, const float *xp, float *yp, const qcc_window3d *w, const int64_t *pad_end,
                   int count_include_pad) {
    const int64_t in1 = w->in[1], in2 = w->in[2];
    for (int64_t o1 = 0; o1 < w->out[1]; o1++) {
        const int64_t s1 = o1 * w->stride[1] - w->pad_begin[1];
        const int64_t a1 = s1 < 0 ? 0 : s1, b1 = s1 + w->kernel[1] < in1 ? s1 + w->kernel[1] : in1;
        /* Rows of the window inside the padded input (count_include_pad). */
        const int64_t pa1 = s1 < -w->pad_begin[1] ? -w->pad_begin[1] : s1;
        const int64_t pb1 = s1 + w->kernel[1] < in1 + pad_end[1] ? s1 + w->kernel[1] : in1 + pad_end[1];
        for (int64_t o2 = 0; o2 < w->out[2]; o2++) {
            const int64_t s2 = o2 * w->stride[2] - w->pad_begin[2];
            const int64_t a2 = s2 < 0 ? 0 : s2, b2 = s2 + w->kernel[2] < in2 ? s2 + w->kernel[2] : in2;
            float *out = yp + o1 * w->out[2] + o2;
            if (a1 >= b1 || a2 >= b2) {
                /* No element: the general loop's empty window. */
                if (kind == 0) {
                    *out = -INFINITY;
                } else {
                    const int64_t pa2 = s2 < -w->pad_begin[2] ? -w->pad_begin[2] : s2;
                    const int64_t pb2 = s2 + w->kernel[2] < in2 + pad_end[2] ? s2 + w->kernel[2] : in2 + pad_end[2];
                    const int64_t padded = (pb1 > pa1 ? pb1 - pa1 : 0) * (pb2 > pa2 ? pb2 - pa2 : 0);
                    *out = count_include_pad && padded > 0 ? 0.0f / (float)padded : NAN;
                }
                continue;
            }
            if (kind == 0) {
                float best = xp[a1 * in2 + a2];
                for (int64_t i1 = a1; i1 < b1; i1++) {
                    const float *row = xp + i1 * in2;
                    for (int64_t i2 = i1 == a1 ? a2 + 1 : a2; i2 < b2; i2++)
                        if (row[i2] > best) best = row[i2];
                }
                *out = best;
            } else {
                float sum = 0.0f;
                for (int64_t i1 = a1; i1 < b1; i1++) {
                    const float *row = xp + i1 * in2;
                    for (int64_t i2 = a2; i2 < b2; i2++) sum += row[i2];
                }
                int64_t divisor = (b1 - a1) * (b2 - a2);
                if (count_include_pad) {
                    const int64_t pa2 = s2 < -w->pad_begin[2] ? -w->pad_begin[2] : s2;
                    const int64_t pb2 = s2 + w->kernel[2] < in2 + pad_end[2] ? s2 + w->kernel[2] : in2 + pad_end[2];
                    divisor = (pb1 - pa1) * (pb2 - pa2);
                }
                *out = sum / (float)divisor;
            }
        }
    }
}

void qcc_f32_pool(int kind, const float *x, float *y, int64_t *indices, int64_t planes, const qcc_window3d *w,
                  const int64_t *pad_end, int count_include_pad, int storage_order) {
    const int two_d = w->in[0] == 1 && w->out[0] == 1 && w->kernel[0] == 1 && w->pad_begin[0] == 0 &&
                      w->dilation[1] == 1 && w->dilation[2] == 1;
    if (!indices && two_d) {
        for (int64_t p = 0; p < planes; p++)
            pool2d(kind, x + p * product3(w->in), y + p * product3(w->out), w, pad_end, count_include_pad);
        return;
    }
    const int64_t in_size = product3(w->in), out_size = product3(w->out);
    for (int64_t p = 0; p < planes; p++) {
        const float *xp = x + p * in_size;
        float *yp = y + p * out_size;
        int64_t *ip = indices ? indices + p * out_size : NULL;
        for (int64_t o0 = 0; o0 < w->out[0]; o0++)
            for (int64_t o1 = 0; o1 < w->out[1]; o1++)
                for (int64_t o2 = 0; o2 < w->out[2]; o2++) {
                    int64_t start[3] = {o0 * w->stride[0] - w->pad_begin[0], o1 * w->stride[1] - w->pad_begin[1],
                                        o2 * w->stride[2] - w->pad_begin[2]};
                    float best = -INFINITY, sum = 0.0f;
                    int64_t best_at = -1, count = 0, padded_count = 1;
                    /* Window positions inside the padded input, for count_include_pad. */
                    for (int d = 0; d < 3; d++) {
                        int64_t c = 0;
                        for (int64_t k = 0; k < w->kernel[d]; k++) {
                            int64_t i = start[d] + k * w->dilation[d];
                            if (i >= -w->pad_begin[d] && i < w->in[d] + pad_end[d]) c++;
                        }
                        padded_count *= c;
                    }
                    for (int64_t k0 = 0; k0 < w->kernel[0]; k0++) {
                        int64_t i0 = start[0] + k0 * w->dilation[0];
                        if (i0 < 0 || i0 >= w->in[0]) continue;
                        for (int64_t k1 = 0; k1 < w->kernel[1]; k1++) {
                            int64_t i1 = start[1] + k1 * w->dilation[1];
                            if (i1 < 0 || i1 >= w->in[1]) continue;
                            const float *row = xp + (i0 * w->in[1] + i1) * w->in[2];
                            for (int64_t k2 = 0; k2 < w->kernel[2]; k2++) {
                                int64_t i2 = start[2] + k2 * w->dilation[2];
                                if (i2 < 0 || i2 >= w->in[2]) continue;
                                float v = row[i2];
                                count++;
                                sum += v;
                                if (v > best || best_at < 0) {
                                    best = v;
                                    best_at = storage_order ? (i2 * w->in[1] + i1) * w->in[0] + i0
                                                            : (i0 * w->in[1] + i1) * w->in[2] + i2;
                                }
                            }
                        }
                    }
                    int64_t o = (o0 * w->out[1] + o1) * w->out[2] + o2;
                    if (kind == 0) {
                        yp[o] = best_at < 0 ? -INFINITY : best;
                        if (ip) ip[o] = best_at < 0 ? -1 : p * in_size + best_at;
                    } else {
                        int64_t divisor = count_include_pad ? padded_count : count;
                        yp[o] = divisor > 0 ? sum / (float)divisor : NAN;
                    }
                }
    }
}
