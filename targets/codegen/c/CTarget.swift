/// The C targets: one emitter, three instruction-set defaults.
///
/// Every target emits the same program (the kernel calls of `Program`) and
/// the same kernel sources; they differ in the `ARCH` flags the emitted
/// Makefile compiles with, which pick the kernels' SIMD paths at compile
/// time. All of them compute the bits `qcc run` computes.
public enum CTarget: String, CaseIterable, Sendable {
  /// Portable C99: any compiler, any CPU; the kernels' plain C paths.
  case portable = "c"
  /// x86-64 with AVX2 and FMA (Haswell, Zen and later). On CPUs with
  /// AVX512-VNNI or AVX-VNNI the integer GEMM switches to `vpdpbusd` at run
  /// time (target attributes, no extra flags): same bits.
  case x86AVX2 = "x86-avx2"
  /// AArch64 NEON. Dot-product instructions (`sdot`) when built for a CPU
  /// that has them (`ARCH=-march=armv8.2-a+dotprod`, or `-mcpu=native` on
  /// the device); the default `-march=armv8-a` runs on every ARMv8 core.
  case armNEON = "arm-neon"

  /// The Makefile's default `ARCH`: the instruction set the kernels compile for.
  public var defaultArchFlags: String {
    switch self {
    case .portable: ""
    case .x86AVX2: "-mavx2 -mfma"
    case .armNEON: "-march=armv8-a"
    }
  }

  /// Defines the target always builds with: the portable target keeps the
  /// integer GEMM on its plain C loops (no NEON, no run-time VNNI dispatch).
  public var requiredDefines: [String] {
    switch self {
    case .portable: ["-DQCC_QGEMM_NO_SIMD", "-DQCC_NO_RUNTIME_DISPATCH"]
    case .x86AVX2, .armNEON: []
    }
  }

  /// One line for --help and the emitted README.
  public var summary: String {
    switch self {
    case .portable: "portable C99, any CPU"
    case .x86AVX2: "C with x86-64 AVX2+FMA kernels"
    case .armNEON: "C with AArch64 NEON kernels, sdot when built with +dotprod"
    }
  }
}
