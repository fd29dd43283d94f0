import QCCIR
import QCCPass

/// `Add(qcc.dequantize(qcc.matmul(a, b)), bias)` → `qcc.dequantize(qcc.matmul(a, b, bias_q))`
/// (likewise for `qcc.conv`): a constant bias along the output channels is
/// rounded (half to even) to the accumulator's scale and added to the int32
/// bias operand. When that cannot be exact in int32 (a huge bias next to a
/// tiny scale), the float Add stays.
struct BiasFoldingPattern: RewritePattern {
  let name = "fold-bias"
  let rootOps: Set<String> = ["Add"]

  func matchAndRewrite(_ root: NodeID, _ r: inout Rewriter) -> Bool {
    let g = r.graph
    let operands = g[root].presentInputs
    guard operands.count == 2 else { return false }
    for i in 0..<2 {
      guard let (acc, accType) = r.dequantized(operands[i]), r.hasOneUse(operands[i]), r.hasOneUse(acc),
        let product = r.producer(of: acc, "qcc.matmul", "qcc.conv"), let accRank = g[acc].type.shape.rank,
        let accParameters = r.parameters(accType), accType.storage == .i32,
        let biasData = g.constantData(operands[1 - i]),
        let perChannel = channelValues(biasData, accRank: accRank, channelAxis: g[product].op == "qcc.conv" ? 1 : accRank - 1),
        g[g[root].results[0]].type == g[operands[i]].type
      else { continue }
      let channels = perChannel.count
      let existing = g[product].inputs.count > 2 ? g[product].inputs[2].flatMap { g.constantData($0)?.integers() } : nil
      if g[product].inputs.count > 2, existing == nil { continue }
      var folded: [Int32] = []
      let headroom = Double(Int32.max) - Double(maxReductionLength8Bit) * 255 * 255
      for n in 0..<channels {
        let scale = Double(accParameters.scales.count == 1 ? accParameters.scales[0] : accParameters.scales[n])
        let q = (perChannel[n] / scale).rounded(.toNearestOrEven) + Double(existing?[existing!.count == 1 ? 0 : n] ?? 0)
        guard scale > 0, q.isFinite, abs(q) <= headroom else { return false }
        folded.append(Int32(q))
      }
      let bias = r.constant(TensorData(shape: [channels], scalars: folded), name: g[g[root].results[0]].name + ".bias")
      var inputs = g[product].inputs
      if inputs.count > 2 { inputs[2] = bias } else { inputs.append(bias) }
      let newAcc = r.insert(
        g[product].op, inputs, resultTypes: [g[acc].type], attributes: g[product].attributes,
        location: g[product].location, before: root, names: [g[acc].name])
      let y = r.insert("qcc.dequantize", newAcc, resultTypes: [g[g[root].results[0]].type], location: g[root].location, before: root)
      let accName = g[acc].name
      r.replace(root, with: y)
      // The unbiased product is now unused; the biased one takes its name.
      r.eraseIfUnused(r.graph.producer(of: operands[i]))
      if r.graph.value(named: accName) == nil { r.graph.rename(newAcc[0], to: accName) }
      return true
    }
    return false
  }

  /// The bias's value per output channel when it varies only along `channelAxis`
  /// of a rank-`accRank` result (and broadcasts over everything else); nil otherwise.
  func channelValues(_ bias: TensorData, accRank: Int, channelAxis: Int) -> [Double]? {
    guard bias.elementType == .f32, bias.shape.count <= accRank else { return nil }
    let aligned = [Int](repeating: 1, count: accRank - bias.shape.count) + bias.shape
    for (d, size) in aligned.enumerated() where d != channelAxis && size != 1 { return nil }
    return bias.doubles()
  }
}
