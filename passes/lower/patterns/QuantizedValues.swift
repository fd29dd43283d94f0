import QCCIR
import QCCOps
import QCCPass

/// What the lowering patterns ask of the graph about quantized values.
extension Rewriter {
  /// When `value` is `qcc.dequantize(q)`, returns q and its quantized type.
  func dequantized(_ value: ValueID?) -> (q: ValueID, type: QuantizedType)? {
    guard let node = producer(of: value, "qcc.dequantize"), let q = graph[node].inputs[0],
      let type = graph[q].type.element.quantization
    else { return nil }
    return (q, type)
  }

  /// The resolved scales and zero points of a quantized type.
  func parameters(_ type: QuantizedType) -> QuantizationParameters? {
    QuantizationParameters(type, parameters: graph.parameters)
  }

  /// A parameter name not yet used.
  func uniqueParameterName(_ base: String) -> String {
    let clean = Graph.sanitize(base)
    if graph.parameters[clean] == nil { return clean }
    var n = 1
    while graph.parameters["\(clean).\(n)"] != nil { n += 1 }
    return "\(clean).\(n)"
  }

  /// The accumulator type of an integer product of `a` (per tensor) and `b`
  /// (per tensor, or per channel on `channelAxis` of the result): scale
  /// sa × sb (in f32, as the runtime computes it), zero point 0, storage i32
  /// (i64 when an operand has 16 bits).
  mutating func accumulatorType(
    a: QuantizedType, b: QuantizedType, bParameters: QuantizationParameters, resultAxis: Int, name: String
  ) -> QuantizedType? {
    guard case .perTensor(let sa, _) = a.granularity else { return nil }
    let storage: ElementType = a.storage.bitWidth > 8 || b.storage.bitWidth > 8 ? .i64 : .i32
    switch b.granularity {
    case .perTensor(let sb, _):
      return QuantizedType(storage: storage, expressed: .f32, granularity: .perTensor(scale: sa * sb, zeroPoint: 0))
    case .perAxis:
      let scales = bParameters.scales.map { sa * $0 }
      let scaleName = uniqueParameterName(name + ".scale")
      graph.parameters[scaleName] = .dense(TensorData(shape: [scales.count], scalars: scales))
      let zeroName = uniqueParameterName(name + ".zp")
      graph.parameters[zeroName] = .dense(TensorData(shape: [scales.count], scalars: [Int32](repeating: 0, count: scales.count)))
      return QuantizedType(
        storage: storage, expressed: .f32, granularity: .perAxis(axis: resultAxis, scales: scaleName, zeroPoints: zeroName))
    case .perGroup:
      return nil
    }
  }
}

extension Rewriter {
  /// The activation zero point's share of an integer product with a constant
  /// weight, precomputed: −za × Σₖ b[…] per output channel, for a
  /// `zero_point_folded` product (which then sums a × (b − zb) + bias). nil
  /// when there is nothing to fold (za = 0) or it cannot be folded (a weight
  /// zero point is not 0, so the za × zb and zb × Σa terms would remain).
  /// `reductionAxes` are b's summed axes; the others index output channels.
  mutating func foldedZeroPointBias(
    a: QuantizedType, b: ValueID, bType: QuantizedType, reductionAxes: [Int], name: String
  ) -> ValueID? {
    guard case .perTensor(_, let za) = a.granularity, za != 0, let data = graph.constantData(b),
      let bParameters = parameters(bType), bParameters.zeroPoints.allSatisfy({ $0 == 0 })
    else { return nil }
    let shape = data.shape
    let channelAxes = shape.indices.filter { !reductionAxes.contains($0) }
    let channels = channelAxes.map { shape[$0] }.reduce(1, *)
    let strides = contiguousStrides(shape)
    var sums = [Int64](repeating: 0, count: channels)
    for (i, v) in data.doubles().enumerated() {
      var channel = 0
      for axis in channelAxes { channel = channel * shape[axis] + (i / Int(strides[axis])) % shape[axis] }
      sums[channel] += Int64(v)
    }
    let bias = sums.map { Int32(truncatingIfNeeded: -Int64(za) * $0) }
    return constant(TensorData(shape: [channels], scalars: bias), name: name)
  }
}

/// Largest reduction length whose 8-bit products cannot overflow an int32 sum:
/// |a − za| ≤ 255 and |b − zb| ≤ 255, so K × 255² < 2³¹ (docs/quantization.md).
let maxReductionLength8Bit = 33_025
