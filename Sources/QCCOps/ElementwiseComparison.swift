import QCCIR
import QCCKernels

// Ops with bool results: the broadcasting comparisons (f32 through
// `qcc_f32_compare`), the logic ops on bools, and the NaN and infinity tests.

extension ElementwiseOps {
  /// A comparison of two elements.
  enum Comparison: Sendable {
    case equal, less, lessOrEqual, greater, greaterOrEqual

    var kernel: qcc_compare_op {
      switch self {
      case .equal: QCC_COMPARE_EQ
      case .less: QCC_COMPARE_LT
      case .lessOrEqual: QCC_COMPARE_LE
      case .greater: QCC_COMPARE_GT
      case .greaterOrEqual: QCC_COMPARE_GE
      }
    }

    func compare<T: Comparable>(_ x: T, _ y: T) -> Bool {
      switch self {
      case .equal: x == y
      case .less: x < y
      case .lessOrEqual: x <= y
      case .greater: x > y
      case .greaterOrEqual: x >= y
      }
    }
  }

  /// The bool result of a broadcasting op on two operands of one of the `allowed` element types.
  static func inferBoolBinary(_ c: InferenceContext, _ name: String, allowed: Set<ElementType>) throws(OpError)
    -> TensorType
  {
    try requireInputCount(c, name, 2...2)
    let types = try sameTypeOperands(c, name, allowed: allowed)
    return TensorType(.bool, try Broadcast.shape(of: types))
  }

  /// A broadcasting comparison of two operands of one element type; the result is bool.
  static func comparison(_ name: String, _ op: Comparison, types allowed: Set<ElementType> = ElementTypes.numeric)
    -> OpDefinition
  {
    OpDefinition(
      name,
      inferTypes: { (c) throws(OpError) in [try inferBoolBinary(c, name, allowed: allowed)] },
      evaluate: { (c) throws(OpError) in
        let shape = try sizes(try inferBoolBinary(c.inference, name, allowed: allowed))
        let a = try c.input(0)
        let b = try c.input(1)
        switch a.elementType {
        case .f32:
          try requireKernelRank(shape.count)
          let sa = strides(a, shape)
          let sb = strides(b, shape)
          let dims = shape.map(Int64.init)
          return [
            TensorData(uninitialized: .bool, shape: shape) { raw in
              let out = raw.bindMemory(to: UInt8.self).address
              qcc_f32_compare(op.kernel, out, a.f32Pointer, sa, b.f32Pointer, sb, dims, Int32(shape.count))
            }
          ]
        case .f64, .f16, .bf16:
          let x = a.broadcast(to: shape).doubles()
          let y = b.broadcast(to: shape).doubles()
          return [TensorData(shape: shape, scalars: (0..<x.count).map { op.compare(x[$0], y[$0]) })]
        case .bool:
          let x = a.broadcast(to: shape).integers()!
          let y = b.broadcast(to: shape).integers()!
          return [TensorData(shape: shape, scalars: (0..<x.count).map { op.compare(x[$0], y[$0]) })]
        default:
          return [try dispatchInteger(a.elementType, IntegerComparison(op: op, a: a, b: b, shape: shape))]
        }
      })
  }

  struct IntegerComparison: IntegerComputation {
    let op: Comparison
    let a: TensorData, b: TensorData
    let shape: [Int]
    func run<T: FixedWidthInteger & TensorScalar>(_: T.Type) throws(OpError) -> TensorData {
      integerBinary(a, b, shape: shape) { (x: T, y: T) in op.compare(x, y) }
    }
  }

  // MARK: - Logic

  /// A broadcasting logic op on bools.
  static func logic(_ name: String, _ f: @escaping @Sendable (Bool, Bool) -> Bool) -> OpDefinition {
    OpDefinition(
      name,
      inferTypes: { (c) throws(OpError) in [try inferBoolBinary(c, name, allowed: [.bool])] },
      evaluate: { (c) throws(OpError) in
        let shape = try sizes(try inferBoolBinary(c.inference, name, allowed: [.bool]))
        let x = try c.input(0).broadcast(to: shape).scalars(as: Bool.self)
        let y = try c.input(1).broadcast(to: shape).scalars(as: Bool.self)
        return [TensorData(shape: shape, scalars: (0..<x.count).map { f(x[$0], y[$0]) })]
      })
  }

  static let not = OpDefinition(
    "Not",
    inferTypes: { (c) throws(OpError) in [try inferNot(c)] },
    evaluate: { (c) throws(OpError) in
      _ = try inferNot(c.inference)
      let x = try c.input(0)
      return [TensorData(shape: x.shape, scalars: x.scalars(as: Bool.self).map { !$0 })]
    })

  static func inferNot(_ c: InferenceContext) throws(OpError) -> TensorType {
    try requireInputCount(c, "Not", 1...1)
    let x = try c.input(0)
    try ElementTypes.require(x, in: [.bool], "Not", operand: 0)
    return x
  }

  // MARK: - Classification

  static func inferClassification(_ c: InferenceContext, _ name: String) throws(OpError) -> TensorType {
    try requireInputCount(c, name, 1...1)
    let x = try c.input(0)
    try ElementTypes.require(x, in: ElementTypes.float, name, operand: 0)
    return TensorType(.bool, x.shape)
  }

  /// A bool tensor of `x`'s shape whose bytes `fill` writes, every one of them.
  static func bools(like x: TensorData, _ fill: (UnsafeMutablePointer<UInt8>) -> Void) -> TensorData {
    TensorData(uninitialized: .bool, shape: x.shape) { raw in fill(raw.bindMemory(to: UInt8.self).address) }
  }

  static let isNaN = OpDefinition(
    "IsNaN",
    inferTypes: { (c) throws(OpError) in [try inferClassification(c, "IsNaN")] },
    evaluate: { (c) throws(OpError) in
      _ = try inferClassification(c.inference, "IsNaN")
      let x = try c.input(0)
      if x.elementType == .f32 {
        return [bools(like: x) { qcc_f32_isnan($0, x.f32Pointer, Int64(x.elementCount)) }]
      }
      return [TensorData(shape: x.shape, scalars: x.doubles().map(\.isNaN))]
    })

  /// IsInf: `detect_negative` and `detect_positive` (default 1) pick the infinities reported.
  static let isInf = OpDefinition(
    "IsInf",
    inferTypes: { (c) throws(OpError) in [try inferClassification(c, "IsInf")] },
    evaluate: { (c) throws(OpError) in
      _ = try inferClassification(c.inference, "IsInf")
      let x = try c.input(0)
      let negative = try c.attributes.int("detect_negative", default: 1) != 0
      let positive = try c.attributes.int("detect_positive", default: 1) != 0
      if x.elementType == .f32 {
        return [
          bools(like: x) {
            qcc_f32_isinf($0, x.f32Pointer, Int64(x.elementCount), negative ? 1 : 0, positive ? 1 : 0)
          }
        ]
      }
      return [TensorData(shape: x.shape, scalars: x.doubles().map { $0.isInfinite && ($0 > 0 ? positive : negative) })]
    })
}
