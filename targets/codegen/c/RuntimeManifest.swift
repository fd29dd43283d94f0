import QCCKernels
import QCCOps

/// Which runtime sources an emitted program needs: the kernel-call decoder
/// and the CRC always, and for each kernel it calls, the files defining it
/// (paths relative to targets/runtime, as `RuntimeSources` keys them).
/// `CTargetTests` links every kernel's set alone, so a missing file fails there.
enum RuntimeManifest {
  /// Sources every program compiles.
  static let common = ["program_call.c", "crc32.c"]

  /// The sources of each kernel (a kernel's own file and what it calls).
  static func sources(of kernel: KernelID) -> [String] {
    switch kernel {
    case .copy, .fill, .gather, .trilu: ["data_movement.c"]
    case .f32Binary, .where, .boolBinary, .compare: ["float_elementwise_broadcast.c"]
    case .f32Unary, .f32IsNaN: ["float_elementwise_unary.c"]
    case .f32Softmax, .f32LayerNorm, .f32RMSNorm: ["float_nn_norm.c"]
    case .f32Reduce, .f32ArgReduce: ["float_nn_reduce.c"]
    case .cumsum: ["float_scan.c"]
    case .f32Pool: ["float_nn_conv.c"] + sources(of: .f32Gemm)
    case .f32Resample: ["float_resample.c"]
    case .f32ConvTranspose: ["float_nn_conv_transpose.c"] + sources(of: .f32Gemm)
    case .f32Gemm: ["float_gemm.c", "float_gemm_avx2.c", "float_gemm_avx512.c"]
    case .quantize, .dequantize, .requantize: ["quant_convert.c"]
    case .qgemm: qgemm
    case .qconv: ["quant_conv.c"] + qgemm
    case .qadd, .qmul: ["quant_elementwise.c"]
    case .cast: ["cast.c"]
    case .attention:
      ["quant_attention.c"] + sources(of: .quantize) + sources(of: .f32Binary) + sources(of: .f32Softmax) + qgemm
    case .qscan: ["quant_scan.c", "quant_convert.c", "float_elementwise_broadcast.c"] + qgemm
    case .fusedElementwise:
      ["fused_elementwise.c", "quant_convert.c", "float_elementwise_unary.c", "float_elementwise_broadcast.c"] + qgemm
    }
  }

  /// The integer GEMM: its driver and every ISA's micro-kernels (each file compiles to nothing on other targets).
  static let qgemm = ["quant_gemm.c", "quant_gemm_avx2.c", "quant_gemm_vnni.c", "quant_gemm_neon.c"]

  /// The kernel's name in the C runtime's table: "qgemm".
  static func name(_ kernel: KernelID) -> String { String(cString: qcc_kernel_name(kernel.rawValue)) }

  /// The C name of a kernel's id: QCC_KERNEL_QGEMM.
  static func macroName(_ kernel: KernelID) -> String { "QCC_KERNEL_" + name(kernel).uppercased() }

  /// The macro that keeps a kernel in a subset build: QCC_USE_QGEMM.
  static func useMacro(_ kernel: KernelID) -> String { "QCC_USE_" + name(kernel).uppercased() }
}
