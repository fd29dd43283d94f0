import QCCIR
import QCCOps
import _QCCProtobuf

#if canImport(Glibc)
import Glibc
#endif

extension ONNXDataType {
  /// The element type for a code, or an import error naming `what` and the type.
  static func elementType(_ code: Int32, for what: String) throws(ImportError) -> ElementType {
    guard let type = elementType(Int(code)) else {
      throw ImportError("\(what) has element type \(name(Int(code))), which qcc does not support")
    }
    return type
  }
}

/// Turns `TensorProto`s into tensors: from `raw_data` (borrowed, not copied),
/// from the typed repeated fields, or from external data files (memory-mapped).
struct TensorDecoder {
  /// The directory external data locations are relative to.
  var baseDirectory: String
  /// Keeps the decoded message alive for tensors that borrow its `raw_data`.
  var owner: AnyObject
  /// External data files mapped so far, by location.
  private var mappedFiles: [String: MappedFile] = [:]

  init(baseDirectory: String, owner: AnyObject) {
    self.baseDirectory = baseDirectory
    self.owner = owner
  }

  mutating func decode(_ t: UnsafePointer<Onnx__TensorProto>, what: String) throws(ImportError) -> TensorData {
    let p = t.pointee
    let elementType = try ONNXDataType.elementType(p.has_data_type != 0 ? p.data_type : 0, for: what)
    var shape: [Int] = []
    for d in repeated(p.n_dims, p.dims) {
      guard d >= 0 else { throw ImportError("\(what) has a negative dimension (\(d))") }
      shape.append(Int(d))
    }
    let count = shape.reduce(1, *)
    let byteCount = elementType.byteCount(forElements: count)

    if p.has_data_location != 0 && p.data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL {
      return try decodeExternal(p, elementType: elementType, shape: shape, byteCount: byteCount, what: what)
    }
    if p.has_raw_data != 0 {
      let raw = p.raw_data
      guard raw.len == byteCount else {
        throw ImportError(
          "\(what): raw_data holds \(raw.len) bytes, but \(elementType) \(shape) needs \(byteCount)")
      }
      guard let base = raw.data, byteCount > 0 else { return TensorData(zeros: elementType, shape: shape) }
      let bytes = UnsafeRawBufferPointer(start: base, count: byteCount)
      // protobuf-c allocates bytes fields with malloc, so they are aligned for any element type.
      return TensorData(
        elementType: elementType, shape: shape, storage: TensorStorage(borrowing: bytes, owner: owner))
    }
    return try decodeTyped(p, elementType: elementType, shape: shape, what: what)
  }

  /// The typed repeated fields, as onnx.proto assigns them to data types.
  private func decodeTyped(
    _ p: Onnx__TensorProto, elementType: ElementType, shape: [Int], what: String
  ) throws(ImportError) -> TensorData {
    let count = shape.reduce(1, *)
    func check(_ n: Int, _ field: String, expected: Int = count) throws(ImportError) {
      guard n == expected else {
        throw ImportError("\(what): \(field) holds \(n) values, but shape \(shape) needs \(expected)")
      }
    }
    switch elementType {
    case .f32:
      try check(p.n_float_data, "float_data")
      return TensorData(shape: shape, scalars: repeated(p.n_float_data, p.float_data))
    case .f64:
      try check(p.n_double_data, "double_data")
      return TensorData(shape: shape, scalars: repeated(p.n_double_data, p.double_data))
    case .i64:
      try check(p.n_int64_data, "int64_data")
      return TensorData(shape: shape, scalars: repeated(p.n_int64_data, p.int64_data))
    case .u64:
      try check(p.n_uint64_data, "uint64_data")
      return TensorData(shape: shape, scalars: repeated(p.n_uint64_data, p.uint64_data))
    case .u32:
      try check(p.n_uint64_data, "uint64_data")
      return TensorData(shape: shape, scalars: repeated(p.n_uint64_data, p.uint64_data).map { UInt32(truncatingIfNeeded: $0) })
    case .i32:
      try check(p.n_int32_data, "int32_data")
      return TensorData(shape: shape, scalars: repeated(p.n_int32_data, p.int32_data))
    case .i16, .i8, .u16, .u8, .bool, .f16, .bf16:
      try check(p.n_int32_data, "int32_data")
      let v = repeated(p.n_int32_data, p.int32_data)
      switch elementType {
      case .i16: return TensorData(shape: shape, scalars: v.map { Int16(truncatingIfNeeded: $0) })
      case .i8: return TensorData(shape: shape, scalars: v.map { Int8(truncatingIfNeeded: $0) })
      case .u16: return TensorData(shape: shape, scalars: v.map { UInt16(truncatingIfNeeded: $0) })
      case .u8: return TensorData(shape: shape, scalars: v.map { UInt8(truncatingIfNeeded: $0) })
      case .bool: return TensorData(shape: shape, scalars: v.map { $0 != 0 })
      // 16-bit floats travel as their bit patterns.
      case .f16: return TensorData(shape: shape, scalars: v.map { Float16(bitPattern: UInt16(truncatingIfNeeded: $0)) })
      default: return TensorData(shape: shape, scalars: v.map { BFloat16(bitPattern: UInt16(truncatingIfNeeded: $0)) })
      }
    case .i4, .u4:
      // Two 4-bit values per int32 entry, low nibble first: the same packing qcc uses.
      let bytes = (count + 1) / 2
      try check(p.n_int32_data, "int32_data", expected: bytes)
      let v = repeated(p.n_int32_data, p.int32_data).map { UInt8(truncatingIfNeeded: $0) }
      return v.withUnsafeBytes { TensorData(elementType: elementType, shape: shape, copying: $0) }
    }
  }

  private mutating func decodeExternal(
    _ p: Onnx__TensorProto, elementType: ElementType, shape: [Int], byteCount: Int, what: String
  ) throws(ImportError) -> TensorData {
    var location: String?
    var offset = 0
    var length: Int?
    for entry in repeated(p.n_external_data, p.external_data) {
      guard let entry else { continue }
      let key = string(entry.pointee.key), value = string(entry.pointee.value)
      switch key {
      case "location": location = value
      case "offset":
        guard let v = Int(value), v >= 0 else { throw ImportError("\(what): bad external data offset '\(value)'") }
        offset = v
      case "length":
        guard let v = Int(value), v >= 0 else { throw ImportError("\(what): bad external data length '\(value)'") }
        length = v
      default: break  // "checksum" and future keys are advisory.
      }
    }
    guard let location, !location.isEmpty else {
      throw ImportError("\(what): external data has no location")
    }
    guard !location.hasPrefix("/"), !location.split(separator: "/").contains("..") else {
      throw ImportError("\(what): external data location '\(location)' points outside the model's directory")
    }
    if let length, length != byteCount {
      throw ImportError("\(what): external data length is \(length) bytes, but \(elementType) \(shape) needs \(byteCount)")
    }
    let file: MappedFile
    if let mapped = mappedFiles[location] {
      file = mapped
    } else {
      let path = baseDirectory.isEmpty ? location : baseDirectory + "/" + location
      do {
        file = try MappedFile(path: path)
      } catch {
        throw ImportError("\(what): cannot read external data file '\(location)': \(error)")
      }
      mappedFiles[location] = file
    }
    guard offset + byteCount <= file.bytes.count else {
      throw ImportError(
        "\(what): external data ends at byte \(offset + byteCount), but '\(location)' has \(file.bytes.count) bytes")
    }
    guard byteCount > 0 else { return TensorData(zeros: elementType, shape: shape) }
    let bytes = UnsafeRawBufferPointer(rebasing: file.bytes[offset..<(offset + byteCount)])
    let alignment = max(1, min(elementType.bitWidth / 8, 8))
    if Int(bitPattern: bytes.baseAddress!) % alignment != 0 {
      // Kernels read elements with aligned loads: copy the rare misaligned tensor.
      return TensorData(elementType: elementType, shape: shape, copying: bytes)
    }
    return TensorData(elementType: elementType, shape: shape, storage: TensorStorage(borrowing: bytes, owner: file))
  }
}
