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

/*
 * Input `index` read from the .npy at `path`, in 64-byte aligned memory of
 * `t->bytes` bytes: its dtype and shape must be the tensor's exactly (C
 * order). 4-bit inputs are read from int8/uint8 files and packed; bool
 * inputs are normalised to 0/1. Exits 1, naming the input and the file,
 * when the file does not fit.
 */
void *runner_load_input(const runner_tensor *t, uint32_t index, const char *path);

/*
 * Writes outputs[i] (described by t[i]) to OUTDIR/<name>.npy, creating
 * OUTDIR, with names sanitised and de-duplicated as `qcc run` does; 4-bit
 * outputs are written unpacked as int8/uint8, bf16 widened to float32.
 * Prints one line per output.
 */
void runner_write_outputs(const char *outdir, uint32_t count, const runner_tensor *t, void *const *outputs);

/* Milliseconds from a monotonic clock. */
double runner_now_ms(void);

#endif
