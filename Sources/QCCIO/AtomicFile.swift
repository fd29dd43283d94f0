#if canImport(Glibc)
import Glibc
#endif

/// A file written all at once or not at all.
///
/// Bytes go to a temporary file next to the destination, which `commit()`
/// renames into place. If the writer is dropped without committing (an error
/// part-way), the temporary file is removed and the destination is untouched.
final class AtomicFile {
  let path: String
  private let temporaryPath: String
  private var fd: Int32
  private var committed = false
  /// Bytes written so far.
  private(set) var position = 0

  init(path: String) throws(TensorFileError) {
    self.path = path
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[...$0]) } ?? ""
    let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
    var fd: Int32 = -1
    var candidate = ""
    // O_EXCL with a fresh random suffix: retry the (unlikely) collisions only.
    for _ in 0..<16 {
      candidate = "\(directory).\(base).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
      fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
      if fd >= 0 || errno != EEXIST { break }
    }
    guard fd >= 0 else { throw TensorFileError(file: path, "cannot create: \(lastError())") }
    self.fd = fd
    self.temporaryPath = candidate
  }

  /// Appends `bytes`.
  func write(_ bytes: UnsafeRawBufferPointer) throws(TensorFileError) {
    guard var next = bytes.baseAddress else { return }
    var remaining = bytes.count
    while remaining > 0 {
      let n = Glibc.write(fd, next, remaining)
      if n < 0 {
        if errno == EINTR { continue }
        throw TensorFileError(file: path, "cannot write: \(lastError())")
      }
      next += n
      remaining -= n
      position += n
    }
  }

  /// Appends `bytes`.
  func write(_ bytes: [UInt8]) throws(TensorFileError) {
    try bytes.withBytes { raw throws(TensorFileError) in try write(raw) }
  }

  /// Closes the temporary file and renames it over `path`.
  func commit() throws(TensorFileError) {
    let status = close(fd)
    fd = -1
    guard status == 0 else { throw TensorFileError(file: path, "cannot write: \(lastError())") }
    guard rename(temporaryPath, path) == 0 else {
      throw TensorFileError(file: path, "cannot rename \(temporaryPath) into place: \(lastError())")
    }
    committed = true
  }

  deinit {
    if fd >= 0 { close(fd) }
    if !committed { unlink(temporaryPath) }
  }
}
