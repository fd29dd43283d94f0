/*
 * qcc runtime kernels: the one definition of every kernel qcc runs.
 *
 * The float reference interpreter calls these through Swift, and code
 * generation copies the same sources into the folders it emits, so the
 * interpreted and the generated program compute the same bits.
 *
 * Conventions: tensors are dense and row-major; shapes and strides are
 * int64_t counts of elements (not bytes); kernels never allocate unless the
 * function says so.
 */
#ifndef QCC_KERNELS_H
#define QCC_KERNELS_H

#include "qcc_base.h"
#include "qcc_cast.h"
#include "qcc_data_movement.h"
#include "qcc_float_activation.h"
#include "qcc_float_conv_transpose.h"
#include "qcc_float_elementwise.h"
#include "qcc_float_nn.h"
#include "qcc_float_resample.h"
#include "qcc_float_scan.h"
#include "qcc_fused_elementwise.h"
#include "qcc_gemm.h"
#include "qcc_math.h"
#include "qcc_quant.h"

#endif
