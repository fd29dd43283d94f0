/* Data-movement kernels: type-agnostic copies that work on element bytes. */
#ifndef QCC_DATA_MOVEMENT_H
#define QCC_DATA_MOVEMENT_H

#include "qcc_base.h"

/*
 * Copies a `rank`-dimensional box of `shape` elements of `elem_size` bytes
 * from `src` to `dst`, stepping `src_strides[i]` / `dst_strides[i]` elements
 * along dimension i. Strides may be zero (broadcast) or negative (reversed
 * slices). Transpose, slice, expand, concat and split are all this one copy.
 * `rank` is at most QCC_MAX_RANK. `dst` must not overlap `src`, and distinct
 * box positions must map to distinct `dst` elements.
 *
 * The innermost dimension is copied with memcpy when both strides are 1.
 * When the last dimension is contiguous in `dst` only and the one before it
 * is contiguous in `src` only (a transpose of the two innermost dimensions),
 * the pair is copied in cache-sized tiles; callers get this by ordering the
 * dimensions so (the order of the box dimensions does not change the copy).
 */
void qcc_strided_copy(void *dst, const int64_t *dst_strides, const void *src, const int64_t *src_strides,
                      const int64_t *shape, int rank, size_t elem_size);

/*
 * Fills `count` elements of `elem_size` bytes at `dst` with copies of the
 * element at `value`.
 */
void qcc_fill(void *dst, const void *value, int64_t count, size_t elem_size);

/*
 * Gather along one axis, with the data seen as [outer, axis_size, row] where
 * a row is `row_bytes` bytes: for o < outer and i < n_indices,
 * dst[o, i, :] = src[o, indices[i], :]. Every index must already be in
 * [0, axis_size): the caller validates (and wraps negative) indices.
 */
void qcc_gather(void *dst, const void *src, const int64_t *indices, int64_t n_indices, int64_t outer,
                int64_t axis_size, size_t row_bytes);

/*
 * Trilu: each of `matrices` [rows, cols] matrices of `elem_size`-byte
 * elements is copied from x to out keeping element (i, j) where j >= i + k
 * (`upper`) or j <= i + k (else), with zero bytes elsewhere. k is clamped to
 * +-(rows + cols) first (beyond that every k means the same). out must not
 * overlap x.
 */
void qcc_trilu(void *out, const void *x, int64_t matrices, int64_t rows, int64_t cols, int64_t k, int upper,
               size_t elem_size);

/*
 * GatherElements: for every position p of the `rank`-dimensional box `shape`
 * (the indices' shape, row-major), dst[p] = src[q] where q equals p except
 * q[axis] = indices[p]; `src_strides` are the data's element strides. Every
 * index must already be in range for the data's `axis` dimension, and every
 * other coordinate of the box within the data's shape (the caller validates).
 * `rank` is between 1 and QCC_MAX_RANK.
 */
void qcc_gather_elements(void *dst, const void *src, const int64_t *src_strides, const int64_t *indices,
                         const int64_t *shape, int rank, int axis, size_t elem_size);

#endif
