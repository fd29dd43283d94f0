import QCCIR
import QCCPass

/// Fuses ops whose composition the kernels compute in one step, only where
/// the integer program's results stay bit-identical to the unfused program:
///
///     %m.acc = qcc.matmul(%x.q, %w.q, %m.bias) : tensor<1x197x576x!q.uniform<i32:f32:axis=2, …>>
///     %m = qcc.dequantize(%m.acc) : tensor<1x197x576xf32>
///   becomes
///     %m = qcc.matmul(%x.q, %w.q, %m.bias) : tensor<1x197x576xf32>
///
/// and likewise `qcc.requantize` of an accumulator into a matmul whose
/// result is the requantized type. The fused op's result type names its
/// epilogue (Sources/QCCOps/QuantizedMatMul.swift). Fires only when the
/// accumulator has no other use.
///
/// Then the quantized attention subgraph — scores matmul, mask, softmax,
/// NaN guard, quantize, matmul with v — becomes one `qcc.attention`
/// (AttentionPattern.swift), whose kernel keeps the scores in cache; and the
/// Mamba selective scan, unrolled over the sequence by the export and
/// quantized step by step, becomes one `qcc.selective_scan` whose kernel
/// runs the same kernels in the same order (SelectiveScanPattern.swift).
public struct Fuse: Pass {
  public static let name = "fuse"
  public static let summary =
    "Fuse matmul epilogues, quantized attention and unrolled selective scans into single ops (bit-identical)"
  public let options: NoOptions
  public init(options: NoOptions) { self.options = options }

  static let driver = PatternDriver([MatMulEpiloguePattern(), AttentionPattern(), SelectiveScanPattern()])

  public func run(on module: inout Module, context: inout PassContext) throws(PassError) -> Changed {
    let g = module.graph
    // The accumulators' parameters, dropped below once no value refers to them.
    let accumulatorParameters = Set(
      g.nodeOrder.filter { g[$0].op == "qcc.matmul" }.flatMap { n in
        g[n].results.flatMap { g[$0].type.element.quantization?.parameterNames ?? [] }
      })
    let fired = Fuse.driver.apply(to: &module.graph)
    for (pattern, count) in fired { context.statistics.add(count, pattern, pass: Self.name) }
    let referenced = Set(module.graph.values.filter(\.isLive).flatMap { $0.type.element.quantization?.parameterNames ?? [] })
    for name in accumulatorParameters.subtracting(referenced) { module.graph.parameters[name] = nil }
    return Changed(!fired.isEmpty)
  }
}

/// `qcc.dequantize(qcc.matmul(…))` and `qcc.requantize(qcc.matmul(…))` →
/// one `qcc.matmul` with the outer op's result type.
struct MatMulEpiloguePattern: RewritePattern {
  let name = "matmul-epilogue"
  let rootOps: Set<String> = ["qcc.dequantize", "qcc.requantize"]

  func matchAndRewrite(_ root: NodeID, _ r: inout Rewriter) -> Bool {
    let node = r.graph[root]
    guard let acc = node.inputs[0], r.hasOneUse(acc), let producer = r.producer(of: acc, "qcc.matmul"),
      let storage = r.graph[acc].type.element.quantization?.storage, storage == .i32 || storage == .i64
    else { return false }
    let matmul = r.graph[producer]
    let fused = r.insert(
      "qcc.matmul", matmul.inputs, resultTypes: [r.graph[node.results[0]].type], attributes: matmul.attributes,
      location: matmul.location, before: root)
    r.replace(root, with: fused)
    r.eraseIfUnused(producer)
    return true
  }
}
