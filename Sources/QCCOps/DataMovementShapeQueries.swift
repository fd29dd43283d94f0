import QCCIR

// Shape and Size: tensors describing another tensor's shape. On a statically
// shaped operand their values are known at compile time (constant folding
// turns them into constants); here they only get their types.

extension DataMovementOps {
  /// The [start, end) range of dims Shape reports for a tensor of `rank`,
  /// after numpy-style clamping of the `start` / `end` attributes.
  static func shapeRange(_ c: InferenceContext, rank: Int) throws(OpError) -> Range<Int> {
    func clamp(_ v: Int) -> Int { min(max(v < 0 ? v + rank : v, 0), rank) }
    let start = clamp(try c.attributes.int("start", default: 0))
    let end = clamp(try c.attributes.int("end", default: rank))
    return start..<max(start, end)
  }

  static let shape = OpDefinition(
    "Shape",
    inferTypes: { (c) throws(OpError) in
      guard let rank = try c.input(0).shape.rank else { return [TensorType(.i64, .ranked([.symbolic(nil)]))] }
      return [TensorType(.i64, [try shapeRange(c, rank: rank).count])]
    },
    evaluate: { (c) throws(OpError) in
      let x = try c.input(0)
      let range = try shapeRange(c.inference, rank: x.shape.count)
      return [TensorData(shape: [range.count], scalars: x.shape[range].map(Int64.init))]
    })

  static let size = OpDefinition(
    "Size",
    inferTypes: { (c) throws(OpError) in
      _ = try c.input(0)
      return [TensorType(.i64, [])]
    },
    evaluate: { (c) throws(OpError) in [TensorData(scalar: Int64(try c.input(0).elementCount))] })
}
