import QCCIR
import QCCKernels

// Plans of the ops with bool results that compare or negate: the
// broadcasting comparisons (Equal, Less, LessOrEqual, Greater,
// GreaterOrEqual) through COMPARE, the kernel their evaluate runs; Not as a
// BOOL_BINARY xor with true; and IsInf as comparisons with the infinities.

extension FloatPlans {
  static func registerComparison(into t: inout [String: PlanFunction]) {
    for (name, op, types) in ElementwiseOps.comparisons {
      t[name] = skippingEmpty { (c) throws(OpError) in try comparison(c, name, op.kernel, types: types) }
    }
    t["Not"] = skippingEmpty { (c) throws(OpError) in try not(c) }
    t["IsInf"] = skippingEmpty { (c) throws(OpError) in try isInf(c) }
  }

  /// Throws unless COMPARE compares elements of operand 0's type (f32, f64, i8…u64, bool), naming the op.
  static func requireComparable(_ c: PlanContext, _ op: String) throws(OpError) -> ElementType {
    let t = try c.elementType(0)
    guard ElementwiseOps.comparesInC(t) else {
      throw OpError("\(op): \(t) tensors cannot be compiled (COMPARE takes f32, f64, i8…u64 and bool)")
    }
    return t
  }

  /// The COMPARE call of `a op b` (elements of `type`) broadcast to `shape`, as evaluate passes it.
  static func compare(
    _ op: qcc_compare_op, _ type: ElementType, out: BufferSlot, _ a: BufferSlot, _ aShape: [Int], _ b: BufferSlot,
    _ bShape: [Int], shape: [Int]
  ) throws(OpError) -> KernelCall {
    try requireKernelRank(shape.count)
    let ints =
      [Int64(op.rawValue), elemCode(type), Int64(shape.count)] + shape.map(Int64.init)
      + Broadcast.strides(of: aShape, broadcastTo: shape) + Broadcast.strides(of: bShape, broadcastTo: shape)
    return KernelCall(.compare, buffers: [out, a, b], ints: ints)
  }

  /// A comparison: one COMPARE call with both operands' broadcast strides.
  static func comparison(_ c: PlanContext, _ name: String, _ op: qcc_compare_op, types: Set<ElementType>)
    throws(OpError) -> KernelPlan
  {
    _ = try ElementwiseOps.inferBoolBinary(c.inference, name, allowed: types)
    let type = try requireComparable(c, name)
    return KernelPlan(
      try compare(
        op, type, out: .result(0), .operand(0), try c.shape(0), .operand(1), try c.shape(1), shape: try c.resultShape()))
  }

  /// Not: one BOOL_BINARY xor of the operand (read as x != 0, as evaluate reads bools) with a constant true.
  static func not(_ c: PlanContext) throws(OpError) -> KernelPlan {
    _ = try ElementwiseOps.inferNot(c.inference)
    let n = Int64(count(try c.shape(0)))
    let yes = BufferSlot.constant(TensorData(scalar: true))
    return KernelPlan(KernelCall(.boolBinary, buffers: [.result(0), .operand(0), yes], ints: [2, 1, n, 1, 0]))
  }

  /// IsInf with `detect_positive` and `detect_negative`: x == +inf, x == -inf, both (two COMPARE
  /// calls into scratch and a BOOL_BINARY or), or neither (a FILL of false). f32 and f64.
  static func isInf(_ c: PlanContext) throws(OpError) -> KernelPlan {
    _ = try ElementwiseOps.inferClassification(c.inference, "IsInf")
    let type = try requireComparable(c, "IsInf")
    let negative = try c.attributes.int("detect_negative", default: 1) != 0
    let positive = try c.attributes.int("detect_positive", default: 1) != 0
    let shape = [count(try c.shape(0))], scalar: [Int] = []
    func infinity(_ sign: Double) -> BufferSlot {
      .constant(TensorData(converting: [sign * .infinity], to: type, shape: scalar))
    }
    var plan = KernelPlan()
    switch (negative, positive) {
    case (false, false):
      let no = BufferSlot.constant(TensorData(scalar: false))
      plan.calls.append(KernelCall(.fill, buffers: [.result(0), no], ints: [1, Int64(shape[0])]))
    case (true, true):
      let isPositive = plan.scratch(shape[0]), isNegative = plan.scratch(shape[0])
      for (out, sign) in [(isPositive, 1.0), (isNegative, -1.0)] {
        plan.calls.append(
          try compare(QCC_COMPARE_EQ, type, out: out, .operand(0), shape, infinity(sign), scalar, shape: shape))
      }
      plan.calls.append(
        KernelCall(.boolBinary, buffers: [.result(0), isPositive, isNegative], ints: [1, 1, Int64(shape[0]), 1, 1]))
    default:
      plan.calls.append(
        try compare(
          QCC_COMPARE_EQ, type, out: .result(0), .operand(0), shape, infinity(positive ? 1 : -1), scalar, shape: shape))
    }
    return plan
  }
}
