#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory mapping of a whole file. Tensors that borrow from it
/// keep it alive; it unmaps when the last one goes.
final class MappedFile: @unchecked Sendable {
  // Sendable: the mapping is read-only and never changes.
  let path: String
  let bytes: UnsafeRawBufferPointer

  init(path: String) throws(ImportError) {
    self.path = path
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      throw ImportError("\(path): cannot open: \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      throw ImportError("\(path): cannot stat: \(String(cString: strerror(errno)))")
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw ImportError("\(path): not a regular file") }
    let size = Int(info.st_size)
    if size == 0 {
      bytes = UnsafeRawBufferPointer(start: nil, count: 0)
      return
    }
    guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
      throw ImportError("\(path): cannot map: \(String(cString: strerror(errno)))")
    }
    bytes = UnsafeRawBufferPointer(start: base, count: size)
  }

  deinit {
    if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
  }
}
