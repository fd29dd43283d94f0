/* f32 resampling (Resize): separable interpolation, one axis per call. */
#ifndef QCC_FLOAT_RESAMPLE_H
#define QCC_FLOAT_RESAMPLE_H

#include "qcc_base.h"

/*
 * One separable resampling pass along the middle axis of x viewed as
 * [outer, in, inner], into y viewed as [outer, out, inner]:
 *   y[o, j, i] = sum over k < taps of weights[j * taps + k] * x[o, indices[j * taps + k], i]
 * Every index must be in [0, in) (the caller clamps), except that an output
 * position whose first index is negative is filled with `fill` (Resize's
 * extrapolation value). A pass with one tap of weight 1 copies. Sums are
 * taken in tap order in float. y must not overlap x.
 */
void qcc_f32_resample_axis(const float *x, float *y, int64_t outer, int64_t in, int64_t inner, int64_t out,
                           int64_t taps, const int64_t *indices, const float *weights, float fill);

#endif
