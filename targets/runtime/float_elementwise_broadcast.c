/* Broadcasting elementwise kernels: binary arithmetic, comparisons, Where, bool logic. */
#include "qcc_float_elementwise.h"
#include "qcc_math.h"

#include <math.h>
#include <string.h>

/* No contraction: fused multiply-adds happen only where written (see qcc_base.h). */
QCC_NO_CONTRACT

/* Up to three operands broadcast over one output shape. */
typedef struct {
    int rank;                              /* after merging; >= 1 */
    int64_t shape[QCC_MAX_RANK];
    int64_t strides[3][QCC_MAX_RANK];
} broadcast_layout;

/*
 * Drops size-1 dimensions and merges each dimension into the one before it
 * when every operand steps through both as one run (stride[d-1] ==
 * stride[d] * shape[d]; broadcast dims, stride 0, merge with each other).
 * Returns 0 when the shape is empty.
 */
static int collapse(broadcast_layout *l, const int64_t *shape, int rank, int operands, const int64_t *const *strides) {
    int r = 0;
    for (int d = 0; d < rank; d++) {
        if (shape[d] == 0) return 0;
        if (shape[d] == 1) continue;
        int merge = r > 0;
        for (int k = 0; k < operands && merge; k++)
            merge = l->strides[k][r - 1] == strides[k][d] * shape[d];
        if (merge) {
            l->shape[r - 1] *= shape[d];
            for (int k = 0; k < operands; k++) l->strides[k][r - 1] = strides[k][d];
        } else {
            l->shape[r] = shape[d];
            for (int k = 0; k < operands; k++) l->strides[k][r] = strides[k][d];
            r++;
        }
    }
    if (r == 0) { /* every dimension is 1: one element */
        l->shape[0] = 1;
        for (int k = 0; k < operands; k++) l->strides[k][0] = 0;
        r = 1;
    }
    l->rank = r;
    return 1;
}

/* The odometer over the outer (all but the last) dimensions of a layout. */
typedef struct {
    int64_t index[QCC_MAX_RANK];
    int64_t offset[3];
} outer_cursor;

/* Steps to the next outer position, updating each operand's element offset. */
static inline void advance(outer_cursor *c, const broadcast_layout *l, int operands) {
    for (int d = l->rank - 2; d >= 0; d--) {
        for (int k = 0; k < operands; k++) c->offset[k] += l->strides[k][d];
        if (++c->index[d] < l->shape[d]) return;
        for (int k = 0; k < operands; k++) c->offset[k] -= l->strides[k][d] * l->shape[d];
        c->index[d] = 0;
    }
}

/*
 * One inner run of `n` elements: OUT[i] = EXPR(x, y) where x and y, of type
 * T, step by sa and sb, with the broadcast patterns given loops of their own
 * so that they vectorise.
 */
#define BROADCAST_RUN(T, OUT, A, B, n, sa, sb, EXPR)                                                                      \
    do {                                                                                                               \
        if ((sa) == 1 && (sb) == 1) {                                                                                  \
            for (int64_t i = 0; i < (n); i++) {                                                                        \
                T x = (A)[i], y = (B)[i];                                                                              \
                (OUT)[i] = (EXPR);                                                                                     \
            }                                                                                                          \
        } else if ((sa) == 1 && (sb) == 0) {                                                                           \
            const T y = (B)[0];                                                                                        \
            for (int64_t i = 0; i < (n); i++) {                                                                        \
                T x = (A)[i];                                                                                          \
                (OUT)[i] = (EXPR);                                                                                     \
            }                                                                                                          \
        } else if ((sa) == 0 && (sb) == 1) {                                                                           \
            const T x = (A)[0];                                                                                        \
            for (int64_t i = 0; i < (n); i++) {                                                                        \
                T y = (B)[i];                                                                                          \
                (OUT)[i] = (EXPR);                                                                                     \
            }                                                                                                          \
        } else {                                                                                                       \
            for (int64_t i = 0; i < (n); i++) {                                                                        \
                T x = (A)[i * (sa)], y = (B)[i * (sb)];                                                                \
                (OUT)[i] = (EXPR);                                                                                     \
            }                                                                                                          \
        }                                                                                                              \
    } while (0)

/* Runs EXPR over every inner run of a two-operand layout `l` (out dense; a and b of type T). */
#define BROADCAST_LOOP(OUT_T, T, out, a, b, l, EXPR)                                                                      \
    do {                                                                                                               \
        const int64_t n = (l).shape[(l).rank - 1];                                                                     \
        const int64_t sa = (l).strides[0][(l).rank - 1], sb = (l).strides[1][(l).rank - 1];                            \
        int64_t outer = 1;                                                                                             \
        for (int d = 0; d < (l).rank - 1; d++) outer *= (l).shape[d];                                                  \
        outer_cursor c = {{0}, {0}};                                                                                   \
        for (int64_t o = 0; o < outer; o++) {                                                                          \
            OUT_T *dst = (out) + o * n;                                                                                \
            const T *pa = (a) + c.offset[0], *pb = (b) + c.offset[1];                                                  \
            BROADCAST_RUN(T, dst, pa, pb, n, sa, sb, EXPR);                                                            \
            advance(&c, &(l), 2);                                                                                      \
        }                                                                                                              \
    } while (0)

QCC_DISPATCHED(extern, qcc_f32_binary,
               (qcc_binary_op op, float *out, const float *a, const int64_t *a_strides, const float *b,
                const int64_t *b_strides, const int64_t *shape, int rank),
               (op, out, a, a_strides, b, b_strides, shape, rank)) {
    broadcast_layout l;
    const int64_t *strides[2] = {a_strides, b_strides};
    if (!collapse(&l, shape, rank, 2, strides)) return;
    switch (op) {
    case QCC_BINARY_ADD: BROADCAST_LOOP(float, float, out, a, b, l, x + y); break;
    case QCC_BINARY_SUB: BROADCAST_LOOP(float, float, out, a, b, l, x - y); break;
    case QCC_BINARY_MUL: BROADCAST_LOOP(float, float, out, a, b, l, x * y); break;
    case QCC_BINARY_DIV: BROADCAST_LOOP(float, float, out, a, b, l, x / y); break;
    case QCC_BINARY_POW: BROADCAST_LOOP(float, float, out, a, b, l, powf(x, y)); break;
    case QCC_BINARY_MAX: BROADCAST_LOOP(float, float, out, a, b, l, (x != x || x > y) ? x : y); break;
    case QCC_BINARY_MIN: BROADCAST_LOOP(float, float, out, a, b, l, (x != x || x < y) ? x : y); break;
    case QCC_BINARY_FMOD: BROADCAST_LOOP(float, float, out, a, b, l, fmodf(x, y)); break;
    /* A select, not a ternary: with the product in a branch, GCC does not vectorise under -ftrapping-math. */
    case QCC_BINARY_PRELU: BROADCAST_LOOP(float, float, out, a, b, l, qcc_f32_select(x < 0.0f, x * y, x)); break;
    }
}

QCC_DISPATCHED(extern, qcc_f32_compare,
               (qcc_compare_op op, uint8_t *out, const float *a, const int64_t *a_strides, const float *b,
                const int64_t *b_strides, const int64_t *shape, int rank),
               (op, out, a, a_strides, b, b_strides, shape, rank)) {
    broadcast_layout l;
    const int64_t *strides[2] = {a_strides, b_strides};
    if (!collapse(&l, shape, rank, 2, strides)) return;
    switch (op) {
    case QCC_COMPARE_EQ: BROADCAST_LOOP(uint8_t, float, out, a, b, l, (uint8_t)(x == y)); break;
    case QCC_COMPARE_LT: BROADCAST_LOOP(uint8_t, float, out, a, b, l, (uint8_t)(x < y)); break;
    case QCC_COMPARE_LE: BROADCAST_LOOP(uint8_t, float, out, a, b, l, (uint8_t)(x <= y)); break;
    case QCC_COMPARE_GT: BROADCAST_LOOP(uint8_t, float, out, a, b, l, (uint8_t)(x > y)); break;
    case QCC_COMPARE_GE: BROADCAST_LOOP(uint8_t, float, out, a, b, l, (uint8_t)(x >= y)); break;
    }
}

/* x op y over a two-operand layout for elements of type T. */
#define COMPARE_LOOP(T, op, out, a, b, l)                                                                             \
    do {                                                                                                               \
        const T *a_ = (const T *)(a), *b_ = (const T *)(b);                                                            \
        switch (op) {                                                                                                  \
        case QCC_COMPARE_EQ: BROADCAST_LOOP(uint8_t, T, out, a_, b_, l, (uint8_t)(x == y)); break;                     \
        case QCC_COMPARE_LT: BROADCAST_LOOP(uint8_t, T, out, a_, b_, l, (uint8_t)(x < y)); break;                      \
        case QCC_COMPARE_LE: BROADCAST_LOOP(uint8_t, T, out, a_, b_, l, (uint8_t)(x <= y)); break;                     \
        case QCC_COMPARE_GT: BROADCAST_LOOP(uint8_t, T, out, a_, b_, l, (uint8_t)(x > y)); break;                      \
        case QCC_COMPARE_GE: BROADCAST_LOOP(uint8_t, T, out, a_, b_, l, (uint8_t)(x >= y)); break;                     \
        }                                                                                                              \
    } while (0)

int qcc_compare_supports(int32_t elem) {
    switch (elem) {
    case QCC_ELEM_F32: case QCC_ELEM_F64: case QCC_ELEM_I8: case QCC_ELEM_U8: case QCC_ELEM_I16: case QCC_ELEM_U16:
    case QCC_ELEM_I32: case QCC_ELEM_U32: case QCC_ELEM_I64: case QCC_ELEM_U64: case QCC_ELEM_BOOL: return 1;
    default: return 0;
    }
}

void qcc_compare(qcc_compare_op op, int32_t elem, uint8_t *out, const void *a, const int64_t *a_strides, const void *b,
                 const int64_t *b_strides, const int64_t *shape, int rank) {
    if (elem == QCC_ELEM_F32) {
        qcc_f32_compare(op, out, (const float *)a, a_strides, (const float *)b, b_strides, shape, rank);
        return;
    }
    broadcast_layout l;
    const int64_t *strides[2] = {a_strides, b_strides};
    if (!qcc_compare_supports(elem) || !collapse(&l, shape, rank, 2, strides)) return;
    switch (elem) {
    case QCC_ELEM_F64: COMPARE_LOOP(double, op, out, a, b, l); break;
    case QCC_ELEM_I8: COMPARE_LOOP(int8_t, op, out, a, b, l); break;
    case QCC_ELEM_U8: case QCC_ELEM_BOOL: COMPARE_LOOP(uint8_t, op, out, a, b, l); break;
    case QCC_ELEM_I16: COMPARE_LOOP(int16_t, op, out, a, b, l); break;
    case QCC_ELEM_U16: COMPARE_LOOP(uint16_t, op, out, a, b, l); break;
    case QCC_ELEM_I32: COMPARE_LOOP(int32_t, op, out, a, b, l); break;
    case QCC_ELEM_U32: COMPARE_LOOP(uint32_t, op, out, a, b, l); break;
    case QCC_ELEM_I64: COMPARE_LOOP(int64_t, op, out, a, b, l); break;
    case QCC_ELEM_U64: COMPARE_LOOP(uint64_t, op, out, a, b, l); break;
    default: break;
    }
}

/* One inner run of Where for elements of type T, with loops for the common stride patterns. */
#define WHERE_RUN(T, out, c, x, y, n, sc, sx, sy)                                                                     \
    do {                                                                                                               \
        T *o_ = (T *)(out);                                                                                            \
        const T *x_ = (const T *)(x), *y_ = (const T *)(y);                                                            \
        if ((sc) == 1 && (sx) == 1 && (sy) == 1) {                                                                     \
            for (int64_t i = 0; i < (n); i++) {                                                                        \
                const T xv = x_[i], yv = y_[i]; /* both read: a select, not a branch */                                \
                o_[i] = (c)[i] ? xv : yv;                                                                              \
            }                                                                                                          \
        } else if ((sc) == 1 && (sx) == 0 && (sy) == 1) {                                                              \
            const T xv = x_[0];                                                                                        \
            for (int64_t i = 0; i < (n); i++) {                                                                        \
                const T yv = y_[i];                                                                                    \
                o_[i] = (c)[i] ? xv : yv;                                                                              \
            }                                                                                                          \
        } else if ((sc) == 1 && (sx) == 1 && (sy) == 0) {                                                              \
            const T yv = y_[0];                                                                                        \
            for (int64_t i = 0; i < (n); i++) {                                                                        \
                const T xv = x_[i];                                                                                    \
                o_[i] = (c)[i] ? xv : yv;                                                                              \
            }                                                                                                          \
        } else {                                                                                                       \
            for (int64_t i = 0; i < (n); i++) o_[i] = (c)[i * (sc)] ? x_[i * (sx)] : y_[i * (sy)];                     \
        }                                                                                                              \
    } while (0)

void qcc_where(void *out, const uint8_t *cond, const int64_t *cond_strides, const void *x, const int64_t *x_strides,
               const void *y, const int64_t *y_strides, const int64_t *shape, int rank, size_t elem_size) {
    broadcast_layout l;
    const int64_t *strides[3] = {cond_strides, x_strides, y_strides};
    if (!collapse(&l, shape, rank, 3, strides)) return;
    const int64_t n = l.shape[l.rank - 1];
    const int64_t sc = l.strides[0][l.rank - 1], sx = l.strides[1][l.rank - 1], sy = l.strides[2][l.rank - 1];
    const int64_t es = (int64_t)elem_size;
    int64_t outer = 1;
    for (int d = 0; d < l.rank - 1; d++) outer *= l.shape[d];
    outer_cursor c = {{0}, {0}};
    for (int64_t o = 0; o < outer; o++) {
        char *dst = (char *)out + o * n * es;
        const uint8_t *pc = cond + c.offset[0];
        const char *px = (const char *)x + c.offset[1] * es, *py = (const char *)y + c.offset[2] * es;
        switch (elem_size) {
        case 1: WHERE_RUN(uint8_t, dst, pc, px, py, n, sc, sx, sy); break;
        case 2: WHERE_RUN(uint16_t, dst, pc, px, py, n, sc, sx, sy); break;
        case 4: WHERE_RUN(uint32_t, dst, pc, px, py, n, sc, sx, sy); break;
        case 8: WHERE_RUN(uint64_t, dst, pc, px, py, n, sc, sx, sy); break;
        default:
            for (int64_t i = 0; i < n; i++) {
                const char *src = pc[i * sc] ? px + i * sx * es : py + i * sy * es;
                memcpy(dst + i * es, src, elem_size);
            }
        }
        advance(&c, &l, 3);
    }
}

/* One inner run of a bool op: OUT[i] = EXPR(x, y) with x, y the operands' bytes as 0/1. */
#define BOOL_RUN(out, a, b, n, sa, sb, EXPR)                                                                          \
    do {                                                                                                               \
        if ((sa) == 1 && (sb) == 1) {                                                                                  \
            for (int64_t i = 0; i < (n); i++) {                                                                        \
                const int x = (a)[i] != 0, y = (b)[i] != 0;                                                            \
                (out)[i] = (uint8_t)(EXPR);                                                                            \
            }                                                                                                          \
        } else {                                                                                                       \
            for (int64_t i = 0; i < (n); i++) {                                                                        \
                const int x = (a)[i * (sa)] != 0, y = (b)[i * (sb)] != 0;                                              \
                (out)[i] = (uint8_t)(EXPR);                                                                            \
            }                                                                                                          \
        }                                                                                                              \
    } while (0)

void qcc_bool_binary(qcc_bool_op op, uint8_t *out, const uint8_t *a, const int64_t *a_strides, const uint8_t *b,
                     const int64_t *b_strides, const int64_t *shape, int rank) {
    broadcast_layout l;
    const int64_t *strides[2] = {a_strides, b_strides};
    if (!collapse(&l, shape, rank, 2, strides)) return;
    const int64_t n = l.shape[l.rank - 1];
    const int64_t sa = l.strides[0][l.rank - 1], sb = l.strides[1][l.rank - 1];
    int64_t outer = 1;
    for (int d = 0; d < l.rank - 1; d++) outer *= l.shape[d];
    outer_cursor c = {{0}, {0}};
    for (int64_t o = 0; o < outer; o++) {
        uint8_t *dst = out + o * n;
        const uint8_t *pa = a + c.offset[0], *pb = b + c.offset[1];
        switch (op) {
        case QCC_BOOL_AND: BOOL_RUN(dst, pa, pb, n, sa, sb, x & y); break;
        case QCC_BOOL_OR: BOOL_RUN(dst, pa, pb, n, sa, sb, x | y); break;
        case QCC_BOOL_XOR: BOOL_RUN(dst, pa, pb, n, sa, sb, x ^ y); break;
        }
        advance(&c, &l, 2);
    }
}
