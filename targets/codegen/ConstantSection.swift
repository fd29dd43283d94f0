extension Program {
  /// Alignment of every constant within its section.
  public static let constantAlignment = 64

  /// The constant tensors laid out one after another, each at a 64-byte
  /// aligned offset: the constants section of a .qprog, the weights file of
  /// a C target. `offsets` maps tensor index to byte offset.
  public func constantSection() -> (bytes: [UInt8], offsets: [Int: Int]) {
    var bytes: [UInt8] = []
    var offsets: [Int: Int] = [:]
    for (i, t) in tensors.enumerated() {
      guard case .constant(let data) = t.storage else { continue }
      while bytes.count % Self.constantAlignment != 0 { bytes.append(0) }
      offsets[i] = bytes.count
      bytes += data.bytes
    }
    return (bytes, offsets)
  }
}
