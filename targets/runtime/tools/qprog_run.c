/*
 * qprog_run: runs a .qprog program on a device (docs/qprog.md).
 *
 *   qprog_run MODEL.qprog IN0.npy [IN1.npy ...] -o OUTDIR [--repeat N]
 *
 * One .npy per program input, in the program's input order; each must have
 * the input's dtype and shape exactly (C order), or N samples stacked on a
 * new leading axis (every input then holds N; outputs are written stacked).
 * Writes OUTDIR/<output>.npy per output, named as `qcc run` names them
 * (names that are not plain file names are sanitized). With --repeat N it
 * runs the first sample N times and prints the mean milliseconds per run to
 * stderr. 4-bit outputs are written unpacked as
 * int8/uint8 and bf16 outputs widened to float32 (numpy has no such dtypes);
 * 4-bit inputs are read from int8/uint8 files the same way.
 *
 * Exit codes: 0 success, 1 bad input or usage, 2 internal error.
 *
 * Build: cc -std=c99 -O2 -Itargets/runtime/include targets/runtime/[a-z]*.c \
 *        targets/runtime/tools/runner.c targets/runtime/tools/qprog_run.c -lm -o qprog_run
 */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define die runner_die

/* Input (is_input) or output `index` of the program, as the runner describes it. */
static int describe(const qcc_qprog *program, int is_input, uint32_t index, runner_tensor *t) {
    qcc_qprog_tensor_info info;
    if ((is_input ? qcc_qprog_input(program, index, &info) : qcc_qprog_output(program, index, &info)) != 0) return -1;
    t->name = info.name;
    t->elem = info.elem;
    t->rank = info.rank;
    memcpy(t->shape, info.shape, sizeof t->shape);
    t->bytes = info.bytes;
    return 0;
}

static void usage(void) {
    fprintf(stderr, "usage: qprog_run MODEL.qprog IN0.npy [IN1.npy ...] -o OUTDIR [--repeat N]\n"
                    "       qprog_run MODEL.qprog --info     (list the inputs, in order, and the outputs)\n");
    exit(1);
}

int main(int argc, char **argv) {
    runner_set_program("qprog_run");
    const char *model = NULL, *outdir = NULL;
    const char **input_paths = (const char **)calloc((size_t)argc, sizeof *input_paths);
    if (!input_paths) die(2, "out of memory");
    int input_files = 0;
    long repeat = 0;
    int info_only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--info")) {
            info_only = 1;
        } else if (!strcmp(argv[i], "-o")) {
            if (i + 1 >= argc) usage();
            outdir = argv[++i];
        } else if (!strcmp(argv[i], "--repeat")) {
            if (i + 1 >= argc) usage();
            char *end;
            repeat = strtol(argv[++i], &end, 10);
            if (*end || repeat < 1) die(1, "--repeat must be a positive count, got '%s'", argv[i]);
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage();
        } else if (argv[i][0] == '-' && argv[i][1]) {
            die(1, "unknown option '%s'", argv[i]);
        } else if (!model) {
            model = argv[i];
        } else {
            input_paths[input_files++] = argv[i];
        }
    }
    if (!model || (!outdir && !info_only)) usage();

    size_t size;
    uint8_t *bytes = runner_read_file(model, &size);
    qcc_qprog program;
    char error[1024];
    if (qcc_qprog_open(bytes, size, &program, error, sizeof error) != 0) die(1, "%s: %s", model, error);

    uint32_t ni = qcc_qprog_input_count(&program), no = qcc_qprog_output_count(&program);
    if (info_only) {
        /* One line per tensor: input|output NAME ELEM [SHAPE]. */
        for (uint32_t k = 0; k < ni + no; k++) {
            qcc_qprog_tensor_info info;
            int bad = k < ni ? qcc_qprog_input(&program, k, &info) : qcc_qprog_output(&program, k - ni, &info);
            if (bad) die(2, "tensor %lu has no info", (unsigned long)k);
            char shape[256];
            runner_shape_text(shape, sizeof shape, info.rank, info.shape);
            printf("%s %s %s %s\n", k < ni ? "input" : "output", info.name, runner_elem_text(info.elem), shape);
        }
        printf("arena %llu bytes, %lu calls\n", (unsigned long long)qcc_qprog_arena_bytes(&program),
               (unsigned long)qcc_qprog_call_count(&program));
        return 0;
    }
    if ((uint32_t)input_files != ni) {
        char names[1024] = "";
        size_t used = 0;
        for (uint32_t i = 0; i < ni && used < sizeof names; i++) {
            qcc_qprog_tensor_info info;
            if (qcc_qprog_input(&program, i, &info) != 0) die(2, "input %lu has no info", (unsigned long)i);
            used += (size_t)snprintf(names + used, sizeof names - used, "%s'%s'", i ? ", " : "", info.name);
        }
        die(1, "%s has %lu input%s (%s), got %d .npy file%s", model, (unsigned long)ni, ni == 1 ? "" : "s", names,
            input_files, input_files == 1 ? "" : "s");
    }

    const uint8_t **inputs = (const uint8_t **)calloc(ni ? ni : 1, sizeof *inputs);
    runner_tensor *input_info = (runner_tensor *)calloc(ni ? ni : 1, sizeof *input_info);
    int64_t *stacked = (int64_t *)calloc(ni ? ni : 1, sizeof *stacked);
    uint8_t **outputs = (uint8_t **)calloc(no ? no : 1, sizeof *outputs);
    runner_tensor *output_info = (runner_tensor *)calloc(no ? no : 1, sizeof *output_info);
    if (!inputs || !input_info || !stacked || !outputs || !output_info) die(2, "out of memory");
    for (uint32_t i = 0; i < ni; i++) {
        if (describe(&program, 1, i, &input_info[i]) != 0) die(2, "input %lu has no info", (unsigned long)i);
        inputs[i] = (const uint8_t *)runner_load_input(&input_info[i], i, input_paths[i], &stacked[i]);
    }
    const int64_t samples_stacked = runner_sample_count(ni, input_info, stacked);
    const uint64_t samples = samples_stacked < 0 ? 1 : (uint64_t)samples_stacked;
    for (uint32_t i = 0; i < no; i++) {
        if (describe(&program, 0, i, &output_info[i]) != 0) die(2, "output %lu has no info", (unsigned long)i);
        size_t bytes = (size_t)(runner_sample_stride(&output_info[i]) * (samples ? samples : 1));
        outputs[i] = (uint8_t *)runner_alloc64(bytes);
        memset(outputs[i], 0, bytes);
    }
    uint64_t arena_bytes = qcc_qprog_arena_bytes(&program);
    if (arena_bytes > (uint64_t)SIZE_MAX - 128) die(2, "the arena (%llu bytes) is too large", (unsigned long long)arena_bytes);
    void *arena = arena_bytes ? runner_alloc64((size_t)arena_bytes) : NULL;

    /* Sample s: every input's and output's sample s. */
    const void **in = (const void **)calloc(ni ? ni : 1, sizeof *in);
    void **out = (void **)calloc(no ? no : 1, sizeof *out);
    if (!in || !out) die(2, "out of memory");
    for (uint64_t s = 0; s < samples; s++) {
        for (uint32_t i = 0; i < ni; i++) in[i] = inputs[i] + s * runner_sample_stride(&input_info[i]);
        for (uint32_t i = 0; i < no; i++) out[i] = outputs[i] + s * runner_sample_stride(&output_info[i]);
        long runs = repeat > 0 && s == 0 ? repeat : 1;
        double start = runner_now_ms();
        for (long r = 0; r < runs; r++)
            if (qcc_qprog_run(&program, in, out, arena, error, sizeof error) != 0) die(1, "%s: %s", model, error);
        double elapsed = runner_now_ms() - start;
        if (repeat > 0 && s == 0)
            fprintf(stderr, "qprog_run: %s: %.4f ms per run (mean of %ld)\n", model, elapsed / (double)runs, runs);
    }

    runner_write_outputs(outdir, no, output_info, (void *const *)outputs, samples_stacked);
    return 0;
}
