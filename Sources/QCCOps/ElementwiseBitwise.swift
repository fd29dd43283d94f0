import QCCIR

// BitwiseAnd, BitwiseOr, BitwiseXor (broadcasting) and BitwiseNot on the
// integer types, computed in each type's own Swift integer.

extension ElementwiseOps {
  /// A broadcasting bitwise op on two integer operands of one type.
  static func bitwise(_ name: String, _ f: @escaping @Sendable (UInt64, UInt64) -> UInt64) -> OpDefinition {
    @Sendable func infer(_ c: InferenceContext) throws(OpError) -> TensorType {
      try requireInputCount(c, name, 2...2)
      let types = try sameTypeOperands(c, name, allowed: ElementTypes.integer)
      return TensorType(types[0].element, try Broadcast.shape(of: types))
    }
    return OpDefinition(
      name,
      inferTypes: { (c) throws(OpError) in [try infer(c)] },
      evaluate: { (c) throws(OpError) in
        let shape = try sizes(try infer(c.inference))
        return [try dispatchInteger(try c.input(0).elementType, BitwiseMap(f: f, a: try c.input(0), b: try c.input(1), shape: shape))]
      })
  }

  struct BitwiseMap: IntegerComputation {
    let f: @Sendable (UInt64, UInt64) -> UInt64
    let a: TensorData?
    let b: TensorData?
    let shape: [Int]
    func run<T: FixedWidthInteger & TensorScalar>(_: T.Type) throws(OpError) -> TensorData {
      // The bit pattern of every integer type fits a UInt64 and truncates back exactly.
      let g: (T, T) -> T = { x, y in T(truncatingIfNeeded: f(UInt64(truncatingIfNeeded: x), UInt64(truncatingIfNeeded: y))) }
      if let b { return integerBinary(a!, b, shape: shape, g) }
      return TensorData(shape: shape, scalars: a!.scalars(as: T.self).map { g($0, 0) })
    }
  }

  static let bitwiseNot = OpDefinition(
    "BitwiseNot",
    inferTypes: { (c) throws(OpError) in
      try requireInputCount(c, "BitwiseNot", 1...1)
      return [try sameTypeOperands(c, "BitwiseNot", allowed: ElementTypes.integer)[0]]
    },
    evaluate: { (c) throws(OpError) in
      let x = try c.input(0)
      try ElementTypes.require(x.type, in: ElementTypes.integer, "BitwiseNot")
      return [try dispatchInteger(x.elementType, BitwiseMap(f: { a, _ in ~a }, a: x, b: nil, shape: x.shape))]
    })
}
