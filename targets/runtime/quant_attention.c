/*
 * Quantized attention (qcc_quant.h): the unfused program's kernels, run a
 * block of query rows at a time.
 *
 * Nothing here computes a number of its own: each step calls the kernel the
 * unfused program calls for it, on whole rows, and every one of those
 * kernels computes each row (or element) independently of the rows around
 * it. So the block size changes where the intermediates live (a few tens of
 * KiB that stay in cache, instead of [m, n] tensors in the arena), never the
 * bits.
 */
#include "quant_internal.h"

#include "qcc_float_elementwise.h"
#include "qcc_float_nn.h"

/* The scratch a block of rows may take: small enough for L2, large enough to amortise packing k and v (each block packs them again). */
#define ATTENTION_BLOCK_BYTES ((int64_t)256 * 1024)

/* Bytes per query row: the scores' accumulator and f32 values, the quantized probabilities, the output accumulator. */
static int64_t row_bytes(int64_t n, int64_t dv) { return 9 * n + 4 * dv; }

/* Query rows per block: as many as fit the budget, a multiple of 8 (the GEMM micro-tiles) when there are 8. */
static int64_t block_rows(int64_t m, int64_t n, int64_t dv) {
    int64_t rows = ATTENTION_BLOCK_BYTES / (row_bytes(n, dv) > 0 ? row_bytes(n, dv) : 1);
    if (rows >= 8) rows -= rows % 8;
    if (rows < 1) rows = 1;
    return rows < m ? rows : m;
}

int64_t qcc_qattention_scratch_bytes(int64_t m, int64_t n, int64_t dv) {
    if (m <= 0 || n <= 0) return 0;
    /* 4-byte regions first, the byte-sized probabilities last. */
    return block_rows(m, n, dv) * row_bytes(n, dv);
}

void qcc_qattention(const qcc_attention *a, const void *q, const void *k, const void *v, const float *mask, void *out,
                    void *scratch) {
    if (a->m <= 0 || a->dv <= 0) return;
    const int64_t n = a->n, rows = block_rows(a->m, n, a->dv);
    int32_t *acc = (int32_t *)scratch;
    float *scores = (float *)(acc + rows * n);
    int32_t *acc2 = (int32_t *)(scores + rows * n);
    void *pq = acc2 + rows * a->dv;
    const size_t q_size = qcc_qtype_size(a->q_type), out_size = a->out_f32 ? sizeof(float) : qcc_qtype_size(a->out_type);
    const qcc_qmatrix km = {a->k_type, k, n, &a->k_zero_point, QCC_ZP_SCALAR, 0};
    const qcc_qmatrix vm = {a->v_type, v, a->dv, &a->v_zero_point, QCC_ZP_SCALAR, 0};
    const int32_t zero = 0;
    for (int64_t i0 = 0; i0 < a->m; i0 += rows) {
        const int64_t r = a->m - i0 < rows ? a->m - i0 : rows;
        const qcc_qmatrix qm = {a->q_type, (const char *)q + i0 * a->d * (int64_t)q_size, a->d, &a->q_zero_point,
                                QCC_ZP_SCALAR, 0};
        qcc_qgemm_i32(r, n, a->d, &qm, &km, NULL, acc, n);
        qcc_dequantize_f32(QCC_QTYPE_I32, scores, acc, 1, 1, r * n, 0, &a->score_scale, &zero);
        if (mask) {
            const int64_t shape[2] = {r, n}, s_strides[2] = {n, 1};
            const int64_t m_strides[2] = {a->mask_row_stride, a->mask_col_stride};
            qcc_f32_binary(QCC_BINARY_ADD, scores, scores, s_strides, mask + i0 * a->mask_row_stride, m_strides, shape,
                           2);
        }
        qcc_f32_softmax(0, scores, scores, r, n, 1);
        if (a->replace_nan) {
            /* Where(IsNaN(p), nan_value, p): the value's bits where p is NaN, p's elsewhere. */
            for (int64_t e = 0; e < r * n; e++)
                if (scores[e] != scores[e]) scores[e] = a->nan_value;
        }
        qcc_quantize_f32(a->p_type, pq, scores, 1, 1, r * n, 0, &a->p_scale, &a->p_zero_point, a->p_qmin, a->p_qmax);
        const qcc_qmatrix pm = {a->p_type, pq, n, &a->p_zero_point, QCC_ZP_SCALAR, 0};
        qcc_qgemm_i32(r, a->dv, n, &pm, &vm, NULL, acc2, a->dv);
        void *o = (char *)out + i0 * a->dv * (int64_t)out_size;
        if (a->out_f32)
            qcc_dequantize_f32(QCC_QTYPE_I32, (float *)o, acc2, 1, 1, r * a->dv, 0, &a->out_scale, &zero);
        else
            qcc_requantize(QCC_QTYPE_I32, acc2, a->out_type, o, 1, 1, r * a->dv, NULL, &a->out_multiplier,
                           &a->out_shift, &a->out_zero_point, a->out_qmin, a->out_qmax);
    }
}
