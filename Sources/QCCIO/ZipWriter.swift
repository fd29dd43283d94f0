/// Writes a zip archive of stored (uncompressed) members to an `AtomicFile`.
///
/// ZIP64 records are added only where a size, offset or count needs them,
/// or everywhere when `forceZip64` is set (so tests can exercise them).
/// Timestamps are fixed at 1980-01-01 so equal inputs give equal archives.
struct ZipWriter {
  private let file: AtomicFile
  private let forceZip64: Bool
  private var centralDirectory: [UInt8] = []
  private var entryCount = 0

  private static let versionNeeded: UInt16 = 20
  private static let versionNeededZip64: UInt16 = 45
  /// "Made by" Unix, so that extractors apply the permission bits below.
  private static let madeByUnix: UInt16 = 3 << 8
  /// A regular file, rw-r--r--.
  private static let unixFileAttributes: UInt32 = 0o100644 << 16
  /// MS-DOS date 1980-01-01, time 00:00.
  private static let dosDate: UInt16 = (1 << 5) | 1
  /// Flag bit 11: the name is UTF-8.
  private static let utf8NameFlag: UInt16 = 1 << 11
  private static let limit32 = Int(UInt32.max)

  init(file: AtomicFile, forceZip64: Bool = false) {
    self.file = file
    self.forceZip64 = forceZip64
  }

  /// Adds a stored member named `name` whose contents are `parts`, concatenated.
  mutating func addStored(name: String, parts: [UnsafeRawBufferPointer]) throws(TensorFileError) {
    let nameBytes = Array(name.utf8)
    guard nameBytes.count <= Int(UInt16.max) else {
      throw TensorFileError(file: file.path, "member name is too long: \(name.prefix(40))…")
    }
    let size = parts.reduce(0) { $0 + $1.count }
    let crc = parts.reduce(UInt32(0)) { Zlib.crc32($1, continuing: $0) }
    let offset = file.position
    let flags = name.utf8.allSatisfy { $0 < 0x80 } ? 0 : ZipWriter.utf8NameFlag

    let sizeNeedsZip64 = forceZip64 || size >= ZipWriter.limit32
    let offsetNeedsZip64 = forceZip64 || offset >= ZipWriter.limit32
    let version = sizeNeedsZip64 || offsetNeedsZip64 ? ZipWriter.versionNeededZip64 : ZipWriter.versionNeeded
    let size32 = sizeNeedsZip64 ? UInt32.max : UInt32(size)

    var local: [UInt8] = []
    local.appendLittleEndian(UInt32(0x0403_4b50))
    local.appendLittleEndian(version)
    local.appendLittleEndian(flags)
    local.appendLittleEndian(UInt16(0))  // stored
    local.appendLittleEndian(UInt16(0))  // time
    local.appendLittleEndian(ZipWriter.dosDate)
    local.appendLittleEndian(crc)
    local.appendLittleEndian(size32)  // compressed
    local.appendLittleEndian(size32)  // uncompressed
    local.appendLittleEndian(UInt16(nameBytes.count))
    local.appendLittleEndian(UInt16(sizeNeedsZip64 ? 20 : 0))
    local += nameBytes
    if sizeNeedsZip64 {
      // A local ZIP64 field always holds both sizes.
      local.appendLittleEndian(UInt16(1))
      local.appendLittleEndian(UInt16(16))
      local.appendLittleEndian(UInt64(size))
      local.appendLittleEndian(UInt64(size))
    }
    try file.write(local)
    for part in parts { try file.write(part) }

    // The central ZIP64 field holds just the saturated values, in order.
    var zip64: [UInt8] = []
    if sizeNeedsZip64 {
      zip64.appendLittleEndian(UInt64(size))
      zip64.appendLittleEndian(UInt64(size))
    }
    if offsetNeedsZip64 { zip64.appendLittleEndian(UInt64(offset)) }
    var entry: [UInt8] = []
    entry.appendLittleEndian(UInt32(0x0201_4b50))
    entry.appendLittleEndian(ZipWriter.madeByUnix | version)
    entry.appendLittleEndian(version)
    entry.appendLittleEndian(flags)
    entry.appendLittleEndian(UInt16(0))  // stored
    entry.appendLittleEndian(UInt16(0))  // time
    entry.appendLittleEndian(ZipWriter.dosDate)
    entry.appendLittleEndian(crc)
    entry.appendLittleEndian(size32)
    entry.appendLittleEndian(size32)
    entry.appendLittleEndian(UInt16(nameBytes.count))
    entry.appendLittleEndian(UInt16(zip64.isEmpty ? 0 : 4 + zip64.count))
    entry.appendLittleEndian(UInt16(0))  // comment length
    entry.appendLittleEndian(UInt16(0))  // disk
    entry.appendLittleEndian(UInt16(0))  // internal attributes
    entry.appendLittleEndian(ZipWriter.unixFileAttributes)
    entry.appendLittleEndian(offsetNeedsZip64 ? UInt32.max : UInt32(offset))
    entry += nameBytes
    if !zip64.isEmpty {
      entry.appendLittleEndian(UInt16(1))
      entry.appendLittleEndian(UInt16(zip64.count))
      entry += zip64
    }
    centralDirectory += entry
    entryCount += 1
  }

  /// Writes the central directory and end records. Add nothing after this.
  mutating func finish() throws(TensorFileError) {
    let directoryOffset = file.position
    let directorySize = centralDirectory.count
    try file.write(centralDirectory)

    let needsZip64 =
      forceZip64 || entryCount >= Int(UInt16.max) || directoryOffset >= ZipWriter.limit32
      || directorySize >= ZipWriter.limit32
    var end: [UInt8] = []
    if needsZip64 {
      let recordOffset = file.position
      end.appendLittleEndian(UInt32(0x0606_4b50))
      end.appendLittleEndian(UInt64(44))  // size of the rest of the record
      end.appendLittleEndian(ZipWriter.madeByUnix | ZipWriter.versionNeededZip64)
      end.appendLittleEndian(ZipWriter.versionNeededZip64)
      end.appendLittleEndian(UInt32(0))  // this disk
      end.appendLittleEndian(UInt32(0))  // central directory disk
      end.appendLittleEndian(UInt64(entryCount))
      end.appendLittleEndian(UInt64(entryCount))
      end.appendLittleEndian(UInt64(directorySize))
      end.appendLittleEndian(UInt64(directoryOffset))
      // Locator.
      end.appendLittleEndian(UInt32(0x0706_4b50))
      end.appendLittleEndian(UInt32(0))
      end.appendLittleEndian(UInt64(recordOffset))
      end.appendLittleEndian(UInt32(1))  // total disks
    }
    let count16 = needsZip64 ? UInt16.max : UInt16(entryCount)
    end.appendLittleEndian(UInt32(0x0605_4b50))
    end.appendLittleEndian(UInt16(0))  // this disk
    end.appendLittleEndian(UInt16(0))  // central directory disk
    end.appendLittleEndian(count16)
    end.appendLittleEndian(count16)
    end.appendLittleEndian(needsZip64 ? UInt32.max : UInt32(directorySize))
    end.appendLittleEndian(needsZip64 ? UInt32.max : UInt32(directoryOffset))
    end.appendLittleEndian(UInt16(0))  // comment length
    try file.write(end)
  }
}
