import QCCIR
import QCCKernels

// Plans of the elementwise ops on f32 (broadcasting arithmetic, Pow, unary
// math and activations, Clip, IsNaN), and of Where, the bool logic ops and
// Cast, which move or convert any element type the kernels know.

extension FloatPlans {
  static func registerElementwise(into t: inout [String: PlanFunction]) {
    let binary: [(String, qcc_binary_op)] = [
      ("Add", QCC_BINARY_ADD), ("Sub", QCC_BINARY_SUB), ("Mul", QCC_BINARY_MUL), ("Div", QCC_BINARY_DIV),
      ("Max", QCC_BINARY_MAX), ("Min", QCC_BINARY_MIN), ("PRelu", QCC_BINARY_PRELU),
    ]
    for (name, op) in binary {
      t[name] = skippingEmpty { (c) throws(OpError) in try arithmetic(c, name, op) }
    }
    t["Pow"] = skippingEmpty { (c) throws(OpError) in try pow(c) }
    for (name, op) in plainUnary {
      t[name] = skippingEmpty { (c) throws(OpError) in
        try unary(c, name, ElementwiseOps.UnaryParameters(kernel: op))
      }
    }
    for (name, parameters) in attributeUnary {
      t[name] = skippingEmpty { (c) throws(OpError) in try unary(c, name, try parameters(c.attributes)) }
    }
    t["Clip"] = skippingEmpty { (c) throws(OpError) in try clip(c) }
    t["IsNaN"] = skippingEmpty { (c) throws(OpError) in try isNaN(c) }
    t["Where"] = skippingEmpty { (c) throws(OpError) in try `where`(c) }
    for (name, op) in [("And", 0), ("Or", 1), ("Xor", 2)] {
      t[name] = skippingEmpty { (c) throws(OpError) in try logic(c, name, Int64(op)) }
    }
    t["Cast"] = skippingEmpty { (c) throws(OpError) in try cast(c) }
  }

  // MARK: - Arithmetic

  /// Add, Sub, Mul, Div, Max, Min, PRelu (its slope broadcasts to x): the operands folded left to right as the
  /// op's evaluate folds them (variadic Max and Min through scratch), each
  /// step one F32_BINARY call; a single operand is the result itself.
  static func arithmetic(_ c: PlanContext, _ name: String, _ op: qcc_binary_op) throws(OpError) -> KernelPlan {
    guard c.operandCount >= 1 else { throw OpError("\(name) needs at least one input") }
    try requireF32(c, name, operands: Array(0..<c.operandCount))
    if c.operandCount == 1 { return aliasPlan }
    var plan = KernelPlan()
    var current: (slot: BufferSlot, shape: [Int]) = (.operand(0), try c.shape(0))
    for i in 1..<c.operandCount {
      let other = try c.shape(i)
      let shape = try Broadcast.sizes([current.shape, other])
      let out = i == c.operandCount - 1 ? BufferSlot.result(0) : plan.scratch(f32Bytes(shape))
      plan.calls.append(try f32Binary(op, out: out, current.slot, current.shape, .operand(i), other, shape: shape))
      current = (out, shape)
    }
    return plan
  }

  /// Pow on an f32 base. A single-element exponent on a base of the
  /// result's shape is what `qcc_f32_pow_scalar` computes in evaluate: it must
  /// be a constant, and its exact shortcuts become the calls that give the same
  /// bits (1: a copy, 2 and 3: products, -1: a reciprocal, 0: ones, 0.5: a
  /// square root with pow's signs of zero and infinity); any other exponent is
  /// `powf` either way. Other exponents broadcast through F32_BINARY POW,
  /// converted to f32 as evaluate converts them.
  static func pow(_ c: PlanContext) throws(OpError) -> KernelPlan {
    _ = try ElementwiseOps.inferPow(c.inference)
    try requireF32(c, "Pow")
    let shape = try c.resultShape()
    let xShape = try c.shape(0), yShape = try c.shape(1)
    let n = count(shape)
    var plan = KernelPlan()
    if count(yShape) == 1 && shape == xShape {
      guard let y = c.value(1) else {
        throw OpError("Pow: a single-element exponent must be a constant to compile")
      }
      let exponent = Float(y.doubles()[0])
      let one = [1], x = BufferSlot.operand(0)
      let flat = [n]
      switch exponent {
      case 1:
        appendCopy(&plan, to: .result(0), from: x, elementSize: 4, StridedCopy(denseView: flat, strides: one))
      case 2:
        plan.calls.append(try f32Binary(QCC_BINARY_MUL, out: .result(0), x, flat, x, flat, shape: flat))
      case 3:
        let square = plan.scratch(f32Bytes(flat))
        plan.calls.append(try f32Binary(QCC_BINARY_MUL, out: square, x, flat, x, flat, shape: flat))
        plan.calls.append(try f32Binary(QCC_BINARY_MUL, out: .result(0), square, flat, x, flat, shape: flat))
      case -1:
        plan.calls.append(f32Unary(QCC_UNARY_RECIPROCAL, out: .result(0), x, count: n))
      case 0:
        let value = BufferSlot.constant(TensorData(scalar: Float(1)))
        plan.calls.append(KernelCall(.fill, buffers: [.result(0), value], ints: [4, Int64(n)]))
      case 0.5:
        // x == -inf ? inf : sqrtf(x) + 0: where x + inf is NaN (x is -inf or NaN), x * x gives
        // +inf or x's NaN, the bits sqrtf(NaN) + 0 also gives.
        let scalar = [1]
        let sum = plan.scratch(f32Bytes(flat)), isSpecial = plan.scratch(n)
        let root = plan.scratch(f32Bytes(flat)), square = plan.scratch(f32Bytes(flat))
        let infinity = BufferSlot.constant(TensorData(scalar: Float.infinity))
        let zero = BufferSlot.constant(TensorData(scalar: Float(0)))
        plan.calls.append(try f32Binary(QCC_BINARY_ADD, out: sum, x, flat, infinity, scalar, shape: flat))
        plan.calls.append(KernelCall(.f32IsNaN, buffers: [isSpecial, sum], ints: [Int64(n)]))
        plan.calls.append(f32Unary(QCC_UNARY_SQRT, out: root, x, count: n))
        plan.calls.append(try f32Binary(QCC_BINARY_ADD, out: sum, root, flat, zero, scalar, shape: flat))
        plan.calls.append(try f32Binary(QCC_BINARY_MUL, out: square, x, flat, x, flat, shape: flat))
        plan.calls.append(
          KernelCall(.where, buffers: [.result(0), isSpecial, square, sum], ints: [4, 1, Int64(n), 1, 1, 1]))
      default:
        let e = BufferSlot.constant(TensorData(shape: yShape, scalars: [exponent]))
        plan.calls.append(try f32Binary(QCC_BINARY_POW, out: .result(0), x, xShape, e, yShape, shape: shape))
      }
      return plan
    }
    let exponents: BufferSlot
    let yType = try c.elementType(1)
    if yType == .f32 {
      exponents = .operand(1)
    } else if let y = c.value(1) {
      exponents = .constant(TensorData(converting: y.doubles(), to: .f32, shape: y.shape))
    } else if [.i8, .u8, .i16, .u16, .i32, .u32].contains(yType) {
      // Exact in Double, so CAST's one rounding to f32 is evaluate's conversion through Double.
      exponents = plan.scratch(f32Bytes(yShape))
      let codes = [elemCode(.f32), elemCode(yType), Int64(count(yShape))]
      plan.calls.append(KernelCall(.cast, buffers: [exponents, .operand(1)], ints: codes))
    } else {
      throw OpError("Pow: \(yType) exponents that are not constants cannot be compiled")
    }
    plan.calls.append(
      try f32Binary(QCC_BINARY_POW, out: .result(0), .operand(0), xShape, exponents, yShape, shape: shape))
    return plan
  }

  // MARK: - Unary

  /// The unary ops whose kernel op takes no attributes, as `ElementwiseOps.register` pairs them.
  static let plainUnary: [(String, qcc_unary_op)] = [
    ("Neg", QCC_UNARY_NEG), ("Abs", QCC_UNARY_ABS), ("Sign", QCC_UNARY_SIGN), ("Sqrt", QCC_UNARY_SQRT),
    ("Reciprocal", QCC_UNARY_RECIPROCAL), ("Exp", QCC_UNARY_EXP), ("Log", QCC_UNARY_LOG), ("Erf", QCC_UNARY_ERF),
    ("Floor", QCC_UNARY_FLOOR), ("Ceil", QCC_UNARY_CEIL), ("Round", QCC_UNARY_ROUND), ("Sin", QCC_UNARY_SIN),
    ("Cos", QCC_UNARY_COS), ("Tan", QCC_UNARY_TAN), ("Asin", QCC_UNARY_ASIN), ("Acos", QCC_UNARY_ACOS),
    ("Atan", QCC_UNARY_ATAN), ("Sinh", QCC_UNARY_SINH), ("Cosh", QCC_UNARY_COSH), ("Asinh", QCC_UNARY_ASINH),
    ("Acosh", QCC_UNARY_ACOSH), ("Atanh", QCC_UNARY_ATANH), ("Relu", QCC_UNARY_RELU), ("Tanh", QCC_UNARY_TANH),
    ("Sigmoid", QCC_UNARY_SIGMOID), ("Softplus", QCC_UNARY_SOFTPLUS), ("Softsign", QCC_UNARY_SOFTSIGN),
    ("HardSwish", QCC_UNARY_HARD_SWISH),
  ]

  /// The unary ops whose kernel op and parameters come from attributes, read by the ops' own functions.
  static let attributeUnary: [(String, ElementwiseOps.UnaryParameterFunction)] = [
    ("LeakyRelu", ElementwiseOps.leakyReluParameters), ("Elu", ElementwiseOps.eluParameters),
    ("Selu", ElementwiseOps.seluParameters), ("Celu", ElementwiseOps.celuParameters),
    ("ThresholdedRelu", ElementwiseOps.thresholdedReluParameters),
    ("HardSigmoid", ElementwiseOps.hardSigmoidParameters), ("Shrink", ElementwiseOps.shrinkParameters),
    ("Gelu", ElementwiseOps.geluParameters),
  ]

  /// A unary op on f32: one F32_UNARY call with the op's kernel op and parameters.
  static func unary(_ c: PlanContext, _ name: String, _ p: ElementwiseOps.UnaryParameters) throws(OpError)
    -> KernelPlan
  {
    try requireF32(c, name)
    let n = count(try c.shape(0))
    return KernelPlan(f32Unary(p.kernel, out: .result(0), .operand(0), count: n, alpha: p.alpha, beta: p.beta))
  }

  /// Clip on f32: F32_UNARY CLIP with the constant min and max operands
  /// (read as evaluate reads them), -inf and +inf where omitted.
  static func clip(_ c: PlanContext) throws(OpError) -> KernelPlan {
    _ = try ElementwiseOps.inferClip(c.inference)
    try requireF32(c, "Clip")
    func bound(_ i: Int, _ name: String, absent: Float) throws(OpError) -> Float {
      guard c.hasOperand(i) else { return absent }
      guard let v = c.value(i) else { throw OpError("Clip: \(name) must be a constant to compile") }
      return v.scalars(as: Float.self)[0]
    }
    let lo = try bound(1, "min", absent: -.infinity), hi = try bound(2, "max", absent: .infinity)
    let n = count(try c.shape(0))
    return KernelPlan(f32Unary(QCC_UNARY_CLIP, out: .result(0), .operand(0), count: n, alpha: lo, beta: hi))
  }

  /// IsNaN of f32: one F32_ISNAN call.
  static func isNaN(_ c: PlanContext) throws(OpError) -> KernelPlan {
    try requireF32(c, "IsNaN")
    let n = count(try c.shape(0))
    return KernelPlan(KernelCall(.f32IsNaN, buffers: [.result(0), .operand(0)], ints: [Int64(n)]))
  }

  // MARK: - Selection, logic and casts

  /// Where: one WHERE call, every operand read through its broadcast strides as evaluate passes them.
  static func `where`(_ c: PlanContext) throws(OpError) -> KernelPlan {
    let type = try ElementwiseOps.inferWhere(c.inference)
    let shape = try c.resultShape()
    try requireKernelRank(shape.count)
    let size = try DataMovementOps.elementSize(type.elementType, op: "Where")
    var ints = [Int64(size), Int64(shape.count)] + shape.map(Int64.init)
    for i in 0..<3 { ints += Broadcast.strides(of: try c.shape(i), broadcastTo: shape) }
    return KernelPlan(KernelCall(.where, buffers: [.result(0), .operand(0), .operand(1), .operand(2)], ints: ints))
  }

  /// And, Or, Xor on bool: one BOOL_BINARY call (op 0, 1, 2) with broadcast strides.
  static func logic(_ c: PlanContext, _ name: String, _ op: Int64) throws(OpError) -> KernelPlan {
    _ = try ElementwiseOps.inferBoolBinary(c.inference, name, allowed: [.bool])
    let shape = try c.resultShape()
    try requireKernelRank(shape.count)
    var ints = [op, Int64(shape.count)] + shape.map(Int64.init)
    for i in 0..<2 { ints += Broadcast.strides(of: try c.shape(i), broadcastTo: shape) }
    return KernelPlan(KernelCall(.boolBinary, buffers: [.result(0), .operand(0), .operand(1)], ints: ints))
  }

  /// The element types CAST converts between.
  static let castable: Set<ElementType> = [.f32, .i8, .u8, .i16, .u16, .i32, .u32, .i64, .u64, .bool]

  /// Cast: one CAST call between f32, the 8- to 64-bit integers and bool; a cast to the same type is the operand.
  static func cast(_ c: PlanContext) throws(OpError) -> KernelPlan {
    let target = try ElementwiseOps.inferCast(c.inference).elementType
    let source = try c.elementType(0)
    if source == target { return aliasPlan }
    guard castable.contains(source), castable.contains(target) else {
      throw OpError("Cast from \(source) to \(target) cannot be compiled (CAST converts f32, i8…u64 and bool)")
    }
    let ints = [elemCode(target), elemCode(source), Int64(count(try c.shape(0)))]
    return KernelPlan(KernelCall(.cast, buffers: [.result(0), .operand(0)], ints: ints))
  }
}
