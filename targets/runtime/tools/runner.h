/*
 * The shared half of qcc's device runners (qprog_run.c for .qprog files, and
 * the runner of every generated C folder): .npy inputs checked against what
 * the program wants, .npy outputs named as `qcc run` names them, timing.
 * Runners are short-lived tools: on bad input these functions print
 * "<program>: message" and exit 1 (2 for internal errors); memory they
 * return is never freed.
 */
#ifndef QCC_RUNNER_H
#define QCC_RUNNER_H

#include "qcc_program.h"

/* A program input or output as a runner sees it. */
typedef struct {
    const char *name;
    int32_t elem; /* qcc_elem */
    int32_t rank;
    int64_t shape[QCC_MAX_RANK];
    uint64_t bytes;
} runner_tensor;

/* The name messages start with ("qprog_run"). */
void runner_set_program(const char *name);

/* Prints "<program>: message" to stderr and exits with `code`. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 2, 3), noreturn))
#endif
void runner_die(int code, const char *format, ...);

/* 64-byte aligned memory from malloc; exits 2 when there is none. */
void *runner_alloc64(size_t size);

/* A whole file in 64-byte aligned memory; exits 1 when it cannot be read. */
uint8_t *runner_read_file(const char *path, size_t *size);

/* "f32", "i8", ...; "?" for an unknown code. */
const char *runner_elem_text(int32_t elem);

/* "(1, 197, 192)", as numpy prints shapes. */
void runner_shape_text(char *out, size_t size, int32_t rank, const int64_t *shape);

/* Bytes between samples in the buffers below: the tensor's bytes rounded up to 64. */
uint64_t runner_sample_stride(const runner_tensor *t);

/*
 * Input `index` read from the .npy at `path`, in 64-byte aligned memory: one
 * sample (the file has the tensor's shape exactly; *stacked = -1), or N
 * samples stacked on a new leading axis ([N, ...shape]; *stacked = N), sample
 * s at s * runner_sample_stride(t). The dtype must be the tensor's (C order).
 * 4-bit inputs are read from int8/uint8 files and packed; bool inputs are
 * normalised to 0/1. Exits 1, naming the input and the file, when the file
 * does not fit.
 */
void *runner_load_input(const runner_tensor *t, uint32_t index, const char *path, int64_t *stacked);

/*
 * The number of samples of a set of inputs loaded with runner_load_input
 * (their *stacked values): all one sample (-1), or all the same N. Exits 1
 * naming two inputs that disagree.
 */
int64_t runner_sample_count(uint32_t count, const runner_tensor *inputs, const int64_t *stacked);

/*
 * Writes outputs[i] (described by t[i]) to OUTDIR/<name>.npy, creating
 * OUTDIR, with names sanitised and de-duplicated as `qcc run` does; 4-bit
 * outputs are written unpacked as int8/uint8, bf16 widened to float32.
 * `stacked` as runner_sample_count returns: -1 writes one sample, N writes
 * [N, ...shape] from N samples at runner_sample_stride. Prints one line per
 * output.
 */
void runner_write_outputs(const char *outdir, uint32_t count, const runner_tensor *t, void *const *outputs,
                          int64_t stacked);

/* Milliseconds from a monotonic clock. */
double runner_now_ms(void);

#endif
