/// The static activation arena: every arena tensor gets a byte offset such
/// that tensors whose lifetimes overlap never share bytes.
///
/// A tensor lives from the first node that uses its storage to the last one
/// (inclusive), so a node's results never overlap its operands and calls
/// never write what they read. Placement is greedy by size: largest first,
/// each at the lowest 64-byte-aligned offset clear of every placed tensor
/// whose lifetime overlaps its own — simple, and within a few percent of the
/// peak live bytes on the shared models (`qcc … --target qprog` prints both).
public enum MemoryPlan {
  /// Alignment of every arena tensor.
  public static let alignment = 64

  /// Assigns `offset` to every arena tensor in `tensors` and returns the arena size.
  public static func place(_ tensors: inout [Program.Tensor]) -> Int {
    let arena = tensors.indices.filter { tensors[$0].storage.isArena && tensors[$0].lastUse >= 0 }
    let order = arena.sorted {
      (tensors[$0].bytes, tensors[$1].firstUse) > (tensors[$1].bytes, tensors[$0].firstUse)
    }
    var placed: [Int] = []
    var size = 0
    for t in order {
      let bytes = align(max(tensors[t].bytes, 1))
      // Intervals taken by tensors alive at the same time, by offset.
      let busy = placed.filter { overlaps(tensors[$0], tensors[t]) }
        .map { (tensors[$0].offset, tensors[$0].offset + align(max(tensors[$0].bytes, 1))) }
        .sorted { $0.0 < $1.0 }
      var offset = 0
      for (start, end) in busy {
        if offset + bytes <= start { break }
        offset = max(offset, end)
      }
      tensors[t].offset = offset
      size = max(size, offset + bytes)
      placed.append(t)
    }
    return size
  }

  /// The bytes live at the busiest node: a lower bound for any placement.
  public static func peakLiveBytes(_ tensors: [Program.Tensor]) -> Int {
    let arena = tensors.filter { $0.storage.isArena && $0.lastUse >= 0 }
    guard let last = arena.map(\.lastUse).max() else { return 0 }
    var delta = [Int](repeating: 0, count: last + 2)
    for t in arena {
      delta[t.firstUse] += align(max(t.bytes, 1))
      delta[t.lastUse + 1] -= align(max(t.bytes, 1))
    }
    var live = 0, peak = 0
    for d in delta {
      live += d
      peak = max(peak, live)
    }
    return peak
  }

  static func align(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }

  static func overlaps(_ a: Program.Tensor, _ b: Program.Tensor) -> Bool {
    a.firstUse <= b.lastUse && b.firstUse <= a.lastUse
  }
}
