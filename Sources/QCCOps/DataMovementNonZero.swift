import QCCIR

// NonZero: the indices of the non-zero elements, as an i64 [rank, count]
// tensor in row-major order (a scalar counts as a 1-element vector, as in
// numpy). The count depends on the data, so inference leaves it unknown.

extension DataMovementOps {
  static func nonZeroType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let x = try c.input(0)
    try ElementTypes.require(x, in: ElementTypes.numeric.union([.bool]), "NonZero")
    guard let rank = x.shape.rank else { return TensorType(.i64, .ranked([.symbolic(nil), .symbolic(nil)])) }
    return TensorType(.i64, .ranked([.fixed(Swift.max(rank, 1)), .symbolic(nil)]))
  }

  static let nonZero = OpDefinition(
    "NonZero",
    inferTypes: { (c) throws(OpError) in [try nonZeroType(c)] },
    evaluate: { (c) throws(OpError) in
      _ = try nonZeroType(c.inference)
      let x = try c.input(0)
      let shape = x.shape.isEmpty ? [1] : x.shape
      let flags: [Bool] = x.elementType.isFloatingPoint ? x.doubles().map { $0 != 0 } : x.integers()!.map { $0 != 0 }
      let positions = flags.indices.filter { flags[$0] }
      let strides = contiguousStrides(shape)
      var out = [Int64](repeating: 0, count: shape.count * positions.count)
      for (j, p) in positions.enumerated() {
        for d in 0..<shape.count { out[d * positions.count + j] = Int64((p / strides[d]) % shape[d]) }
      }
      return [TensorData(shape: [shape.count, positions.count], scalars: out)]
    })
}
