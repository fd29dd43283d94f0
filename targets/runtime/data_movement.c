#include "qcc_data_movement.h"

#include <string.h>

/* Innermost dimension: specialised for contiguous runs and common element sizes. */
static void copy_row(char *dst, int64_t ds, const char *src, int64_t ss, int64_t n, size_t es) {
    if (ds == 1 && ss == 1) {
        memcpy(dst, src, (size_t)n * es);
        return;
    }
    switch (es) {
    case 1:
        for (int64_t i = 0; i < n; i++) dst[i * ds] = src[i * ss];
        break;
    case 2:
        for (int64_t i = 0; i < n; i++) ((int16_t *)dst)[i * ds] = ((const int16_t *)src)[i * ss];
        break;
    case 4:
        for (int64_t i = 0; i < n; i++) ((int32_t *)dst)[i * ds] = ((const int32_t *)src)[i * ss];
        break;
    case 8:
        for (int64_t i = 0; i < n; i++) ((int64_t *)dst)[i * ds] = ((const int64_t *)src)[i * ss];
        break;
    default:
        for (int64_t i = 0; i < n; i++) memcpy(dst + i * ds * (int64_t)es, src + i * ss * (int64_t)es, es);
    }
}

/* Side of the square tiles a transposed plane is copied in (32x32 f32 is 4 KiB per side). */
#define QCC_TILE 32

/*
 * Transposed planes: dst[r * drs + c] = src[r + c * scs] for r < rows, c < cols.
 * Tiles keep both sides in cache; inside a tile, 4x4 blocks read four
 * contiguous source runs into registers and write four contiguous destination
 * runs. One function per element width, so that each block stays in registers.
 */
#if defined(__GNUC__)
/* Kept out of line: inlined into the odometer loop, the block's 16 values spill to the stack. */
#define QCC_NOINLINE __attribute__((noinline))
#else
#define QCC_NOINLINE
#endif

#define DEFINE_TRANSPOSE_PLANE(NAME, T)                                                                      \
    static QCC_NOINLINE void NAME(T *restrict d, int64_t drs, const T *restrict s, int64_t scs, int64_t rows,     \
                                  int64_t cols) {                                                            \
        for (int64_t r0 = 0; r0 < rows; r0 += QCC_TILE) {                                                    \
            const int64_t r1 = r0 + QCC_TILE < rows ? r0 + QCC_TILE : rows;                                  \
            for (int64_t c0 = 0; c0 < cols; c0 += QCC_TILE) {                                                \
                const int64_t c1 = c0 + QCC_TILE < cols ? c0 + QCC_TILE : cols;                              \
                int64_t r = r0;                                                                              \
                for (; r + 4 <= r1; r += 4) {                                                                \
                    int64_t c = c0;                                                                          \
                    for (; c + 4 <= c1; c += 4) {                                                            \
                        const T *s0 = s + c * scs + r, *s1 = s0 + scs, *s2 = s1 + scs, *s3 = s2 + scs;       \
                        const T a0 = s0[0], a1 = s0[1], a2 = s0[2], a3 = s0[3];                              \
                        const T b0 = s1[0], b1 = s1[1], b2 = s1[2], b3 = s1[3];                              \
                        const T e0 = s2[0], e1 = s2[1], e2 = s2[2], e3 = s2[3];                              \
                        const T f0 = s3[0], f1 = s3[1], f2 = s3[2], f3 = s3[3];                              \
                        T *o = d + r * drs + c;                                                              \
                        o[0] = a0, o[1] = b0, o[2] = e0, o[3] = f0, o += drs;                                \
                        o[0] = a1, o[1] = b1, o[2] = e1, o[3] = f1, o += drs;                                \
                        o[0] = a2, o[1] = b2, o[2] = e2, o[3] = f2, o += drs;                                \
                        o[0] = a3, o[1] = b3, o[2] = e3, o[3] = f3;                                          \
                    }                                                                                        \
                    for (; c < c1; c++)                                                                      \
                        for (int j = 0; j < 4; j++) d[(r + j) * drs + c] = s[c * scs + r + j];               \
                }                                                                                            \
                for (; r < r1; r++)                                                                          \
                    for (int64_t c = c0; c < c1; c++) d[r * drs + c] = s[r + c * scs];                       \
            }                                                                                                \
        }                                                                                                    \
    }

DEFINE_TRANSPOSE_PLANE(transpose_plane_1, int8_t)
DEFINE_TRANSPOSE_PLANE(transpose_plane_2, int16_t)
DEFINE_TRANSPOSE_PLANE(transpose_plane_4, int32_t)
DEFINE_TRANSPOSE_PLANE(transpose_plane_8, int64_t)

static void copy_transposed_plane(char *dst, int64_t drs, const char *src, int64_t scs, int64_t rows, int64_t cols,
                                  size_t es) {
    switch (es) {
    case 1: transpose_plane_1((int8_t *)dst, drs, (const int8_t *)src, scs, rows, cols); break;
    case 2: transpose_plane_2((int16_t *)dst, drs, (const int16_t *)src, scs, rows, cols); break;
    case 4: transpose_plane_4((int32_t *)dst, drs, (const int32_t *)src, scs, rows, cols); break;
    case 8: transpose_plane_8((int64_t *)dst, drs, (const int64_t *)src, scs, rows, cols); break;
    default:
        for (int64_t r = 0; r < rows; r++)
            copy_row(dst + r * drs * (int64_t)es, 1, src + r * (int64_t)es, scs, cols, es);
    }
}

void qcc_strided_copy(void *dst, const int64_t *dst_strides, const void *src, const int64_t *src_strides,
                      const int64_t *shape, int rank, size_t elem_size) {
    for (int i = 0; i < rank; i++)
        if (shape[i] == 0) return;
    if (rank == 0) {
        memcpy(dst, src, elem_size);
        return;
    }
    const int last = rank - 1;
    /* A transpose of the two innermost dimensions, large enough for tiling to pay. */
    const int tiled = rank >= 2 && dst_strides[last] == 1 && src_strides[last] != 1 && src_strides[last - 1] == 1 &&
                      dst_strides[last - 1] != 1 && shape[last] >= 4 && shape[last - 1] >= 4;
    const int outer_rank = tiled ? rank - 2 : rank - 1;
    int64_t index[QCC_MAX_RANK] = {0};
    const int64_t es = (int64_t)elem_size;
    char *d = (char *)dst;
    const char *s = (const char *)src;
    for (;;) {
        if (tiled)
            copy_transposed_plane(d, dst_strides[last - 1], s, src_strides[last], shape[last - 1], shape[last],
                                  elem_size);
        else
            copy_row(d, dst_strides[last], s, src_strides[last], shape[last], elem_size);
        /* Advance the outer index like an odometer, moving both pointers. */
        int dim = outer_rank - 1;
        while (dim >= 0) {
            index[dim]++;
            d += dst_strides[dim] * es;
            s += src_strides[dim] * es;
            if (index[dim] < shape[dim]) break;
            d -= dst_strides[dim] * es * shape[dim];
            s -= src_strides[dim] * es * shape[dim];
            index[dim] = 0;
            dim--;
        }
        if (dim < 0) return;
    }
}

void qcc_fill(void *dst, const void *value, int64_t count, size_t elem_size) {
    if (count <= 0) return;
    switch (elem_size) {
    case 1:
        memset(dst, *(const unsigned char *)value, (size_t)count);
        return;
    case 2: {
        int16_t v;
        memcpy(&v, value, 2);
        for (int64_t i = 0; i < count; i++) ((int16_t *)dst)[i] = v;
        return;
    }
    case 4: {
        int32_t v;
        memcpy(&v, value, 4);
        for (int64_t i = 0; i < count; i++) ((int32_t *)dst)[i] = v;
        return;
    }
    case 8: {
        int64_t v;
        memcpy(&v, value, 8);
        for (int64_t i = 0; i < count; i++) ((int64_t *)dst)[i] = v;
        return;
    }
    default: {
        /* Doubling copies: each memcpy copies everything written so far. */
        char *d = (char *)dst;
        const size_t total = (size_t)count * elem_size;
        memcpy(d, value, elem_size);
        size_t done = elem_size;
        while (done < total) {
            const size_t n = done < total - done ? done : total - done;
            memcpy(d + done, d, n);
            done += n;
        }
    }
    }
}

void qcc_gather(void *dst, const void *src, const int64_t *indices, int64_t n_indices, int64_t outer,
                int64_t axis_size, size_t row_bytes) {
    char *d = (char *)dst;
    const char *s = (const char *)src;
    const int64_t slab = axis_size * (int64_t)row_bytes;
    for (int64_t o = 0; o < outer; o++) {
        const char *so = s + o * slab;
        switch (row_bytes) {
        case 4:
            for (int64_t i = 0; i < n_indices; i++) ((int32_t *)d)[i] = ((const int32_t *)so)[indices[i]];
            break;
        case 8:
            for (int64_t i = 0; i < n_indices; i++) ((int64_t *)d)[i] = ((const int64_t *)so)[indices[i]];
            break;
        default:
            for (int64_t i = 0; i < n_indices; i++)
                memcpy(d + i * (int64_t)row_bytes, so + indices[i] * (int64_t)row_bytes, row_bytes);
        }
        d += n_indices * (int64_t)row_bytes;
    }
}

#define GATHER_ROW(T)                                                                                        \
    do {                                                                                                     \
        T *dr = (T *)d;                                                                                      \
        const T *sr = (const T *)s;                                                                          \
        if (axis == last)                                                                                    \
            for (int64_t j = 0; j < n; j++) dr[j] = sr[idx[j] * sa];                                         \
        else                                                                                                 \
            for (int64_t j = 0; j < n; j++) dr[j] = sr[j * sl + idx[j] * sa];                                \
    } while (0)

void qcc_trilu(void *out, const void *x, int64_t matrices, int64_t rows, int64_t cols, int64_t k, int upper,
               size_t elem_size) {
    const int64_t limit = rows + cols;
    k = k > limit ? limit : k < -limit ? -limit : k;
    const size_t row_bytes = (size_t)cols * elem_size;
    for (int64_t r = 0; r < matrices * rows; r++) {
        const int64_t i = r % rows;
        /* Upper keeps the columns [i + k, cols), lower [0, i + k + 1), clamped to the row. */
        int64_t lo = 0, hi = cols;
        if (upper) lo = i + k < 0 ? 0 : i + k > cols ? cols : i + k;
        else hi = i + k + 1 < 0 ? 0 : i + k + 1 > cols ? cols : i + k + 1;
        char *dst = (char *)out + (size_t)r * row_bytes;
        const char *src = (const char *)x + (size_t)r * row_bytes;
        memset(dst, 0, (size_t)lo * elem_size);
        memcpy(dst + (size_t)lo * elem_size, src + (size_t)lo * elem_size, (size_t)(hi - lo) * elem_size);
        memset(dst + (size_t)hi * elem_size, 0, (size_t)(cols - hi) * elem_size);
    }
}

void qcc_gather_elements(void *dst, const void *src, const int64_t *src_strides, const int64_t *indices,
                         const int64_t *shape, int rank, int axis, size_t elem_size) {
    for (int i = 0; i < rank; i++)
        if (shape[i] == 0) return;
    const int last = rank - 1;
    const int64_t n = shape[last], sa = src_strides[axis], sl = src_strides[last];
    const int64_t es = (int64_t)elem_size;
    int64_t index[QCC_MAX_RANK] = {0};
    char *d = (char *)dst;
    const char *s = (const char *)src;
    const int64_t *idx = indices;
    for (;;) {
        /* `s` points at the row's start with the axis coordinate at 0. */
        switch (elem_size) {
        case 1: GATHER_ROW(int8_t); break;
        case 2: GATHER_ROW(int16_t); break;
        case 4: GATHER_ROW(int32_t); break;
        case 8: GATHER_ROW(int64_t); break;
        default:
            for (int64_t j = 0; j < n; j++) {
                const int64_t off = (axis == last ? idx[j] * sa : j * sl + idx[j] * sa) * es;
                memcpy(d + j * es, s + off, elem_size);
            }
        }
        d += n * es;
        idx += n;
        /* The axis coordinate never moves `s`: the indices choose it. */
        int dim = last - 1;
        while (dim >= 0) {
            index[dim]++;
            if (dim != axis) s += src_strides[dim] * es;
            if (index[dim] < shape[dim]) break;
            if (dim != axis) s -= src_strides[dim] * es * shape[dim];
            index[dim] = 0;
            dim--;
        }
        if (dim < 0) return;
    }
}
