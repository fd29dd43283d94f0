/* Mish and Swish over f32 arrays. */
#include "qcc_float_activation.h"
#include "qcc_math.h"

QCC_NO_CONTRACT

QCC_DISPATCHED(extern, qcc_f32_mish, (float *out, const float *x, int64_t n), (out, x, n)) {
    for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        out[i] = v * qcc_f32_tanh_fast(qcc_f32_softplus_fast(v));
    }
}

QCC_DISPATCHED(extern, qcc_f32_swish, (float *out, const float *x, int64_t n, float alpha), (out, x, n, alpha)) {
    for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        out[i] = v * qcc_f32_sigmoid_fast(alpha * v);
    }
}
