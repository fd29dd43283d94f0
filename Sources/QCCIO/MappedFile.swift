#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory mapping of a whole file, unmapped when released.
///
/// Readers copy what they need out of the mapping, so no tensor keeps a file
/// mapped after it has been read.
final class MappedFile {
  let bytes: UnsafeRawBufferPointer

  init(path: String) throws(TensorFileError) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw TensorFileError(file: path, "cannot open: \(lastError())") }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw TensorFileError(file: path, "cannot stat: \(lastError())") }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw TensorFileError(file: path, "not a regular file") }
    let size = Int(info.st_size)
    guard size > 0 else {
      bytes = UnsafeRawBufferPointer(start: nil, count: 0)
      return
    }
    guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
      throw TensorFileError(file: path, "cannot map: \(lastError())")
    }
    bytes = UnsafeRawBufferPointer(start: base, count: size)
  }

  deinit {
    if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
  }
}

/// The message for the current `errno`.
func lastError() -> String { String(cString: strerror(errno)) }
