import QCCIR
import QCCPass

/// `qcc.quantize(Add(qcc.dequantize(a), qcc.dequantize(b)))` → `qcc.add(a, b)`
/// (and `Mul` → `qcc.mul`): both operands and the result quantized per
/// tensor, the rescale done in 64-bit fixed point (docs/quantization.md).
struct IntegerArithmeticPattern: RewritePattern {
  let name = "integer-arithmetic"
  let rootOps: Set<String> = ["qcc.quantize"]

  func matchAndRewrite(_ root: NodeID, _ r: inout Rewriter) -> Bool {
    let g = r.graph
    guard let sum = r.producer(of: g[root].inputs[0], "Add", "Mul"), r.hasOneUse(g[root].inputs[0]!),
      g[sum].inputs.count == 2, let (a, aType) = r.dequantized(g[sum].inputs[0]),
      let (b, bType) = r.dequantized(g[sum].inputs[1]), let target = g[g[root].results[0]].type.element.quantization
    else { return false }
    for type in [aType, bType, target] {
      guard case .perTensor = type.granularity, type.storage.bitWidth <= 16 else { return false }
    }
    let op = g[sum].op == "Add" ? "qcc.add" : "qcc.mul"
    let y = r.insert(op, [a, b], resultTypes: [g[g[root].results[0]].type], location: g[sum].location, before: root)
    r.replace(root, with: y)
    return true
  }
}
