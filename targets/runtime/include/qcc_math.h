/*
 * Vectorisable f32 math functions: branch-free float approximations of libm
 * functions, inlined into loops so that those vectorise (e^x, erf, tanh, the
 * sigmoid, softplus and GELU). The elementwise and the neural-network kernels
 * share them, so that every op that needs e^x computes the same bits. Error
 * bounds are against the exact function, measured over every float; NaN in
 * gives NaN out. Fused multiply-adds happen only where written (QCC_FMA), so
 * every instruction set computes the same bits (see qcc_base.h).
 *
 * Every choice between computed values is a qcc_f32_select, never `c ? a : b`
 * on floats: GCC turns a float ternary into a branch, its jump threading then
 * copies the code after it into each arm, and with -ftrapping-math (the
 * default) the loop vectoriser refuses to if-convert arms holding float
 * arithmetic ("control flow in loop"). A select computes both values and picks
 * one, which every compiler vectorises as a compare and a blend.
 */
#ifndef QCC_MATH_H
#define QCC_MATH_H

#include "qcc_base.h"

#include <math.h>
#include <string.h>

/* A float and its bits; reading the other member reinterprets them (C99 6.5.2.3), a register move. */
typedef union {
    float f;
    int32_t i;
} qcc_f32_bits_union;

/* The float with the given bits. */
QCC_INLINE float qcc_f32_from_bits(int32_t bits) {
    qcc_f32_bits_union u;
    u.i = bits;
    return u.f;
}

/* The bits of a float. */
QCC_INLINE int32_t qcc_f32_to_bits(float f) {
    qcc_f32_bits_union u;
    u.f = f;
    return u.i;
}

/*
 * c ? a : b for a condition c that is 0 or 1 (a comparison), bit for bit
 * (NaN payloads and signed zeros included), without a branch: the bits of a
 * and b merged through the mask -c. Compilers see the select and emit a blend.
 */
QCC_INLINE float qcc_f32_select(int c, float a, float b) {
    const int32_t mask = -(int32_t)c;
    return qcc_f32_from_bits((qcc_f32_to_bits(a) & mask) | (qcc_f32_to_bits(b) & ~mask));
}

/*
 * e^x within 1.01 ulp: Cody-Waite reduction by ln 2 and the Cephes
 * polynomial. Overflows to +inf above 88.72; results below 2^-126 are
 * denormal, as with expf, and 0 below -103.97.
 */
QCC_INLINE float qcc_f32_exp_fast(float x) {
    QCC_NO_CONTRACT
    /* e^x rounds to 0 below this (the last float whose result is not 0). */
    const float zero_below = -103.972076f;
    /* Clamp. Inputs whose result is 0, and NaN, compute e^0 instead and are
     * replaced at the end: an underflowing product would cost a microcode
     * assist per element on x86 (softmax feeds masked scores here). */
    const int keep = x >= zero_below;
    float xc = qcc_f32_select(keep, x, 0.0f);
    xc = qcc_f32_select(xc < 89.0f, xc, 89.0f);
    float t = xc * 1.44269504088896341f;
    int32_t n = (int32_t)(t + qcc_f32_select(t >= 0.0f, 0.5f, -0.5f));
    float nf = (float)n;
    /* r = x - n ln 2 with ln 2 in two parts; the first times n is exact. */
    float r = QCC_FMA(nf, -0.693359375f, xc);
    r = QCC_FMA(nf, 2.12194440e-4f, r);
    float p = 1.9875691500e-4f;
    p = QCC_FMA(p, r, 1.3981999507e-3f);
    p = QCC_FMA(p, r, 8.3334519073e-3f);
    p = QCC_FMA(p, r, 4.1665795894e-2f);
    p = QCC_FMA(p, r, 1.6666665459e-1f);
    p = QCC_FMA(p, r, 5.0000001201e-1f);
    float y = QCC_FMA(p, r * r, r) + 1.0f;
    /* 2^n in two factors so that n from -150 to 128 stays representable, and a denormal result is rounded once. */
    int32_t n1 = n >> 1, n2 = n - n1;
    y = y * qcc_f32_from_bits((n1 + 127) << 23) * qcc_f32_from_bits((n2 + 127) << 23);
    y = qcc_f32_select(keep, y, 0.0f);
    return qcc_f32_select(x == x, y, x);
}

/*
 * erf(x) within 0.82 ulp, from three polynomials: x + x P(x^2) below 0.875,
 * P(|x| - 1.19) below 1.5, P(|x| - 2.71) below 3.92, and ±1 beyond.
 */
QCC_INLINE float qcc_f32_erf_fast(float x) {
    QCC_NO_CONTRACT
    float a = fabsf(x);
    float z = a * a;
    float p = -2.1569151158473687e-06f;
    p = QCC_FMA(p, z, 8.6190142610576e-05f);
    p = QCC_FMA(p, z, -0.000811715261079371f);
    p = QCC_FMA(p, z, 0.005195774137973785f);
    p = QCC_FMA(p, z, -0.026856491342186928f);
    p = QCC_FMA(p, z, 0.1128363162279129f);
    p = QCC_FMA(p, z, -0.3761262893676758f);
    p = QCC_FMA(p, z, 0.12837916612625122f);
    float small = QCC_FMA(a, p, a);
    /* Centred where erf is within 2e-5 ulp of a float, so that the constant term is exact. */
    float s = a - 1.190591812133789f;
    float m = -0.003667088458314538f;
    m = QCC_FMA(m, s, -0.00592449028044939f);
    m = QCC_FMA(m, s, 0.007300566881895065f);
    m = QCC_FMA(m, s, 0.019218815490603447f);
    m = QCC_FMA(m, s, -0.05450119450688362f);
    m = QCC_FMA(m, s, 0.008950942195951939f);
    m = QCC_FMA(m, s, 0.16724853217601776f);
    m = QCC_FMA(m, s, -0.3255379796028137f);
    m = QCC_FMA(m, s, 0.2734253406524658f);
    float mid = QCC_FMA(s, m, 0.9077702164649963f);
    float u = qcc_f32_select(a < 3.92f, a, 3.92f) - 2.7100000381469727f;
    float q = -5.388958470575744e-06f;
    q = QCC_FMA(q, u, -1.6486221738887252e-06f);
    q = QCC_FMA(q, u, 6.642654625466093e-05f);
    q = QCC_FMA(q, u, -0.00011757273023249581f);
    q = QCC_FMA(q, u, -6.352944910759106e-05f);
    q = QCC_FMA(q, u, 0.0006894581019878387f);
    q = QCC_FMA(q, u, -0.0018396195955574512f);
    q = QCC_FMA(q, u, 0.003167466027662158f);
    q = QCC_FMA(q, u, -0.0038510605227202177f);
    q = QCC_FMA(q, u, 0.0033294097520411015f);
    q = QCC_FMA(q, u, -0.001976562198251486f);
    q = QCC_FMA(q, u, 0.0007293041562661529f);
    q = QCC_FMA(q, u, 0.999873161315918f);
    float r = qcc_f32_select(a < 0.875f, small, qcc_f32_select(a < 1.5f, mid, qcc_f32_select(a < 3.92f, q, 1.0f)));
    r = copysignf(r, x);
    return qcc_f32_select(x == x, r, x);
}

/*
 * tanh(x) within 1.06 ulp: x + x^3 P(x^2) below 0.875, else
 * 1 - 2 / (e^2|x| + 1) with qcc_f32_exp_fast; ±1 beyond 9.5.
 */
QCC_INLINE float qcc_f32_tanh_fast(float x) {
    QCC_NO_CONTRACT
    float a = fabsf(x);
    float z = a * a;
    float p = 0.00011620864097494632f;
    p = QCC_FMA(p, z, -0.0008212039829231799f);
    p = QCC_FMA(p, z, 0.0030481235589832067f);
    p = QCC_FMA(p, z, -0.008571074344217777f);
    p = QCC_FMA(p, z, 0.021774355322122574f);
    p = QCC_FMA(p, z, -0.0539507158100605f);
    p = QCC_FMA(p, z, 0.13333174586296082f);
    p = QCC_FMA(p, z, -0.333333283662796f);
    float small = QCC_FMA(a, z * p, a);
    float ac = qcc_f32_select(a < 9.5f, a, 9.5f);
    float large = 1.0f - 2.0f / (qcc_f32_exp_fast(ac + ac) + 1.0f);
    float r = qcc_f32_select(a < 0.875f, small, large);
    r = copysignf(r, x);
    return qcc_f32_select(x == x, r, x);
}

/* 1 / (1 + e^-x) within 2.4 ulp, as e^-|x| / (1 + e^-|x|) for negative x so that nothing overflows. */
QCC_INLINE float qcc_f32_sigmoid_fast(float x) {
    QCC_NO_CONTRACT
    float e = qcc_f32_exp_fast(-fabsf(x));
    float r = qcc_f32_select(x >= 0.0f, 1.0f, e) / (1.0f + e);
    return qcc_f32_select(x == x, r, x);
}

/* log(1 + u) for u in [0, 1]: 2 atanh(s) with s = u / (2 + u), as u - u s + 2 s^3 P(s^2). */
QCC_INLINE float qcc_f32_log1p_unit_fast(float u) {
    QCC_NO_CONTRACT
    float s = u / (2.0f + u);
    float w = s * s;
    float p = 0.12122467160224915f;
    p = QCC_FMA(p, w, 0.10721974074840546f);
    p = QCC_FMA(p, w, 0.14307604730129242f);
    p = QCC_FMA(p, w, 0.1999947428703308f);
    p = QCC_FMA(p, w, 0.3333333730697632f);
    return QCC_FMA(-u, s, u) + (s + s) * (w * p);
}

/* log(1 + e^x) within 2.1 ulp, as max(x, 0) + log(1 + e^-|x|) so that it never overflows. */
QCC_INLINE float qcc_f32_softplus_fast(float x) {
    QCC_NO_CONTRACT
    float pos = qcc_f32_select(x > 0.0f, x, 0.0f);
    float r = pos + qcc_f32_log1p_unit_fast(qcc_f32_exp_fast(-fabsf(x)));
    return qcc_f32_select(x == x, r, x);
}

/* GELU, x / 2 * (1 + erf(x / sqrt 2)), with qcc_f32_erf_fast. */
QCC_INLINE float qcc_f32_gelu_fast(float x) {
    QCC_NO_CONTRACT
    float h = 0.5f * x;
    return QCC_FMA(h, qcc_f32_erf_fast(x * 0.70710678118654752f), h);
}

/* GELU's tanh form, x / 2 * (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), with qcc_f32_tanh_fast. */
QCC_INLINE float qcc_f32_gelu_tanh_fast(float x) {
    QCC_NO_CONTRACT
    float inner = 0.7978845608028654f * QCC_FMA(0.044715f * x, x * x, x);
    float h = 0.5f * x;
    return QCC_FMA(h, qcc_f32_tanh_fast(inner), h);
}

#endif
