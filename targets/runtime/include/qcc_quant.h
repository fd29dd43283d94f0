/*
 * Integer kernels of quantized programs: the one definition of every number
 * an integer qcc program computes (docs/quantization.md is the contract).
 *
 * Values are quantized as real = scale * (stored - zero_point). Storage types
 * are given by qcc_qtype; the 4-bit types pack two values per byte, the low
 * nibble first, so element e of a 4-bit tensor is nibble (e & 1) of byte
 * e >> 1 (a 4-bit operand's element offsets are counted in elements, and a
 * data pointer always points at the byte holding element 0).
 *
 * Layouts. The conversion kernels view a tensor as [outer, channels, inner]
 * (row-major). Per-tensor parameters: channels = 1 (or one parameter for
 * every channel). Per-axis parameters: one per channel, index c. Per-group
 * parameters (group > 0): laid out like the tensor with the channel axis
 * divided by the group size, so element (o, c, i) uses parameter
 * (o * ceil(channels / group) + c / group) * inner + i.
 *
 * Arithmetic. Every kernel here is exact integer arithmetic, or IEEE f32
 * arithmetic spelled out operation by operation: the results are the same
 * bits on every machine and every instruction set. Rounding is always named:
 * "round half to even" is nearbyint in the default rounding mode, and
 * floor(v / 2^s) is an arithmetic right shift. Signed integer overflow never
 * happens inside a kernel; where a documented bound is exceeded the kernel
 * says what it computes instead (wraps, or saturates).
 *
 * Every kernel has a portable C99 definition whose inner loops vectorise.
 * The integer GEMM also has AVX2 and NEON paths (quant_gemm_avx2.c,
 * quant_gemm_neon.c: pmaddubsw/pmaddwd, sdot/smull) that compute the same
 * bits; tools/qgemm_test.c checks them against a naive reference.
 */
#ifndef QCC_QUANT_H
#define QCC_QUANT_H

#include "qcc_base.h"
#include "qcc_float_nn.h" /* qcc_window3d */

/* Storage types of quantized values and accumulators. */
typedef enum {
    QCC_QTYPE_I8 = 0,  /* int8_t, -128..127 */
    QCC_QTYPE_U8 = 1,  /* uint8_t, 0..255 */
    QCC_QTYPE_I16 = 2, /* int16_t */
    QCC_QTYPE_U16 = 3, /* uint16_t */
    QCC_QTYPE_I4 = 4,  /* -8..7, two per byte, low nibble first */
    QCC_QTYPE_U4 = 5,  /* 0..15, two per byte, low nibble first */
    QCC_QTYPE_I32 = 6, /* int32_t (accumulators) */
    QCC_QTYPE_I64 = 7, /* int64_t (accumulators of 16-bit products) */
} qcc_qtype;

/* ------------------------------------------------------------------------ */
/* Fixed-point multipliers (quant_convert.c)                                  */
/* ------------------------------------------------------------------------ */

/*
 * The fixed-point form M / 2^s of a positive real rescale factor m:
 *   m = f * 2^e with f in [0.5, 1) (frexp);
 *   M = round_half_to_even(f * 2^31), s = 31 - e;
 *   if M = 2^31: M = 2^30, s = s - 1.
 * Shifts are clamped to 1..62:
 *   s > 62: s = 62 and M = round_half_to_even(m * 2^62) (0 when m <= 2^-63,
 *           fewer significant bits below 2^-32);
 *   s < 1 (m >= 2^30 - 1/4): s = 1 and M = 2^31 - 1 (saturated).
 * m = 0, a negative m and NaN give M = 0, s = 62; +inf saturates.
 * Every computation is exact in double, so M is m * 2^s rounded half to even
 * exactly. Afterwards 0 <= M < 2^31 and 1 <= s <= 62.
 */
void qcc_quant_multiplier(double m, int32_t *multiplier, int32_t *shift);

/* The shift of the integer add and multiply multipliers. */
#define QCC_QARITH_SHIFT 30

/*
 * round_half_to_even(m * 2^s) as an integer, saturated to 0..2^62: exact for
 * a double m (multiplying by 2^s is exact). m <= 0 and NaN give 0.
 */
int64_t qcc_quant_fixed_point(double m, int s);

/*
 * The multiplier of one operand of qcc_qadd:
 * qcc_quant_fixed_point((double)scale_in / (double)scale_out, QCC_QARITH_SHIFT),
 * the quotient rounded once to double.
 */
int64_t qcc_qadd_multiplier(float scale_in, float scale_out);

/*
 * The multiplier of qcc_qmul:
 * qcc_quant_fixed_point((double)scale_a * (double)scale_b / (double)scale_out, QCC_QARITH_SHIFT);
 * the product of two floats is exact in double, the quotient rounded once.
 */
int64_t qcc_qmul_multiplier(float scale_a, float scale_b, float scale_out);

/* ------------------------------------------------------------------------ */
/* Quantize, dequantize, requantize (quant_convert.c)                         */
/* ------------------------------------------------------------------------ */

/*
 * Quantizes f32 x[outer, channels, inner] to `type` (i8, u8, i16, u16, i4,
 * u4) at dst, with the parameters of the element (see the layouts above;
 * group = 0 means per channel, so per tensor is channels = 1):
 *   v = nearbyintf(x / scale) + (float)zero_point      (IEEE f32 division, f32 add)
 *   q = zero_point                 if v is NaN (x NaN, or 0/0)
 *       clamp(v, qmin, qmax)       otherwise (so +-inf saturate)
 * qmin..qmax must lie within the storage type's range (a narrowed range such
 * as -127..127 is fine), and zero points within qmin..qmax's type.
 * For 4-bit types an odd element count leaves the last byte's high nibble 0.
 * `dst` is written whole. (The f32 add is exact whenever the result is not
 * saturated: |v| < 2^24.)
 */
void qcc_quantize_f32(qcc_qtype type, void *dst, const float *x, int64_t outer, int64_t channels, int64_t inner,
                      int64_t group, const float *scale, const int32_t *zero_point, int32_t qmin, int32_t qmax);

/*
 * Dequantizes q[outer, channels, inner] of `type` (i8, u8, i16, u16, i4, u4,
 * i32) to f32: x = (float)(q - zero_point) * scale, the difference exact in
 * int64 and converted to float with one rounding (exact for |q - zp| <= 2^24),
 * the product one f32 multiplication. Layouts as for qcc_quantize_f32.
 * (i64 values take QCC_QTYPE_I64 too: the difference is then rounded to
 * float once, from int64.)
 */
void qcc_dequantize_f32(qcc_qtype type, float *dst, const void *q, int64_t outer, int64_t channels, int64_t inner,
                        int64_t group, const float *scale, const int32_t *zero_point);

/*
 * Requantizes x[outer, channels, inner] of `in_type` (i32, i64 accumulators,
 * or i8, u8, i16, u16 values) to `out_type` (i8, u8, i16, u16), per channel c
 * (channels = 1 for per tensor), all exact:
 *   d = x - zp_in[c]                                        (exact)
 *   y = clamp(zp_out[c] + floor((d * multiplier[c] + 2^(shift[c]-1)) / 2^shift[c]), qmin, qmax)
 * i.e. (d * M + 2^(s-1)) >> s with an arithmetic shift: rounding half
 * toward +infinity. The product is exact in 64 bits for the usual cases
 * (int32 accumulators with zero point 0, 8/16-bit values with zero points
 * in their range), and computed in exact 128-bit arithmetic otherwise, so
 * every input gives the mathematically exact result.
 * multiplier[c] in 0..2^31-1 and shift[c] in 1..62 (qcc_quant_multiplier).
 * zp_in may be NULL (all zero). qmin..qmax within out_type's range.
 */
void qcc_requantize(qcc_qtype in_type, const void *x, qcc_qtype out_type, void *y, int64_t outer, int64_t channels,
                    int64_t inner, const int32_t *zp_in, const int32_t *multiplier, const int32_t *shift,
                    const int32_t *zp_out, int32_t qmin, int32_t qmax);

/* ------------------------------------------------------------------------ */
/* Integer matrix products (quant_gemm.c)                                     */
/* ------------------------------------------------------------------------ */

/* How a matrix operand's zero points spread over its [rows, cols] elements. */
typedef enum {
    QCC_ZP_SCALAR = 0,        /* zero_point[0] everywhere (NULL: 0) */
    QCC_ZP_PER_ROW = 1,       /* zero_point[r] */
    QCC_ZP_PER_COL = 2,       /* zero_point[c] */
    QCC_ZP_ROW_GROUPS = 3,    /* zero_point[(r / group) * cols + c]: groups along the rows (b grouped along K) */
    QCC_ZP_COL_GROUPS = 4,    /* zero_point[r * ceil(cols / group) + c / group]: groups along the columns */
} qcc_zp_layout;

/* One integer matrix operand. */
typedef struct {
    qcc_qtype type;              /* i8, u8, i16, u16, i4 or u4 */
    const void *data;            /* element (r, c) at element index r * ld + c (4-bit: nibble index) */
    int64_t ld;                  /* row stride, in elements */
    const int32_t *zero_point;   /* see zp_layout; NULL means 0 everywhere */
    qcc_zp_layout zp_layout;
    int64_t group;               /* the group size of the *_GROUPS layouts */
} qcc_qmatrix;

/*
 * The integer matrix product of a [m, k] and b [k, n]:
 *   c[i, j] = sum_t (a[i, t] - za(i, t)) * (b[t, j] - zb(t, j)) + bias[j]
 * with za / zb the operands' zero points (qcc_zp_layout) and bias NULL for
 * none. c has row stride ldc and is overwritten.
 *
 * qcc_qgemm_i32 accumulates in int32: exact while every partial sum fits
 * (8-bit operands with zero points in range: |a - za|, |b - zb| <= 255, so
 * k <= 33025 suffices; lowering checks k). Beyond that it wraps modulo 2^32
 * (never undefined behaviour). qcc_qgemm_i64 accumulates in int64 (for 16-bit
 * operands) and is exact for any realistic k.
 *
 * Both operands may have any storage type; zero points must lie within their
 * storage type's range (differences then fit 17 bits). Portable loops over
 * tiles of b decoded to int32 (b - zb); the AVX2/NEON dot-product paths come
 * with code generation.
 */
void qcc_qgemm_i32(int64_t m, int64_t n, int64_t k, const qcc_qmatrix *a, const qcc_qmatrix *b, const int32_t *bias,
                   int32_t *c, int64_t ldc);
void qcc_qgemm_i64(int64_t m, int64_t n, int64_t k, const qcc_qmatrix *a, const qcc_qmatrix *b, const int64_t *bias,
                   int64_t *c, int64_t ldc);

/*
 * Batched integer matrix products (attention: both operands activations):
 * for every index p of the batch box `batch_shape` (batch_rank dims, at most
 * QCC_MAX_RANK), the qcc_qgemm above of the matrices at element offsets
 * sum_d p[d] * a_strides[d] (and b_strides, c_strides) from a->data, b->data
 * and c. Strides may be 0 (broadcast). Zero points and bias are the same for
 * every batch (scalar zero points in practice). Offsets of 4-bit operands
 * must be even. batch_rank 0 is one product.
 */
void qcc_qgemm_batched_i32(int64_t m, int64_t n, int64_t k, const qcc_qmatrix *a, const qcc_qmatrix *b,
                           const int32_t *bias, int32_t *c, int64_t ldc, int batch_rank, const int64_t *batch_shape,
                           const int64_t *a_strides, const int64_t *b_strides, const int64_t *c_strides);
void qcc_qgemm_batched_i64(int64_t m, int64_t n, int64_t k, const qcc_qmatrix *a, const qcc_qmatrix *b,
                           const int64_t *bias, int64_t *c, int64_t ldc, int batch_rank, const int64_t *batch_shape,
                           const int64_t *a_strides, const int64_t *b_strides, const int64_t *c_strides);

/* ------------------------------------------------------------------------ */
/* Integer convolution (quant_conv.c)                                         */
/* ------------------------------------------------------------------------ */

/*
 * Bytes of workspace qcc_qconv_* needs for an input of `x_type` (the im2col
 * buffer: channels/group * prod(kernel) * prod(out) elements), or 0 when the
 * convolution reads its input directly (1x1 kernels, stride 1, no padding).
 */
int64_t qcc_qconv_workspace(const qcc_window3d *w, int64_t channels, int64_t group, qcc_qtype x_type);

/*
 * Integer convolution over up to 3 spatial dims (NCHW, geometry as for
 * qcc_f32_conv, groups, strides, dilations):
 *   y[n, m, o] = sum over the group's channels ci and the window taps t of
 *                (x[n, ci, o * stride + t * dilation - pad] - x_zero_point) * (w[m, ci, t] - w_zero_point[m])
 *                + bias[m]
 * where a tap in the padding reads `x_pad` (the input's zero point, so that
 * it contributes 0; a caller that folded the input zero point into the bias
 * passes x_zero_point = 0 and still x_pad = the zero point). w_zero_point is
 * per output channel (NULL: 0), bias NULL for none. x is i8, u8, i16 or u16;
 * w is i8, u8, i16 or u16. Each group is unfolded into `workspace`
 * (qcc_qconv_workspace bytes) and multiplied with qcc_qgemm: the _i32 form
 * for 8-bit operands (same bounds as qcc_qgemm_i32), _i64 with a 16-bit one.
 */
void qcc_qconv_i32(qcc_qtype x_type, const void *x, int32_t x_zero_point, int32_t x_pad, qcc_qtype w_type,
                   const void *w, const int32_t *w_zero_point, const int32_t *bias, int32_t *y, int64_t batch,
                   int64_t channels, int64_t out_channels, int64_t group, const qcc_window3d *win, void *workspace);
void qcc_qconv_i64(qcc_qtype x_type, const void *x, int32_t x_zero_point, int32_t x_pad, qcc_qtype w_type,
                   const void *w, const int32_t *w_zero_point, const int64_t *bias, int64_t *y, int64_t batch,
                   int64_t channels, int64_t out_channels, int64_t group, const qcc_window3d *win, void *workspace);

/* ------------------------------------------------------------------------ */
/* Integer add and multiply (quant_elementwise.c)                             */
/* ------------------------------------------------------------------------ */

/*
 * y = clamp(zy + floor(((a - za) * ma + (b - zb) * mb + 2^29) / 2^30), qmin, qmax)
 * with numpy broadcasting: y is dense with `shape` (rank dims, at most
 * QCC_MAX_RANK), a_strides / b_strides are the operands' element strides over
 * it (0 where broadcast), as for qcc_f32_binary. ma, mb from
 * qcc_qadd_multiplier. Exact (64-bit, or 128-bit when the multipliers are
 * too large for 64). Operands and y are i8, u8, i16 or u16, zero points
 * within their types, qmin..qmax within y's type. y must not overlap a or b.
 */
void qcc_qadd(qcc_qtype y_type, void *y, int32_t zy, int32_t qmin, int32_t qmax, qcc_qtype a_type, const void *a,
              const int64_t *a_strides, int32_t za, int64_t ma, qcc_qtype b_type, const void *b,
              const int64_t *b_strides, int32_t zb, int64_t mb, const int64_t *shape, int rank);

/*
 * y = clamp(zy + floor(((a - za) * (b - zb) * m + 2^29) / 2^30), qmin, qmax),
 * broadcast as qcc_qadd, m from qcc_qmul_multiplier. Exact.
 */
void qcc_qmul(qcc_qtype y_type, void *y, int32_t zy, int32_t qmin, int32_t qmax, qcc_qtype a_type, const void *a,
              const int64_t *a_strides, int32_t za, qcc_qtype b_type, const void *b, const int64_t *b_strides,
              int32_t zb, int64_t m, const int64_t *shape, int rank);

/* ------------------------------------------------------------------------ */
/* Quantized attention (quant_attention.c)                                    */
/* ------------------------------------------------------------------------ */

/*
 * One attention: the composition of the integer and float kernels above that
 * the unfused program runs, computed a block of query rows at a time so its
 * intermediates stay in cache. For every batch index and query row i:
 *   acc[i, j]  = sum_t (q[i, t] - q_zero_point) * (k[t, j] - k_zero_point)     (qcc_qgemm_i32)
 *   s[i, j]    = (float)acc[i, j] * score_scale                                (qcc_dequantize_f32)
 *   s[i, j]    = s[i, j] + mask[i, j]          when mask is given               (qcc_f32_binary ADD)
 *   p[i, :]    = softmax(s[i, :])                                             (qcc_f32_softmax)
 *   p[i, j]    = nan_value where p[i, j] is NaN, when replace_nan              (IsNaN + Where)
 *   pq[i, j]   = quantize(p[i, j]; p_scale, p_zero_point, p_qmin..p_qmax)       (qcc_quantize_f32)
 *   acc2[i, c] = sum_j (pq[i, j] - p_zero_point) * (v[j, c] - v_zero_point)    (qcc_qgemm_i32)
 *   out[i, c]  = requantize(acc2) (out_type i8..u16) or (float)acc2 * out_scale (out f32)
 * Every step is the kernel named, on whole rows, so the results are the bits
 * the unfused calls compute. q [m, d], k [d, n] (already transposed), v [n, dv]
 * and out [m, dv] are dense row-major; q, k, v, p are 8-bit (i8 or u8); the
 * mask element (i, j) is at mask[i * mask_row_stride + j * mask_col_stride].
 */
typedef struct {
    int64_t m, n, d, dv;
    qcc_qtype q_type, k_type, v_type, p_type;
    int32_t q_zero_point, k_zero_point, v_zero_point;
    float score_scale;
    int64_t mask_row_stride, mask_col_stride;
    int replace_nan;
    float nan_value;
    float p_scale;
    int32_t p_zero_point, p_qmin, p_qmax;
    int out_f32;                 /* 1: out is f32 = acc2 * out_scale; 0: requantized to out_type */
    float out_scale;
    qcc_qtype out_type;
    int32_t out_multiplier, out_shift, out_zero_point, out_qmin, out_qmax;
} qcc_attention;

/* Bytes of scratch qcc_qattention needs (a block of rows' intermediates). */
int64_t qcc_qattention_scratch_bytes(int64_t m, int64_t n, int64_t dv);

/* One attention of `a` (mask NULL for none); scratch holds qcc_qattention_scratch_bytes bytes, 4-byte aligned. */
void qcc_qattention(const qcc_attention *a, const void *q, const void *k, const void *v, const float *mask, void *out,
                    void *scratch);

/* ------------------------------------------------------------------------ */
/* The quantized selective scan (quant_scan.c)                                */
/* ------------------------------------------------------------------------ */

/*
 * Bytes of workspace qcc_qscan_f32 needs (64-byte aligned sections: the f32
 * state, its quantized copy, one quantized row of c per batch, the int32
 * accumulators and their dequantized values), for `type` i8 or u8.
 */
int64_t qcc_qscan_workspace(int64_t batch, int64_t channels, int64_t state);

/*
 * The selective scan of a Mamba layer with a quantized readout, step by step
 * exactly as the unrolled program computes it (the qcc.selective_scan op,
 * Sources/QCCOps/QuantizedScan.swift). With da, dbx [batch, channels, steps,
 * state], c [batch, steps, state], h0 [batch, channels, state] (f32) and y
 * [batch, channels, steps] (f32), for t = 0 .. steps-1:
 *   h  = da[:, :, t, :] * h            (h starts as h0; qcc_f32_binary MUL, da first)
 *   h  = h + dbx[:, :, t, :]           (qcc_f32_binary ADD, h first)
 *   hq = quantize(h, scales[t], zero_points[t], state_qmin..state_qmax)
 *   cq = quantize(c[:, t, :], scales[steps + t], zero_points[steps + t], c_qmin..c_qmax)
 *   acc[b, d] = sum_n (hq[b, d, n] - zero_points[t]) * (cq[b, n] - zero_points[steps + t])   (qcc_qgemm_i32)
 *   y[:, :, t] = (float)acc * scales[2 * steps + t]     (qcc_dequantize_f32 of the int32 accumulator)
 * with qcc_quantize_f32, qcc_qgemm_i32 and qcc_dequantize_f32 themselves, so
 * every bit is the one the unfused kernels produce. `type` (i8 or u8) is the
 * storage of hq and cq; scales holds 3 * steps values (state, c, and the
 * accumulators' scale_h * scale_c), zero_points 2 * steps. `workspace` is
 * qcc_qscan_workspace bytes, 64-byte aligned.
 */
void qcc_qscan_f32(qcc_qtype type, float *y, const float *da, const float *dbx, const float *c, const float *h0,
                   int64_t batch, int64_t channels, int64_t steps, int64_t state, const float *scales,
                   const int32_t *zero_points, int32_t state_qmin, int32_t state_qmax, int32_t c_qmin,
                   int32_t c_qmax, void *workspace);

#endif
