import QCCIR
import QCCKernels

#if canImport(Glibc)
import Glibc
#endif

// LayerNormalization, RMSNormalization (opset 23), BatchNormalization
// (inference and training mode) and InstanceNormalization. Statistics
// accumulate in double in the C kernels; f16 and bf16 run through f32.

extension LinearAlgebraOps {
  static let normTypes: Set<ElementType> = [.f32, .f16, .bf16]

  // MARK: - LayerNormalization and RMSNormalization

  /// The normalised axis, and the statistics' type and dims, of a LayerNormalization or RMSNormalization node.
  static func lastAxesNormType(
    _ c: InferenceContext, _ op: String, scaleInputs: [Int]
  ) throws(OpError) -> (axis: Int?, stats: TensorType) {
    let x = try c.input(0)
    try ElementTypes.require(x, in: normTypes, op)
    try requireSameElement(c, scaleInputs, as: x, op)
    let stash = try c.attributes.int("stash_type", default: 1)
    guard stash == 1 else { throw OpError("\(op) supports stash_type 1 (float), not \(stash)") }
    guard let d = x.shape.dims else { return (nil, TensorType(.f32, .unranked)) }
    let axis = try normalizeAxis(try c.attributes.int("axis", default: -1), rank: d.count)
    let normalized = Array(d[axis...])
    for i in scaleInputs {
      guard let s = c.optionalInput(i), let sd = s.shape.dims else { continue }
      guard Broadcast.isUnidirectional(sd, to: normalized) else {
        throw OpError(
          "\(op) input \(i) \(DimMath.describe(sd)) does not broadcast to the normalized shape \(DimMath.describe(normalized))")
      }
    }
    return (axis, TensorType(.f32, .ranked(Array(d[..<axis]) + [Dim](repeating: .fixed(1), count: d.count - axis))))
  }

  static let layerNormalization = OpDefinition(
    "LayerNormalization",
    inferTypes: { (c) throws(OpError) in
      guard c.resultCount <= 3 else { throw OpError("LayerNormalization has 1 to 3 results, not \(c.resultCount)") }
      let stats = try lastAxesNormType(c, "LayerNormalization", scaleInputs: [1, 2]).stats
      return [try c.input(0)] + [TensorType](repeating: stats, count: max(1, c.resultCount) - 1)
    },
    evaluate: { (c) throws(OpError) in
      let (axisOrNil, stats) = try lastAxesNormType(c.inference, "LayerNormalization", scaleInputs: [1, 2])
      let x = try c.input(0), axis = axisOrNil!
      let normalized = Array(x.shape[axis...])
      let rows = product(x.shape[..<axis]), n = product(normalized)
      let xf = toF32(x), scale = toF32(try c.input(1).broadcast(to: normalized))
      let bias = c.optionalInput(2).map { toF32($0.broadcast(to: normalized)) }
      let statsShape = stats.shape.staticSizes!
      let epsilon = try c.attributes.float("epsilon", default: 1e-5)
      var mean = [Float](repeating: 0, count: rows), invStd = [Float](repeating: 0, count: rows)
      let y = TensorData.f32(uninitialized: x.shape) { out in
        mean.withUnsafeMutableBufferPointer { m in
          invStd.withUnsafeMutableBufferPointer { s in
            qcc_f32_layernorm(
              xf.f32Pointer, scale.f32Pointer, bias?.f32Pointer, out.address, m.baseAddress, s.baseAddress,
              Int64(rows), Int64(n), epsilon)
          }
        }
      }
      let all = [fromF32(y, to: x.elementType), TensorData(shape: statsShape, scalars: mean),
                 TensorData(shape: statsShape, scalars: invStd)]
      return Array(all.prefix(max(1, c.node.results.count)))
    })

  /// RMSNormalization (opset 23): Y = X / sqrt(mean(X² over axes axis…) + epsilon) * scale.
  static let rmsNormalization = OpDefinition(
    "RMSNormalization",
    inferTypes: { (c) throws(OpError) in
      guard c.resultCount <= 1 else { throw OpError("RMSNormalization has 1 result, not \(c.resultCount)") }
      _ = try c.input(1)
      _ = try lastAxesNormType(c, "RMSNormalization", scaleInputs: [1])
      return [try c.input(0)]
    },
    evaluate: { (c) throws(OpError) in
      let x = try c.input(0)
      let axis = try lastAxesNormType(c.inference, "RMSNormalization", scaleInputs: [1]).axis!
      let normalized = Array(x.shape[axis...])
      let rows = product(x.shape[..<axis]), n = product(normalized)
      let xf = toF32(x), scale = toF32(try c.input(1).broadcast(to: normalized))
      let epsilon = try c.attributes.float("epsilon", default: 1e-5)
      let y = TensorData.f32(uninitialized: x.shape) { out in
        qcc_f32_rmsnorm(xf.f32Pointer, scale.f32Pointer, out.address, Int64(rows), Int64(n), epsilon)
      }
      return [fromF32(y, to: x.elementType)]
    })

  // MARK: - BatchNormalization and InstanceNormalization

  /// Checks X [N, C, …] and the per-channel operands `channelInputs` ([C] each); returns X's type.
  static func channelNormType(_ c: InferenceContext, _ op: String, channelInputs: [Int]) throws(OpError) -> TensorType {
    let x = try c.input(0)
    try ElementTypes.require(x, in: normTypes, op)
    var channels: Dim = .symbolic(nil)
    if let d = x.shape.dims {
      guard d.count >= 2 else { throw OpError("\(op) input must have rank 2 or more, not \(d.count)") }
      channels = d[1]
    }
    for i in channelInputs {
      let t = try c.input(i)
      try ElementTypes.require(t, in: normTypes, op, operand: i)
      guard let d = t.shape.dims else { continue }
      guard d.count == 1 else { throw OpError("\(op) input \(i) must have rank 1, not \(d.count)") }
      if case .fixed(let a) = d[0], case .fixed(let b) = channels, a != b {
        throw OpError("\(op) input \(i) has \(a) elements, expected \(b) channels")
      }
    }
    return x
  }

  /// True when a BatchNormalization node normalises with the batch's own statistics.
  static func batchNormTraining(_ a: AttributeReader) throws(OpError) -> Bool {
    if try a.int("spatial", default: 1) == 0 {
      throw OpError("BatchNormalization with spatial=0 (per-activation statistics) is not supported")
    }
    // Before opset 7, is_test=0 (the default then) meant training; the importer keeps the attribute as written.
    if let isTest = try a.int("is_test") { return isTest == 0 }
    return try a.int("training_mode", default: 0) != 0
  }

  static let batchNormalization = OpDefinition(
    "BatchNormalization",
    inferTypes: { (c) throws(OpError) in
      let x = try channelNormType(c, "BatchNormalization", channelInputs: [1, 2, 3, 4])
      guard c.resultCount <= 3 else {
        throw OpError("BatchNormalization has 1 to 3 results, not \(c.resultCount)")
      }
      if c.resultCount > 1, !(try batchNormTraining(c.attributes)) {
        throw OpError("BatchNormalization has running-statistics results only in training mode")
      }
      return [x] + [TensorType](repeating: try c.input(3), count: max(1, c.resultCount) - 1)
    },
    evaluate: { (c) throws(OpError) in
      let x = try channelNormType(c.inference, "BatchNormalization", channelInputs: [1, 2, 3, 4])
      let training = try batchNormTraining(c.attributes)
      let epsilon = Double(try c.attributes.float("epsilon", default: 1e-5))
      let momentum = Double(try c.attributes.float("momentum", default: 0.9))
      let xd = try c.input(0), xf = toF32(xd)
      let shape = x.shape.staticSizes!
      let n = shape[0], channels = shape[1], spatial = product(shape.dropFirst(2))
      let scale = try c.input(1).doubles(), bias = try c.input(2).doubles()
      var mean = try c.input(3).doubles(), variance = try c.input(4).doubles()
      let runningMean = mean, runningVariance = variance
      if training {
        (mean, variance) = channelMoments(xf, n: n, channels: channels, spatial: spatial)
      }
      var a = [Float](repeating: 0, count: channels), b = a
      for ch in 0..<channels {
        let s = scale[ch] / (variance[ch] + epsilon).squareRoot()
        a[ch] = Float(s)
        b[ch] = Float(bias[ch] - mean[ch] * s)
      }
      let y = TensorData.f32(uninitialized: shape) { out in
        qcc_f32_row_affine(xf.f32Pointer, out.address, Int64(n * channels), Int64(spatial), a, b, Int64(channels))
      }
      var results = [fromF32(y, to: xd.elementType)]
      let statsType = try c.input(3).elementType
      if c.inference.resultCount > 1 {
        let m = zip(runningMean, mean).map { $0 * momentum + $1 * (1 - momentum) }
        results.append(TensorData(converting: m, to: statsType, shape: [channels]))
      }
      if c.inference.resultCount > 2 {
        let v = zip(runningVariance, variance).map { $0 * momentum + $1 * (1 - momentum) }
        results.append(TensorData(converting: v, to: statsType, shape: [channels]))
      }
      return results
    })

  /// Per-channel mean and biased variance of [N, C, spatial] data, combined from per-plane moments.
  static func channelMoments(_ x: TensorData, n: Int, channels: Int, spatial: Int) -> ([Double], [Double]) {
    var pm = [Double](repeating: 0, count: n * channels), pv = pm
    pm.withUnsafeMutableBufferPointer { m in
      pv.withUnsafeMutableBufferPointer { v in
        qcc_f32_row_moments(x.f32Pointer, Int64(n * channels), Int64(spatial), m.baseAddress, v.baseAddress)
      }
    }
    var mean = [Double](repeating: 0, count: channels), variance = mean
    for ch in 0..<channels {
      var m = 0.0
      for i in 0..<n { m += pm[i * channels + ch] }
      m /= Double(n)
      var v = 0.0
      for i in 0..<n {
        let d = pm[i * channels + ch] - m
        v += pv[i * channels + ch] + d * d
      }
      mean[ch] = m
      variance[ch] = v / Double(n)
    }
    return (mean, variance)
  }

  static let instanceNormalization = OpDefinition(
    "InstanceNormalization",
    inferTypes: { (c) throws(OpError) in [try channelNormType(c, "InstanceNormalization", channelInputs: [1, 2])] },
    evaluate: { (c) throws(OpError) in
      let x = try channelNormType(c.inference, "InstanceNormalization", channelInputs: [1, 2])
      let epsilon = Double(try c.attributes.float("epsilon", default: 1e-5))
      let xd = try c.input(0), xf = toF32(xd)
      let shape = x.shape.staticSizes!
      let channels = shape[1], planes = shape[0] * channels, spatial = product(shape.dropFirst(2))
      let scale = try c.input(1).doubles(), bias = try c.input(2).doubles()
      var pm = [Double](repeating: 0, count: planes), pv = pm
      pm.withUnsafeMutableBufferPointer { m in
        pv.withUnsafeMutableBufferPointer { v in
          qcc_f32_row_moments(xf.f32Pointer, Int64(planes), Int64(spatial), m.baseAddress, v.baseAddress)
        }
      }
      var a = [Float](repeating: 0, count: planes), b = a
      for p in 0..<planes {
        let s = scale[p % channels] / (pv[p] + epsilon).squareRoot()
        a[p] = Float(s)
        b[p] = Float(bias[p % channels] - pm[p] * s)
      }
      let y = TensorData.f32(uninitialized: shape) { out in
        qcc_f32_row_affine(xf.f32Pointer, out.address, Int64(planes), Int64(spatial), a, b, Int64(planes))
      }
      return [fromF32(y, to: xd.elementType)]
    })
}
