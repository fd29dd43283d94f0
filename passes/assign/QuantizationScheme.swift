import QCCIR

/// How one kind of value (weights, or activations) is quantized: bits,
/// symmetry and granularity. The presets of docs/quantization.md are values
/// of this type; pass options override their fields.
public struct QuantizationScheme: Hashable, Sendable {
  public enum Granularity: String, Hashable, Sendable, CaseIterable {
    /// One scale and zero point for the tensor.
    case tensor
    /// One per output channel.
    case channel
    /// One per `groupSize` elements along the reduction axis, per output channel.
    case group
  }

  /// 2–8, or 16.
  public var bits: Int
  /// Zero point 0 and a range symmetric around it (−(2^(b−1)−1) … 2^(b−1)−1).
  public var symmetric: Bool
  public var granularity: Granularity
  public var groupSize: Int

  public init(bits: Int, symmetric: Bool, granularity: Granularity, groupSize: Int = 128) {
    self.bits = bits
    self.symmetric = symmetric
    self.granularity = granularity
    self.groupSize = groupSize
  }

  /// The storage type: packed i4 for weights of 4 bits or fewer, i16 for 16 bits, else i8.
  public func storage(packed: Bool) -> ElementType {
    if bits == 16 { return .i16 }
    return bits <= 4 && packed ? .i4 : .i8
  }

  /// The stored values the scheme uses.
  public var range: ClosedRange<Int64> {
    let half = Int64(1) << (bits - 1)
    return symmetric ? -(half - 1)...(half - 1) : -half...(half - 1)
  }

  /// A per-tensor quantized type covering [lo, hi] (widened to include 0, so
  /// that zero is exactly representable: padding and masks rely on it).
  public func activationType(lo: Float, hi: Float, expressed: ElementType) -> QuantizedType {
    let (scale, zeroPoint) = parameters(lo: lo, hi: hi)
    return QuantizedType(
      storage: storage(packed: false), expressed: expressed,
      granularity: .perTensor(scale: scale, zeroPoint: Int(zeroPoint)), storageRange: narrowedRange(packed: false))
  }

  /// The scale and zero point for values in [lo, hi].
  public func parameters(lo: Float, hi: Float) -> (scale: Float, zeroPoint: Int64) {
    let lo = min(lo, 0), hi = max(hi, 0)
    let r = range
    if symmetric {
      let bound = max(-lo, hi)
      return (bound > 0 ? bound / Float(r.upperBound) : 1, 0)
    }
    guard hi > lo else { return (1, 0) }
    let scale = (hi - lo) / Float(r.upperBound - r.lowerBound)
    let zeroPoint = min(max(r.lowerBound - Int64((lo / scale).rounded(.toNearestOrEven)), r.lowerBound), r.upperBound)
    return (scale, zeroPoint)
  }

  /// The storage range to record in the type, when narrower than the storage type's own.
  func narrowedRange(packed: Bool) -> ClosedRange<Int64>? {
    storage(packed: packed).integerRange == range ? nil : range
  }
}

extension QuantizationScheme {
  /// A named preset: the weight and activation schemes of docs/quantization.md.
  public struct Preset: Sendable {
    public var weights: QuantizationScheme
    public var activations: QuantizationScheme
  }

  public static let presets: [String: Preset] = [
    "w8a8": Preset(
      weights: QuantizationScheme(bits: 8, symmetric: true, granularity: .channel),
      activations: QuantizationScheme(bits: 8, symmetric: false, granularity: .tensor)),
    "w8a16": Preset(
      weights: QuantizationScheme(bits: 8, symmetric: true, granularity: .channel),
      activations: QuantizationScheme(bits: 16, symmetric: true, granularity: .tensor)),
    "w4a16": Preset(
      weights: QuantizationScheme(bits: 4, symmetric: true, granularity: .group, groupSize: 128),
      activations: QuantizationScheme(bits: 16, symmetric: true, granularity: .tensor)),
    "w4a8": Preset(
      weights: QuantizationScheme(bits: 4, symmetric: true, granularity: .group, groupSize: 128),
      activations: QuantizationScheme(bits: 8, symmetric: false, granularity: .tensor)),
  ]
}
