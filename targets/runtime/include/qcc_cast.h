/* Element conversion between tensor element types (cast.c): qcc's Cast op in C. */
#ifndef QCC_CAST_H
#define QCC_CAST_H

#include "qcc_base.h"
#include "qcc_program.h" /* qcc_elem */

/*
 * Converts `count` elements of type `src_elem` at `src` to `dst_elem` at
 * `dst`, bit for bit as qcc's Cast op (Sources/QCCOps/ElementwiseCast.swift).
 * Both types are among f32, i8, u8, i16, u16, i32, u32, i64, u64 and bool
 * (qcc_cast_supports); for anything else nothing is written.
 *
 * - Same type: a byte copy.
 * - To bool: x != 0 (a NaN is true). A bool source reads as 1 when its byte
 *   is non-zero.
 * - Integer (or bool) to integer: the value wraps to the target's width
 *   (u64 sources by their bits).
 * - Integer to f32: rounded to nearest, ties to even.
 * - f32 to integer: truncation toward zero, with NaN and out-of-range values
 *   as numpy gives on x86-64. For i32, i16, i8, u16 and u8 the value goes
 *   through a 32-bit conversion: inside (-2^31 - 1, 2^31) it truncates, else
 *   (NaN and +-inf included) it is INT32_MIN, then wraps to the width (so
 *   0 for the narrower types). For i64 and u32 it goes through a 64-bit
 *   conversion: inside [-2^63, 2^63) it truncates, else INT64_MIN, then wraps
 *   (u32: 0). For u64, values in [2^63, 2^64) convert as unsigned, the rest
 *   as for i64 (NaN: 2^63).
 *
 * dst must not overlap src. Never allocates.
 */
void qcc_cast(void *dst, int32_t dst_elem, const void *src, int32_t src_elem, int64_t count);

/* 1 when qcc_cast converts to and from `elem`, else 0. */
int qcc_cast_supports(int32_t elem);

#endif
