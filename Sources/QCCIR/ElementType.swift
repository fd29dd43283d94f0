/// The scalar type of a tensor's elements.
///
/// The spelling (`rawValue`) is what the text form prints: `f32`, `i8`, `bool`…
/// Sub-byte types (`i4`, `u4`) are packed two to a byte, low nibble first.
public enum ElementType: String, CaseIterable, Hashable, Sendable {
  case f64, f32, f16, bf16
  case i64, i32, i16, i8, i4
  case u64, u32, u16, u8, u4
  case bool

  /// Bits per element in storage.
  public var bitWidth: Int {
    switch self {
    case .f64, .i64, .u64: 64
    case .f32, .i32, .u32: 32
    case .f16, .bf16, .i16, .u16: 16
    case .i8, .u8, .bool: 8
    case .i4, .u4: 4
    }
  }

  /// Bytes needed to store `count` elements (sub-byte types round up).
  public func byteCount(forElements count: Int) -> Int {
    bitWidth >= 8 ? count * (bitWidth / 8) : (count + 1) / 2
  }

  public var isFloatingPoint: Bool {
    switch self {
    case .f64, .f32, .f16, .bf16: true
    default: false
    }
  }

  public var isSignedInteger: Bool {
    switch self {
    case .i64, .i32, .i16, .i8, .i4: true
    default: false
    }
  }

  public var isUnsignedInteger: Bool {
    switch self {
    case .u64, .u32, .u16, .u8, .u4: true
    default: false
    }
  }

  public var isInteger: Bool { isSignedInteger || isUnsignedInteger }
}

extension ElementType: CustomStringConvertible {
  public var description: String { rawValue }
}

extension ElementType {
  /// The values an integer type holds (bool as 0…1); nil for floating-point types.
  public var integerRange: ClosedRange<Int64>? {
    switch self {
    case .i64: Int64.min...Int64.max
    case .i32: Int64(Int32.min)...Int64(Int32.max)
    case .i16: Int64(Int16.min)...Int64(Int16.max)
    case .i8: -128...127
    case .i4: -8...7
    case .u64: 0...Int64.max  // Quantized storage never uses the top half.
    case .u32: 0...Int64(UInt32.max)
    case .u16: 0...Int64(UInt16.max)
    case .u8: 0...255
    case .u4: 0...15
    case .bool: 0...1
    case .f64, .f32, .f16, .bf16: nil
    }
  }
}
