/*
 * Kernel calls, and the .qprog integer program (docs/qprog.md).
 *
 * A KERNEL CALL is the unit of execution of every compiled qcc program: a
 * kernel id, the buffers the kernel reads and writes, and its parameters as
 * two flat arrays, int64s and floats. This header defines, once, what each
 * kernel's buffers and parameters are; qcc_call_run (program_call.c) checks
 * and decodes them and calls the kernel function named below. The Swift
 * interpreter runs op plans through qcc_call_run, the .qprog runtime
 * (qprog.c) runs the calls a file lists through it, and generated C will emit
 * the same calls: all of them compute the same bits.
 *
 * Conventions for every kernel:
 * - Buffers are listed in order; "(w)" marks the buffers the kernel writes,
 *   every other buffer is only read. "(opt)" buffers may be absent (NULL).
 *   "(param)" buffers hold small parameter arrays (scales, zero points,
 *   multipliers); a .qprog file must give them as constants, which the loader
 *   checks value by value.
 * - Written buffers must not overlap the buffers the call reads (the .qprog
 *   memory planner never places them so). Every kernel writes the whole of
 *   each (w) buffer's extent, so results never depend on what was in memory.
 * - "type" ints are qcc_qtype values (qcc_quant.h); shapes, strides and
 *   offsets count elements (4-bit types: nibbles), never bytes, unless named
 *   "bytes".
 * - Every size, stride and leading dimension lies within +-QCC_CALL_MAX_VALUE,
 *   and sizes are >= 0. The element offsets a buffer's shape and strides
 *   reach, and the product of each shape's non-zero sizes, lie within 2^61.
 * - Alignment: a buffer the kernel reads as 2-, 4- or 8-byte elements (f32,
 *   int32 parameters, i16, i64, COPY/FILL/WHERE elements of those sizes,
 *   GATHER rows of 4 or 8 bytes) must be aligned to that size; the F32_GEMM
 *   and F32_CONV_TRANSPOSE scratch to 64 bytes. qcc_call_check checks the byte offset within the
 *   tensor (`before`), taking tensor storage as 8-byte aligned (the arena 64).
 * - A buffer that is not "(opt)" must be present. qcc_call_run accepts NULL
 *   for it only when the call touches none of its bytes (an empty tensor).
 * - Messages number buffers, ints and floats from 0, as the lists below:
 *   "qgemm: int 4 (b_zp_layout) is 7; expected 0 (scalar), 2 (per column) or 3 (row groups)".
 *
 * Kernels (ids are written into .qprog files: they never change meaning):
 *
 *  1 COPY            buffers: dst (w), src
 *                    ints:    elem_size, rank, shape[rank], dst_strides[rank], src_strides[rank]
 *                    -> qcc_strided_copy. elem_size 1..64, rank 0..QCC_MAX_RANK. Strides may be
 *                    0 or negative (the buffer pointers then point inside their tensors).
 *  2 FILL            buffers: dst (w), value (elem_size bytes)
 *                    ints:    elem_size, count
 *                    -> qcc_fill.
 *  3 GATHER          buffers: dst (w), src, indices (int64 or int32)
 *                    ints:    row_bytes, outer, axis_size, index_count, index_bytes (8 or 4), axis
 *                    -> qcc_gather: dst[o, i, :] = src[o, indices[i], :] with rows of row_bytes
 *                    bytes; src is [outer, axis_size] rows, dst [outer, index_count]. Indices
 *                    are run-time data: each must lie in [-axis_size, axis_size) (negative ones
 *                    count from the end), else the call fails before writing anything. `axis`
 *                    (0..QCC_MAX_RANK-1) only names the axis in that error.
 *  4 F32_BINARY      buffers: out (w), a, b                      (f32)
 *                    ints:    op (qcc_binary_op), rank, shape[rank], a_strides[rank], b_strides[rank]
 *                    -> qcc_f32_binary. out is dense with `shape`.
 *  5 F32_UNARY       buffers: out (w), x                         (f32)
 *                    ints:    op (qcc_unary_op), count          floats: alpha, beta
 *                    -> qcc_f32_unary.
 *  6 F32_SOFTMAX     buffers: out (w), x                         (f32, [outer, n, inner])
 *                    ints:    mode (0 softmax, 1 log-softmax, 2 hardmax), outer, n, inner
 *                    -> qcc_f32_softmax.
 *  7 F32_LAYERNORM   buffers: y (w), x, scale, bias (opt), mean (w, opt), inv_std (w, opt)   (f32)
 *                    ints:    rows, n                             floats: epsilon
 *                    -> qcc_f32_layernorm; scale and bias have n elements, mean and inv_std rows.
 *                    epsilon (here and in RMSNORM) is finite and >= 0.
 *  8 F32_RMSNORM     buffers: y (w), x, scale (opt)              (f32)
 *                    ints:    rows, n                             floats: epsilon
 *                    -> qcc_f32_rmsnorm.
 *  9 F32_GEMM        buffers: c (w), a, b, scratch (w; qcc_call_f32_gemm_scratch_bytes bytes,
 *                    64-byte aligned; opt when that is 0)          (f32)
 *                    ints:    trans_a, trans_b, m, n, k, lda, ldb, ldc, batch_rank,
 *                             batch_shape[batch_rank], a_strides[..], b_strides[..], c_strides[..]
 *                    floats:  alpha, beta
 *                    -> qcc_f32_gemm_batched_scratch (batch_rank 0: one GEMM). beta != 0 reads c.
 *                    trans_a, trans_b are 0 or 1. As in BLAS, each leading dimension is >= its
 *                    stored row length (lda: trans_a ? m : k, ldb: trans_b ? k : n, ldc: n);
 *                    the GEMM reads whole rows and takes ldb 0 for packed B. Batch
 *                    strides may be any value within the bounds, negative too. (QGEMM reads
 *                    exactly the elements its shapes reach: any leading dimensions.)
 * 10 QUANTIZE        buffers: dst (w), x (f32), scale (param, f32), zero_point (param, int32)
 *                    ints:    type, outer, channels, inner, group, qmin, qmax
 *                    -> qcc_quantize_f32. Parameters: `channels` of them (group 0), or
 *                    outer * ceil(channels / group) * inner (group > 0). type i8..u4;
 *                    qmin <= qmax within the type's range. Scales are finite and > 0, zero
 *                    points within the type's range.
 * 11 DEQUANTIZE      buffers: dst (w, f32), q, scale (param, f32), zero_point (param, int32)
 *                    ints:    type, outer, channels, inner, group
 *                    -> qcc_dequantize_f32. type i8..u4, i32 or i64; parameters as QUANTIZE
 *                    (zero points of i32 and i64 values: any int32).
 * 12 REQUANTIZE      buffers: y (w), x, multiplier (param, int32), shift (param, int32),
 *                             zp_in (param, int32, opt), zp_out (param, int32)
 *                    ints:    in_type, out_type, outer, channels, inner, qmin, qmax
 *                    -> qcc_requantize. One parameter per channel; multipliers 0..2^31-1,
 *                    shifts 1..62. in_type i8, u8, i16, u16, i32, i64; out_type i8..u16;
 *                    zp_in within in_type's range (i32, i64: any int32), zp_out and
 *                    qmin <= qmax within out_type's.
 * 13 QGEMM           buffers: c (w, int32 or int64), a, b, b_zero_point (param, int32, opt),
 *                             bias (int32 or int64 as c, n elements, opt)
 *                    ints:    acc_type (i32 or i64), a_type, b_type, a_zero_point, b_zp_layout,
 *                             b_group, m, n, k, lda, ldb, ldc, batch_rank, batch_shape[..],
 *                             a_strides[..], b_strides[..], c_strides[..]
 *                    -> qcc_qgemm_batched_i32 / _i64. a, b: i8..u4. b_zp_layout is
 *                    QCC_ZP_SCALAR (0: 1 zero point; absent: 0), QCC_ZP_PER_COL (2: n) or
 *                    QCC_ZP_ROW_GROUPS (3: ceil(k / b_group) * n); b_group is >= 1 with
 *                    layout 3 and 0 otherwise; zero points lie in their type's range.
 *                    a is [m, k] at element i * lda + t, b [k, n] at t * ldb + j (no
 *                    transposes). Batch strides of 4-bit operands are even.
 * 14 QCONV           buffers: y (w, int32 or int64), x, w, w_zero_point (param, int32,
 *                             out_channels, opt), bias (as y, out_channels, opt),
 *                             workspace (w; qcc_qconv_workspace bytes; opt when that is 0)
 *                    ints:    acc_type, x_type, w_type, x_zero_point, x_pad, batch, channels,
 *                             out_channels, group, in[3], out[3], kernel[3], stride[3],
 *                             dilation[3], pad_begin[3]
 *                    -> qcc_qconv_i32 / _i64 (qcc_window3d from the last 18 ints). x, w: i8..u16;
 *                    x_zero_point and x_pad within x's range, w zero points within w's; group
 *                    >= 1 divides channels and out_channels; kernel, stride, dilation >= 1;
 *                    pad_begin >= 0. x is [batch, channels, in], w [out_channels,
 *                    channels / group, kernel], y [batch, out_channels, out].
 * 15 QADD            buffers: y (w), a, b
 *                    ints:    y_type, a_type, b_type, zy, za, zb, qmin, qmax, ma, mb, rank,
 *                             shape[rank], a_strides[rank], b_strides[rank]
 *                    -> qcc_qadd. Types i8..u16, zero points within their types, qmin <= qmax
 *                    within y's, multipliers 0..2^62, y dense with `shape`.
 * 16 QMUL            buffers: y (w), a, b
 *                    ints:    y_type, a_type, b_type, zy, za, zb, qmin, qmax, m, rank,
 *                             shape[rank], a_strides[rank], b_strides[rank]
 *                    -> qcc_qmul. As QADD with one multiplier.
 * 17 CAST            buffers: dst (w), src
 *                    ints:    dst_elem, src_elem (qcc_elem: f32, i8..u64, bool), count
 *                    -> qcc_cast (qcc_cast.h): element conversion with the semantics of qcc's
 *                    Cast op (Sources/QCCOps/ElementwiseCast.swift): to bool is x != 0 (NaN
 *                    true); integer to integer wraps to the width; f32 to integer truncates,
 *                    NaN and out-of-range values giving numpy's x86-64 results (through a
 *                    32-bit conversion for i32 and narrower: INT32_MIN, wrapped; a 64-bit one
 *                    for i64, u32, u64: INT64_MIN, wrapped); integer to f32 rounds to nearest
 *                    even. Same types copy bytes.
 * 18 WHERE           buffers: out (w), cond (bool), x, y
 *                    ints:    elem_size, rank, shape[rank], cond_strides[rank], x_strides[rank],
 *                             y_strides[rank]
 *                    -> qcc_where. out is dense with `shape`.
 * 19 F32_ISNAN       buffers: out (w, bool), x (f32)
 *                    ints:    count
 *                    -> qcc_f32_isnan.
 * 20 BOOL_BINARY     buffers: out (w), a, b                      (bool, one byte each, 0 or 1)
 *                    ints:    op (qcc_bool_op: 0 and, 1 or, 2 xor), rank, shape[rank], a_strides[rank],
 *                             b_strides[rank]
 *                    -> qcc_bool_binary. out is dense with `shape`. Inputs are read as x != 0.
 * 21 F32_REDUCE      buffers: out (w), x                         (f32, [outer, n, inner] -> [outer, inner])
 *                    ints:    kind (qcc_reduce_kind), outer, n, inner
 *                    -> qcc_f32_reduce.
 * 22 F32_POOL        buffers: y (w), x, indices (w, int64, opt)  (f32)
 *                    ints:    kind (0 max, 1 average), count_include_pad (0/1), storage_order (0/1),
 *                             planes, in[3], out[3], kernel[3], stride[3], dilation[3], pad_begin[3],
 *                             pad_end[3]
 *                    -> qcc_f32_pool over `planes` (N * C) planes: x is [planes, in], y and
 *                    indices [planes, out]. kernel, stride, dilation >= 1, pads >= 0; indices
 *                    only with max. Windows are clipped to the input, so any out size reads
 *                    only x.
 * 23 ATTENTION       buffers: out (w), q, k, v, mask (opt, f32), scratch (w; qcc_qattention_scratch_bytes(m, n, dv)
 *                             bytes, 4-byte aligned; opt when that is 0)
 *                    ints:    q_type, k_type, v_type, p_type (i8 or u8 each), out_type (-1: f32, else i8..u16),
 *                             q_zero_point, k_zero_point, v_zero_point, p_zero_point, p_qmin, p_qmax,
 *                             out_zero_point, out_qmin, out_qmax, out_multiplier, out_shift (all 0 when out
 *                             is f32), replace_nan (0/1), m, n, d, dv, mask_row_stride, mask_col_stride,
 *                             batch_rank, batch_shape[..], q_strides[..], k_strides[..], v_strides[..],
 *                             out_strides[..], mask_strides[..]
 *                    floats:  score_scale, p_scale, out_scale (0 when out is requantized), nan_value
 *                    -> qcc_qattention per batch index: softmax(dequantize(q k) + mask) quantized, times v,
 *                    requantized (out_multiplier in 0..2^31-1, out_shift 1..62) or dequantized by
 *                    out_scale. q is [m, d], k [d, n], v [n, dv], out [m, dv], each dense within a batch
 *                    and at its batch strides; the mask's element (i, j) at i * mask_row_stride +
 *                    j * mask_col_stride from its batch offset. score_scale and p_scale (and out_scale
 *                    for f32) are finite and > 0; n >= 1 unless nothing is computed. The same bits as
 *                    QGEMM, DEQUANTIZE, F32_BINARY (add), F32_SOFTMAX, ISNAN + WHERE, QUANTIZE, QGEMM
 *                    and REQUANTIZE / DEQUANTIZE calls in turn.
 * 24 QSCAN           buffers: y (w, f32), da (f32), dbx (f32), c (f32), h0 (f32),
 *                             scales (param, f32, 3 * steps), zero_points (param, int32, 2 * steps),
 *                             workspace (w; qcc_qscan_workspace bytes, 64-byte aligned; opt when that is 0)
 *                    ints:    type, batch, channels, steps, state, state_qmin, state_qmax, c_qmin, c_qmax
 *                    -> qcc_qscan_f32: the quantized selective scan (qcc.selective_scan). da and
 *                    dbx are [batch, channels, steps, state], c [batch, steps, state], h0 [batch,
 *                    channels, state], y [batch, channels, steps]. type is i8 or u8 (the state's
 *                    and c's storage); scales are the state's per step, then c's, then the
 *                    accumulators' (scale_h * scale_c, as f32); zero_points the state's, then
 *                    c's, within type's range; each qmin <= qmax within it.
 * 25 FUSED_ELEMENTWISE buffers: out (w), scratch (w), x, b (opt), b_zero_point (param, int32, opt),
 *                    bias (opt), src_scale (param, f32, opt), src_zero_point (param, int32, opt),
 *                    dst_scale (param, f32, opt), dst_zero_point (param, int32, opt),
 *                    operand[0..5] (f32, opt)
 *                    ints:    rows, cols, tile_rows, tile_cols, registers, source, src_type,
 *                             src_channels, a_type, b_type, a_zero_point, b_zp_layout, k, dest,
 *                             dst_type, dst_channels, qmin, qmax, operand_count,
 *                             strides[operand_count][2], step_count, steps[step_count][5]
 *                    floats:  alpha, beta of each unary step, in step order
 *                    -> qcc_fused_elementwise (qcc_fused_elementwise.h): a chain of elementwise
 *                    f32 steps run tile by tile (tile_rows x tile_cols, 1..2^24 each, at most
 *                    2^26 elements) over a [rows, cols] result, in `registers` (1..8) f32 tiles of
 *                    scratch, each step the unfused kernel on the tile, so the bits are the
 *                    unfused calls'. source 0: none; 1: DEQUANTIZE x ([rows, cols], src_type
 *                    i8..u16, i32, i64) into register 0; 2: QGEMM of x (a, [rows, k], a_type
 *                    i8..u16, scalar a_zero_point) and b ([k, cols], b_type i8..u16, b_zp_layout
 *                    0 or 2, bias of cols accumulators) into an accumulator tile of src_type (i32
 *                    or i64), then DEQUANTIZE into register 0. src_channels and dst_channels are
 *                    1 (per tensor) or cols (per column); ints and buffers a source or dest does
 *                    not use must be 0 and absent. operand i is read at r * strides[i][0] +
 *                    c * strides[i][1]. A step is kind (0 F32_UNARY, 1 F32_BINARY), op
 *                    (qcc_unary_op / qcc_binary_op), dst (a register), a, b (b is 0 for unary
 *                    steps): a reference r >= 0 is register r, -1 - i is operand i; a register
 *                    is read only after a step (or the source: register 0) writes it. dest 0:
 *                    out (f32) is the last step's register (register 0 without steps); 1:
 *                    QUANTIZE of it to dst_type (i8..u16) with qmin..qmax. scratch holds
 *                    qcc_fused_elementwise_scratch_bytes bytes, 8-byte aligned (opt when 0).
 * 26 F32_CONV_TRANSPOSE buffers: y (w), x, w, bias (opt), workspace (w; qcc_f32_conv_transpose_workspace
 *                    floats; opt when that is 0), scratch (w; qcc_call_f32_gemm_scratch_bytes(
 *                    out_channels / group * prod(kernel), prod(in), channels / group) bytes, 64-byte
 *                    aligned; opt when that is 0)                      (f32)
 *                    ints:    batch, channels, out_channels, group, in[3], out[3], kernel[3], stride[3],
 *                             dilation[3], pad_begin[3]
 *                    -> qcc_f32_conv_transpose (qcc_float_conv_transpose.h), the GEMM on `scratch`.
 *                    group >= 1 divides channels and out_channels; kernel, stride, dilation >= 1;
 *                    pad_begin >= 0. x is [batch, channels, in], w [channels, out_channels / group,
 *                    kernel], y [batch, out_channels, out]; taps landing outside out are dropped.
 * 27 F32_RESAMPLE    buffers: y (w), x, indices (param, int64, out * taps), weights (param, f32,
 *                             out * taps)                      (f32)
 *                    ints:    outer, in, inner, out, taps (>= 1) floats: fill
 *                    -> qcc_f32_resample_axis (qcc_float_resample.h): one separable pass of Resize
 *                    along the middle axis, x [outer, in, inner] into y [outer, out, inner]:
 *                    y[o, j, i] = sum over k < taps of weights[j * taps + k] *
 *                    x[o, indices[j * taps + k], i], in tap order. The taps of each output
 *                    position j are either all -1 (y is `fill` there: tf_crop_and_resize's
 *                    extrapolation) or all in 0..in-1. Weights may be any value.
 * 28 COMPARE         buffers: out (w, bool), a, b                (elements of `elem`)
 *                    ints:    op (qcc_compare_op), elem (qcc_elem: f32, f64, i8..u64, bool), rank,
 *                             shape[rank], a_strides[rank], b_strides[rank]
 *                    -> qcc_compare (qcc_float_elementwise.h). out is dense with `shape`, 0 or 1;
 *                    a comparison with NaN is false, bools compare as their bytes.
 * 29 F32_ARG_REDUCE  buffers: out (w, int64), x (f32)            ([outer, n, inner] -> [outer, inner])
 *                    ints:    is_min (0/1), select_last (0/1), outer, n, inner
 *                    -> qcc_f32_arg_reduce. n >= 1 unless outer or inner is 0.
 * 30 CUMSUM          buffers: y (w), x, axis (opt: int32 or int64, 1 element)   (y, x: elements of `elem`)
 *                    ints:    elem (qcc_elem: f32, f64, i32, u32, i64, u64), exclusive (0/1),
 *                             reverse (0/1), axis_bytes, axis, rank, shape[rank]
 *                    -> qcc_cumsum (qcc_float_scan.h): running sums along `axis` of x and y,
 *                    dense with `shape` (rank 1..QCC_MAX_RANK); integers wrap. axis_bytes 0:
 *                    `axis` is the axis (-rank..rank-1; negative counts from the end) and the
 *                    axis buffer is absent; 4 or 8: the axis buffer holds it (int32 / int64),
 *                    read at run time, where one outside -rank..rank-1 fails the call before
 *                    anything is written, and the `axis` int is 0.
 * 31 TRILU           buffers: out (w), x, k (opt, int64, 1 element: k known only at run time)
 *                    ints:    elem_size, upper (0/1), k (0 when the k buffer is given), matrices,
 *                             rows, cols
 *                    -> qcc_trilu (qcc_data_movement.h): out and x are [matrices, rows, cols]
 *                    elements of elem_size (1..64) bytes; k is any int64.
 */
#ifndef QCC_PROGRAM_H
#define QCC_PROGRAM_H

#include "qcc_base.h"
#include "qcc_crc32.h"

/* Kernel ids (see above). Append new kernels; never renumber. */
typedef enum {
    QCC_KERNEL_COPY = 1,
    QCC_KERNEL_FILL = 2,
    QCC_KERNEL_GATHER = 3,
    QCC_KERNEL_F32_BINARY = 4,
    QCC_KERNEL_F32_UNARY = 5,
    QCC_KERNEL_F32_SOFTMAX = 6,
    QCC_KERNEL_F32_LAYERNORM = 7,
    QCC_KERNEL_F32_RMSNORM = 8,
    QCC_KERNEL_F32_GEMM = 9,
    QCC_KERNEL_QUANTIZE = 10,
    QCC_KERNEL_DEQUANTIZE = 11,
    QCC_KERNEL_REQUANTIZE = 12,
    QCC_KERNEL_QGEMM = 13,
    QCC_KERNEL_QCONV = 14,
    QCC_KERNEL_QADD = 15,
    QCC_KERNEL_QMUL = 16,
    QCC_KERNEL_CAST = 17,
    QCC_KERNEL_WHERE = 18,
    QCC_KERNEL_F32_ISNAN = 19,
    QCC_KERNEL_BOOL_BINARY = 20,
    QCC_KERNEL_F32_REDUCE = 21,
    QCC_KERNEL_F32_POOL = 22,
    QCC_KERNEL_ATTENTION = 23,
    QCC_KERNEL_QSCAN = 24,
    QCC_KERNEL_FUSED_ELEMENTWISE = 25,
    QCC_KERNEL_F32_CONV_TRANSPOSE = 26,
    QCC_KERNEL_F32_RESAMPLE = 27,
    QCC_KERNEL_COMPARE = 28,
    QCC_KERNEL_F32_ARG_REDUCE = 29,
    QCC_KERNEL_CUMSUM = 30,
    QCC_KERNEL_TRILU = 31,
} qcc_kernel_id;

/* One more than the largest kernel id. */
#define QCC_KERNEL_LIMIT 32

/* Limits of one call: buffers, ints and floats, and the magnitude of sizes and strides. */
#define QCC_CALL_MAX_BUFFERS 16
#define QCC_CALL_MAX_INTS 256
#define QCC_CALL_MAX_FLOATS 16
#define QCC_CALL_MAX_VALUE ((int64_t)1 << 48)

/* A kernel call: the kernel, its buffers (NULL where an optional one is absent), and its parameters. */
typedef struct {
    int32_t kernel;
    int32_t buffer_count, int_count, float_count;
    void *const *buffers;
    const int64_t *ints;
    const float *floats;
} qcc_call;

/*
 * Runs `call`: checks the kernel id, the counts, every int (enum values,
 * ranks up to QCC_MAX_RANK, sizes, the bounds above) and the values of its
 * parameter buffers, then calls the kernel. Returns 0, or -1 with a message
 * in `error` (when error_size > 0) and nothing written: a malformed call, or
 * a gather index out of range. Never allocates. The caller guarantees that
 * every buffer holds what the call's shapes and strides reach (a .qprog
 * loader checks that with qcc_call_check before anything runs).
 */
int qcc_call_run(const qcc_call *call, char *error, size_t error_size);

/* The name of a kernel ("qgemm"), or NULL for an unknown id. */
const char *qcc_kernel_name(int32_t kernel);

/* What a program loader knows about one buffer of a call, for qcc_call_check. */
typedef struct {
    int64_t before; /* bytes of its tensor before the buffer's pointer (the reference's byte offset) */
    int64_t after;  /* bytes of its tensor from the buffer's pointer to the end */
    int32_t flags;  /* QCC_BUFFER_* */
} qcc_buffer_info;

#define QCC_BUFFER_PRESENT 1  /* the call names a buffer here (else the reference is absent) */
#define QCC_BUFFER_WRITABLE 2 /* storage calls may write: the arena or an output */
#define QCC_BUFFER_CONSTANT 4 /* read-only data known before running; call->buffers holds its pointer */

/*
 * Everything qcc_call_run checks, and, when `info` is not NULL (one entry
 * per buffer), also that every buffer is present or optional, that the
 * elements the call reads and writes lie within [-before, after) bytes of
 * the buffer's pointer (4-bit element counts rounded out to whole bytes),
 * that `before` suits the buffer's alignment, that written buffers are
 * writable, and that parameter buffers are constants (whose values are then
 * checked here). With `info`, presence is its QCC_BUFFER_PRESENT flag, and
 * only constants need pointers in `call` (others may be NULL: they are
 * never read). Without it, presence is a non-NULL pointer, as for
 * qcc_call_run. Gather indices are data: only qcc_call_run checks them.
 * Returns 0 or -1 with a message, e.g. "f32_gemm: buffer 1 (a) reads bytes
 * [0, 4096) from its pointer; its tensor holds [0, 2048)".
 */
int qcc_call_check(const qcc_call *call, const qcc_buffer_info *info, char *error, size_t error_size);

/* Bytes of scratch a F32_GEMM call needs: QCC_GEMM_SCRATCH_BYTES, or 0 when m, n or k is 0. */
int64_t qcc_call_f32_gemm_scratch_bytes(int64_t m, int64_t n, int64_t k);

/* ------------------------------------------------------------------------ */
/* The .qprog program (qprog.c; the format is docs/qprog.md)                 */
/* ------------------------------------------------------------------------ */

/* The format version this runtime reads and qcc writes. */
#define QCC_QPROG_VERSION 1

/* Element types of program tensors. */
typedef enum {
    QCC_ELEM_F32 = 1,
    QCC_ELEM_F64 = 2,
    QCC_ELEM_F16 = 3,
    QCC_ELEM_BF16 = 4,
    QCC_ELEM_I8 = 5,
    QCC_ELEM_U8 = 6,
    QCC_ELEM_I16 = 7,
    QCC_ELEM_U16 = 8,
    QCC_ELEM_I32 = 9,
    QCC_ELEM_U32 = 10,
    QCC_ELEM_I64 = 11,
    QCC_ELEM_U64 = 12,
    QCC_ELEM_BOOL = 13,
    QCC_ELEM_I4 = 14,
    QCC_ELEM_U4 = 15,
} qcc_elem;

/* The element type's name ("f32"), or NULL for an unknown code. */
const char *qcc_elem_name(int32_t elem);

/*
 * A validated program: a view of the file's bytes, which must stay valid
 * and unchanged while it is used. Filled by qcc_qprog_open; its fields are
 * private to qprog.c.
 */
typedef struct {
    const uint8_t *bytes;
    uint64_t size;
    uint32_t tensor_count, input_count, output_count, call_count;
    uint64_t arena_bytes;
    const uint8_t *tensors, *calls, *names, *constants;
    uint64_t calls_bytes, names_bytes, constants_bytes;
} qcc_qprog;

/*
 * Validates a whole .qprog file and fills `program`: the header (magic,
 * version, sizes, the CRC-32 of the body), every section within the file and
 * aligned, every tensor (element type, shape, byte size, storage within its
 * section or the arena), every call (a known kernel, its counts and ints as
 * qcc_call_run checks them, every buffer within its tensor, written buffers
 * writable, parameter buffers constant and in range). Afterwards running the
 * program never reads or writes outside its tensors. `bytes` must be 8-byte
 * aligned (64 is best: constants are 64-byte aligned within the file), and
 * the host little-endian. Never reads outside [bytes, bytes + size), never
 * allocates. Returns 0, or -1 with a message.
 */
int qcc_qprog_open(const void *bytes, size_t size, qcc_qprog *program, char *error, size_t error_size);

/* Bytes of working memory (the arena) qcc_qprog_run needs; 64-byte aligned. */
uint64_t qcc_qprog_arena_bytes(const qcc_qprog *program);
uint32_t qcc_qprog_input_count(const qcc_qprog *program);
uint32_t qcc_qprog_output_count(const qcc_qprog *program);
uint32_t qcc_qprog_call_count(const qcc_qprog *program);

/* A program input or output, as a runner checks and describes it. */
typedef struct {
    const char *name;  /* NUL-terminated, inside the file's bytes */
    int32_t elem;      /* qcc_elem; the storage type of a quantized tensor */
    int32_t rank;
    int64_t shape[QCC_MAX_RANK];
    uint64_t bytes;
    int32_t quantized; /* 1: per-tensor quantized, real = scale * (stored - zero_point) */
    float scale;
    int32_t zero_point;
} qcc_qprog_tensor_info;

/* Describes input or output `index`; returns 0, or -1 when there is none. */
int qcc_qprog_input(const qcc_qprog *program, uint32_t index, qcc_qprog_tensor_info *info);
int qcc_qprog_output(const qcc_qprog *program, uint32_t index, qcc_qprog_tensor_info *info);

/*
 * Runs the program: inputs[i] holds input i (its info's bytes, aligned to
 * its element size), outputs[i] receives output i, `arena` is
 * qcc_qprog_arena_bytes of 64-byte aligned memory (NULL when that is 0).
 * Outputs must not overlap inputs or each other. Returns 0, or -1 with a
 * message naming the call (a gather index out of range, a missing buffer).
 * Never allocates; the kernels' stack use is a few tens of KiB.
 */
int qcc_qprog_run(const qcc_qprog *program, const void *const *inputs, void *const *outputs, void *arena, char *error,
                  size_t error_size);

#endif
