import QCCIR

/// numpy dtype descriptors (`'<f4'`, `'|b1'`…) and the element types they map to.
enum NPYDtype {
  /// The element type a descriptor names, and whether its bytes are big-endian;
  /// nil for descriptors qcc has no element type for (`'<c8'`, `'|S3'`, `'<U5'`…).
  ///
  /// Accepts what `numpy.dtype` accepts for these types: a byte-order mark
  /// `<`, `>`, `=`, `|` or none (`|` and none mean native byte order, which is
  /// little-endian on every host qcc runs on), a kind and a byte size, plus `?`
  /// for bool.
  static func elementType(for descr: String) -> (elementType: ElementType, bigEndian: Bool)? {
    var rest = Substring(descr)
    var bigEndian = false
    if let mark = rest.first, "<>=|".contains(mark) {
      bigEndian = mark == ">"
      rest = rest.dropFirst()
    }
    if rest == "?" { return (.bool, false) }
    let digits = rest.dropFirst()
    guard let kind = rest.first, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let size = Int(digits) else {
      return nil
    }
    let type: ElementType? =
      switch (kind, size) {
      case ("f", 2): .f16
      case ("f", 4): .f32
      case ("f", 8): .f64
      case ("i", 1): .i8
      case ("i", 2): .i16
      case ("i", 4): .i32
      case ("i", 8): .i64
      case ("u", 1): .u8
      case ("u", 2): .u16
      case ("u", 4): .u32
      case ("u", 8): .u64
      case ("b", 1): .bool
      default: nil
      }
    // A byte order means nothing for one-byte types.
    return type.map { ($0, bigEndian && size > 1) }
  }

  /// The descriptor numpy writes for `type` stored little-endian, or nil for
  /// the element types numpy has no dtype for (bf16, i4, u4).
  static func descr(for type: ElementType) -> String? {
    switch type {
    case .f64: "<f8"
    case .f32: "<f4"
    case .f16: "<f2"
    case .i64: "<i8"
    case .i32: "<i4"
    case .i16: "<i2"
    case .i8: "|i1"
    case .u64: "<u8"
    case .u32: "<u4"
    case .u16: "<u2"
    case .u8: "|u1"
    case .bool: "|b1"
    case .bf16, .i4, .u4: nil
    }
  }
}
