/*
 * Kernel calls (qcc_program.h): checking, decoding and running them.
 *
 * Every kernel has ONE decoder (decode_* below) that reads the call's ints
 * and floats by the layout qcc_program.h gives, checks each value, and
 * describes each buffer: its role (read, written, optional, parameter), the
 * bytes the kernel touches relative to the buffer's pointer, its alignment,
 * and for parameter buffers the values allowed. qcc_call_run and
 * qcc_call_check both run the decoder and the same buffer checks; only
 * qcc_call_run then calls the kernel (run_call), with the decoded values.
 *
 * Extent arithmetic is exact: every size, stride and leading dimension is
 * within +-QCC_CALL_MAX_VALUE (2^48), and every product and sum is checked
 * against CALL_LIMIT (2^61), so nothing overflows int64 here or in the
 * kernels, whose index arithmetic stays within the extents checked here.
 */
#include "qcc_program.h"

#include "qcc_kernels.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * The kernels this runtime runs: all of them, unless the build defines
 * QCC_KERNEL_SUBSET and QCC_USE_<KERNEL> for each kernel it keeps (a
 * generated program keeps only the kernels it calls, and links only their
 * sources). Calls to any other kernel fail to decode, saying so.
 */
#ifndef QCC_KERNEL_SUBSET
#define QCC_USE_COPY 1
#define QCC_USE_FILL 1
#define QCC_USE_GATHER 1
#define QCC_USE_F32_BINARY 1
#define QCC_USE_F32_UNARY 1
#define QCC_USE_F32_SOFTMAX 1
#define QCC_USE_F32_LAYERNORM 1
#define QCC_USE_F32_RMSNORM 1
#define QCC_USE_F32_GEMM 1
#define QCC_USE_QUANTIZE 1
#define QCC_USE_DEQUANTIZE 1
#define QCC_USE_REQUANTIZE 1
#define QCC_USE_QGEMM 1
#define QCC_USE_QCONV 1
#define QCC_USE_QADD 1
#define QCC_USE_QMUL 1
#define QCC_USE_CAST 1
#define QCC_USE_WHERE 1
#define QCC_USE_F32_ISNAN 1
#define QCC_USE_BOOL_BINARY 1
#define QCC_USE_F32_REDUCE 1
#define QCC_USE_F32_POOL 1
#define QCC_USE_ATTENTION 1
#define QCC_USE_QSCAN 1
#define QCC_USE_FUSED_ELEMENTWISE 1
#define QCC_USE_F32_CONV_TRANSPOSE 1
#define QCC_USE_F32_RESAMPLE 1
#define QCC_USE_COMPARE 1
#define QCC_USE_F32_ARG_REDUCE 1
#define QCC_USE_CUMSUM 1
#define QCC_USE_TRILU 1
#endif

/* The largest magnitude of any element count, offset or byte count a call may reach. */
#define CALL_LIMIT ((int64_t)1 << 61)

/* A buffer's role. */
enum { B_READ = 0, B_WRITE = 1, B_OPT = 2, B_PARAM = 4 };

/* The values a parameter buffer may hold (P_NONE: any, unchecked). */
enum { P_NONE = 0, P_I32 = 1, P_SCALE = 2, P_TAPS = 3 };

/* An element size meaning "4-bit, two per byte": counts are nibbles. */
#define NIBBLES ((int64_t)-1)

/* What a call does with one buffer. */
typedef struct {
    const char *name;
    int flags;              /* B_* */
    int64_t lo, hi;         /* the bytes [lo, hi) it touches, relative to its pointer; lo == hi: none */
    int64_t align;          /* the alignment its pointer needs, in bytes */
    int param;              /* P_*: the values of a parameter buffer */
    int64_t count;          /* parameter values */
    int64_t min, max;       /* P_I32: their range; P_TAPS: max is the largest index */
    int64_t group;          /* P_TAPS: taps per output position */
} buffer_desc;

/* The decoded arguments of one call, by kernel. Arrays point into the call's ints. */
typedef struct {
    int64_t op, elem_size, rank, count;
    int64_t elem; /* COMPARE: the operands' qcc_elem */
    const int64_t *shape, *s0, *s1, *s2; /* strides of the operands, in buffer order after the first */
} strided_args;

typedef struct {
    int64_t trans_a, trans_b, m, n, k, lda, ldb, ldc, batch_rank;
    const int64_t *batch_shape, *a_strides, *b_strides, *c_strides;
    float alpha, beta;
    /* QGEMM */
    int64_t acc_type, a_type, b_type, a_zero_point, b_zp_layout, b_group;
} gemm_args;

typedef struct {
    int64_t acc_type, x_type, w_type, x_zero_point, x_pad, batch, channels, out_channels, group;
    qcc_window3d window;
} conv_args;

typedef struct {
    int64_t kind, count_include_pad, storage_order, planes;
    qcc_window3d window;
    int64_t pad_end[3];
} pool_args;

typedef struct {
    int64_t y_type, a_type, b_type, zy, za, zb, qmin, qmax, ma, mb, rank;
    const int64_t *shape, *a_strides, *b_strides;
} qbinary_args;

typedef struct {
    int64_t type, out_type, outer, channels, inner, group, qmin, qmax;
} convert_args;

typedef struct {
    int64_t op, count, outer, n, inner, rows;
    float alpha, beta, epsilon;
} float_args;

typedef struct {
    int64_t row_bytes, outer, axis_size, index_count, index_bytes, axis;
} gather_args;

typedef struct {
    qcc_attention head;
    int64_t batch_rank;
    const int64_t *batch_shape, *q_strides, *k_strides, *v_strides, *out_strides, *mask_strides;
} attention_args;

typedef struct {
    int64_t type, batch, channels, steps, state, state_qmin, state_qmax, c_qmin, c_qmax;
} scan_args;

typedef struct {
    int64_t outer, in, inner, out, taps;
    float fill;
} resample_args;

/* Kernels along one axis: F32_ARG_REDUCE ([outer, n, inner]) and CUMSUM (an axis of `shape`). */
typedef struct {
    int64_t elem, is_min, select_last, exclusive, reverse, outer, n, inner;
    int64_t axis_bytes, axis, rank;
    const int64_t *shape;
} axis_args;

typedef struct {
    int64_t elem_size, upper, k, matrices, rows, cols;
} trilu_args;

/* A call being checked: the call, what the loader knows of its buffers, and what decoding found. */
typedef struct {
    const qcc_call *call;
    const qcc_buffer_info *info; /* NULL: presence is the pointers' */
    char *error;
    size_t error_size;
    const char *name;
    buffer_desc buf[QCC_CALL_MAX_BUFFERS];
    union {
        strided_args strided;
        gemm_args gemm;
        conv_args conv;
        pool_args pool;
        qbinary_args qbinary;
        convert_args convert;
        float_args f;
        gather_args gather;
        attention_args attention;
        scan_args scan;
        axis_args axis;
        trilu_args trilu;
        qcc_fused_elementwise_args fused;
        resample_args resample;
    } a;
} decoder;

/* ------------------------------------------------------------------------ */
/* Names                                                                      */
/* ------------------------------------------------------------------------ */

static const char *const kernel_names[QCC_KERNEL_LIMIT] = {
    NULL,          "copy",        "fill",       "gather",     "f32_binary", "f32_unary",   "f32_softmax",
    "f32_layernorm", "f32_rmsnorm", "f32_gemm",  "quantize",   "dequantize", "requantize",  "qgemm",
    "qconv",       "qadd",        "qmul",       "cast",       "where",      "f32_isnan",   "bool_binary",
    "f32_reduce",  "f32_pool",    "attention",  "qscan",      "fused_elementwise", "f32_conv_transpose",
    "f32_resample", "compare",    "f32_arg_reduce", "cumsum", "trilu",
};

const char *qcc_kernel_name(int32_t kernel) {
    return kernel > 0 && kernel < QCC_KERNEL_LIMIT ? kernel_names[kernel] : NULL;
}

const char *qcc_elem_name(int32_t elem) {
    static const char *const names[] = {NULL,  "f32", "f64", "f16", "bf16", "i8",   "u8", "i16",
                                        "u16", "i32", "u32", "i64", "u64",  "bool", "i4", "u4"};
    return elem > 0 && elem <= QCC_ELEM_U4 ? names[elem] : NULL;
}

int64_t qcc_call_f32_gemm_scratch_bytes(int64_t m, int64_t n, int64_t k) {
    return m <= 0 || n <= 0 || k <= 0 ? 0 : (int64_t)QCC_GEMM_SCRATCH_BYTES;
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                     */
/* ------------------------------------------------------------------------ */

/* Writes "kernel: message" to the error buffer; returns -1. */
static int fail(decoder *d, const char *format, ...) {
    if (!d->error || d->error_size == 0) return -1;
    int used = snprintf(d->error, d->error_size, "%s: ", d->name);
    if (used < 0) used = 0;
    if ((size_t)used < d->error_size) {
        va_list args;
        va_start(args, format);
        vsnprintf(d->error + used, d->error_size - (size_t)used, format, args);
        va_end(args);
    }
    return -1;
}

/* `v` as text, powers of two from 2^32 as "2^k" (the bounds of calls read better so). */
static void value_text(char *out, size_t size, int64_t v) {
    const uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (mag >= ((uint64_t)1 << 32) && (mag & (mag - 1)) == 0) {
        int e = 0;
        while (((uint64_t)1 << e) != mag) e++;
        snprintf(out, size, "%s2^%d", v < 0 ? "-" : "", e);
    } else {
        snprintf(out, size, "%lld", (long long)v);
    }
}

static void range_text(char *out, size_t size, int64_t lo, int64_t hi) {
    char a[32], b[32];
    value_text(a, sizeof a, lo);
    value_text(b, sizeof b, hi);
    snprintf(out, size, "%s..%s", a, b);
}

/* "int 4 (b_zp_layout) is 7; expected <expect>"; `sub` >= 0 names an array element, as "shape[2]". */
static int bad_int(decoder *d, int index, const char *name, int sub, const char *expect) {
    char label[48];
    if (sub >= 0)
        snprintf(label, sizeof label, "%s[%d]", name, sub);
    else
        snprintf(label, sizeof label, "%s", name);
    return fail(d, "int %d (%s) is %lld; expected %s", index, label, (long long)d->call->ints[index], expect);
}

/* ------------------------------------------------------------------------ */
/* Reading ints                                                               */
/* ------------------------------------------------------------------------ */

/* ints[index] in lo..hi, into *out. */
static int int_in(decoder *d, int index, const char *name, int sub, int64_t lo, int64_t hi, int64_t *out) {
    const int64_t v = d->call->ints[index];
    if (v < lo || v > hi) {
        char expect[80];
        range_text(expect, sizeof expect, lo, hi);
        return bad_int(d, index, name, sub, expect);
    }
    *out = v;
    return 0;
}

/* A size: 0..QCC_CALL_MAX_VALUE. */
static int size_at(decoder *d, int index, const char *name, int64_t *out) {
    return int_in(d, index, name, -1, 0, QCC_CALL_MAX_VALUE, out);
}

/* Every entry of an array of `n` ints from `first`: sizes (0..max) or strides (-max..max). */
static int array_at(decoder *d, int first, int64_t n, const char *name, int is_stride, const int64_t **out) {
    for (int i = 0; i < (int)n; i++) {
        int64_t v;
        if (int_in(d, first + i, name, i, is_stride ? -QCC_CALL_MAX_VALUE : 0, QCC_CALL_MAX_VALUE, &v)) return -1;
    }
    *out = d->call->ints + first;
    return 0;
}

/* Exactly `n` ints. */
static int ints_exactly(decoder *d, int64_t n) {
    if (d->call->int_count != n)
        return fail(d, "%d ints; expected %lld", (int)d->call->int_count, (long long)n);
    return 0;
}

/* At least `n` ints (before a rank says how many). */
static int ints_at_least(decoder *d, int64_t n) {
    if (d->call->int_count < n)
        return fail(d, "%d ints; expected at least %lld", (int)d->call->int_count, (long long)n);
    return 0;
}

/* The rank at `index` (0..QCC_MAX_RANK; `name` is "rank" or "batch_rank"), then exactly fixed + per * rank ints. */
static int rank_at(decoder *d, int index, const char *name, int64_t fixed, int64_t per, int64_t *rank) {
    if (ints_at_least(d, index + 1) || int_in(d, index, name, -1, 0, QCC_MAX_RANK, rank)) return -1;
    const int64_t n = fixed + per * *rank;
    if (d->call->int_count != n)
        return fail(d, "%d ints; expected %lld for %s %lld", (int)d->call->int_count, (long long)n, name,
                    (long long)*rank);
    return 0;
}

/* A qcc_qtype whose storage range bounds the values that follow (zero points, qmin, qmax). */
static void qtype_range(int64_t type, int64_t *lo, int64_t *hi) {
    switch (type) {
    case QCC_QTYPE_I8: *lo = -128; *hi = 127; break;
    case QCC_QTYPE_U8: *lo = 0; *hi = 255; break;
    case QCC_QTYPE_I16: *lo = -32768; *hi = 32767; break;
    case QCC_QTYPE_U16: *lo = 0; *hi = 65535; break;
    case QCC_QTYPE_I4: *lo = -8; *hi = 7; break;
    case QCC_QTYPE_U4: *lo = 0; *hi = 15; break;
    default: *lo = INT32_MIN; *hi = INT32_MAX; break; /* i32, i64: zero points are int32 */
    }
}

/* Bytes per element of a qcc_qtype (NIBBLES for 4-bit types). */
static int64_t qtype_bytes(int64_t type) {
    switch (type) {
    case QCC_QTYPE_I8: case QCC_QTYPE_U8: return 1;
    case QCC_QTYPE_I16: case QCC_QTYPE_U16: return 2;
    case QCC_QTYPE_I32: return 4;
    case QCC_QTYPE_I64: return 8;
    default: return NIBBLES;
    }
}

static int is_4bit(int64_t type) { return type == QCC_QTYPE_I4 || type == QCC_QTYPE_U4; }

/* A value within `type`'s range (zero points). */
static int value_of_type(decoder *d, int index, const char *name, int64_t type, int64_t *out) {
    int64_t lo, hi;
    qtype_range(type, &lo, &hi);
    return int_in(d, index, name, -1, lo, hi, out);
}

/* qmin and qmax at `index`, index + 1: qmin <= qmax, both within `type`'s range. */
static int clamp_range(decoder *d, int index, int64_t type, int64_t *qmin, int64_t *qmax) {
    int64_t lo, hi;
    qtype_range(type, &lo, &hi);
    if (int_in(d, index, "qmin", -1, lo, hi, qmin)) return -1;
    return int_in(d, index + 1, "qmax", -1, *qmin, hi, qmax);
}

/* ------------------------------------------------------------------------ */
/* Extents                                                                    */
/* ------------------------------------------------------------------------ */

/* a * b when |a * b| <= CALL_LIMIT (|a|, |b| <= CALL_LIMIT). */
static int mul_ok(int64_t a, int64_t b, int64_t *r) {
    if (a == 0 || b == 0) {
        *r = 0;
        return 1;
    }
    const int64_t ua = a < 0 ? -a : a, ub = b < 0 ? -b : b;
    if (ua > CALL_LIMIT / ub) return 0;
    *r = a * b;
    return 1;
}

/* a + b when |a + b| <= CALL_LIMIT (|a|, |b| <= CALL_LIMIT, so the sum itself cannot overflow). */
static int add_ok(int64_t a, int64_t b, int64_t *r) {
    *r = a + b;
    return *r >= -CALL_LIMIT && *r <= CALL_LIMIT;
}

/*
 * The element offsets a box of sizes and strides reaches: [lo, hi] unless
 * empty. `nonzero` is the product of its non-zero sizes, which must stay
 * within CALL_LIMIT: it bounds every partial product a kernel forms while
 * counting the box, in any order.
 */
typedef struct {
    int64_t lo, hi, nonzero;
    int empty, overflow;
} span;

static span span_start(void) {
    span s = {0, 0, 1, 0, 0};
    return s;
}

static void span_dim(span *s, int64_t size, int64_t stride) {
    if (s->overflow) return;
    if (size == 0) {
        s->empty = 1;
        return;
    }
    int64_t t;
    if (!mul_ok(s->nonzero, size, &s->nonzero) || !mul_ok(size - 1, stride, &t) ||
        !(t < 0 ? add_ok(s->lo, t, &s->lo) : add_ok(s->hi, t, &s->hi)))
        s->overflow = 1;
}

static void span_dims(span *s, int64_t rank, const int64_t *shape, const int64_t *strides) {
    for (int64_t i = 0; i < rank; i++) span_dim(s, shape[i], strides[i]);
}

/* A dense run over the product of `n` sizes (a row-major tensor of that shape). */
static span span_dense(int n, const int64_t *sizes) {
    span s = span_start();
    int64_t count = 1;
    for (int i = 0; i < n && !s.overflow; i++) {
        if (sizes[i] == 0) s.empty = 1;
        else if (!mul_ok(count, sizes[i], &count)) s.overflow = 1;
    }
    if (!s.empty && !s.overflow) span_dim(&s, count, 1);
    return s;
}

/* The number of elements of a dense span (0 when empty). */
static int64_t span_count(const span *s) { return s->empty ? 0 : s->hi - s->lo + 1; }

static int64_t floor_half(int64_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }

/* Whether the call names buffer i: the loader's flag with `info`, else a non-NULL pointer. */
static int present(const decoder *d, int i) {
    return d->info ? (d->info[i].flags & QCC_BUFFER_PRESENT) != 0 : d->call->buffers[i] != NULL;
}

/*
 * Declares buffer i: its name, role, element size (NIBBLES for 4-bit) and the
 * elements `s` it touches; an absent optional buffer touches nothing.
 * Alignment is the element size for 2-, 4- and 8-byte elements, else 1.
 */
static int buffer(decoder *d, int i, const char *name, int flags, int64_t elem_size, span s) {
    buffer_desc *b = &d->buf[i];
    b->name = name;
    b->flags = flags;
    b->lo = b->hi = 0;
    b->align = elem_size == 2 || elem_size == 4 || elem_size == 8 ? elem_size : 1;
    b->param = P_NONE;
    b->count = 0;
    if ((flags & B_OPT) && !present(d, i)) return 0;
    if (s.overflow) return fail(d, "buffer %d (%s) spans more than 2^61 elements", i, name);
    if (s.empty || elem_size == 0) return 0;
    int64_t lo, hi;
    if (elem_size == NIBBLES) {
        lo = floor_half(s.lo);
        hi = floor_half(s.hi) + 1;
    } else if (!mul_ok(s.lo, elem_size, &lo) || !mul_ok(s.hi, elem_size, &hi) || !add_ok(hi, elem_size, &hi)) {
        return fail(d, "buffer %d (%s) spans more than 2^61 bytes", i, name);
    }
    b->lo = lo;
    b->hi = hi;
    return 0;
}

/* A dense buffer of `count` elements. */
static int dense_buffer(decoder *d, int i, const char *name, int flags, int64_t elem_size, int64_t count) {
    return buffer(d, i, name, flags, elem_size, span_dense(1, &count));
}

/* A parameter buffer of `count` int32 values in min..max. */
static int param_i32(decoder *d, int i, const char *name, int flags, int64_t count, int64_t min, int64_t max) {
    if (dense_buffer(d, i, name, flags | B_PARAM, 4, count)) return -1;
    d->buf[i].param = P_I32;
    d->buf[i].count = count;
    d->buf[i].min = min;
    d->buf[i].max = max;
    return 0;
}

/* A parameter buffer of `count` f32 scales, each finite and > 0. */
static int param_scale(decoder *d, int i, const char *name, int64_t count) {
    if (dense_buffer(d, i, name, B_PARAM, 4, count)) return -1;
    d->buf[i].param = P_SCALE;
    d->buf[i].count = count;
    return 0;
}

/* A parameter buffer of `count` int64 indices in groups of `group`: each group all -1, or all in 0..max. */
static int param_taps(decoder *d, int i, const char *name, int64_t count, int64_t group, int64_t max) {
    if (dense_buffer(d, i, name, B_PARAM, 8, count)) return -1;
    d->buf[i].param = P_TAPS;
    d->buf[i].count = count;
    d->buf[i].group = group;
    d->buf[i].max = max;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Decoders, one per kernel                                                   */
/* ------------------------------------------------------------------------ */

/* Element sizes of COPY, FILL and WHERE. */
static int elem_size_at(decoder *d, int index, int64_t *out) { return int_in(d, index, "elem_size", -1, 1, 64, out); }

/* 1 COPY: dst (w), src; elem_size, rank, shape, dst_strides, src_strides. */
static int decode_copy(decoder *d) {
    strided_args *a = &d->a.strided;
    if (rank_at(d, 1, "rank", 2, 3, &a->rank) || elem_size_at(d, 0, &a->elem_size) ||
        array_at(d, 2, a->rank, "shape", 0, &a->shape) ||
        array_at(d, 2 + (int)a->rank, a->rank, "dst_strides", 1, &a->s0) ||
        array_at(d, 2 + 2 * (int)a->rank, a->rank, "src_strides", 1, &a->s1))
        return -1;
    span dst = span_start(), src = span_start();
    span_dims(&dst, a->rank, a->shape, a->s0);
    span_dims(&src, a->rank, a->shape, a->s1);
    return buffer(d, 0, "dst", B_WRITE, a->elem_size, dst) || buffer(d, 1, "src", B_READ, a->elem_size, src);
}

/* 2 FILL: dst (w), value; elem_size, count. */
static int decode_fill(decoder *d) {
    strided_args *a = &d->a.strided;
    if (ints_exactly(d, 2) || elem_size_at(d, 0, &a->elem_size) || size_at(d, 1, "count", &a->count)) return -1;
    if (dense_buffer(d, 0, "dst", B_WRITE, a->elem_size, a->count)) return -1;
    /* The value is read with memcpy: any alignment. */
    return buffer(d, 1, "value", B_READ, 1, span_dense(1, &a->elem_size));
}

/* 3 GATHER: dst (w), src, indices; row_bytes, outer, axis_size, index_count, index_bytes, axis. */
static int decode_gather(decoder *d) {
    gather_args *a = &d->a.gather;
    if (ints_exactly(d, 6) || size_at(d, 0, "row_bytes", &a->row_bytes) || size_at(d, 1, "outer", &a->outer) ||
        size_at(d, 2, "axis_size", &a->axis_size) || size_at(d, 3, "index_count", &a->index_count))
        return -1;
    a->index_bytes = d->call->ints[4];
    if (a->index_bytes != 4 && a->index_bytes != 8) return bad_int(d, 4, "index_bytes", -1, "4 or 8");
    if (int_in(d, 5, "axis", -1, 0, QCC_MAX_RANK - 1, &a->axis)) return -1;
    /* Rows of 4 and 8 bytes are copied as int32 / int64, others with memcpy. */
    const int64_t row = a->row_bytes == 4 || a->row_bytes == 8 ? a->row_bytes : 1;
    const int64_t rows = a->row_bytes / row;
    const int64_t dst[3] = {a->outer, a->index_count, rows}, src[3] = {a->outer, a->axis_size, rows};
    return buffer(d, 0, "dst", B_WRITE, row, span_dense(3, dst)) ||
           buffer(d, 1, "src", B_READ, row, span_dense(3, src)) ||
           dense_buffer(d, 2, "indices", B_READ, a->index_bytes, a->index_count);
}

/*
 * The broadcasting kernels (F32_BINARY, WHERE, BOOL_BINARY): from `first`,
 * shape[rank] and then each operand's strides[rank]; out (buffer 0) is dense
 * with the shape, operand k (buffer k + 1) strided over it.
 */
static int decode_broadcast(decoder *d, int first, int operands, const char *const *names, const int64_t *elem_sizes) {
    strided_args *a = &d->a.strided;
    const int r = (int)a->rank;
    if (array_at(d, first, r, "shape", 0, &a->shape)) return -1;
    const int64_t **strides[3] = {&a->s0, &a->s1, &a->s2};
    for (int k = 0; k < operands; k++) {
        char name[24];
        snprintf(name, sizeof name, "%s_strides", names[k + 1]);
        if (array_at(d, first + (k + 1) * r, r, name, 1, strides[k])) return -1;
    }
    if (buffer(d, 0, names[0], B_WRITE, elem_sizes[0], span_dense(r, a->shape))) return -1;
    for (int k = 0; k < operands; k++) {
        span s = span_start();
        span_dims(&s, r, a->shape, *strides[k]);
        if (buffer(d, k + 1, names[k + 1], B_READ, elem_sizes[k + 1], s)) return -1;
    }
    return 0;
}

/* 4 F32_BINARY: out (w), a, b; op, rank, shape, a_strides, b_strides. */
static int decode_f32_binary(decoder *d) {
    static const char *const names[3] = {"out", "a", "b"};
    static const int64_t sizes[3] = {4, 4, 4};
    strided_args *a = &d->a.strided;
    if (rank_at(d, 1, "rank", 2, 3, &a->rank) || int_in(d, 0, "op", -1, 0, QCC_BINARY_PRELU, &a->op))
        return -1;
    return decode_broadcast(d, 2, 2, names, sizes);
}

/* 5 F32_UNARY: out (w), x; op, count; alpha, beta. */
static int decode_f32_unary(decoder *d) {
    float_args *a = &d->a.f;
    if (ints_exactly(d, 2) || int_in(d, 0, "op", -1, 0, QCC_UNARY_SHRINK, &a->op) || size_at(d, 1, "count", &a->count))
        return -1;
    a->alpha = d->call->floats[0];
    a->beta = d->call->floats[1];
    return dense_buffer(d, 0, "out", B_WRITE, 4, a->count) || dense_buffer(d, 1, "x", B_READ, 4, a->count);
}

/* [outer, n, inner] f32 in, and out of `out_sizes`: SOFTMAX and REDUCE. */
static int decode_rows(decoder *d, const char *op_name, int64_t op_max, int reduces) {
    float_args *a = &d->a.f;
    if (ints_exactly(d, 4) || int_in(d, 0, op_name, -1, 0, op_max, &a->op) || size_at(d, 1, "outer", &a->outer) ||
        size_at(d, 2, "n", &a->n) || size_at(d, 3, "inner", &a->inner))
        return -1;
    const int64_t x[3] = {a->outer, a->n, a->inner}, y[2] = {a->outer, a->inner};
    return buffer(d, 0, "out", B_WRITE, 4, reduces ? span_dense(2, y) : span_dense(3, x)) ||
           buffer(d, 1, "x", B_READ, 4, span_dense(3, x));
}

/* An epsilon: finite and >= 0. */
static int epsilon_at(decoder *d, int index, float *out) {
    const float e = d->call->floats[index];
    if (!(e >= 0.0f && e <= 3.40282347e38f))
        return fail(d, "float %d (epsilon) is %g; expected a finite value >= 0", index, (double)e);
    *out = e;
    return 0;
}

/* 7 F32_LAYERNORM: y (w), x, scale, bias (opt), mean (w, opt), inv_std (w, opt); rows, n; epsilon. */
static int decode_f32_layernorm(decoder *d) {
    float_args *a = &d->a.f;
    if (ints_exactly(d, 2) || size_at(d, 0, "rows", &a->rows) || size_at(d, 1, "n", &a->n) ||
        epsilon_at(d, 0, &a->epsilon))
        return -1;
    const int64_t x[2] = {a->rows, a->n};
    return buffer(d, 0, "y", B_WRITE, 4, span_dense(2, x)) || buffer(d, 1, "x", B_READ, 4, span_dense(2, x)) ||
           dense_buffer(d, 2, "scale", B_READ, 4, a->n) || dense_buffer(d, 3, "bias", B_OPT, 4, a->n) ||
           dense_buffer(d, 4, "mean", B_WRITE | B_OPT, 4, a->rows) ||
           dense_buffer(d, 5, "inv_std", B_WRITE | B_OPT, 4, a->rows);
}

/* 8 F32_RMSNORM: y (w), x, scale (opt); rows, n; epsilon. */
static int decode_f32_rmsnorm(decoder *d) {
    float_args *a = &d->a.f;
    if (ints_exactly(d, 2) || size_at(d, 0, "rows", &a->rows) || size_at(d, 1, "n", &a->n) ||
        epsilon_at(d, 0, &a->epsilon))
        return -1;
    const int64_t x[2] = {a->rows, a->n};
    return buffer(d, 0, "y", B_WRITE, 4, span_dense(2, x)) || buffer(d, 1, "x", B_READ, 4, span_dense(2, x)) ||
           dense_buffer(d, 2, "scale", B_OPT, 4, a->n);
}

/*
 * The shared ints of F32_GEMM and QGEMM from `first`: m, n, k, lda, ldb, ldc,
 * batch_rank, batch_shape, a_strides, b_strides, c_strides; and the spans of
 * a ([m, k], or stored [k, m] when trans_a), b ([k, n], or [n, k]) and c.
 */
static int decode_matrices(decoder *d, int first, span *sa, span *sb, span *sc) {
    gemm_args *g = &d->a.gemm;
    if (rank_at(d, first + 6, "batch_rank", first + 7, 4, &g->batch_rank) || size_at(d, first, "m", &g->m) ||
        size_at(d, first + 1, "n", &g->n) || size_at(d, first + 2, "k", &g->k))
        return -1;
    const char *ld_names[3] = {"lda", "ldb", "ldc"};
    int64_t *lds[3] = {&g->lda, &g->ldb, &g->ldc};
    for (int i = 0; i < 3; i++)
        if (int_in(d, first + 3 + i, ld_names[i], -1, -QCC_CALL_MAX_VALUE, QCC_CALL_MAX_VALUE, lds[i])) return -1;
    const int r = (int)g->batch_rank, base = first + 7;
    if (array_at(d, base, r, "batch_shape", 0, &g->batch_shape) ||
        array_at(d, base + r, r, "a_strides", 1, &g->a_strides) ||
        array_at(d, base + 2 * r, r, "b_strides", 1, &g->b_strides) ||
        array_at(d, base + 3 * r, r, "c_strides", 1, &g->c_strides))
        return -1;
    *sa = span_start();
    *sb = span_start();
    *sc = span_start();
    span_dims(sa, r, g->batch_shape, g->a_strides);
    span_dims(sb, r, g->batch_shape, g->b_strides);
    span_dims(sc, r, g->batch_shape, g->c_strides);
    if (g->trans_a) span_dim(sa, g->k, g->lda), span_dim(sa, g->m, 1);
    else span_dim(sa, g->m, g->lda), span_dim(sa, g->k, 1);
    if (g->trans_b) span_dim(sb, g->n, g->ldb), span_dim(sb, g->k, 1);
    else span_dim(sb, g->k, g->ldb), span_dim(sb, g->n, 1);
    span_dim(sc, g->m, g->ldc);
    span_dim(sc, g->n, 1);
    return 0;
}

/* 9 F32_GEMM: c (w), a, b, scratch (w); trans_a, trans_b, m, n, k, lda, ldb, ldc, batch_rank, ...; alpha, beta. */
static int decode_f32_gemm(decoder *d) {
    gemm_args *g = &d->a.gemm;
    span sa, sb, sc;
    if (ints_at_least(d, 9) || int_in(d, 0, "trans_a", -1, 0, 1, &g->trans_a) ||
        int_in(d, 1, "trans_b", -1, 0, 1, &g->trans_b) || decode_matrices(d, 2, &sa, &sb, &sc))
        return -1;
    /*
     * Leading dimensions at least the stored row length, as BLAS asks: the
     * GEMM reads whole rows and takes ldb == 0 to mean packed B (a row length
     * of 0 means nothing is read, so 0 is fine there).
     */
    const int64_t rows[3] = {g->trans_a ? g->m : g->k, g->trans_b ? g->k : g->n, g->n};
    const int64_t lds[3] = {g->lda, g->ldb, g->ldc};
    static const char *const ld_names[3] = {"lda", "ldb", "ldc"};
    for (int i = 0; i < 3; i++) {
        if (lds[i] < rows[i]) {
            char expect[80];
            range_text(expect, sizeof expect, rows[i], QCC_CALL_MAX_VALUE);
            return bad_int(d, 5 + i, ld_names[i], -1, expect);
        }
    }
    g->alpha = d->call->floats[0];
    g->beta = d->call->floats[1];
    const int64_t scratch = qcc_call_f32_gemm_scratch_bytes(g->m, g->n, g->k);
    if (buffer(d, 0, "c", B_WRITE, 4, sc) || buffer(d, 1, "a", B_READ, 4, sa) || buffer(d, 2, "b", B_READ, 4, sb) ||
        dense_buffer(d, 3, "scratch", B_WRITE | (scratch == 0 ? B_OPT : 0), 1, scratch))
        return -1;
    d->buf[3].align = 64;
    return 0;
}

/* The number of parameters of QUANTIZE / DEQUANTIZE: channels, or outer * ceil(channels / group) * inner. */
static int64_t convert_params(const convert_args *a) {
    if (a->group == 0) return a->channels;
    const int64_t p[3] = {a->outer, (a->channels + a->group - 1) / a->group, a->inner};
    const span s = span_dense(3, p);
    return s.overflow ? -1 : span_count(&s);
}

/* type (lo..hi), outer, channels, inner, group of QUANTIZE and DEQUANTIZE. */
static int decode_convert_shape(decoder *d, int64_t type_max, int has_group) {
    convert_args *a = &d->a.convert;
    if (int_in(d, 0, "type", -1, 0, type_max, &a->type) || size_at(d, 1, "outer", &a->outer) ||
        size_at(d, 2, "channels", &a->channels) || size_at(d, 3, "inner", &a->inner))
        return -1;
    a->group = 0;
    return has_group ? size_at(d, 4, "group", &a->group) : 0;
}

/* 10 QUANTIZE: dst (w), x, scale (param), zero_point (param); type, outer, channels, inner, group, qmin, qmax. */
static int decode_quantize(decoder *d) {
    convert_args *a = &d->a.convert;
    if (ints_exactly(d, 7) || decode_convert_shape(d, QCC_QTYPE_U4, 1) || clamp_range(d, 5, a->type, &a->qmin, &a->qmax))
        return -1;
    const int64_t x[3] = {a->outer, a->channels, a->inner}, params = convert_params(a);
    if (params < 0) return fail(d, "more than 2^61 parameters");
    int64_t lo, hi;
    qtype_range(a->type, &lo, &hi);
    return buffer(d, 0, "dst", B_WRITE, qtype_bytes(a->type), span_dense(3, x)) ||
           buffer(d, 1, "x", B_READ, 4, span_dense(3, x)) || param_scale(d, 2, "scale", params) ||
           param_i32(d, 3, "zero_point", 0, params, lo, hi);
}

/* 11 DEQUANTIZE: dst (w), q, scale (param), zero_point (param); type, outer, channels, inner, group. */
static int decode_dequantize(decoder *d) {
    convert_args *a = &d->a.convert;
    if (ints_exactly(d, 5) || decode_convert_shape(d, QCC_QTYPE_I64, 1)) return -1;
    const int64_t x[3] = {a->outer, a->channels, a->inner}, params = convert_params(a);
    if (params < 0) return fail(d, "more than 2^61 parameters");
    int64_t lo, hi;
    qtype_range(a->type, &lo, &hi);
    return buffer(d, 0, "dst", B_WRITE, 4, span_dense(3, x)) ||
           buffer(d, 1, "q", B_READ, qtype_bytes(a->type), span_dense(3, x)) || param_scale(d, 2, "scale", params) ||
           param_i32(d, 3, "zero_point", 0, params, lo, hi);
}

/* 12 REQUANTIZE: y (w), x, multiplier, shift, zp_in (opt), zp_out (params); in_type, out_type, outer, channels, inner, qmin, qmax. */
static int decode_requantize(decoder *d) {
    convert_args *a = &d->a.convert;
    if (ints_exactly(d, 7)) return -1;
    a->type = d->call->ints[0];
    if (a->type < QCC_QTYPE_I8 || a->type > QCC_QTYPE_I64 || is_4bit(a->type))
        return bad_int(d, 0, "in_type", -1, "0..3 (i8..u16), 6 (i32) or 7 (i64)");
    if (int_in(d, 1, "out_type", -1, 0, QCC_QTYPE_U16, &a->out_type) || size_at(d, 2, "outer", &a->outer) ||
        size_at(d, 3, "channels", &a->channels) || size_at(d, 4, "inner", &a->inner) ||
        clamp_range(d, 5, a->out_type, &a->qmin, &a->qmax))
        return -1;
    const int64_t x[3] = {a->outer, a->channels, a->inner};
    int64_t in_lo, in_hi, out_lo, out_hi;
    qtype_range(a->type, &in_lo, &in_hi);
    qtype_range(a->out_type, &out_lo, &out_hi);
    return buffer(d, 0, "y", B_WRITE, qtype_bytes(a->out_type), span_dense(3, x)) ||
           buffer(d, 1, "x", B_READ, qtype_bytes(a->type), span_dense(3, x)) ||
           param_i32(d, 2, "multiplier", 0, a->channels, 0, INT32_MAX) ||
           param_i32(d, 3, "shift", 0, a->channels, 1, 62) ||
           param_i32(d, 4, "zp_in", B_OPT, a->channels, in_lo, in_hi) ||
           param_i32(d, 5, "zp_out", 0, a->channels, out_lo, out_hi);
}

/* The accumulator type of QGEMM and QCONV: i32 (6) or i64 (7). */
static int acc_type_at(decoder *d, int index, int64_t *out) {
    *out = d->call->ints[index];
    if (*out != QCC_QTYPE_I32 && *out != QCC_QTYPE_I64) return bad_int(d, index, "acc_type", -1, "6 (i32) or 7 (i64)");
    return 0;
}

/* Batch strides of a 4-bit operand must be even (the kernel moves its byte pointer by stride / 2). */
static int even_strides(decoder *d, int first, const char *name, int64_t rank, int64_t type) {
    if (!is_4bit(type)) return 0;
    for (int i = 0; i < (int)rank; i++)
        if (d->call->ints[first + i] % 2 != 0) return bad_int(d, first + i, name, i, "an even value (a 4-bit operand)");
    return 0;
}

/*
 * 13 QGEMM: c (w), a, b, b_zero_point (param, opt), bias (opt); acc_type, a_type, b_type,
 * a_zero_point, b_zp_layout, b_group, m, n, k, lda, ldb, ldc, batch_rank, ...
 */
static int decode_qgemm(decoder *d) {
    gemm_args *g = &d->a.gemm;
    span sa, sb, sc;
    g->trans_a = g->trans_b = 0;
    if (ints_at_least(d, 13) || acc_type_at(d, 0, &g->acc_type) ||
        int_in(d, 1, "a_type", -1, 0, QCC_QTYPE_U4, &g->a_type) ||
        int_in(d, 2, "b_type", -1, 0, QCC_QTYPE_U4, &g->b_type) ||
        value_of_type(d, 3, "a_zero_point", g->a_type, &g->a_zero_point))
        return -1;
    g->b_zp_layout = d->call->ints[4];
    if (g->b_zp_layout != QCC_ZP_SCALAR && g->b_zp_layout != QCC_ZP_PER_COL && g->b_zp_layout != QCC_ZP_ROW_GROUPS)
        return bad_int(d, 4, "b_zp_layout", -1, "0 (scalar), 2 (per column) or 3 (row groups)");
    if (g->b_zp_layout == QCC_ZP_ROW_GROUPS) {
        if (int_in(d, 5, "b_group", -1, 1, QCC_CALL_MAX_VALUE, &g->b_group)) return -1;
    } else if (d->call->ints[5] != 0) {
        return bad_int(d, 5, "b_group", -1, "0 (b_zp_layout is not 3)");
    } else {
        g->b_group = 0;
    }
    if (decode_matrices(d, 6, &sa, &sb, &sc)) return -1;
    const int r = (int)g->batch_rank;
    if (even_strides(d, 13 + r, "a_strides", r, g->a_type) || even_strides(d, 13 + 2 * r, "b_strides", r, g->b_type))
        return -1;
    int64_t zps = 1;
    if (g->b_zp_layout == QCC_ZP_PER_COL) zps = g->n;
    if (g->b_zp_layout == QCC_ZP_ROW_GROUPS) {
        const int64_t p[2] = {(g->k + g->b_group - 1) / g->b_group, g->n};
        const span s = span_dense(2, p);
        if (s.overflow) return fail(d, "more than 2^61 zero points");
        zps = span_count(&s);
    }
    int64_t lo, hi;
    qtype_range(g->b_type, &lo, &hi);
    const int64_t acc = qtype_bytes(g->acc_type);
    return buffer(d, 0, "c", B_WRITE, acc, sc) || buffer(d, 1, "a", B_READ, qtype_bytes(g->a_type), sa) ||
           buffer(d, 2, "b", B_READ, qtype_bytes(g->b_type), sb) ||
           param_i32(d, 3, "b_zero_point", B_OPT, zps, lo, hi) || dense_buffer(d, 4, "bias", B_OPT, acc, g->n);
}

/*
 * 14 QCONV: y (w), x, w, w_zero_point (param, opt), bias (opt), workspace (w);
 * acc_type, x_type, w_type, x_zero_point, x_pad, batch, channels, out_channels, group,
 * in[3], out[3], kernel[3], stride[3], dilation[3], pad_begin[3].
 */
/*
 * A qcc_window3d from ints first..first+17 (in, out, kernel, stride,
 * dilation, pad_begin, 3 each), and with `pad_end` three more: sizes and pads
 * >= 0, kernel, stride and dilation >= 1, and every o * stride + t * dilation
 * (output o, tap t) within 2^61, as the kernels form it.
 */
static int decode_window(decoder *d, int first, qcc_window3d *w, int64_t *pad_end) {
    static const char *const names[7] = {"in", "out", "kernel", "stride", "dilation", "pad_begin", "pad_end"};
    int64_t *fields[7] = {w->in, w->out, w->kernel, w->stride, w->dilation, w->pad_begin, pad_end};
    const int count = pad_end ? 7 : 6;
    for (int f = 0; f < count; f++)
        for (int i = 0; i < 3; i++) {
            const int64_t lo = f >= 2 && f <= 4 ? 1 : 0; /* kernel, stride and dilation are >= 1 */
            if (int_in(d, first + 3 * f + i, names[f], i, lo, QCC_CALL_MAX_VALUE, &fields[f][i])) return -1;
        }
    for (int i = 0; i < 3; i++) {
        int64_t a, b, sum;
        if (!mul_ok(w->out[i] > 0 ? w->out[i] - 1 : 0, w->stride[i], &a) || !mul_ok(w->kernel[i] - 1, w->dilation[i], &b) ||
            !add_ok(a, b, &sum))
            return fail(d, "the window of spatial dim %d reaches beyond 2^61", i);
    }
    return 0;
}

static int decode_qconv(decoder *d) {
    conv_args *c = &d->a.conv;
    qcc_window3d *w = &c->window;
    if (ints_exactly(d, 27) || acc_type_at(d, 0, &c->acc_type) ||
        int_in(d, 1, "x_type", -1, 0, QCC_QTYPE_U16, &c->x_type) ||
        int_in(d, 2, "w_type", -1, 0, QCC_QTYPE_U16, &c->w_type) ||
        value_of_type(d, 3, "x_zero_point", c->x_type, &c->x_zero_point) ||
        value_of_type(d, 4, "x_pad", c->x_type, &c->x_pad) || size_at(d, 5, "batch", &c->batch) ||
        size_at(d, 6, "channels", &c->channels) || size_at(d, 7, "out_channels", &c->out_channels) ||
        int_in(d, 8, "group", -1, 1, QCC_CALL_MAX_VALUE, &c->group))
        return -1;
    if (c->channels % c->group != 0) return bad_int(d, 6, "channels", -1, "a multiple of group");
    if (c->out_channels % c->group != 0) return bad_int(d, 7, "out_channels", -1, "a multiple of group");
    if (decode_window(d, 9, w, NULL)) return -1;
    const int64_t cg = c->channels / c->group;
    const int64_t ys[5] = {c->batch, c->out_channels, w->out[0], w->out[1], w->out[2]};
    const int64_t xs[5] = {c->batch, c->channels, w->in[0], w->in[1], w->in[2]};
    const int64_t ws[5] = {c->out_channels, cg, w->kernel[0], w->kernel[1], w->kernel[2]};
    const int64_t cols[7] = {cg, w->kernel[0], w->kernel[1], w->kernel[2], w->out[0], w->out[1], w->out[2]};
    const span col = span_dense(7, cols);
    int64_t workspace = 0;
    if (col.overflow || !mul_ok(span_count(&col), qtype_bytes(c->x_type), &workspace))
        return fail(d, "the workspace exceeds 2^61 bytes");
    /* Now qcc_qconv_workspace cannot overflow: it is `workspace`, or 0 when the input is read directly. */
#ifdef QCC_USE_QCONV
    workspace = qcc_qconv_workspace(w, c->channels, c->group, (qcc_qtype)c->x_type);
#else
    workspace = 0; /* never run: decode() rejects QCONV calls first */
#endif
    int64_t lo, hi;
    qtype_range(c->w_type, &lo, &hi);
    const int64_t acc = qtype_bytes(c->acc_type);
    if (buffer(d, 0, "y", B_WRITE, acc, span_dense(5, ys)) ||
        buffer(d, 1, "x", B_READ, qtype_bytes(c->x_type), span_dense(5, xs)) ||
        buffer(d, 2, "w", B_READ, qtype_bytes(c->w_type), span_dense(5, ws)) ||
        param_i32(d, 3, "w_zero_point", B_OPT, c->out_channels, lo, hi) ||
        dense_buffer(d, 4, "bias", B_OPT, acc, c->out_channels) ||
        dense_buffer(d, 5, "workspace", B_WRITE | (workspace == 0 ? B_OPT : 0), 1, workspace))
        return -1;
    d->buf[5].align = qtype_bytes(c->x_type); /* im2col writes x elements */
    return 0;
}

/* 15 QADD / 16 QMUL: y (w), a, b; y_type, a_type, b_type, zy, za, zb, qmin, qmax, multiplier(s), rank, ... */
static int decode_qbinary(decoder *d, int is_mul) {
    qbinary_args *q = &d->a.qbinary;
    const int rank_index = is_mul ? 9 : 10;
    if (rank_at(d, rank_index, "rank", rank_index + 1, 3, &q->rank) ||
        int_in(d, 0, "y_type", -1, 0, QCC_QTYPE_U16, &q->y_type) ||
        int_in(d, 1, "a_type", -1, 0, QCC_QTYPE_U16, &q->a_type) ||
        int_in(d, 2, "b_type", -1, 0, QCC_QTYPE_U16, &q->b_type) || value_of_type(d, 3, "zy", q->y_type, &q->zy) ||
        value_of_type(d, 4, "za", q->a_type, &q->za) || value_of_type(d, 5, "zb", q->b_type, &q->zb) ||
        clamp_range(d, 6, q->y_type, &q->qmin, &q->qmax) ||
        int_in(d, 8, is_mul ? "m" : "ma", -1, 0, (int64_t)1 << 62, &q->ma))
        return -1;
    q->mb = 0;
    if (!is_mul && int_in(d, 9, "mb", -1, 0, (int64_t)1 << 62, &q->mb)) return -1;
    const int r = (int)q->rank, first = rank_index + 1;
    if (array_at(d, first, r, "shape", 0, &q->shape) || array_at(d, first + r, r, "a_strides", 1, &q->a_strides) ||
        array_at(d, first + 2 * r, r, "b_strides", 1, &q->b_strides))
        return -1;
    span sa = span_start(), sb = span_start();
    span_dims(&sa, r, q->shape, q->a_strides);
    span_dims(&sb, r, q->shape, q->b_strides);
    return buffer(d, 0, "y", B_WRITE, qtype_bytes(q->y_type), span_dense(r, q->shape)) ||
           buffer(d, 1, "a", B_READ, qtype_bytes(q->a_type), sa) || buffer(d, 2, "b", B_READ, qtype_bytes(q->b_type), sb);
}

/* Bytes of a CAST element type. */
static int64_t elem_bytes(int64_t elem) {
    switch (elem) {
    case QCC_ELEM_I8: case QCC_ELEM_U8: case QCC_ELEM_BOOL: return 1;
    case QCC_ELEM_I16: case QCC_ELEM_U16: return 2;
    case QCC_ELEM_F32: case QCC_ELEM_I32: case QCC_ELEM_U32: return 4;
    default: return 8;
    }
}

/* 17 CAST: dst (w), src; dst_elem, src_elem, count. */
static int decode_cast(decoder *d) {
    convert_args *a = &d->a.convert;
    if (ints_exactly(d, 3)) return -1;
    static const char *const elem_names[2] = {"dst_elem", "src_elem"};
    int64_t *elems[2] = {&a->out_type, &a->type};
    for (int i = 0; i < 2; i++) {
        *elems[i] = d->call->ints[i];
#ifdef QCC_USE_CAST
        const int supported = qcc_cast_supports((int32_t)*elems[i]);
#else
        const int supported = 0; /* never run: decode() rejects CAST calls first */
#endif
        if (*elems[i] < INT32_MIN || *elems[i] > INT32_MAX || !supported)
            return bad_int(d, i, elem_names[i], -1, "1 (f32) or 5..13 (i8, u8, i16, u16, i32, u32, i64, u64, bool)");
    }
    if (size_at(d, 2, "count", &a->outer)) return -1;
    return dense_buffer(d, 0, "dst", B_WRITE, elem_bytes(a->out_type), a->outer) ||
           dense_buffer(d, 1, "src", B_READ, elem_bytes(a->type), a->outer);
}

/* 18 WHERE: out (w), cond, x, y; elem_size, rank, shape, cond_strides, x_strides, y_strides. */
static int decode_where(decoder *d) {
    static const char *const names[4] = {"out", "cond", "x", "y"};
    strided_args *a = &d->a.strided;
    if (rank_at(d, 1, "rank", 2, 4, &a->rank) || elem_size_at(d, 0, &a->elem_size)) return -1;
    const int64_t sizes[4] = {a->elem_size, 1, a->elem_size, a->elem_size};
    return decode_broadcast(d, 2, 3, names, sizes);
}

/* 19 F32_ISNAN: out (w, bool), x (f32); count. */
static int decode_f32_isnan(decoder *d) {
    float_args *a = &d->a.f;
    if (ints_exactly(d, 1) || size_at(d, 0, "count", &a->count)) return -1;
    return dense_buffer(d, 0, "out", B_WRITE, 1, a->count) || dense_buffer(d, 1, "x", B_READ, 4, a->count);
}

/* 20 BOOL_BINARY: out (w), a, b; op, rank, shape, a_strides, b_strides. */
static int decode_bool_binary(decoder *d) {
    static const char *const names[3] = {"out", "a", "b"};
    static const int64_t sizes[3] = {1, 1, 1};
    strided_args *a = &d->a.strided;
    if (rank_at(d, 1, "rank", 2, 3, &a->rank) || int_in(d, 0, "op", -1, 0, QCC_BOOL_XOR, &a->op)) return -1;
    return decode_broadcast(d, 2, 2, names, sizes);
}

/* F32_POOL: the window as QCONV's, plus the padding after each spatial dim. */
static int decode_f32_pool(decoder *d) {
    pool_args *p = &d->a.pool;
    qcc_window3d *w = &p->window;
    if (ints_exactly(d, 25) || int_in(d, 0, "kind", -1, 0, 1, &p->kind) ||
        int_in(d, 1, "count_include_pad", -1, 0, 1, &p->count_include_pad) ||
        int_in(d, 2, "storage_order", -1, 0, 1, &p->storage_order) || size_at(d, 3, "planes", &p->planes))
        return -1;
    if (decode_window(d, 4, w, p->pad_end)) return -1;
    const int64_t ys[4] = {p->planes, w->out[0], w->out[1], w->out[2]};
    const int64_t xs[4] = {p->planes, w->in[0], w->in[1], w->in[2]};
    if (buffer(d, 0, "y", B_WRITE, 4, span_dense(4, ys)) || buffer(d, 1, "x", B_READ, 4, span_dense(4, xs)) ||
        buffer(d, 2, "indices", B_WRITE | B_OPT, 8, span_dense(4, ys)))
        return -1;
    if (p->kind != 0 && present(d, 2)) return fail(d, "buffer 2 (indices) is only for max pooling (kind 0)");
    return 0;
}

/*
 * 26 F32_CONV_TRANSPOSE: y (w), x, w, bias (opt), workspace (w), scratch (w); batch, channels,
 * out_channels, group, in[3], out[3], kernel[3], stride[3], dilation[3], pad_begin[3]. The window
 * as QCONV's, and every i * stride + t * dilation (input i, tap t) within 2^61 too, as col2im
 * forms it.
 */
static int decode_f32_conv_transpose(decoder *d) {
    conv_args *c = &d->a.conv;
    qcc_window3d *w = &c->window;
    if (ints_exactly(d, 22) || size_at(d, 0, "batch", &c->batch) || size_at(d, 1, "channels", &c->channels) ||
        size_at(d, 2, "out_channels", &c->out_channels) || int_in(d, 3, "group", -1, 1, QCC_CALL_MAX_VALUE, &c->group))
        return -1;
    if (c->channels % c->group != 0) return bad_int(d, 1, "channels", -1, "a multiple of group");
    if (c->out_channels % c->group != 0) return bad_int(d, 2, "out_channels", -1, "a multiple of group");
    if (decode_window(d, 4, w, NULL)) return -1;
    for (int i = 0; i < 3; i++) {
        int64_t a, b, sum;
        if (!mul_ok(w->in[i] > 0 ? w->in[i] - 1 : 0, w->stride[i], &a) || !mul_ok(w->kernel[i] - 1, w->dilation[i], &b) ||
            !add_ok(a, b, &sum))
            return fail(d, "the window of spatial dim %d reaches beyond 2^61", i);
    }
    const int64_t cg = c->channels / c->group, mg = c->out_channels / c->group;
    const int64_t ys[5] = {c->batch, c->out_channels, w->out[0], w->out[1], w->out[2]};
    const int64_t xs[5] = {c->batch, c->channels, w->in[0], w->in[1], w->in[2]};
    const int64_t ws[5] = {c->channels, mg, w->kernel[0], w->kernel[1], w->kernel[2]};
    /* The GEMM's product: [mg * prod(kernel), prod(in)], as qcc_f32_conv_transpose_workspace counts it. */
    const int64_t rows[4] = {mg, w->kernel[0], w->kernel[1], w->kernel[2]};
    const span rs = span_dense(4, rows), cs = span_dense(3, w->in);
    const int64_t cols[7] = {mg, w->kernel[0], w->kernel[1], w->kernel[2], w->in[0], w->in[1], w->in[2]};
    const span col = span_dense(7, cols);
    if (col.overflow || rs.overflow || cs.overflow) return fail(d, "the workspace exceeds 2^61 floats");
    const int64_t scratch = qcc_call_f32_gemm_scratch_bytes(span_count(&rs), span_count(&cs), cg);
    if (buffer(d, 0, "y", B_WRITE, 4, span_dense(5, ys)) || buffer(d, 1, "x", B_READ, 4, span_dense(5, xs)) ||
        buffer(d, 2, "w", B_READ, 4, span_dense(5, ws)) || dense_buffer(d, 3, "bias", B_OPT, 4, c->out_channels) ||
        buffer(d, 4, "workspace", B_WRITE | (span_count(&col) == 0 ? B_OPT : 0), 4, col) ||
        dense_buffer(d, 5, "scratch", B_WRITE | (scratch == 0 ? B_OPT : 0), 1, scratch))
        return -1;
    d->buf[5].align = 64;
    return 0;
}

/* An 8-bit operand type of ATTENTION (i8 or u8). */
static int byte_type_at(decoder *d, int index, const char *name, qcc_qtype *out) {
    int64_t v = 0;
    if (int_in(d, index, name, -1, QCC_QTYPE_I8, QCC_QTYPE_U8, &v)) return -1;
    *out = (qcc_qtype)v;
    return 0;
}

/* A float of ATTENTION that must be finite and > 0 (a scale). */
static int scale_float_at(decoder *d, int index, const char *name, float *out) {
    const float v = d->call->floats[index];
    if (!(v > 0.0f && v <= 3.40282347e38f))
        return fail(d, "float %d (%s) is %g; expected a finite value > 0", index, name, (double)v);
    *out = v;
    return 0;
}

/*
 * 23 ATTENTION: out (w), q, k, v, mask (opt, f32), scratch (w); q_type, k_type, v_type, p_type, out_type,
 * q_zero_point, k_zero_point, v_zero_point, p_zero_point, p_qmin, p_qmax, out_zero_point, out_qmin, out_qmax,
 * out_multiplier, out_shift, replace_nan, m, n, d, dv, mask_row_stride, mask_col_stride, batch_rank,
 * batch_shape, q_strides, k_strides, v_strides, out_strides, mask_strides; score_scale, p_scale, out_scale, nan_value.
 */
static int decode_attention(decoder *d) {
    attention_args *a = &d->a.attention;
    qcc_attention *h = &a->head;
    const int64_t *ints = d->call->ints;
    int64_t v[12] = {0};
    if (rank_at(d, 23, "batch_rank", 24, 6, &a->batch_rank) || byte_type_at(d, 0, "q_type", &h->q_type) ||
        byte_type_at(d, 1, "k_type", &h->k_type) || byte_type_at(d, 2, "v_type", &h->v_type) ||
        byte_type_at(d, 3, "p_type", &h->p_type) || int_in(d, 4, "out_type", -1, -1, QCC_QTYPE_U16, &v[0]) ||
        value_of_type(d, 5, "q_zero_point", h->q_type, &v[1]) || value_of_type(d, 6, "k_zero_point", h->k_type, &v[2]) ||
        value_of_type(d, 7, "v_zero_point", h->v_type, &v[3]) || value_of_type(d, 8, "p_zero_point", h->p_type, &v[4]) ||
        clamp_range(d, 9, h->p_type, &v[5], &v[6]) || int_in(d, 16, "replace_nan", -1, 0, 1, &v[7]) ||
        size_at(d, 17, "m", &h->m) || size_at(d, 18, "n", &h->n) || size_at(d, 19, "d", &h->d) ||
        size_at(d, 20, "dv", &h->dv) ||
        int_in(d, 21, "mask_row_stride", -1, -QCC_CALL_MAX_VALUE, QCC_CALL_MAX_VALUE, &h->mask_row_stride) ||
        int_in(d, 22, "mask_col_stride", -1, -QCC_CALL_MAX_VALUE, QCC_CALL_MAX_VALUE, &h->mask_col_stride) ||
        scale_float_at(d, 0, "score_scale", &h->score_scale) || scale_float_at(d, 1, "p_scale", &h->p_scale))
        return -1;
    h->out_f32 = v[0] < 0;
    h->q_zero_point = (int32_t)v[1];
    h->k_zero_point = (int32_t)v[2];
    h->v_zero_point = (int32_t)v[3];
    h->p_zero_point = (int32_t)v[4];
    h->p_qmin = (int32_t)v[5];
    h->p_qmax = (int32_t)v[6];
    h->replace_nan = (int)v[7];
    h->nan_value = d->call->floats[3];
    if (h->out_f32) {
        for (int i = 11; i <= 15; i++)
            if (ints[i] != 0) return bad_int(d, i, "out requantization", -1, "0 (out_type is -1: f32)");
        if (scale_float_at(d, 2, "out_scale", &h->out_scale)) return -1;
        h->out_type = QCC_QTYPE_I8;
        h->out_zero_point = h->out_qmin = h->out_qmax = h->out_multiplier = h->out_shift = 0;
    } else {
        h->out_type = (qcc_qtype)v[0];
        if (value_of_type(d, 11, "out_zero_point", v[0], &v[8]) || clamp_range(d, 12, v[0], &v[9], &v[10]) ||
            int_in(d, 14, "out_multiplier", -1, 0, INT32_MAX, &v[11]) || int_in(d, 15, "out_shift", -1, 1, 62, &v[0]))
            return -1;
        if (d->call->floats[2] != 0.0f) return fail(d, "float 2 (out_scale) is %g; expected 0 (out is requantized)",
                                                    (double)d->call->floats[2]);
        h->out_zero_point = (int32_t)v[8];
        h->out_qmin = (int32_t)v[9];
        h->out_qmax = (int32_t)v[10];
        h->out_multiplier = (int32_t)v[11];
        h->out_shift = (int32_t)v[0];
        h->out_scale = 0.0f;
    }
    const int r = (int)a->batch_rank;
    const int64_t **arrays[6] = {&a->batch_shape, &a->q_strides, &a->k_strides, &a->v_strides, &a->out_strides,
                                 &a->mask_strides};
    static const char *const names[6] = {"batch_shape", "q_strides", "k_strides", "v_strides", "out_strides",
                                         "mask_strides"};
    for (int i = 0; i < 6; i++)
        if (array_at(d, 24 + i * r, r, names[i], i > 0, arrays[i])) return -1;
    span s[5];
    const int64_t *strides[5] = {a->q_strides, a->k_strides, a->v_strides, a->out_strides, a->mask_strides};
    /* Each operand's rows within one batch: q [m, d], k [d, n], v [n, dv], out [m, dv], mask [m, n] strided. */
    const int64_t rows[5] = {h->m, h->d, h->n, h->m, h->m}, cols[5] = {h->d, h->n, h->dv, h->dv, h->n};
    for (int i = 0; i < 5; i++) {
        s[i] = span_start();
        span_dims(&s[i], r, a->batch_shape, strides[i]);
        span_dim(&s[i], rows[i], i == 4 ? h->mask_row_stride : cols[i]);
        span_dim(&s[i], cols[i], i == 4 ? h->mask_col_stride : 1);
    }
    /* A product without rows (n = 0 keys) has scores of nothing: softmax of nothing is not defined here. */
    if (h->n == 0 && h->m > 0 && h->dv > 0) return fail(d, "n (keys) is 0; expected at least one key");
    const int64_t out_bytes = h->out_f32 ? 4 : qtype_bytes(h->out_type);
    /* Sizes are within 2^48, so the scratch (at most max(64 KiB, one row's 9n + 4dv bytes)) cannot overflow. */
#ifdef QCC_USE_ATTENTION
    const int64_t scratch = qcc_qattention_scratch_bytes(h->m, h->n, h->dv);
#else
    const int64_t scratch = 0; /* never run: decode() rejects ATTENTION calls first */
#endif
    return buffer(d, 0, "out", B_WRITE, out_bytes, s[3]) || buffer(d, 1, "q", B_READ, 1, s[0]) ||
           buffer(d, 2, "k", B_READ, 1, s[1]) || buffer(d, 3, "v", B_READ, 1, s[2]) ||
           buffer(d, 4, "mask", B_READ | B_OPT, 4, s[4]) ||
           dense_buffer(d, 5, "scratch", B_WRITE | B_OPT, 4, (scratch + 3) / 4);
}

/*
 * 24 QSCAN: y (w), da, dbx, c, h0, scales (param), zero_points (param), workspace (w);
 * type, batch, channels, steps, state, state_qmin, state_qmax, c_qmin, c_qmax.
 */
static int decode_qscan(decoder *d) {
    scan_args *a = &d->a.scan;
    if (ints_exactly(d, 9)) return -1;
    a->type = d->call->ints[0];
    if (a->type != QCC_QTYPE_I8 && a->type != QCC_QTYPE_U8) return bad_int(d, 0, "type", -1, "0 (i8) or 1 (u8)");
    if (size_at(d, 1, "batch", &a->batch) || size_at(d, 2, "channels", &a->channels) ||
        size_at(d, 3, "steps", &a->steps) || size_at(d, 4, "state", &a->state) ||
        clamp_range(d, 5, a->type, &a->state_qmin, &a->state_qmax) || clamp_range(d, 7, a->type, &a->c_qmin, &a->c_qmax))
        return -1;
    const int64_t seq[4] = {a->batch, a->channels, a->steps, a->state}, cs[3] = {a->batch, a->steps, a->state};
    const int64_t hs[3] = {a->batch, a->channels, a->state}, ys[3] = {a->batch, a->channels, a->steps};
    /* The workspace (qcc_qscan_workspace): 5 bytes per state cell, 8 per row, batch * state, 5 * 63 of padding. */
    const int64_t bs[2] = {a->batch, a->state};
    const span h = span_dense(3, hs), rows = span_dense(2, hs), cq = span_dense(2, bs);
    int64_t cell_bytes, row_bytes, bytes;
    if (h.overflow || rows.overflow || cq.overflow || !mul_ok(span_count(&h), 5, &cell_bytes) ||
        !mul_ok(span_count(&rows), 8, &row_bytes) || !add_ok(cell_bytes, row_bytes, &bytes) ||
        !add_ok(bytes, span_count(&cq), &bytes) || !add_ok(bytes, 5 * 63, &bytes))
        return fail(d, "the workspace exceeds 2^61 bytes");
#ifdef QCC_USE_QSCAN
    const int64_t workspace = qcc_qscan_workspace(a->batch, a->channels, a->state);
#else
    const int64_t workspace = 0; /* never run: decode() rejects QSCAN calls first */
#endif
    int64_t params = 0, lo, hi;
    if (!mul_ok(a->steps, 3, &params)) return fail(d, "more than 2^61 parameters");
    qtype_range(a->type, &lo, &hi);
    if (buffer(d, 0, "y", B_WRITE, 4, span_dense(3, ys)) || buffer(d, 1, "da", B_READ, 4, span_dense(4, seq)) ||
        buffer(d, 2, "dbx", B_READ, 4, span_dense(4, seq)) || buffer(d, 3, "c", B_READ, 4, span_dense(3, cs)) ||
        buffer(d, 4, "h0", B_READ, 4, span_dense(3, hs)) || param_scale(d, 5, "scales", params) ||
        param_i32(d, 6, "zero_points", 0, 2 * a->steps, lo, hi) ||
        dense_buffer(d, 7, "workspace", B_WRITE | (workspace == 0 ? B_OPT : 0), 1, workspace))
        return -1;
    d->buf[7].align = 64;
    return 0;
}

/* 28 F32_RESAMPLE: y (w), x, indices (param), weights (param); outer, in, inner, out, taps; fill. */
static int decode_f32_resample(decoder *d) {
    resample_args *a = &d->a.resample;
    if (ints_exactly(d, 5) || size_at(d, 0, "outer", &a->outer) || size_at(d, 1, "in", &a->in) ||
        size_at(d, 2, "inner", &a->inner) || size_at(d, 3, "out", &a->out) ||
        int_in(d, 4, "taps", -1, 1, QCC_CALL_MAX_VALUE, &a->taps))
        return -1;
    a->fill = d->call->floats[0];
    const int64_t xs[3] = {a->outer, a->in, a->inner}, ys[3] = {a->outer, a->out, a->inner};
    const int64_t ts[2] = {a->out, a->taps};
    const span taps = span_dense(2, ts);
    if (taps.overflow) return fail(d, "out * taps exceeds 2^61");
    const int64_t n = span_count(&taps);
    /* The kernel reads x only at the indices, so they are checked value by value (a parameter buffer). */
    return buffer(d, 0, "y", B_WRITE, 4, span_dense(3, ys)) || buffer(d, 1, "x", B_READ, 4, span_dense(3, xs)) ||
           param_taps(d, 2, "indices", n, a->taps, a->in - 1) || dense_buffer(d, 3, "weights", B_PARAM, 4, n);
}

/* ints[index] must be 0: a field the chain's source or destination does not use. */
static int unused_int(decoder *d, int index, const char *name, const char *why) {
    if (d->call->ints[index] == 0) return 0;
    char expect[96];
    snprintf(expect, sizeof expect, "0 (%s)", why);
    return bad_int(d, index, name, -1, expect);
}

/* Buffer i must be absent: the chain does not use it. */
static int unused_buffer(decoder *d, int i, const char *name, const char *why) {
    d->buf[i].name = name;
    d->buf[i].flags = B_OPT;
    if (present(d, i)) return fail(d, "buffer %d (%s) is given, but %s", i, name, why);
    return 0;
}

/* A parameter count: 1 (per tensor) or cols (per column). */
static int channels_at(decoder *d, int index, const char *name, int64_t cols, int64_t *out) {
    const int64_t v = d->call->ints[index];
    if (v != 1 && v != cols) {
        char expect[80];
        snprintf(expect, sizeof expect, "1 (per tensor) or %lld (cols: per column)", (long long)cols);
        return bad_int(d, index, name, -1, expect);
    }
    *out = v;
    return 0;
}

/*
 * 25 FUSED_ELEMENTWISE: out (w), scratch (w), x, b, b_zero_point, bias, src_scale, src_zero_point,
 * dst_scale, dst_zero_point, operand[6]; rows, cols, tile_rows, tile_cols, registers, source,
 * src_type, src_channels, a_type, b_type, a_zero_point, b_zp_layout, k, dest, dst_type,
 * dst_channels, qmin, qmax, operand_count, strides[2 x operand_count], step_count, steps[5 x step_count].
 */
static int decode_fused_elementwise(decoder *d) {
    qcc_fused_elementwise_args *a = &d->a.fused;
    memset(a, 0, sizeof *a);
    const int64_t *ints = d->call->ints;
    if (ints_at_least(d, 20) || int_in(d, 18, "operand_count", -1, 0, QCC_FUSED_MAX_OPERANDS, &a->operand_count))
        return -1;
    const int steps_at = 19 + 2 * (int)a->operand_count;
    if (ints_at_least(d, steps_at + 1) ||
        int_in(d, steps_at, "step_count", -1, 0, (QCC_CALL_MAX_INTS - steps_at - 1) / 5, &a->step_count))
        return -1;
    if (ints_exactly(d, steps_at + 1 + 5 * a->step_count)) return -1;
    if (size_at(d, 0, "rows", &a->rows) || size_at(d, 1, "cols", &a->cols) ||
        int_in(d, 2, "tile_rows", -1, 1, (int64_t)1 << 24, &a->tile_rows) ||
        int_in(d, 3, "tile_cols", -1, 1, (int64_t)1 << 24, &a->tile_cols) ||
        int_in(d, 4, "registers", -1, 1, QCC_FUSED_MAX_REGISTERS, &a->registers) ||
        int_in(d, 5, "source", -1, 0, QCC_FUSED_SOURCE_QGEMM, &a->source) ||
        int_in(d, 13, "dest", -1, 0, QCC_FUSED_DEST_QUANTIZE, &a->dest))
        return -1;
    if (a->tile_rows * a->tile_cols > ((int64_t)1 << 26))
        return fail(d, "a tile of %lld x %lld elements; expected at most 2^26", (long long)a->tile_rows,
                    (long long)a->tile_cols);
    const int64_t mc[2] = {a->rows, a->cols};
    const span matrix = span_dense(2, mc);

    /* The source. */
    static const char *const no_qgemm = "source is not 2 (QGEMM)";
    if (a->source == QCC_FUSED_SOURCE_NONE) {
        static const char *const why = "source is 0 (none)";
        if (unused_int(d, 6, "src_type", why) || unused_int(d, 7, "src_channels", why) ||
            unused_buffer(d, 2, "x", why) || unused_buffer(d, 6, "src_scale", why) ||
            unused_buffer(d, 7, "src_zero_point", why))
            return -1;
    } else {
        if (a->source == QCC_FUSED_SOURCE_DEQUANTIZE) {
            a->src_type = ints[6];
            if (a->src_type < QCC_QTYPE_I8 || a->src_type > QCC_QTYPE_I64 || is_4bit(a->src_type))
                return bad_int(d, 6, "src_type", -1, "0..3 (i8..u16), 6 (i32) or 7 (i64)");
            if (buffer(d, 2, "x", B_READ, qtype_bytes(a->src_type), matrix)) return -1;
        } else {
            if (acc_type_at(d, 6, &a->src_type) || int_in(d, 8, "a_type", -1, 0, QCC_QTYPE_U16, &a->a_type) ||
                int_in(d, 9, "b_type", -1, 0, QCC_QTYPE_U16, &a->b_type) ||
                value_of_type(d, 10, "a_zero_point", a->a_type, &a->a_zero_point) || size_at(d, 12, "k", &a->k))
                return -1;
            a->b_zp_layout = ints[11];
            if (a->b_zp_layout != QCC_ZP_SCALAR && a->b_zp_layout != QCC_ZP_PER_COL)
                return bad_int(d, 11, "b_zp_layout", -1, "0 (scalar) or 2 (per column)");
            int64_t lo, hi;
            qtype_range(a->b_type, &lo, &hi);
            const int64_t as[2] = {a->rows, a->k}, bs[2] = {a->k, a->cols};
            const int64_t acc = qtype_bytes(a->src_type);
            if (buffer(d, 2, "x", B_READ, qtype_bytes(a->a_type), span_dense(2, as)) ||
                buffer(d, 3, "b", B_READ, qtype_bytes(a->b_type), span_dense(2, bs)) ||
                param_i32(d, 4, "b_zero_point", B_OPT, a->b_zp_layout == QCC_ZP_PER_COL ? a->cols : 1, lo, hi) ||
                dense_buffer(d, 5, "bias", B_OPT, acc, a->cols))
                return -1;
        }
        int64_t lo, hi;
        qtype_range(a->src_type, &lo, &hi);
        if (channels_at(d, 7, "src_channels", a->cols, &a->src_channels) ||
            param_scale(d, 6, "src_scale", a->src_channels) ||
            param_i32(d, 7, "src_zero_point", 0, a->src_channels, lo, hi))
            return -1;
    }
    if (a->source != QCC_FUSED_SOURCE_QGEMM) {
        if (unused_int(d, 8, "a_type", no_qgemm) || unused_int(d, 9, "b_type", no_qgemm) ||
            unused_int(d, 10, "a_zero_point", no_qgemm) || unused_int(d, 11, "b_zp_layout", no_qgemm) ||
            unused_int(d, 12, "k", no_qgemm) || unused_buffer(d, 3, "b", no_qgemm) ||
            unused_buffer(d, 4, "b_zero_point", no_qgemm) || unused_buffer(d, 5, "bias", no_qgemm))
            return -1;
    }

    /* The destination. */
    if (a->dest == QCC_FUSED_DEST_F32) {
        static const char *const why = "dest is 0 (f32)";
        if (unused_int(d, 14, "dst_type", why) || unused_int(d, 15, "dst_channels", why) ||
            unused_int(d, 16, "qmin", why) || unused_int(d, 17, "qmax", why) ||
            buffer(d, 0, "out", B_WRITE, 4, matrix) || unused_buffer(d, 8, "dst_scale", why) ||
            unused_buffer(d, 9, "dst_zero_point", why))
            return -1;
    } else {
        int64_t lo, hi;
        if (int_in(d, 14, "dst_type", -1, 0, QCC_QTYPE_U16, &a->dst_type) ||
            channels_at(d, 15, "dst_channels", a->cols, &a->dst_channels) ||
            clamp_range(d, 16, a->dst_type, &a->qmin, &a->qmax))
            return -1;
        qtype_range(a->dst_type, &lo, &hi);
        if (buffer(d, 0, "out", B_WRITE, qtype_bytes(a->dst_type), matrix) ||
            param_scale(d, 8, "dst_scale", a->dst_channels) ||
            param_i32(d, 9, "dst_zero_point", 0, a->dst_channels, lo, hi))
            return -1;
    }

    /* Operand tensors: [rows, cols] through their strides. */
    for (int i = 0; i < QCC_FUSED_MAX_OPERANDS; i++) {
        if (i >= a->operand_count) {
            d->buf[10 + i].name = "operand";
            d->buf[10 + i].flags = B_OPT;
            if (present(d, 10 + i))
                return fail(d, "buffer %d (operand %d) is given, but operand_count is %lld", 10 + i, i,
                            (long long)a->operand_count);
            continue;
        }
        const int64_t *st;
        if (array_at(d, 19 + 2 * i, 2, "strides", 1, &st)) return -1;
        span s = span_start();
        span_dim(&s, a->rows, st[0]);
        span_dim(&s, a->cols, st[1]);
        static const char *const names[QCC_FUSED_MAX_OPERANDS] = {"operand 0", "operand 1", "operand 2",
                                                                  "operand 3", "operand 4", "operand 5"};
        if (buffer(d, 10 + i, names[i], B_READ, 4, s)) return -1;
    }
    a->operand_strides = ints + 19;

    /* Steps: every register read is written first (in every tile); floats two per unary step. */
    a->steps = ints + steps_at + 1;
    a->floats = d->call->floats;
    unsigned written = a->source != QCC_FUSED_SOURCE_NONE ? 1u : 0u;
    int64_t unary = 0;
    for (int64_t s = 0; s < a->step_count; s++) {
        const int base = steps_at + 1 + 5 * (int)s;
        const int sub = (int)s;
        int64_t kind, op, dst, x, y;
        if (int_in(d, base, "step kind", sub, 0, QCC_FUSED_BINARY, &kind) ||
            int_in(d, base + 1, "step op", sub, 0, kind == QCC_FUSED_UNARY ? QCC_UNARY_SHRINK : QCC_BINARY_PRELU, &op) ||
            int_in(d, base + 2, "step dst", sub, 0, a->registers - 1, &dst) ||
            int_in(d, base + 3, "step a", sub, -a->operand_count, a->registers - 1, &x))
            return -1;
        if (kind == QCC_FUSED_UNARY) {
            unary++;
            if (ints[base + 4] != 0) return bad_int(d, base + 4, "step b", sub, "0 (a unary step)");
            y = 0;
        } else if (int_in(d, base + 4, "step b", sub, -a->operand_count, a->registers - 1, &y)) {
            return -1;
        }
        const int64_t refs[2] = {x, y};
        for (int r = 0; r < (kind == QCC_FUSED_UNARY ? 1 : 2); r++)
            if (refs[r] >= 0 && !(written & (1u << refs[r])))
                return fail(d, "step %d reads register %lld before any step writes it", sub, (long long)refs[r]);
        written |= 1u << dst;
    }
    if (a->step_count == 0 && a->source == QCC_FUSED_SOURCE_NONE)
        return fail(d, "no source and no steps: nothing computes the result");
    if (d->call->float_count != 2 * unary)
        return fail(d, "%d floats; expected %lld (alpha and beta of each unary step)", (int)d->call->float_count,
                    (long long)(2 * unary));

    /* Scratch: the accumulator tile and the registers. */
    int64_t scratch = 0;
#ifdef QCC_USE_FUSED_ELEMENTWISE
    scratch = qcc_fused_elementwise_scratch_bytes(a->source, a->src_type, a->tile_rows, a->tile_cols, a->registers);
#endif
    if (a->rows == 0 || a->cols == 0) scratch = 0;
    if (dense_buffer(d, 1, "scratch", B_WRITE | (scratch == 0 ? B_OPT : 0), 1, scratch)) return -1;
    d->buf[1].align = 8;
    return 0;
}

/* 29 COMPARE: out (w, bool), a, b; op, elem, rank, shape, a_strides, b_strides. */
static int decode_compare(decoder *d) {
    static const char *const names[3] = {"out", "a", "b"};
    strided_args *a = &d->a.strided;
    if (rank_at(d, 2, "rank", 3, 3, &a->rank) || int_in(d, 0, "op", -1, 0, QCC_COMPARE_GE, &a->op)) return -1;
    a->elem = d->call->ints[1];
#ifdef QCC_USE_COMPARE
    const int supported = a->elem >= INT32_MIN && a->elem <= INT32_MAX && qcc_compare_supports((int32_t)a->elem);
#else
    const int supported = 0; /* never run: decode() rejects COMPARE calls first */
#endif
    if (!supported)
        return bad_int(d, 1, "elem", -1, "1 (f32), 2 (f64) or 5..13 (i8, u8, i16, u16, i32, u32, i64, u64, bool)");
    const int64_t sizes[3] = {1, elem_bytes(a->elem), elem_bytes(a->elem)};
    return decode_broadcast(d, 3, 2, names, sizes);
}

/* outer, n, inner at `first` (F32_ARG_REDUCE). */
static int decode_axis_sizes(decoder *d, int first) {
    axis_args *a = &d->a.axis;
    return size_at(d, first, "outer", &a->outer) || size_at(d, first + 1, "n", &a->n) ||
           size_at(d, first + 2, "inner", &a->inner);
}

/* 30 F32_ARG_REDUCE: out (w, int64), x (f32); is_min, select_last, outer, n, inner. */
static int decode_f32_arg_reduce(decoder *d) {
    axis_args *a = &d->a.axis;
    if (ints_exactly(d, 5) || int_in(d, 0, "is_min", -1, 0, 1, &a->is_min) ||
        int_in(d, 1, "select_last", -1, 0, 1, &a->select_last) || decode_axis_sizes(d, 2))
        return -1;
    /* Every vector has a first element to start from. */
    if (a->n == 0 && a->outer > 0 && a->inner > 0) return bad_int(d, 3, "n", -1, "1..2^48 (outer and inner are not 0)");
    const int64_t x[3] = {a->outer, a->n, a->inner}, y[2] = {a->outer, a->inner};
    return buffer(d, 0, "out", B_WRITE, 8, span_dense(2, y)) || buffer(d, 1, "x", B_READ, 4, span_dense(3, x));
}

/* 31 CUMSUM: y (w), x, axis (opt); elem, exclusive, reverse, axis_bytes, axis, rank, shape. */
static int decode_cumsum(decoder *d) {
    axis_args *a = &d->a.axis;
    if (rank_at(d, 5, "rank", 6, 1, &a->rank)) return -1;
    a->elem = d->call->ints[0];
#ifdef QCC_USE_CUMSUM
    const int supported = a->elem >= INT32_MIN && a->elem <= INT32_MAX && qcc_cumsum_supports((int32_t)a->elem);
#else
    const int supported = 0; /* never run: decode() rejects CUMSUM calls first */
#endif
    if (!supported) return bad_int(d, 0, "elem", -1, "1 (f32), 2 (f64), 9 (i32), 10 (u32), 11 (i64) or 12 (u64)");
    if (int_in(d, 1, "exclusive", -1, 0, 1, &a->exclusive) || int_in(d, 2, "reverse", -1, 0, 1, &a->reverse) ||
        int_in(d, 5, "rank", -1, 1, QCC_MAX_RANK, &a->rank) || array_at(d, 6, a->rank, "shape", 0, &a->shape))
        return -1;
    a->axis_bytes = d->call->ints[3];
    if (a->axis_bytes != 0 && a->axis_bytes != 4 && a->axis_bytes != 8)
        return bad_int(d, 3, "axis_bytes", -1, "0 (the axis int), 4 or 8 (the axis buffer)");
    if (a->axis_bytes == 0) {
        if (int_in(d, 4, "axis", -1, -a->rank, a->rank - 1, &a->axis)) return -1;
        if (a->axis < 0) a->axis += a->rank;
    } else if (d->call->ints[4] != 0) {
        return bad_int(d, 4, "axis", -1, "0 (the axis buffer holds it)");
    }
    const int64_t size = elem_bytes(a->elem), one = 1;
    if (buffer(d, 0, "y", B_WRITE, size, span_dense((int)a->rank, a->shape)) ||
        buffer(d, 1, "x", B_READ, size, span_dense((int)a->rank, a->shape)))
        return -1;
    if (a->axis_bytes == 0) return unused_buffer(d, 2, "axis", "axis_bytes is 0");
    return buffer(d, 2, "axis", B_READ, a->axis_bytes, span_dense(1, &one));
}

/* 32 TRILU: out (w), x, k (opt); elem_size, upper, k, matrices, rows, cols. */
static int decode_trilu(decoder *d) {
    trilu_args *a = &d->a.trilu;
    if (ints_exactly(d, 6) || elem_size_at(d, 0, &a->elem_size) || int_in(d, 1, "upper", -1, 0, 1, &a->upper) ||
        size_at(d, 3, "matrices", &a->matrices) || size_at(d, 4, "rows", &a->rows) || size_at(d, 5, "cols", &a->cols))
        return -1;
    a->k = d->call->ints[2];
    if (present(d, 2) && a->k != 0) return bad_int(d, 2, "k", -1, "0 (the k buffer is given)");
    const int64_t x[3] = {a->matrices, a->rows, a->cols}, one = 1;
    return buffer(d, 0, "out", B_WRITE, a->elem_size, span_dense(3, x)) ||
           buffer(d, 1, "x", B_READ, a->elem_size, span_dense(3, x)) ||
           buffer(d, 2, "k", B_READ | B_OPT, 8, span_dense(1, &one));
}

/* Expected buffer and float counts, by kernel. */
static const int8_t kernel_buffers[QCC_KERNEL_LIMIT] = {0, 2, 2, 3, 3, 2, 2, 6, 3, 4, 4, 4, 6, 5, 6, 3,
                                                        3, 2, 4, 2, 3, 2, 3, 6, 8, 16, 6, 4, 3, 2, 3, 3};
/* -1: the decoder checks the count (FUSED_ELEMENTWISE: two per unary step). */
static const int8_t kernel_floats[QCC_KERNEL_LIMIT] = {0, 0, 0, 0, 0, 2, 0, 1, 1, 2, 0, 0, 0, 0, 0, 0,
                                                       0, 0, 0, 0, 0, 0, 0, 4, 0, -1, 0, 1, 0, 0, 0, 0};

/* Whether each kernel is built into this runtime (QCC_USE_*). */
static const int8_t kernel_built[QCC_KERNEL_LIMIT] = {
    0,
#ifdef QCC_USE_COPY
    1,
#else
    0,
#endif
#ifdef QCC_USE_FILL
    1,
#else
    0,
#endif
#ifdef QCC_USE_GATHER
    1,
#else
    0,
#endif
#ifdef QCC_USE_F32_BINARY
    1,
#else
    0,
#endif
#ifdef QCC_USE_F32_UNARY
    1,
#else
    0,
#endif
#ifdef QCC_USE_F32_SOFTMAX
    1,
#else
    0,
#endif
#ifdef QCC_USE_F32_LAYERNORM
    1,
#else
    0,
#endif
#ifdef QCC_USE_F32_RMSNORM
    1,
#else
    0,
#endif
#ifdef QCC_USE_F32_GEMM
    1,
#else
    0,
#endif
#ifdef QCC_USE_QUANTIZE
    1,
#else
    0,
#endif
#ifdef QCC_USE_DEQUANTIZE
    1,
#else
    0,
#endif
#ifdef QCC_USE_REQUANTIZE
    1,
#else
    0,
#endif
#ifdef QCC_USE_QGEMM
    1,
#else
    0,
#endif
#ifdef QCC_USE_QCONV
    1,
#else
    0,
#endif
#ifdef QCC_USE_QADD
    1,
#else
    0,
#endif
#ifdef QCC_USE_QMUL
    1,
#else
    0,
#endif
#ifdef QCC_USE_CAST
    1,
#else
    0,
#endif
#ifdef QCC_USE_WHERE
    1,
#else
    0,
#endif
#ifdef QCC_USE_F32_ISNAN
    1,
#else
    0,
#endif
#ifdef QCC_USE_BOOL_BINARY
    1,
#else
    0,
#endif
#ifdef QCC_USE_F32_REDUCE
    1,
#else
    0,
#endif
#ifdef QCC_USE_F32_POOL
    1,
#else
    0,
#endif
#ifdef QCC_USE_ATTENTION
    1,
#else
    0,
#endif
#ifdef QCC_USE_QSCAN
    1,
#else
    0,
#endif
#ifdef QCC_USE_FUSED_ELEMENTWISE
    1,
#else
    0,
#endif
#ifdef QCC_USE_F32_CONV_TRANSPOSE
    1,
#else
    0,
#endif
#ifdef QCC_USE_F32_RESAMPLE
    1,
#else
    0,
#endif
#ifdef QCC_USE_COMPARE
    1,
#else
    0,
#endif
#ifdef QCC_USE_F32_ARG_REDUCE
    1,
#else
    0,
#endif
#ifdef QCC_USE_CUMSUM
    1,
#else
    0,
#endif
#ifdef QCC_USE_TRILU
    1,
#else
    0,
#endif
};

/* Checks the counts, then decodes the call with its kernel's decoder. */
static int decode(decoder *d) {
    const qcc_call *c = d->call;
    d->name = "call";
    if (!c) return fail(d, "no call");
    const char *name = qcc_kernel_name(c->kernel);
    if (!name) {
        /* The known ids as ranges ("1..22, 25"): reserved ids between them are unknown. */
        char known[96];
        size_t used = 0;
        known[0] = '\0';
        for (int k = 1; k < QCC_KERNEL_LIMIT; k++) {
            if (!kernel_names[k] || (k > 1 && kernel_names[k - 1])) continue;
            int last = k;
            while (last + 1 < QCC_KERNEL_LIMIT && kernel_names[last + 1]) last++;
            int n = last > k ? snprintf(known + used, sizeof known - used, "%s%d..%d", used ? ", " : "", k, last)
                             : snprintf(known + used, sizeof known - used, "%s%d", used ? ", " : "", k);
            if (n > 0 && (size_t)n < sizeof known - used) used += (size_t)n;
        }
        return fail(d, "kernel %d is unknown; expected %s", (int)c->kernel, known);
    }
    d->name = name;
    memset(d->buf, 0, sizeof d->buf);
    if (!kernel_built[c->kernel]) return fail(d, "this runtime is built without the %s kernel", name);
    if (c->buffer_count != kernel_buffers[c->kernel])
        return fail(d, "%d buffers; expected %d", (int)c->buffer_count, kernel_buffers[c->kernel]);
    if (kernel_floats[c->kernel] >= 0 && c->float_count != kernel_floats[c->kernel])
        return fail(d, "%d floats; expected %d", (int)c->float_count, kernel_floats[c->kernel]);
    if (c->float_count < 0 || c->float_count > QCC_CALL_MAX_FLOATS)
        return fail(d, "%d floats; expected at most %d", (int)c->float_count, QCC_CALL_MAX_FLOATS);
    if (c->int_count < 0 || c->int_count > QCC_CALL_MAX_INTS)
        return fail(d, "%d ints; expected at most %d", (int)c->int_count, QCC_CALL_MAX_INTS);
    if ((c->buffer_count > 0 && !c->buffers) || (c->int_count > 0 && !c->ints) || (c->float_count > 0 && !c->floats))
        return fail(d, "the call's buffers, ints or floats are missing");
    switch (c->kernel) {
    case QCC_KERNEL_COPY: return decode_copy(d);
    case QCC_KERNEL_FILL: return decode_fill(d);
    case QCC_KERNEL_GATHER: return decode_gather(d);
    case QCC_KERNEL_F32_BINARY: return decode_f32_binary(d);
    case QCC_KERNEL_F32_UNARY: return decode_f32_unary(d);
    case QCC_KERNEL_F32_SOFTMAX: return decode_rows(d, "mode", 2, 0);
    case QCC_KERNEL_F32_LAYERNORM: return decode_f32_layernorm(d);
    case QCC_KERNEL_F32_RMSNORM: return decode_f32_rmsnorm(d);
    case QCC_KERNEL_F32_GEMM: return decode_f32_gemm(d);
    case QCC_KERNEL_QUANTIZE: return decode_quantize(d);
    case QCC_KERNEL_DEQUANTIZE: return decode_dequantize(d);
    case QCC_KERNEL_REQUANTIZE: return decode_requantize(d);
    case QCC_KERNEL_QGEMM: return decode_qgemm(d);
    case QCC_KERNEL_QCONV: return decode_qconv(d);
    case QCC_KERNEL_QADD: return decode_qbinary(d, 0);
    case QCC_KERNEL_QMUL: return decode_qbinary(d, 1);
    case QCC_KERNEL_CAST: return decode_cast(d);
    case QCC_KERNEL_WHERE: return decode_where(d);
    case QCC_KERNEL_F32_ISNAN: return decode_f32_isnan(d);
    case QCC_KERNEL_BOOL_BINARY: return decode_bool_binary(d);
    case QCC_KERNEL_F32_POOL: return decode_f32_pool(d);
    case QCC_KERNEL_ATTENTION: return decode_attention(d);
    case QCC_KERNEL_QSCAN: return decode_qscan(d);
    case QCC_KERNEL_FUSED_ELEMENTWISE: return decode_fused_elementwise(d);
    case QCC_KERNEL_F32_CONV_TRANSPOSE: return decode_f32_conv_transpose(d);
    case QCC_KERNEL_F32_RESAMPLE: return decode_f32_resample(d);
    case QCC_KERNEL_COMPARE: return decode_compare(d);
    case QCC_KERNEL_F32_ARG_REDUCE: return decode_f32_arg_reduce(d);
    case QCC_KERNEL_CUMSUM: return decode_cumsum(d);
    case QCC_KERNEL_TRILU: return decode_trilu(d);
    default: return decode_rows(d, "kind", QCC_REDUCE_LOG_SUM_EXP, 1); /* QCC_KERNEL_F32_REDUCE */
    }
}

/* ------------------------------------------------------------------------ */
/* Buffer checks (shared by run and check)                                    */
/* ------------------------------------------------------------------------ */

/* Presence, roles, extents and alignment of every buffer, then the values of the parameter buffers. */
static int check_buffers(decoder *d) {
    const qcc_call *c = d->call;
    for (int i = 0; i < c->buffer_count; i++) {
        const buffer_desc *b = &d->buf[i];
        const int touches = b->hi > b->lo;
        if (!present(d, i)) {
            if (b->flags & B_OPT) continue;
            if (d->info) return fail(d, "buffer %d (%s) is absent", i, b->name);
            if (touches) return fail(d, "buffer %d (%s) is NULL", i, b->name);
            continue;
        }
        const void *p = c->buffers[i];
        if (d->info) {
            const qcc_buffer_info *in = &d->info[i];
            if ((b->flags & B_WRITE) && !(in->flags & QCC_BUFFER_WRITABLE))
                return fail(d, "buffer %d (%s) is written, but its tensor is not writable", i, b->name);
            if ((b->flags & B_PARAM) && !(in->flags & QCC_BUFFER_CONSTANT))
                return fail(d, "buffer %d (%s) holds parameters, but its tensor is not a constant", i, b->name);
            if (in->before < 0 || in->after < 0)
                return fail(d, "buffer %d (%s) has a negative extent", i, b->name);
            if (touches && (b->lo < -in->before || b->hi > in->after))
                return fail(d, "buffer %d (%s) %s bytes [%lld, %lld) from its pointer; its tensor holds [%lld, %lld)", i,
                            b->name, (b->flags & B_WRITE) ? "writes" : "reads", (long long)b->lo, (long long)b->hi,
                            (long long)-in->before, (long long)in->after);
            if (touches && in->before % b->align != 0)
                return fail(d, "buffer %d (%s) is at byte %lld of its tensor; expected a multiple of %lld", i, b->name,
                            (long long)in->before, (long long)b->align);
        }
        if (touches && p && (uintptr_t)p % (uintptr_t)b->align != 0)
            return fail(d, "buffer %d (%s) is not %lld-byte aligned", i, b->name, (long long)b->align);
    }
    /* Parameter values, read once every extent is known to be inside its tensor. */
    for (int i = 0; i < c->buffer_count; i++) {
        const buffer_desc *b = &d->buf[i];
        if (b->param == P_NONE || b->hi <= b->lo || !present(d, i)) continue;
        const unsigned char *p = (const unsigned char *)c->buffers[i];
        if (!p) return fail(d, "buffer %d (%s) is a constant without data", i, b->name);
        for (int64_t k = 0; k < b->count; k++) {
            if (b->param == P_TAPS) {
                int64_t v, first;
                memcpy(&v, p + 8 * k, 8);
                memcpy(&first, p + 8 * (k - k % b->group), 8);
                /* A position's first tap says which: -1 fills it, else every tap indexes. */
                const int64_t lo = first < 0 ? -1 : 0, hi = first < 0 ? -1 : b->max;
                if (v < lo || v > hi) {
                    char expect[160], range[80];
                    if (lo == hi)
                        snprintf(range, sizeof range, "%lld", (long long)lo);
                    else
                        range_text(range, sizeof range, lo, hi);
                    if (k % b->group == 0)
                        range_text(expect, sizeof expect, -1, b->max);
                    else
                        snprintf(expect, sizeof expect, "%s, as its position's first tap (element %lld) is %lld", range,
                                 (long long)(k - k % b->group), (long long)first);
                    return fail(d, "buffer %d (%s) element %lld is %lld; expected %s", i, b->name, (long long)k,
                                (long long)v, expect);
                }
                continue;
            }
            if (b->param == P_SCALE) {
                float v;
                memcpy(&v, p + 4 * k, 4);
                if (!(v > 0.0f && v <= 3.40282347e38f))
                    return fail(d, "buffer %d (%s) element %lld is %g; expected a finite value > 0", i, b->name,
                                (long long)k, (double)v);
            } else {
                int32_t v;
                memcpy(&v, p + 4 * k, 4);
                if (v < b->min || v > b->max) {
                    char expect[80];
                    range_text(expect, sizeof expect, b->min, b->max);
                    return fail(d, "buffer %d (%s) element %lld is %d; expected %s", i, b->name, (long long)k, (int)v,
                                expect);
                }
            }
        }
    }
    return 0;
}

/* Decodes and checks a call into `d`. */
static int prepare(decoder *d, const qcc_call *call, const qcc_buffer_info *info, char *error, size_t error_size) {
    d->call = call;
    d->info = info;
    d->error = error;
    d->error_size = error_size;
    if (error && error_size > 0) error[0] = '\0';
    return decode(d) || check_buffers(d) ? -1 : 0;
}

int qcc_call_check(const qcc_call *call, const qcc_buffer_info *info, char *error, size_t error_size) {
    decoder d;
    return prepare(&d, call, info, error, error_size);
}

/* ------------------------------------------------------------------------ */
/* Running                                                                    */
/* ------------------------------------------------------------------------ */

#ifdef QCC_USE_GATHER
/* Indices per stack tile of GATHER. */
#define GATHER_TILE 256

/* Index i of GATHER's indices (int64 or int32). */
static int64_t index_at(const gather_args *a, const void *indices, int64_t i) {
    return a->index_bytes == 8 ? ((const int64_t *)indices)[i] : ((const int32_t *)indices)[i];
}

/*
 * GATHER: checks every index first (nothing is written when one is out of
 * range), then gathers; negative indices are wrapped a tile at a time into a
 * stack buffer, since qcc_gather takes int64 indices in [0, axis_size).
 */
static int run_gather(decoder *d, void *const *buf) {
    const gather_args *a = &d->a.gather;
    const void *indices = buf[2];
    int direct = a->index_bytes == 8;
    for (int64_t i = 0; i < a->index_count; i++) {
        const int64_t v = index_at(a, indices, i);
        if (v < -a->axis_size || v >= a->axis_size)
            return fail(d, "index %lld at position %lld is out of range for axis %lld of size %lld", (long long)v,
                        (long long)i, (long long)a->axis, (long long)a->axis_size);
        if (v < 0) direct = 0;
    }
    if (a->outer == 0 || a->index_count == 0 || a->row_bytes == 0) return 0;
    const size_t row = (size_t)a->row_bytes;
    if (direct) {
        qcc_gather(buf[0], buf[1], (const int64_t *)indices, a->index_count, a->outer, a->axis_size, row);
        return 0;
    }
    int64_t tile[GATHER_TILE];
    for (int64_t i0 = 0; i0 < a->index_count; i0 += GATHER_TILE) {
        const int64_t n = a->index_count - i0 < GATHER_TILE ? a->index_count - i0 : GATHER_TILE;
        for (int64_t j = 0; j < n; j++) {
            const int64_t v = index_at(a, indices, i0 + j);
            tile[j] = v < 0 ? v + a->axis_size : v;
        }
        if (n == a->index_count) {
            qcc_gather(buf[0], buf[1], tile, n, a->outer, a->axis_size, row);
            break;
        }
        for (int64_t o = 0; o < a->outer; o++)
            qcc_gather((char *)buf[0] + (o * a->index_count + i0) * a->row_bytes,
                       (const char *)buf[1] + o * a->axis_size * a->row_bytes, tile, n, 1, a->axis_size, row);
    }
    return 0;
}
#endif

/* Calls the kernel of a decoded, checked call. */
static int run_call(decoder *d) {
    void *const *buf = d->call->buffers;
    switch (d->call->kernel) {
#ifdef QCC_USE_COPY
    case QCC_KERNEL_COPY: {
        const strided_args *a = &d->a.strided;
        qcc_strided_copy(buf[0], a->s0, buf[1], a->s1, a->shape, (int)a->rank, (size_t)a->elem_size);
        return 0;
    }
#endif
#ifdef QCC_USE_FILL
    case QCC_KERNEL_FILL: {
        const strided_args *a = &d->a.strided;
        qcc_fill(buf[0], buf[1], a->count, (size_t)a->elem_size);
        return 0;
    }
#endif
#ifdef QCC_USE_GATHER
    case QCC_KERNEL_GATHER: return run_gather(d, buf);
#endif
#ifdef QCC_USE_F32_BINARY
    case QCC_KERNEL_F32_BINARY: {
        const strided_args *a = &d->a.strided;
        qcc_f32_binary((qcc_binary_op)a->op, (float *)buf[0], (const float *)buf[1], a->s0,
                       (const float *)buf[2], a->s1, a->shape, (int)a->rank);
        return 0;
    }
#endif
#ifdef QCC_USE_F32_UNARY
    case QCC_KERNEL_F32_UNARY: {
        const float_args *a = &d->a.f;
        qcc_f32_unary((qcc_unary_op)a->op, (float *)buf[0], (const float *)buf[1], a->count, a->alpha, a->beta);
        return 0;
    }
#endif
#ifdef QCC_USE_F32_SOFTMAX
    case QCC_KERNEL_F32_SOFTMAX: {
        const float_args *a = &d->a.f;
        qcc_f32_softmax((int)a->op, (const float *)buf[1], (float *)buf[0], a->outer, a->n, a->inner);
        return 0;
    }
#endif
#ifdef QCC_USE_F32_LAYERNORM
    case QCC_KERNEL_F32_LAYERNORM: {
        const float_args *a = &d->a.f;
        qcc_f32_layernorm((const float *)buf[1], (const float *)buf[2], (const float *)buf[3], (float *)buf[0],
                          (float *)buf[4], (float *)buf[5], a->rows, a->n, a->epsilon);
        return 0;
    }
#endif
#ifdef QCC_USE_F32_RMSNORM
    case QCC_KERNEL_F32_RMSNORM: {
        const float_args *a = &d->a.f;
        qcc_f32_rmsnorm((const float *)buf[1], (const float *)buf[2], (float *)buf[0], a->rows, a->n, a->epsilon);
        return 0;
    }
#endif
#ifdef QCC_USE_F32_GEMM
    case QCC_KERNEL_F32_GEMM: {
        const gemm_args *g = &d->a.gemm;
        qcc_f32_gemm_batched_scratch((int)g->trans_a, (int)g->trans_b, g->m, g->n, g->k, g->alpha,
                                     (const float *)buf[1], g->lda, (const float *)buf[2], g->ldb, g->beta,
                                     (float *)buf[0], g->ldc, (int)g->batch_rank, g->batch_shape, g->a_strides,
                                     g->b_strides, g->c_strides, (float *)buf[3]);
        return 0;
    }
#endif
#ifdef QCC_USE_QUANTIZE
    case QCC_KERNEL_QUANTIZE: {
        const convert_args *a = &d->a.convert;
        qcc_quantize_f32((qcc_qtype)a->type, buf[0], (const float *)buf[1], a->outer, a->channels, a->inner, a->group,
                         (const float *)buf[2], (const int32_t *)buf[3], (int32_t)a->qmin, (int32_t)a->qmax);
        return 0;
    }
#endif
#ifdef QCC_USE_DEQUANTIZE
    case QCC_KERNEL_DEQUANTIZE: {
        const convert_args *a = &d->a.convert;
        qcc_dequantize_f32((qcc_qtype)a->type, (float *)buf[0], buf[1], a->outer, a->channels, a->inner, a->group,
                           (const float *)buf[2], (const int32_t *)buf[3]);
        return 0;
    }
#endif
#ifdef QCC_USE_REQUANTIZE
    case QCC_KERNEL_REQUANTIZE: {
        const convert_args *a = &d->a.convert;
        qcc_requantize((qcc_qtype)a->type, buf[1], (qcc_qtype)a->out_type, buf[0], a->outer, a->channels, a->inner,
                       (const int32_t *)buf[4], (const int32_t *)buf[2], (const int32_t *)buf[3],
                       (const int32_t *)buf[5], (int32_t)a->qmin, (int32_t)a->qmax);
        return 0;
    }
#endif
#ifdef QCC_USE_QGEMM
    case QCC_KERNEL_QGEMM: {
        const gemm_args *g = &d->a.gemm;
        const int32_t a_zp = (int32_t)g->a_zero_point;
        const qcc_qmatrix a = {(qcc_qtype)g->a_type, buf[1], g->lda, &a_zp, QCC_ZP_SCALAR, 0};
        const qcc_qmatrix b = {(qcc_qtype)g->b_type, buf[2], g->ldb, (const int32_t *)buf[3],
                               (qcc_zp_layout)g->b_zp_layout, g->b_group};
        if (g->acc_type == QCC_QTYPE_I32)
            qcc_qgemm_batched_i32(g->m, g->n, g->k, &a, &b, (const int32_t *)buf[4], (int32_t *)buf[0], g->ldc,
                                  (int)g->batch_rank, g->batch_shape, g->a_strides, g->b_strides, g->c_strides);
        else
            qcc_qgemm_batched_i64(g->m, g->n, g->k, &a, &b, (const int64_t *)buf[4], (int64_t *)buf[0], g->ldc,
                                  (int)g->batch_rank, g->batch_shape, g->a_strides, g->b_strides, g->c_strides);
        return 0;
    }
#endif
#ifdef QCC_USE_QCONV
    case QCC_KERNEL_QCONV: {
        const conv_args *c = &d->a.conv;
        if (c->acc_type == QCC_QTYPE_I32)
            qcc_qconv_i32((qcc_qtype)c->x_type, buf[1], (int32_t)c->x_zero_point, (int32_t)c->x_pad,
                          (qcc_qtype)c->w_type, buf[2], (const int32_t *)buf[3], (const int32_t *)buf[4],
                          (int32_t *)buf[0], c->batch, c->channels, c->out_channels, c->group, &c->window, buf[5]);
        else
            qcc_qconv_i64((qcc_qtype)c->x_type, buf[1], (int32_t)c->x_zero_point, (int32_t)c->x_pad,
                          (qcc_qtype)c->w_type, buf[2], (const int32_t *)buf[3], (const int64_t *)buf[4],
                          (int64_t *)buf[0], c->batch, c->channels, c->out_channels, c->group, &c->window, buf[5]);
        return 0;
    }
#endif
#if defined(QCC_USE_QADD) || defined(QCC_USE_QMUL)
    case QCC_KERNEL_QADD:
    case QCC_KERNEL_QMUL: {
        const qbinary_args *q = &d->a.qbinary;
        if (d->call->kernel == QCC_KERNEL_QADD)
            qcc_qadd((qcc_qtype)q->y_type, buf[0], (int32_t)q->zy, (int32_t)q->qmin, (int32_t)q->qmax,
                     (qcc_qtype)q->a_type, buf[1], q->a_strides, (int32_t)q->za, q->ma, (qcc_qtype)q->b_type, buf[2],
                     q->b_strides, (int32_t)q->zb, q->mb, q->shape, (int)q->rank);
        else
            qcc_qmul((qcc_qtype)q->y_type, buf[0], (int32_t)q->zy, (int32_t)q->qmin, (int32_t)q->qmax,
                     (qcc_qtype)q->a_type, buf[1], q->a_strides, (int32_t)q->za, (qcc_qtype)q->b_type, buf[2],
                     q->b_strides, (int32_t)q->zb, q->ma, q->shape, (int)q->rank);
        return 0;
    }
#endif
#ifdef QCC_USE_CAST
    case QCC_KERNEL_CAST: {
        const convert_args *a = &d->a.convert;
        qcc_cast(buf[0], (int32_t)a->out_type, buf[1], (int32_t)a->type, a->outer);
        return 0;
    }
#endif
#ifdef QCC_USE_WHERE
    case QCC_KERNEL_WHERE: {
        const strided_args *a = &d->a.strided;
        qcc_where(buf[0], (const uint8_t *)buf[1], a->s0, buf[2], a->s1, buf[3], a->s2, a->shape, (int)a->rank,
                  (size_t)a->elem_size);
        return 0;
    }
#endif
#ifdef QCC_USE_F32_ISNAN
    case QCC_KERNEL_F32_ISNAN:
        qcc_f32_isnan((uint8_t *)buf[0], (const float *)buf[1], d->a.f.count);
        return 0;
#endif
#ifdef QCC_USE_BOOL_BINARY
    case QCC_KERNEL_BOOL_BINARY: {
        const strided_args *a = &d->a.strided;
        qcc_bool_binary((qcc_bool_op)a->op, (uint8_t *)buf[0], (const uint8_t *)buf[1], a->s0,
                        (const uint8_t *)buf[2], a->s1, a->shape, (int)a->rank);
        return 0;
    }
#endif
#ifdef QCC_USE_F32_REDUCE
    case QCC_KERNEL_F32_REDUCE: {
        const float_args *a = &d->a.f;
        qcc_f32_reduce((qcc_reduce_kind)a->op, (const float *)buf[1], (float *)buf[0], a->outer, a->n, a->inner);
        return 0;
    }
#endif
#ifdef QCC_USE_F32_POOL
    case QCC_KERNEL_F32_POOL: {
        const pool_args *p = &d->a.pool;
        qcc_f32_pool((int)p->kind, (const float *)buf[1], (float *)buf[0], (int64_t *)buf[2], p->planes, &p->window,
                     p->pad_end, (int)p->count_include_pad, (int)p->storage_order);
        return 0;
    }
#endif
#ifdef QCC_USE_ATTENTION
    case QCC_KERNEL_ATTENTION: {
        const attention_args *a = &d->a.attention;
        const qcc_attention *h = &a->head;
        const int64_t out_bytes = h->out_f32 ? 4 : qtype_bytes(h->out_type);
        int64_t index[QCC_MAX_RANK] = {0};
        for (int i = 0; i < (int)a->batch_rank; i++)
            if (a->batch_shape[i] == 0) return 0;
        for (;;) {
            int64_t off[5] = {0, 0, 0, 0, 0};
            const int64_t *strides[5] = {a->q_strides, a->k_strides, a->v_strides, a->out_strides, a->mask_strides};
            for (int i = 0; i < (int)a->batch_rank; i++)
                for (int j = 0; j < 5; j++) off[j] += index[i] * strides[j][i];
            qcc_qattention(h, (const char *)buf[1] + off[0], (const char *)buf[2] + off[1],
                           (const char *)buf[3] + off[2], buf[4] ? (const float *)buf[4] + off[4] : NULL,
                           (char *)buf[0] + off[3] * out_bytes, buf[5]);
            int i = (int)a->batch_rank - 1;
            while (i >= 0 && ++index[i] == a->batch_shape[i]) index[i--] = 0;
            if (i < 0) return 0;
        }
    }
#endif
#ifdef QCC_USE_QSCAN
    case QCC_KERNEL_QSCAN: {
        const scan_args *a = &d->a.scan;
        qcc_qscan_f32((qcc_qtype)a->type, (float *)buf[0], (const float *)buf[1], (const float *)buf[2],
                      (const float *)buf[3], (const float *)buf[4], a->batch, a->channels, a->steps, a->state,
                      (const float *)buf[5], (const int32_t *)buf[6], (int32_t)a->state_qmin, (int32_t)a->state_qmax,
                      (int32_t)a->c_qmin, (int32_t)a->c_qmax, buf[7]);
        return 0;
    }
#endif
#ifdef QCC_USE_F32_RESAMPLE
    case QCC_KERNEL_F32_RESAMPLE: {
        const resample_args *a = &d->a.resample;
        qcc_f32_resample_axis((const float *)buf[1], (float *)buf[0], a->outer, a->in, a->inner, a->out, a->taps,
                              (const int64_t *)buf[2], (const float *)buf[3], a->fill);
        return 0;
    }
#endif
#ifdef QCC_USE_FUSED_ELEMENTWISE
    case QCC_KERNEL_FUSED_ELEMENTWISE: {
        qcc_fused_elementwise_buffers b;
        b.out = buf[0];
        b.scratch = buf[1];
        b.x = buf[2];
        b.b = buf[3];
        b.b_zero_point = (const int32_t *)buf[4];
        b.bias = buf[5];
        b.src_scale = (const float *)buf[6];
        b.src_zero_point = (const int32_t *)buf[7];
        b.dst_scale = (const float *)buf[8];
        b.dst_zero_point = (const int32_t *)buf[9];
        for (int i = 0; i < QCC_FUSED_MAX_OPERANDS; i++) b.operands[i] = (const float *)buf[10 + i];
        qcc_fused_elementwise(&d->a.fused, &b);
        return 0;
    }
#endif
#ifdef QCC_USE_F32_CONV_TRANSPOSE
    case QCC_KERNEL_F32_CONV_TRANSPOSE: {
        const conv_args *c = &d->a.conv;
        qcc_f32_conv_transpose((const float *)buf[1], (const float *)buf[2], (const float *)buf[3], (float *)buf[0],
                               c->batch, c->channels, c->out_channels, c->group, &c->window, (float *)buf[4],
                               (float *)buf[5]);
        return 0;
    }
#endif
#ifdef QCC_USE_COMPARE
    case QCC_KERNEL_COMPARE: {
        const strided_args *a = &d->a.strided;
        qcc_compare((qcc_compare_op)a->op, (int32_t)a->elem, (uint8_t *)buf[0], buf[1], a->s0, buf[2], a->s1, a->shape,
                    (int)a->rank);
        return 0;
    }
#endif
#ifdef QCC_USE_F32_ARG_REDUCE
    case QCC_KERNEL_F32_ARG_REDUCE: {
        const axis_args *a = &d->a.axis;
        qcc_f32_arg_reduce((int)a->is_min, (int)a->select_last, (const float *)buf[1], (int64_t *)buf[0], a->outer,
                           a->n, a->inner);
        return 0;
    }
#endif
#ifdef QCC_USE_CUMSUM
    case QCC_KERNEL_CUMSUM: {
        const axis_args *a = &d->a.axis;
        int64_t axis = a->axis;
        if (a->axis_bytes != 0) {
            axis = a->axis_bytes == 8 ? *(const int64_t *)buf[2] : *(const int32_t *)buf[2];
            if (axis < -a->rank || axis >= a->rank)
                return fail(d, "axis %lld is out of range for rank %lld", (long long)axis, (long long)a->rank);
            if (axis < 0) axis += a->rank;
        }
        int64_t outer = 1, inner = 1;
        for (int64_t i = 0; i < axis; i++) outer *= a->shape[i];
        for (int64_t i = axis + 1; i < a->rank; i++) inner *= a->shape[i];
        qcc_cumsum((int32_t)a->elem, buf[1], buf[0], outer, a->shape[axis], inner, (int)a->exclusive,
                   (int)a->reverse);
        return 0;
    }
#endif
#ifdef QCC_USE_TRILU
    case QCC_KERNEL_TRILU: {
        const trilu_args *a = &d->a.trilu;
        const int64_t k = buf[2] ? *(const int64_t *)buf[2] : a->k;
        qcc_trilu(buf[0], buf[1], a->matrices, a->rows, a->cols, k, (int)a->upper, (size_t)a->elem_size);
        return 0;
    }
#endif
    default: return fail(d, "this runtime is built without the %s kernel", d->name);
    }
}

int qcc_call_run(const qcc_call *call, char *error, size_t error_size) {
    decoder d;
    if (prepare(&d, call, NULL, error, error_size)) return -1;
    /* Nothing to write (every written buffer empty): only GATHER still checks its indices. */
    int writes = 0;
    for (int i = 0; i < call->buffer_count; i++)
        if ((d.buf[i].flags & B_WRITE) && d.buf[i].hi > d.buf[i].lo) writes = 1;
    if (!writes && call->kernel != QCC_KERNEL_GATHER) return 0;
    return run_call(&d);
}
