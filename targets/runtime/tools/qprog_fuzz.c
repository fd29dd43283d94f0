/*
 * A robustness test of the .qprog loader (qcc_qprog_open) against corrupt
 * files, meant to run under AddressSanitizer and UBSan:
 *
 *   cc -std=c99 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
 *      -Itargets/runtime/include targets/runtime/[a-z]*.c targets/runtime/tools/qprog_fuzz.c -lm -o qprog_fuzz

 *   ./qprog_fuzz [MODEL.qprog] [--random N] [--seed S] [--budget N] [--write-sample OUT.qprog]
 *                [--sample-pad BYTES]   (unused constant bytes added to the built-in sample)
 *
 * Without a file it uses a small built-in program (an f32 [2, 3] input, a
 * unary call into the arena, a binary add with a constant into output 0, and
 * a per-channel QUANTIZE of that into output 1 with constant parameters).
 * It opens every truncation of the file, flips every bit of the header,
 * tensor and call sections one at a time (each flip twice: as is, and with
 * the CRC recomputed so that the structural checks themselves run), and
 * makes --random (default 5000) random rewrites of 1 to 4 bytes anywhere
 * (again with and without the CRC fixed). Every open must either fail with
 * a non-empty "qprog: " message or succeed; a program that opens is run on
 * zero inputs, which must not crash (failing with a message is fine). Each
 * file handed to the loader is in a buffer of exactly its size, so the
 * sanitizer catches any read past the end (truncations above 64 KiB reuse
 * the whole file's buffer).
 *
 * Every open checks the CRC of the whole file, so for large files the
 * counts are capped: --budget N (default: 400000, or fewer so that the
 * bit flips read about 16 GB) bit flips and truncations, an even sample
 * when there are more; random rewrites are capped the same way unless
 * --random is given; flips without the CRC fixed cover only the header
 * when the file is over 1 MiB (the CRC check rejects all others).
 * Exit 0 when every case behaved, 1 otherwise.
 */
#define _POSIX_C_SOURCE 200112L
#include "qcc_program.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a small valid program, built to the byte from docs/qprog.md ---- */

static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void putf32(uint8_t *p, float f) {
    uint32_t bits;
    memcpy(&bits, &f, 4);
    put32(p, bits);
}

typedef struct {
    uint32_t elem, kind, index, rank;
    int64_t shape[QCC_MAX_RANK];
    uint64_t offset, bytes;
    const char *name;
    uint32_t quantized;
    float scale;
    int32_t zero_point;
} sample_tensor;

typedef struct {
    uint32_t kernel;
    const char *name;
    int buffer_count, int_count, float_count;
    uint32_t tensors[QCC_CALL_MAX_BUFFERS];
    uint64_t offsets[QCC_CALL_MAX_BUFFERS];
    int64_t ints[32];
    float floats[4];
} sample_call;

/* Appends `s` to the names section `names` (at *used) and returns its offset. */
static uint32_t add_name(char *names, size_t *used, const char *s) {
    uint32_t at = (uint32_t)*used;
    size_t n = strlen(s) + 1;
    memcpy(names + *used, s, n);
    *used += n;
    return at;
}

/*
 * Writes the sample program into `out` (capacity `cap`); returns its size, or 0 when it does not fit.
 * x an f32 [2, 3] input, c = [1, 2, 3] a constant, -x in the arena; outputs y = -x + c and
 * q = quantize(y) to i8 per channel (axis 1) with scales [0.5, 0.25, 2] and zero points [0, 3, -1].
 */
#define SAMPLE_TENSORS 7
#define SAMPLE_CALLS 3
static size_t make_sample(uint8_t *out, size_t cap, size_t pad) {
    static const sample_tensor tensors[SAMPLE_TENSORS] = {
        {QCC_ELEM_F32, 1, 0, 2, {2, 3}, 0, 24, "x", 0, 0.0f, 0},
        {QCC_ELEM_F32, 4, 0, 2, {2, 3}, 64, 24, "/m/Neg_output_0", 0, 0.0f, 0},
        {QCC_ELEM_F32, 3, 0, 1, {3}, 0, 12, "c", 0, 0.0f, 0},
        {QCC_ELEM_F32, 2, 0, 2, {2, 3}, 0, 24, "y/out", 0, 0.0f, 0},
        {QCC_ELEM_I8, 2, 1, 2, {2, 3}, 0, 6, "q", 1, 0.25f, 3},
        {QCC_ELEM_F32, 3, 0, 1, {3}, 64, 12, "q_scale", 0, 0.0f, 0},
        {QCC_ELEM_I32, 3, 0, 1, {3}, 128, 12, "q_zero_point", 0, 0.0f, 0},
    };
    static const sample_call calls[SAMPLE_CALLS] = {
        {QCC_KERNEL_F32_UNARY, "/m/Neg", 2, 2, 2, {1, 0}, {0, 0}, {0 /* neg */, 6}, {0.0f, 0.0f}},
        {QCC_KERNEL_F32_BINARY, "/m/Add", 3, 8, 0, {3, 1, 2}, {0, 0, 0}, {0 /* add */, 2, 2, 3, 3, 1, 0, 1}, {0}},
        {QCC_KERNEL_QUANTIZE, "/m/QuantizeLinear", 4, 7, 0, {4, 3, 5, 6}, {0, 0, 0, 0},
         {0 /* i8 */, 2, 3, 1, 0, -128, 127}, {0}},
    };
    const uint32_t tensor_count = SAMPLE_TENSORS, call_count = SAMPLE_CALLS;
    const uint64_t arena_bytes = 128;
    const float constant[3] = {1.0f, 2.0f, 3.0f}, scales[3] = {0.5f, 0.25f, 2.0f};
    const int32_t zero_points[3] = {0, 3, -1};
    char names[256];
    size_t names_used = 0;
    uint32_t tensor_names[SAMPLE_TENSORS], call_names[SAMPLE_CALLS];
    for (uint32_t i = 0; i < tensor_count; i++) tensor_names[i] = add_name(names, &names_used, tensors[i].name);
    for (uint32_t i = 0; i < call_count; i++) call_names[i] = add_name(names, &names_used, calls[i].name);

    uint64_t calls_bytes = 0;
    for (uint32_t i = 0; i < call_count; i++)
        calls_bytes += (24u + 16u * (uint64_t)calls[i].buffer_count + 8u * (uint64_t)calls[i].int_count +
                        4u * (uint64_t)calls[i].float_count + 7u) & ~(uint64_t)7u;
    uint64_t tensors_offset = 112, tensors_bytes = 112u * tensor_count;
    uint64_t calls_offset = tensors_offset + tensors_bytes;
    uint64_t names_offset = calls_offset + calls_bytes;
    uint64_t constants_offset = (names_offset + names_used + 63u) & ~(uint64_t)63u;
    uint64_t constants_bytes = 140 + (uint64_t)pad; /* pad: unused constant bytes, to test large files */
    uint64_t file_size = constants_offset + constants_bytes;
    if (file_size > cap) return 0;
    memset(out, 0, (size_t)file_size);

    memcpy(out, "QPRG", 4);
    put32(out + 4, QCC_QPROG_VERSION);
    put32(out + 12, tensor_count);
    put32(out + 16, 1);
    put32(out + 20, 2);
    put32(out + 24, call_count);
    put64(out + 32, file_size);
    put64(out + 40, arena_bytes);
    put64(out + 48, tensors_offset);
    put64(out + 56, tensors_bytes);
    put64(out + 64, calls_offset);
    put64(out + 72, calls_bytes);
    put64(out + 80, names_offset);
    put64(out + 88, names_used);
    put64(out + 96, constants_offset);
    put64(out + 104, constants_bytes);

    for (uint32_t i = 0; i < tensor_count; i++) {
        uint8_t *r = out + tensors_offset + 112u * i;
        put32(r, tensors[i].elem);
        put32(r + 4, tensors[i].rank);
        put32(r + 8, tensors[i].kind);
        put32(r + 12, tensors[i].index);
        put64(r + 16, tensors[i].offset);
        put64(r + 24, tensors[i].bytes);
        for (uint32_t d = 0; d < tensors[i].rank; d++) put64(r + 32 + 8 * d, (uint64_t)tensors[i].shape[d]);
        put32(r + 96, tensor_names[i]);
        put32(r + 100, tensors[i].quantized);
        putf32(r + 104, tensors[i].scale);
        put32(r + 108, (uint32_t)tensors[i].zero_point);
    }
    uint8_t *r = out + calls_offset;
    for (uint32_t i = 0; i < call_count; i++) {
        const sample_call *c = &calls[i];
        put32(r, c->kernel);
        put32(r + 4, (uint32_t)c->buffer_count);
        put32(r + 8, (uint32_t)c->int_count);
        put32(r + 12, (uint32_t)c->float_count);
        put32(r + 16, call_names[i]);
        uint8_t *q = r + 24;
        for (int b = 0; b < c->buffer_count; b++, q += 16) {
            put32(q, c->tensors[b]);
            put64(q + 8, c->offsets[b]);
        }
        for (int k = 0; k < c->int_count; k++, q += 8) put64(q, (uint64_t)c->ints[k]);
        for (int k = 0; k < c->float_count; k++, q += 4) putf32(q, c->floats[k]);
        r += (24u + 16u * (size_t)c->buffer_count + 8u * (size_t)c->int_count + 4u * (size_t)c->float_count + 7u) &
             ~(size_t)7u;
    }
    memcpy(out + names_offset, names, names_used);
    for (int i = 0; i < 3; i++) {
        putf32(out + constants_offset + 4u * (size_t)i, constant[i]);
        putf32(out + constants_offset + 64u + 4u * (size_t)i, scales[i]);
        put32(out + constants_offset + 128u + 4u * (size_t)i, (uint32_t)zero_points[i]);
    }
    put32(out + 28, qcc_crc32(0, out + 112, (size_t)(file_size - 112)));
    return (size_t)file_size;
}

/* ---- the test ---- */

typedef struct {
    unsigned long cases, opened, rejected, ran, run_failed, skipped, bad;
} counts;

static void *aligned_or_die(size_t size) {
    void *p = NULL;
    if (posix_memalign(&p, 64, size ? size : 64) != 0) {
        fprintf(stderr, "qprog_fuzz: out of memory (%lu bytes)\n", (unsigned long)size);
        exit(2);
    }
    return p;
}

/* Opens `bytes` (exactly `size` bytes, 8-aligned) and, when that works, runs it on zeros. */
static void try_open(const uint8_t *bytes, size_t size, counts *k, const char *what, unsigned long where) {
    char error[1024];
    qcc_qprog program;
    k->cases++;
    memset(error, 0, sizeof error);
    if (qcc_qprog_open(bytes, size, &program, error, sizeof error) != 0) {
        k->rejected++;
        if (strncmp(error, "qprog: ", 7) != 0 || strlen(error) <= 7) {
            k->bad++;
            fprintf(stderr, "qprog_fuzz: %s %lu: open failed with message '%s'\n", what, where, error);
        }
        return;
    }
    k->opened++;
    uint32_t ni = qcc_qprog_input_count(&program), no = qcc_qprog_output_count(&program);
    const void **inputs = (const void **)calloc(ni ? ni : 1, sizeof *inputs);
    void **outputs = (void **)calloc(no ? no : 1, sizeof *outputs);
    if (!inputs || !outputs) exit(2);
    int ok = 1;
    for (uint32_t i = 0; i < ni; i++) {
        qcc_qprog_tensor_info info;
        if (qcc_qprog_input(&program, i, &info) != 0) {
            fprintf(stderr, "qprog_fuzz: %s %lu: opened, but input %lu has no info\n", what, where, (unsigned long)i);
            ok = 0;
            break;
        }
        if (info.bytes > ((uint64_t)1 << 30)) { ok = -1; break; } /* too big to allocate here: skip the run */
        void *p = aligned_or_die((size_t)info.bytes);
        memset(p, 0, (size_t)info.bytes);
        inputs[i] = p;
    }
    for (uint32_t i = 0; ok == 1 && i < no; i++) {
        qcc_qprog_tensor_info info;
        if (qcc_qprog_output(&program, i, &info) != 0) {
            fprintf(stderr, "qprog_fuzz: %s %lu: opened, but output %lu has no info\n", what, where, (unsigned long)i);
            ok = 0;
            break;
        }
        if (info.bytes > ((uint64_t)1 << 30)) { ok = -1; break; }
        outputs[i] = aligned_or_die((size_t)info.bytes);
    }
    uint64_t arena_bytes = qcc_qprog_arena_bytes(&program);
    if (arena_bytes > ((uint64_t)1 << 31) && ok == 1) ok = -1;
    if (ok == 0) k->bad++;
    if (ok == -1) k->skipped++;
    if (ok == 1) {
        void *arena = arena_bytes ? aligned_or_die((size_t)arena_bytes) : NULL;
        if (arena) memset(arena, 0xA5, (size_t)arena_bytes);
        error[0] = 0;
        if (qcc_qprog_run(&program, inputs, outputs, arena, error, sizeof error) == 0) {
            k->ran++;
        } else {
            k->run_failed++;
            if (strncmp(error, "qprog: ", 7) != 0 || strlen(error) <= 7) {
                k->bad++;
                fprintf(stderr, "qprog_fuzz: %s %lu: run failed with message '%s'\n", what, where, error);
            }
        }
        free(arena);
    }
    for (uint32_t i = 0; i < ni; i++) free((void *)(uintptr_t)inputs[i]);
    for (uint32_t i = 0; i < no; i++) free(outputs[i]);
    free(inputs);
    free(outputs);
}

static uint32_t read32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t read64(const uint8_t *p) { return (uint64_t)read32(p) | (uint64_t)read32(p + 4) << 32; }

static void fix_crc(uint8_t *bytes, size_t size) {
    if (size >= 112) put32(bytes + 28, qcc_crc32(0, bytes + 112, size - 112));
}

static uint64_t rng_state;
static uint64_t rng(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void report(const char *name, const counts *k) {
    printf("%-27s %8lu cases: %8lu rejected, %6lu opened (%6lu ran, %lu run failed, %lu too large to run), %lu bad\n",
           name, k->cases, k->rejected, k->opened, k->ran, k->run_failed, k->skipped, k->bad);
}

int main(int argc, char **argv) {
    const char *path = NULL, *sample_out = NULL;
    unsigned long random_count = 0, seed = 1, budget = 0;
    size_t pad = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--random") && i + 1 < argc) random_count = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--budget") && i + 1 < argc) budget = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--write-sample") && i + 1 < argc) sample_out = argv[++i];
        else if (!strcmp(argv[i], "--sample-pad") && i + 1 < argc) pad = (size_t)strtoul(argv[++i], NULL, 10);
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "usage: qprog_fuzz [MODEL.qprog] [--random N] [--seed S] [--budget N] "
                            "[--write-sample OUT.qprog [--sample-pad BYTES]]\n");
            return 1;
        } else path = argv[i];
    }
    uint8_t *file;
    size_t size;
    if (path) {
        FILE *f = fopen(path, "rb");
        if (!f || fseek(f, 0, SEEK_END) != 0) {
            fprintf(stderr, "qprog_fuzz: cannot open '%s'\n", path);
            return 1;
        }
        long length = ftell(f);
        if (length < 0 || fseek(f, 0, SEEK_SET) != 0) {
            fprintf(stderr, "qprog_fuzz: cannot read '%s'\n", path);
            return 1;
        }
        size = (size_t)length;
        file = (uint8_t *)aligned_or_die(size);
        if (fread(file, 1, size, f) != size) {
            fprintf(stderr, "qprog_fuzz: cannot read '%s'\n", path);
            return 1;
        }
        fclose(f);
    } else {
        file = (uint8_t *)aligned_or_die(4096 + pad);
        size = make_sample(file, 4096 + pad, pad);
        if (sample_out) {
            FILE *f = fopen(sample_out, "wb");
            if (!f || fwrite(file, 1, size, f) != size || fclose(f) != 0) {
                fprintf(stderr, "qprog_fuzz: cannot write '%s'\n", sample_out);
                return 1;
            }
            printf("wrote %s (%lu bytes)\n", sample_out, (unsigned long)size);
        }
    }

    char error[1024];
    qcc_qprog program;
    if (qcc_qprog_open(file, size, &program, error, sizeof error) != 0) {
        fprintf(stderr, "qprog_fuzz: the file itself does not open: %s\n", error);
        return 1;
    }
    printf("%s: %lu bytes, %lu calls, %lu inputs, %lu outputs, arena %llu bytes\n", path ? path : "(built-in sample)",
           (unsigned long)size, (unsigned long)qcc_qprog_call_count(&program),
           (unsigned long)qcc_qprog_input_count(&program), (unsigned long)qcc_qprog_output_count(&program),
           (unsigned long long)qcc_qprog_arena_bytes(&program));
    if (!path) { /* the sample computes y = -x + c and q = quantize(y) */
        float x[6] = {1, -2, 3.5f, 0, 10, -0.25f}, y[6];
        int8_t q[6];
        const int8_t q_expected[6] = {0, 19, -1, 2, -29, 1};
        const void *in[1] = {x};
        void *out[2] = {y, q};
        void *arena = aligned_or_die((size_t)qcc_qprog_arena_bytes(&program));
        if (qcc_qprog_run(&program, in, out, arena, error, sizeof error) != 0) {
            fprintf(stderr, "qprog_fuzz: the sample does not run: %s\n", error);
            return 1;
        }
        free(arena);
        for (int i = 0; i < 6; i++)
            if (y[i] != -x[i] + (float)(1 + i % 3)) {
                fprintf(stderr, "qprog_fuzz: the sample computes y[%d] = %g, expected %g\n", i, (double)y[i],
                        (double)(-x[i] + (float)(1 + i % 3)));
                return 1;
            }
        for (int i = 0; i < 6; i++)
            if (q[i] != q_expected[i]) {
                fprintf(stderr, "qprog_fuzz: the sample computes q[%d] = %d, expected %d\n", i, q[i], q_expected[i]);
                return 1;
            }
        printf("sample runs: y = -x + c and q = quantize(y) as expected\n");
    }
    int failed = 0;
    const uint64_t work_bytes = (uint64_t)1 << 34; /* bytes the CRC checks of one phase may read, by default */
    if (!budget) {
        uint64_t fit = work_bytes / (2 * (uint64_t)size + 1);
        budget = fit < 400000 ? (unsigned long)(fit > 200 ? fit : 200) : 400000;
    }
    if (!random_count) {
        uint64_t fit = work_bytes / (4 * (uint64_t)size + 1);
        random_count = fit < 5000 ? (unsigned long)(fit > 100 ? fit : 100) : 5000;
    }

    /* (a) every truncation, each in a buffer of exactly its length */
    {
        counts k = {0, 0, 0, 0, 0, 0, 0};
        size_t stride = size > budget ? size / budget + 1 : 1;
        for (size_t n = 0; n < size; n++) {
            if (n > 4096 && size - n > 4096 && n % stride != 0) continue; /* a sample of the middle when huge */
            if (n <= (1u << 16)) {
                uint8_t *copy = (uint8_t *)aligned_or_die(n);
                memcpy(copy, file, n);
                try_open(n ? copy : NULL, n, &k, "truncation to", (unsigned long)n);
                free(copy);
            } else {
                try_open(file, n, &k, "truncation to", (unsigned long)n);
            }
        }
        report("truncations", &k);
        if (k.opened || k.bad) {
            fprintf(stderr, "qprog_fuzz: a truncated file opened or failed badly\n");
            failed = 1;
        }
    }

    /* (b) every bit of the header, tensors and calls (sampled down to --budget), as is and with the CRC fixed */
    {
        uint64_t end = read64(file + 80); /* names_offset: the header, tensors and calls lie before it */
        if (end > size) end = size;
        uint64_t bits = end * 8, step = bits > budget && budget > 0 ? (bits + budget - 1) / budget : 1;
        uint8_t *work = (uint8_t *)aligned_or_die(size);
        memcpy(work, file, size);
        counts raw = {0, 0, 0, 0, 0, 0, 0}, fixed = {0, 0, 0, 0, 0, 0, 0};
        for (uint64_t bit = 0; bit < bits; bit += step) {
            size_t at = (size_t)(bit / 8);
            uint8_t mask = (uint8_t)(1u << (bit % 8));
            work[at] ^= mask;
            if (size <= (1u << 20) || at < 112) try_open(work, size, &raw, "bit flip", (unsigned long)bit);
            fix_crc(work, size);
            try_open(work, size, &fixed, "bit flip (CRC fixed)", (unsigned long)bit);
            memcpy(work, file, size < 112 ? size : 112);
            work[at] = file[at];
        }
        report("bit flips", &raw);
        report("bit flips, CRC fixed", &fixed);
        if (raw.bad || fixed.bad) failed = 1;

        /* (c) random rewrites of 1..4 bytes anywhere */
        counts rraw = {0, 0, 0, 0, 0, 0, 0}, rfixed = {0, 0, 0, 0, 0, 0, 0};
        rng_state = seed;
        for (unsigned long i = 0; i < random_count; i++) {
            size_t at[4];
            int changes = 1 + (int)(rng() % 4);
            for (int c = 0; c < changes; c++) {
                /* half the time aim at the structure (before the names), else anywhere */
                uint64_t limit = (rng() & 1) ? end : size;
                at[c] = (size_t)(rng() % (limit ? limit : 1));
                uint64_t r = rng();
                switch (r % 4) {
                case 0: work[at[c]] = (uint8_t)(r >> 8); break;
                case 1: work[at[c]] = 0xFF; break;
                case 2: work[at[c]] = 0; break;
                default: work[at[c]] = (uint8_t)(work[at[c]] + ((r >> 8) & 1 ? 1 : 0xFF)); break;
                }
            }
            try_open(work, size, &rraw, "random rewrite", i);
            fix_crc(work, size);
            try_open(work, size, &rfixed, "random rewrite (CRC fixed)", i);
            for (int c = 0; c < changes; c++) work[at[c]] = file[at[c]];
            memcpy(work, file, size < 112 ? size : 112);
        }
        report("random rewrites", &rraw);
        report("random rewrites, CRC fixed", &rfixed);
        if (rraw.bad || rfixed.bad) failed = 1;
        free(work);
    }
    free(file);
    printf(failed ? "FAILED\n" : "ok\n");
    return failed ? 1 : 0;
}
