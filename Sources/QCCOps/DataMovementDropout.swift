import QCCIR

// Dropout. In inference (the default, and every opset before 12) it is the
// identity and its optional mask is all true. With training_mode true it
// zeroes elements with probability `ratio` and scales the rest by
// 1 / (1 - ratio), drawing the mask from numpy's generator seeded with the
// `seed` attribute (0 when absent) so that runs are reproducible and match
// the ONNX reference.

extension DataMovementOps {
  static func dropoutTypes(_ c: InferenceContext) throws(OpError) -> [TensorType] {
    let x = try c.input(0)
    guard x.elementType.isFloatingPoint else { throw OpError("data must be floating-point, not \(x.elementType)") }
    if let r = c.optionalInput(1), !r.elementType.isFloatingPoint {
      throw OpError("ratio must be floating-point, not \(r.elementType)")
    }
    if let t = c.optionalInput(2), t.elementType != .bool {
      throw OpError("training_mode must be bool, not \(t.elementType)")
    }
    guard c.resultCount <= 2 else { throw OpError("has \(c.resultCount) results; Dropout has at most 2") }
    return Array([x, TensorType(.bool, x.shape)].prefix(max(c.resultCount, 1)))
  }

  static let dropout = OpDefinition(
    "Dropout",
    inferTypes: { (c) throws(OpError) in try dropoutTypes(c) },
    evaluate: { (c) throws(OpError) in
      let x = try c.input(0)
      let types = try dropoutTypes(c.inference)
      let training = c.optionalInput(2).map { $0.elementCount > 0 && $0.integers()![0] != 0 } ?? false
      let ratio = c.optionalInput(1).flatMap { $0.doubles().first } ?? 0.5
      guard training && ratio != 0 else {
        let mask = TensorData(shape: x.shape, scalars: [Bool](repeating: true, count: x.elementCount))
        return Array([x, mask].prefix(types.count))
      }
      guard ratio > 0 && ratio < 1 else { throw OpError("ratio \(ratio) must be in [0, 1)") }
      let seed = try c.attributes.int("seed", default: 0)
      var random = MersenneTwister(seed: UInt32(truncatingIfNeeded: seed))
      let keep = (0..<x.elementCount).map { _ in random.nextDouble() >= ratio }
      let scale = 1 / (1 - ratio)
      let y: TensorData
      if x.elementType == .f32 {
        let s = Float(scale)
        let v = x.scalars(as: Float.self)
        y = TensorData(shape: x.shape, scalars: (0..<v.count).map { keep[$0] ? v[$0] * s : 0 })
      } else {
        let v = x.doubles()
        y = TensorData(converting: (0..<v.count).map { keep[$0] ? v[$0] * scale : 0 }, to: x.elementType, shape: x.shape)
      }
      return Array([y, TensorData(shape: x.shape, scalars: keep)].prefix(types.count))
    })
}
