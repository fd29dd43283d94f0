/*
 * float_kernels_test: runs the f32 kernels on a large fixed set of inputs and
 * prints one digest per case, so that two builds can be compared bit for bit
 * (a kernel rewritten for speed must compute the same floats as before, on
 * every compiler and instruction set; see qcc_base.h).
 *
 *   float_kernels_test [--stride S] [--dense-step D] [--filter TEXT] [--dump CASE FILE]
 *
 * Each output line is `case elements canonical exact`: two 64-bit digests of
 * every output of the case, in order, `exact` of their bits and `canonical`
 * of their bits with every NaN made the same (see feed_f32 for why). Two
 * builds agree when their lines are identical (scripts/check_float_kernels.sh
 * builds this test from the sources of a git revision and from the working
 * tree, for several compilers and instruction sets, and compares them).
 * --dump writes the raw outputs of one case to FILE, to find the elements
 * that differ; --filter runs only the cases whose name contains TEXT.
 *
 * The inputs of the elementwise kernels are
 * - special values: ±0, ±inf, quiet and signalling NaNs with payloads, the
 *   smallest and largest denormals and normals, integers and halves, and
 *   every float within 48 ulps of each boundary where a polynomial of
 *   qcc_math.h hands over to the next (and of where e^x rounds n),
 * - every S-th bit pattern of the 2^32 (S = 257 by default, every float class),
 * - every D-th float with magnitude in [2^-6, 2^7) (D = 61 by default), where
 *   the polynomials work,
 * each run twice: in long runs (the vectorised loops) and in place in runs of
 * 1 to 13 elements (the scalar remainders); the test checks that both give
 * the same bits (stdout says "consistency" otherwise, and the exit status is 1;
 * NaNs whose payloads alone differ get a "note").
 * Softmax, log-softmax, hardmax, layer and RMS normalisation, the moments and
 * row affine maps, the broadcasting binary ops, comparisons and Where, the reductions
 * and Mish / Swish run on rows of many lengths and layouts, from seeded random
 * data mixed with the special values. Quantize (of the elementwise inputs),
 * dequantize (every 8- and 16-bit value) and requantize run every storage type
 * in each parameter layout.
 *
 * Build (from the repository root; any compiler and flags the kernels support):
 *   cc -std=c99 -O3 -Wall -Wextra -Werror -Itargets/runtime/include targets/runtime/float_elementwise_unary.c \
 *     targets/runtime/float_elementwise_broadcast.c targets/runtime/float_nn_norm.c targets/runtime/float_nn_reduce.c \
 *     targets/runtime/float_activation.c targets/runtime/quant_convert.c targets/runtime/tools/float_kernels_test.c \
 *     -lm -o /tmp/float_kernels_test
 */
#include "qcc_float_activation.h"
#include "qcc_float_elementwise.h"
#include "qcc_float_nn.h"
#include "qcc_quant.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* ------------------------------------------------------------------------ */
/* Digests                                                                   */
/* ------------------------------------------------------------------------ */

static const char *filter = NULL;
static const char *dump_case = NULL;
static FILE *dump_file = NULL;
static int failures = 0;

typedef struct {
    char name[96];
    uint64_t exact, canonical; /* the digests of the bits, and of the bits with every NaN made 0x7FC00000 */
    int64_t elements;
    int active, dumping;
} digest;

static digest current;

/* Starts a case; returns 0 (skip it) when it does not match --filter. */
static int begin_case(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(current.name, sizeof current.name, fmt, ap);
    va_end(ap);
    current.exact = current.canonical = 0xcbf29ce484222325ull;
    current.elements = 0;
    current.active = filter == NULL || strstr(current.name, filter) != NULL;
    current.dumping = current.active && dump_case != NULL && strcmp(current.name, dump_case) == 0;
    return current.active;
}

/* One step of the digest: a bijection of h for each w, so that any single differing word changes it. */
static uint64_t mix(uint64_t h, uint32_t w) {
    h = (h ^ w) * 0x100000001b3ull;
    return h ^ (h >> 32);
}

static void dump(const void *data, int64_t count, size_t size) {
    if (current.dumping && fwrite(data, size, (size_t)count, dump_file) != (size_t)count) {
        fprintf(stderr, "float_kernels_test: cannot write the dump\n");
        exit(2);
    }
}

/*
 * Adds floats to the current case. The canonical digest maps every NaN to one value: when two NaNs meet in
 * an operation (a sum over a row, x op y), which payload survives depends on the order the compiler gave the
 * operands, on every compiler and instruction set alike, so kernels that combine several inputs are compared
 * on it; elementwise kernels, whose NaN output is their input's, are compared on the exact bits.
 */
static void feed_f32(const float *x, int64_t count) {
    uint64_t e = current.exact, c = current.canonical;
    for (int64_t i = 0; i < count; i++) {
        uint32_t w;
        memcpy(&w, &x[i], 4);
        e = mix(e, w);
        c = mix(c, (w & 0x7FFFFFFFu) > 0x7F800000u ? 0x7FC00000u : w);
    }
    current.exact = e;
    current.canonical = c;
    current.elements += count;
    dump(x, count, sizeof(float));
}

static void feed_f64(const double *x, int64_t count) {
    for (int64_t i = 0; i < count; i++) {
        uint64_t w;
        memcpy(&w, &x[i], 8);
        current.exact = mix(mix(current.exact, (uint32_t)w), (uint32_t)(w >> 32));
        if ((w & 0x7FFFFFFFFFFFFFFFull) > 0x7FF0000000000000ull) w = 0x7FF8000000000000ull;
        current.canonical = mix(mix(current.canonical, (uint32_t)w), (uint32_t)(w >> 32));
    }
    current.elements += count;
    dump(x, count, sizeof(double));
}

static void feed_u8(const uint8_t *x, int64_t count) {
    for (int64_t i = 0; i < count; i++) {
        current.exact = mix(current.exact, x[i]);
        current.canonical = mix(current.canonical, x[i]);
    }
    current.elements += count;
    dump(x, count, 1);
}

static void end_case(void) {
    if (current.active)
        printf("%s %lld %016llx %016llx\n", current.name, (long long)current.elements,
               (unsigned long long)current.canonical, (unsigned long long)current.exact);
    fflush(stdout);
}

/* ------------------------------------------------------------------------ */
/* Deterministic random numbers and floats built exactly                      */
/* ------------------------------------------------------------------------ */

static uint64_t rng_state;

static void seed(uint64_t s) { rng_state = s * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull; }

static uint64_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static float from_bits(uint32_t b) {
    float f;
    memcpy(&f, &b, 4);
    return f;
}

static uint32_t to_bits(float f) {
    uint32_t b;
    memcpy(&b, &f, 4);
    return b;
}

/* A float with a random 24-bit mantissa and sign, magnitude in [2^lo, 2^hi): built from bits, no rounding. */
static float rnd_log_uniform(int lo, int hi) {
    const uint64_t r = rnd();
    const uint32_t exponent = (uint32_t)(lo + (int)((r >> 32) % (uint64_t)(hi - lo)) + 127);
    return from_bits((uint32_t)(r & 0x80000000u) | (exponent << 23) | (uint32_t)(r & 0x7FFFFF));
}

/* Roughly normal (a sum of four uniforms) times `scale`, every step exact: an integer sum scaled by a power of 2. */
static float rnd_normal(float scale) {
    int64_t s = 0;
    for (int k = 0; k < 4; k++) s += (int64_t)(rnd() >> 44) - (1 << 19);
    return (float)s * 0x1p-20f * scale; /* |s| < 2^21: (float)s exact, and scale a power of 2 */
}

/* ------------------------------------------------------------------------ */
/* The elementwise inputs                                                     */
/* ------------------------------------------------------------------------ */

static float *specials;
static int64_t special_count;

static void add_special(float x) {
    specials[special_count++] = x;
}

/* x and -x, and the 48 floats either side of each. */
static void add_around(float x) {
    for (int sign = 0; sign < 2; sign++) {
        const uint32_t b = to_bits(sign ? -x : x);
        for (int k = -48; k <= 48; k++) {
            const uint32_t m = b & 0x7FFFFFFFu;
            if ((int64_t)m + k < 0 || (int64_t)m + k > 0x7F800000) continue;
            add_special(from_bits((b & 0x80000000u) | (uint32_t)((int64_t)m + k)));
        }
    }
}

static void make_specials(void) {
    specials = malloc(200000 * sizeof(float));
    if (!specials) exit(2);
    const uint32_t bits[] = {0x00000000u, 0x80000000u, 0x7F800000u, 0xFF800000u, 0x7FC00000u, 0xFFC00000u,
                             0x7FC12345u, 0xFFE54321u, 0x7F800001u, 0xFF800001u, 0x7FA00000u, 0x7FBFFFFFu,
                             0x00000001u, 0x80000001u, 0x007FFFFFu, 0x807FFFFFu, 0x00400000u, 0x00000100u,
                             0x00800000u, 0x80800000u, 0x7F7FFFFFu, 0xFF7FFFFFu, 0x3F800000u, 0xBF800000u};
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) add_special(from_bits(bits[i]));
    for (int k = -300; k <= 300; k++) {
        add_special((float)k * 0.5f);
        add_special((float)k * 0.25f);
    }
    for (int e = -149; e <= 127; e++) add_around(ldexpf(1.0f, e));
    /* qcc_f32_exp_fast: its clamps, the denormal range and overflow; erf, tanh and log1p boundaries. */
    const float bounds[] = {103.972076f, 103.97208f, 89.0f, 88.7228394f, 88.72284f, 87.3365479f, 87.33655f,
                            0.875f, 1.5f, 3.92f, 9.5f, 4.75f, 2.7100000381469727f, 1.190591812133789f,
                            /* GELU's erf argument is x / sqrt 2 */
                            1.23743686707645f, 2.12132034355964f, 5.54371716450474f,
                            /* Selu and Shrink / Clip parameters used below */
                            1.6732632f, 1.0507010f, 0.01f, 0.2f, 1.0f / 6.0f, 3.0f, 6.0f, 0.1f, 1.0f};
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++) add_around(bounds[i]);
    /* Where e^x's n = round(x / ln 2) changes: (k + 1/2) ln 2. */
    for (int k = -151; k <= 129; k += 1) {
        const float x = (float)((k + 0.5) * 0.69314718055994530942);
        const uint32_t b = to_bits(x);
        for (int d = -4; d <= 4; d++) add_special(from_bits(b + (uint32_t)d));
    }
}

/* The elementwise inputs: specials, then every stride-th bit pattern, then every dense_step-th float of the
 * magnitudes [2^-6, 2^7), positive and negative. */
static uint32_t stride = 257, dense_step = 61;
static int64_t sweep_count, dense_count;

static int64_t input_count(void) {
    sweep_count = (int64_t)((0x100000000ull + stride - 1) / stride);
    const uint32_t lo = to_bits(0x1p-6f), hi = to_bits(0x1p7f);
    dense_count = 2 * (int64_t)((hi - lo + dense_step - 1) / dense_step);
    return special_count + sweep_count + dense_count;
}

static void fill_inputs(float *dst, int64_t start, int64_t count) {
    const uint32_t lo = to_bits(0x1p-6f);
    const int64_t half = dense_count / 2;
    for (int64_t k = 0; k < count; k++) {
        int64_t i = start + k;
        if (i < special_count) {
            dst[k] = specials[i];
            continue;
        }
        i -= special_count;
        if (i < sweep_count) {
            dst[k] = from_bits((uint32_t)((uint64_t)i * stride));
            continue;
        }
        i -= sweep_count;
        const uint32_t b = lo + (uint32_t)(i % half) * dense_step;
        dst[k] = from_bits(i < half ? b : b | 0x80000000u);
    }
}

#define CHUNK 8192

static float in_buf[CHUNK], out_buf[CHUNK], run_buf[CHUNK];

/* How one elementwise kernel is called: out[0..n) from x[0..n). */
typedef void (*elementwise_fn)(const void *ctx, float *out, const float *x, int64_t n);

/*
 * Runs f over every input twice: in chunks of CHUNK (into a separate buffer) and in place in runs of 1..13;
 * feeds the first to the digest and counts the elements where the second differs.
 */
static void run_elementwise(const char *name, elementwise_fn f, const void *ctx) {
    if (!begin_case("%s", name)) return;
    const int64_t total = input_count();
    int64_t inconsistent = 0, nan_payloads = 0, run = 0;
    for (int64_t start = 0; start < total; start += CHUNK) {
        const int64_t n = total - start < CHUNK ? total - start : CHUNK;
        fill_inputs(in_buf, start, n);
        f(ctx, out_buf, in_buf, n);
        feed_f32(out_buf, n);
        memcpy(run_buf, in_buf, (size_t)n * sizeof(float));
        for (int64_t i = 0; i < n;) {
            int64_t len = 1 + run++ % 13;
            if (len > n - i) len = n - i;
            f(ctx, run_buf + i, run_buf + i, len);
            i += len;
        }
        for (int64_t i = 0; i < n; i++) {
            if (to_bits(out_buf[i]) == to_bits(run_buf[i])) continue;
            if (out_buf[i] != out_buf[i] && run_buf[i] != run_buf[i]) nan_payloads++;
            else inconsistent++;
        }
    }
    end_case();
    if (inconsistent) {
        printf("consistency %s: %lld elements differ between long runs and short in-place runs\n", name,
               (long long)inconsistent);
        failures++;
    }
    if (nan_payloads)
        printf("note %s: %lld NaN outputs have another payload in short in-place runs\n", name, (long long)nan_payloads);
}

typedef struct {
    qcc_unary_op op;
    float alpha, beta;
} unary_ctx;

static void call_unary(const void *ctx, float *out, const float *x, int64_t n) {
    const unary_ctx *c = (const unary_ctx *)ctx;
    qcc_f32_unary(c->op, out, x, n, c->alpha, c->beta);
}

static void call_pow(const void *ctx, float *out, const float *x, int64_t n) {
    qcc_f32_pow_scalar(out, x, n, *(const float *)ctx);
}

static void call_mish(const void *ctx, float *out, const float *x, int64_t n) {
    (void)ctx;
    qcc_f32_mish(out, x, n);
}

static void call_swish(const void *ctx, float *out, const float *x, int64_t n) {
    qcc_f32_swish(out, x, n, *(const float *)ctx);
}

static const char *const unary_names[] = {
    "neg", "abs", "sqrt", "reciprocal", "exp", "log", "erf", "tanh", "sigmoid", "softplus", "softsign", "relu",
    "leaky_relu", "elu", "selu", "celu", "thresholded_relu", "hard_sigmoid", "hard_swish", "gelu", "gelu_tanh",
    "floor", "ceil", "round", "sign", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh",
    "atanh", "clip", "shrink"};

static void test_unary(void) {
    const int count = (int)(sizeof unary_names / sizeof unary_names[0]);
    /* (alpha, beta) pairs for the ops with parameters; the others run once with (0, 0). */
    const float params[][2] = {{0.01f, 0.0f}, {1.0f, 1.0f}, {1.6732632f, 1.0507010f}, {0.2f, 0.5f},
                               {-1.0f, 1.0f}, {1.0f, -1.0f}, {0.5f, 0.1f},           {-INFINITY, INFINITY},
                               {NAN, NAN}};
    for (int op = 0; op < count; op++) {
        const int parametric = op == QCC_UNARY_LEAKY_RELU || op == QCC_UNARY_ELU || op == QCC_UNARY_SELU ||
                               op == QCC_UNARY_CELU || op == QCC_UNARY_THRESHOLDED_RELU ||
                               op == QCC_UNARY_HARD_SIGMOID || op == QCC_UNARY_CLIP || op == QCC_UNARY_SHRINK;
        const int sets = parametric ? (int)(sizeof params / sizeof params[0]) : 1;
        for (int p = 0; p < sets; p++) {
            unary_ctx c = {(qcc_unary_op)op, parametric ? params[p][0] : 0.0f, parametric ? params[p][1] : 0.0f};
            char name[64];
            if (parametric) snprintf(name, sizeof name, "unary/%s/%d", unary_names[op], p);
            else snprintf(name, sizeof name, "unary/%s", unary_names[op]);
            run_elementwise(name, call_unary, &c);
        }
    }
    const float exponents[] = {1.0f, 2.0f, 3.0f, 0.5f, -1.0f, 0.0f, 2.5f, -0.5f};
    for (size_t e = 0; e < sizeof exponents / sizeof exponents[0]; e++) {
        char name[64];
        snprintf(name, sizeof name, "pow_scalar/%g", (double)exponents[e]);
        run_elementwise(name, call_pow, &exponents[e]);
    }
    run_elementwise("mish", call_mish, NULL);
    const float swish_alpha[] = {1.0f, 1.702f};
    run_elementwise("swish/1", call_swish, &swish_alpha[0]);
    run_elementwise("swish/1.702", call_swish, &swish_alpha[1]);

    /* isnan / isinf: bytes. */
    static uint8_t flags[CHUNK];
    const int64_t total = input_count();
    if (begin_case("isnan")) {
        for (int64_t start = 0; start < total; start += CHUNK) {
            const int64_t n = total - start < CHUNK ? total - start : CHUNK;
            fill_inputs(in_buf, start, n);
            qcc_f32_isnan(flags, in_buf, n);
            feed_u8(flags, n);
        }
        end_case();
    }
    for (int mode = 0; mode < 4; mode++) {
        if (!begin_case("isinf/%d", mode)) continue;
        for (int64_t start = 0; start < total; start += CHUNK) {
            const int64_t n = total - start < CHUNK ? total - start : CHUNK;
            fill_inputs(in_buf, start, n);
            qcc_f32_isinf(flags, in_buf, n, mode & 1, mode >> 1);
            feed_u8(flags, n);
        }
        end_case();
    }
}

/* ------------------------------------------------------------------------ */
/* Row kernels: softmax, normalisation, reductions                            */
/* ------------------------------------------------------------------------ */

/* How the rows of one data set are drawn. */
enum {
    DATA_NORMAL,      /* normal, scale 1 */
    DATA_WIDE,        /* normal, scale 64 */
    DATA_LOG_UNIFORM, /* magnitudes 2^-20 .. 2^20 */
    DATA_MASKED,      /* normal with a third of the entries -inf (attention masks) and some -1e9 / -3.4e38 */
    DATA_SPECIAL,     /* normal with specials sprinkled in (NaN, ±inf, ±0, denormals, huge) */
    DATA_CONSTANT,    /* one value per row, sometimes ±0 */
    DATA_KINDS
};

static float draw(int kind, int64_t row) {
    switch (kind) {
    case DATA_NORMAL: return rnd_normal(1.0f);
    case DATA_WIDE: return rnd_normal(64.0f);
    case DATA_LOG_UNIFORM: return rnd_log_uniform(-20, 20);
    case DATA_MASKED: {
        const uint64_t r = rnd() % 12;
        if (r < 4) return -INFINITY;
        if (r == 4) return -1e9f;
        if (r == 5) return -3.4e38f;
        return rnd_normal(4.0f);
    }
    case DATA_SPECIAL: {
        /* Rows 0 mod 4 get every special (NaN too), rows 1 mod 4 all but NaN, the others none. */
        const uint32_t b[] = {0x7FC00000u, 0xFFC12345u, 0x7F800001u, 0x7F800000u, 0xFF800000u, 0x00000000u,
                              0x80000000u, 0x00000001u, 0x807FFFFFu, 0x7F7FFFFFu, 0xFF7FFFFFu, 0x00800000u,
                              0x3F800000u, 0x4B000000u, 0xCB000001u, 0x42B17218u, 0xC2CFF1B5u, 0x3F000000u,
                              0x41180000u, 0xC0800000u, 0x3F600000u, 0x3FC00000u, 0x407AE148u, 0x80000001u};
        const uint64_t r = rnd() % 64;
        if (r < 24 && row % 4 == 0) return from_bits(b[r]);
        if (r >= 3 && r < 24 && row % 4 == 1) return from_bits(b[r]);
        return rnd_normal(2.0f);
    }
    default: {
        uint64_t s = (uint64_t)row * 0x9E3779B97F4A7C15ull;
        s ^= s >> 29;
        const uint32_t pick = (uint32_t)(s % 5);
        return pick == 0 ? 0.0f : pick == 1 ? -0.0f : pick == 2 ? 3.5f : pick == 3 ? -1e30f : 1e-40f;
    }
    }
}

static float *data_a, *data_b, *data_c, *data_y;
static double *data_d, *data_e;

#define MAX_ELEMS (1 << 20)

static void fill_rows(int kind, float *x, int64_t rows, int64_t n) {
    for (int64_t r = 0; r < rows; r++)
        for (int64_t i = 0; i < n; i++) x[r * n + i] = draw(kind, r);
}

static void test_softmax(void) {
    const int64_t lengths[] = {1, 2, 3, 5, 7, 8, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 100, 197, 256, 577, 1000, 1023, 4096};
    const int64_t inners[] = {2, 3, 5, 16, 197};
    for (int mode = 0; mode < 3; mode++) {
        for (int kind = 0; kind < DATA_KINDS; kind++) {
            /* Contiguous rows (inner 1). */
            if (begin_case("softmax/%d/data%d/contiguous", mode, kind)) {
                for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
                    const int64_t n = lengths[l], outer = n >= 1000 ? 7 : 41;
                    seed((uint64_t)(mode * 1000 + kind * 100 + (int)l));
                    fill_rows(kind, data_a, outer, n);
                    qcc_f32_softmax(mode, data_a, data_y, outer, n, 1);
                    feed_f32(data_y, outer * n);
                    /* In place. */
                    qcc_f32_softmax(mode, data_a, data_a, outer, n, 1);
                    feed_f32(data_a, outer * n);
                }
                end_case();
            }
            /* Strided vectors (inner > 1). */
            if (begin_case("softmax/%d/data%d/strided", mode, kind)) {
                for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
                    for (size_t k = 0; k < sizeof inners / sizeof inners[0]; k++) {
                        const int64_t n = lengths[l], inner = inners[k], outer = 3;
                        if (n * inner * outer > MAX_ELEMS || n > 600) continue;
                        seed((uint64_t)(mode * 7000 + kind * 300 + (int)l * 7 + (int)k));
                        fill_rows(kind, data_a, outer * inner, n);
                        qcc_f32_softmax(mode, data_a, data_y, outer, n, inner);
                        feed_f32(data_y, outer * n * inner);
                    }
                }
                end_case();
            }
        }
    }
}

static void test_norms(void) {
    const int64_t lengths[] = {1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 64, 100, 192, 197, 256, 384, 768, 1000, 1024, 4099};
    const float epsilons[] = {1e-5f, 1e-6f, 0.0f};
    for (int kind = 0; kind < DATA_KINDS; kind++) {
        for (size_t e = 0; e < sizeof epsilons / sizeof epsilons[0]; e++) {
            if (begin_case("layernorm/data%d/eps%d", kind, (int)e)) {
                for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
                    const int64_t n = lengths[l], rows = n >= 1000 ? 5 : 23;
                    seed((uint64_t)(kind * 100 + (int)l + 50000));
                    fill_rows(kind, data_a, rows, n);
                    for (int64_t i = 0; i < n; i++) data_b[i] = rnd_normal(1.0f), data_c[i] = rnd_normal(0.5f);
                    float mean[32], inv[32];
                    qcc_f32_layernorm(data_a, data_b, data_c, data_y, mean, inv, rows, n, epsilons[e]);
                    feed_f32(data_y, rows * n);
                    feed_f32(mean, rows);
                    feed_f32(inv, rows);
                    qcc_f32_layernorm(data_a, data_b, NULL, data_y, NULL, NULL, rows, n, epsilons[e]);
                    feed_f32(data_y, rows * n);
                    /* In place. */
                    qcc_f32_layernorm(data_a, data_b, data_c, data_a, NULL, NULL, rows, n, epsilons[e]);
                    feed_f32(data_a, rows * n);
                }
                end_case();
            }
            if (begin_case("rmsnorm/data%d/eps%d", kind, (int)e)) {
                for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
                    const int64_t n = lengths[l], rows = n >= 1000 ? 5 : 23;
                    seed((uint64_t)(kind * 100 + (int)l + 60000));
                    fill_rows(kind, data_a, rows, n);
                    for (int64_t i = 0; i < n; i++) data_b[i] = rnd_normal(1.0f);
                    qcc_f32_rmsnorm(data_a, data_b, data_y, rows, n, epsilons[e]);
                    feed_f32(data_y, rows * n);
                    qcc_f32_rmsnorm(data_a, NULL, data_y, rows, n, epsilons[e]);
                    feed_f32(data_y, rows * n);
                    qcc_f32_rmsnorm(data_a, data_b, data_a, rows, n, epsilons[e]);
                    feed_f32(data_a, rows * n);
                }
                end_case();
            }
        }
        if (begin_case("row_moments/data%d", kind)) {
            for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
                const int64_t n = lengths[l], rows = 23;
                seed((uint64_t)(kind * 100 + (int)l + 70000));
                fill_rows(kind, data_a, rows, n);
                qcc_f32_row_moments(data_a, rows, n, data_d, data_e);
                feed_f64(data_d, rows);
                feed_f64(data_e, rows);
            }
            end_case();
        }
        if (begin_case("row_affine/data%d", kind)) {
            for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
                const int64_t n = lengths[l], rows = 24;
                seed((uint64_t)(kind * 100 + (int)l + 80000));
                fill_rows(kind, data_a, rows, n);
                for (int64_t i = 0; i < 8; i++) data_b[i] = rnd_normal(1.0f), data_c[i] = draw(kind, i);
                qcc_f32_row_affine(data_a, data_y, rows, n, data_b, data_c, 8);
                feed_f32(data_y, rows * n);
                qcc_f32_row_affine(data_a, data_a, rows, n, data_b, data_c, 3);
                feed_f32(data_a, rows * n);
            }
            end_case();
        }
    }
}

static void test_reduce(void) {
    const int64_t lengths[] = {1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 64, 100, 197, 256, 1000};
    const int64_t inners[] = {1, 2, 3, 16, 33, 300};
    for (int kind_r = 0; kind_r <= QCC_REDUCE_LOG_SUM_EXP; kind_r++) {
        for (int kind = 0; kind < DATA_KINDS; kind++) {
            if (!begin_case("reduce/%d/data%d", kind_r, kind)) continue;
            for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
                for (size_t k = 0; k < sizeof inners / sizeof inners[0]; k++) {
                    const int64_t n = lengths[l], inner = inners[k], outer = 3;
                    seed((uint64_t)(kind_r * 10000 + kind * 100 + (int)l * 7 + (int)k + 90000));
                    fill_rows(kind, data_a, outer * inner, n);
                    qcc_f32_reduce((qcc_reduce_kind)kind_r, data_a, data_y, outer, n, inner);
                    feed_f32(data_y, outer * inner);
                }
            }
            end_case();
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Broadcasting binary ops and comparisons                                    */
/* ------------------------------------------------------------------------ */

/* The layouts: output shape and each operand's strides over it. */
typedef struct {
    int rank;
    int64_t shape[3], a[3], b[3];
} layout;

/* 64 values whose every pair the binary ops see. */
static const float pair_values[64] = {
    0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, 1.0f, -1.0f, 0.5f, -0.5f, 2.0f, -2.0f, 3.0f, -3.0f, 0.25f, -0.25f,
    1e-45f, -1e-45f, 1.17549435e-38f, -1.17549435e-38f, 1.1754942e-38f, 3.4028235e38f, -3.4028235e38f, 1e30f,
    -1e30f, 1e-30f, 7.5f, -7.5f, 1.5f, -1.5f, 0.1f, -0.1f, 100.0f, -100.0f, 16777216.0f, -16777217.0f, 8388609.0f,
    0.33333334f, -0.6666667f, 2.5f, -2.5f, 10.0f, -10.0f, 0.75f, 1.25f, -1.25f, 88.72f, -103.97f, 126.0f, -126.0f,
    127.0f, -149.0f, 4.0f, -4.0f, 0.999999f, 1.000001f, -0.999999f, 65504.0f, 1e-8f, -1e-8f, 6.0f, 5.0f, -5.0f,
    1.7320508f};

static void test_binary(void) {
    const layout layouts[] = {
        {1, {4099, 1, 1}, {1, 0, 0}, {1, 0, 0}},            /* dense (1, 1) */
        {2, {64, 37, 1}, {37, 1, 0}, {0, 1, 0}},            /* row broadcast of b: (1, 1) per row */
        {2, {64, 37, 1}, {37, 1, 0}, {1, 0, 0}},            /* column broadcast of b: (1, 0) */
        {2, {64, 37, 1}, {1, 0, 0}, {37, 1, 0}},            /* (0, 1) */
        {2, {37, 64, 1}, {1, 37, 0}, {64, 1, 0}},           /* a transposed: strided */
        {3, {5, 16, 3}, {48, 3, 1}, {0, 1, 0}},             /* short runs with broadcasts */
        {1, {1, 1, 1}, {0, 0, 0}, {0, 0, 0}},               /* scalar */
    };
    const char *const names[] = {"add", "sub", "mul", "div", "pow", "max", "min", "fmod", "prelu"};
    const int64_t elements = 4099;
    for (int data = 0; data < 3; data++) {
        /* data 0: every pair of 64 special values; 1: random; 2: the elementwise inputs against a shifted copy. */
        seed((uint64_t)(data + 123));
        for (int64_t i = 0; i < elements; i++) {
            if (data == 0) {
                data_a[i] = pair_values[(i / 64) % 64];
                data_b[i] = pair_values[i % 64];
            } else if (data == 1) {
                data_a[i] = rnd_normal(8.0f);
                data_b[i] = (rnd() & 3) ? rnd_normal(2.0f) : rnd_log_uniform(-30, 30);
            }
        }
        if (data == 2) {
            fill_inputs(data_a, input_count() / 3, elements);
            fill_inputs(data_b, input_count() / 2, elements);
        }
        for (int op = 0; op <= QCC_BINARY_PRELU; op++) {
            if (begin_case("binary/%s/data%d", names[op], data)) {
                for (size_t l = 0; l < sizeof layouts / sizeof layouts[0]; l++) {
                    const layout *t = &layouts[l];
                    int64_t n = 1;
                    for (int d = 0; d < t->rank; d++) n *= t->shape[d];
                    qcc_f32_binary((qcc_binary_op)op, data_y, data_a, t->a, data_b, t->b, t->shape, t->rank);
                    feed_f32(data_y, n);
                }
                end_case();
            }
        }
        for (int op = 0; op <= QCC_COMPARE_GE; op++) {
            if (begin_case("compare/%d/data%d", op, data)) {
                static uint8_t flags[8192];
                for (size_t l = 0; l < sizeof layouts / sizeof layouts[0]; l++) {
                    const layout *t = &layouts[l];
                    int64_t n = 1;
                    for (int d = 0; d < t->rank; d++) n *= t->shape[d];
                    qcc_f32_compare((qcc_compare_op)op, flags, data_a, t->a, data_b, t->b, t->shape, t->rank);
                    feed_u8(flags, n);
                }
                end_case();
            }
        }
    }
}

/* Where: elements of 1, 2, 3, 4 and 8 bytes, conditions of any byte value, with every stride pattern. */
static void test_where(void) {
    typedef struct {
        int rank;
        int64_t shape[2], c[2], x[2], y[2];
    } where_layout;
    const where_layout layouts[] = {
        {1, {4099, 1}, {1, 0}, {1, 0}, {1, 0}},     /* dense */
        {2, {64, 37}, {37, 1}, {0, 0}, {37, 1}},    /* x a scalar */
        {2, {64, 37}, {37, 1}, {37, 1}, {0, 0}},    /* y a scalar */
        {2, {64, 37}, {0, 1}, {37, 1}, {1, 0}},     /* condition per column, y per row: strided */
        {2, {37, 64}, {64, 1}, {1, 37}, {64, 1}},   /* x transposed */
    };
    static uint8_t cond[8192], xs[8 * 8192], ys[8 * 8192], out[8 * 8192];
    seed(4242);
    for (int64_t i = 0; i < 8192; i++) {
        const uint64_t r = rnd();
        cond[i] = (r & 3) == 0 ? 0 : (r & 3) == 1 ? 1 : (uint8_t)(r >> 8);
    }
    for (int64_t i = 0; i < 8 * 8192; i++) xs[i] = (uint8_t)rnd(), ys[i] = (uint8_t)rnd();
    const size_t sizes[] = {1, 2, 3, 4, 8};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        if (!begin_case("where/%d", (int)sizes[k])) continue;
        for (size_t l = 0; l < sizeof layouts / sizeof layouts[0]; l++) {
            const where_layout *t = &layouts[l];
            const int64_t n = t->shape[0] * (t->rank > 1 ? t->shape[1] : 1);
            memset(out, 0xA5, sizeof out);
            qcc_where(out, cond, t->c, xs, t->x, ys, t->y, t->shape, t->rank, sizes[k]);
            feed_u8(out, n * (int64_t)sizes[k]);
        }
        end_case();
    }
}

/* ------------------------------------------------------------------------ */
/* Quantize, dequantize, requantize (quant_convert.c)                         */
/* ------------------------------------------------------------------------ */

static void type_range(qcc_qtype t, int64_t *lo, int64_t *hi) {
    switch (t) {
    case QCC_QTYPE_I8: *lo = -128; *hi = 127; break;
    case QCC_QTYPE_U8: *lo = 0; *hi = 255; break;
    case QCC_QTYPE_I16: *lo = -32768; *hi = 32767; break;
    case QCC_QTYPE_U16: *lo = 0; *hi = 65535; break;
    case QCC_QTYPE_I4: *lo = -8; *hi = 7; break;
    case QCC_QTYPE_U4: *lo = 0; *hi = 15; break;
    case QCC_QTYPE_I32: *lo = INT32_MIN; *hi = INT32_MAX; break;
    default: *lo = INT64_MIN; *hi = INT64_MAX; break;
    }
}

/* Bytes of `count` elements of type t. */
static int64_t type_bytes(qcc_qtype t, int64_t count) {
    switch (t) {
    case QCC_QTYPE_I8: case QCC_QTYPE_U8: return count;
    case QCC_QTYPE_I16: case QCC_QTYPE_U16: return 2 * count;
    case QCC_QTYPE_I4: case QCC_QTYPE_U4: return (count + 1) / 2;
    case QCC_QTYPE_I32: return 4 * count;
    default: return 8 * count;
    }
}

/* Element e of `count` random values of type t: every value once (cycling) for types of up to 16 bits, random
 * bits (half of them small) otherwise. */
static void fill_values(qcc_qtype t, void *dst, int64_t count) {
    int64_t lo, hi;
    type_range(t, &lo, &hi);
    for (int64_t e = 0; e < count; e++) {
        int64_t v;
        if (t == QCC_QTYPE_I32 || t == QCC_QTYPE_I64) {
            const uint64_t r = rnd();
            v = (r & 1) ? (int64_t)(r >> 40) - (1 << 23) : (t == QCC_QTYPE_I32 ? (int64_t)(int32_t)(uint32_t)(r >> 8) : (int64_t)r);
            if (e < 8) v = e < 4 ? (e & 1 ? hi : lo) : (e & 1 ? hi - 1 : lo + 1);
        } else {
            v = lo + (e * 7919) % (hi - lo + 1);
        }
        switch (t) {
        case QCC_QTYPE_I8: ((int8_t *)dst)[e] = (int8_t)v; break;
        case QCC_QTYPE_U8: ((uint8_t *)dst)[e] = (uint8_t)v; break;
        case QCC_QTYPE_I16: ((int16_t *)dst)[e] = (int16_t)v; break;
        case QCC_QTYPE_U16: ((uint16_t *)dst)[e] = (uint16_t)v; break;
        case QCC_QTYPE_I4: case QCC_QTYPE_U4: {
            uint8_t *p = (uint8_t *)dst;
            const uint8_t nib = (uint8_t)(v & 15);
            p[e >> 1] = (e & 1) ? (uint8_t)((p[e >> 1] & 0x0F) | (nib << 4)) : (uint8_t)((p[e >> 1] & 0xF0) | nib);
            break;
        }
        case QCC_QTYPE_I32: ((int32_t *)dst)[e] = (int32_t)v; break;
        default: ((int64_t *)dst)[e] = v; break;
        }
    }
}

/* A zero point of type t: 0, the extremes or random. */
static int32_t pick_zero_point(qcc_qtype t, int k) {
    int64_t lo, hi;
    type_range(t, &lo, &hi);
    if (t == QCC_QTYPE_I32 || t == QCC_QTYPE_I64) {
        const int32_t z[] = {0, 0, 17, -123456, INT32_MAX, INT32_MIN};
        return z[k % 6];
    }
    if (k % 4 == 0) return lo < 0 ? 0 : (int32_t)lo;
    if (k % 4 == 1) return (int32_t)hi;
    if (k % 4 == 2) return (int32_t)lo;
    return (int32_t)(lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1)));
}

/* [outer, channels, inner] and group of the conversion layouts. */
typedef struct {
    int64_t outer, channels, inner, group;
} conv_layout;

static const conv_layout conv_layouts[] = {
    {1, 1, 4099, 0},  /* per tensor */
    {3, 7, 301, 0},   /* per channel, inner runs */
    {97, 48, 1, 0},   /* per channel along the last axis (a parameter per element) */
    {5, 600, 1, 0},   /* the same, rows longer than a tile */
    {4, 37, 3, 8},    /* groups of 8 channels */
    {2, 300, 1, 64},  /* groups along the last axis */
};

static int64_t layout_params(const conv_layout *l) {
    return l->group > 0 ? l->outer * ((l->channels + l->group - 1) / l->group) * l->inner : l->channels;
}

static void test_quant(void) {
    static uint8_t qbuf[8 * 8192], qbuf2[8 * 8192];
    static float scales[8192];
    static int32_t zps[8192], mults[8192], shifts[8192], zins[8192], zouts[8192];
    const float scale_set[] = {1.0f, 0.0078125f, 0.1f, 3.7e-5f, 1e-40f, 65504.0f, 1e30f, 0.3333333f};
    const qcc_qtype small_types[] = {QCC_QTYPE_I8, QCC_QTYPE_U8, QCC_QTYPE_I16, QCC_QTYPE_U16, QCC_QTYPE_I4, QCC_QTYPE_U4};
    const int64_t total = input_count();

    /* Quantize: every elementwise input, per tensor, for every type and scale; then each layout. */
    for (size_t t = 0; t < sizeof small_types / sizeof small_types[0]; t++) {
        const qcc_qtype type = small_types[t];
        int64_t lo, hi;
        type_range(type, &lo, &hi);
        if (begin_case("quantize/%d/sweep", (int)type)) {
            for (size_t k = 0; k < sizeof scale_set / sizeof scale_set[0]; k++) {
                seed(700 + k);
                const int32_t z = pick_zero_point(type, (int)k);
                const int32_t qmin = (type == QCC_QTYPE_I8 && k == 3) ? -127 : (int32_t)lo;
                for (int64_t start = (int64_t)k * 3; start < total; start += CHUNK * 16) {
                    const int64_t n = total - start < CHUNK ? total - start : CHUNK;
                    fill_inputs(in_buf, start, n);
                    qcc_quantize_f32(type, qbuf, in_buf, 1, 1, n, 0, &scale_set[k], &z, qmin, (int32_t)hi);
                    feed_u8(qbuf, type_bytes(type, n));
                }
            }
            end_case();
        }
        if (begin_case("quantize/%d/layouts", (int)type)) {
            for (size_t li = 0; li < sizeof conv_layouts / sizeof conv_layouts[0]; li++) {
                const conv_layout *l = &conv_layouts[li];
                const int64_t count = l->outer * l->channels * l->inner, params = layout_params(l);
                seed(800 + li * 10 + t);
                fill_inputs(in_buf, (int64_t)li * 40000, count);
                for (int64_t k = 0; k < params; k++) {
                    scales[k] = scale_set[rnd() % 8] * (1.0f + (float)(rnd() % 64) * 0x1p-6f);
                    zps[k] = pick_zero_point(type, (int)k);
                }
                qcc_quantize_f32(type, qbuf, in_buf, l->outer, l->channels, l->inner, l->group, scales, zps,
                                 (int32_t)lo, (int32_t)hi);
                feed_u8(qbuf, type_bytes(type, count));
            }
            end_case();
        }
    }

    /* Dequantize: every type and layout, zero points 0, extreme and random. */
    const qcc_qtype all_types[] = {QCC_QTYPE_I8, QCC_QTYPE_U8, QCC_QTYPE_I16, QCC_QTYPE_U16, QCC_QTYPE_I4, QCC_QTYPE_U4,
                                   QCC_QTYPE_I32, QCC_QTYPE_I64};
    for (size_t t = 0; t < sizeof all_types / sizeof all_types[0]; t++) {
        const qcc_qtype type = all_types[t];
        if (!begin_case("dequantize/%d", (int)type)) continue;
        for (int zeros = 0; zeros < 2; zeros++) {
            for (size_t li = 0; li < sizeof conv_layouts / sizeof conv_layouts[0]; li++) {
                const conv_layout *l = &conv_layouts[li];
                const int64_t count = l->outer * l->channels * l->inner, params = layout_params(l);
                seed(900 + li * 10 + t + 1000 * (uint64_t)zeros);
                fill_values(type, qbuf, count);
                for (int64_t k = 0; k < params; k++) {
                    scales[k] = scale_set[rnd() % 8] * (1.0f + (float)(rnd() % 64) * 0x1p-6f);
                    zps[k] = zeros ? 0 : pick_zero_point(type, (int)k);
                }
                qcc_dequantize_f32(type, data_y, qbuf, l->outer, l->channels, l->inner, l->group, scales, zps);
                feed_f32(data_y, count);
            }
        }
        /* Every value of the 8- and 16-bit types, per tensor. */
        if (type != QCC_QTYPE_I32 && type != QCC_QTYPE_I64) {
            int64_t lo, hi;
            type_range(type, &lo, &hi);
            const int64_t count = hi - lo + 1;
            static uint8_t every[2 * 65536];
            for (int64_t e = 0; e < count; e++) {
                if (type == QCC_QTYPE_I16 || type == QCC_QTYPE_U16) {
                    const uint16_t v = (uint16_t)(lo + e);
                    memcpy(every + 2 * e, &v, 2);
                } else if (type == QCC_QTYPE_I4 || type == QCC_QTYPE_U4) {
                    const uint8_t nib = (uint8_t)((lo + e) & 15);
                    every[e >> 1] = (e & 1) ? (uint8_t)((every[e >> 1] & 0x0F) | (nib << 4)) : nib;
                } else {
                    every[e] = (uint8_t)(lo + e);
                }
            }
            for (size_t k = 0; k < sizeof scale_set / sizeof scale_set[0]; k++) {
                const int32_t z = pick_zero_point(type, (int)k);
                qcc_dequantize_f32(type, data_y, every, 1, 1, count, 0, &scale_set[k], &z);
                feed_f32(data_y, count);
            }
        }
        end_case();
    }

    /* Requantize: every input type to every output type, per tensor and per channel, zp_in absent or not. */
    const qcc_qtype out_types[] = {QCC_QTYPE_I8, QCC_QTYPE_U8, QCC_QTYPE_I16, QCC_QTYPE_U16};
    const qcc_qtype in_types[] = {QCC_QTYPE_I8, QCC_QTYPE_U8, QCC_QTYPE_I16, QCC_QTYPE_U16, QCC_QTYPE_I32, QCC_QTYPE_I64};
    for (size_t ti = 0; ti < sizeof in_types / sizeof in_types[0]; ti++) {
        for (size_t to = 0; to < sizeof out_types / sizeof out_types[0]; to++) {
            const qcc_qtype in_type = in_types[ti], out_type = out_types[to];
            if (!begin_case("requantize/%d/%d", (int)in_type, (int)out_type)) continue;
            int64_t olo, ohi;
            type_range(out_type, &olo, &ohi);
            for (size_t li = 0; li < sizeof conv_layouts / sizeof conv_layouts[0]; li++) {
                const conv_layout *l = &conv_layouts[li];
                if (l->group > 0) continue;
                const int64_t count = l->outer * l->channels * l->inner;
                for (int variant = 0; variant < 4; variant++) {
                    seed(1100 + li * 10 + ti * 100 + to * 1000 + (uint64_t)variant * 7);
                    fill_values(in_type, qbuf, count);
                    for (int64_t c = 0; c < l->channels; c++) {
                        /* Multipliers as qcc_quant_multiplier makes them: 2^30 <= M < 2^31, or small after s = 62. */
                        const uint64_t r = rnd();
                        mults[c] = (r & 7) ? (int32_t)((1u << 30) | (uint32_t)(r >> 34)) : (int32_t)(r >> 44);
                        shifts[c] = variant == 2 ? 1 + (int32_t)((r >> 8) % 62) : 24 + (int32_t)((r >> 8) % 16);
                        zins[c] = pick_zero_point(in_type, (int)c + variant);
                        /* i32 values whose v - zin can leave int32 (but not 2^31 in magnitude): the 64-bit path. */
                        if (variant == 3 && in_type == QCC_QTYPE_I32) zins[c] = (c & 1) ? 17 : -123456;
                        zouts[c] = pick_zero_point(out_type, (int)c);
                    }
                    memset(qbuf2, 0, sizeof qbuf2);
                    qcc_requantize(in_type, qbuf, out_type, qbuf2, l->outer, l->channels, l->inner,
                                   variant == 0 ? NULL : zins, mults, shifts, zouts, (int32_t)olo, (int32_t)ohi);
                    feed_u8(qbuf2, type_bytes(out_type, count));
                }
            }
            end_case();
        }
    }

    /* Every shift 1..62 on i32 values, per tensor and per element: random values and multipliers, and values
     * next to each rounding tie (v = k 2^s + 2^(s-1) + {-1, 0, 1} with m = 1). */
    if (begin_case("requantize/shifts")) {
        static int32_t values[4096];
        static int16_t out16[4096];
        for (int sh = 1; sh <= 62; sh++) {
            seed(5000 + (uint64_t)sh);
            fill_values(QCC_QTYPE_I32, values, 4096);
            const uint64_t r = rnd();
            const int32_t m = (int32_t)(r & 3) == 0 ? 1 : (int32_t)((1u << 30) | (uint32_t)(r >> 34)), zero = 0;
            qcc_requantize(QCC_QTYPE_I32, values, QCC_QTYPE_I16, out16, 1, 1, 4096, NULL, &m, &sh, &zero, -32768,
                           32767);
            feed_u8((const uint8_t *)out16, 2 * 4096);
            for (int64_t c = 0; c < 4096; c++) {
                const uint64_t q = rnd();
                mults[c] = (q & 3) == 0 ? 1 : (int32_t)((1u << 30) | (uint32_t)(q >> 34));
                shifts[c] = 1 + (int32_t)((q >> 8) % 62);
                zouts[c] = 0;
                if (sh <= 30) {
                    const int64_t k = (int64_t)(q >> 50) % 64 - 32, delta = (int64_t)((q >> 20) % 3) - 1;
                    const int64_t v = k * ((int64_t)1 << sh) + ((int64_t)1 << (sh - 1)) + delta;
                    if (c & 1 && v >= INT32_MIN && v <= INT32_MAX) {
                        values[c] = (int32_t)v;
                        mults[c] = 1;
                        shifts[c] = sh;
                    }
                }
            }
            qcc_requantize(QCC_QTYPE_I32, values, QCC_QTYPE_I16, out16, 1, 4096, 1, NULL, mults, shifts, zouts, -32768,
                           32767);
            feed_u8((const uint8_t *)out16, 2 * 4096);
        }
        end_case();
    }
}

/* ------------------------------------------------------------------------ */

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--stride") == 0 && i + 1 < argc) stride = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--dense-step") == 0 && i + 1 < argc) dense_step = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc) filter = argv[++i];
        else if (strcmp(argv[i], "--dump") == 0 && i + 2 < argc) {
            dump_case = argv[++i];
            dump_file = fopen(argv[++i], "wb");
            if (!dump_file) {
                fprintf(stderr, "float_kernels_test: cannot open %s\n", argv[i]);
                return 2;
            }
        } else {
            fprintf(stderr, "usage: float_kernels_test [--stride S] [--dense-step D] [--filter TEXT] [--dump CASE FILE]\n");
            return 2;
        }
    }
    if (stride == 0 || dense_step == 0) {
        fprintf(stderr, "float_kernels_test: --stride and --dense-step must be positive\n");
        return 2;
    }
    make_specials();
    data_a = malloc(MAX_ELEMS * sizeof(float));
    data_b = malloc(MAX_ELEMS * sizeof(float));
    data_c = malloc(MAX_ELEMS * sizeof(float));
    data_y = malloc(MAX_ELEMS * sizeof(float));
    data_d = malloc(4096 * sizeof(double));
    data_e = malloc(4096 * sizeof(double));
    if (!data_a || !data_b || !data_c || !data_y || !data_d || !data_e) return 2;
    printf("inputs %lld (specials %lld, every %u-th bit pattern, every %u-th float of [2^-6, 2^7))\n",
           (long long)input_count(), (long long)special_count, stride, dense_step);
    test_unary();
    test_softmax();
    test_norms();
    test_reduce();
    test_binary();
    test_where();
    test_quant();
    if (dump_file) fclose(dump_file);
    return failures ? 1 : 0;
}
