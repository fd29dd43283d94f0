/*
 * The runner of a program qcc generated as C (copied into the output folder
 * as main.c; docs/c-targets.md):
 *
 *   ./model IN0.npy [IN1.npy ...] -o OUTDIR [--repeat N] [--weights FILE]
 *   ./model --info
 *
 * One .npy per model input, in the order --info lists them, each with the
 * input's dtype and shape exactly, or N samples stacked on a new leading
 * axis (then every input holds N, and each output is written stacked).
 * Writes OUTDIR/<output>.npy per output, named as `qcc run` names them. The
 * weights are read from FILE, by default model.weights next to the
 * executable. With --repeat N, after running every sample (the warm-up), it
 * times N more runs of the first sample and prints their median, minimum
 * and mean milliseconds to stderr.
 *
 * Exit codes: 0 success, 1 bad input or usage, 2 internal error.
 */
#include "model.h"
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define die runner_die

/* A model tensor as the runner's I/O sees it. */
static runner_tensor describe(const model_tensor *m) {
    runner_tensor t;
    memset(&t, 0, sizeof t);
    t.name = m->name;
    t.elem = m->elem;
    t.rank = m->rank;
    for (int d = 0; d < m->rank && d < QCC_MAX_RANK; d++) t.shape[d] = m->shape[d];
    t.bytes = m->bytes;
    return t;
}

/* model.weights in the directory of argv[0] (or the current one). */
static char *default_weights(const char *argv0) {
    const char *slash = strrchr(argv0, '/');
    size_t dir = slash ? (size_t)(slash - argv0 + 1) : 0;
    char *path = (char *)malloc(dir + sizeof "model.weights");
    if (!path) die(2, "out of memory");
    memcpy(path, argv0, dir);
    memcpy(path + dir, "model.weights", sizeof "model.weights");
    return path;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void usage(void) {
    fprintf(stderr, "usage: model IN0.npy [IN1.npy ...] -o OUTDIR [--repeat N] [--weights FILE]\n"
                    "       model --info     (list the inputs, in order, and the outputs)\n");
    exit(1);
}

int main(int argc, char **argv) {
    runner_set_program("model");
    const char *outdir = NULL, *weights_path = NULL;
    const char **input_paths = (const char **)calloc((size_t)argc, sizeof *input_paths);
    if (!input_paths) die(2, "out of memory");
    int input_files = 0, info_only = 0;
    long repeat = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--info")) {
            info_only = 1;
        } else if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--weights") || !strcmp(argv[i], "--repeat")) {
            if (i + 1 >= argc) usage();
            const char *option = argv[i++];
            if (option[1] == 'o') {
                outdir = argv[i];
            } else if (option[2] == 'w') {
                weights_path = argv[i];
            } else {
                char *end;
                repeat = strtol(argv[i], &end, 10);
                if (*end || repeat < 1) die(1, "--repeat must be a positive count, got '%s'", argv[i]);
            }
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage();
        } else if (argv[i][0] == '-' && argv[i][1]) {
            die(1, "unknown option '%s'", argv[i]);
        } else {
            input_paths[input_files++] = argv[i];
        }
    }
    if (info_only) {
        /* One line per tensor: input|output NAME ELEM SHAPE. */
        for (int k = 0; k < MODEL_INPUT_COUNT + MODEL_OUTPUT_COUNT; k++) {
            const model_tensor *m = k < MODEL_INPUT_COUNT ? model_input(k) : model_output(k - MODEL_INPUT_COUNT);
            char shape[256];
            runner_shape_text(shape, sizeof shape, m->rank, m->shape);
            printf("%s %s %s %s\n", k < MODEL_INPUT_COUNT ? "input" : "output", m->name, runner_elem_text(m->elem),
                   shape);
        }
        printf("arena %llu bytes, weights %llu bytes, %lu calls\n", (unsigned long long)MODEL_ARENA_BYTES,
               (unsigned long long)MODEL_WEIGHTS_BYTES, (unsigned long)MODEL_CALL_COUNT);
        return 0;
    }
    if (!outdir) usage();
    if (input_files != MODEL_INPUT_COUNT) {
        char names[1024] = "";
        size_t used = 0;
        for (int i = 0; i < MODEL_INPUT_COUNT && used < sizeof names; i++)
            used += (size_t)snprintf(names + used, sizeof names - used, "%s'%s'", i ? ", " : "", model_input(i)->name);
        die(1, "the model has %d input%s (%s), got %d .npy file%s", MODEL_INPUT_COUNT,
            MODEL_INPUT_COUNT == 1 ? "" : "s", names, input_files, input_files == 1 ? "" : "s");
    }

    char *default_path = weights_path ? NULL : default_weights(argv[0]);
    if (!weights_path) weights_path = default_path;
    size_t weights_size;
    const uint8_t *weights = runner_read_file(weights_path, &weights_size);
    void *arena = MODEL_ARENA_BYTES ? runner_alloc64((size_t)MODEL_ARENA_BYTES) : NULL;
    model_context model;
    char error[1024];
    if (model_init(&model, weights, weights_size, arena, error, sizeof error) != 0) die(1, "%s: %s", weights_path, error);

    const uint8_t *inputs[MODEL_INPUT_COUNT + 1];
    runner_tensor input_info[MODEL_INPUT_COUNT + 1];
    int64_t stacked[MODEL_INPUT_COUNT + 1];
    uint8_t *outputs[MODEL_OUTPUT_COUNT + 1];
    runner_tensor output_info[MODEL_OUTPUT_COUNT + 1];
    for (int i = 0; i < MODEL_INPUT_COUNT; i++) {
        input_info[i] = describe(model_input(i));
        inputs[i] = (const uint8_t *)runner_load_input(&input_info[i], (uint32_t)i, input_paths[i], &stacked[i]);
    }
    const int64_t samples_stacked = runner_sample_count(MODEL_INPUT_COUNT, input_info, stacked);
    const int64_t samples = samples_stacked < 0 ? 1 : samples_stacked;
    for (int i = 0; i < MODEL_OUTPUT_COUNT; i++) {
        output_info[i] = describe(model_output(i));
        size_t bytes = (size_t)(runner_sample_stride(&output_info[i]) * (uint64_t)(samples ? samples : 1));
        outputs[i] = (uint8_t *)runner_alloc64(bytes);
        memset(outputs[i], 0, bytes);
    }

    /* Sample s: every input's and output's sample s. */
    const void *in[MODEL_INPUT_COUNT + 1];
    void *out[MODEL_OUTPUT_COUNT + 1];
    for (int64_t s = 0; s < samples; s++) {
        for (int i = 0; i < MODEL_INPUT_COUNT; i++) in[i] = inputs[i] + s * (int64_t)runner_sample_stride(&input_info[i]);
        for (int i = 0; i < MODEL_OUTPUT_COUNT; i++) out[i] = outputs[i] + s * (int64_t)runner_sample_stride(&output_info[i]);
        if (model_run(&model, in, out, error, sizeof error) != 0) die(1, "%s", error);
    }
    if (repeat > 0 && samples > 0) {
        /* The first sample again, timed. */
        for (int i = 0; i < MODEL_INPUT_COUNT; i++) in[i] = inputs[i];
        for (int i = 0; i < MODEL_OUTPUT_COUNT; i++) out[i] = outputs[i];
        double *times = (double *)malloc((size_t)repeat * sizeof *times);
        if (!times) die(2, "out of memory");
        double total = 0;
        for (long r = 0; r < repeat; r++) {
            double start = runner_now_ms();
            if (model_run(&model, in, out, error, sizeof error) != 0) die(1, "%s", error);
            times[r] = runner_now_ms() - start;
            total += times[r];
        }
        qsort(times, (size_t)repeat, sizeof *times, compare_doubles);
        double median = repeat % 2 ? times[repeat / 2] : (times[repeat / 2 - 1] + times[repeat / 2]) / 2;
        fprintf(stderr, "model: latency median %.4f ms, min %.4f ms, mean %.4f ms over %ld runs\n", median, times[0],
                total / (double)repeat, repeat);
    }
    runner_write_outputs(outdir, MODEL_OUTPUT_COUNT, output_info, (void *const *)outputs, samples_stacked);
    return 0;
}
