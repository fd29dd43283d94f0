import QCCIR
import QCCPass

/// Recognises ops that exporters spell as chains of primitives and rewrites
/// each chain as the one op it computes, so that quantizers and kernels see
/// `LayerNormalization`, `RMSNormalization` and `Gelu`:
///
///     %sq = Pow(%x, %two) : tensor<1x48x256xf32>
///     %ms = ReduceMean(%sq, %last) {keepdims = 1} : tensor<1x48x1xf32>
///     %v = Add(%ms, %eps) : tensor<1x48x1xf32>
///     %s = Sqrt(%v) : tensor<1x48x1xf32>
///     %r = Reciprocal(%s) : tensor<1x48x1xf32>
///     %n = Mul(%x, %r) : tensor<1x48x256xf32>
///     %y = Mul(%w, %n) : tensor<1x48x256xf32>
///   becomes
///     %y = RMSNormalization(%x, %w) {axis = 2, epsilon = 1e-05} : tensor<1x48x256xf32>
///
/// The patterns (patterns/*.swift) match only when every intermediate value
/// is used inside the chain alone, so nothing else observes a removed value.
public struct RecognizeOps: Pass {
  public static let name = "recognize-ops"
  public static let summary = "Rewrite decomposed LayerNorm, RMSNorm and GELU (erf and tanh forms) as single ops"
  public let options: NoOptions
  public init(options: NoOptions) { self.options = options }

  static let driver = PatternDriver([
    GeluErfPattern(),
    GeluTanhPattern(),
    RMSNormPattern(),
    LayerNormPattern(),
    NormalizationScalePattern(),
    NormalizationBiasPattern(),
  ])

  public func run(on module: inout Module, context: inout PassContext) throws(PassError) -> Changed {
    let fired = RecognizeOps.driver.apply(to: &module.graph)
    for (pattern, count) in fired { context.statistics.add(count, pattern, pass: Self.name) }
    return Changed(!fired.isEmpty)
  }
}
