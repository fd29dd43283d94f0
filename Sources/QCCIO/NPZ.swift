import QCCIR

/// numpy's `.npz` format: a zip archive of `.npy` members, one per named array,
/// as `numpy.savez` (stored) and `numpy.savez_compressed` (deflated) write it.
///
/// Member names are reported without their `.npy` suffix, as `numpy.load`
/// reports them. Every member must hold a `.npy` file (numpy would return
/// other members as raw bytes; qcc reports them as errors), and every
/// member's CRC-32 is checked.
public enum NPZ {
  /// Reads every member of the `.npz` file at `path`, in archive order.
  public static func read(path: String) throws(TensorFileError) -> [(name: String, tensor: TensorData)] {
    let file = try MappedFile(path: path)
    return try read(bytes: file.bytes, name: path)
  }

  /// Reads every member of a `.npz` archive held in memory, in archive order;
  /// `name` identifies the archive in errors.
  public static func read(
    bytes: UnsafeRawBufferPointer, name: String
  ) throws(TensorFileError) -> [(name: String, tensor: TensorData)] {
    let archive = try ZipReader(bytes: bytes, file: name)
    var members: [(name: String, tensor: TensorData)] = []
    for entry in archive.entries where !entry.name.hasSuffix("/") {
      members.append((memberName(entry.name), try tensor(entry, in: archive)))
    }
    return members
  }

  /// Reads the member called `member` (with or without `.npy`) of the `.npz` file at `path`.
  public static func read(path: String, member: String) throws(TensorFileError) -> TensorData {
    try readMember(path: path, member: member)
  }

  /// Reads member `member` of the archive at `path`, or its only member when
  /// `member` is nil. Other members are not decompressed.
  static func readMember(path: String, member: String?) throws(TensorFileError) -> TensorData {
    let file = try MappedFile(path: path)
    let archive = try ZipReader(bytes: file.bytes, file: path)
    let entries = archive.entries.filter { !$0.name.hasSuffix("/") }
    let names = entries.map { memberName($0.name) }.joined(separator: ", ")
    guard let member else {
      guard entries.count == 1, let only = entries.first else {
        throw TensorFileError(
          file: path, "holds \(entries.count) tensors; name one as \(path):NAME (members: \(names))")
      }
      return try tensor(only, in: archive)
    }
    guard let entry = entries.first(where: { $0.name == member || memberName($0.name) == member }) else {
      throw TensorFileError(file: path, "no member named '\(member)' (members: \(names))")
    }
    return try tensor(entry, in: archive)
  }

  /// Writes `members` to a `.npz` file at `path` as `numpy.savez` would (each
  /// as a stored `NAME.npy`), replacing any file there.
  ///
  /// The file appears complete or not at all, as with `NPY.write`.
  public static func write(
    _ members: [(name: String, tensor: TensorData)], to path: String
  ) throws(TensorFileError) {
    try write(members, to: path, forceZip64: false)
  }

  /// `write(_:to:)`, optionally with ZIP64 records even where sizes do not need them.
  static func write(
    _ members: [(name: String, tensor: TensorData)], to path: String, forceZip64: Bool
  ) throws(TensorFileError) {
    var seen: Set<String> = []
    var headers: [[UInt8]] = []
    for (name, tensor) in members {
      guard !name.isEmpty else { throw TensorFileError(file: path, "member names must not be empty") }
      guard seen.insert(name).inserted else { throw TensorFileError(file: path, "duplicate member name '\(name)'") }
      do {
        headers.append(try NPY.header(for: tensor))
      } catch {
        throw error.inMember(name, of: path)
      }
    }
    let file = try AtomicFile(path: path)
    var writer = ZipWriter(file: file, forceZip64: forceZip64)
    for (member, header) in zip(members, headers) {
      try header.withBytes { header throws(TensorFileError) in
        try writer.addStored(name: member.name + ".npy", parts: [header, member.tensor.bytes])
      }
    }
    try writer.finish()
    try file.commit()
  }

  /// `a.npy` → `a`; other names unchanged.
  private static func memberName(_ entryName: String) -> String {
    entryName.hasSuffix(".npy") ? String(entryName.dropLast(4)) : entryName
  }

  /// The tensor in `entry`, with `.npy` errors reported as errors in the member.
  private static func tensor(_ entry: ZipReader.Entry, in archive: ZipReader) throws(TensorFileError) -> TensorData {
    try archive.withContents(of: entry) { contents throws(TensorFileError) in
      do throws(TensorFileError) {
        return try NPY.read(bytes: contents, name: entry.name)
      } catch {
        throw error.inMember(entry.name, of: archive.file)
      }
    }
  }
}
