/*
 * Fused elementwise chains (fused_elementwise.c): a source, a short program
 * of f32 unary and binary steps, and a destination, run tile by tile so that
 * the intermediate values stay in a small scratch area (in cache) instead of
 * whole tensors in memory.
 *
 * The result is a [rows, cols] matrix (row-major), cut into tiles of at most
 * tile_rows x tile_cols elements. For each tile:
 *   1. the source fills register 0 (a dense f32 tile):
 *        QCC_FUSED_SOURCE_NONE        nothing (the steps read operands);
 *        QCC_FUSED_SOURCE_DEQUANTIZE  qcc_dequantize_f32 of x's tile ([rows, cols]);
 *        QCC_FUSED_SOURCE_QGEMM       qcc_qgemm_i32 / _i64 of x's tile rows ([rows, k]) and
 *                                     b's tile columns ([k, cols]) into an accumulator tile, then
 *                                     qcc_dequantize_f32 of it;
 *   2. each step runs on whole tiles: QCC_FUSED_UNARY is qcc_f32_unary (an
 *      operand is first copied into the destination register), QCC_FUSED_BINARY
 *      is qcc_f32_binary over the tile, its operands registers (dense) or
 *      operand tensors read through their (row, column) strides;
 *   3. the destination takes the last step's register (register 0 without
 *      steps): QCC_FUSED_DEST_F32 copies it into out's tile (a tile of whole
 *      rows is dense in out, so there the last step writes out directly),
 *      QCC_FUSED_DEST_QUANTIZE is qcc_quantize_f32 of it.
 * Every kernel is the one the unfused ops call, and each computes every
 * element from that element's inputs alone, so the bits equal the unfused
 * program's whatever the tiling (the QGEMM's integer sums are exact, or wrap
 * modulo 2^32 the same way, over any block of rows and columns).
 *
 * Parameters (scales, zero points) are per tensor (channels == 1) or per
 * column (channels == cols). Scratch: the accumulator tile (QGEMM only:
 * tile_rows * tile_cols * 4 or 8 bytes, rounded up to 64), then `registers`
 * f32 tiles of tile_rows * tile_cols; qcc_fused_elementwise_scratch_bytes.
 * Nothing is allocated.
 */
#ifndef QCC_FUSED_ELEMENTWISE_H
#define QCC_FUSED_ELEMENTWISE_H

#include "qcc_base.h"
#include "qcc_quant.h"

enum { QCC_FUSED_SOURCE_NONE = 0, QCC_FUSED_SOURCE_DEQUANTIZE = 1, QCC_FUSED_SOURCE_QGEMM = 2 };
enum { QCC_FUSED_DEST_F32 = 0, QCC_FUSED_DEST_QUANTIZE = 1 };
enum { QCC_FUSED_UNARY = 0, QCC_FUSED_BINARY = 1 };

/* At most this many registers and operand tensors. */
#define QCC_FUSED_MAX_REGISTERS 8
#define QCC_FUSED_MAX_OPERANDS 6

/*
 * One fused chain. Steps are 5 int64s each: kind, op (qcc_unary_op or
 * qcc_binary_op), dst (a register), a, b (b unused by unary steps); a
 * reference r >= 0 is register r, r < 0 operand -1 - r. Unary steps take
 * their alpha and beta from `floats`, two per unary step in step order.
 */
typedef struct {
    int64_t rows, cols, tile_rows, tile_cols, registers;
    /* source */
    int64_t source, src_type, src_channels; /* src_type: x's qcc_qtype, or the accumulator's (i32 / i64) */
    int64_t a_type, b_type, a_zero_point, b_zp_layout, k;
    /* destination */
    int64_t dest, dst_type, dst_channels, qmin, qmax;
    int64_t operand_count;
    const int64_t *operand_strides; /* [operand_count][2]: row stride, column stride (elements) */
    int64_t step_count;
    const int64_t *steps;   /* [step_count][5] */
    const float *floats;    /* [2 x unary steps] */
} qcc_fused_elementwise_args;

/* The buffers of one chain (NULL where absent). */
typedef struct {
    void *out;                   /* [rows, cols], f32 or dst_type */
    void *scratch;               /* qcc_fused_elementwise_scratch_bytes, 8-byte aligned */
    const void *x;               /* DEQUANTIZE: [rows, cols] of src_type; QGEMM: a, [rows, k] of a_type */
    const void *b;               /* QGEMM: [k, cols] of b_type */
    const int32_t *b_zero_point; /* QGEMM: 1 (scalar) or cols (per column); NULL: 0 */
    const void *bias;            /* QGEMM: cols accumulators; NULL: none */
    const float *src_scale;      /* src_channels */
    const int32_t *src_zero_point;
    const float *dst_scale;      /* dst_channels */
    const int32_t *dst_zero_point;
    const float *operands[QCC_FUSED_MAX_OPERANDS];
} qcc_fused_elementwise_buffers;

/* Bytes of scratch a chain needs. */
int64_t qcc_fused_elementwise_scratch_bytes(int64_t source, int64_t src_type, int64_t tile_rows, int64_t tile_cols,
                                            int64_t registers);

/* Runs a chain the decoder (program_call.c) has checked. */
void qcc_fused_elementwise(const qcc_fused_elementwise_args *a, const qcc_fused_elementwise_buffers *b);

#endif
