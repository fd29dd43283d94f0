import QCCIR

/// Tensor arguments on command lines: a `.npy` file, or one member of a `.npz` archive.
public enum TensorFiles {
  /// Reads a tensor argument: `x.npy`; `data.npz:member` for one member of an
  /// archive; or `data.npz` for an archive that holds exactly one member.
  /// Any other path is read as `.npy`.
  public static func read(_ argument: String) throws(TensorFileError) -> TensorData {
    var searchEnd = argument.endIndex
    while let colon = argument[..<searchEnd].lastIndex(of: ":") {
      let path = argument[..<colon]
      if path.hasSuffix(".npz") {
        return try NPZ.read(path: String(path), member: String(argument[argument.index(after: colon)...]))
      }
      searchEnd = colon
    }
    if argument.hasSuffix(".npz") { return try NPZ.readMember(path: argument, member: nil) }
    return try NPY.read(path: argument)
  }
}
