import QCCIR
import QCCPass

/// The quantized attention subgraph → one `qcc.attention`
/// (Sources/QCCOps/QuantizedAttention.swift defines what it computes):
///
///     %s = qcc.matmul(%q.q, %k.q) : tensor<1x12x32x32xf32>
///     %x = Add(%s, %mask) : tensor<1x12x32x32xf32>                       (optional)
///     %p = Softmax(%x) {axis = -1} : tensor<1x12x32x32xf32>
///     %nan = IsNaN(%p) : tensor<1x12x32x32xbool>                        (optional,
///     %p0 = Where(%nan, %zero, %p) : tensor<1x12x32x32xf32>              with this Where)
///     %p.q = qcc.quantize(%p0) : tensor<1x12x32x32x!q.uniform<i8:f32, 0.0039:-128>>
///     %y = qcc.matmul(%p.q, %v.q) : tensor<1x12x32x32x!q.uniform<i8:f32, 0.021:3>>
///   becomes
///     %y = qcc.attention(%q.q, %k.q, %v.q, %mask) {nan_value = 0.0, probabilities = "!q.uniform<i8:f32, 0.0039:-128>"}
///          : tensor<1x12x32x32x!q.uniform<i8:f32, 0.021:3>>
///
/// Fires only when every intermediate has no other use (the Softmax: only
/// the IsNaN and the Where), the scores are the dequantizing form of a
/// matmul without bias, the mask is the Add's second operand and does not
/// change the scores' shape, the softmax runs over the last axis, the NaN
/// replacement is one f32 constant, and q, k, v and the probabilities are
/// 8-bit per-tensor types. Runs after `MatMulEpiloguePattern` has given both
/// matmuls their epilogues.
struct AttentionPattern: RewritePattern {
  let name = "attention"
  let rootOps: Set<String> = ["qcc.matmul"]

  func matchAndRewrite(_ root: NodeID, _ r: inout Rewriter) -> Bool {
    let g = r.graph
    let pv = g[root]
    guard pv.inputs.count == 2, pv.attributes["zero_point_folded"] == nil, let pq = pv.inputs[0], let v = pv.inputs[1],
      r.hasOneUse(pq), isAttentionResult(g[pv.results[0]].type), let quantize = r.producer(of: pq, "qcc.quantize"),
      let probabilities = g[pq].type.element.quantization, r.perTensorByteType(pq) != nil, r.perTensorByteType(v) != nil,
      var p = g[quantize].inputs[0]
    else { return false }
    // Where(IsNaN(p), value, p): the Softmax result then has exactly these two uses.
    var nanValue: Float?
    var softmaxUses = 1
    if let select = r.producer(of: p, "Where"), r.hasOneUse(p) {
      let w = g[select]
      guard let cond = w.inputs[0], r.hasOneUse(cond), let isNaN = r.producer(of: cond, "IsNaN"), let y = w.inputs[2],
        g[isNaN].inputs[0] == y, g[w.results[0]].type.shape == g[y].type.shape,
        let fill = w.inputs[1], let value = g.constantData(fill), value.elementType == .f32, value.elementCount == 1
      else { return false }
      nanValue = value.scalars(as: Float.self)[0]
      p = y
      softmaxUses = 2
    }
    guard g[p].uses.count == softmaxUses, !g.isGraphOutput(p), let softmax = r.producer(of: p, "Softmax"),
      let rank = g[p].type.shape.rank, axis(of: g[softmax]).map({ $0 == -1 || $0 == rank - 1 }) == true, var scores = g[softmax].inputs[0], r.hasOneUse(scores)
    else { return false }
    var mask: ValueID?
    if let add = r.producer(of: scores, "Add") {
      let a = g[add]
      guard let s = a.inputs[0], let m = a.inputs[1], g[m].type.elementType == .f32,
        g[a.results[0]].type.shape == g[s].type.shape, let maskRank = g[m].type.shape.rank, maskRank <= rank,
        r.hasOneUse(s)
      else { return false }
      scores = s
      mask = m
    }
    guard let qk = r.producer(of: scores, "qcc.matmul"), g[qk].inputs.count == 2,
      g[qk].attributes["zero_point_folded"] == nil, g[scores].type.elementType == .f32,
      let q = g[qk].inputs[0], let k = g[qk].inputs[1], r.perTensorByteType(q) != nil, r.perTensorByteType(k) != nil
    else { return false }
    var attributes = Attributes([("probabilities", .string(Printer.spell(probabilities)))])
    if let nanValue { attributes["nan_value"] = .float(nanValue) }
    let fused = r.insert(
      "qcc.attention", [q, k, v, mask], resultTypes: [g[pv.results[0]].type], attributes: attributes,
      location: pv.location, before: root)
    r.replace(root, with: fused)
    r.eraseIfUnused(quantize)
    return true
  }

  /// The Softmax's axis (default -1); nil when the attribute is not an int.
  func axis(of softmax: Node) -> Int64? {
    guard let a = softmax.attributes["axis"] else { return -1 }
    if case .int(let v) = a { return v }
    return nil
  }

  /// The second matmul's epilogue is already fused: f32, or an 8- or 16-bit per-tensor type.
  func isAttentionResult(_ t: TensorType) -> Bool {
    guard let q = t.element.quantization else { return t.elementType == .f32 }
    guard [.i8, .u8, .i16, .u16].contains(q.storage), case .perTensor = q.granularity else { return false }
    return true
  }
}
