import QCCIR
import QCCKernels

// qcc.quantize (f32 → integers, the result type chosen by a pass),
// qcc.dequantize (integers → f32) and qcc.requantize (integers → integers
// with a fixed-point multiplier), per tensor, per axis and (quantize and
// dequantize) per group. The arithmetic is qcc_quantize_f32,
// qcc_dequantize_f32 and qcc_requantize.

extension QuantizedOps {
  // MARK: qcc.quantize

  static func quantizeType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let op = "qcc.quantize"
    let x = try c.input(0)
    guard x.element == .plain(.f32) else { throw OpError("\(op): operand 0 must be f32, not \(Printer.spell(x))") }
    let (declared, q) = try declaredResult(c, op)
    guard valueStorage.contains(q.storage) else {
      throw OpError("\(op): cannot quantize to \(q.storage); the storage types are \(list(valueStorage))")
    }
    let shape = try unify(x.shape, declared.shape, op, "the declared result shape")
    try checkParameters(q, shape: shape, c.parameters, op, "the result")
    return TensorType(declared.element, shape)
  }

  static let quantize = OpDefinition.planned(
    "qcc.quantize", inferTypes: { (c) throws(OpError) in [try quantizeType(c)] }, plan: QuantizedPlans.quantize)

  // MARK: qcc.dequantize

  static func dequantizeType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let op = "qcc.dequantize"
    let (x, q) = try quantizedOperand(c, 0, op)
    guard valueStorage.contains(q.storage) || accumulatorStorage.contains(q.storage) else {
      throw OpError("\(op): cannot dequantize \(q.storage) values")
    }
    try checkParameters(q, shape: x.shape, c.parameters, op, "operand 0")
    return TensorType(.f32, x.shape)
  }

  static let dequantize = OpDefinition.planned(
    "qcc.dequantize", inferTypes: { (c) throws(OpError) in [try dequantizeType(c)] }, plan: QuantizedPlans.dequantize)

  // MARK: qcc.requantize

  static let requantizeInputs: Set<ElementType> = [.i8, .u8, .i16, .u16, .i32, .i64]

  /// The result type, and the axis the multipliers vary along (nil: per tensor).
  static func requantizeType(_ c: InferenceContext) throws(OpError) -> (type: TensorType, axis: Int?) {
    let op = "qcc.requantize"
    let (x, qx) = try quantizedOperand(c, 0, op)
    guard requantizeInputs.contains(qx.storage) else {
      throw OpError("\(op): cannot requantize \(qx.storage) values; it takes \(list(requantizeInputs))")
    }
    let (declared, qy) = try declaredResult(c, op)
    guard byteValueStorage.contains(qy.storage) else {
      throw OpError("\(op): cannot requantize to \(qy.storage); it produces \(list(byteValueStorage))")
    }
    let shape = try unify(x.shape, declared.shape, op, "the declared result shape")
    var axis: Int?
    for (q, what) in [(qx, "operand 0"), (qy, "the result")] {
      switch q.granularity {
      case .perTensor: break
      case .perGroup:
        throw OpError("\(op): \(what) is quantized per group; values can only be rescaled per tensor or per channel")
      case .perAxis(let a, _, _):
        if let axis, axis != a {
          throw OpError("\(op): operand 0 is quantized along axis \(axis), the result along axis \(a); they must agree")
        }
        axis = a
      }
    }
    try checkParameters(qx, shape: shape, c.parameters, op, "operand 0")
    try checkParameters(qy, shape: shape, c.parameters, op, "the result")
    return (TensorType(declared.element, shape), axis)
  }

  static let requantize = OpDefinition.planned(
    "qcc.requantize", inferTypes: { (c) throws(OpError) in [try requantizeType(c).type] }, plan: QuantizedPlans.requantize)
}
