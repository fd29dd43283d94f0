/// Why a tensor file could not be read or written.
///
/// The description names the file and what is wrong with it, e.g.
/// `x.npy: unsupported dtype '<c8'` or
/// `d.npz: member 'a.npy' is corrupt (CRC mismatch)`.
public struct TensorFileError: Error, CustomStringConvertible, Sendable {
  /// The file at fault, as the caller named it. Empty when there is no file
  /// (`NPY.encode` of a tensor numpy cannot represent).
  public var file: String
  /// What is wrong, without the file name: `unsupported dtype '<c8'`.
  public var problem: String

  /// An error about `file`.
  public init(file: String, _ problem: String) {
    self.file = file
    self.problem = problem
  }

  /// `file: problem`, or just the problem when there is no file.
  public var description: String { file.isEmpty ? problem : "\(file): \(problem)" }

  /// The same problem, reported as part of member `member` of archive `archive`.
  func inMember(_ member: String, of archive: String) -> TensorFileError {
    TensorFileError(file: archive, "member '\(member)': \(problem)")
  }
}
