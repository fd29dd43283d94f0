/// Byte-level helpers: bounds-checked little-endian reads of the fixed-width
/// integers in file headers (nil instead of reading past the end), and appends.
extension UnsafeRawBufferPointer {
  /// The little-endian integer at `offset`, or nil if it does not fit in the buffer.
  func littleEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T? {
    guard offset >= 0, offset <= count, count - offset >= MemoryLayout<T>.size else { return nil }
    return T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
  }

  /// The bytes `offset..<offset + length`, or nil if they do not all lie in the buffer.
  func slice(at offset: Int, length: Int) -> UnsafeRawBufferPointer? {
    guard offset >= 0, length >= 0, offset <= count, count - offset >= length else { return nil }
    return UnsafeRawBufferPointer(rebasing: self[offset..<(offset + length)])
  }
}

extension Array where Element == UInt8 {
  /// Appends `value` in little-endian byte order.
  mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }
}

extension Array where Element == UInt8 {
  /// `withUnsafeBytes` for a body with typed throws, which the standard
  /// library's rethrowing version cannot pass through.
  func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(TensorFileError) -> R) throws(TensorFileError) -> R {
    let result: Result<R, TensorFileError> = withUnsafeBytes { raw in
      do throws(TensorFileError) { return .success(try body(raw)) } catch { return .failure(error) }
    }
    return try result.get()
  }
}
