/* Basic definitions shared by every qcc kernel. */
#ifndef QCC_BASE_H
#define QCC_BASE_H

#include <stddef.h>
#include <stdint.h>

/* The largest tensor rank the kernels accept. */
#define QCC_MAX_RANK 8


/*
 * Build support for the kernel sources: every kernel computes the same bits
 * on every instruction set it is compiled for.
 *
 * - QCC_INLINE forces the small helpers of hot loops inline, so that the
 *   loops calling them vectorise.
 * - QCC_NO_CONTRACT turns floating-point contraction off from there to the end
 *   of the file or block: the compiler never fuses a multiply and an add on
 *   its own. Kernel sources put it at the top; the inline math functions
 *   (qcc_math.h) in their bodies. GCC ignores the pragma: build with
 *   -ffp-contract=off there for the same guarantee.
 * - QCC_FMA(a, b, c) is a * b + c rounded once (fmaf, so include <math.h>),
 *   the only fused multiply-adds there are, wherever an FMA instruction may
 *   run the code: the target has one, or the AVX2 clone does (the baseline
 *   clone then calls libm's fmaf: slower, same bits). A baseline-only build
 *   for a target without FMA rounds twice instead: fast, within the same
 *   error bounds plus 0.3 ulp, but not bitwise equal to the FMA builds.
 * - QCC_TARGET_CLONES compiles a kernel once per instruction set (AVX-512,
 *   AVX2+FMA and the baseline) on x86-64 Linux with GCC or Clang, the best
 *   the CPU supports picked at load time; QCC_HAS_CLONES is 1 when it does.
 *   Define QCC_NO_TARGET_CLONES to build one variant for the compiler's target.
 * - QCC_ALWAYS_FMA makes QCC_FMA fmaf on every target, so that a build for a
 *   CPU without FMA still computes the FMA builds' bits (generated programs
 *   define it: their outputs equal `qcc run`'s everywhere).
 * - In hot loops, a choice between two floats is qcc_f32_select(c, a, b)
 *   (qcc_math.h), not `c ? a : b`: GCC makes a float ternary a branch and,
 *   under its default -ftrapping-math, then leaves the loop scalar.
 */
#if defined(__GNUC__) || defined(__clang__)
#define QCC_INLINE static inline __attribute__((always_inline))
#else
#define QCC_INLINE static inline
#endif
#if defined(__clang__)
#define QCC_NO_CONTRACT _Pragma("STDC FP_CONTRACT OFF")
#else
#define QCC_NO_CONTRACT
#endif
/* Clang before 15 emits a target_clones function only in a unit that calls it (other units fail to link). */
#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(QCC_NO_TARGET_CLONES) && !(defined(__clang__) && __clang_major__ < 15)
#define QCC_TARGET_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define QCC_HAS_CLONES 1
#else
#define QCC_TARGET_CLONES
#define QCC_HAS_CLONES 0
#endif
/*
 * QCC_DISPATCHED(storage, name, params, args) { body } defines the kernel
 * `name` from a body written once:
 * - with target clones (above): one clone per instruction set, as
 *   QCC_TARGET_CLONES;
 * - without them (generated code, -DQCC_NO_TARGET_CLONES) on x86-64 with GCC
 *   or Clang: the body compiled for the build's target, and once more for
 *   x86-64-v4 (AVX-512), taken at run time when cpuid says the CPU and the OS
 *   support it. No ifuncs, so it links anywhere; -DQCC_NO_RUNTIME_DISPATCH
 *   builds the first variant only;
 * - elsewhere: the body, for the build's target.
 * The float kernels compute the same bits on every instruction set (the
 * rules above), so the choice changes speed only. `storage` is `static` or
 * empty; `args` passes `params` on.
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !QCC_HAS_CLONES && \
    !defined(QCC_NO_RUNTIME_DISPATCH)
#define QCC_RUNTIME_DISPATCH 1
/* 1 when the CPU and the OS run x86-64-v4 code (AVX-512 F, BW, CD, DQ, VL on top of AVX2, FMA, BMI). */
QCC_INLINE int qcc_cpu_has_x86_64_v4(void) {
    static volatile int state = 0; /* 0 unknown, 1 no, 2 yes; a racing first call computes the same value */
    if (state == 0) {
        __builtin_cpu_init();
        state = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                        __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
                        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2") &&
                        __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi") &&
                        __builtin_cpu_supports("bmi2")
                    ? 2
                    : 1;
    }
    return state == 2;
}
#define QCC_DISPATCHED(storage, name, params, args)                                                                   \
    QCC_INLINE void name##_body params;                                                                               \
    static __attribute__((noinline, target("arch=x86-64-v4"))) void name##_x86_64_v4 params { name##_body args; }   \
    storage void name params {                                                                                         \
        if (qcc_cpu_has_x86_64_v4())                                                                                   \
            name##_x86_64_v4 args;                                                                                     \
        else                                                                                                           \
            name##_body args;                                                                                          \
    }                                                                                                                  \
    QCC_INLINE void name##_body params
#else
#define QCC_RUNTIME_DISPATCH 0
#define QCC_DISPATCHED(storage, name, params, args)                                                                   \
    QCC_INLINE void name##_body params;                                                                               \
    QCC_TARGET_CLONES storage void name params { name##_body args; }                                                   \
    QCC_INLINE void name##_body params
#endif
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA) || defined(__aarch64__) || QCC_HAS_CLONES || \
    defined(QCC_ALWAYS_FMA)
#define QCC_FMA(a, b, c) fmaf(a, b, c)
#else
#define QCC_FMA(a, b, c) ((a) * (b) + (c))
#endif

#endif
