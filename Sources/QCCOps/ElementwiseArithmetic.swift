import QCCIR
import QCCKernels

#if canImport(Glibc)
import Glibc
#endif

// Broadcasting arithmetic: Add, Sub, Mul, Div, Mod and PRelu (two operands),
// Max, Min, Sum and Mean (one or more), and Pow (whose exponent may have
// another element type). f32 runs `qcc_f32_binary`; f64, f16 and bf16
// compute in Double and round once; integers compute in their own type,
// wrapping like C, with division truncating toward zero (x / 0 and x % 0 give
// 0, which C leaves undefined).

extension ElementwiseOps {
  /// What an arithmetic op does to one pair of elements.
  enum Arithmetic: Sendable {
    case add, sub, mul, div, max, min
    /// x < 0 ? x * slope : x.
    case prelu
    /// The remainder with the sign of the dividend (C `fmod`, `%`).
    case truncatedMod
    /// The remainder with the sign of the divisor (Python `%`).
    case flooredMod
    /// x << y and x >> y (BitShift, right shifts sign-extending): shifting by
    /// a negative amount or by the width or more leaves only the sign fill (-1
    /// for a right shift of a negative x, else 0), as opset 28 defines.
    case shiftLeft, shiftRight

    /// The f32 kernel op, when there is one.
    var kernel: qcc_binary_op? {
      switch self {
      case .add: QCC_BINARY_ADD
      case .sub: QCC_BINARY_SUB
      case .mul: QCC_BINARY_MUL
      case .div: QCC_BINARY_DIV
      case .max: QCC_BINARY_MAX
      case .min: QCC_BINARY_MIN
      case .prelu: QCC_BINARY_PRELU
      case .truncatedMod: QCC_BINARY_FMOD
      case .flooredMod, .shiftLeft, .shiftRight: nil
      }
    }

    /// The op on floating-point values (NaN-propagating Max and Min, like numpy).
    func real(_ x: Double, _ y: Double) -> Double {
      switch self {
      case .add: x + y
      case .sub: x - y
      case .mul: x * y
      case .div: x / y
      case .max: x.isNaN || y.isNaN ? .nan : Swift.max(x, y)
      case .min: x.isNaN || y.isNaN ? .nan : Swift.min(x, y)
      case .prelu: x < 0 ? x * y : x
      case .truncatedMod: fmod(x, y)
      case .flooredMod: Arithmetic.flooredRemainder(x, y)
      case .shiftLeft, .shiftRight: .nan  // BitShift takes integers only.
      }
    }

    /// Python's float `x % y`: C's fmod moved into the divisor's sign, so a
    /// ±inf divisor gives x or y and a zero remainder takes the divisor's sign.
    static func flooredRemainder(_ x: Double, _ y: Double) -> Double {
      let r = fmod(x, y)
      if r == 0 { return y.sign == .minus ? -0.0 : 0.0 }
      return (r < 0) != (y < 0) ? r + y : r
    }

    /// The op on integers, wrapping on overflow.
    func integer<T: FixedWidthInteger>(_ x: T, _ y: T) -> T {
      switch self {
      case .add: return x &+ y
      case .sub: return x &- y
      case .mul: return x &* y
      case .div: return y == 0 ? 0 : x.dividedReportingOverflow(by: y).partialValue
      case .max: return Swift.max(x, y)
      case .min: return Swift.min(x, y)
      case .prelu: return x < 0 ? x &* y : x
      case .truncatedMod: return y == 0 ? 0 : x.remainderReportingOverflow(dividingBy: y).partialValue
      case .flooredMod:
        guard y != 0 else { return 0 }
        let r = x.remainderReportingOverflow(dividingBy: y).partialValue
        return r != 0 && (r < 0) != (y < 0) ? r &+ y : r
      case .shiftLeft: return y < 0 || y >= T.bitWidth ? 0 : x &<< y
      case .shiftRight: return y < 0 || y >= T.bitWidth ? (x < 0 ? -1 : 0) : x &>> y
      }
    }
  }

  /// A broadcasting op on operands of one element type, folded left to right
  /// with the `Arithmetic` that `operation` picks from the attributes (it
  /// throws for invalid ones). `average` divides the result by the operand
  /// count (Mean); `unidirectional` requires the result to have input 0's shape (PRelu).
  static func arithmetic(
    _ name: String, arity: ClosedRange<Int>, types allowed: Set<ElementType>, average: Bool = false,
    unidirectional: Bool = false,
    operation: @escaping @Sendable (AttributeReader, ElementType) throws(OpError) -> Arithmetic
  ) -> OpDefinition {
    @Sendable func infer(_ c: InferenceContext) throws(OpError) -> TensorType {
      try requireInputCount(c, name, arity)
      let types = try sameTypeOperands(c, name, allowed: allowed)
      _ = try operation(c.attributes, types[0].elementType)
      let shape = try Broadcast.shape(of: types)
      guard unidirectional else { return TensorType(types[0].element, shape) }
      if let x = types[0].shape.dims, let slope = types[1].shape.dims, !Broadcast.isUnidirectional(slope, to: x) {
        throw OpError(
          "\(name) slope \(Printer.spell(types[1])) does not broadcast to the input \(Printer.spell(types[0]))")
      }
      return types[0]
    }
    return OpDefinition(
      name,
      inferTypes: { (c) throws(OpError) in [try infer(c)] },
      evaluate: { (c) throws(OpError) in
        // Concrete operands of one allowed type need no inference: the result
        // has their type and the broadcast shape `apply` computes. Anything
        // else goes through inference for its error.
        let type: ElementType
        if let agreed = agreedType(c.inputs, allowed), arity.contains(c.inputs.count), !unidirectional {
          type = agreed
        } else {
          type = try infer(c.inference).elementType
        }
        let op = try operation(c.attributes, type)
        var result = try c.input(0)
        for i in 1..<c.inputs.count { result = try apply(op, result, try c.input(i)) }
        if average && c.inputs.count > 1 {
          result = try apply(.div, result, TensorData(converting: [Double(c.inputs.count)], to: type, shape: []))
        }
        return [result]
      })
  }

  /// The element type every operand has, when all are present and it is one of `allowed`.
  static func agreedType(_ inputs: [TensorData?], _ allowed: Set<ElementType>) -> ElementType? {
    guard let type = inputs.first??.elementType, allowed.contains(type) else { return nil }
    for t in inputs where t?.elementType != type { return nil }
    return type
  }

  /// `a op b`, broadcast; both operands have the same element type.
  static func apply(_ op: Arithmetic, _ a: TensorData, _ b: TensorData) throws(OpError) -> TensorData {
    let shape = try Broadcast.sizes([a.shape, b.shape])
    switch a.elementType {
    case .f32 where op.kernel != nil: return try f32Binary(op.kernel!, a, b, shape: shape)
    case .f32, .f64, .f16, .bf16: return realBinary(a, b, shape: shape, to: a.elementType, op.real)
    default: return try dispatchInteger(a.elementType, IntegerArithmetic(op: op, a: a, b: b, shape: shape))
    }
  }

  struct IntegerArithmetic: IntegerComputation {
    let op: Arithmetic
    let a: TensorData, b: TensorData
    let shape: [Int]
    func run<T: FixedWidthInteger & TensorScalar>(_: T.Type) throws(OpError) -> TensorData {
      integerBinary(a, b, shape: shape) { (x: T, y: T) in op.integer(x, y) }
    }
  }

  /// Mod: `fmod` 0 (the default) takes the divisor's sign (Python `%`;
  /// opset 28 defines it for floats too); `fmod` 1 takes the dividend's sign, as C does.
  static func modOperation(_ attributes: AttributeReader, _ type: ElementType) throws(OpError) -> Arithmetic {
    switch try attributes.int("fmod", default: 0) {
    case 0:
      return .flooredMod
    case 1: return .truncatedMod
    case let v: throw OpError("Mod attribute fmod must be 0 or 1, not \(v)")
    }
  }

  /// BitShift: `direction` is "LEFT" or "RIGHT".
  static func shiftOperation(_ attributes: AttributeReader, _ type: ElementType) throws(OpError) -> Arithmetic {
    switch try attributes.string("direction") {
    case "LEFT": return .shiftLeft
    case "RIGHT": return .shiftRight
    case nil: throw OpError("BitShift needs the attribute 'direction' (\"LEFT\" or \"RIGHT\")")
    case let other?: throw OpError("BitShift attribute direction must be \"LEFT\" or \"RIGHT\", not \"\(other)\"")
    }
  }

  // MARK: - Pow

  /// Pow(x, y): the result has x's element type; y may be any numeric type.
  /// f32 bases run `qcc_f32_pow_scalar` when y is a single element, else
  /// `qcc_f32_binary` (y converted to f32); integer bases with integer
  /// exponents multiply exactly, wrapping; integer bases with float exponents
  /// compute in Double and truncate.
  static let pow = OpDefinition(
    "Pow",
    inferTypes: { (c) throws(OpError) in [try inferPow(c)] },
    evaluate: { (c) throws(OpError) in
      let type = try inferPow(c.inference)
      let shape = try sizes(type)
      let x = try c.input(0)
      let y = try c.input(1)
      switch x.elementType {
      case .f32:
        if y.elementCount == 1 && shape == x.shape {
          let exponent = Float(y.doubles()[0])
          return [
            TensorData.f32(uninitialized: shape) { out in
              qcc_f32_pow_scalar(out.address, x.f32Pointer, Int64(x.elementCount), exponent)
            }
          ]
        }
        let yf = y.elementType == .f32 ? y : TensorData(converting: y.doubles(), to: .f32, shape: y.shape)
        return [try f32Binary(QCC_BINARY_POW, x, yf, shape: shape)]
      case .f64, .f16, .bf16:
        return [realBinary(x, y, shape: shape, to: x.elementType) { Glibc.pow($0, $1) }]
      default:
        if y.elementType.isFloatingPoint {
          return [realBinary(x, y, shape: shape, to: x.elementType) { Glibc.pow($0, $1) }]
        }
        return [try dispatchInteger(x.elementType, IntegerPower(x: x, exponents: y, shape: shape))]
      }
    })

  static func inferPow(_ c: InferenceContext) throws(OpError) -> TensorType {
    try requireInputCount(c, "Pow", 2...2)
    let x = try c.input(0)
    let y = try c.input(1)
    try ElementTypes.require(x, in: ElementTypes.numeric, "Pow", operand: 0)
    try ElementTypes.require(y, in: ElementTypes.numeric, "Pow", operand: 1)
    return TensorType(x.element, try Broadcast.shape(of: [x, y]))
  }

  /// Integer powers by repeated squaring, wrapping; a negative exponent gives
  /// 1 / x^n truncated (0 unless x is 1 or -1). u64 exponents above 2^63 are read as negative.
  struct IntegerPower: IntegerComputation {
    let x: TensorData, exponents: TensorData
    let shape: [Int]
    func run<T: FixedWidthInteger & TensorScalar>(_: T.Type) throws(OpError) -> TensorData {
      let bases = x.broadcast(to: shape).scalars(as: T.self)
      let powers = exponents.broadcast(to: shape).integers() ?? []
      return TensorData(
        shape: shape,
        scalars: zip(bases, powers).map { (b: T, e: Int64) -> T in
          if e < 0 { return b == 1 ? 1 : (T.isSigned && b == 0 &- 1) ? (e & 1 == 0 ? 1 : b) : 0 }
          var result: T = 1
          var square = b
          var e = e
          while e > 0 {
            if e & 1 == 1 { result = result &* square }
            square = square &* square
            e >>= 1
          }
          return result
        })
    }
  }
}
