/* Unary elementwise f32 kernels: math functions, activations, Pow by a scalar, NaN and infinity tests. */
#include "qcc_float_elementwise.h"
#include "qcc_math.h"

/* No contraction: fused multiply-adds happen only where written (see qcc_base.h). */
QCC_NO_CONTRACT

/* Choices between floats are qcc_f32_select (qcc_math.h), not ternaries, so that GCC vectorises the loops. */
#define SELECT qcc_f32_select

/* out[i] = EXPR(x) over n elements. */
#define UNARY_LOOP(EXPR)                                                                                               \
    do {                                                                                                               \
        for (int64_t i = 0; i < n; i++) {                                                                              \
            const float x = in[i];                                                                                     \
            out[i] = (EXPR);                                                                                           \
        }                                                                                                              \
    } while (0)

QCC_DISPATCHED(extern, qcc_f32_unary,
               (qcc_unary_op op, float *out, const float *in, int64_t n, float alpha, float beta),
               (op, out, in, n, alpha, beta)) {
    switch (op) {
    case QCC_UNARY_NEG: UNARY_LOOP(-x); break;
    case QCC_UNARY_ABS: UNARY_LOOP(fabsf(x)); break;
    case QCC_UNARY_SQRT: UNARY_LOOP(sqrtf(x)); break;
    case QCC_UNARY_RECIPROCAL: UNARY_LOOP(1.0f / x); break;
    case QCC_UNARY_EXP: UNARY_LOOP(qcc_f32_exp_fast(x)); break;
    case QCC_UNARY_LOG: UNARY_LOOP(logf(x)); break;
    case QCC_UNARY_ERF: UNARY_LOOP(qcc_f32_erf_fast(x)); break;
    case QCC_UNARY_TANH: UNARY_LOOP(qcc_f32_tanh_fast(x)); break;
    case QCC_UNARY_SIGMOID: UNARY_LOOP(qcc_f32_sigmoid_fast(x)); break;
    case QCC_UNARY_SOFTPLUS: UNARY_LOOP(qcc_f32_softplus_fast(x)); break;
    case QCC_UNARY_SOFTSIGN: UNARY_LOOP(x / (1.0f + fabsf(x))); break;
    case QCC_UNARY_RELU: UNARY_LOOP(SELECT(x < 0.0f, 0.0f, x)); break;
    case QCC_UNARY_LEAKY_RELU: UNARY_LOOP(SELECT(x < 0.0f, alpha * x, x)); break;
    case QCC_UNARY_ELU: UNARY_LOOP(x < 0.0f ? alpha * expm1f(x) : x); break;
    case QCC_UNARY_SELU: UNARY_LOOP(beta * (x <= 0.0f ? alpha * expm1f(x) : x)); break;
    case QCC_UNARY_CELU: UNARY_LOOP(x > 0.0f ? x : alpha * expm1f(x / alpha)); break;
    case QCC_UNARY_THRESHOLDED_RELU: UNARY_LOOP(SELECT(x > alpha, x, SELECT(x == x, 0.0f, x))); break;
    case QCC_UNARY_HARD_SIGMOID: {
        for (int64_t i = 0; i < n; i++) {
            float t = alpha * in[i];
            t = t + beta;
            t = SELECT(t < 0.0f, 0.0f, t);
            out[i] = SELECT(t > 1.0f, 1.0f, t);
        }
        break;
    }
    case QCC_UNARY_HARD_SWISH: {
        for (int64_t i = 0; i < n; i++) {
            float x = in[i];
            float t = x * (1.0f / 6.0f);
            t = t + 0.5f;
            t = SELECT(t > 0.0f, t, 0.0f);
            t = SELECT(t < 1.0f, t, 1.0f);
            out[i] = x * t;
        }
        break;
    }
    case QCC_UNARY_GELU: UNARY_LOOP(qcc_f32_gelu_fast(x)); break;
    case QCC_UNARY_GELU_TANH: UNARY_LOOP(qcc_f32_gelu_tanh_fast(x)); break;
    case QCC_UNARY_FLOOR: UNARY_LOOP(floorf(x)); break;
    case QCC_UNARY_CEIL: UNARY_LOOP(ceilf(x)); break;
    case QCC_UNARY_ROUND: UNARY_LOOP(rintf(x)); break;
    case QCC_UNARY_SIGN: UNARY_LOOP(SELECT(x > 0.0f, 1.0f, SELECT(x < 0.0f, -1.0f, x))); break;
    case QCC_UNARY_SIN: UNARY_LOOP(sinf(x)); break;
    case QCC_UNARY_COS: UNARY_LOOP(cosf(x)); break;
    case QCC_UNARY_TAN: UNARY_LOOP(tanf(x)); break;
    case QCC_UNARY_ASIN: UNARY_LOOP(asinf(x)); break;
    case QCC_UNARY_ACOS: UNARY_LOOP(acosf(x)); break;
    case QCC_UNARY_ATAN: UNARY_LOOP(atanf(x)); break;
    case QCC_UNARY_SINH: UNARY_LOOP(sinhf(x)); break;
    case QCC_UNARY_COSH: UNARY_LOOP(coshf(x)); break;
    case QCC_UNARY_ASINH: UNARY_LOOP(asinhf(x)); break;
    case QCC_UNARY_ACOSH: UNARY_LOOP(acoshf(x)); break;
    case QCC_UNARY_ATANH: UNARY_LOOP(atanhf(x)); break;
    case QCC_UNARY_CLIP: {
        for (int64_t i = 0; i < n; i++) {
            float t = in[i];
            t = SELECT(t < alpha, alpha, t);
            out[i] = SELECT(t > beta, beta, t);
        }
        break;
    }
    case QCC_UNARY_SHRINK:
        UNARY_LOOP(SELECT(x < -alpha, x + beta, SELECT(x > alpha, x - beta, SELECT(x == x, 0.0f, x))));
        break;
    }
}

QCC_DISPATCHED(extern, qcc_f32_pow_scalar,
               (float *out, const float *in, int64_t n, float exponent),
               (out, in, n, exponent)) {
    if (exponent == 1.0f) {
        if (out != in) memmove(out, in, (size_t)n * sizeof(float));
    } else if (exponent == 2.0f) {
        UNARY_LOOP(x * x);
    } else if (exponent == 3.0f) {
        UNARY_LOOP(x * x * x);
    } else if (exponent == 0.5f) {
        /* + 0 turns sqrt(-0) = -0 into pow's +0. */
        UNARY_LOOP(SELECT(x == -INFINITY, INFINITY, sqrtf(x) + 0.0f));
    } else if (exponent == -1.0f) {
        UNARY_LOOP(1.0f / x);
    } else if (exponent == 0.0f) {
        for (int64_t i = 0; i < n; i++) out[i] = 1.0f;
    } else {
        UNARY_LOOP(powf(x, exponent));
    }
}

void qcc_f32_isnan(uint8_t *out, const float *in, int64_t n) {
    for (int64_t i = 0; i < n; i++) out[i] = (uint8_t)(in[i] != in[i]);
}

void qcc_f32_isinf(uint8_t *out, const float *in, int64_t n, int detect_negative, int detect_positive) {
    const float pos = detect_positive ? INFINITY : NAN, neg = detect_negative ? -INFINITY : NAN;
    for (int64_t i = 0; i < n; i++) out[i] = (uint8_t)(in[i] == pos || in[i] == neg);
}
