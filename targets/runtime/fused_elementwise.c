/*
 * Fused elementwise chains (qcc_fused_elementwise.h): tile by tile, the
 * source, the steps and the destination, each one call of the kernel the
 * unfused op calls (qcc_qgemm_*, qcc_dequantize_f32, qcc_f32_unary,
 * qcc_f32_binary, qcc_quantize_f32) on the tile. The decoder
 * (program_call.c) has checked every size, reference and extent.
 */
#include "qcc_fused_elementwise.h"

#include "qcc_float_elementwise.h"
#include "quant_internal.h"

#include <string.h>

/* Bytes of one element of a byte-addressed qcc_qtype (4-bit types never reach here). */
static int64_t type_bytes(int64_t t) { return (int64_t)qcc_qtype_size((qcc_qtype)t); }

static int64_t round64(int64_t v) { return (v + 63) / 64 * 64; }

int64_t qcc_fused_elementwise_scratch_bytes(int64_t source, int64_t src_type, int64_t tile_rows, int64_t tile_cols,
                                            int64_t registers) {
    const int64_t tile = tile_rows * tile_cols;
    const int64_t acc = source == QCC_FUSED_SOURCE_QGEMM ? round64(tile * type_bytes(src_type)) : 0;
    return acc + registers * tile * (int64_t)sizeof(float);
}

/* The tile being computed: rows r0.., columns c0.., tr x tc elements. */
typedef struct {
    int64_t r0, c0, tr, tc;
} tile;

/* Quantized [rows, cols] data at (r, c) of a matrix with `cols` columns. */
static const void *at(const void *base, int64_t elem_bytes, int64_t cols, int64_t r, int64_t c) {
    return (const char *)base + (r * cols + c) * elem_bytes;
}

/* Dequantizes the dense tile q (row stride ld) into reg. */
static void dequantize_tile(const qcc_fused_elementwise_args *a, const qcc_fused_elementwise_buffers *b, float *reg,
                            const void *q, int64_t ld, const tile *t) {
    const qcc_qtype type = (qcc_qtype)a->src_type;
    const int per_col = a->src_channels > 1;
    const float *scale = b->src_scale + (per_col ? t->c0 : 0);
    const int32_t *zp = b->src_zero_point + (per_col ? t->c0 : 0);
    const int64_t eb = type_bytes(a->src_type);
    if (ld == t->tc) {
        if (per_col) qcc_dequantize_f32(type, reg, q, t->tr, t->tc, 1, 0, scale, zp);
        else qcc_dequantize_f32(type, reg, q, 1, 1, t->tr * t->tc, 0, scale, zp);
        return;
    }
    for (int64_t i = 0; i < t->tr; i++) {
        const void *row = (const char *)q + i * ld * eb;
        if (per_col) qcc_dequantize_f32(type, reg + i * t->tc, row, 1, t->tc, 1, 0, scale, zp);
        else qcc_dequantize_f32(type, reg + i * t->tc, row, 1, 1, t->tc, 0, scale, zp);
    }
}

/* The source into register 0. */
static void load_source(const qcc_fused_elementwise_args *a, const qcc_fused_elementwise_buffers *b, void *acc,
                        float *reg0, const tile *t) {
    if (a->source == QCC_FUSED_SOURCE_DEQUANTIZE) {
        dequantize_tile(a, b, reg0, at(b->x, type_bytes(a->src_type), a->cols, t->r0, t->c0), a->cols, t);
        return;
    }
    /* QGEMM of rows r0.. of a and columns c0.. of b, then its dequantization. */
    const int32_t a_zp = (int32_t)a->a_zero_point;
    const qcc_qmatrix am = {(qcc_qtype)a->a_type, at(b->x, type_bytes(a->a_type), a->k, t->r0, 0), a->k, &a_zp,
                            QCC_ZP_SCALAR, 0};
    const int per_col_zp = a->b_zp_layout == QCC_ZP_PER_COL;
    const int32_t *bzp = b->b_zero_point ? b->b_zero_point + (per_col_zp ? t->c0 : 0) : NULL;
    const qcc_qmatrix bm = {(qcc_qtype)a->b_type, at(b->b, type_bytes(a->b_type), a->cols, 0, t->c0), a->cols, bzp,
                            (qcc_zp_layout)a->b_zp_layout, 0};
    if (a->src_type == QCC_QTYPE_I32)
        qcc_qgemm_i32(t->tr, t->tc, a->k, &am, &bm, b->bias ? (const int32_t *)b->bias + t->c0 : NULL, (int32_t *)acc,
                      t->tc);
    else
        qcc_qgemm_i64(t->tr, t->tc, a->k, &am, &bm, b->bias ? (const int64_t *)b->bias + t->c0 : NULL, (int64_t *)acc,
                      t->tc);
    dequantize_tile(a, b, reg0, acc, t->tc, t);
}

/* A step operand: a register (dense tile) or an operand tensor's tile, with its strides. */
static const float *operand(const qcc_fused_elementwise_args *a, const qcc_fused_elementwise_buffers *b, float *regs,
                            int64_t tile_elems, int64_t ref, const tile *t, int64_t strides[2]) {
    if (ref >= 0) {
        strides[0] = t->tc;
        strides[1] = 1;
        return regs + ref * tile_elems;
    }
    const int64_t i = -1 - ref;
    strides[0] = a->operand_strides[2 * i];
    strides[1] = a->operand_strides[2 * i + 1];
    return b->operands[i] + t->r0 * strides[0] + t->c0 * strides[1];
}

/* The destination from register `result`. */
static void store(const qcc_fused_elementwise_args *a, const qcc_fused_elementwise_buffers *b, const float *result,
                  const tile *t) {
    if (a->dest == QCC_FUSED_DEST_F32) {
        /* memmove: a hostile .qprog may overlap out and scratch (garbage then, but defined). */
        float *out = (float *)b->out + t->r0 * a->cols + t->c0;
        if (t->tc == a->cols) {
            memmove(out, result, (size_t)(t->tr * t->tc) * sizeof(float));
        } else {
            for (int64_t i = 0; i < t->tr; i++)
                memmove(out + i * a->cols, result + i * t->tc, (size_t)t->tc * sizeof(float));
        }
        return;
    }
    const qcc_qtype type = (qcc_qtype)a->dst_type;
    const int per_col = a->dst_channels > 1;
    const float *scale = b->dst_scale + (per_col ? t->c0 : 0);
    const int32_t *zp = b->dst_zero_point + (per_col ? t->c0 : 0);
    const int64_t eb = type_bytes(a->dst_type);
    const int32_t lo = (int32_t)a->qmin, hi = (int32_t)a->qmax;
    char *out = (char *)b->out + (t->r0 * a->cols + t->c0) * eb;
    if (t->tc == a->cols) {
        if (per_col) qcc_quantize_f32(type, out, result, t->tr, t->tc, 1, 0, scale, zp, lo, hi);
        else qcc_quantize_f32(type, out, result, 1, 1, t->tr * t->tc, 0, scale, zp, lo, hi);
        return;
    }
    for (int64_t i = 0; i < t->tr; i++) {
        if (per_col) qcc_quantize_f32(type, out + i * a->cols * eb, result + i * t->tc, 1, t->tc, 1, 0, scale, zp, lo, hi);
        else qcc_quantize_f32(type, out + i * a->cols * eb, result + i * t->tc, 1, 1, t->tc, 0, scale, zp, lo, hi);
    }
}

void qcc_fused_elementwise(const qcc_fused_elementwise_args *a, const qcc_fused_elementwise_buffers *b) {
    if (a->rows <= 0 || a->cols <= 0) return;
    const int64_t tile_elems = a->tile_rows * a->tile_cols;
    char *scratch = (char *)b->scratch;
    void *acc = scratch;
    float *regs = (float *)(scratch + (a->source == QCC_FUSED_SOURCE_QGEMM
                                           ? round64(tile_elems * type_bytes(a->src_type))
                                           : 0));
    /* The result register: the last step's destination, else register 0. */
    const int64_t result = a->step_count > 0 ? a->steps[5 * (a->step_count - 1) + 2] : 0;
    /* Columns outermost: a QGEMM's block of b stays in cache across the row tiles. */
    for (int64_t c0 = 0; c0 < a->cols; c0 += a->tile_cols) {
        for (int64_t r0 = 0; r0 < a->rows; r0 += a->tile_rows) {
            tile t = {r0, c0, a->rows - r0 < a->tile_rows ? a->rows - r0 : a->tile_rows,
                      a->cols - c0 < a->tile_cols ? a->cols - c0 : a->tile_cols};
            const int64_t n = t.tr * t.tc;
            if (a->source != QCC_FUSED_SOURCE_NONE) load_source(a, b, acc, regs, &t);
            /* An f32 result of whole rows is a dense tile of out: the last step writes it there. */
            float *direct = a->dest == QCC_FUSED_DEST_F32 && t.tc == a->cols && a->step_count > 0
                                ? (float *)b->out + t.r0 * a->cols
                                : NULL;
            const float *params = a->floats;
            for (int64_t s = 0; s < a->step_count; s++) {
                const int64_t *st = a->steps + 5 * s;
                float *dst = direct && s == a->step_count - 1 ? direct : regs + st[2] * tile_elems;
                int64_t sa[2], sb[2];
                const float *x = operand(a, b, regs, tile_elems, st[3], &t, sa);
                if (st[0] == QCC_FUSED_UNARY) {
                    if (st[3] < 0) {
                        /* An operand tensor's tile: copied into the destination first (exact), then in place. */
                        for (int64_t i = 0; i < t.tr; i++)
                            for (int64_t j = 0; j < t.tc; j++) dst[i * t.tc + j] = x[i * sa[0] + j * sa[1]];
                        x = dst;
                    }
                    qcc_f32_unary((qcc_unary_op)st[1], dst, x, n, params[0], params[1]);
                    params += 2;
                } else {
                    const float *y = operand(a, b, regs, tile_elems, st[4], &t, sb);
                    const int64_t shape[2] = {t.tr, t.tc};
                    qcc_f32_binary((qcc_binary_op)st[1], dst, x, sa, y, sb, shape, 2);
                }
            }
            if (!direct) store(a, b, regs + result * tile_elems, &t);
        }
    }
}
