import QCCIR
import QCCOps
import QCCPass

/// Fuses ops whose composition the kernels compute in one step, only where
/// the integer program's results stay bit-identical to the unfused program.
///
/// matmul-epilogue: the dequantize or requantize of a matmul's accumulator
/// folds into the matmul, whose result type then names the epilogue
/// (Sources/QCCOps/QuantizedMatMul.swift); fires only when the accumulator
/// has no other use:
///
///     %m.acc = qcc.matmul(%x.q, %w.q, %m.bias) : tensor<1x197x576x!q.uniform<i32:f32:axis=2, …>>
///     %m = qcc.dequantize(%m.acc) : tensor<1x197x576xf32>
///   becomes
///     %m = qcc.matmul(%x.q, %w.q, %m.bias) : tensor<1x197x576xf32>
///
/// and likewise `qcc.requantize` of an accumulator into a matmul whose
/// result is the requantized type.
///
/// Then the quantized attention subgraph — scores matmul, mask, softmax,
/// NaN guard, quantize, matmul with v — becomes one `qcc.attention`
/// (AttentionPattern.swift), whose kernel keeps the scores in cache; and the
/// Mamba selective scan, unrolled over the sequence by the export and
/// quantized step by step, becomes one `qcc.selective_scan` whose kernel
/// runs the same kernels in the same order (SelectiveScanPattern.swift).
///
/// matmul-chain and elementwise-chain: what is left as a chain of f32
/// elementwise ops (unary activations; Add, Sub, Mul, Div, Max, Min with a step, a constant,
/// a broadcast or a same-shape operand), optionally starting from a matmul's
/// dequantized result or a qcc.dequantize and optionally ending in a
/// qcc.quantize, becomes one `qcc.elementwise` whose `steps` list the ops it
/// replaced (Sources/QCCOps/FusedElementwise.swift). It runs tile by tile in
/// one FUSED_ELEMENTWISE call: QGEMM rows → dequantize → the steps → quantize
/// in a small scratch tile, each step the unfused kernel, so the bits are
/// the same. An intermediate value joins only when every use of it is inside
/// the chain (a value read elsewhere, or an output, stays):
///
///     %h = qcc.matmul(%x.q, %w.q, %h.bias) : tensor<1x197x768xf32>
///     %g = Gelu(%h) {approximate = "none"} : tensor<1x197x768xf32>
///     %g.q = qcc.quantize(%g) : tensor<1x197x768x!q.uniform<i8:f32, 0.0046:-91>>
///   becomes
///     %g.q = qcc.elementwise(%x.q, %w.q, %h.bias) {s1.approximate = "none",
///              steps = ["qcc.matmul(%0, %1, %2)", "Gelu($0)", "qcc.quantize($1)"]} : tensor<1x197x768x!q.uniform<i8:f32, 0.0046:-91>>
///
/// and SiLU gating (`%s = Mul(%a, Sigmoid(%a))` with %a a matmul) becomes
/// steps `["qcc.matmul(%0, %1)", "Sigmoid($0)", "Mul($0, $1)", …]`.
/// `fuse{elementwise=false}` keeps all but the elementwise chains. The
/// structural patterns run first, so a chain never takes an op out of an
/// attention or a scan.
public struct Fuse: Pass {
  public static let name = "fuse"
  public static let summary =
    "Fuse matmul epilogues, quantized attention, unrolled selective scans and elementwise chains into single ops (bit-identical)"

  public struct Options: PassOptions {
    public var elementwise = true
    public init() {}
    public static let fields: [OptionField<Options>] = [
      .bool("elementwise", \.elementwise, help: "Also fuse chains of elementwise ops into qcc.elementwise (matmul-chain, elementwise-chain)")
    ]
  }

  public let options: Options
  public init(options: Options) { self.options = options }

  static let structural = PatternDriver([MatMulEpiloguePattern(), AttentionPattern(), SelectiveScanPattern()])
  static let chains = PatternDriver([ElementwiseChainPattern(withMatMul: true), ElementwiseChainPattern(withMatMul: false)])

  public func run(on module: inout Module, context: inout PassContext) throws(PassError) -> Changed {
    let g = module.graph
    // The accumulators' parameters, dropped below once no value refers to them.
    let accumulatorParameters = Set(
      g.nodeOrder.filter { g[$0].op == "qcc.matmul" }.flatMap { n in
        g[n].results.flatMap { g[$0].type.element.quantization?.parameterNames ?? [] }
      })
    var fired = Fuse.structural.apply(to: &module.graph)
    if options.elementwise {
      for (pattern, count) in Fuse.chains.apply(to: &module.graph) { fired[pattern, default: 0] += count }
    }
    for (pattern, count) in fired { context.statistics.add(count, pattern, pass: Self.name) }
    let referenced = Set(module.graph.values.filter(\.isLive).flatMap { $0.type.element.quantization?.parameterNames ?? [] })
    for name in accumulatorParameters.subtracting(referenced) { module.graph.parameters[name] = nil }
    return Changed(!fired.isEmpty)
  }
}
