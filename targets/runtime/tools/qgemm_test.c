/*
 * qgemm_test: the integer GEMM's SIMD paths (quant_gemm_vnni.c,
 * quant_gemm_avx2.c, quant_gemm_neon.c) against a naive reference, and their
 * speed.
 *
 *   qgemm_test [N]        fixed extreme cases (every fill below for a and b,
 *                         i8/u8, around the tile and block edges) and N
 *                         (default 600) random ones: M, N, K in 1..300, row
 *                         strides beyond the row length, batches with
 *                         broadcast (stride 0) operands, scalar / per-row /
 *                         per-column zero points (some beyond the type range,
 *                         for the wrapping arithmetic), bias or none. Each
 *                         output element is checked against a triple loop in
 *                         int64 wrapped to int32 (not the runtime's code), the
 *                         padding of c against writes; the path each case
 *                         takes (qcc_qgemm_path) against the expected one:
 *                         full-range b (-128 / 127 / alternating extremes)
 *                         must take s16 on AVX2, |b'| <= 64 and pairs at the
 *                         bound |b'0| + |b'1| = 128 must take u8s8, a pair of
 *                         129 must not; on a CPU with AVX512-VNNI (AVX-VNNI)
 *                         every 8-bit case must take that path instead. Then
 *                         N / 2 one-row products (N and K up to 1100, some
 *                         rows 64-byte multiples apart), which must take the
 *                         gemv kernels on x86 (qcc_qgemm_takes_gemv; AVX2:
 *                         the s16 set's, without scanning b). The
 *                         whole set runs once per x86 kernel family the CPU
 *                         has: AVX512-VNNI, AVX-VNNI (qcc_qgemm_set_vnni(256))
 *                         and the AVX2 paths (qcc_qgemm_set_vnni(0)). Prints
 *                         "qgemm_test: N cases ok", exit 1 on any mismatch.
 *   qgemm_test --bench [--portable]
 *                         GOP/s (2 M N K / time, median of 7 timings, 1
 *                         thread) of the models' shapes with |b| <= 64 (u8s8
 *                         on AVX2) and full-range b (s16), as % of the
 *                         182.6 GOP/s of hw-limits.md and of the same
 *                         instructions' peak measured at start (both with
 *                         VNNI off), then full-range b on AVX512-VNNI and
 *                         AVX-VNNI when the CPU has them; --portable adds
 *                         the portable loops (qcc_qgemm_set_simd(0)).
 *
 * Build and run: the lines below, from the repository root.
 */
// Native, VNNI / AVX2 picked at run time (function target attributes + __builtin_cpu_supports):
//   cc -std=c99 -O2 -Wall -Wextra -Werror -Itargets/runtime/include targets/runtime/*.c targets/runtime/tools/qgemm_test.c -lm -o /tmp/qgemm_test
//   /tmp/qgemm_test && /tmp/qgemm_test --bench
// AVX2 chosen at compile time (VNNI still at run time), as generated code for x86-avx2 builds it:
//   cc -std=c99 -O2 -Wall -Wextra -Werror -DQCC_NO_TARGET_CLONES -mavx2 -mfma -Itargets/runtime/include targets/runtime/*.c targets/runtime/tools/qgemm_test.c -lm -o /tmp/qgemm_test.avx2
// (-DQCC_NO_TARGET_CLONES alone: VNNI at run time, else the portable path, as the `c` target.)
// AArch64 under qemu-user (NEON smull path; sdot with +dotprod):
//   aarch64-linux-gnu-gcc -std=c99 -O2 -static -march=armv8-a -Wall -Wextra -Werror -Itargets/runtime/include targets/runtime/*.c targets/runtime/tools/qgemm_test.c -lm -o /tmp/qgemm_test.a64
//   qemu-aarch64 /tmp/qgemm_test.a64 && qemu-aarch64 -cpu cortex-a53 /tmp/qgemm_test.a64
//   aarch64-linux-gnu-gcc -std=c99 -O2 -static -march=armv8.2-a+dotprod -Wall -Wextra -Werror -Itargets/runtime/include targets/runtime/*.c targets/runtime/tools/qgemm_test.c -lm -o /tmp/qgemm_test.dot
//   qemu-aarch64 /tmp/qgemm_test.dot
#define _POSIX_C_SOURCE 199309L
#include "../quant_gemm_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Keep the reference scalar: a vectorised reference would use the instructions under test. */
#if defined(__GNUC__) && !defined(__clang__)
#define SCALAR __attribute__((optimize("no-tree-vectorize"), noinline))
#elif defined(__clang__)
#define SCALAR __attribute__((noinline))
#else
#define SCALAR
#endif

/* ------------------------------------------------------------------------ */
/* Random numbers (xorshift64*)                                             */
/* ------------------------------------------------------------------------ */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

/* Uniform in lo..hi. */
static int64_t rnd_in(int64_t lo, int64_t hi) { return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1)); }

/* ------------------------------------------------------------------------ */
/* The reference                                                            */
/* ------------------------------------------------------------------------ */

/* Element (r, c) of an 8-bit operand. */
static int64_t elem(const qcc_qmatrix *x, int64_t r, int64_t c) {
    const int64_t i = r * x->ld + c;
    return x->type == QCC_QTYPE_I8 ? ((const int8_t *)x->data)[i] : ((const uint8_t *)x->data)[i];
}

static int64_t zp(const qcc_qmatrix *x, int64_t r, int64_t c) {
    if (!x->zero_point) return 0;
    switch (x->zp_layout) {
    case QCC_ZP_PER_ROW: return x->zero_point[r];
    case QCC_ZP_PER_COL: return x->zero_point[c];
    default: return x->zero_point[0];
    }
}

/* c[i, j] = bias[j] + sum_t (a - za)(b - zb) in int64, wrapped to int32. */
static SCALAR void reference(int64_t m, int64_t n, int64_t k, const qcc_qmatrix *a, const qcc_qmatrix *b,
                             const int32_t *bias, int32_t *c, int64_t ldc) {
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            int64_t s = bias ? bias[j] : 0;
            for (int64_t t = 0; t < k; t++) s += (elem(a, i, t) - zp(a, i, t)) * (elem(b, t, j) - zp(b, t, j));
            c[i * ldc + j] = (int32_t)(uint32_t)(uint64_t)s;
        }
}

/* ------------------------------------------------------------------------ */
/* Test data                                                                */
/* ------------------------------------------------------------------------ */

enum {
    FILL_RANDOM,      /* the whole type range */
    FILL_MIN,         /* -128 (i8) / 0 (u8) everywhere */
    FILL_MAX,         /* 127 / 255 everywhere */
    FILL_ALTERNATE,   /* min, max, min, ... along rows and columns (checkerboard) */
    FILL_EXTREMES,    /* a random mix of min and max */
    FILL_SMALL,       /* |b'| <= 64 (the u8s8 path) */
    FILL_PAIR_EDGE,   /* |b'0| + |b'1| = 128 exactly in pairs of rows (still u8s8) */
    FILL_PAIR_OVER,   /* small, with one pair summing to 129 (must take s16) */
    FILL_KINDS
};

static const char *fill_name[FILL_KINDS] = {"random", "min", "max", "alternate", "extremes", "small", "pair-edge",
                                            "pair-over"};

/* Fills a rows x cols operand of type t (row stride ld) with `kind`; b' = b - 128 for u8 in the small kinds. */
static void fill(uint8_t *p, qcc_qtype t, int64_t rows, int64_t cols, int64_t ld, int kind) {
    const int u8 = t == QCC_QTYPE_U8;
    const int lo = u8 ? 0 : -128, hi = u8 ? 255 : 127, mid = u8 ? 128 : 0;
    int over_r = rows >= 2 ? (int)rnd_in(0, rows - 2) & ~1 : 0, over_c = (int)rnd_in(0, cols - 1);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++) {
            int v;
            switch (kind) {
            case FILL_MIN: v = lo; break;
            case FILL_MAX: v = hi; break;
            case FILL_ALTERNATE: v = (r + c) & 1 ? hi : lo; break;
            case FILL_EXTREMES: v = rnd() & 1 ? hi : lo; break;
            case FILL_SMALL: v = mid + (int)rnd_in(-64, 64); break;
            case FILL_PAIR_EDGE: {
                /* The pair (2s, 2s+1) of column c: b' = +-x and +-(128 - x), so |b'0| + |b'1| = 128 (-128 alone). */
                const int x = (int)((c * 37 + (r / 2) * 11) % 129);
                int d = r % 2 == 0 ? x : 128 - x;
                if (d == 128 || (rnd() & 1)) d = -d;
                v = mid + d;
                break;
            }
            case FILL_PAIR_OVER:
                v = mid + (int)rnd_in(-20, 20);
                if (c == over_c && r == over_r) v = mid + 65;
                if (c == over_c && r == over_r + 1) v = mid - 64;
                break;
            default: v = (int)rnd_in(lo, hi); break;
            }
            if (v < lo) v = lo;
            if (v > hi) v = hi;
            p[r * ld + c] = (uint8_t)v;
        }
    /* Stride padding: garbage that must not be read as data. */
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = cols; c < ld; c++) p[r * ld + c] = (uint8_t)rnd();
}

/* ------------------------------------------------------------------------ */
/* One case                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct {
    int64_t m, n, k;
    qcc_qtype at, bt;
    int a_kind, b_kind;
    int za_mode; /* 0 NULL, 1 scalar, 2 per row */
    int zb_mode; /* 0 NULL, 1 scalar, 2 per column */
    int wide_zp; /* zero points beyond the type range (wrapping arithmetic) */
    int bias;
    int64_t lda_pad, ldb_pad, ldc_pad;
    int batch;   /* 0: one product; 1: batch of 3 with b broadcast; 2: a broadcast; 3: [2, 2] with both */
} gemm_case;

static int paths_seen[8], gemv_seen;
/* The VNNI width this pass allows (qcc_qgemm_set_vnni). */
static int vnni_pass = 512;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
/* The CPU's VNNI, found here independently of the runtime: 512 (AVX512-VNNI), 256 (AVX-VNNI). */
static int cpu_vnni(int bits) {
    __builtin_cpu_init();
    if (bits == 512)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
    unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__builtin_cpu_supports("avx2") || __get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    (void)ebx;
    (void)ecx;
    (void)edx;
    return (int)((eax >> 4) & 1);
}
#else
static int cpu_vnni(int bits) {
    (void)bits;
    return 0;
}
#endif
static long failures;
static long cases;

static int32_t zp_value(qcc_qtype t, int wide) {
    if (wide && (rnd() & 1)) return (int32_t)rnd_in(-70000, 70000);
    return t == QCC_QTYPE_U8 ? (int32_t)rnd_in(0, 255) : (int32_t)rnd_in(-128, 127);
}

/* Expected path, or -1 when it depends on the data in a way the test does not predict. */
static int expected_path(const gemm_case *g) {
#if QCC_QGEMM_VNNI
    if (vnni_pass >= 512 && cpu_vnni(512)) return QCC_QGEMM_PATH_AVX512_VNNI;
    if (vnni_pass >= 256 && cpu_vnni(256)) return QCC_QGEMM_PATH_AVX_VNNI;
#endif
#if QCC_QGEMM_AVX2
#if QCC_QGEMM_AVX2_RUNTIME_CHECK
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2")) return QCC_QGEMM_PATH_PORTABLE;
#endif
    /* One row: the s16 gemv, exact for any operands, without scanning b. */
    if (g->m == 1) return QCC_QGEMM_PATH_AVX2_S16;
    /* K = 1: each pair holds one value, |b'| <= 128 always: u8s8. */
    if (g->k == 1) return QCC_QGEMM_PATH_AVX2_U8S8;
    switch (g->b_kind) {
    case FILL_SMALL: case FILL_PAIR_EDGE: return QCC_QGEMM_PATH_AVX2_U8S8;
    case FILL_PAIR_OVER: return g->k >= 2 ? QCC_QGEMM_PATH_AVX2_S16 : QCC_QGEMM_PATH_AVX2_U8S8;
    case FILL_MIN: case FILL_MAX: case FILL_ALTERNATE: case FILL_EXTREMES: return QCC_QGEMM_PATH_AVX2_S16;
    default: return -1; /* random: s16 unless tiny */
    }
#elif QCC_QGEMM_NEON
    (void)g;
#if defined(__ARM_FEATURE_DOTPROD)
    return QCC_QGEMM_PATH_NEON_SDOT;
#else
    return QCC_QGEMM_PATH_NEON_SMULL;
#endif
#else
    (void)g;
    return QCC_QGEMM_PATH_PORTABLE;
#endif
}

/* Whether the kernels of this path have a gemv. */
static int expected_gemv(int path) {
    return path == QCC_QGEMM_PATH_AVX512_VNNI || path == QCC_QGEMM_PATH_AVX_VNNI || path == QCC_QGEMM_PATH_AVX2_S16;
}

static void run_case(const gemm_case *g) {
    const int64_t m = g->m, n = g->n, k = g->k;
    const int64_t lda = k + g->lda_pad, ldb = n + g->ldb_pad, ldc = n + g->ldc_pad;
    /* Batches: shape, strides (elements) of a, b, c. */
    int rank = 0;
    int64_t shape[2] = {1, 1}, sa[2] = {0, 0}, sb[2] = {0, 0}, sc[2] = {0, 0};
    const int64_t asize = m * lda, bsize = k * ldb, csize = m * ldc;
    int64_t na = 1, nb = 1, ncount = 1;
    switch (g->batch) {
    case 1: rank = 1; shape[0] = 3; sa[0] = asize; sb[0] = 0; sc[0] = csize; na = 3; ncount = 3; break;
    case 2: rank = 1; shape[0] = 3; sa[0] = 0; sb[0] = bsize; sc[0] = csize; nb = 3; ncount = 3; break;
    case 3:
        rank = 2; shape[0] = 2; shape[1] = 2;
        sa[0] = asize; sa[1] = 0; sb[0] = 0; sb[1] = bsize; sc[0] = 2 * csize; sc[1] = csize;
        na = 2; nb = 2; ncount = 4;
        break;
    default: break;
    }
    uint8_t *a = (uint8_t *)malloc((size_t)(na * asize));
    uint8_t *b = (uint8_t *)malloc((size_t)(nb * bsize));
    int32_t *c = (int32_t *)malloc((size_t)(ncount * csize) * sizeof(int32_t));
    int32_t *want = (int32_t *)malloc((size_t)(ncount * csize) * sizeof(int32_t));
    int32_t *za = (int32_t *)malloc((size_t)m * sizeof(int32_t)), *zb = (int32_t *)malloc((size_t)n * sizeof(int32_t));
    int32_t *bias = (int32_t *)malloc((size_t)n * sizeof(int32_t));
    if (!a || !b || !c || !want || !za || !zb || !bias) {
        fprintf(stderr, "qgemm_test: out of memory\n");
        exit(2);
    }
    for (int64_t p = 0; p < na; p++) fill(a + p * asize, g->at, m, k, lda, g->a_kind);
    for (int64_t p = 0; p < nb; p++) fill(b + p * bsize, g->bt, k, n, ldb, g->b_kind);
    for (int64_t i = 0; i < m; i++) za[i] = zp_value(g->at, g->wide_zp);
    for (int64_t j = 0; j < n; j++) zb[j] = zp_value(g->bt, g->wide_zp);
    for (int64_t j = 0; j < n; j++) bias[j] = (int32_t)(uint32_t)rnd();
    const qcc_qmatrix qa = {g->at, a, lda, g->za_mode ? za : NULL, g->za_mode == 2 ? QCC_ZP_PER_ROW : QCC_ZP_SCALAR, 0};
    const qcc_qmatrix qb = {g->bt, b, ldb, g->zb_mode ? zb : NULL, g->zb_mode == 2 ? QCC_ZP_PER_COL : QCC_ZP_SCALAR, 0};
    const int32_t *bp = g->bias ? bias : NULL;
    /* A canary everywhere: the row padding of c must stay untouched. */
    for (int64_t i = 0; i < ncount * csize; i++) c[i] = want[i] = (int32_t)0x5A5A5A5A;

    /* The path each product takes (b differs per batch only in data of the same kind). */
    const int path = qcc_qgemm_path(m, n, k, &qa, &qb), expect = expected_path(g);
    paths_seen[path]++;
    /* One row takes the gemv kernel wherever the path's kernel set has one (every x86 path here). */
    const int gemv = qcc_qgemm_takes_gemv(m, n, k, &qa, &qb), want_gemv = m == 1 && expected_gemv(path);
    gemv_seen += gemv;
    if (gemv != want_gemv) {
        fprintf(stderr, "FAIL gemv: %lldx%lldx%lld path %d: gemv %d, expected %d\n", (long long)m, (long long)n,
                (long long)k, path, gemv, want_gemv);
        failures++;
    }
    if (expect >= 0 && path != expect) {
        fprintf(stderr, "FAIL path: %lldx%lldx%lld a %s b %s: path %d, expected %d\n", (long long)m, (long long)n,
                (long long)k, fill_name[g->a_kind], fill_name[g->b_kind], path, expect);
        failures++;
    }

    if (rank == 0)
        qcc_qgemm_i32(m, n, k, &qa, &qb, bp, c, ldc);
    else
        qcc_qgemm_batched_i32(m, n, k, &qa, &qb, bp, c, ldc, rank, shape, sa, sb, sc);
    int64_t idx[2] = {0, 0};
    for (int64_t p = 0; p < ncount; p++) {
        idx[0] = rank == 2 ? p / 2 : p;
        idx[1] = rank == 2 ? p % 2 : 0;
        qcc_qmatrix pa = qa, pb = qb;
        pa.data = a + idx[0] * sa[0] + idx[1] * sa[1];
        pb.data = b + idx[0] * sb[0] + idx[1] * sb[1];
        reference(m, n, k, &pa, &pb, bp, want + idx[0] * sc[0] + idx[1] * sc[1], ldc);
    }
    int64_t bad = 0, first = -1;
    for (int64_t i = 0; i < ncount * csize; i++)
        if (c[i] != want[i]) {
            if (first < 0) first = i;
            bad++;
        }
    if (bad) {
        fprintf(stderr,
                "FAIL %lldx%lldx%lld (lda+%lld ldb+%lld ldc+%lld) a %s %s za%d, b %s %s zb%d%s bias %d batch %d path "
                "%d: %lld wrong, first at %lld: %d, expected %d\n",
                (long long)m, (long long)n, (long long)k, (long long)g->lda_pad, (long long)g->ldb_pad,
                (long long)g->ldc_pad, g->at == QCC_QTYPE_U8 ? "u8" : "i8", fill_name[g->a_kind], g->za_mode,
                g->bt == QCC_QTYPE_U8 ? "u8" : "i8", fill_name[g->b_kind], g->zb_mode, g->wide_zp ? " wide" : "",
                g->bias, g->batch, path, (long long)bad, (long long)first, c[first], want[first]);
        failures++;
    }
    cases++;
    free(a);
    free(b);
    free(c);
    free(want);
    free(za);
    free(zb);
    free(bias);
}

/* A random size, favouring the edges of the tiles and blocks. */
static int64_t rnd_dim(void) {
    static const int64_t edges[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255,
                                    256, 257, 258, 259, 260, 300};
    if (rnd() % 3 == 0) return edges[rnd() % (sizeof edges / sizeof edges[0])];
    return rnd_in(1, 300);
}

static void random_case(gemm_case *g) {
    memset(g, 0, sizeof *g);
    g->m = rnd_dim();
    g->n = rnd_dim();
    g->k = rnd_dim();
    g->at = rnd() % 3 == 0 ? QCC_QTYPE_U8 : QCC_QTYPE_I8;
    g->bt = rnd() % 4 == 0 ? QCC_QTYPE_U8 : QCC_QTYPE_I8;
    g->a_kind = rnd() % 2 ? FILL_RANDOM : (int)(rnd() % FILL_KINDS);
    g->b_kind = (int)(rnd() % FILL_KINDS);
    g->za_mode = (int)(rnd() % 3);
    g->zb_mode = (int)(rnd() % 3);
    g->wide_zp = rnd() % 8 == 0;
    g->bias = (int)(rnd() % 2);
    g->lda_pad = rnd() % 2 ? 0 : rnd_in(1, 40);
    g->ldb_pad = rnd() % 2 ? 0 : rnd_in(1, 40);
    g->ldc_pad = rnd() % 2 ? 0 : rnd_in(1, 40);
    g->batch = rnd() % 5 == 0 ? (int)rnd_in(1, 3) : 0;
}

/* ------------------------------------------------------------------------ */
/* Saturation: the extreme data would break an unguarded vpmaddubsw        */
/* ------------------------------------------------------------------------ */

/* vpmaddubsw's int16 pair sum, saturating. */
static int32_t sat16(int32_t v) { return v > 32767 ? 32767 : v < -32768 ? -32768 : v; }

/*
 * A scalar model of vpmaddubsw on one pair (u0, u1 unsigned, s0, s1
 * signed): 1 when the saturated pair sum differs from the exact one. It shows
 * that the extreme cases above would catch an unguarded u8s8 kernel (a' = 255
 * with b' = -128, -128 gives -65280, saturated to -32768), and that no pair
 * within the bound |s0| + |s1| <= 128 saturates for any u0, u1 in 0..255.
 */
static int saturates(int u0, int u1, int s0, int s1) {
    const int32_t exact = u0 * s0 + u1 * s1;
    return sat16(exact) != exact;
}

static int saturation_demo(void) {
    const int full_min = saturates(255, 255, -128, -128), full_max = saturates(255, 255, 127, 127);
    long within = 0, bad = 0;
    for (int s0 = -128; s0 <= 127; s0++)
        for (int s1 = -128; s1 <= 127; s1++) {
            if ((s0 < 0 ? -s0 : s0) + (s1 < 0 ? -s1 : s1) > 128) continue;
            within++;
            /* The extremes of u0 * s0 + u1 * s1 over u in 0..255 are at u = 0 or 255. */
            bad += saturates(s0 < 0 ? 255 : 0, s1 < 0 ? 255 : 0, s0, s1) +
                   saturates(s0 > 0 ? 255 : 0, s1 > 0 ? 255 : 0, s0, s1);
        }
    printf("qgemm_test: vpmaddubsw model: a' = 255 with b' = (-128, -128) saturates: %s, with (127, 127): %s; "
           "%ld pairs within |b'0| + |b'1| <= 128: %ld saturate\n",
           full_min ? "yes" : "no", full_max ? "yes" : "no", within, bad);
    return full_min && full_max && bad == 0;
}

/* ------------------------------------------------------------------------ */
/* Benchmark                                                                */
/* ------------------------------------------------------------------------ */

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *x, const void *y) {
    const double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

#define PEAK_GOPS 182.6

/* Median GOP/s of `reps` timed runs of one product (batch copies of it for attention). */
static double bench_one(int64_t m, int64_t n, int64_t k, int64_t batch, int b_kind, int zb_nonzero, int simd,
                        int *path_out) {
    const int64_t lda = k, ldb = n, ldc = n;
    uint8_t *a = (uint8_t *)malloc((size_t)(batch * m * lda));
    uint8_t *b = (uint8_t *)malloc((size_t)(batch * k * ldb));
    int32_t *c = (int32_t *)malloc((size_t)(batch * m * ldc) * sizeof(int32_t));
    int32_t *bias = (int32_t *)malloc((size_t)n * sizeof(int32_t));
    if (!a || !b || !c || !bias) exit(2);
    fill(a, QCC_QTYPE_I8, batch * m, k, lda, FILL_RANDOM);
    fill(b, QCC_QTYPE_I8, batch * k, n, ldb, b_kind);
    for (int64_t j = 0; j < n; j++) bias[j] = (int32_t)rnd_in(-100000, 100000);
    const int32_t za = -7, zb = zb_nonzero ? 5 : 0;
    const qcc_qmatrix qa = {QCC_QTYPE_I8, a, lda, &za, QCC_ZP_SCALAR, 0};
    const qcc_qmatrix qb = {QCC_QTYPE_I8, b, ldb, &zb, QCC_ZP_SCALAR, 0};
    const int64_t shape[1] = {batch}, sa[1] = {m * lda}, sb[1] = {k * ldb}, sc[1] = {m * ldc};
    qcc_qgemm_set_simd(simd);
    *path_out = qcc_qgemm_path(m, n, k, &qa, &qb);
    const double ops = 2.0 * (double)(m * n * k * batch);
    /* Enough repetitions for ~20 ms per timing. */
    int inner = 1;
    double times[9];
    for (;;) {
        const double t0 = now();
        for (int r = 0; r < inner; r++)
            qcc_qgemm_batched_i32(m, n, k, &qa, &qb, zb_nonzero ? NULL : bias, c, ldc, 1, shape, sa, sb, sc);
        const double dt = now() - t0;
        if (dt > 0.02 || inner > (1 << 20)) break;
        inner *= 2;
    }
    const int reps = 7;
    for (int rep = 0; rep < reps; rep++) {
        const double t0 = now();
        for (int r = 0; r < inner; r++)
            qcc_qgemm_batched_i32(m, n, k, &qa, &qb, zb_nonzero ? NULL : bias, c, ldc, 1, shape, sa, sb, sc);
        times[rep] = (now() - t0) / inner;
    }
    qsort(times, (size_t)reps, sizeof times[0], cmp_double);
    qcc_qgemm_set_simd(1);
    free(a);
    free(b);
    free(c);
    free(bias);
    return ops / times[reps / 2] * 1e-9;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define PEAK_TARGET __attribute__((target("avx2"), noinline))

/*
 * This machine's int8 peaks now (the clock of a shared VM moves): registers
 * only, 8 independent accumulators, 1 thread. u8s8: vpmaddubsw + vpmaddwd + vpaddd
 * (as hw-limits.md measures its 182.6 GOP/s); s16: vpmaddwd + vpaddd.
 */
/* The loops in assembly, so that no compiler decision moves the figure. */
#define PEAK_CLOBBERS                                                                                                  \
    "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",          \
        "xmm13", "xmm14", "xmm15", "cc"
#define U8S8_STEP(b, t, acc)                                                                                           \
    "vpmaddubsw %%ymm" #b ", %%ymm15, %%ymm" #t "\n\t"                                                                 \
    "vpmaddwd %%ymm14, %%ymm" #t ", %%ymm" #t "\n\t"                                                                   \
    "vpaddd %%ymm" #t ", %%ymm" #acc ", %%ymm" #acc "\n\t"
#define S16_STEP(b, t, acc)                                                                                            \
    "vpmaddwd %%ymm" #b ", %%ymm15, %%ymm" #t "\n\t"                                                                   \
    "vpaddd %%ymm" #t ", %%ymm" #acc ", %%ymm" #acc "\n\t"

static PEAK_TARGET double peak_u8s8(long iters) {
    long n = iters;
    const double t0 = now();
    __asm__ volatile("vpxor %%xmm15, %%xmm15, %%xmm15\n\t"
                     "vpcmpeqd %%ymm14, %%ymm14, %%ymm14\n\t"
                     "1:\n\t" U8S8_STEP(8, 0, 1) U8S8_STEP(9, 2, 3) U8S8_STEP(10, 4, 5) U8S8_STEP(11, 6, 7)
                         U8S8_STEP(8, 0, 1) U8S8_STEP(9, 2, 3) U8S8_STEP(10, 4, 5) U8S8_STEP(11, 6, 7)
                     "dec %0\n\t"
                     "jnz 1b\n\t"
                     : "+r"(n)
                     :
                     : PEAK_CLOBBERS);
    return (double)iters * 8 * 32 * 2 / (now() - t0) * 1e-9;
}

#define VNNI_STEP(b, acc) "vpdpbusd %%zmm" #b ", %%zmm15, %%zmm" #acc "\n\t"

/* vpdpbusd zmm: 64 multiply-adds per instruction, 10 independent accumulators (latency 4-5). */
static __attribute__((target("avx512f,avx512vnni"), noinline)) double peak_vnni(long iters) {
    long n = iters;
    const double t0 = now();
    __asm__ volatile("vpxord %%zmm15, %%zmm15, %%zmm15\n\t"
                     "1:\n\t" VNNI_STEP(12, 0) VNNI_STEP(13, 1) VNNI_STEP(12, 2) VNNI_STEP(13, 3) VNNI_STEP(12, 4)
                         VNNI_STEP(13, 5) VNNI_STEP(12, 6) VNNI_STEP(13, 7) VNNI_STEP(12, 8) VNNI_STEP(13, 9)
                     "dec %0\n\t"
                     "jnz 1b\n\t"
                     : "+r"(n)
                     :
                     : PEAK_CLOBBERS);
    return (double)iters * 10 * 64 * 2 / (now() - t0) * 1e-9;
}

static PEAK_TARGET double peak_s16(long iters) {
    long n = iters;
    const double t0 = now();
    __asm__ volatile("vpxor %%xmm15, %%xmm15, %%xmm15\n\t"
                     "1:\n\t" S16_STEP(8, 0, 1) S16_STEP(9, 2, 3) S16_STEP(10, 4, 5) S16_STEP(11, 6, 7)
                         S16_STEP(8, 0, 1) S16_STEP(9, 2, 3) S16_STEP(10, 4, 5) S16_STEP(11, 6, 7)
                     "dec %0\n\t"
                     "jnz 1b\n\t"
                     : "+r"(n)
                     :
                     : PEAK_CLOBBERS);
    return (double)iters * 8 * 16 * 2 / (now() - t0) * 1e-9;
}

/* The peaks now (median of `reps` runs of `iters` iterations); 0 without AVX2 (vnni: without AVX512-VNNI). */
static void measure_peaks(int reps, long iters, double *u8s8, double *s16, double *vnni) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2")) return;
    const int has_vnni = cpu_vnni(512);
    double u[9], w[9], v[9];
    for (int r = 0; r < reps && r < 9; r++) {
        u[r] = peak_u8s8(iters);
        w[r] = peak_s16(iters);
        v[r] = has_vnni ? peak_vnni(iters) : 0;
    }
    qsort(u, (size_t)reps, sizeof u[0], cmp_double);
    qsort(w, (size_t)reps, sizeof w[0], cmp_double);
    qsort(v, (size_t)reps, sizeof v[0], cmp_double);
    *u8s8 = u[reps / 2];
    *s16 = w[reps / 2];
    *vnni = v[reps / 2];
}

static void print_peaks(double *u8s8, double *s16, double *vnni) {
    measure_peaks(5, 20000000, u8s8, s16, vnni);
    if (*u8s8 > 0)
        printf("peak at start (registers only, median of 5): u8s8 %.1f GOP/s, s16 %.1f GOP/s, vnni-zmm %.1f GOP/s "
               "(hw-limits.md: 182.6, 150.7 at ~3.0 GHz); %%now = %% of the same instructions' peak now\n",
               *u8s8, *s16, *vnni);
}
#else
static void measure_peaks(int reps, long iters, double *u8s8, double *s16, double *vnni) {
    (void)reps;
    (void)iters;
    (void)u8s8;
    (void)s16;
    (void)vnni;
}
static void print_peaks(double *u8s8, double *s16, double *vnni) {
    (void)u8s8;
    (void)s16;
    (void)vnni;
}
#endif

static const char *path_name(int p) {
    switch (p) {
    case QCC_QGEMM_PATH_AVX2_U8S8: return "avx2-u8s8";
    case QCC_QGEMM_PATH_AVX2_S16: return "avx2-s16";
    case QCC_QGEMM_PATH_NEON_SDOT: return "neon-sdot";
    case QCC_QGEMM_PATH_NEON_SMULL: return "neon-smull";
    case QCC_QGEMM_PATH_AVX512_VNNI: return "avx512-vnni";
    case QCC_QGEMM_PATH_AVX_VNNI: return "avx-vnni";
    default: return "portable";
    }
}

/*
 * The table: each shape with 7-bit weights (|b| <= 64: the u8s8 path on
 * AVX2) and with full-range ones (the s16 path); GOP/s, % of hw-limits.md's
 * u8s8 peak (182.6) and % of the same instructions' peak measured now.
 */
static void bench(int with_portable) {
    double pk_u8s8 = 0, pk_s16 = 0, pk_vnni = 0;
    print_peaks(&pk_u8s8, &pk_s16, &pk_vnni);
    const int v512 = cpu_vnni(512), v256 = cpu_vnni(256);
    /* M x K x N (batch): the shared models' products. */
    static const int64_t shapes[][4] = {
        {197, 192, 192, 1}, {197, 192, 576, 1}, {197, 192, 768, 1},  {197, 768, 192, 1}, {197, 384, 384, 1},
        {197, 384, 1536, 1}, {197, 1536, 384, 1}, {197, 768, 768, 1}, {197, 768, 1536, 1}, {197, 64, 197, 3},
        {197, 197, 64, 3},   {32, 384, 384, 1},   {32, 384, 1536, 1}, {32, 1536, 384, 1}, {48, 192, 576, 1},
        {64, 384, 1536, 1},  {128, 768, 768, 1},  {1, 192, 1000, 1}, {1, 768, 768, 1},   {4, 768, 768, 1},
        {8, 768, 768, 1},   {16, 768, 768, 1},
    };
    printf("%-13s %5s | %-9s %6s %6s %5s | %-9s %6s %6s %5s", "M x K x N", "batch", "|b|<=64", "GOP/s", "%182.6", "%now",
           "full b", "GOP/s", "%182.6", "%now");
    if (v512) printf(" | %-11s %6s %5s", "full b", "GOP/s", "%now");
    if (v256) printf(" | %-9s %6s", "full b", "GOP/s");
    if (with_portable) printf(" | %-8s %6s", "portable", "GOP/s");
    printf("\n");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int64_t m = shapes[s][0], k = shapes[s][1], n = shapes[s][2], batch = shapes[s][3];
        /* Attention: both operands activations with zero points (b's nonzero); weights: zb = 0. */
        const int zbnz = batch > 1;
        int p1, p2, p3, p4 = 0, p5 = 0;
        /* The AVX2 paths (VNNI off), then the VNNI ones. */
        qcc_qgemm_set_vnni(0);
        const double small = bench_one(m, n, k, batch, FILL_SMALL, zbnz, 1, &p1);
        const double full = bench_one(m, n, k, batch, FILL_RANDOM, zbnz, 1, &p2);
        qcc_qgemm_set_vnni(512);
        const double vz = v512 ? bench_one(m, n, k, batch, FILL_RANDOM, zbnz, 1, &p4) : 0;
        qcc_qgemm_set_vnni(256);
        const double vy = v256 ? bench_one(m, n, k, batch, FILL_RANDOM, zbnz, 1, &p5) : 0;
        qcc_qgemm_set_vnni(512);
        const double now1 = p1 == QCC_QGEMM_PATH_AVX2_U8S8 ? pk_u8s8 : p1 == QCC_QGEMM_PATH_AVX2_S16 ? pk_s16 : 0;
        const double now2 = p2 == QCC_QGEMM_PATH_AVX2_U8S8 ? pk_u8s8 : p2 == QCC_QGEMM_PATH_AVX2_S16 ? pk_s16 : 0;
        char label[64];
        snprintf(label, sizeof label, "%lldx%lldx%lld", (long long)m, (long long)k, (long long)n);
        printf("%-13s %5lld | %-9s %6.1f %5.0f%% %4.0f%% | %-9s %6.1f %5.0f%% %4.0f%%", label, (long long)batch,
               path_name(p1), small, 100.0 * small / PEAK_GOPS, now1 > 0 ? 100.0 * small / now1 : 0.0, path_name(p2),
               full, 100.0 * full / PEAK_GOPS, now2 > 0 ? 100.0 * full / now2 : 0.0);
        if (v512) printf(" | %-11s %6.1f %4.0f%%", path_name(p4), vz, pk_vnni > 0 ? 100.0 * vz / pk_vnni : 0.0);
        if (v256) printf(" | %-9s %6.1f", path_name(p5), vy);
        if (with_portable) {
            const double port = bench_one(m, n, k, batch, FILL_RANDOM, zbnz, 0, &p3);
            printf(" | %-8s %6.1f", path_name(p3), port);
        }
        printf("\n");
        fflush(stdout);
    }
    /* The VM is shared and its clock moves: the peaks again, to judge the %now column. */
    double end_u8s8 = 0, end_s16 = 0, end_vnni = 0;
    measure_peaks(5, 20000000, &end_u8s8, &end_s16, &end_vnni);
    if (end_u8s8 > 0)
        printf("peak at end: u8s8 %.1f GOP/s, s16 %.1f GOP/s, vnni-zmm %.1f GOP/s\n", end_u8s8, end_s16, end_vnni);
}

/* ------------------------------------------------------------------------ */

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--bench") == 0) {
        bench(argc > 2 && strcmp(argv[2], "--portable") == 0);
        return 0;
    }
    int ok = saturation_demo();
    if (!ok) {
        fprintf(stderr, "FAIL: the saturation model\n");
        failures++;
    }
    gemm_case g;
    /* One pass per x86 kernel family this CPU has (the same cases each time), the widest first. */
    static const int passes[] = {512, 256, 0};
    const int count = argc > 1 ? atoi(argv[1]) : 600;
    for (size_t pass = 0; pass < sizeof passes / sizeof passes[0]; pass++) {
        if (passes[pass] > 0 && !(QCC_QGEMM_VNNI && cpu_vnni(passes[pass]))) continue;
        vnni_pass = passes[pass];
        qcc_qgemm_set_vnni(vnni_pass);
        memset(paths_seen, 0, sizeof paths_seen);
        gemv_seen = 0;
        const long failures_before = failures;
        rng_state = 0x9E3779B97F4A7C15ull;
        /* Fixed cases: every extreme fill for both types, shapes around the blocks. */
        static const int64_t fixed[][3] = {{1, 1, 1},   {4, 16, 4},   {5, 17, 3},    {6, 33, 257}, {197, 197, 64},
                                           {7, 9, 513}, {13, 770, 5}, {3, 5, 1100}, {9, 97, 300}};
        for (size_t s = 0; s < sizeof fixed / sizeof fixed[0]; s++)
            for (int ak = 0; ak < FILL_KINDS; ak++)
                for (int bk = 0; bk < FILL_KINDS; bk++)
                    for (int types = 0; types < 4; types++) {
                        if (s >= 4 && (ak + bk + types) % 5 != 0) continue; /* the big ones: a sample */
                        memset(&g, 0, sizeof g);
                        g.m = fixed[s][0];
                        g.n = fixed[s][1];
                        g.k = fixed[s][2];
                        g.at = types & 1 ? QCC_QTYPE_U8 : QCC_QTYPE_I8;
                        g.bt = types & 2 ? QCC_QTYPE_U8 : QCC_QTYPE_I8;
                        g.a_kind = ak;
                        g.b_kind = bk;
                        g.za_mode = 1 + (int)(rnd() % 2);
                        g.zb_mode = 1 + (int)(rnd() % 2);
                        g.bias = 1;
                        g.lda_pad = (int64_t)(s % 3);
                        g.ldb_pad = (int64_t)(s % 2) * 7;
                        g.ldc_pad = 3;
                        run_case(&g);
                    }
        for (int i = 0; i < count; i++) {
            random_case(&g);
            run_case(&g);
        }
        /* One-row products (the gemv kernels): strips, their tails, K tails, wide N and K. */
        for (int i = 0; i < count / 2; i++) {
            random_case(&g);
            g.m = 1;
            if (rnd() % 4 == 0) g.n = rnd_in(301, 1100);
            if (rnd() % 4 == 0) g.k = rnd_in(301, 1100);
            /* Rows a multiple of 64 bytes apart (gemv_512 then aligns its strips). */
            if (rnd() % 4 == 0) g.ldb_pad = (64 - g.n % 64) % 64;
            run_case(&g);
        }
        printf("qgemm_test: vnni <= %d bits: paths taken: portable %d, avx2-u8s8 %d, avx2-s16 %d, neon-sdot %d, "
               "neon-smull %d, avx512-vnni %d, avx-vnni %d; gemv %d%s\n",
               vnni_pass, paths_seen[0], paths_seen[1], paths_seen[2], paths_seen[3], paths_seen[4], paths_seen[5],
               paths_seen[6], gemv_seen, failures > failures_before ? " (FAILED)" : "");
    }
    qcc_qgemm_set_vnni(512);
    if (failures) {
        printf("qgemm_test: %ld of %ld cases FAILED\n", failures, cases);
        return 1;
    }
    printf("qgemm_test: %ld cases ok\n", cases);
    return 0;
}
