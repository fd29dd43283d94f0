/*
 * The shared half of qcc's device runners (runner.h): .npy reading and
 * writing, input checks, output names, timing.
 */
#define _POSIX_C_SOURCE 200809L
#include "runner.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__unix__) || defined(__APPLE__)
#include <sys/stat.h>
#include <sys/types.h>
#define HAVE_MKDIR 1
#endif

#define die runner_die

static const char *program_name = "runner";

void runner_set_program(const char *name) { program_name = name; }

void runner_die(int code, const char *format, ...) {
    va_list args;
    fprintf(stderr, "%s: ", program_name);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    exit(code);
}

void *runner_alloc64(size_t size) {
    if (size > SIZE_MAX - 128) die(2, "out of memory (%llu bytes)", (unsigned long long)size);
    uint8_t *raw = (uint8_t *)malloc(size + 64);
    if (!raw) die(2, "out of memory (%llu bytes)", (unsigned long long)size);
    return raw + (64 - (uintptr_t)raw % 64) % 64;
}

uint8_t *runner_read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) die(1, "cannot open '%s': %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) die(1, "cannot read '%s'", path);
    long length = ftell(f);
    if (length < 0 || fseek(f, 0, SEEK_SET) != 0) die(1, "cannot read '%s'", path);
    *size = (size_t)length;
    uint8_t *bytes = (uint8_t *)runner_alloc64(*size);
    if (*size && fread(bytes, 1, *size, f) != *size) die(1, "cannot read '%s': %s", path, strerror(errno));
    fclose(f);
    return bytes;
}

/* ---- element types ---- */

typedef struct {
    int32_t elem;
    const char *descr; /* what numpy writes */
    int size;          /* bytes per element in the .npy */
} dtype_entry;

static const dtype_entry dtypes[] = {
    {QCC_ELEM_F32, "<f4", 4},  {QCC_ELEM_F64, "<f8", 8},  {QCC_ELEM_F16, "<f2", 2},  {QCC_ELEM_I8, "|i1", 1},
    {QCC_ELEM_U8, "|u1", 1},   {QCC_ELEM_I16, "<i2", 2},  {QCC_ELEM_U16, "<u2", 2},  {QCC_ELEM_I32, "<i4", 4},
    {QCC_ELEM_U32, "<u4", 4},  {QCC_ELEM_I64, "<i8", 8},  {QCC_ELEM_U64, "<u8", 8},  {QCC_ELEM_BOOL, "|b1", 1},
    {QCC_ELEM_I4, "|i1", 1},   {QCC_ELEM_U4, "|u1", 1},   {QCC_ELEM_BF16, "<f4", 4},
};

/* The .npy dtype a program element type is read from and written as. */
static const dtype_entry *npy_dtype(int32_t elem) {
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (dtypes[i].elem == elem) return &dtypes[i];
    return NULL;
}

const char *runner_elem_text(int32_t elem) {
    static const char *names[] = {"?", "f32", "f64", "f16", "bf16", "i8", "u8", "i16", "u16",
                                  "i32", "u32", "i64", "u64", "bool", "i4", "u4"};
    return elem >= 1 && elem <= 15 ? names[elem] : "?";
}

static uint64_t element_count(int32_t rank, const int64_t *shape) {
    uint64_t n = 1;
    for (int32_t i = 0; i < rank; i++) n *= (uint64_t)shape[i];
    return n;
}

void runner_shape_text(char *out, size_t size, int32_t rank, const int64_t *shape) {
    size_t used = 0;
    used += (size_t)snprintf(out, size, "(");
    for (int32_t i = 0; i < rank && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (used < size) used += (size_t)snprintf(out + used, size - used, rank == 1 ? ",)" : ")");
}

/* ---- .npy reading ---- */

typedef struct {
    char descr[16];
    int fortran;
    int32_t rank;
    int64_t shape[QCC_MAX_RANK + 1]; /* + 1: samples stacked on a leading axis */
    const uint8_t *data;
    uint64_t data_bytes; /* what the file holds after the header */
} npy_file;

static const char *skip_space(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* Finds the value of 'key' in the header dict text [p, end); NULL when absent. */
static const char *dict_value(const char *p, const char *end, const char *key) {
    size_t n = strlen(key);
    for (const char *q = p; q + n + 2 <= end; q++) {
        if ((*q == '\'' || *q == '"') && q[n + 1] == *q && memcmp(q + 1, key, n) == 0) {
            const char *v = skip_space(q + n + 2, end);
            if (v < end && *v == ':') return skip_space(v + 1, end);
        }
    }
    return NULL;
}

static void parse_npy(const char *path, const uint8_t *bytes, size_t size, npy_file *npy) {
    memset(npy, 0, sizeof *npy);
    if (size < 10 || memcmp(bytes, "\x93NUMPY", 6) != 0) die(1, "%s: not a .npy file", path);
    int major = bytes[6];
    size_t header_len, start;
    if (major == 1) {
        header_len = (size_t)bytes[8] | (size_t)bytes[9] << 8;
        start = 10;
    } else if (major == 2 || major == 3) {
        if (size < 12) die(1, "%s: truncated .npy header", path);
        header_len = (size_t)bytes[8] | (size_t)bytes[9] << 8 | (size_t)bytes[10] << 16 | (size_t)bytes[11] << 24;
        start = 12;
    } else {
        die(1, "%s: unsupported .npy version %d.%d", path, major, bytes[7]);
    }
    if (header_len > size - start) die(1, "%s: truncated .npy header", path);
    const char *h = (const char *)bytes + start, *end = h + header_len;

    const char *v = dict_value(h, end, "descr");
    if (!v || (*v != '\'' && *v != '"')) die(1, "%s: malformed .npy header: no 'descr' string", path);
    const char *close = memchr(v + 1, *v, (size_t)(end - v - 1));
    if (!close || close - v - 1 >= (long)sizeof npy->descr) die(1, "%s: unsupported dtype in the .npy header", path);
    memcpy(npy->descr, v + 1, (size_t)(close - v - 1));

    v = dict_value(h, end, "fortran_order");
    if (!v) die(1, "%s: malformed .npy header: no 'fortran_order'", path);
    if (end - v >= 4 && memcmp(v, "True", 4) == 0) npy->fortran = 1;
    else if (!(end - v >= 5 && memcmp(v, "False", 5) == 0))
        die(1, "%s: malformed .npy header: 'fortran_order' is not True or False", path);

    v = dict_value(h, end, "shape");
    if (!v || *v != '(') die(1, "%s: malformed .npy header: no 'shape' tuple", path);
    v = skip_space(v + 1, end);
    while (v < end && *v != ')') {
        if (*v < '0' || *v > '9') die(1, "%s: malformed .npy header: bad shape", path);
        int64_t d = 0;
        while (v < end && *v >= '0' && *v <= '9') {
            if (d > (INT64_MAX - 9) / 10) die(1, "%s: a dimension in the .npy header is too large", path);
            d = d * 10 + (*v++ - '0');
        }
        if (v < end && *v == 'L') v++;
        if (npy->rank >= QCC_MAX_RANK + 1) die(1, "%s: rank above %d", path, QCC_MAX_RANK + 1);
        npy->shape[npy->rank++] = d;
        v = skip_space(v, end);
        if (v < end && *v == ',') v = skip_space(v + 1, end);
    }
    if (v >= end) die(1, "%s: malformed .npy header: unterminated shape", path);
    npy->data = bytes + start + header_len;
    npy->data_bytes = size - start - header_len;
}

/* The canonical dtype of a descriptor ('=' and '<' as '<', one-byte types as '|'), or "" when unsupported. */
static void canonical_descr(const char *descr, char *out) {
    out[0] = 0;
    if (strlen(descr) != 3) return;
    char order = descr[0], kind = descr[1], width = descr[2];
    if (width == '1') {
        if (order != '|' && order != '<' && order != '>' && order != '=') return;
        order = '|';
    } else if (order == '=') {
        order = '<'; /* the host is little-endian (the runtime checks) */
    }
    out[0] = order;
    out[1] = kind;
    out[2] = width;
    out[3] = 0;
}

/* ---- .npy writing (byte for byte what numpy.save, and qcc, write) ---- */

static size_t npy_header(char *out, size_t cap, const char *descr, int32_t rank, const int64_t *shape) {
    char shape_buf[256], dict[512];
    runner_shape_text(shape_buf, sizeof shape_buf, rank, shape);
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape_buf);
    size_t len = (size_t)n;
    if (rank > 0) {
        char first[32];
        int digits = snprintf(first, sizeof first, "%lld", (long long)shape[0]);
        for (int i = digits; i < 21 && len + 1 < sizeof dict; i++) dict[len++] = ' ';
    }
    size_t unpadded = len + 1, magic = 6;
    int v1 = unpadded + 64 - (magic + 4 + unpadded) % 64 <= 65535;
    size_t length_size = v1 ? 2 : 4;
    size_t padding = 64 - (magic + 2 + length_size + unpadded) % 64;
    size_t total = magic + 2 + length_size + unpadded + padding;
    if (total > cap) return 0;
    size_t at = 0;
    memcpy(out, "\x93NUMPY", 6);
    at = 6;
    out[at++] = (char)(v1 ? 1 : 2);
    out[at++] = 0;
    size_t hl = unpadded + padding;
    for (size_t i = 0; i < length_size; i++) out[at++] = (char)((hl >> (8 * i)) & 0xFF);
    memcpy(out + at, dict, len);
    at += len;
    memset(out + at, ' ', padding);
    at += padding;
    out[at++] = '\n';
    return at;
}

/* ---- output file names, as `qcc run` picks them (Sources/qcc/RunCommand.swift, outputFileNames) ---- */

static int is_plain(const char *n) {
    if (!*n || !strcmp(n, ".") || !strcmp(n, "..")) return 0;
    for (const unsigned char *p = (const unsigned char *)n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '.' || *p == '-'))
            return 0;
    return 1;
}

/* Graph.sanitize: identifier characters kept, '/' to '.', anything else (per Unicode scalar) to '_', leading dots dropped. */
static char *sanitize(const char *n) {
    size_t len = strlen(n);
    char *out = (char *)malloc(len + 2);
    if (!out) die(2, "out of memory");
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)n; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.')
            out[o++] = (char)c;
        else if (c == '/')
            out[o++] = '.';
        else if ((c & 0xC0) != 0x80) /* one '_' per UTF-8 sequence */
            out[o++] = '_';
    }
    out[o] = 0;
    size_t skip = 0;
    while (out[skip] == '.') skip++;
    memmove(out, out + skip, o - skip + 1);
    if (!out[0]) strcpy(out, "v");
    return out;
}

static int taken_contains(char **taken, size_t count, const char *s) {
    for (size_t i = 0; i < count; i++)
        if (!strcmp(taken[i], s)) return 1;
    return 0;
}

/* File names (without ".npy") for `count` output names. */
static char **output_file_names(const char *const *names, size_t count) {
    char **files = (char **)calloc(count ? count : 1, sizeof *files);
    char **taken = (char **)calloc(2 * count + 1, sizeof *taken);
    if (!files || !taken) die(2, "out of memory");
    size_t taken_count = 0;
    for (size_t i = 0; i < count; i++)
        if (is_plain(names[i])) taken[taken_count++] = (char *)(uintptr_t)names[i];
    for (size_t i = 0; i < count; i++) {
        if (is_plain(names[i])) {
            files[i] = (char *)(uintptr_t)names[i];
            continue;
        }
        char *base = sanitize(names[i]);
        char *candidate = base;
        for (int n = 2; taken_contains(taken, taken_count, candidate); n++) {
            if (candidate != base) free(candidate);
            candidate = (char *)malloc(strlen(base) + 24);
            if (!candidate) die(2, "out of memory");
            sprintf(candidate, "%s_%d", base, n);
        }
        taken[taken_count++] = candidate;
        files[i] = candidate;
    }
    return files;
}

/* ---- timing ---- */

double runner_now_ms(void) {
#if defined(CLOCK_MONOTONIC)
    struct timespec t;
    if (clock_gettime(CLOCK_MONOTONIC, &t) == 0) return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
#endif
    return (double)clock() * 1e3 / CLOCKS_PER_SEC;
}

/* ---- inputs and outputs ---- */

uint64_t runner_sample_stride(const runner_tensor *t) { return (t->bytes + 63) / 64 * 64; }

void *runner_load_input(const runner_tensor *info, uint32_t index, const char *path, int64_t *stacked) {
    const unsigned long i = (unsigned long)index;
    const dtype_entry *want = npy_dtype(info->elem);
    if (!want || info->elem == QCC_ELEM_BF16)
        die(1, "input %lu ('%s') is %s, which no .npy dtype holds", i, info->name, runner_elem_text(info->elem));
    size_t npy_size;
    const uint8_t *npy_bytes = runner_read_file(path, &npy_size);
    npy_file npy;
    parse_npy(path, npy_bytes, npy_size, &npy);
    char got[8];
    canonical_descr(npy.descr, got);
    if (strcmp(got, want->descr) != 0)
        die(1, "input %lu ('%s'): %s has dtype '%s', the model wants %s ('%s')", i, info->name, path, npy.descr,
            runner_elem_text(info->elem), want->descr);
    char have_shape[256], want_shape[256];
    runner_shape_text(have_shape, sizeof have_shape, npy.rank, npy.shape);
    runner_shape_text(want_shape, sizeof want_shape, info->rank, info->shape);
    /* One sample, or samples stacked on a leading axis. */
    int lead = npy.rank == info->rank + 1 ? 1 : 0;
    int same = npy.rank == info->rank + lead;
    for (int32_t d = 0; same && d < info->rank; d++) same = npy.shape[d + lead] == info->shape[d];
    if (!same)
        die(1, "input %lu ('%s'): %s has shape %s, the model wants %s (or [N, ...] for N samples)", i, info->name, path,
            have_shape, want_shape);
    const uint64_t samples = lead ? (uint64_t)npy.shape[0] : 1;
    *stacked = lead ? (int64_t)samples : -1;
    int multi = 0;
    for (int32_t d = 0; d < npy.rank; d++) multi += npy.shape[d] > 1;
    if (npy.fortran && multi > 1) die(1, "input %lu ('%s'): %s is in Fortran order; save it in C order", i, info->name, path);
    const uint64_t count = element_count(info->rank, info->shape);
    const uint64_t need = samples * count * (uint64_t)want->size;
    if (npy.data_bytes < need)
        die(1, "input %lu ('%s'): %s is truncated: its data has %llu bytes, %llu sample%s of shape %s need %llu", i,
            info->name, path, (unsigned long long)npy.data_bytes, (unsigned long long)samples, samples == 1 ? "" : "s",
            want_shape, (unsigned long long)need);
    const uint64_t stride = runner_sample_stride(info);
    uint8_t *all = (uint8_t *)runner_alloc64((size_t)(stride * (samples ? samples : 1)));
    for (uint64_t s = 0; s < samples; s++) {
        uint8_t *data = all + s * stride;
        const uint8_t *from = npy.data + s * count * (uint64_t)want->size;
        if (info->elem == QCC_ELEM_I4 || info->elem == QCC_ELEM_U4) {
            memset(data, 0, (size_t)info->bytes);
            for (uint64_t e = 0; e < count; e++) {
                uint8_t v = from[e];
                int ok = info->elem == QCC_ELEM_I4 ? ((int8_t)v >= -8 && (int8_t)v <= 7) : v <= 15;
                if (!ok)
                    die(1, "input %lu ('%s'): element %llu of %s is %d, outside %s's range", i, info->name,
                        (unsigned long long)(s * count + e), path, info->elem == QCC_ELEM_I4 ? (int)(int8_t)v : (int)v,
                        runner_elem_text(info->elem));
                data[e / 2] = (uint8_t)(data[e / 2] | (v & 0x0F) << (4 * (e & 1)));
            }
        } else {
            if (info->bytes) memcpy(data, from, (size_t)info->bytes);
            if (info->elem == QCC_ELEM_BOOL)
                for (uint64_t e = 0; e < count; e++) data[e] = data[e] != 0;
        }
    }
    return all;
}

int64_t runner_sample_count(uint32_t count, const runner_tensor *inputs, const int64_t *stacked) {
    for (uint32_t i = 1; i < count; i++)
        if (stacked[i] != stacked[0]) {
            char a[32], b[32];
            snprintf(a, sizeof a, stacked[0] < 0 ? "one sample" : "%lld samples", (long long)stacked[0]);
            snprintf(b, sizeof b, stacked[i] < 0 ? "one sample" : "%lld samples", (long long)stacked[i]);
            die(1, "input '%s' holds %s but input '%s' holds %s; give every input the same number", inputs[0].name, a,
                inputs[i].name, b);
        }
    return count ? stacked[0] : -1;
}

void runner_write_outputs(const char *outdir, uint32_t no, const runner_tensor *output_info, void *const *outputs,
                          int64_t stacked) {
#ifdef HAVE_MKDIR
    if (mkdir(outdir, 0777) != 0 && errno != EEXIST) die(1, "cannot create '%s': %s", outdir, strerror(errno));
#endif
    const char **output_names = (const char **)calloc(no ? no : 1, sizeof *output_names);
    if (!output_names) die(2, "out of memory");
    for (uint32_t i = 0; i < no; i++) output_names[i] = output_info[i].name;
    char **files = output_file_names(output_names, no);
    const uint64_t samples = stacked < 0 ? 1 : (uint64_t)stacked;
    for (uint32_t i = 0; i < no; i++) {
        const runner_tensor *info = &output_info[i];
        const dtype_entry *dt = npy_dtype(info->elem);
        if (!dt) die(2, "output %lu ('%s') has an unknown element type", (unsigned long)i, info->name);
        const uint64_t count = element_count(info->rank, info->shape);
        const uint64_t stride = runner_sample_stride(info);
        /* The file's data: every sample converted to its .npy dtype, one after another. */
        const uint64_t sample_bytes = count * (uint64_t)dt->size;
        const uint64_t file_bytes = samples * sample_bytes;
        uint8_t *file_data = (uint8_t *)malloc(file_bytes > 0 ? (size_t)file_bytes : 1);
        if (!file_data) die(2, "out of memory");
        for (uint64_t s = 0; s < samples; s++) {
            const uint8_t *data = (const uint8_t *)outputs[i] + s * stride;
            uint8_t *to = file_data + s * sample_bytes;
            if (info->elem == QCC_ELEM_I4 || info->elem == QCC_ELEM_U4) {
                for (uint64_t e = 0; e < count; e++) {
                    int v = (data[e / 2] >> (4 * (e & 1))) & 0x0F;
                    if (info->elem == QCC_ELEM_I4 && v >= 8) v -= 16;
                    to[e] = (uint8_t)v;
                }
            } else if (info->elem == QCC_ELEM_BF16) {
                for (uint64_t e = 0; e < count; e++) {
                    uint32_t bits = (uint32_t)data[2 * e] << 16 | (uint32_t)data[2 * e + 1] << 24;
                    memcpy(to + 4 * e, &bits, 4);
                }
            } else if (sample_bytes) {
                memcpy(to, data, (size_t)sample_bytes);
            }
        }
        int32_t rank = info->rank;
        int64_t shape[QCC_MAX_RANK + 1];
        if (stacked >= 0) shape[0] = stacked;
        for (int32_t d = 0; d < rank; d++) shape[d + (stacked >= 0)] = info->shape[d];
        rank += stacked >= 0;
        size_t path_len = strlen(outdir) + strlen(files[i]) + 8;
        char *path = (char *)malloc(path_len);
        if (!path) die(2, "out of memory");
        snprintf(path, path_len, "%s/%s.npy", outdir, files[i]);
        char header[1024];
        size_t header_len = npy_header(header, sizeof header, dt->descr, rank, shape);
        if (!header_len) die(2, "output %lu ('%s'): .npy header too long", (unsigned long)i, info->name);
        const uint64_t data_bytes = samples * sample_bytes;
        FILE *f = fopen(path, "wb");
        if (!f) die(1, "cannot write '%s': %s", path, strerror(errno));
        if (fwrite(header, 1, header_len, f) != header_len ||
            (data_bytes && fwrite(file_data, 1, (size_t)data_bytes, f) != data_bytes) || fclose(f) != 0)
            die(1, "cannot write '%s': %s", path, strerror(errno));
        char shape_buf[256];
        size_t used = (size_t)snprintf(shape_buf, sizeof shape_buf, "[");
        for (int32_t d = 0; d < rank && used < sizeof shape_buf; d++)
            used += (size_t)snprintf(shape_buf + used, sizeof shape_buf - used, "%s%lld", d ? ", " : "",
                                     (long long)shape[d]);
        if (used < sizeof shape_buf) snprintf(shape_buf + used, sizeof shape_buf - used, "]");
        printf("output '%s' -> %s: %s %s\n", info->name, path, runner_elem_text(info->elem), shape_buf);
        free(file_data);
        free(path);
    }
}
