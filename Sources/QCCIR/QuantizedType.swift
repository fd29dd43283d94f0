/// A quantized element type: integers of `storage` type standing for values of
/// `expressed` type, through `real = scale × (stored − zeroPoint)`.
///
/// Quantization is part of a value's type so that a dump shows what is
/// quantized and how. The spelling follows MLIR's quant dialect:
///
///     !q.uniform<i8:f32, 0.0417:-3>                      per tensor (scale:zero point)
///     !q.uniform<i8:f32:axis=0, #fc1.w.scale:#fc1.w.zp>    per channel along axis 0
///     !q.uniform<i4:f32:axis=1:group=128, #s:#z>         per group of 128 along axis 1
///     !q.uniform<i8<-127:127>:f32:axis=0, #s:#z>          a narrower range than the storage type's
///
/// Per-channel and per-group parameters are tensors held by the module
/// (`Module.parameters`) and referred to by name, never inlined.
public struct QuantizedType: Hashable, Sendable {
  /// How scales and zero points are laid out over the tensor.
  public enum Granularity: Hashable, Sendable {
    /// One scale and zero point for the whole tensor.
    case perTensor(scale: Float, zeroPoint: Int)
    /// One scale and zero point per index along `axis`.
    case perAxis(axis: Int, scales: String, zeroPoints: String)
    /// One scale and zero point per `groupSize` consecutive elements along `axis`.
    case perGroup(axis: Int, groupSize: Int, scales: String, zeroPoints: String)
  }

  /// The integer type that holds the quantized values.
  public var storage: ElementType
  /// The stored values allowed, when narrower than `storage`'s full range
  /// (symmetric int8 weights use −127…127; 3-bit values in i8 use −3…3).
  public var storageRange: ClosedRange<Int64>?
  /// The type the quantized values stand for.
  public var expressed: ElementType
  public var granularity: Granularity

  public init(storage: ElementType, expressed: ElementType, granularity: Granularity, storageRange: ClosedRange<Int64>? = nil) {
    self.storage = storage
    self.expressed = expressed
    self.granularity = granularity
    self.storageRange = storageRange
  }

  /// The values quantization may produce: `storageRange`, or the storage type's whole range.
  public var range: ClosedRange<Int64> { storageRange ?? storage.integerRange ?? 0...0 }

  /// The scale and zero point of a per-tensor type; nil for per-axis and per-group types.
  public var perTensor: (scale: Float, zeroPoint: Int)? {
    if case .perTensor(let s, let z) = granularity { return (s, z) }
    return nil
  }

  /// Names of the module parameters this type refers to.
  public var parameterNames: [String] {
    switch granularity {
    case .perTensor: []
    case .perAxis(_, let s, let z), .perGroup(_, _, let s, let z): [s, z]
    }
  }
}
