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
