#if canImport(Glibc)
import Glibc
#endif

/// Spelling of tensor elements as text literals, and back.
///
/// Used for small constants (`dense<[1, 2, 3]>`) and splats (`dense<0.5>`).
/// Every spelling parses back to the same bits; NaN, whose payload a literal
/// cannot carry, is never spelled (such tensors print as base64).
enum DenseLiteral {
  /// One literal per element, or nil if some element cannot be spelled exactly.
  static func elementSpellings(_ data: TensorData) -> [String]? {
    let n = data.elementCount
    switch data.elementType {
    case .f32:
      let v = data.scalars(as: Float.self)
      return v.contains(where: \.isNaN) ? nil : v.map(\.description)
    case .f64:
      let v = data.scalars(as: Double.self)
      return v.contains(where: \.isNaN) ? nil : v.map(\.description)
    case .f16:
      let v = data.scalars(as: Float16.self)
      return v.contains(where: \.isNaN) ? nil : v.map(\.description)
    case .bf16:
      let v = data.scalars(as: BFloat16.self).map(\.floatValue)
      return v.contains(where: \.isNaN) ? nil : v.map(\.description)
    case .bool: return data.scalars(as: Bool.self).map { $0 ? "true" : "false" }
    case .i4, .u4:
      let bytes = data.bytes
      return (0..<n).map { i in
        let nibble = Int((bytes[i / 2] >> (i % 2 == 0 ? 0 : 4)) & 0xF)
        return String(data.elementType == .i4 && nibble >= 8 ? nibble - 16 : nibble)
      }
    case .u64: return data.scalars(as: UInt64.self).map(\.description)
    default: return data.integers()!.map(\.description)
    }
  }

  /// The single element's literal when every element has the same bits.
  static func splatSpelling(_ data: TensorData) -> String? {
    let n = data.elementCount
    guard n > 0 else { return nil }
    let bytes = data.bytes
    if data.elementType.bitWidth == 4 {
      let first = bytes[0] & 0xF
      for i in 0..<n where (bytes[i / 2] >> (i % 2 == 0 ? 0 : 4)) & 0xF != first { return nil }
    } else {
      let size = data.elementType.bitWidth / 8
      let base = bytes.baseAddress!
      var offset = size
      while offset < bytes.count {
        if memcmp(base, base + offset, size) != 0 { return nil }
        offset += size
      }
    }
    let first = TensorData(
      elementType: data.elementType, shape: [1],
      copying: UnsafeRawBufferPointer(rebasing: bytes[0..<data.elementType.byteCount(forElements: 1)]))
    return elementSpellings(first)?[0]
  }

  /// Builds a tensor from literals; `literals.count` is 1 (a splat) or the element count.
  /// Returns nil, with the offending literal's index, when a literal does not fit the type.
  static func tensor(from literals: [String], type elementType: ElementType, shape: [Int]) -> Result<TensorData, LiteralError> {
    let n = shape.reduce(1, *)
    guard literals.count == n || literals.count == 1 else {
      return .failure(LiteralError(index: nil, message: "expected \(n) elements, found \(literals.count)"))
    }
    func at(_ i: Int) -> String { literals.count == 1 ? literals[0] : literals[i] }
    func parse<T: TensorScalar>(_: T.Type, _ convert: (String) -> T?) -> Result<TensorData, LiteralError> {
      var values: [T] = []
      values.reserveCapacity(n)
      let parsed = literals.map(convert)
      for (i, v) in parsed.enumerated() where v == nil {
        return .failure(LiteralError(index: i, message: "'\(literals[i])' is not a valid \(elementType) literal"))
      }
      for i in 0..<n { values.append(parsed[literals.count == 1 ? 0 : i]!) }
      return .success(TensorData(shape: shape, scalars: values))
    }
    switch elementType {
    case .f32: return parse(Float.self) { Float($0) }
    case .f64: return parse(Double.self) { Double($0) }
    case .f16: return parse(Float16.self) { Float16($0) }
    case .bf16: return parse(BFloat16.self) { Float($0).map(BFloat16.init) }
    case .i64: return parse(Int64.self) { Int64($0) }
    case .i32: return parse(Int32.self) { Int32($0) }
    case .i16: return parse(Int16.self) { Int16($0) }
    case .i8: return parse(Int8.self) { Int8($0) }
    case .u64: return parse(UInt64.self) { UInt64($0) }
    case .u32: return parse(UInt32.self) { UInt32($0) }
    case .u16: return parse(UInt16.self) { UInt16($0) }
    case .u8: return parse(UInt8.self) { UInt8($0) }
    case .bool: return parse(Bool.self) { $0 == "true" ? true : $0 == "false" ? false : nil }
    case .i4, .u4:
      let range = elementType == .i4 ? -8...7 : 0...15
      var nibbles: [UInt8] = []
      for (i, lit) in literals.enumerated() {
        guard let v = Int(lit), range.contains(v) else {
          return .failure(LiteralError(index: i, message: "'\(lit)' is not a valid \(elementType) literal"))
        }
        nibbles.append(UInt8(v & 0xF))
      }
      return .success(
        TensorData(elementType: elementType, shape: shape) { dst in
          for i in 0..<n {
            let nibble = nibbles[literals.count == 1 ? 0 : i]
            dst[i / 2] |= i % 2 == 0 ? nibble : nibble << 4
          }
        })
    }
  }

  struct LiteralError: Error {
    var index: Int?
    var message: String
  }
}
