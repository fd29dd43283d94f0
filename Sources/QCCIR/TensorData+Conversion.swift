/// Element conversions between any element type and Double / Int64, for
/// code that handles every type the same way (comparisons, generic kernels,
/// statistics). Fast paths for f32 live in the C kernels, not here.
extension TensorData {
  /// Every element as a Double (sub-byte types unpacked, bools as 0/1).
  public func doubles() -> [Double] {
    switch elementType {
    case .f32: return scalars(as: Float.self).map(Double.init)
    case .f64: return scalars(as: Double.self)
    case .f16: return scalars(as: Float16.self).map(Double.init)
    case .bf16: return scalars(as: BFloat16.self).map { Double($0.floatValue) }
    // A closure, not `Double.init`: that would resolve to init(bitPattern:) for UInt64.
    case .u64: return scalars(as: UInt64.self).map { Double($0) }
    case .i4, .u4:
      let bytes = self.bytes
      return (0..<elementCount).map { i in
        let nibble = Int((bytes[i / 2] >> (i % 2 == 0 ? 0 : 4)) & 0xF)
        return Double(elementType == .i4 && nibble >= 8 ? nibble - 16 : nibble)
      }
    default: return integers()!.map(Double.init)
    }
  }

  /// A tensor of `elementType` from Doubles: floats round to nearest, integers
  /// convert with C semantics (truncation toward zero, wrapping to the width),
  /// bools are `value != 0`. NaN converts to 0 for integer types.
  public init(converting values: [Double], to elementType: ElementType, shape: [Int]) {
    func int64(_ v: Double) -> Int64 {
      guard v.isFinite else { return v.isNaN ? 0 : (v > 0 ? .max : .min) }
      if v >= 9.2233720368547758e18 { return .max }
      if v <= -9.2233720368547758e18 { return .min }
      return Int64(v.rounded(.towardZero))
    }
    switch elementType {
    case .f32: self.init(shape: shape, scalars: values.map { Float($0) })
    case .f64: self.init(shape: shape, scalars: values)
    case .f16: self.init(shape: shape, scalars: values.map { Float16($0) })
    case .bf16: self.init(shape: shape, scalars: values.map { BFloat16(Float($0)) })
    case .i64: self.init(shape: shape, scalars: values.map(int64))
    case .i32: self.init(shape: shape, scalars: values.map { Int32(truncatingIfNeeded: int64($0)) })
    case .i16: self.init(shape: shape, scalars: values.map { Int16(truncatingIfNeeded: int64($0)) })
    case .i8: self.init(shape: shape, scalars: values.map { Int8(truncatingIfNeeded: int64($0)) })
    case .u64:
      self.init(shape: shape, scalars: values.map { v -> UInt64 in
        v.isNaN || v <= 0 ? 0 : v >= 1.8446744073709552e19 ? .max : UInt64(v.rounded(.towardZero))
      })
    case .u32: self.init(shape: shape, scalars: values.map { UInt32(truncatingIfNeeded: int64($0)) })
    case .u16: self.init(shape: shape, scalars: values.map { UInt16(truncatingIfNeeded: int64($0)) })
    case .u8: self.init(shape: shape, scalars: values.map { UInt8(truncatingIfNeeded: int64($0)) })
    case .bool: self.init(shape: shape, scalars: values.map { $0 != 0 })
    case .i4, .u4:
      self.init(elementType: elementType, shape: shape) { dst in
        for (i, v) in values.enumerated() {
          let nibble = UInt8(truncatingIfNeeded: int64(v)) & 0xF
          dst[i / 2] |= i % 2 == 0 ? nibble : nibble << 4
        }
      }
    }
  }

  /// A tensor of `elementType` from Int64s, wrapping to the type's width
  /// (floats convert exactly where representable).
  public init(converting values: [Int64], to elementType: ElementType, shape: [Int]) {
    switch elementType {
    case .i64: self.init(shape: shape, scalars: values)
    case .i32: self.init(shape: shape, scalars: values.map { Int32(truncatingIfNeeded: $0) })
    case .i16: self.init(shape: shape, scalars: values.map { Int16(truncatingIfNeeded: $0) })
    case .i8: self.init(shape: shape, scalars: values.map { Int8(truncatingIfNeeded: $0) })
    case .u64: self.init(shape: shape, scalars: values.map { UInt64(bitPattern: $0) })
    case .u32: self.init(shape: shape, scalars: values.map { UInt32(truncatingIfNeeded: $0) })
    case .u16: self.init(shape: shape, scalars: values.map { UInt16(truncatingIfNeeded: $0) })
    case .u8: self.init(shape: shape, scalars: values.map { UInt8(truncatingIfNeeded: $0) })
    case .bool: self.init(shape: shape, scalars: values.map { $0 != 0 })
    default: self.init(converting: values.map(Double.init), to: elementType, shape: shape)
    }
  }
}
