import QCCIR
import QCCOps
import QCCPass

/// Rewrites operands of quantizable ops into QDQ form for `assign`: picks
/// each operand's quantized type and reads it through `qcc.dequantize` of a
/// `qcc.quantize`. One quantize/dequantize pair per (value, type) is shared
/// by every consumer.
struct QDQRewriter {
  var graph: Graph
  let weights: QuantizationScheme
  let activations: QuantizationScheme
  let ranges: CalibrationStatistics
  var quantizedOps = 0
  var kept = 0
  var warnings: [String] = []
  /// The ops whose weights could not be grouped (so went per channel), for one summary warning.
  var perChannelFallbacks: [String] = []
  /// Dequantized views made so far, by value and quantized type.
  private var views: [ValueID: [(type: QuantizedType, view: ValueID)]] = [:]

  init(graph: Graph, weights: QuantizationScheme, activations: QuantizationScheme, ranges: CalibrationStatistics) {
    self.graph = graph
    self.weights = weights
    self.activations = activations
    self.ranges = ranges
  }

  /// The role of one operand of a quantizable op.
  enum Role {
    /// A run-time value, quantized per tensor from its calibrated range.
    case activation
    /// A constant, quantized from its own values. `channelAxis` holds the
    /// output channels, `reductionAxis` the summed dimension groups run along.
    case weight(channelAxis: Int, reductionAxis: Int?)
  }

  mutating func quantizeOperands(of id: NodeID) throws(PassError) {
    let node = graph[id]
    var roles: [(index: Int, role: Role)] = []
    switch node.op {
    case "MatMul":
      for i in 0..<2 {
        guard let v = node.inputs[i] else { return }
        if graph.isConstant(v), let rank = graph[v].type.shape.rank, rank >= 2, i == 1 {
          roles.append((i, .weight(channelAxis: rank - 1, reductionAxis: rank - 2)))
        } else if graph.isConstant(v) {
          warnings.append("assign: \(graph.describe(id)) keeps operand \(i) in float: a constant left operand (or a 1-D weight) has no output-channel axis")
          kept += 1
          return
        } else {
          roles.append((i, .activation))
        }
      }
    case "Conv":
      guard let x = node.inputs[0], let w = node.inputs.count > 1 ? node.inputs[1] : nil else { return }
      guard graph.isConstant(w) else {
        warnings.append("assign: \(graph.describe(id)) stays in float: its weights are not a constant")
        kept += 1
        return
      }
      _ = x
      roles = [(0, .activation), (1, .weight(channelAxis: 0, reductionAxis: nil))]
    default:
      return
    }
    // Operands that are already dequantized views were quantized before: assign is idempotent.
    roles.removeAll { graph.producer(of: node.inputs[$0.index]!).map { graph[$0].op == "qcc.dequantize" } ?? false }
    if roles.isEmpty { return }
    for (i, role) in roles {
      let v = node.inputs[i]!
      // Mask fill values (sentinels) would saturate and stop masking: such values stay float.
      if case .activation = role, ranges.statistics(of: graph[v].name)?.hasSentinels == true {
        warnings.append("assign: \(graph.describe(id)) stays in float: operand \(i) %\(graph[v].name) holds mask sentinels (|x| ≥ the calibration threshold)")
        kept += 1
        return
      }
      guard graph[v].type.elementType == .f32 else {
        warnings.append("assign: \(graph.describe(id)) stays in float: operand \(i) is \(graph[v].type.elementType), not f32")
        kept += 1
        return
      }
    }
    for (i, role) in roles {
      let v = node.inputs[i]!
      let type: QuantizedType
      switch role {
      case .activation: type = try activationType(v, for: id)
      case .weight(let channelAxis, let reductionAxis):
        type = weightType(v, channelAxis: channelAxis, reductionAxis: reductionAxis, for: id)
      }
      graph.setOperand(of: id, at: i, to: view(of: v, as: type, before: id))
    }
    quantizedOps += 1
  }

  /// `v` read through quantize → dequantize with `type`, made once per (value, type).
  mutating func view(of v: ValueID, as type: QuantizedType, before consumer: NodeID) -> ValueID {
    if let existing = views[v]?.first(where: { $0.type == type }) { return existing.view }
    let shape = graph[v].type.shape
    let base = graph[v].name
    let q = graph.addNode(
      op: "qcc.quantize", inputs: [v], resultTypes: [TensorType(.quantized(type), shape)], resultNames: [base + ".q"],
      before: consumer)
    let dq = graph.addNode(
      op: "qcc.dequantize", inputs: [graph[q].results[0]], resultTypes: [TensorType(.f32, shape)],
      resultNames: [base + ".dq"], before: consumer)
    let view = graph[dq].results[0]
    views[v, default: []].append((type, view))
    return view
  }

  /// The per-tensor type of an activation, from its calibrated range.
  func activationType(_ v: ValueID, for consumer: NodeID) throws(PassError) -> QuantizedType {
    let name = graph[v].name
    guard let range = ranges.range(of: name) else {
      throw PassError(
        "assign: \(graph.describe(consumer)) reads %\(name), which calibration recorded no range for; run calibrate on this module (after the passes that changed it)")
    }
    return activations.activationType(lo: range.lowerBound, hi: range.upperBound, expressed: .f32)
  }

  /// The type of a constant weight: per tensor, per output channel, or per
  /// group along the reduction axis (when that axis divides into groups;
  /// otherwise per channel, with a warning).
  mutating func weightType(_ v: ValueID, channelAxis: Int, reductionAxis: Int?, for consumer: NodeID) -> QuantizedType {
    let data = graph.constantData(v)!
    let shape = data.shape
    var granularity = weights.granularity
    if granularity == .group {
      if let k = reductionAxis, shape[k] % weights.groupSize == 0 {
        // Groups fit.
      } else {
        perChannelFallbacks.append(
          "\(graph.describe(consumer))" + (reductionAxis.map { " (\(shape[$0]) elements)" } ?? " (a conv)"))
        granularity = .channel
      }
    }
    let values = data.doubles()
    // The parameter layout: the weight's shape with the channel axis kept
    // (per channel) and the reduction axis divided by the group size (per group).
    var parameterShape: [Int]
    var parameterIndex: (Int) -> Int
    let strides = contiguousStrides(shape).map { Int($0) }
    switch granularity {
    case .tensor:
      parameterShape = []
      parameterIndex = { _ in 0 }
    case .channel:
      parameterShape = [shape[channelAxis]]
      parameterIndex = { i in (i / strides[channelAxis]) % shape[channelAxis] }
    case .group:
      let k = reductionAxis!
      parameterShape = shape
      parameterShape[k] = shape[k] / weights.groupSize
      let parameterStrides = contiguousStrides(parameterShape).map { Int($0) }
      let groupSize = weights.groupSize
      parameterIndex = { i in
        var p = 0
        for d in 0..<shape.count {
          var index = (i / strides[d]) % shape[d]
          if d == k { index /= groupSize }
          p += index * parameterStrides[d]
        }
        return p
      }
    }
    let count = max(1, parameterShape.reduce(1, *))
    var lo = [Float](repeating: 0, count: count), hi = [Float](repeating: 0, count: count)
    for (i, x) in values.enumerated() where x.isFinite {
      let p = parameterIndex(i)
      lo[p] = min(lo[p], Float(x))
      hi[p] = max(hi[p], Float(x))
    }
    var scales: [Float] = [], zeroPoints: [Int32] = []
    for p in 0..<count {
      let (s, z) = weights.parameters(lo: lo[p], hi: hi[p])
      scales.append(s)
      zeroPoints.append(Int32(z))
    }
    let packed = weights.storage(packed: true)
    let storageRange = weights.narrowedRange(packed: true)
    if granularity == .tensor {
      return QuantizedType(
        storage: packed, expressed: .f32, granularity: .perTensor(scale: scales[0], zeroPoint: Int(zeroPoints[0])),
        storageRange: storageRange)
    }
    let base = graph[v].name
    let scaleName = uniqueParameterName(base + ".scale"), zeroName = uniqueParameterName(base + ".zp")
    graph.parameters[scaleName] = .dense(TensorData(shape: parameterShape, scalars: scales))
    graph.parameters[zeroName] = .dense(TensorData(shape: parameterShape, scalars: zeroPoints))
    let typeGranularity: QuantizedType.Granularity =
      granularity == .channel
      ? .perAxis(axis: channelAxis, scales: scaleName, zeroPoints: zeroName)
      : .perGroup(axis: reductionAxis!, groupSize: weights.groupSize, scales: scaleName, zeroPoints: zeroName)
    return QuantizedType(storage: packed, expressed: .f32, granularity: typeGranularity, storageRange: storageRange)
  }

  func uniqueParameterName(_ base: String) -> String {
    let clean = Graph.sanitize(base)
    if graph.parameters[clean] == nil { return clean }
    var n = 1
    while graph.parameters["\(clean).\(n)"] != nil { n += 1 }
    return "\(clean).\(n)"
  }
}
