/*
 * Elementwise f32 kernels: broadcasting binary arithmetic and comparisons,
 * Where, bool logic, and unary math functions and activations.
 *
 * Broadcasting kernels take the output shape and, per operand, its element
 * strides over that shape (0 along broadcast dimensions). They first merge
 * dimensions that are contiguous for every operand, then loop over the outer
 * dimensions and run an inner loop over the last one, specialised for the
 * stride patterns broadcasting produces: (1, 1), (1, 0) and (0, 1). The
 * output is dense and row-major. `rank` is at most QCC_MAX_RANK; a rank-0
 * call (a scalar) is fine, an empty shape writes nothing.
 *
 * The unary ops use the vectorisable math functions of qcc_math.h. Every
 * kernel here is compiled per instruction set (QCC_TARGET_CLONES) and computes
 * the same bits on each (see qcc_base.h).
 */
#ifndef QCC_FLOAT_ELEMENTWISE_H
#define QCC_FLOAT_ELEMENTWISE_H

#include "qcc_base.h"
#include "qcc_program.h" /* qcc_elem */

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
 * out = x op y as bytes 0/1 for elements of type `elem` (qcc_elem: f32, f64,
 * i8, u8, i16, u16, i32, u32, i64, u64, bool; qcc_compare_supports), broadcast
 * as in qcc_f32_binary: f32 is qcc_f32_compare, the other types compare their
 * values (bools as their bytes). For any other type nothing is written.
 */
void qcc_compare(qcc_compare_op op, int32_t elem, uint8_t *out, const void *a, const int64_t *a_strides, const void *b,
                 const int64_t *b_strides, const int64_t *shape, int rank);

/* 1 when qcc_compare compares elements of `elem`, else 0. */
int qcc_compare_supports(int32_t elem);

/*
 * out = cond ? x : y for elements of any type of `elem_size` bytes (1, 2, 4,
 * 8, or anything else by memcpy); cond holds bytes (non-zero is true). All
 * three operands broadcast to `shape` through their strides.
 */
void qcc_where(void *out, const uint8_t *cond, const int64_t *cond_strides, const void *x, const int64_t *x_strides,
               const void *y, const int64_t *y_strides, const int64_t *shape, int rank, size_t elem_size);

/* The logical ops of qcc_bool_binary. */
typedef enum {
    QCC_BOOL_AND = 0, /* x && y */
    QCC_BOOL_OR = 1,  /* x || y */
    QCC_BOOL_XOR = 2, /* x != y */
} qcc_bool_op;

/*
 * out = x op y over bools, broadcast as in qcc_f32_binary: a and b hold bytes
 * read as x != 0, out receives 0 or 1 and is dense with `shape`. out must not
 * overlap a or b.
 */
void qcc_bool_binary(qcc_bool_op op, uint8_t *out, const uint8_t *a, const int64_t *a_strides, const uint8_t *b,
                     const int64_t *b_strides, const int64_t *shape, int rank);

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

#endif
