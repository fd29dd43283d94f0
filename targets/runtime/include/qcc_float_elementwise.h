/*
 * Elementwise f32 kernels: broadcasting binary arithmetic and comparisons,
 * Where, and unary math functions and activations.
 *
 * Broadcasting kernels take the output shape and, per operand, its element
 * strides over that shape (0 along broadcast dimensions). They first merge
 * dimensions that are contiguous for every operand, then loop over the outer
 * dimensions and run an inner loop over the last one, specialised for the
 * stride patterns broadcasting produces: (1, 1), (1, 0) and (0, 1). The
 * output is dense and row-major. `rank` is at most QCC_MAX_RANK; a rank-0
 * call (a scalar) is fine, an empty shape writes nothing.
 *
 * Reproducibility: the math functions below use explicit fused multiply-adds
 * (QCC_EW_FMA) and turn contraction off, so every instruction set computes
 * the same bits (GCC ignores the contraction pragma: build with
 * -ffp-contract=off there). On x86-64 Linux with GCC or Clang the kernels are
 * compiled for AVX-512, AVX2+FMA and the baseline, the best the CPU supports
 * picked at load time; define QCC_NO_TARGET_CLONES to build one variant for
 * the compiler's target.
 */
#ifndef QCC_FLOAT_ELEMENTWISE_H
#define QCC_FLOAT_ELEMENTWISE_H

#include "qcc_base.h"

#include <math.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define QCC_EW_INLINE static inline __attribute__((always_inline))
#else
#define QCC_EW_INLINE static inline
#endif
#if defined(__clang__)
#define QCC_EW_NO_CONTRACT _Pragma("STDC FP_CONTRACT OFF")
#else
#define QCC_EW_NO_CONTRACT
#endif
/* Compiles a kernel once per instruction set, the best picked at load time (see above). */
#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(QCC_NO_TARGET_CLONES)
#define QCC_EW_TARGET_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define QCC_EW_HAS_CLONES 1
#else
#define QCC_EW_TARGET_CLONES
#define QCC_EW_HAS_CLONES 0
#endif
/*
 * a * b + c rounded once (fmaf), wherever an FMA instruction may run the
 * code: the target has one, or the AVX2 clone does. A baseline-only build for
 * a target without FMA would call libm per element, so it rounds twice
 * instead: fast, within the same error bounds plus 0.3 ulp, but not bitwise
 * equal to the FMA builds.
 */
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA) || defined(__aarch64__) || QCC_EW_HAS_CLONES
#define QCC_EW_FMA(a, b, c) fmaf(a, b, c)
#else
#define QCC_EW_FMA(a, b, c) ((a) * (b) + (c))
#endif

/* ------------------------------------------------------------------------ */
/* Broadcasting binary ops (float_elementwise_broadcast.c)                   */
/* ------------------------------------------------------------------------ */

/* The f32 binary ops; `x` is the first operand, `y` the second. */
typedef enum {
    QCC_BINARY_ADD = 0, /* x + y */
    QCC_BINARY_SUB = 1, /* x - y */
    QCC_BINARY_MUL = 2, /* x * y */
    QCC_BINARY_DIV = 3, /* x / y (IEEE: x/0 is ±inf or NaN) */
    QCC_BINARY_POW = 4, /* powf(x, y) */
    QCC_BINARY_MAX = 5, /* the larger; NaN if either is NaN (numpy maximum) */
    QCC_BINARY_MIN = 6, /* the smaller; NaN if either is NaN (numpy minimum) */
    QCC_BINARY_FMOD = 7, /* fmodf(x, y): remainder with the sign of x */
    QCC_BINARY_PRELU = 8, /* x < 0 ? x * y : x (y is the slope) */
} qcc_binary_op;

/*
 * out = x op y with numpy broadcasting: out has `shape` (rank dims), and
 * a_strides / b_strides give each operand's element strides over it.
 * out must not overlap a or b, except that it may be exactly an operand that
 * is dense with the output's shape (in-place).
 */
void qcc_f32_binary(qcc_binary_op op, float *out, const float *a, const int64_t *a_strides, const float *b,
                    const int64_t *b_strides, const int64_t *shape, int rank);

/* The comparisons; results are bools (0 or 1). Any comparison with NaN is false. */
typedef enum {
    QCC_COMPARE_EQ = 0, /* x == y */
    QCC_COMPARE_LT = 1, /* x < y */
    QCC_COMPARE_LE = 2, /* x <= y */
    QCC_COMPARE_GT = 3, /* x > y */
    QCC_COMPARE_GE = 4, /* x >= y */
} qcc_compare_op;

/* out = x op y as bytes 0/1, broadcast as in qcc_f32_binary. */
void qcc_f32_compare(qcc_compare_op op, uint8_t *out, const float *a, const int64_t *a_strides, const float *b,
                     const int64_t *b_strides, const int64_t *shape, int rank);

/*
 * out = cond ? x : y for elements of any type of `elem_size` bytes (1, 2, 4,
 * 8, or anything else by memcpy); cond holds bytes (non-zero is true). All
 * three operands broadcast to `shape` through their strides.
 */
void qcc_where(void *out, const uint8_t *cond, const int64_t *cond_strides, const void *x, const int64_t *x_strides,
               const void *y, const int64_t *y_strides, const int64_t *shape, int rank, size_t elem_size);

/* ------------------------------------------------------------------------ */
/* Unary ops (float_elementwise_unary.c)                                     */
/* ------------------------------------------------------------------------ */

/*
 * The f32 unary ops, with the meaning of the two parameters `alpha` and
 * `beta` where the op has any. Functions marked (libm) call the C library per
 * element; the others are branch-free and vectorise.
 */
typedef enum {
    QCC_UNARY_NEG = 0,               /* -x */
    QCC_UNARY_ABS = 1,               /* |x| */
    QCC_UNARY_SQRT = 2,              /* sqrtf(x) */
    QCC_UNARY_RECIPROCAL = 3,        /* 1 / x */
    QCC_UNARY_EXP = 4,               /* qcc_f32_exp_fast */
    QCC_UNARY_LOG = 5,               /* logf (libm) */
    QCC_UNARY_ERF = 6,               /* qcc_f32_erf_fast */
    QCC_UNARY_TANH = 7,              /* qcc_f32_tanh_fast */
    QCC_UNARY_SIGMOID = 8,           /* qcc_f32_sigmoid_fast */
    QCC_UNARY_SOFTPLUS = 9,          /* qcc_f32_softplus_fast */
    QCC_UNARY_SOFTSIGN = 10,         /* x / (1 + |x|) */
    QCC_UNARY_RELU = 11,             /* max(x, 0); NaN stays NaN */
    QCC_UNARY_LEAKY_RELU = 12,       /* x < 0 ? alpha * x : x */
    QCC_UNARY_ELU = 13,              /* x < 0 ? alpha * expm1f(x) : x (libm) */
    QCC_UNARY_SELU = 14,             /* beta * (x <= 0 ? alpha * expm1f(x) : x) (libm; beta is gamma) */
    QCC_UNARY_CELU = 15,             /* max(x, 0) + min(0, alpha * expm1f(x / alpha)) (libm) */
    QCC_UNARY_THRESHOLDED_RELU = 16, /* x > alpha ? x : 0 */
    QCC_UNARY_HARD_SIGMOID = 17,     /* max(0, min(1, alpha * x + beta)), the product rounded first */
    QCC_UNARY_HARD_SWISH = 18,       /* x * max(0, min(1, x / 6 + 1/2)) */
    QCC_UNARY_GELU = 19,             /* x / 2 * (1 + erf(x / sqrt 2)) with qcc_f32_erf_fast */
    QCC_UNARY_GELU_TANH = 20,        /* x / 2 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))) */
    QCC_UNARY_FLOOR = 21,            /* floorf(x) */
    QCC_UNARY_CEIL = 22,             /* ceilf(x) */
    QCC_UNARY_ROUND = 23,            /* nearest, halves to even (rintf in the default rounding mode) */
    QCC_UNARY_SIGN = 24,             /* 1, -1 or 0 by sign; NaN stays NaN */
    QCC_UNARY_SIN = 25,              /* sinf (libm) */
    QCC_UNARY_COS = 26,              /* cosf (libm) */
    QCC_UNARY_TAN = 27,              /* tanf (libm) */
    QCC_UNARY_ASIN = 28,             /* asinf (libm) */
    QCC_UNARY_ACOS = 29,             /* acosf (libm) */
    QCC_UNARY_ATAN = 30,             /* atanf (libm) */
    QCC_UNARY_SINH = 31,             /* sinhf (libm) */
    QCC_UNARY_COSH = 32,             /* coshf (libm) */
    QCC_UNARY_ASINH = 33,            /* asinhf (libm) */
    QCC_UNARY_ACOSH = 34,            /* acoshf (libm) */
    QCC_UNARY_ATANH = 35,            /* atanhf (libm) */
    QCC_UNARY_CLIP = 36,             /* min(max(x, alpha), beta); NaN stays NaN; beta wins if alpha > beta */
    QCC_UNARY_SHRINK = 37,           /* x < -alpha ? x + beta : x > alpha ? x - beta : 0 (alpha is lambd, beta bias) */
} qcc_unary_op;

/* out[i] = op(x[i]) for i < n. out may be x (in place). */
void qcc_f32_unary(qcc_unary_op op, float *out, const float *x, int64_t n, float alpha, float beta);

/*
 * out[i] = powf(x[i], exponent) for i < n, with exact shortcuts that keep
 * powf's special cases: exponent 1 (copy), 2 and 3 (products), 0.5 (sqrtf,
 * with pow(-0, 0.5) = +0 and pow(-inf, 0.5) = +inf), -1 (1 / x), 0 (1, even
 * for NaN). Other exponents call powf per element. out may be x.
 */
void qcc_f32_pow_scalar(float *out, const float *x, int64_t n, float exponent);

/* out[i] = 1 if x[i] is NaN, else 0. */
void qcc_f32_isnan(uint8_t *out, const float *x, int64_t n);

/* out[i] = 1 if x[i] is +inf and detect_positive, or -inf and detect_negative; else 0. */
void qcc_f32_isinf(uint8_t *out, const float *x, int64_t n, int detect_negative, int detect_positive);

/* ------------------------------------------------------------------------ */
/* Vectorisable math functions                                               */
/* ------------------------------------------------------------------------ */
/*
 * Branch-free float approximations of libm functions, inlined into loops so
 * that those vectorise. Error bounds are against the exact function, measured
 * over every float; NaN in gives NaN out.
 */

/* The float with the given bits. */
QCC_EW_INLINE float qcc_f32_from_bits(int32_t bits) {
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/*
 * e^x within 1.01 ulp: Cody-Waite reduction by ln 2 and the Cephes
 * polynomial. Overflows to +inf above 88.72; results below 2^-126 are
 * denormal, as with expf, and 0 below -103.97.
 */
QCC_EW_INLINE float qcc_f32_exp_fast(float x) {
    QCC_EW_NO_CONTRACT
    /* Clamp (a NaN becomes -104 here and is restored at the end). */
    float xc = x > -104.0f ? x : -104.0f;
    xc = xc < 89.0f ? xc : 89.0f;
    float t = xc * 1.44269504088896341f;
    int32_t n = (int32_t)(t + (t >= 0.0f ? 0.5f : -0.5f));
    float nf = (float)n;
    /* r = x - n ln 2 with ln 2 in two parts; the first times n is exact. */
    float r = QCC_EW_FMA(nf, -0.693359375f, xc);
    r = QCC_EW_FMA(nf, 2.12194440e-4f, r);
    float p = 1.9875691500e-4f;
    p = QCC_EW_FMA(p, r, 1.3981999507e-3f);
    p = QCC_EW_FMA(p, r, 8.3334519073e-3f);
    p = QCC_EW_FMA(p, r, 4.1665795894e-2f);
    p = QCC_EW_FMA(p, r, 1.6666665459e-1f);
    p = QCC_EW_FMA(p, r, 5.0000001201e-1f);
    float y = QCC_EW_FMA(p, r * r, r) + 1.0f;
    /* 2^n in two factors so that n from -150 to 128 stays representable, and a denormal result is rounded once. */
    int32_t n1 = n >> 1, n2 = n - n1;
    y = y * qcc_f32_from_bits((n1 + 127) << 23) * qcc_f32_from_bits((n2 + 127) << 23);
    return x == x ? y : x;
}

/*
 * erf(x) within 0.82 ulp, from three polynomials: x + x P(x^2) below 0.875,
 * P(|x| - 1.19) below 1.5, P(|x| - 2.71) below 3.92, and ±1 beyond.
 */
QCC_EW_INLINE float qcc_f32_erf_fast(float x) {
    QCC_EW_NO_CONTRACT
    float a = fabsf(x);
    float z = a * a;
    float p = -2.1569151158473687e-06f;
    p = QCC_EW_FMA(p, z, 8.6190142610576e-05f);
    p = QCC_EW_FMA(p, z, -0.000811715261079371f);
    p = QCC_EW_FMA(p, z, 0.005195774137973785f);
    p = QCC_EW_FMA(p, z, -0.026856491342186928f);
    p = QCC_EW_FMA(p, z, 0.1128363162279129f);
    p = QCC_EW_FMA(p, z, -0.3761262893676758f);
    p = QCC_EW_FMA(p, z, 0.12837916612625122f);
    float small = QCC_EW_FMA(a, p, a);
    /* Centred where erf is within 2e-5 ulp of a float, so that the constant term is exact. */
    float s = a - 1.190591812133789f;
    float m = -0.003667088458314538f;
    m = QCC_EW_FMA(m, s, -0.00592449028044939f);
    m = QCC_EW_FMA(m, s, 0.007300566881895065f);
    m = QCC_EW_FMA(m, s, 0.019218815490603447f);
    m = QCC_EW_FMA(m, s, -0.05450119450688362f);
    m = QCC_EW_FMA(m, s, 0.008950942195951939f);
    m = QCC_EW_FMA(m, s, 0.16724853217601776f);
    m = QCC_EW_FMA(m, s, -0.3255379796028137f);
    m = QCC_EW_FMA(m, s, 0.2734253406524658f);
    float mid = QCC_EW_FMA(s, m, 0.9077702164649963f);
    float u = (a < 3.92f ? a : 3.92f) - 2.7100000381469727f;
    float q = -5.388958470575744e-06f;
    q = QCC_EW_FMA(q, u, -1.6486221738887252e-06f);
    q = QCC_EW_FMA(q, u, 6.642654625466093e-05f);
    q = QCC_EW_FMA(q, u, -0.00011757273023249581f);
    q = QCC_EW_FMA(q, u, -6.352944910759106e-05f);
    q = QCC_EW_FMA(q, u, 0.0006894581019878387f);
    q = QCC_EW_FMA(q, u, -0.0018396195955574512f);
    q = QCC_EW_FMA(q, u, 0.003167466027662158f);
    q = QCC_EW_FMA(q, u, -0.0038510605227202177f);
    q = QCC_EW_FMA(q, u, 0.0033294097520411015f);
    q = QCC_EW_FMA(q, u, -0.001976562198251486f);
    q = QCC_EW_FMA(q, u, 0.0007293041562661529f);
    q = QCC_EW_FMA(q, u, 0.999873161315918f);
    float r = a < 0.875f ? small : (a < 1.5f ? mid : (a < 3.92f ? q : 1.0f));
    r = copysignf(r, x);
    return x == x ? r : x;
}

/*
 * tanh(x) within 1.06 ulp: x + x^3 P(x^2) below 0.875, else
 * 1 - 2 / (e^2|x| + 1) with qcc_f32_exp_fast; ±1 beyond 9.5.
 */
QCC_EW_INLINE float qcc_f32_tanh_fast(float x) {
    QCC_EW_NO_CONTRACT
    float a = fabsf(x);
    float z = a * a;
    float p = 0.00011620864097494632f;
    p = QCC_EW_FMA(p, z, -0.0008212039829231799f);
    p = QCC_EW_FMA(p, z, 0.0030481235589832067f);
    p = QCC_EW_FMA(p, z, -0.008571074344217777f);
    p = QCC_EW_FMA(p, z, 0.021774355322122574f);
    p = QCC_EW_FMA(p, z, -0.0539507158100605f);
    p = QCC_EW_FMA(p, z, 0.13333174586296082f);
    p = QCC_EW_FMA(p, z, -0.333333283662796f);
    float small = QCC_EW_FMA(a, z * p, a);
    float ac = a < 9.5f ? a : 9.5f;
    float large = 1.0f - 2.0f / (qcc_f32_exp_fast(ac + ac) + 1.0f);
    float r = a < 0.875f ? small : large;
    r = copysignf(r, x);
    return x == x ? r : x;
}

/* 1 / (1 + e^-x) within 2.4 ulp, as e^-|x| / (1 + e^-|x|) for negative x so that nothing overflows. */
QCC_EW_INLINE float qcc_f32_sigmoid_fast(float x) {
    QCC_EW_NO_CONTRACT
    float e = qcc_f32_exp_fast(-fabsf(x));
    float r = (x >= 0.0f ? 1.0f : e) / (1.0f + e);
    return x == x ? r : x;
}

/* log(1 + u) for u in [0, 1]: 2 atanh(s) with s = u / (2 + u), as u - u s + 2 s^3 P(s^2). */
QCC_EW_INLINE float qcc_f32_log1p_unit_fast(float u) {
    QCC_EW_NO_CONTRACT
    float s = u / (2.0f + u);
    float w = s * s;
    float p = 0.12122467160224915f;
    p = QCC_EW_FMA(p, w, 0.10721974074840546f);
    p = QCC_EW_FMA(p, w, 0.14307604730129242f);
    p = QCC_EW_FMA(p, w, 0.1999947428703308f);
    p = QCC_EW_FMA(p, w, 0.3333333730697632f);
    return QCC_EW_FMA(-u, s, u) + (s + s) * (w * p);
}

/* log(1 + e^x) within 2.1 ulp, as max(x, 0) + log(1 + e^-|x|) so that it never overflows. */
QCC_EW_INLINE float qcc_f32_softplus_fast(float x) {
    QCC_EW_NO_CONTRACT
    float pos = x > 0.0f ? x : 0.0f;
    float r = pos + qcc_f32_log1p_unit_fast(qcc_f32_exp_fast(-fabsf(x)));
    return x == x ? r : x;
}

/* GELU, x / 2 * (1 + erf(x / sqrt 2)), with qcc_f32_erf_fast. */
QCC_EW_INLINE float qcc_f32_gelu_fast(float x) {
    QCC_EW_NO_CONTRACT
    float h = 0.5f * x;
    return QCC_EW_FMA(h, qcc_f32_erf_fast(x * 0.70710678118654752f), h);
}

/* GELU's tanh form, x / 2 * (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), with qcc_f32_tanh_fast. */
QCC_EW_INLINE float qcc_f32_gelu_tanh_fast(float x) {
    QCC_EW_NO_CONTRACT
    float inner = 0.7978845608028654f * QCC_EW_FMA(0.044715f * x, x * x, x);
    float h = 0.5f * x;
    return QCC_EW_FMA(h, qcc_f32_tanh_fast(inner), h);
}

#endif
