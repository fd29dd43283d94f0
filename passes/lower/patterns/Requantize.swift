import QCCIR
import QCCPass

/// `qcc.quantize(qcc.dequantize(v))` → `v` when the types agree, else
/// `qcc.requantize(v)`: a rescale in integers (fixed-point multiplier and
/// shift, docs/quantization.md) instead of a trip through float.
struct RequantizePattern: RewritePattern {
  let name = "requantize"
  let rootOps: Set<String> = ["qcc.quantize"]

  func matchAndRewrite(_ root: NodeID, _ r: inout Rewriter) -> Bool {
    let node = r.graph[root]
    guard let (v, vType) = r.dequantized(node.inputs[0]), let result = node.results.first,
      let target = r.graph[result].type.element.quantization
    else { return false }
    if vType == target {
      r.replace(root, with: [v])
      return true
    }
    // Per-group values cannot be rescaled element by element.
    if case .perGroup = vType.granularity { return false }
    let y = r.insert("qcc.requantize", [v], resultTypes: [r.graph[result].type], location: node.location, before: root)
    r.replace(root, with: y)
    return true
  }
}
