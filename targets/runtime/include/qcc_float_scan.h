/* Scans along one axis: CumSum. */
#ifndef QCC_FLOAT_SCAN_H
#define QCC_FLOAT_SCAN_H

#include "qcc_base.h"
#include "qcc_program.h" /* qcc_elem */

/*
 * Cumulative sum along the middle axis of x viewed as [outer, n, inner]:
 * y[o, j, i] = sum of x[o, k, i] over k <= j (k < j when `exclusive`; k >= j,
 * or k > j, when `reverse`). Sums accumulate in float, in order along the
 * axis, with the inner dimension as the vectorised loop. y must not overlap x.
 */
void qcc_f32_cumsum(const float *x, float *y, int64_t outer, int64_t n, int64_t inner, int exclusive, int reverse);

/*
 * qcc_f32_cumsum for elements of type `elem` (qcc_elem: f32, f64, i32, u32,
 * i64, u64; qcc_cumsum_supports): f32 is qcc_f32_cumsum; f64 accumulates in
 * double, each sum being the previous one plus the next element (the first
 * 0 + x, so -0.0 sums to +0.0); integers wrap to their width. For any other
 * type nothing is written. y must not overlap x.
 */
void qcc_cumsum(int32_t elem, const void *x, void *y, int64_t outer, int64_t n, int64_t inner, int exclusive,
                int reverse);

/* 1 when qcc_cumsum sums elements of `elem`, else 0. */
int qcc_cumsum_supports(int32_t elem);

#endif
