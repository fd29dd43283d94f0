/* f32 activations beyond qcc_f32_unary's table: Mish and Swish, with the vectorisable math of qcc_math.h. */
#ifndef QCC_FLOAT_ACTIVATION_H
#define QCC_FLOAT_ACTIVATION_H

#include "qcc_base.h"

/* out[i] = x * tanh(softplus(x)) for i < n (qcc_f32_softplus_fast, qcc_f32_tanh_fast). out may be x. */
void qcc_f32_mish(float *out, const float *x, int64_t n);

/* out[i] = x * sigmoid(alpha * x) for i < n (qcc_f32_sigmoid_fast). out may be x. */
void qcc_f32_swish(float *out, const float *x, int64_t n, float alpha);

#endif
