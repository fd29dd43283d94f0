import QCCIR
import QCCKernels

// qcc.attention(q, k, v[, mask]) {probabilities = "<quantized element>"[, nan_value = x]}:
// one attention head per batch index, exactly the unfused program
//
//   s  = qcc.matmul(q, k) : f32                 the scores, dequantized (scale_q × scale_k)
//   s  = Add(s, mask)                           when the mask operand is present (f32, broadcast)
//   p  = Softmax(s) {axis = -1}
//   p  = Where(IsNaN(p), nan_value, p)          when `nan_value` is given
//   pq = qcc.quantize(p) : probabilities        per tensor, 8-bit
//   y  = qcc.matmul(pq, v) : result type        f32 (dequantized) or requantized to a per-tensor type
//
// q is [..., M, D], k [..., D, N] (already transposed), v [..., N, Dv], with
// broadcasting batch dims; the result is [..., M, Dv]. q, k, v and the
// probabilities are 8-bit (i8 or u8) and quantized per tensor. The `fuse`
// pass builds it (passes/fuse/AttentionPattern.swift); the ATTENTION kernel
// (qcc_program.h) runs each step with the kernel its unfused op runs, a
// block of query rows at a time, so the fused op computes the same bits
// without materialising the [M, N] scores.

extension QuantizedOps {
  static let attention = OpDefinition.planned(
    "qcc.attention",
    inferTypes: { (c) throws(OpError) in [try attentionSignature(c).result] },
    plan: QuantizedPlans.attention)

  /// What inference checks and planning needs.
  struct AttentionSignature {
    var result: TensorType
    var q: QuantizedType, k: QuantizedType, v: QuantizedType
    /// The quantized type of the softmax probabilities.
    var probabilities: QuantizedType
    var nanValue: Float?
  }

  /// The per-tensor 8-bit storage the ATTENTION kernel reads.
  static let attentionStorage: Set<ElementType> = [.i8, .u8]

  static func attentionSignature(_ c: InferenceContext) throws(OpError) -> AttentionSignature {
    let op = "qcc.attention"
    var operands: [(TensorType, QuantizedType)] = []
    for i in 0..<3 {
      let (t, q) = try quantizedOperand(c, i, op)
      guard attentionStorage.contains(q.storage) else {
        throw OpError("\(op): operand \(i) is \(q.storage); q, k and v must be \(list(attentionStorage))")
      }
      guard case .perTensor = q.granularity else { throw OpError("\(op): operand \(i) must be quantized per tensor") }
      if let r = t.shape.rank, r < 2 { throw OpError("\(op): operand \(i) must have rank 2 or more, not \(r)") }
      try checkParameters(q, shape: t.shape, c.parameters, op, "operand \(i)")
      operands.append((t, q))
    }
    let probabilities = try probabilityType(c, op)
    var dims: Shape = .unranked
    if let dq = operands[0].0.shape.dims, let dk = operands[1].0.shape.dims, let dv = operands[2].0.shape.dims {
      let scores: [Dim]
      do {
        scores = try LinearAlgebraOps.matMulDims(dq, dk)
        dims = .ranked(try LinearAlgebraOps.matMulDims(scores, dv))
      } catch {
        throw OpError("\(op): \(error.message)")
      }
      if let mask = c.optionalInput(3)?.shape.dims {
        let fits = mask.count <= scores.count && ((try? Broadcast.shape(scores, mask)) ?? nil) != nil
        guard fits else {
          throw OpError("\(op): the mask \(DimMath.describe(mask)) does not broadcast to the scores \(DimMath.describe(scores))")
        }
      }
    }
    if let mask = c.optionalInput(3), mask.elementType != .f32 {
      throw OpError("\(op): the mask (operand 3) must be f32, not \(Printer.spell(mask))")
    }
    guard let declared = c.declaredResultTypes?.first else { throw OpError("\(op) needs a declared result type") }
    let shape = try unify(dims, declared.shape, op, "the declared result shape")
    if let qy = declared.element.quantization {
      guard qy.expressed == .f32, byteValueStorage.contains(qy.storage) else {
        throw OpError("\(op): the result must be f32 (dequantized) or an 8- or 16-bit quantized type (requantized), not \(Printer.spell(declared))")
      }
      guard case .perTensor = qy.granularity else { throw OpError("\(op): a quantized result must be quantized per tensor") }
      try checkParameters(qy, shape: shape, c.parameters, op, "the result")
    } else if declared.elementType != .f32 {
      throw OpError("\(op): the result must be f32 (dequantized) or an 8- or 16-bit quantized type (requantized), not \(Printer.spell(declared))")
    }
    return AttentionSignature(
      result: TensorType(declared.element, shape), q: operands[0].1, k: operands[1].1, v: operands[2].1,
      probabilities: probabilities, nanValue: try c.attributes.float("nan_value"))
  }

  /// The `probabilities` attribute: a per-tensor 8-bit quantized element, as the IR spells it.
  static func probabilityType(_ c: InferenceContext, _ op: String) throws(OpError) -> QuantizedType {
    guard let text = try c.attributes.string("probabilities") else {
      throw OpError("\(op) needs a 'probabilities' attribute: the quantized type of the softmax output")
    }
    let parsed: QuantizedType?
    do {
      parsed = try Parser.parseQuantizedElement(text)
    } catch {
      throw OpError("\(op): 'probabilities' is not a quantized element type (\(text)): \(error.message)")
    }
    guard let q = parsed, q.expressed == .f32, attentionStorage.contains(q.storage), q.perTensor != nil else {
      throw OpError("\(op): 'probabilities' must be an i8 or u8 type quantized per tensor, not \(text)")
    }
    return q
  }
}

extension QuantizedPlans {
  static let attention: PlanFunction = { (c) throws(OpError) in
    let sig = try Q.attentionSignature(c.inference)
    func perTensor(_ q: QuantizedType) -> (scale: Float, zeroPoint: Int32, range: (Int32, Int32)) {
      let (s, z) = q.perTensor!  // attentionSignature checked every type is per tensor
      return (s, Int32(z), (Int32(clamping: q.range.lowerBound), Int32(clamping: q.range.upperBound)))
    }
    let q = perTensor(sig.q), k = perTensor(sig.k), v = perTensor(sig.v), p = perTensor(sig.probabilities)
    let qShape = try c.shape(0), kShape = try c.shape(1), vShape = try c.shape(2), yShape = try c.resultShape()
    let m = qShape[qShape.count - 2], d = qShape[qShape.count - 1], n = kShape[kShape.count - 1]
    let dv = vShape[vShape.count - 1]
    let batch = Array(yShape.dropLast(2))
    try requireKernelRank(batch.count + 2)
    func batchStrides(_ shape: [Int], matrix: Int) -> [Int64] {
      Broadcast.strides(of: Array(shape.dropLast(2)), broadcastTo: batch).map { $0 * Int64(matrix) }
    }
    // The mask read as [batch..., M, N]: its batch strides, then its row and column strides.
    var maskStrides = [Int64](repeating: 0, count: batch.count + 2)
    if c.hasOperand(3) { maskStrides = broadcastStrides(try c.shape(3), to: batch + [m, n]) }
    // The epilogue of y = qcc.matmul(pq, v): the accumulator's scale is scale_p × scale_v in f32.
    let accScale = p.scale * v.scale
    var out: [Int64] = [-1, 0, 0, 0, 0, 0]
    var outScale = accScale
    if let qy = c.resultTypes[0].element.quantization {
      let y = perTensor(qy)
      let (multiplier, shift) = requantizeMultiplier(from: accScale, to: y.scale)
      out = [qtype(qy.storage), Int64(y.zeroPoint), Int64(y.range.0), Int64(y.range.1), Int64(multiplier), Int64(shift)]
      outScale = 0
    }
    var ints: [Int64] = [qtype(sig.q.storage), qtype(sig.k.storage), qtype(sig.v.storage), qtype(sig.probabilities.storage)]
    ints += [out[0], Int64(q.zeroPoint), Int64(k.zeroPoint), Int64(v.zeroPoint), Int64(p.zeroPoint)]
    ints += [Int64(p.range.0), Int64(p.range.1)] + out[1...]
    ints += [sig.nanValue == nil ? 0 : 1] + [m, n, d, dv].map(Int64.init) + maskStrides.suffix(2)
    ints += [Int64(batch.count)] + batch.map(Int64.init) + batchStrides(qShape, matrix: m * d)
      + batchStrides(kShape, matrix: d * n) + batchStrides(vShape, matrix: n * dv)
      + denseStrides(batch).map { $0 * Int64(m * dv) } + maskStrides.prefix(batch.count)
    var plan = KernelPlan()
    let scratchBytes = Int(qcc_qattention_scratch_bytes(Int64(m), Int64(n), Int64(dv)))
    let scratch = scratchBytes > 0 ? plan.scratch(scratchBytes) : nil
    plan.calls.append(
      KernelCall(
        .attention, buffers: [.result(0), .operand(0), .operand(1), .operand(2), c.hasOperand(3) ? .operand(3) : nil, scratch],
        ints: ints, floats: [q.scale * k.scale, p.scale, outScale, sig.nanValue ?? 0]))
    return plan
  }
}
