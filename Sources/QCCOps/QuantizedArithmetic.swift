import QCCIR
import QCCKernels

// qcc.add and qcc.mul: residual connections and gating on quantized values,
// with numpy broadcasting. Operands and result are quantized per tensor
// (8 or 16 bits); with s = 30,
//   add: y = clamp(zy + floor(((a − za) × Ma + (b − zb) × Mb + 2^(s−1)) / 2^s)),
//        Ma = round_half_even(sa / sy × 2^s), Mb likewise;
//   mul: y = clamp(zy + floor(((a − za) × (b − zb) × M + 2^(s−1)) / 2^s)),
//        M = round_half_even(sa × sb / sy × 2^s),
// exact in 64-bit integers. The arithmetic is qcc_qadd / qcc_qmul, the
// multipliers qcc_qadd_multiplier / qcc_qmul_multiplier.

extension QuantizedOps {
  static func arithmeticType(_ c: InferenceContext, _ op: String) throws(OpError) -> TensorType {
    let (a, qa) = try quantizedOperand(c, 0, op)
    let (b, qb) = try quantizedOperand(c, 1, op)
    let (declared, qy) = try declaredResult(c, op)
    for (q, what) in [(qa, "operand 0"), (qb, "operand 1"), (qy, "the result")] {
      guard byteValueStorage.contains(q.storage) else {
        throw OpError("\(op): \(what) is \(q.storage); it takes \(list(byteValueStorage))")
      }
      guard case .perTensor = q.granularity else { throw OpError("\(op): \(what) must be quantized per tensor") }
    }
    let broadcast: Shape
    do {
      broadcast = try Broadcast.shape(of: [a, b])
    } catch {
      throw OpError("\(op): \(error.message)")
    }
    let shape = try unify(broadcast, declared.shape, op, "the declared result shape")
    try checkParameters(qa, shape: a.shape, c.parameters, op, "operand 0")
    try checkParameters(qb, shape: b.shape, c.parameters, op, "operand 1")
    try checkParameters(qy, shape: shape, c.parameters, op, "the result")
    return TensorType(declared.element, shape)
  }

  static let add = OpDefinition.planned(
    "qcc.add", inferTypes: { (c) throws(OpError) in [try arithmeticType(c, "qcc.add")] }, plan: QuantizedPlans.add)
  static let mul = OpDefinition.planned(
    "qcc.mul", inferTypes: { (c) throws(OpError) in [try arithmeticType(c, "qcc.mul")] }, plan: QuantizedPlans.mul)
}
