/*
 * The .qprog loader and runner (docs/qprog.md is the format; qcc_program.h the API).
 *
 * qcc_qprog_open validates a whole file before anything runs: every field is
 * read with byte loads from inside [bytes, bytes + size), every offset and
 * size is checked against its section with overflow-safe arithmetic, and
 * every call goes through qcc_call_check with what the file says about its
 * buffers. Nothing here allocates.
 */
#include "qcc_program.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define HEADER_BYTES 112u
#define TENSOR_BYTES 112u
#define CALL_HEADER_BYTES 24u
#define BUFFER_REF_BYTES 16u
#define ABSENT_TENSOR 0xFFFFFFFFu
#define NAME_LIMIT 200 /* characters of a name quoted in a message */

enum { KIND_INPUT = 1, KIND_OUTPUT = 2, KIND_CONSTANT = 3, KIND_ARENA = 4 };

/* ---- little-endian field reads (any alignment) ---- */

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static float rdf32(const uint8_t *p) {
    uint32_t bits = rd32(p);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* ---- messages ---- */

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(char *error, size_t error_size, const char *format, ...) {
    if (error && error_size > 0) {
        va_list args;
        int n = snprintf(error, error_size, "qprog: ");
        if (n < 0) n = 0;
        if ((size_t)n < error_size) {
            va_start(args, format);
            vsnprintf(error + n, error_size - (size_t)n, format, args);
            va_end(args);
        }
    }
    return -1;
}

typedef unsigned long long ull;

/* ---- records ---- */

typedef struct {
    uint32_t elem, rank, kind, index;
    uint64_t offset, bytes;
    int64_t shape[QCC_MAX_RANK];
    uint32_t name, quantized;
    float scale;
    int32_t zero_point;
} tensor_record;

static void read_tensor(const qcc_qprog *p, uint32_t id, tensor_record *t) {
    const uint8_t *r = p->tensors + (size_t)id * TENSOR_BYTES;
    t->elem = rd32(r);
    t->rank = rd32(r + 4);
    t->kind = rd32(r + 8);
    t->index = rd32(r + 12);
    t->offset = rd64(r + 16);
    t->bytes = rd64(r + 24);
    for (int i = 0; i < QCC_MAX_RANK; i++) t->shape[i] = (int64_t)rd64(r + 32 + 8 * i);
    t->name = rd32(r + 96);
    t->quantized = rd32(r + 100);
    t->scale = rdf32(r + 104);
    t->zero_point = (int32_t)rd32(r + 108);
}

typedef struct {
    uint32_t kernel, buffer_count, int_count, float_count, name, reserved;
    const uint8_t *refs;   /* buffer_count references of 16 bytes */
    const uint8_t *ints;   /* int_count i64s, 8-byte aligned in memory */
    const uint8_t *floats; /* float_count f32s */
    uint64_t record_bytes; /* the whole record, padding included */
} call_record;

/* Reads the fixed part of the call record at `r` (24 bytes are there) and lays out the rest. */
static void read_call(const uint8_t *r, call_record *c) {
    c->kernel = rd32(r);
    c->buffer_count = rd32(r + 4);
    c->int_count = rd32(r + 8);
    c->float_count = rd32(r + 12);
    c->name = rd32(r + 16);
    c->reserved = rd32(r + 20);
    c->refs = r + CALL_HEADER_BYTES;
    c->ints = c->refs + (size_t)BUFFER_REF_BYTES * (c->buffer_count <= QCC_CALL_MAX_BUFFERS ? c->buffer_count : 0);
    c->floats = c->ints + (size_t)8 * (c->int_count <= QCC_CALL_MAX_INTS ? c->int_count : 0);
    c->record_bytes = ((uint64_t)CALL_HEADER_BYTES + (uint64_t)BUFFER_REF_BYTES * c->buffer_count +
                       (uint64_t)8 * c->int_count + (uint64_t)4 * c->float_count + 7u) &
                      ~(uint64_t)7u;
}

/* The name at `offset` in the names section, or NULL when it is not a NUL-terminated string inside it. */
static const char *name_at(const qcc_qprog *p, uint32_t offset) {
    if ((uint64_t)offset >= p->names_bytes) return NULL;
    if (!memchr(p->names + offset, 0, (size_t)(p->names_bytes - offset))) return NULL;
    return (const char *)(p->names + offset);
}

/* Describes a bad name offset into `what` (for a message). */
static void describe_bad_name(const qcc_qprog *p, uint32_t offset, char *what, size_t what_size) {
    if ((uint64_t)offset >= p->names_bytes)
        snprintf(what, what_size, "name offset %lu is outside the names section (%llu bytes)", (unsigned long)offset,
                 (ull)p->names_bytes);
    else
        snprintf(what, what_size, "the name at offset %lu has no NUL before the names section ends (%llu bytes)",
                 (unsigned long)offset, (ull)p->names_bytes);
}

/* Bytes per element (0 for 4-bit types, which pack two per byte), or -1 for an unknown code. */
static int elem_size(uint32_t elem) {
    switch (elem) {
    case QCC_ELEM_F64: case QCC_ELEM_I64: case QCC_ELEM_U64: return 8;
    case QCC_ELEM_F32: case QCC_ELEM_I32: case QCC_ELEM_U32: return 4;
    case QCC_ELEM_F16: case QCC_ELEM_BF16: case QCC_ELEM_I16: case QCC_ELEM_U16: return 2;
    case QCC_ELEM_I8: case QCC_ELEM_U8: case QCC_ELEM_BOOL: return 1;
    case QCC_ELEM_I4: case QCC_ELEM_U4: return 0;
    default: return -1;
    }
}

static const char *kind_name(uint32_t kind) {
    switch (kind) {
    case KIND_INPUT: return "input";
    case KIND_OUTPUT: return "output";
    case KIND_CONSTANT: return "constant";
    case KIND_ARENA: return "arena";
    default: return "?";
    }
}

/* ---- validation ---- */

static int check_tensor(const qcc_qprog *p, uint32_t id, char *error, size_t error_size) {
    tensor_record t;
    read_tensor(p, id, &t);
    const char *name = name_at(p, t.name);
    if (!name) {
        char what[160];
        describe_bad_name(p, t.name, what, sizeof what);
        return fail(error, error_size, "tensor %lu: %s", (unsigned long)id, what);
    }
#define TFAIL(...) \
    do { \
        char what_[256]; \
        snprintf(what_, sizeof what_, __VA_ARGS__); \
        return fail(error, error_size, "tensor %lu ('%.*s'): %s", (unsigned long)id, NAME_LIMIT, name, what_); \
    } while (0)
    int size = elem_size(t.elem);
    if (size < 0) TFAIL("unknown element type code %lu", (unsigned long)t.elem);
    if (t.rank > QCC_MAX_RANK) TFAIL("rank %lu is above %d", (unsigned long)t.rank, QCC_MAX_RANK);
    uint64_t count = 1;
    int zero = 0;
    for (uint32_t i = 0; i < QCC_MAX_RANK; i++) {
        int64_t d = t.shape[i];
        if (i >= t.rank) {
            if (d != 0) TFAIL("shape[%lu] is %lld beyond its rank %lu (must be 0)", (unsigned long)i, (long long)d,
                              (unsigned long)t.rank);
            continue;
        }
        if (d < 0) TFAIL("dimension %lu is negative (%lld)", (unsigned long)i, (long long)d);
        if (d == 0) {
            zero = 1;
            continue;
        }
        if (count > UINT64_MAX / (uint64_t)d) TFAIL("its element count overflows 64 bits");
        count *= (uint64_t)d;
    }
    uint64_t bytes;
    if (size == 0) {
        bytes = count / 2 + (count & 1u);
    } else {
        if (count > UINT64_MAX / (uint64_t)size) TFAIL("its byte size overflows 64 bits");
        bytes = count * (uint64_t)size;
    }
    if (zero) bytes = 0;
    if (t.bytes != bytes)
        TFAIL("bytes is %llu, but its %s shape needs %llu", (ull)t.bytes, qcc_elem_name((int32_t)t.elem) ?
              qcc_elem_name((int32_t)t.elem) : "", (ull)bytes);
    switch (t.kind) {
    case KIND_INPUT:
    case KIND_OUTPUT: {
        uint32_t limit = t.kind == KIND_INPUT ? p->input_count : p->output_count;
        if (t.index >= limit)
            TFAIL("%s number %lu, but the header says there are %lu %ss", kind_name(t.kind), (unsigned long)t.index,
                  (unsigned long)limit, kind_name(t.kind));
        if (t.offset != 0) TFAIL("offset is %llu; an %s's must be 0", (ull)t.offset, kind_name(t.kind));
        break;
    }
    case KIND_CONSTANT:
    case KIND_ARENA: {
        uint64_t limit = t.kind == KIND_CONSTANT ? p->constants_bytes : p->arena_bytes;
        const char *where = t.kind == KIND_CONSTANT ? "the constants section" : "the arena";
        if (t.index != 0)
            TFAIL("index is %lu; %s tensor's must be 0", (unsigned long)t.index, t.kind == KIND_ARENA ? "an arena" : "a constant");
        if (t.offset % 64u != 0) TFAIL("offset %llu is not a multiple of 64", (ull)t.offset);
        if (t.offset > limit || t.bytes > limit - t.offset)
            TFAIL("bytes [%llu, %llu + %llu) lie outside %s (%llu bytes)", (ull)t.offset, (ull)t.offset, (ull)t.bytes,
                  where, (ull)limit);
        break;
    }
    default:
        TFAIL("unknown kind %lu (1 input, 2 output, 3 constant, 4 arena)", (unsigned long)t.kind);
    }
    if (t.quantized > 1) TFAIL("quantized is %lu, not 0 or 1", (unsigned long)t.quantized);
    if (t.quantized) {
        uint32_t bits;
        memcpy(&bits, &t.scale, sizeof bits);
        if (((bits >> 23) & 0xFFu) == 0xFFu || !(t.scale > 0.0f))
            TFAIL("quantized with scale %g (must be finite and > 0)", (double)t.scale);
    } else {
        uint32_t bits;
        memcpy(&bits, &t.scale, sizeof bits);
        if (bits != 0) TFAIL("not quantized, but its scale is %g (must be 0)", (double)t.scale);
        if (t.zero_point != 0) TFAIL("not quantized, but its zero point is %ld (must be 0)", (long)t.zero_point);
    }
#undef TFAIL
    return 0;
}

/* Checks that each of `count` numbers of tensors of `kind` names exactly one tensor (chunked bitmap). */
static int check_numbering(const qcc_qprog *p, uint32_t kind, uint32_t count, char *error, size_t error_size) {
    enum { CHUNK = 8192 };
    uint8_t seen[CHUNK / 8];
    for (uint64_t base = 0; base < count; base += CHUNK) {
        memset(seen, 0, sizeof seen);
        for (uint32_t id = 0; id < p->tensor_count; id++) {
            tensor_record t;
            read_tensor(p, id, &t);
            if (t.kind != kind || t.index < base || t.index >= base + CHUNK) continue;
            uint32_t bit = (uint32_t)(t.index - base);
            if (seen[bit / 8] & (1u << (bit % 8))) {
                uint32_t other = 0;
                for (; other < id; other++) {
                    tensor_record o;
                    read_tensor(p, other, &o);
                    if (o.kind == kind && o.index == t.index) break;
                }
                tensor_record o;
                read_tensor(p, other, &o);
                return fail(error, error_size, "tensor %lu ('%.*s') and tensor %lu ('%.*s') are both %s %lu",
                            (unsigned long)other, NAME_LIMIT, name_at(p, o.name), (unsigned long)id, NAME_LIMIT,
                            name_at(p, t.name), kind_name(kind), (unsigned long)t.index);
            }
            seen[bit / 8] = (uint8_t)(seen[bit / 8] | (1u << (bit % 8)));
        }
        for (uint64_t n = base; n < count && n < base + CHUNK; n++) {
            uint32_t bit = (uint32_t)(n - base);
            if (!(seen[bit / 8] & (1u << (bit % 8))))
                return fail(error, error_size, "no tensor is %s %llu (the header says there are %lu %ss)",
                            kind_name(kind), (ull)n, (unsigned long)count, kind_name(kind));
        }
    }
    return 0;
}

/* Checks call `index` at `pos` in the calls section; sets *record_bytes. */
static int check_call(const qcc_qprog *p, uint32_t index, uint64_t pos, uint64_t *record_bytes, char *error,
                      size_t error_size) {
    uint64_t left = p->calls_bytes - pos;
    if (left < CALL_HEADER_BYTES)
        return fail(error, error_size, "call %lu: truncated: its record needs %u bytes, the calls section has %llu left",
                    (unsigned long)index, CALL_HEADER_BYTES, (ull)left);
    const uint8_t *r = p->calls + pos;
    call_record c;
    read_call(r, &c);
    const char *name = name_at(p, c.name);
    if (!name) {
        char what[160];
        describe_bad_name(p, c.name, what, sizeof what);
        return fail(error, error_size, "call %lu: %s", (unsigned long)index, what);
    }
#define CFAIL(...) \
    do { \
        char what_[1024]; \
        snprintf(what_, sizeof what_, __VA_ARGS__); \
        return fail(error, error_size, "call %lu (node '%.*s'): %s", (unsigned long)index, NAME_LIMIT, name, what_); \
    } while (0)
    if (c.reserved != 0) CFAIL("reserved field is %lu (must be 0)", (unsigned long)c.reserved);
    if (c.buffer_count > QCC_CALL_MAX_BUFFERS)
        CFAIL("%lu buffers (at most %d)", (unsigned long)c.buffer_count, QCC_CALL_MAX_BUFFERS);
    if (c.int_count > QCC_CALL_MAX_INTS) CFAIL("%lu ints (at most %d)", (unsigned long)c.int_count, QCC_CALL_MAX_INTS);
    if (c.float_count > QCC_CALL_MAX_FLOATS)
        CFAIL("%lu floats (at most %d)", (unsigned long)c.float_count, QCC_CALL_MAX_FLOATS);
    if (c.record_bytes > left)
        CFAIL("truncated: its record needs %llu bytes, the calls section has %llu left", (ull)c.record_bytes,
              (ull)left);
    const uint8_t *end = c.floats + (size_t)4 * c.float_count;
    for (const uint8_t *q = end; q < r + c.record_bytes; q++)
        if (*q != 0) CFAIL("padding byte %lu is not 0", (unsigned long)(q - r));

    void *pointers[QCC_CALL_MAX_BUFFERS];
    qcc_buffer_info info[QCC_CALL_MAX_BUFFERS];
    for (uint32_t b = 0; b < c.buffer_count; b++) {
        const uint8_t *ref = c.refs + (size_t)BUFFER_REF_BYTES * b;
        uint32_t tensor = rd32(ref), reserved = rd32(ref + 4);
        uint64_t offset = rd64(ref + 8);
        if (reserved != 0) CFAIL("buffer %lu: reserved field is %lu (must be 0)", (unsigned long)b, (unsigned long)reserved);
        pointers[b] = NULL;
        info[b].before = 0;
        info[b].after = 0;
        info[b].flags = 0;
        if (tensor == ABSENT_TENSOR) {
            if (offset != 0) CFAIL("buffer %lu is absent but has byte offset %llu (must be 0)", (unsigned long)b, (ull)offset);
            continue;
        }
        if (tensor >= p->tensor_count)
            CFAIL("buffer %lu names tensor %lu; there are %lu", (unsigned long)b, (unsigned long)tensor,
                  (unsigned long)p->tensor_count);
        tensor_record t;
        read_tensor(p, tensor, &t);
        if (offset > t.bytes)
            CFAIL("buffer %lu starts at byte %llu of tensor %lu ('%.*s'), which has %llu", (unsigned long)b,
                  (ull)offset, (unsigned long)tensor, NAME_LIMIT, name_at(p, t.name), (ull)t.bytes);
        if (t.bytes > (uint64_t)INT64_MAX)
            CFAIL("buffer %lu: tensor %lu is too large", (unsigned long)b, (unsigned long)tensor);
        info[b].before = (int64_t)offset;
        info[b].after = (int64_t)(t.bytes - offset);
        info[b].flags = QCC_BUFFER_PRESENT;
        if (t.kind == KIND_OUTPUT || t.kind == KIND_ARENA) info[b].flags |= QCC_BUFFER_WRITABLE;
        if (t.kind == KIND_CONSTANT) {
            info[b].flags |= QCC_BUFFER_CONSTANT;
            pointers[b] = (void *)(uintptr_t)(p->constants + t.offset + offset);
        }
    }
    qcc_call call;
    call.kernel = (int32_t)c.kernel;
    call.buffer_count = (int32_t)c.buffer_count;
    call.int_count = (int32_t)c.int_count;
    call.float_count = (int32_t)c.float_count;
    call.buffers = pointers;
    call.ints = (const int64_t *)(const void *)c.ints;
    call.floats = (const float *)(const void *)c.floats;
    char message[512];
    message[0] = 0;
    if (qcc_call_check(&call, info, message, sizeof message) != 0) {
        /* Name the tensor of the buffer the message is about ("... buffer 1 (x) reads ..."). */
        char tensor_text[300];
        tensor_text[0] = 0;
        const char *at = strstr(message, "buffer ");
        if (at && at[7] >= '0' && at[7] <= '9' && (at[8] < '0' || at[8] > '9')) {
            uint32_t b = (uint32_t)(at[7] - '0');
            uint32_t tensor = b < c.buffer_count ? rd32(c.refs + (size_t)BUFFER_REF_BYTES * b) : ABSENT_TENSOR;
            if (tensor != ABSENT_TENSOR) {
                tensor_record t;
                read_tensor(p, tensor, &t);
                snprintf(tensor_text, sizeof tensor_text, " (buffer %lu is %s tensor %lu '%.*s' at byte %lld)",
                         (unsigned long)b, kind_name(t.kind), (unsigned long)tensor, NAME_LIMIT / 2,
                         name_at(p, t.name), (long long)info[b].before);
            }
        }
        CFAIL("%s%s", message[0] ? message : "rejected by qcc_call_check", tensor_text);
    }
#undef CFAIL
    *record_bytes = c.record_bytes;
    return 0;
}

static int host_is_little_endian(void) {
    const uint32_t one = 1;
    uint8_t first;
    memcpy(&first, &one, 1);
    return first == 1;
}

int qcc_qprog_open(const void *bytes, size_t size, qcc_qprog *program, char *error, size_t error_size) {
    if (error && error_size > 0) error[0] = 0;
    if (!program) return fail(error, error_size, "no program to fill (NULL)");
    memset(program, 0, sizeof *program);
    if (!host_is_little_endian()) return fail(error, error_size, "this runtime needs a little-endian host");
    if (!bytes && size > 0) return fail(error, error_size, "the file's bytes are NULL");
    if (size < HEADER_BYTES)
        return fail(error, error_size, "truncated: the header needs %u bytes, the file has %llu", HEADER_BYTES,
                    (ull)size);
    const uint8_t *h = (const uint8_t *)bytes;
    if (memcmp(h, "QPRG", 4) != 0) {
        char magic[20];
        snprintf(magic, sizeof magic, "%02x %02x %02x %02x", h[0], h[1], h[2], h[3]);
        return fail(error, error_size, "not a .qprog file: the magic is %s, not 'QPRG'", magic);
    }
    uint32_t version = rd32(h + 4);
    if (version != QCC_QPROG_VERSION)
        return fail(error, error_size, "the file is version %lu; this runtime reads version %d", (unsigned long)version,
                    QCC_QPROG_VERSION);
    if ((uintptr_t)bytes % 8u != 0)
        return fail(error, error_size, "the file's bytes must be 8-byte aligned in memory (64 is best)");
    uint32_t flags = rd32(h + 8);
    if (flags != 0) return fail(error, error_size, "flags is 0x%08lx (must be 0)", (unsigned long)flags);
    uint32_t tensor_count = rd32(h + 12), input_count = rd32(h + 16), output_count = rd32(h + 20);
    uint32_t call_count = rd32(h + 24), crc = rd32(h + 28);
    uint64_t file_size = rd64(h + 32), arena_bytes = rd64(h + 40);
    uint64_t tensors_offset = rd64(h + 48), tensors_bytes = rd64(h + 56);
    uint64_t calls_offset = rd64(h + 64), calls_bytes = rd64(h + 72);
    uint64_t names_offset = rd64(h + 80), names_bytes = rd64(h + 88);
    uint64_t constants_offset = rd64(h + 96), constants_bytes = rd64(h + 104);
    uint64_t n = (uint64_t)size;
    if (file_size > n)
        return fail(error, error_size, "truncated: the header says the file has %llu bytes, it has %llu",
                    (ull)file_size, (ull)n);
    if (file_size != n)
        return fail(error, error_size, "the header says the file has %llu bytes, but it has %llu", (ull)file_size,
                    (ull)n);
    if (output_count < 1) return fail(error, error_size, "the program has no outputs (output_count is 0)");
    if (arena_bytes % 64u != 0)
        return fail(error, error_size, "arena_bytes %llu is not a multiple of 64", (ull)arena_bytes);
    if (tensors_offset != HEADER_BYTES)
        return fail(error, error_size, "tensors_offset is %llu (must be %u)", (ull)tensors_offset, HEADER_BYTES);
    if (tensors_bytes != (uint64_t)TENSOR_BYTES * tensor_count)
        return fail(error, error_size, "tensors_bytes is %llu; %lu tensors need %llu", (ull)tensors_bytes,
                    (unsigned long)tensor_count, (ull)((uint64_t)TENSOR_BYTES * tensor_count));
    if (tensors_bytes > n - tensors_offset)
        return fail(error, error_size, "truncated: the tensors section [%llu, %llu) ends past the file's %llu bytes",
                    (ull)tensors_offset, (ull)(tensors_offset + tensors_bytes), (ull)n);
    if (calls_offset != tensors_offset + tensors_bytes)
        return fail(error, error_size, "calls_offset is %llu (must be %llu, where the tensors end)", (ull)calls_offset,
                    (ull)(tensors_offset + tensors_bytes));
    if (calls_bytes > n - calls_offset)
        return fail(error, error_size, "the calls section [%llu, +%llu) ends past the file's %llu bytes",
                    (ull)calls_offset, (ull)calls_bytes, (ull)n);
    if (calls_bytes % 8u != 0)
        return fail(error, error_size, "calls_bytes %llu is not a multiple of 8", (ull)calls_bytes);
    if (names_offset != calls_offset + calls_bytes)
        return fail(error, error_size, "names_offset is %llu (must be %llu, where the calls end)", (ull)names_offset,
                    (ull)(calls_offset + calls_bytes));
    if (names_bytes > n - names_offset)
        return fail(error, error_size, "the names section [%llu, +%llu) ends past the file's %llu bytes",
                    (ull)names_offset, (ull)names_bytes, (ull)n);
    if (constants_offset < names_offset + names_bytes)
        return fail(error, error_size, "constants_offset %llu overlaps the names section, which ends at %llu",
                    (ull)constants_offset, (ull)(names_offset + names_bytes));
    if (constants_offset % 64u != 0)
        return fail(error, error_size, "constants_offset %llu is not a multiple of 64", (ull)constants_offset);
    if (constants_offset > n || constants_bytes != n - constants_offset)
        return fail(error, error_size,
                    "the constants section [%llu, +%llu) does not end exactly at the end of the file (%llu bytes)",
                    (ull)constants_offset, (ull)constants_bytes, (ull)n);
    uint32_t actual = qcc_crc32(0, h + HEADER_BYTES, size - HEADER_BYTES);
    if (actual != crc)
        return fail(error, error_size, "CRC-32 mismatch: the header says 0x%08lx, bytes [112, %llu) have 0x%08lx "
                    "(the file is corrupt)", (unsigned long)crc, (ull)n, (unsigned long)actual);
    if (tensor_count == ABSENT_TENSOR) return fail(error, error_size, "too many tensors (%lu)", (unsigned long)tensor_count);

    qcc_qprog p;
    memset(&p, 0, sizeof p);
    p.bytes = h;
    p.size = n;
    p.tensor_count = tensor_count;
    p.input_count = input_count;
    p.output_count = output_count;
    p.call_count = call_count;
    p.arena_bytes = arena_bytes;
    p.tensors = h + tensors_offset;
    p.calls = h + calls_offset;
    p.names = h + names_offset;
    p.constants = h + constants_offset;
    p.calls_bytes = calls_bytes;
    p.names_bytes = names_bytes;
    p.constants_bytes = constants_bytes;

    if (input_count > tensor_count || output_count > tensor_count)
        return fail(error, error_size, "the header lists %lu inputs and %lu outputs but only %lu tensors",
                    (unsigned long)input_count, (unsigned long)output_count, (unsigned long)tensor_count);
    for (uint32_t id = 0; id < tensor_count; id++)
        if (check_tensor(&p, id, error, error_size) != 0) return -1;
    if (check_numbering(&p, KIND_INPUT, input_count, error, error_size) != 0) return -1;
    if (check_numbering(&p, KIND_OUTPUT, output_count, error, error_size) != 0) return -1;
    uint64_t pos = 0;
    for (uint32_t i = 0; i < call_count; i++) {
        uint64_t record_bytes = 0;
        if (check_call(&p, i, pos, &record_bytes, error, error_size) != 0) return -1;
        pos += record_bytes;
    }
    if (pos != calls_bytes)
        return fail(error, error_size, "the calls section has %llu bytes after its %lu calls (it has %llu bytes)",
                    (ull)(calls_bytes - pos), (unsigned long)call_count, (ull)calls_bytes);
    *program = p;
    return 0;
}

/* ---- queries ---- */

uint64_t qcc_qprog_arena_bytes(const qcc_qprog *program) { return program->arena_bytes; }
uint32_t qcc_qprog_input_count(const qcc_qprog *program) { return program->input_count; }
uint32_t qcc_qprog_output_count(const qcc_qprog *program) { return program->output_count; }
uint32_t qcc_qprog_call_count(const qcc_qprog *program) { return program->call_count; }

static int describe(const qcc_qprog *p, uint32_t kind, uint32_t index, qcc_qprog_tensor_info *info) {
    for (uint32_t id = 0; id < p->tensor_count; id++) {
        tensor_record t;
        read_tensor(p, id, &t);
        if (t.kind != kind || t.index != index) continue;
        if (info) {
            memset(info, 0, sizeof *info);
            info->name = (const char *)(p->names + t.name);
            info->elem = (int32_t)t.elem;
            info->rank = (int32_t)t.rank;
            for (uint32_t i = 0; i < t.rank; i++) info->shape[i] = t.shape[i];
            info->bytes = t.bytes;
            info->quantized = (int32_t)t.quantized;
            info->scale = t.scale;
            info->zero_point = t.zero_point;
        }
        return 0;
    }
    return -1;
}

int qcc_qprog_input(const qcc_qprog *program, uint32_t index, qcc_qprog_tensor_info *info) {
    if (!program || index >= program->input_count) return -1;
    return describe(program, KIND_INPUT, index, info);
}

int qcc_qprog_output(const qcc_qprog *program, uint32_t index, qcc_qprog_tensor_info *info) {
    if (!program || index >= program->output_count) return -1;
    return describe(program, KIND_OUTPUT, index, info);
}

/* ---- running ---- */

/* Storage for zero-byte tensors whose caller gave no pointer: never read or written. */
static union {
    uint64_t u[8];
    double d;
} empty_storage;

int qcc_qprog_run(const qcc_qprog *program, const void *const *inputs, void *const *outputs, void *arena, char *error,
                  size_t error_size) {
    if (error && error_size > 0) error[0] = 0;
    if (!program || !program->bytes) return fail(error, error_size, "run: the program is not open");
    const qcc_qprog *p = program;
    if (p->arena_bytes > 0 && !arena)
        return fail(error, error_size, "run: the program needs an arena of %llu bytes, got NULL", (ull)p->arena_bytes);
    if ((uintptr_t)arena % 64u != 0) return fail(error, error_size, "run: the arena is not 64-byte aligned");
    uint64_t pos = 0;
    for (uint32_t i = 0; i < p->call_count; i++) {
        const uint8_t *r = p->calls + pos;
        call_record c;
        read_call(r, &c);
        pos += c.record_bytes;
        const char *name = (const char *)(p->names + c.name);
        void *pointers[QCC_CALL_MAX_BUFFERS];
        for (uint32_t b = 0; b < c.buffer_count; b++) {
            const uint8_t *ref = c.refs + (size_t)BUFFER_REF_BYTES * b;
            uint32_t tensor = rd32(ref);
            uint64_t offset = rd64(ref + 8);
            pointers[b] = NULL;
            if (tensor == ABSENT_TENSOR) continue;
            tensor_record t;
            read_tensor(p, tensor, &t);
            uint8_t *base = NULL;
            switch (t.kind) {
            case KIND_INPUT:
                base = inputs ? (uint8_t *)(uintptr_t)inputs[t.index] : NULL;
                break;
            case KIND_OUTPUT:
                base = outputs ? (uint8_t *)outputs[t.index] : NULL;
                break;
            case KIND_CONSTANT:
                base = (uint8_t *)(uintptr_t)(p->constants + t.offset);
                break;
            default:
                base = arena ? (uint8_t *)arena + t.offset : NULL;
                break;
            }
            if (!base) {
                if (t.bytes != 0)
                    return fail(error, error_size, "call %lu (node '%.*s'): %s %lu ('%.*s') is NULL", (unsigned long)i,
                                NAME_LIMIT, name, kind_name(t.kind), (unsigned long)t.index, NAME_LIMIT,
                                (const char *)(p->names + t.name));
                base = (uint8_t *)&empty_storage;
            }
            if (t.kind == KIND_INPUT || t.kind == KIND_OUTPUT) {
                int size = elem_size(t.elem);
                if (size > 1 && (uintptr_t)base % (uintptr_t)size != 0)
                    return fail(error, error_size, "%s %lu ('%.*s') is not aligned to its %d-byte elements",
                                kind_name(t.kind), (unsigned long)t.index, NAME_LIMIT,
                                (const char *)(p->names + t.name), size);
            }
            pointers[b] = base + offset;
        }
        qcc_call call;
        call.kernel = (int32_t)c.kernel;
        call.buffer_count = (int32_t)c.buffer_count;
        call.int_count = (int32_t)c.int_count;
        call.float_count = (int32_t)c.float_count;
        call.buffers = pointers;
        call.ints = (const int64_t *)(const void *)c.ints;
        call.floats = (const float *)(const void *)c.floats;
        char message[512];
        message[0] = 0;
        if (qcc_call_run(&call, message, sizeof message) != 0)
            return fail(error, error_size, "call %lu (node '%.*s'): %s", (unsigned long)i, NAME_LIMIT, name,
                        message[0] ? message : "failed");
    }
    return 0;
}
