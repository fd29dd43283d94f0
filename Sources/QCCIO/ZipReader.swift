/// A zip archive held in memory: its central directory, and the checked
/// contents of its members.
///
/// Supports what numpy writes and reads: stored and deflated members,
/// ZIP64 sizes and offsets (numpy's `savez` always puts ZIP64 extra fields in
/// local headers), data descriptors, and archive comments. Every offset and
/// size is checked against the buffer before use.
struct ZipReader {
  /// One member, as the central directory describes it.
  struct Entry {
    var name: String
    var flags: UInt16
    var method: UInt16
    var crc: UInt32
    var compressedSize: Int
    var uncompressedSize: Int
    var localHeaderOffset: Int
  }

  let bytes: UnsafeRawBufferPointer
  /// The archive's name in errors.
  let file: String
  /// The members, in central-directory order.
  private(set) var entries: [Entry] = []

  private static let localHeaderSignature: UInt32 = 0x0403_4b50
  private static let centralHeaderSignature: UInt32 = 0x0201_4b50
  private static let endSignature: UInt32 = 0x0605_4b50
  private static let zip64EndSignature: UInt32 = 0x0606_4b50
  private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
  private static let zip64ExtraID: UInt16 = 0x0001
  private static let saturated32: UInt32 = 0xFFFF_FFFF
  /// Deflate cannot expand data by more than about 1032:1; larger claims are corrupt.
  private static let maximumDeflateRatio = 1032

  /// Reads the central directory of the archive in `bytes`.
  init(bytes: UnsafeRawBufferPointer, file: String) throws(TensorFileError) {
    self.bytes = bytes
    self.file = file

    guard let end = ZipReader.findEndRecord(bytes) else {
      throw TensorFileError(file: file, "not a .npz file (no zip end of central directory record)")
    }
    var entryCount = Int(bytes.littleEndian(UInt16.self, at: end + 10) ?? 0)
    var directorySize = Int(bytes.littleEndian(UInt32.self, at: end + 12) ?? 0)
    var directoryOffset = Int(bytes.littleEndian(UInt32.self, at: end + 16) ?? 0)

    if bytes.littleEndian(UInt32.self, at: end - 20) == ZipReader.zip64LocatorSignature {
      guard let recordOffset = bytes.littleEndian(UInt64.self, at: end - 12).flatMap({ Int(exactly: $0) }),
        recordOffset < end,
        bytes.littleEndian(UInt32.self, at: recordOffset) == ZipReader.zip64EndSignature,
        let count = bytes.littleEndian(UInt64.self, at: recordOffset + 32).flatMap({ Int(exactly: $0) }),
        let size = bytes.littleEndian(UInt64.self, at: recordOffset + 40).flatMap({ Int(exactly: $0) }),
        let offset = bytes.littleEndian(UInt64.self, at: recordOffset + 48).flatMap({ Int(exactly: $0) })
      else { throw corrupt("bad ZIP64 end of central directory record") }
      (entryCount, directorySize, directoryOffset) = (count, size, offset)
    }
    guard let directory = bytes.slice(at: directoryOffset, length: directorySize) else {
      throw corrupt("central directory lies outside the file")
    }

    var position = 0
    for _ in 0..<entryCount {
      guard directory.littleEndian(UInt32.self, at: position) == ZipReader.centralHeaderSignature,
        let flags = directory.littleEndian(UInt16.self, at: position + 8),
        let method = directory.littleEndian(UInt16.self, at: position + 10),
        let crc = directory.littleEndian(UInt32.self, at: position + 16),
        let compressed32 = directory.littleEndian(UInt32.self, at: position + 20),
        let uncompressed32 = directory.littleEndian(UInt32.self, at: position + 24),
        let nameLength = directory.littleEndian(UInt16.self, at: position + 28).map(Int.init),
        let extraLength = directory.littleEndian(UInt16.self, at: position + 30).map(Int.init),
        let commentLength = directory.littleEndian(UInt16.self, at: position + 32).map(Int.init),
        let offset32 = directory.littleEndian(UInt32.self, at: position + 42),
        let name = directory.slice(at: position + 46, length: nameLength),
        let extra = directory.slice(at: position + 46 + nameLength, length: extraLength)
      else { throw corrupt("bad central directory entry \(entries.count + 1)") }

      let entryName = String(decoding: name, as: UTF8.self)
      // ZIP64 fields appear in the extra field, in this order, only for the
      // 32-bit fields that are saturated.
      var zip64 = ZipReader.zip64Fields(in: extra)
      func resolve(_ value32: UInt32) throws(TensorFileError) -> Int {
        guard value32 == ZipReader.saturated32 else { return Int(value32) }
        guard let value = zip64.first.flatMap({ Int(exactly: $0) }) else {
          throw corrupt("member '\(entryName)' lacks its ZIP64 sizes")
        }
        zip64.removeFirst()
        return value
      }
      let uncompressedSize = try resolve(uncompressed32)
      let compressedSize = try resolve(compressed32)
      let localHeaderOffset = try resolve(offset32)
      entries.append(
        Entry(
          name: entryName, flags: flags, method: method, crc: crc, compressedSize: compressedSize,
          uncompressedSize: uncompressedSize, localHeaderOffset: localHeaderOffset))
      position += 46 + nameLength + extraLength + commentLength
    }
  }

  /// Calls `body` with the uncompressed contents of `entry`, after checking
  /// its local header, sizes and CRC-32.
  func withContents<R>(
    of entry: Entry, _ body: (UnsafeRawBufferPointer) throws(TensorFileError) -> R
  ) throws(TensorFileError) -> R {
    func memberCorrupt(_ why: String) -> TensorFileError {
      TensorFileError(file: file, "member '\(entry.name)' is corrupt (\(why))")
    }
    guard entry.flags & 1 == 0 else { throw TensorFileError(file: file, "member '\(entry.name)' is encrypted") }
    guard entry.method == 0 || entry.method == 8 else {
      throw TensorFileError(
        file: file, "member '\(entry.name)' uses unsupported compression method \(entry.method)")
    }

    // Offsets are checked against the buffer before anything is added to them.
    let local = entry.localHeaderOffset
    guard local < bytes.count, bytes.littleEndian(UInt32.self, at: local) == ZipReader.localHeaderSignature,
      let compressed32 = bytes.littleEndian(UInt32.self, at: local + 18),
      let uncompressed32 = bytes.littleEndian(UInt32.self, at: local + 22),
      let nameLength = bytes.littleEndian(UInt16.self, at: local + 26).map(Int.init),
      let extraLength = bytes.littleEndian(UInt16.self, at: local + 28).map(Int.init),
      let extra = bytes.slice(at: local + 30 + nameLength, length: extraLength)
    else { throw memberCorrupt("bad local header") }

    // Without a data descriptor (flag bit 3) the local header repeats the
    // sizes; a ZIP64 local extra field holds both when either is saturated.
    if entry.flags & 8 == 0 {
      var localSizes = (uncompressed: Int(uncompressed32), compressed: Int(compressed32))
      if uncompressed32 == ZipReader.saturated32 || compressed32 == ZipReader.saturated32 {
        let zip64 = ZipReader.zip64Fields(in: extra)
        guard zip64.count >= 2, let u = Int(exactly: zip64[0]), let c = Int(exactly: zip64[1]) else {
          throw memberCorrupt("local header lacks its ZIP64 sizes")
        }
        localSizes = (u, c)
      }
      guard localSizes == (entry.uncompressedSize, entry.compressedSize) else {
        throw memberCorrupt("local header sizes differ from the central directory")
      }
    }
    guard let data = bytes.slice(at: local + 30 + nameLength + extraLength, length: entry.compressedSize) else {
      throw memberCorrupt("data lies outside the file")
    }

    if entry.method == 0 {
      guard entry.compressedSize == entry.uncompressedSize else {
        throw memberCorrupt("stored member with different compressed and uncompressed sizes")
      }
      guard Zlib.crc32(data) == entry.crc else { throw memberCorrupt("CRC mismatch") }
      return try body(data)
    }
    let (limit, overflow) = entry.compressedSize.multipliedReportingOverflow(by: ZipReader.maximumDeflateRatio)
    guard overflow || entry.uncompressedSize <= limit + 64 else {
      throw memberCorrupt(
        "recorded size \(entry.uncompressedSize) is impossible for \(entry.compressedSize) compressed bytes")
    }
    let inflated: [UInt8]
    switch Zlib.inflateRaw(data, size: entry.uncompressedSize) {
    case .success(let output): inflated = output
    case .failure(let error): throw memberCorrupt(error.message)
    }
    return try inflated.withBytes { contents throws(TensorFileError) in
      guard Zlib.crc32(contents) == entry.crc else { throw memberCorrupt("CRC mismatch") }
      return try body(contents)
    }
  }

  private func corrupt(_ why: String) -> TensorFileError {
    TensorFileError(file: file, "corrupt zip archive: \(why)")
  }

  /// The offset of the end of central directory record: the last signature
  /// whose comment ends within the buffer.
  private static func findEndRecord(_ bytes: UnsafeRawBufferPointer) -> Int? {
    let recordSize = 22
    guard bytes.count >= recordSize else { return nil }
    let last = bytes.count - recordSize
    for offset in stride(from: last, through: max(0, last - Int(UInt16.max)), by: -1) {
      guard bytes.littleEndian(UInt32.self, at: offset) == endSignature,
        let commentLength = bytes.littleEndian(UInt16.self, at: offset + 20)
      else { continue }
      if offset + recordSize + Int(commentLength) <= bytes.count { return offset }
    }
    return nil
  }

  /// The 64-bit values of the ZIP64 extended information field in `extra`, if any.
  private static func zip64Fields(in extra: UnsafeRawBufferPointer) -> [UInt64] {
    var position = 0
    while let id = extra.littleEndian(UInt16.self, at: position),
      let size = extra.littleEndian(UInt16.self, at: position + 2).map(Int.init),
      let field = extra.slice(at: position + 4, length: size)
    {
      if id == zip64ExtraID {
        return stride(from: 0, to: size - 7, by: 8).compactMap { field.littleEndian(UInt64.self, at: $0) }
      }
      position += 4 + size
    }
    return []
  }
}
