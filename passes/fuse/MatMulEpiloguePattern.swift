import QCCIR
import QCCPass

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
