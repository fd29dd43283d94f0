import QCCIR
import QCCKernels

// GroupNormalization: statistics over each group of C / num_groups channels
// (and all spatial positions) of each image, then a per-channel affine map.
// Opset 21 takes scale and bias per channel ([C]); opset 18 took them per
// group ([num_groups]). The importer does not say which version a node is,
// so the operands' length does: C means per channel, num_groups (when it is
// not C) per group, and the two readings agree when num_groups == C.
// Moments run `qcc_f32_row_moments` (double accumulation), the map
// `qcc_f32_row_affine`; f64, f16 and bf16 run through f32.

extension LinearAlgebraOps {
  static let groupNormTypes: Set<ElementType> = [.f64, .f32, .f16, .bf16]

  /// The result type and group count of a GroupNormalization node.
  static func groupNormType(_ c: InferenceContext) throws(OpError) -> (type: TensorType, groups: Int) {
    let op = "GroupNormalization"
    let x = try c.input(0)
    try ElementTypes.require(x, in: groupNormTypes, op)
    try requireSameElement(c, [1, 2], as: x, op)
    let groups = try c.attributes.int("num_groups") ?? -1
    guard groups >= 1 else { throw OpError("\(op) needs a positive attribute 'num_groups'") }
    let stash = try c.attributes.int("stash_type", default: 1)
    guard stash == 1 else { throw OpError("\(op) supports stash_type 1 (float), not \(stash)") }
    var channels: Int?
    if let d = x.shape.dims {
      guard d.count >= 2 else { throw OpError("\(op) input must have rank 2 or more, not \(d.count)") }
      channels = d[1].value
      if let ch = channels, ch % groups != 0 {
        throw OpError("\(op) channels \(ch) are not divisible by num_groups \(groups)")
      }
    }
    for i in [1, 2] {
      let t = try c.input(i)
      guard let d = t.shape.dims else { continue }
      guard d.count == 1 else { throw OpError("\(op) input \(i) must have rank 1, not \(d.count)") }
      if let n = d[0].value, let ch = channels, n != ch && n != groups {
        throw OpError("\(op) input \(i) has \(n) elements, expected \(ch) channels (or \(groups) groups)")
      }
    }
    return (x, groups)
  }

  static let groupNormalization = OpDefinition(
    "GroupNormalization",
    inferTypes: { (c) throws(OpError) in [try groupNormType(c).type] },
    evaluate: { (c) throws(OpError) in
      let groups = try groupNormType(c.inference).groups
      let xd = try c.input(0), xf = toF32(xd)
      let shape = xd.shape
      let n = shape[0], channels = shape[1], spatial = product(shape.dropFirst(2))
      let perGroup = channels / groups
      let scale = try c.input(1).doubles(), bias = try c.input(2).doubles()
      guard scale.count == bias.count else {
        throw OpError("GroupNormalization scale has \(scale.count) elements, but bias has \(bias.count)")
      }
      let perChannel = scale.count == channels
      let epsilon = Double(try c.attributes.float("epsilon", default: 1e-5))
      var mean = [Double](repeating: 0, count: n * groups), variance = mean
      mean.withUnsafeMutableBufferPointer { m in
        variance.withUnsafeMutableBufferPointer { v in
          qcc_f32_row_moments(
            xf.f32Pointer, Int64(n * groups), Int64(perGroup * spatial), m.baseAddress, v.baseAddress)
        }
      }
      var a = [Float](repeating: 0, count: n * channels), b = a
      for i in 0..<n {
        for ch in 0..<channels {
          let g = i * groups + ch / perGroup
          let p = perChannel ? ch : ch / perGroup
          let invStd = 1 / (variance[g] + epsilon).squareRoot()
          a[i * channels + ch] = Float(scale[p] * invStd)
          b[i * channels + ch] = Float(bias[p] - mean[g] * scale[p] * invStd)
        }
      }
      let y = TensorData.f32(uninitialized: shape) { out in
        qcc_f32_row_affine(
          xf.f32Pointer, out.address, Int64(n * channels), Int64(spatial), a, b, Int64(n * channels))
      }
      return [fromF32(y, to: xd.elementType)]
    })
}
