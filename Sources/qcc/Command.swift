import QCCIR
import QCCIO
import QCCONNX
import QCCOps
import QCCPass

#if canImport(Glibc)
import Glibc
#endif

/// The version `qcc --version` prints.
let qccVersion = "0.1.0"

/// A subcommand: its argument spec and what it does with the parsed arguments.
struct Command: Sendable {
  var spec: CommandSpec
  var run: @Sendable (CommandSpec.Parsed) throws -> Void
}

/// Prints `error` and exits: 1 when the input or usage is at fault, 2 when qcc is.
func fail(_ error: any Error) -> Never {
  let isInternal: Bool
  switch error {
  case let e as InterpreterError: isInternal = e.kind == .internalError
  case let e as PassError: isInternal = e.kind == .internalError
  case is UsageError, is ImportError, is ParseError, is PipelineError, is TensorFileError, is VerificationError,
    is InputError:
    isInternal = false
  default: isInternal = true
  }
  writeStandardError((isInternal ? "qcc: internal error: " : "qcc: error: ") + "\(error)\n")
  exit(isInternal ? 2 : 1)
}

/// A problem with the files or values a user passed.
struct InputError: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}

func writeStandardOutput(_ text: String) { writeAll(1, text) }
func writeStandardError(_ text: String) { writeAll(2, text) }

private func writeAll(_ fd: Int32, _ text: String) {
  var text = text
  text.withUTF8 { bytes in
    var offset = 0
    while offset < bytes.count {
      let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
      if n <= 0 { return }
      offset += n
    }
  }
}

extension String {
  func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}

/// Loads a model from `.onnx` (imported) or `.qir` (parsed and verified).
func loadModule(_ path: String) throws -> Module {
  if path.hasSuffix(".qir") {
    let bytes = try readFile(path)
    let module = try bytes.withUnsafeBytes { raw in try Parser.parse(bytes: raw, file: path) }
    try Verifier.verify(module, rules: OpRegistry.standard)
    return module
  }
  return try ONNXImporter().importModel(path: path)
}

/// Reads a whole file.
func readFile(_ path: String) throws -> [UInt8] {
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else { throw InputError(message: "\(path): cannot open: \(String(cString: strerror(errno)))") }
  defer { close(fd) }
  var result: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 1 << 20)
  while true {
    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
    if n < 0 { throw InputError(message: "\(path): read failed: \(String(cString: strerror(errno)))") }
    if n == 0 { break }
    result.append(contentsOf: buffer[0..<n])
  }
  return result
}

/// Writes `bytes` to `path` through a temporary file and a rename, so that a
/// failure never leaves a half-written file. "-" writes to standard output.
func writeFileAtomically(_ bytes: [UInt8], to path: String) throws {
  if path == "-" {
    bytes.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = write(1, raw.baseAddress! + offset, raw.count - offset)
        if n <= 0 { return }
        offset += n
      }
    }
    return
  }
  let temporary = path + ".tmp.\(getpid())"
  let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
  guard fd >= 0 else { throw InputError(message: "\(path): cannot write: \(String(cString: strerror(errno)))") }
  var failed: Int32 = 0
  bytes.withUnsafeBytes { raw in
    var offset = 0
    while offset < raw.count {
      let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
      if n <= 0 {
        failed = errno
        return
      }
      offset += n
    }
  }
  if close(fd) != 0 && failed == 0 { failed = errno }
  if failed == 0 && rename(temporary, path) != 0 { failed = errno }
  if failed != 0 {
    unlink(temporary)
    throw InputError(message: "\(path): cannot write: \(String(cString: strerror(failed)))")
  }
}
