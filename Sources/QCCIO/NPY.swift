import QCCIR

/// numpy's `.npy` format: one array per file.
///
/// Reading accepts format versions 1.0, 2.0 and 3.0; the dtypes qcc has
/// element types for, in either byte order; C or Fortran order; any shape,
/// including scalars and zero-size arrays. The tensor read is always a fresh,
/// 64-byte-aligned copy in qcc's layout (little-endian, row-major), so it does
/// not depend on the file or buffer it came from.
///
/// Writing produces exactly what `numpy.save` does: little-endian, C order,
/// version 1.0 (2.0 only when the header needs it), data 64-byte aligned.
public enum NPY {
  /// Reads the `.npy` file at `path`.
  public static func read(path: String) throws(TensorFileError) -> TensorData {
    let file = try MappedFile(path: path)
    return try read(bytes: file.bytes, name: path)
  }

  /// Reads a `.npy` file held in memory; `name` identifies it in errors.
  public static func read(bytes: UnsafeRawBufferPointer, name: String) throws(TensorFileError) -> TensorData {
    func failure(_ problem: String) -> TensorFileError { TensorFileError(file: name, problem) }

    let magic = NPYHeader.magic
    guard !bytes.isEmpty else { throw failure("empty file") }
    guard bytes.starts(with: magic.prefix(bytes.count)) else { throw failure("not a .npy file (bad magic)") }
    guard let major = bytes.littleEndian(UInt8.self, at: magic.count),
      let minor = bytes.littleEndian(UInt8.self, at: magic.count + 1)
    else { throw failure("truncated: file ends inside the preamble") }
    guard minor == 0, (1...3).contains(major) else {
      throw failure("unsupported .npy format version \(major).\(minor)")
    }

    let lengthOffset = magic.count + 2
    let headerLength: Int?
    if major == 1 {
      headerLength = bytes.littleEndian(UInt16.self, at: lengthOffset).map(Int.init)
    } else {
      headerLength = bytes.littleEndian(UInt32.self, at: lengthOffset).map(Int.init)
    }
    guard let headerLength else { throw failure("truncated: file ends inside the preamble") }
    let headerOffset = lengthOffset + (major == 1 ? 2 : 4)
    guard let text = bytes.slice(at: headerOffset, length: headerLength) else {
      throw failure(
        "truncated: preamble says the header is \(headerLength) bytes, file has \(bytes.count - headerOffset)")
    }
    let header = try NPYHeader(parsing: text, file: name)

    let dataOffset = headerOffset + headerLength
    let available = bytes.count - dataOffset
    guard let data = bytes.slice(at: dataOffset, length: header.byteCount) else {
      throw failure("truncated: header says \(header.byteCount) bytes of data, file has \(available)")
    }
    return header.tensor(from: data)
  }

  /// The bytes of a `.npy` file holding `t`, as `numpy.save` would write them.
  ///
  /// Throws for bf16, i4 and u4 tensors, which numpy has no dtype for.
  public static func encode(_ t: TensorData) throws(TensorFileError) -> [UInt8] {
    var bytes = try header(for: t)
    bytes += t.bytes
    return bytes
  }

  /// Writes `t` to a `.npy` file at `path`, replacing any file there.
  ///
  /// The file appears complete or not at all: the bytes go to a temporary file
  /// in the same directory, which is renamed over `path` once fully written.
  public static func write(_ t: TensorData, to path: String) throws(TensorFileError) {
    let header: [UInt8]
    do {
      header = try self.header(for: t)
    } catch {
      throw TensorFileError(file: path, error.problem)
    }
    let file = try AtomicFile(path: path)
    try file.write(header)
    try file.write(t.bytes)
    try file.commit()
  }

  /// The preamble and header for `t`.
  static func header(for t: TensorData) throws(TensorFileError) -> [UInt8] {
    guard let descr = NPYDtype.descr(for: t.elementType) else {
      let type = t.elementType
      throw TensorFileError(file: "", "cannot write a \(type) tensor to .npy (numpy has no \(type) dtype)")
    }
    return NPYHeader.encode(descr: descr, shape: t.shape)
  }
}
