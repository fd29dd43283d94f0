import _QCCProtobuf

/// Owns a protobuf-c message decoded from bytes and frees it when the last
/// reference goes. Tensors whose `raw_data` lives inside the message borrow
/// it instead of copying.
final class DecodedModel: @unchecked Sendable {
  // Sendable: the decoded message is never written after unpacking.
  let proto: UnsafeMutablePointer<Onnx__ModelProto>

  /// Decodes a ModelProto; nil when the bytes are not one (protobuf-c reports no detail).
  init?(bytes: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
      let message = onnx__model_proto__unpack(nil, bytes.count, base)
    else { return nil }
    proto = message
  }

  deinit { onnx__model_proto__free_unpacked(proto, nil) }
}

/// Owns a decoded TensorProto (the `.pb` files of the ONNX backend tests).
final class DecodedTensor: @unchecked Sendable {
  let proto: UnsafeMutablePointer<Onnx__TensorProto>

  init?(bytes: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
      let message = onnx__tensor_proto__unpack(nil, bytes.count, base)
    else { return nil }
    proto = message
  }

  deinit { onnx__tensor_proto__free_unpacked(proto, nil) }
}

/// Reads a protobuf-c repeated field as a Swift array.
func repeated<T>(_ count: Int, _ pointer: UnsafeMutablePointer<T>?) -> [T] {
  guard let pointer, count > 0 else { return [] }
  return Array(UnsafeBufferPointer(start: pointer, count: count))
}

/// Reads a protobuf-c string field (never NULL in practice, but be safe).
func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
  guard let pointer else { return "" }
  return String(cString: pointer)
}

/// Reads a protobuf-c bytes field as a string.
func string(_ data: ProtobufCBinaryData) -> String {
  guard let base = data.data, data.len > 0 else { return "" }
  return String(decoding: UnsafeBufferPointer(start: base, count: data.len), as: UTF8.self)
}
