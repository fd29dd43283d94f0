/// The scales and zero points of a quantized type, resolved against the
/// graph's parameters: what kernels need to quantize, dequantize and rescale.
///
/// Per tensor there is one scale and zero point; per axis one per index
/// along `axis`; per group one per `groupSize` consecutive elements along
/// `axis`, laid out like the tensor with that axis divided by the group size.
public struct QuantizationParameters: Hashable, Sendable {
  public var scales: [Float]
  public var zeroPoints: [Int32]
  public var axis: Int?
  public var groupSize: Int?
  /// The storage type's range (i8: -128…127).
  public var range: ClosedRange<Int64>

  public init(scales: [Float], zeroPoints: [Int32], axis: Int? = nil, groupSize: Int? = nil, range: ClosedRange<Int64>) {
    self.scales = scales
    self.zeroPoints = zeroPoints
    self.axis = axis
    self.groupSize = groupSize
    self.range = range
  }

  /// Resolves `type`'s parameters; nil when a named parameter is missing,
  /// elided, or not a tensor of scales (f32) and zero points (integers).
  public init?(_ type: QuantizedType, parameters: [String: Constant]) {
    guard type.storage.integerRange != nil else { return nil }
    let range = type.range
    switch type.granularity {
    case .perTensor(let scale, let zeroPoint):
      self.init(scales: [scale], zeroPoints: [Int32(zeroPoint)], range: range)
    case .perAxis(let axis, let s, let z), .perGroup(let axis, _, let s, let z):
      guard let scaleData = parameters[s]?.data, scaleData.elementType == .f32,
        let zeroData = parameters[z]?.data, let zeros = zeroData.integers(), zeros.count == scaleData.elementCount
      else { return nil }
      var group: Int?
      if case .perGroup(_, let size, _, _) = type.granularity { group = size }
      self.init(
        scales: scaleData.scalars(as: Float.self), zeroPoints: zeros.map { Int32(truncatingIfNeeded: $0) },
        axis: axis, groupSize: group, range: range)
    }
  }
}
