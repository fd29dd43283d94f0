import QCCIR
import QCCPass

/// Data movement on a dequantized value moves the integers instead:
/// `Transpose(qcc.dequantize(q))` → `qcc.dequantize(Transpose(q))`, for
/// per-tensor quantized values of at most 16 bits (moving data keeps their
/// one scale; int32 accumulators are requantized first, by the pattern
/// below, rather than moved at four bytes an element).
struct DequantizeThroughDataMovementPattern: RewritePattern {
  let name = "integer-data-movement"
  /// Ops whose first operand's values are moved, not computed on.
  static let singleSource: Set<String> = [
    "Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze", "Slice", "Expand", "Identity", "Gather", "Split",
  ]
  let rootOps: Set<String> = singleSource.union(["Concat"])

  func matchAndRewrite(_ root: NodeID, _ r: inout Rewriter) -> Bool {
    let g = r.graph
    let node = g[root]
    var inputs = node.inputs
    let movedIndices: [Int] = node.op == "Concat" ? Array(inputs.indices) : [0]
    var type: QuantizedType?
    for i in movedIndices {
      guard let (q, qType) = r.dequantized(inputs[i]), case .perTensor = qType.granularity, type == nil || type == qType,
        qType.storage.bitWidth <= 16
      else { return false }
      type = qType
      inputs[i] = q
    }
    guard let type else { return false }
    let results = node.results.map { g[$0].type }
    let quantizedResults = results.map { TensorType(.quantized(type), $0.shape) }
    let moved = r.insert(
      node.op, inputs, resultTypes: quantizedResults, attributes: node.attributes, location: node.location, before: root,
      names: node.results.map { g[$0].name + ".q" })
    var replacements: [ValueID] = []
    for (value, floatType) in zip(moved, results) {
      replacements += r.insert("qcc.dequantize", [value], resultTypes: [floatType], location: node.location, before: root)
    }
    r.replace(root, with: replacements)
    return true
  }
}

/// Quantizing moved data quantizes before the move:
/// `qcc.quantize(Transpose(x))` → `Transpose(qcc.quantize(x))` for a
/// per-tensor type (quantization is elementwise, so the order does not
/// change a value). Quantization then meets the producer of x — often an
/// integer matmul's dequantized accumulator, which `RequantizePattern`
/// turns into one requantize — and the move runs on 8-bit values.
struct QuantizeBeforeDataMovementPattern: RewritePattern {
  let name = "quantize-before-data-movement"
  let rootOps: Set<String> = ["qcc.quantize"]

  func matchAndRewrite(_ root: NodeID, _ r: inout Rewriter) -> Bool {
    let g = r.graph
    guard let moved = g[root].inputs[0], r.hasOneUse(moved), let mover = r.producer(of: moved),
      DequantizeThroughDataMovementPattern.singleSource.contains(g[mover].op) || g[mover].op == "Concat",
      g[mover].results.count == 1, let target = g[g[root].results[0]].type.element.quantization,
      case .perTensor = target.granularity
    else { return false }
    let sources = g[mover].op == "Concat" ? Array(g[mover].inputs.indices) : [0]
    var inputs = g[mover].inputs
    for i in sources {
      // Constants (an embedding table) keep their float values: the activation's range need not cover them.
      guard let x = inputs[i], g[x].type.element == .plain(.f32), !g.isConstant(x) else { return false }
    }
    for i in sources {
      let x = inputs[i]!
      inputs[i] = r.insert(
        "qcc.quantize", [x], resultTypes: [TensorType(.quantized(target), g[x].type.shape)], location: g[root].location,
        before: mover, names: [g[x].name + ".q"])[0]
    }
    let y = r.insert(
      g[mover].op, inputs, resultTypes: [g[g[root].results[0]].type], attributes: g[mover].attributes,
      location: g[mover].location, before: root)
    r.replace(root, with: y)
    return true
  }
}
