import QCCIR
import QCCPass

/// Rewrites the QDQ form that `assign` produces into integer ops:
///
///     %x.dq = qcc.dequantize(%x.q) : tensor<1x197x192xf32>
///     %w.dq = qcc.dequantize(%w.q) : tensor<192x576xf32>
///     %m = MatMul(%x.dq, %w.dq) : tensor<1x197x576xf32>
///     %y = Add(%m, %bias) : tensor<1x197x576xf32>
///     %y.q = qcc.quantize(%y) : tensor<1x197x576x!q.uniform<i8:f32, 0.05:2>>
///   becomes
///     %m.acc = qcc.matmul(%x.q, %w.q, %m.bias) {zero_point_folded = 1} : tensor<1x197x576x!q.uniform<i32:f32:axis=2, #m.acc.scale:#m.acc.zp>>
///     %y.q = qcc.requantize(%m.acc) : tensor<1x197x576x!q.uniform<i8:f32, 0.05:2>>
///
/// The patterns (patterns/*.swift): integer matrix products and convolutions,
/// bias and zero-point folding into the int32 bias, requantization of
/// dequantize → quantize pairs, data movement (reshape, transpose, gather,
/// concat, slice, split…) moved into the integer domain, and integer add and
/// multiply where both operands and the result are quantized. What has no
/// integer form stays in float between a `qcc.dequantize` and a `qcc.quantize`.
public struct Lower: Pass {
  public static let name = "lower"
  public static let summary = "Rewrite quantize/dequantize regions as integer ops: matmul/conv, requantize, folded biases, integer add/mul and data movement"
  public let options: NoOptions
  public init(options: NoOptions) { self.options = options }

  static let driver = PatternDriver([
    IntegerMatMulPattern(),
    IntegerConvPattern(),
    BiasFoldingPattern(),
    QuantizeBeforeDataMovementPattern(),
    DequantizeThroughDataMovementPattern(),
    RequantizePattern(),
    IntegerArithmeticPattern(),
  ])

  public func run(on module: inout Module, context: inout PassContext) throws(PassError) -> Changed {
    let fired = Lower.driver.apply(to: &module.graph)
    for (pattern, count) in fired { context.statistics.add(count, pattern, pass: Self.name) }
    return Changed(!fired.isEmpty)
  }
}
