import QCCIR

/// The largest |x| per channel of a value that feeds a matrix product, over
/// every sample (SmoothQuant divides activations by these per reduction
/// channel and folds the factors into the weights).
///
/// The channel axis is the product's reduction axis as seen from its first
/// operand: the last axis for `MatMul` and `Gemm` (axis 0 when `transA = 1`),
/// axis 1 for `Conv`. NaN, ±inf and sentinels are left out (see
/// `ValueStatistics`); a channel with none of its elements in range has 0.
public struct ChannelMaxima: Sendable, Equatable {
  /// The channel axis of the value, counted from 0.
  public let axis: Int
  /// max |x| per channel; `absMax.count` is the size of `axis`.
  public internal(set) var absMax: [Float]

  public init(axis: Int, absMax: [Float]) {
    self.axis = axis
    self.absMax = absMax
  }

  /// Records one tensor of shape `shape`; nil on success, else what is wrong.
  mutating func add(_ values: UnsafeBufferPointer<Float>, shape: [Int], sentinel: Float) -> String? {
    guard axis < shape.count else { return "has rank \(shape.count), no axis \(axis)" }
    let channels = shape[axis]
    if absMax.isEmpty { absMax = [Float](repeating: 0, count: channels) }
    guard channels == absMax.count else {
      return "has \(channels) channels along axis \(axis) in one sample and \(absMax.count) in another"
    }
    guard !values.isEmpty else { return nil }
    let inner = shape[(axis + 1)...].reduce(1, *)
    let outer = values.count / (channels * inner)
    absMax.withUnsafeMutableBufferPointer { m in
      var p = 0
      for _ in 0..<outer {
        for c in 0..<channels {
          var best = m[c]
          for _ in 0..<inner {
            let a = abs(values[p])
            if a < sentinel && a > best { best = a }
            p += 1
          }
          m[c] = best
        }
      }
    }
    return nil
  }

  mutating func merge(_ other: ChannelMaxima) {
    if absMax.isEmpty {
      absMax = other.absMax
      return
    }
    guard other.absMax.count == absMax.count else { return }
    for i in absMax.indices { absMax[i] = Swift.max(absMax[i], other.absMax[i]) }
  }
}
