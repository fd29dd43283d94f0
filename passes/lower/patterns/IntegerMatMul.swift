import QCCIR
import QCCPass

/// `MatMul(qcc.dequantize(a), qcc.dequantize(b))` → `qcc.dequantize(qcc.matmul(a, b))`:
/// the product of the stored integers, exact in an int32 (int64 with a
/// 16-bit operand) accumulator whose scale is sa × sb per output column.
struct IntegerMatMulPattern: RewritePattern {
  let name = "integer-matmul"
  let rootOps: Set<String> = ["MatMul"]

  func matchAndRewrite(_ root: NodeID, _ r: inout Rewriter) -> Bool {
    let node = r.graph[root]
    guard let (a, aType) = r.dequantized(node.inputs[0]), let (b, bType) = r.dequantized(node.inputs[1]),
      case .perTensor = aType.granularity, let bParameters = r.parameters(bType),
      let bRank = r.graph[b].type.shape.rank, bRank >= 1, let result = node.results.first
    else { return false }
    let resultType = r.graph[result].type
    guard let rank = resultType.shape.rank else { return false }
    // Per channel only along b's last axis, which is the result's last axis.
    if case .perAxis(let axis, _, _) = bType.granularity, axis != bRank - 1 { return false }
    if case .perGroup = bType.granularity { return false }
    // The int32 sum must not overflow (int64 accumulators have room for any model).
    let k = r.graph[b].type.shape.dims.flatMap { $0.count >= 2 ? $0[$0.count - 2].value : $0.first?.value }
    let eightBit = aType.storage.bitWidth <= 8 && bType.storage.bitWidth <= 8
    guard let k, !eightBit || k <= maxReductionLength8Bit else { return false }
    let name = r.graph[result].name
    guard let accType = r.accumulatorType(a: aType, b: bType, bParameters: bParameters, resultAxis: rank - 1, name: name + ".acc") else {
      return false
    }
    var inputs: [ValueID?] = [a, b]
    var attributes = Attributes()
    if bRank == 2, let bias = r.foldedZeroPointBias(a: aType, b: b, bType: bType, reductionAxes: [0], name: name + ".zp_bias") {
      inputs.append(bias)
      attributes["zero_point_folded"] = .int(1)
    }
    let acc = r.insert(
      "qcc.matmul", inputs, resultTypes: [TensorType(.quantized(accType), resultType.shape)], attributes: attributes,
      location: node.location, before: root, names: [name + ".acc"])
    let y = r.insert("qcc.dequantize", acc, resultTypes: [resultType], location: node.location, before: root)
    r.replace(root, with: y)
    return true
  }
}

/// `Conv(qcc.dequantize(x), qcc.dequantize(w)[, bias])` → `qcc.dequantize(qcc.conv(x, w))`
/// (plus a float Add of the bias, which `BiasFoldingPattern` folds into the int32 bias).
struct IntegerConvPattern: RewritePattern {
  let name = "integer-conv"
  let rootOps: Set<String> = ["Conv"]

  func matchAndRewrite(_ root: NodeID, _ r: inout Rewriter) -> Bool {
    let node = r.graph[root]
    guard let (x, xType) = r.dequantized(node.inputs[0]), let (w4, w4Type) = r.dequantized(node.inputs[1]),
      case .perTensor = xType.granularity,
      let (w, wType) = r.byteWeight(w4, w4Type), let wParameters = r.parameters(wType),
      let wShape = r.graph[w].type.shape.staticSizes, let result = node.results.first
    else { return false }
    if case .perAxis(let axis, _, _) = wType.granularity, axis != 0 { return false }
    if case .perGroup = wType.granularity { return false }
    let eightBit = xType.storage.bitWidth <= 8 && wType.storage.bitWidth <= 8
    let k = wShape.dropFirst().reduce(1, *)
    guard !eightBit || k <= maxReductionLength8Bit else { return false }
    let resultType = r.graph[result].type
    let name = r.graph[result].name
    // A bias must be a constant (it is folded into the int32 bias); check before changing anything.
    let bias = node.inputs.count > 2 ? node.inputs[2] : nil
    let biasData = bias.flatMap { r.graph.constantData($0) }
    guard bias == nil || biasData != nil else { return false }
    guard let accType = r.accumulatorType(a: xType, b: wType, bParameters: wParameters, resultAxis: 1, name: name + ".acc") else {
      return false
    }
    var inputs: [ValueID?] = [x, w]
    var attributes = node.attributes
    // Padding reads the input's zero point, so padded taps contribute (za − za) × w = 0 either way.
    if let bias = r.foldedZeroPointBias(a: xType, b: w, bType: wType, reductionAxes: Array(1..<wShape.count), name: name + ".zp_bias") {
      inputs.append(bias)
      attributes["zero_point_folded"] = .int(1)
    }
    let acc = r.insert(
      "qcc.conv", inputs, resultTypes: [TensorType(.quantized(accType), resultType.shape)], attributes: attributes,
      location: node.location, before: root, names: [name + ".acc"])
    var y = r.insert("qcc.dequantize", acc, resultTypes: [resultType], location: node.location, before: root)
    // A float bias becomes an Add over the channel axis, for BiasFoldingPattern to fold.
    if let bias, let biasData {
      let shape = [wShape[0]] + [Int](repeating: 1, count: max(0, (resultType.shape.rank ?? 2) - 2))
      let perChannel = r.constant(biasData.reshaped(shape), name: r.graph[bias].name + ".per_channel")
      y = r.insert("Add", [y[0], perChannel], resultTypes: [resultType], location: node.location, before: root)
    }
    r.replace(root, with: y)
    return true
  }
}

extension Rewriter {
  /// A convolution weight in byte storage: 4-bit weights (i4, u4) are widened
  /// to i8/u8 with the same values and a storage range that says so
  /// (`i8<-8:7>`), since the convolution kernel reads bytes; conv weights are
  /// small next to the matmul weights that stay packed. nil for a 4-bit
  /// weight that is not a constant.
  mutating func byteWeight(_ w: ValueID, _ type: QuantizedType) -> (ValueID, QuantizedType)? {
    guard type.storage.bitWidth == 4 else { return (w, type) }
    guard let data = graph.constantData(w) else { return nil }
    let wide: ElementType = type.storage == .i4 ? .i8 : .u8
    let widened = QuantizedType(storage: wide, expressed: type.expressed, granularity: type.granularity, storageRange: type.range)
    let v = graph.addConstant(
      TensorData(converting: data.doubles(), to: wide, shape: data.shape), name: graph[w].name + ".i8",
      type: TensorType(.quantized(widened), graph[w].type.shape))
    return (v, widened)
  }
}
