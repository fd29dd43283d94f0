import _QCCZlib

/// The two things qcc needs from zlib: CRC-32 and raw inflate (zip's deflate
/// method). zlib takes 32-bit lengths, so both work through large buffers in chunks.
enum Zlib {
  /// The largest length one zlib call accepts.
  private static let chunk = Int(UInt32.max)

  /// The CRC-32 of `bytes`, continuing from `crc` (0 to start).
  static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
    guard let base = bytes.baseAddress?.assumingMemoryBound(to: Bytef.self) else { return crc }
    var value = UInt(crc)
    var offset = 0
    while offset < bytes.count {
      let length = min(chunk, bytes.count - offset)
      value = _QCCZlib.crc32(value, base + offset, uInt(length))
      offset += length
    }
    return UInt32(truncatingIfNeeded: value)
  }

  /// Inflates raw deflate data (no zlib or gzip wrapper) that must expand to
  /// exactly `size` bytes. On failure, returns what is wrong. `size` is
  /// allocated up front, so callers bound it first (deflate's maximum ratio).
  static func inflateRaw(_ source: UnsafeRawBufferPointer, size: Int) -> Result<[UInt8], InflateError> {
    var stream = z_stream()
    guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      return .failure(InflateError(message: "cannot initialise zlib"))
    }
    defer { inflateEnd(&stream) }

    // One spare byte of room shows data longer than recorded.
    let capacity = size + 1
    var failure: InflateError?
    let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
      guard let out = buffer.baseAddress else { return }
      let input = UnsafeMutablePointer(mutating: source.baseAddress?.assumingMemoryBound(to: Bytef.self))
      var consumed = 0
      var produced = 0
      while true {
        let inLength = min(chunk, source.count - consumed)
        let outLength = min(chunk, capacity - produced)
        stream.next_in = input.map { $0 + consumed }
        stream.avail_in = uInt(inLength)
        stream.next_out = out + produced
        stream.avail_out = uInt(outLength)
        let status = inflate(&stream, Z_NO_FLUSH)
        consumed += inLength - Int(stream.avail_in)
        produced += outLength - Int(stream.avail_out)
        if status == Z_STREAM_END { break }
        if status == Z_OK && produced < capacity { continue }
        if produced == capacity || status == Z_OK {
          failure = InflateError(message: "inflates to more than the recorded \(size) bytes")
        } else if status == Z_BUF_ERROR {
          failure = InflateError(message: "compressed data ends early")
        } else {
          let detail = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
          failure = InflateError(message: "inflate failed: \(detail)")
        }
        break
      }
      initialized = produced
    }
    if let failure { return .failure(failure) }
    guard output.count == size else {
      return .failure(InflateError(message: "inflates to \(output.count) bytes, not the recorded \(size)"))
    }
    return .success(output)
  }

  /// Why deflate data could not be inflated.
  struct InflateError: Error {
    var message: String
  }
}
