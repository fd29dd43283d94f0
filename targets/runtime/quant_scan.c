/*
 * The quantized selective scan (qcc_quant.h): the recurrence of a Mamba
 * layer as one kernel. It computes nothing of its own: each step calls the
 * kernels the unrolled program calls (qcc_f32_binary, qcc_quantize_f32,
 * qcc_qgemm_i32, qcc_dequantize_f32) with the same operands and parameters,
 * so its bits are theirs by construction. What it saves is the per-step
 * gathers, the re-quantization of the whole of c at every step, the
 * concatenation, and one kernel call per operation.
 */
#include "qcc_float_elementwise.h"
#include "quant_internal.h"

#include <string.h>

QCC_NO_CONTRACT

/* `bytes` rounded up to the 64-byte sections of the workspace. */
static int64_t section(int64_t bytes) { return (bytes + 63) / 64 * 64; }

int64_t qcc_qscan_workspace(int64_t batch, int64_t channels, int64_t state) {
    const int64_t cells = batch * channels * state, rows = batch * channels;
    if (rows == 0) return 0;
    return section(4 * cells) + section(cells) + section(batch * state) + section(4 * rows) + section(4 * rows);
}

void qcc_qscan_f32(qcc_qtype type, float *y, const float *da, const float *dbx, const float *c, const float *h0,
                   int64_t batch, int64_t channels, int64_t steps, int64_t state, const float *scales,
                   const int32_t *zero_points, int32_t state_qmin, int32_t state_qmax, int32_t c_qmin,
                   int32_t c_qmax, void *workspace) {
    const int64_t cells = batch * channels * state, rows = batch * channels;
    if (rows == 0 || steps == 0) return;
    /* The workspace: h (f32), hq, cq (one row of state values per batch), acc (int32), yt (f32). */
    unsigned char *w = (unsigned char *)workspace;
    float *h = (float *)w;
    w += section(4 * cells);
    unsigned char *hq = w;
    w += section(cells);
    unsigned char *cq = w;
    w += section(batch * state);
    int32_t *acc = (int32_t *)w;
    w += section(4 * rows);
    float *yt = (float *)w;

    if (cells > 0) memcpy(h, h0, (size_t)cells * sizeof(float));
    /* h over [batch, channels, state] (dense), and step t of da / dbx inside [batch, channels, steps, state]. */
    const int64_t shape[3] = {batch, channels, state};
    const int64_t dense[3] = {channels * state, state, 1};
    const int64_t strided[3] = {channels * steps * state, steps * state, 1};
    const int32_t acc_zero_point = 0;
    for (int64_t t = 0; t < steps; t++) {
        /* The state update, in place (qcc_f32_binary allows out == a dense operand). */
        qcc_f32_binary(QCC_BINARY_MUL, h, da + t * state, strided, h, dense, shape, 3);
        qcc_f32_binary(QCC_BINARY_ADD, h, h, dense, dbx + t * state, strided, shape, 3);
        /* Both operands of the readout, quantized per tensor with this step's parameters. */
        qcc_quantize_f32(type, hq, h, 1, 1, cells, 0, scales + t, zero_points + t, state_qmin, state_qmax);
        for (int64_t b = 0; b < batch; b++)
            qcc_quantize_f32(type, cq + b * state, c + (b * steps + t) * state, 1, 1, state, 0, scales + steps + t,
                             zero_points + steps + t, c_qmin, c_qmax);
        /* acc[b] = hq[b] [channels, state] x cq[b] [state, 1]. */
        for (int64_t b = 0; b < batch; b++) {
            const qcc_qmatrix a = {type, hq + b * channels * state, state, zero_points + t, QCC_ZP_SCALAR, 0};
            const qcc_qmatrix m = {type, cq + b * state, 1, zero_points + steps + t, QCC_ZP_SCALAR, 0};
            qcc_qgemm_i32(channels, 1, state, &a, &m, NULL, acc + b * channels, 1);
        }
        qcc_dequantize_f32(QCC_QTYPE_I32, yt, acc, 1, 1, rows, 0, scales + 2 * steps + t, &acc_zero_point);
        /* Column t of y [batch * channels, steps]. */
        for (int64_t r = 0; r < rows; r++) y[r * steps + t] = yt[r];
    }
}
