/* f32 scans along one axis: CumSum. */
#ifndef QCC_FLOAT_SCAN_H
#define QCC_FLOAT_SCAN_H

#include "qcc_base.h"

/*
 * Cumulative sum along the middle axis of x viewed as [outer, n, inner]:
 * y[o, j, i] = sum of x[o, k, i] over k <= j (k < j when `exclusive`; k >= j,
 * or k > j, when `reverse`). Sums accumulate in float, in order along the
 * axis, with the inner dimension as the vectorised loop. y must not overlap x.
 */
void qcc_f32_cumsum(const float *x, float *y, int64_t outer, int64_t n, int64_t inner, int exclusive, int reverse);

#endif
