import QCCIR
import QCCKernels

#if canImport(Glibc)
import Glibc
#endif

// Unary math functions and activations. f32 runs `qcc_f32_unary`; f64, f16
// and bf16 compute in Double with libm and round once; the few ops defined on
// integers (Neg, Abs, Sign, Relu) compute in the integer type, wrapping.

extension ElementwiseOps {
  /// The kernel op and its two parameters, as a node's attributes set them.
  struct UnaryParameters: Sendable {
    var kernel: qcc_unary_op
    var alpha: Float = 0
    var beta: Float = 0
  }

  /// Integer semantics of the unary ops that have them.
  enum IntegerUnary: Sendable {
    case neg, abs, sign, relu

    func apply<T: FixedWidthInteger>(_ x: T) -> T {
      switch self {
      case .neg: 0 &- x
      case .abs: x < 0 ? 0 &- x : x
      case .sign: x > 0 ? 1 : x < 0 ? 0 &- 1 : 0
      case .relu: x < 0 ? 0 : x
      }
    }
  }

  /// How a unary op reads its kernel op and parameters from a node's attributes (throwing for invalid ones).
  typealias UnaryParameterFunction = @Sendable (AttributeReader) throws(OpError) -> UnaryParameters

  static let signedTypes: Set<ElementType> = ElementTypes.float.union([.i64, .i32, .i16, .i8])

  /// A unary op without attributes.
  static func unary(
    _ name: String, _ kernel: qcc_unary_op, types: Set<ElementType> = ElementTypes.float,
    integer: IntegerUnary? = nil, _ real: @escaping @Sendable (Double) -> Double
  ) -> OpDefinition {
    let parameters: @Sendable (AttributeReader) throws(OpError) -> UnaryParameters = { _ in UnaryParameters(kernel: kernel) }
    return unary(name, types: types, integer: integer, parameters: parameters) { x, _ in real(x) }
  }

  /// A unary op whose kernel and parameters come from the attributes
  /// (`parameters` also rejects invalid ones); `real` is the same function on
  /// Double, for the element types without a kernel.
  static func unary(
    _ name: String, types: Set<ElementType> = ElementTypes.float, integer: IntegerUnary? = nil,
    parameters: @escaping @Sendable (AttributeReader) throws(OpError) -> UnaryParameters,
    _ real: @escaping @Sendable (Double, UnaryParameters) -> Double
  ) -> OpDefinition {
    @Sendable func infer(_ c: InferenceContext) throws(OpError) -> TensorType {
      try requireInputCount(c, name, 1...1)
      let x = try c.input(0)
      try ElementTypes.require(x, in: types, name, operand: 0)
      _ = try parameters(c.attributes)
      return x
    }
    return OpDefinition(
      name,
      inferTypes: { (c) throws(OpError) in [try infer(c)] },
      evaluate: { (c) throws(OpError) in
        // One operand of an allowed type needs no inference: the result has its type.
        if agreedType(c.inputs, types) == nil || c.inputs.count != 1 { _ = try infer(c.inference) }
        let p = try parameters(c.attributes)
        let x = try c.input(0)
        if x.elementType == .f32 { return [f32Unary(p.kernel, x, alpha: p.alpha, beta: p.beta)] }
        if let integer, x.elementType.isInteger {
          return [try dispatchInteger(x.elementType, IntegerUnaryMap(op: integer, x: x))]
        }
        return [TensorData(converting: x.doubles().map { real($0, p) }, to: x.elementType, shape: x.shape)]
      })
  }

  struct IntegerUnaryMap: IntegerComputation {
    let op: IntegerUnary
    let x: TensorData
    func run<T: FixedWidthInteger & TensorScalar>(_: T.Type) throws(OpError) -> TensorData {
      TensorData(shape: x.shape, scalars: x.scalars(as: T.self).map { op.apply($0) })
    }
  }

  // MARK: - Activations with attributes

  /// LeakyRelu's kernel op and parameters from its attributes (shared with its compiled plan).
  static let leakyReluParameters: UnaryParameterFunction = { (a) throws(OpError) in
    UnaryParameters(kernel: QCC_UNARY_LEAKY_RELU, alpha: try a.float("alpha", default: 0.01))
  }

  static let leakyRelu = unary("LeakyRelu", parameters: leakyReluParameters) { x, p in x < 0 ? Double(p.alpha) * x : x }

  /// Elu's kernel op and parameters from its attributes (shared with its compiled plan).
  static let eluParameters: UnaryParameterFunction = { (a) throws(OpError) in
    UnaryParameters(kernel: QCC_UNARY_ELU, alpha: try a.float("alpha", default: 1))
  }

  static let elu = unary("Elu", parameters: eluParameters) { x, p in x < 0 ? Double(p.alpha) * expm1(x) : x }

  /// Selu's kernel op and parameters from its attributes (shared with its compiled plan).
  static let seluParameters: UnaryParameterFunction = { (a) throws(OpError) in
    UnaryParameters(
      kernel: QCC_UNARY_SELU, alpha: try a.float("alpha", default: 1.67326319217681884765625),
      beta: try a.float("gamma", default: 1.05070102214813232421875))
  }

  static let selu = unary("Selu", parameters: seluParameters) { x, p in
    Double(p.beta) * (x <= 0 ? Double(p.alpha) * expm1(x) : x)
  }

  /// Celu's kernel op and parameters from its attributes (shared with its compiled plan).
  static let celuParameters: UnaryParameterFunction = { (a) throws(OpError) in
    UnaryParameters(kernel: QCC_UNARY_CELU, alpha: try a.float("alpha", default: 1))
  }

  static let celu = unary("Celu", parameters: celuParameters) { x, p in
    x > 0 ? x : Double(p.alpha) * expm1(x / Double(p.alpha))
  }

  /// ThresholdedRelu's kernel op and parameters from its attributes (shared with its compiled plan).
  static let thresholdedReluParameters: UnaryParameterFunction = { (a) throws(OpError) in
    UnaryParameters(kernel: QCC_UNARY_THRESHOLDED_RELU, alpha: try a.float("alpha", default: 1))
  }

  static let thresholdedRelu = unary("ThresholdedRelu", parameters: thresholdedReluParameters) { x, p in
    x > Double(p.alpha) || x.isNaN ? x : 0
  }

  /// HardSigmoid's kernel op and parameters from its attributes (shared with its compiled plan).
  static let hardSigmoidParameters: UnaryParameterFunction = { (a) throws(OpError) in
    UnaryParameters(
      kernel: QCC_UNARY_HARD_SIGMOID, alpha: try a.float("alpha", default: 0.2),
      beta: try a.float("beta", default: 0.5))
  }

  static let hardSigmoid = unary("HardSigmoid", parameters: hardSigmoidParameters) { x, p in
    clamp01(Double(p.alpha) * x + Double(p.beta))
  }

  static let hardSwish = unary("HardSwish", QCC_UNARY_HARD_SWISH) { x in x * clamp01(x / 6 + 0.5) }

  /// Shrink's kernel op and parameters from its attributes (shared with its compiled plan).
  static let shrinkParameters: UnaryParameterFunction = { (a) throws(OpError) in
    UnaryParameters(
      kernel: QCC_UNARY_SHRINK, alpha: try a.float("lambd", default: 0.5), beta: try a.float("bias", default: 0))
  }

  /// Shrink is defined on every numeric type; integers go through Double.
  static let shrink = unary("Shrink", types: ElementTypes.numeric, parameters: shrinkParameters) { x, p in
    let lambd = Double(p.alpha)
    let bias = Double(p.beta)
    return x < -lambd ? x + bias : x > lambd ? x - bias : x.isNaN ? x : 0
  }

  /// Gelu's kernel op and parameters from its attributes (shared with its compiled plan).
  static let geluParameters: UnaryParameterFunction = { (a) throws(OpError) in
    switch try a.string("approximate", default: "none") {
    case "none": return UnaryParameters(kernel: QCC_UNARY_GELU)
    case "tanh": return UnaryParameters(kernel: QCC_UNARY_GELU_TANH)
    case let other: throw OpError("Gelu attribute approximate must be \"none\" or \"tanh\", not \"\(other)\"")
    }
  }

  /// Gelu (opset 20): `approximate` is "none" (erf) or "tanh".
  static let gelu = unary("Gelu", parameters: geluParameters) { x, p in
    if p.kernel == QCC_UNARY_GELU_TANH {
      return 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
    }
    return 0.5 * x * (1 + erf(x / 2.0.squareRoot()))
  }

  /// max(0, min(1, v)), NaN staying NaN.
  static func clamp01(_ v: Double) -> Double { v < 0 ? 0 : v > 1 ? 1 : v }

  /// log(1 + e^x) without overflow.
  static func softplus(_ x: Double) -> Double { x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)) }
}
