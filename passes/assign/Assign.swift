import QCCIR
import QCCOps
import QCCPass

/// Chooses a quantized type for the operands of matrix products and
/// convolutions and rewrites the graph into QDQ form: each quantized operand
/// is read through `qcc.dequantize` of a `qcc.quantize`, and weights become
/// quantized constants.
///
///     %y = MatMul(%x, %w) : tensor<1x197x576xf32>
///   becomes (w8a8)
///     %w.q = const dense<…> : tensor<192x576x!q.uniform<i8<-127:127>:f32:axis=1, #w.scale:#w.zp>>
///     %x.q = qcc.quantize(%x) : tensor<1x197x192x!q.uniform<i8:f32, 0.0311:-4>>
///     %x.dq = qcc.dequantize(%x.q) : tensor<1x197x192xf32>
///     %w.dq = qcc.dequantize(%w.q) : tensor<192x576xf32>
///     %y = MatMul(%x.dq, %w.dq) : tensor<1x197x576xf32>
///
/// The QDQ form still runs on the float interpreter and computes what the
/// integer program will: reports measure quantization error on it, and
/// `lower` turns it into integer ops. Activation ranges come from
/// `calibrate`; weight ranges from the weights themselves.
public struct Assign: Pass {
  public static let name = "assign"
  public static let summary = "Choose quantized types for matmul/conv operands (presets w8a8, w8a16, w4a16, w4a8) and insert quantize/dequantize pairs"

  public struct Options: PassOptions {
    public var preset = "w8a8"
    public var weightBits = 0
    public var weightSymmetric = "preset"
    public var weightGranularity = "preset"
    public var weightGroup = 0
    public var activationBits = 0
    public var activationSymmetric = "preset"
    public var activationGranularity = "preset"
    public var keep: [String] = []
    public var ops: [String] = ["MatMul", "Conv"]
    public init() {}
    public static let fields: [OptionField<Options>] = [
      .choice("preset", \.preset, QuantizationScheme.presets.keys.sorted(), help: "Weight and activation schemes (docs/quantization.md)"),
      .int("w-bits", \.weightBits, help: "Weight bits, 2-8 (0: the preset's)"),
      .choice("w-symmetric", \.weightSymmetric, ["preset", "true", "false"], help: "Symmetric weights (zero point 0)"),
      .choice("w-granularity", \.weightGranularity, ["preset", "tensor", "channel", "group"], help: "One weight scale per tensor, output channel, or group"),
      .int("w-group", \.weightGroup, help: "Weights per group along the reduction axis (0: the preset's)"),
      .int("a-bits", \.activationBits, help: "Activation bits, 2-8 or 16 (0: the preset's)"),
      .choice("a-symmetric", \.activationSymmetric, ["preset", "true", "false"], help: "Symmetric activations (zero point 0)"),
      .choice("a-granularity", \.activationGranularity, ["preset", "tensor", "channel"], help: "Activation scales per tensor (the integer kernels take no other)"),
      .strings("keep", \.keep, help: "Keep these in float: op kinds (Conv) or node/value names, * as wildcard"),
      .strings("ops", \.ops, help: "Op kinds whose operands are quantized (default [MatMul,Conv])"),
    ]
  }

  public let options: Options
  public init(options: Options) { self.options = options }

  public func run(on module: inout Module, context: inout PassContext) throws(PassError) -> Changed {
    let (weights, activations) = try schemes()
    let ranges = try context.artifacts.require(CalibrationStatistics.self, by: Self.name, producedBy: "calibrate")
    let keep = options.keep.map(KeepPattern.init)
    let unsupportedOps = options.ops.filter { !Assign.quantizableOps.contains($0) }
    if !unsupportedOps.isEmpty {
      throw PassError("assign: cannot quantize the operands of \(unsupportedOps.joined(separator: ", ")); it quantizes \(Assign.quantizableOps.sorted().joined(separator: ", "))")
    }

    var rewriter = QDQRewriter(graph: module.graph, weights: weights, activations: activations, ranges: ranges)
    for id in rewriter.graph.nodeOrder {
      let node = rewriter.graph[id]
      guard options.ops.contains(node.op) else { continue }
      if keep.contains(where: { $0.matches(node, in: rewriter.graph) }) {
        rewriter.kept += 1
        continue
      }
      try rewriter.quantizeOperands(of: id)
    }
    guard rewriter.quantizedOps > 0 else {
      if rewriter.kept > 0 { context.warnings.append("assign: every candidate op was kept in float") }
      return .no
    }
    module.graph = rewriter.graph
    // Fold the weights' qcc.quantize into quantized constants: the op itself computes them, so
    // assign and the runtime round alike.
    _ = try FoldConstants(options: FoldConstants.Options()).run(on: &module, context: &context)
    context.statistics.add(rewriter.quantizedOps, "quantized ops", pass: Self.name)
    if rewriter.kept > 0 { context.statistics.add(rewriter.kept, "kept in float", pass: Self.name) }
    context.warnings += rewriter.warnings
    if let first = rewriter.perChannelFallbacks.first {
      let count = rewriter.perChannelFallbacks.count
      context.warnings.append(
        "assign: \(count == 1 ? "1 op quantizes its" : "\(count) ops quantize their") weights per channel, not in groups of \(weights.groupSize), "
          + "since the reduction axis does not divide into groups (conv weights take one scale per output channel): \(first)"
          + (count > 1 ? " and \(count - 1) more" : ""))
    }
    return .yes
  }

  /// Op kinds whose operands assign knows how to quantize.
  static let quantizableOps: Set<String> = ["MatMul", "Conv"]

  /// The preset with the option overrides applied and checked.
  func schemes() throws(PassError) -> (weights: QuantizationScheme, activations: QuantizationScheme) {
    guard let preset = QuantizationScheme.presets[options.preset] else {
      throw PassError("assign: unknown preset '\(options.preset)'")
    }
    var w = preset.weights, a = preset.activations
    if options.weightBits != 0 { w.bits = options.weightBits }
    if options.weightSymmetric != "preset" { w.symmetric = options.weightSymmetric == "true" }
    if options.weightGranularity != "preset" { w.granularity = QuantizationScheme.Granularity(rawValue: options.weightGranularity)! }
    if options.weightGroup != 0 { w.groupSize = options.weightGroup }
    if options.activationBits != 0 { a.bits = options.activationBits }
    if options.activationSymmetric != "preset" { a.symmetric = options.activationSymmetric == "true" }
    guard (2...8).contains(w.bits) else { throw PassError("assign: w-bits must be 2-8, not \(w.bits)") }
    guard (2...8).contains(a.bits) || a.bits == 16 else { throw PassError("assign: a-bits must be 2-8 or 16, not \(a.bits)") }
    guard w.groupSize > 0 else { throw PassError("assign: w-group must be positive, not \(w.groupSize)") }
    if options.activationGranularity == "channel" {
      throw PassError(
        "assign: activations cannot be quantized per channel: the integer matmul and conv take one scale per activation tensor (use a-granularity=tensor)")
    }
    return (w, a)
  }
}
