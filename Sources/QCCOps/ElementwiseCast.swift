import QCCIR

// Cast and CastLike between every element type the family handles, and to
// and from the 4-bit integers i4 and u4 (opset 21).
//
// Floats round to nearest even, bf16 included (the ONNX reference since 1.13,
// and onnxruntime). Nodes the importer upgrades from before opset 19 carry
// `truncate_bf16 = 1`: their casts to bf16 keep the upper half of the f32
// bits, as the ONNX 1.12 reference (and its backend test data) did. Floats
// become integers by truncation toward zero; NaN and values out of the
// target's range, which ONNX leaves undefined, give what numpy gives on x86-64
// (the minimum for i64 and i32, a wrapped conversion through i32 or i64 for
// the narrower and unsigned types). Integers wrap to narrower integers (4-bit
// ones included); anything non-zero (NaN included) is true. `saturate` and
// `round_mode` only concern float8 types, which qcc does not have, so they
// are ignored.

extension ElementwiseOps {
  /// Cast's target: `to` as an ONNX data type code, or (in hand-written IR) an element type's spelling.
  static func castTarget(_ attributes: AttributeReader) throws(OpError) -> ElementType {
    if let spelling = try? attributes.string("to") {
      guard let target = ElementType(rawValue: spelling), castTypes.contains(target) else {
        throw OpError("Cast to '\(spelling)' is not supported")
      }
      return target
    }
    guard let code = try attributes.int("to") else { throw OpError("Cast needs the attribute 'to'") }
    guard let target = ONNXDataType.elementType(code), castTypes.contains(target) else {
      throw OpError("Cast to ONNX data type \(code) is not supported")
    }
    return target
  }

  static let cast = OpDefinition(
    "Cast",
    inferTypes: { (c) throws(OpError) in [try inferCast(c)] },
    evaluate: { (c) throws(OpError) in
      let type = try inferCast(c.inference)
      return [convert(try c.input(0), to: type.elementType, truncatingBF16: try truncatesBF16(c.attributes))]
    })

  /// The element types Cast and CastLike convert between.
  static let castTypes = allTypes.union([.i4, .u4])

  /// Whether a node casts to bf16 by truncation (`truncate_bf16`, which the importer sets before opset 19).
  static func truncatesBF16(_ attributes: AttributeReader) throws(OpError) -> Bool {
    try attributes.int("truncate_bf16", default: 0) != 0
  }

  static func inferCast(_ c: InferenceContext) throws(OpError) -> TensorType {
    try requireInputCount(c, "Cast", 1...1)
    let x = try c.input(0)
    try ElementTypes.require(x, in: castTypes, "Cast", operand: 0)
    return TensorType(try castTarget(c.attributes), x.shape)
  }

  /// CastLike(x, like): x cast to like's element type.
  static let castLike = OpDefinition(
    "CastLike",
    inferTypes: { (c) throws(OpError) in [try inferCastLike(c)] },
    evaluate: { (c) throws(OpError) in
      let type = try inferCastLike(c.inference)
      return [convert(try c.input(0), to: type.elementType, truncatingBF16: try truncatesBF16(c.attributes))]
    })

  static func inferCastLike(_ c: InferenceContext) throws(OpError) -> TensorType {
    try requireInputCount(c, "CastLike", 2...2)
    let x = try c.input(0)
    let like = try c.input(1)
    try ElementTypes.require(x, in: castTypes, "CastLike", operand: 0)
    try ElementTypes.require(like, in: castTypes, "CastLike", operand: 1)
    return TensorType(like.elementType, x.shape)
  }

  /// `x`'s elements as `target` (see the file comment for the rules).
  static func convert(_ x: TensorData, to target: ElementType, truncatingBF16: Bool = false) -> TensorData {
    let source = x.elementType
    let shape = x.shape
    if source == target { return x }
    func toBF16(_ v: Float) -> BFloat16 { truncatingBF16 ? truncatedBFloat16(v) : BFloat16(v) }
    if source.isFloatingPoint {
      let values = x.doubles()
      switch target {
      case .bf16: return TensorData(shape: shape, scalars: values.map { toBF16(Float($0)) })
      case .f64, .f32, .f16, .bool: return TensorData(converting: values, to: target, shape: shape)
      case .i4, .u4:
        return TensorData(converting: values.map { nibble(numpyIntegerBits($0, to: .i64), target) }, to: target, shape: shape)
      default: return TensorData(converting: values.map { numpyIntegerBits($0, to: target) }, to: target, shape: shape)
      }
    }
    // i4 and u4 have no integers() view; their values are small and exact as Doubles.
    let values = x.integers() ?? x.doubles().map { Int64($0) }
    if target == .i4 || target == .u4 {
      return TensorData(converting: values.map { nibble($0, target) }, to: target, shape: shape)
    }
    if !target.isFloatingPoint { return TensorData(converting: values, to: target, shape: shape) }
    if source == .u64 {
      let unsigned = values.map { UInt64(bitPattern: $0) }
      switch target {
      case .f64: return TensorData(shape: shape, scalars: unsigned.map { Double($0) })
      case .f32: return TensorData(shape: shape, scalars: unsigned.map { Float($0) })
      case .f16: return TensorData(shape: shape, scalars: unsigned.map { Float16($0) })
      default: return TensorData(shape: shape, scalars: unsigned.map { toBF16(Float($0)) })
      }
    }
    switch target {
    case .f64: return TensorData(shape: shape, scalars: values.map { Double($0) })
    case .f32: return TensorData(shape: shape, scalars: values.map { Float($0) })
    case .f16: return TensorData(shape: shape, scalars: values.map { Float16($0) })
    default: return TensorData(shape: shape, scalars: values.map { toBF16(Float($0)) })
    }
  }

  /// The low 4 bits of `v`, as the value they hold in `target` (i4: −8…7, u4: 0…15).
  static func nibble(_ v: Int64, _ target: ElementType) -> Int64 {
    let low = v & 0xF
    return target == .i4 && low >= 8 ? low - 16 : low
  }

  /// The upper half of `v`'s bits (a NaN stays a quiet NaN).
  static func truncatedBFloat16(_ v: Float) -> BFloat16 {
    let high = UInt16(truncatingIfNeeded: v.bitPattern >> 16)
    return BFloat16(bitPattern: v.isNaN ? high | 0x0040 : high)
  }

  /// `v` truncated toward zero to an integer whose low bits are the result of
  /// casting to `target` as numpy does on x86-64: through a 32-bit conversion
  /// for i32 and narrower, a 64-bit one otherwise, where NaN and out-of-range
  /// values give the conversion's "integer indefinite" (the minimum).
  static func numpyIntegerBits(_ v: Double, to target: ElementType) -> Int64 {
    switch target {
    case .i32, .i16, .i8, .u16, .u8:
      guard v > -2147483649.0 && v < 2147483648.0 else { return Int64(Int32.min) }
      return Int64(v.rounded(.towardZero))
    case .u64:
      if v >= 9223372036854775808.0 && v < 18446744073709551616.0 {
        return Int64(bitPattern: UInt64(v.rounded(.towardZero)))
      }
      fallthrough
    default:
      guard v >= -9223372036854775808.0 && v < 9223372036854775808.0 else { return .min }
      return Int64(v.rounded(.towardZero))
    }
  }
}
