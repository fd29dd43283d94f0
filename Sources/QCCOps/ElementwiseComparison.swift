import QCCIR
import QCCKernels

// Ops with bool results: the broadcasting comparisons (through
// `qcc_compare`, as compiled programs run them), the logic ops on bools, and
// the NaN and infinity tests.

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

  /// The comparison ops: name, comparison, and the element types each takes (Equal also bool).
  static let comparisons: [(String, Comparison, Set<ElementType>)] = [
    ("Equal", .equal, allTypes), ("Less", .less, ElementTypes.numeric),
    ("LessOrEqual", .lessOrEqual, ElementTypes.numeric), ("Greater", .greater, ElementTypes.numeric),
    ("GreaterOrEqual", .greaterOrEqual, ElementTypes.numeric),
  ]

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
        if comparesInC(a.elementType) {
          try requireKernelRank(shape.count)
          let sa = strides(a, shape)
          let sb = strides(b, shape)
          let dims = shape.map(Int64.init)
          return [
            TensorData(uninitialized: .bool, shape: shape) { raw in
              let out = raw.bindMemory(to: UInt8.self).address
              qcc_compare(
                op.kernel, Int32(elemCode(a.elementType)), out, a.rawPointer, sa, b.rawPointer, sb, dims,
                Int32(shape.count))
            }
          ]
        }
        let x = a.broadcast(to: shape).doubles()
        let y = b.broadcast(to: shape).doubles()
        return [TensorData(shape: shape, scalars: (0..<x.count).map { op.compare(x[$0], y[$0]) })]
      })
  }

  /// Whether `qcc_compare` compares elements of `type` (f32, f64, the byte-sized integers, bool); the
  /// interpreter and compiled programs both run it, the interpreter compares f16 and bf16 in Double.
  static func comparesInC(_ type: ElementType) -> Bool { qcc_compare_supports(Int32(elemCode(type))) != 0 }

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
