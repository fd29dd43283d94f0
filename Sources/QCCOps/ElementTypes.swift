import QCCIR

/// The element-type sets ops accept, and the check that an operand has one of them.
enum ElementTypes {
  /// The floating-point types: f64, f32, f16, bf16.
  static let float: Set<ElementType> = [.f64, .f32, .f16, .bf16]
  /// The byte-sized integer types (never the packed i4/u4).
  static let integer: Set<ElementType> = [.i64, .i32, .i16, .i8, .u64, .u32, .u16, .u8]
  /// The floating-point and byte-sized integer types.
  static let numeric = float.union(integer)

  /// Throws unless `type`, operand `index` of `op`, has plain (not quantized)
  /// elements of one of the `allowed` types.
  static func require(_ type: TensorType, in allowed: Set<ElementType>, _ op: String, operand index: Int = 0)
    throws(OpError)
  {
    guard type.element.quantization == nil, allowed.contains(type.elementType) else {
      let names = ElementType.allCases.filter(allowed.contains).map(\.rawValue).joined(separator: ", ")
      throw OpError("\(op) does not support element type \(type.elementType) (input \(index)); it takes \(names)")
    }
  }
}
