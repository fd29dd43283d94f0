import QCCPass

#if canImport(Glibc)
import Glibc
#endif

/// "calibrate: sample 12/32", rewritten in place on standard error while
/// samples run — only when standard error is a terminal, so logs and pipes
/// get nothing. The line is erased when calibration ends.
struct TerminalProgress: Sendable {
  let enabled: Bool
  let write: @Sendable (String) -> Void

  init(enabled: Bool = isatty(2) != 0, write: @escaping @Sendable (String) -> Void = PassManager.writeToStandardError) {
    self.enabled = enabled
    self.write = write
  }

  /// Sample `index` (1-based) of `total` has started.
  func sample(_ index: Int, of total: Int) {
    if enabled { write("\rcalibrate: sample \(index)/\(total)\u{1B}[K") }
  }

  /// Erases the line.
  func finish() {
    if enabled { write("\r\u{1B}[K") }
  }
}
