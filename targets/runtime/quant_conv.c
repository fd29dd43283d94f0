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

/*
 * Depthwise convolution of one 8-bit plane (one input and one output
 * channel, a 2-D window; column stride 1 here, other strides below): an im2col plus a one-row
 * GEMM per channel spent most of its time unfolding small planes.
 *
 * The input is copied with its padding (the value `pad`) into a plane of
 * width wp = out2 + (kernel2 - 1) dilation2. Output (o1, o2) of tap
 * (k1, k2) reads plane[o1 s1 + k1 d1][o2 + k2 d2], so over a flat index
 * i = o1 wp s1 + o2 every tap is one contiguous multiply-add of the flat
 * plane into a flat accumulator (columns o2 >= out2 of each row, and rows
 * between strided ones, are computed and dropped): long loops that
 * vectorise even for 7 x 7 planes. y[o] = sum_k d_k x_k - zx sum_k d_k with
 * d_k = w_k - zw over every tap (padding included, as the GEMM path sums
 * it), in wrapping uint32 arithmetic: the exact sum modulo 2^32, so the bits
 * match the GEMM path's.
 */
#define QCONV_DW_TAPS_MAX 64

/* The padded plane and the flat accumulator of a depthwise window (dw_geometry), in elements. */
typedef struct {
    int64_t rows, width; /* the plane: rows x width bytes */
    int64_t span;        /* flat accumulator entries (uint32) */
} dw_layout;

static dw_layout dw_geometry(const qcc_window3d *w) {
    dw_layout g;
    g.rows = (w->out[1] - 1) * w->stride[1] + (w->kernel[1] - 1) * w->dilation[1] + 1;
    g.width = w->out[2] + (w->kernel[2] - 1) * w->dilation[2];
    g.span = ((w->out[1] - 1) * w->stride[1] + 1) * g.width;
    return g;
}

/*
 * Bytes of workspace the depthwise kernel uses: up to 63 to reach a 64-byte
 * boundary, the accumulator, then the plane and `tail` more bytes, which the
 * dropped columns of the last row read.
 */
static int64_t dw_tail(const qcc_window3d *w) { return (w->kernel[2] - 1) * w->dilation[2]; }
static int64_t dw_bytes(const dw_layout *g, const qcc_window3d *w) {
    return 63 + (g->span * 4 + 63) / 64 * 64 + g->rows * g->width + dw_tail(w);
}

#define QCC_DEFINE_DEPTHWISE(NAME, T)                                                                                \
    QCC_TARGET_CLONES static void NAME(const T *x, uint8_t pad, const uint32_t *taps, uint32_t zx_sum, int32_t *y,   \
                                       const qcc_window3d *w, uint8_t *workspace) {                                  \
        const dw_layout g = dw_geometry(w);                                                                          \
        /* The workspace's own alignment is not promised: start at the next 64-byte boundary. */                   \
        uint8_t *base = workspace + ((64 - (uintptr_t)workspace % 64) % 64);                                         \
        uint32_t *acc = (uint32_t *)(void *)base;                                                                    \
        uint8_t *plane = base + (g.span * 4 + 63) / 64 * 64;                                                         \
        const int64_t in1 = w->in[1], in2 = w->in[2], wp = g.width, left = w->pad_begin[2];                          \
        for (int64_t r = 0; r < g.rows; r++) {                                                                       \
            const int64_t ir = r - w->pad_begin[1];                                                                  \
            uint8_t *dst = plane + r * wp;                                                                           \
            if (ir < 0 || ir >= in1) {                                                                               \
                memset(dst, pad, (size_t)wp);                                                                        \
                continue;                                                                                            \
            }                                                                                                        \
            /* Columns c of the plane hold input column c - left. */                                                 \
            int64_t lo = left < 0 ? 0 : left, hi = in2 + left < wp ? in2 + left : wp;                                \
            if (hi < lo) hi = lo;                                                                                    \
            memset(dst, pad, (size_t)lo);                                                                            \
            if (hi > lo) memcpy(dst + lo, x + ir * in2 + (lo - left), (size_t)(hi - lo));                            \
            memset(dst + hi, pad, (size_t)(wp - hi));                                                                \
        }                                                                                                            \
        memset(plane + g.rows * wp, pad, (size_t)dw_tail(w));                                                        \
        for (int64_t i = 0; i < g.span; i++) acc[i] = 0u - zx_sum;                                                   \
        const uint32_t *tap = taps;                                                                                  \
        for (int64_t k1 = 0; k1 < w->kernel[1]; k1++)                                                                \
            for (int64_t k2 = 0; k2 < w->kernel[2]; k2++, tap++) {                                                   \
                const T *src = (const T *)(plane + k1 * w->dilation[1] * wp + k2 * w->dilation[2]);                  \
                const uint32_t d = *tap;                                                                             \
                for (int64_t i = 0; i < g.span; i++) acc[i] += d * (uint32_t)(int32_t)src[i];                        \
            }                                                                                                        \
        for (int64_t o1 = 0; o1 < w->out[1]; o1++)                                                                   \
            memcpy(y + o1 * w->out[2], acc + o1 * w->stride[1] * wp, (size_t)w->out[2] * sizeof(int32_t));           \
    }

QCC_DEFINE_DEPTHWISE(depthwise_u8, uint8_t)
QCC_DEFINE_DEPTHWISE(depthwise_i8, int8_t)

/*
 * Column stride s > 1: the plane's columns are split into s phases
 * (plane[r][c % s][c / s] = padded[r][c]), so that each tap reads a
 * contiguous run of one phase for a row of outputs; the sums go straight
 * into y, one output row at a time (a flat index would waste s1 s of every
 * row). The same sums as above.
 */
typedef struct {
    int64_t rows, len; /* rows x (stride2 phases of len bytes) */
} dw_phased;

static dw_phased dw_phased_geometry(const qcc_window3d *w) {
    dw_phased g;
    g.rows = (w->out[1] - 1) * w->stride[1] + (w->kernel[1] - 1) * w->dilation[1] + 1;
    const int64_t cols = (w->out[2] - 1) * w->stride[2] + (w->kernel[2] - 1) * w->dilation[2] + 1;
    g.len = (cols + w->stride[2] - 1) / w->stride[2];
    return g;
}

#define QCC_DEFINE_DEPTHWISE_STRIDED(NAME, T)                                                                        \
    QCC_TARGET_CLONES static void NAME(const T *x, uint8_t pad, const uint32_t *taps, uint32_t zx_sum, int32_t *y,   \
                                       const qcc_window3d *w, uint8_t *plane) {                                      \
        const dw_phased g = dw_phased_geometry(w);                                                                   \
        const int64_t s = w->stride[2], len = g.len, row_len = s * len, left = w->pad_begin[2];                      \
        const int64_t in1 = w->in[1], in2 = w->in[2], out2 = w->out[2];                                              \
        for (int64_t r = 0; r < g.rows; r++) {                                                                       \
            const int64_t ir = r - w->pad_begin[1];                                                                  \
            uint8_t *dst = plane + r * row_len;                                                                      \
            if (ir < 0 || ir >= in1) {                                                                               \
                memset(dst, pad, (size_t)row_len);                                                                   \
                continue;                                                                                            \
            }                                                                                                        \
            const uint8_t *src = (const uint8_t *)(x + ir * in2);                                                    \
            for (int64_t p = 0; p < s; p++) {                                                                        \
                /* Phase p's entry i is input column i s + p - left: inside for i in [lo, hi). */                    \
                int64_t lo = ceil_div(left - p, s), hi = ceil_div(in2 + left - p, s);                                \
                if (lo < 0) lo = 0;                                                                                  \
                if (hi > len) hi = len;                                                                              \
                if (hi < lo) hi = lo;                                                                                \
                uint8_t *ph = dst + p * len;                                                                         \
                memset(ph, pad, (size_t)lo);                                                                         \
                const uint8_t *from = src + (lo * s + p - left); /* entry lo + j reads from[j s] */                   \
                if (s == 2) /* a constant stride the compiler vectorises */                                          \
                    for (int64_t j = 0; j < hi - lo; j++) ph[lo + j] = from[2 * j];                                  \
                else                                                                                                 \
                    for (int64_t j = 0; j < hi - lo; j++) ph[lo + j] = from[j * s];                                  \
                memset(ph + hi, pad, (size_t)(len - hi));                                                            \
            }                                                                                                        \
        }                                                                                                            \
        for (int64_t o1 = 0; o1 < w->out[1]; o1++) {                                                                 \
            uint32_t *acc = (uint32_t *)y + o1 * out2;                                                               \
            for (int64_t o2 = 0; o2 < out2; o2++) acc[o2] = 0u - zx_sum;                                             \
            const uint32_t *tap = taps;                                                                              \
            for (int64_t k1 = 0; k1 < w->kernel[1]; k1++) {                                                          \
                const uint8_t *row = plane + (o1 * w->stride[1] + k1 * w->dilation[1]) * row_len;                    \
                for (int64_t k2 = 0; k2 < w->kernel[2]; k2++, tap++) {                                               \
                    const int64_t off = k2 * w->dilation[2];                                                         \
                    const T *src = (const T *)(row + (off % s) * len + off / s);                                     \
                    const uint32_t d = *tap;                                                                         \
                    for (int64_t o2 = 0; o2 < out2; o2++) acc[o2] += d * (uint32_t)(int32_t)src[o2];                 \
                }                                                                                                    \
            }                                                                                                        \
        }                                                                                                            \
    }

QCC_DEFINE_DEPTHWISE_STRIDED(depthwise_strided_u8, uint8_t)
QCC_DEFINE_DEPTHWISE_STRIDED(depthwise_strided_i8, int8_t)

/*
 * Whether a depthwise kernel runs this convolution: one 8-bit channel per
 * group, a 2-D window of at most QCONV_DW_TAPS_MAX taps, and what the
 * kernel keeps in the im2col workspace fits it (for 3 x 3 windows, from
 * about 4 x 4 outputs on; the rest take the GEMM).
 */
static int depthwise_applies(int wide, qcc_qtype x_type, qcc_qtype w_type, int64_t cg, int64_t mg,
                             const qcc_window3d *w) {
    if (wide || cg != 1 || mg != 1) return 0;
    if ((x_type != QCC_QTYPE_I8 && x_type != QCC_QTYPE_U8) || (w_type != QCC_QTYPE_I8 && w_type != QCC_QTYPE_U8))
        return 0;
    if (w->in[0] != 1 || w->out[0] != 1 || w->kernel[0] != 1 || w->pad_begin[0] != 0) return 0;
    if (product3(w->kernel) > QCONV_DW_TAPS_MAX || reads_input_directly(w)) return 0;
    const int64_t room = product3(w->kernel) * product3(w->out);
    if (w->stride[2] > 1) {
        const dw_phased g = dw_phased_geometry(w);
        return g.rows * w->stride[2] * g.len <= room;
    }
    const dw_layout g = dw_geometry(w);
    return dw_bytes(&g, w) <= room;
}

static void qconv(int wide, qcc_qtype x_type, const void *x, int32_t x_zero_point, int32_t x_pad, qcc_qtype w_type,
                  const void *w, const int32_t *w_zero_point, const void *bias, void *y, int64_t batch,
                  int64_t channels, int64_t out_channels, int64_t group, const qcc_window3d *win, void *workspace) {
    const int64_t cg = channels / group, mg = out_channels / group;
    const int64_t in_size = product3(win->in), out_size = product3(win->out), ksize = product3(win->kernel);
    const int64_t kdim = cg * ksize;
    const int direct = reads_input_directly(win);
    const size_t xsize = qcc_qtype_size(x_type), wsize = qcc_qtype_size(w_type);
    const int depthwise = depthwise_applies(wide, x_type, w_type, cg, mg, win);
    for (int64_t n = 0; n < batch; n++) {
        for (int64_t g = 0; g < group; g++) {
            const uint8_t *xg = (const uint8_t *)x + (size_t)((n * channels + g * cg) * in_size) * xsize;
            if (depthwise) {
                uint32_t taps[QCONV_DW_TAPS_MAX], tap_sum = 0;
                const uint32_t zw = w_zero_point ? (uint32_t)w_zero_point[g] : 0;
                for (int64_t k = 0; k < ksize; k++) {
                    const uint8_t b = ((const uint8_t *)w)[g * ksize + k];
                    taps[k] = (w_type == QCC_QTYPE_I8 ? (uint32_t)(int32_t)(int8_t)b : (uint32_t)b) - zw;
                    tap_sum += taps[k];
                }
                const uint32_t zx_sum = (uint32_t)x_zero_point * tap_sum;
                int32_t *yg = (int32_t *)y + (n * out_channels + g) * out_size;
                uint8_t *ws = (uint8_t *)workspace;
                const int strided = win->stride[2] > 1, u8 = x_type == QCC_QTYPE_U8;
                const int8_t *xi = (const int8_t *)xg;
                if (strided && u8) depthwise_strided_u8(xg, (uint8_t)x_pad, taps, zx_sum, yg, win, ws);
                else if (strided) depthwise_strided_i8(xi, (uint8_t)x_pad, taps, zx_sum, yg, win, ws);
                else if (u8) depthwise_u8(xg, (uint8_t)x_pad, taps, zx_sum, yg, win, ws);
                else depthwise_i8(xi, (uint8_t)x_pad, taps, zx_sum, yg, win, ws);
                if (bias)
                    for (int64_t i = 0; i < out_size; i++)
                        yg[i] = (int32_t)((uint32_t)yg[i] + (uint32_t)((const int32_t *)bias)[g]);
                continue;
            }
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
