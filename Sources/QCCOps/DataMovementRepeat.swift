import QCCIR

// Ops that repeat a tensor's elements: Expand (numpy broadcasting to a shape)
// and Tile (whole-tensor repetition). Both are one strided copy whose
// repeated dims read with stride 0.

extension DataMovementOps {
  // MARK: Expand

  static func expandType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let x = try c.input(0)
    try requireMovable(x, "Expand")
    try c.requireIntegerInput(1, what: "the shape operand")
    let length = try c.vectorLength(1, what: "the shape operand")
    guard let target = try c.knownIntegers(1, what: "the shape operand") else {
      guard let dims = x.shape.dims, let k = length else { return TensorType(x.element, .unranked) }
      // A fixed input size above 1 survives any broadcast; the rest is unknown.
      let rank = max(dims.count, k)
      let out = (0..<rank).map { i -> Dim in
        let j = i - (rank - dims.count)
        return j >= 0 && (dims[j].value ?? 1) > 1 ? dims[j] : .symbolic(nil)
      }
      return TensorType(x.element, .ranked(out))
    }
    if let bad = target.first(where: { $0 < 0 }) { throw OpError("shape \(target) has negative dimension \(bad)") }
    guard let dims = x.shape.dims else { return TensorType(x.element, .unranked) }
    return TensorType(x.element, .ranked(try Broadcast.shape(dims, target.map { .fixed($0) })))
  }

  static let expand = OpDefinition(
    "Expand",
    inferTypes: { (c) throws(OpError) in [try expandType(c)] },
    evaluate: { (c) throws(OpError) in
      let x = try c.input(0)
      let shape = try expandType(c.inference).requireStaticShape()
      if shape == x.shape { return [x] }
      try requireAllocatable(shape, x.elementType)
      _ = try elementSize(x.elementType, op: "Expand")
      return [x.broadcast(to: shape)]
    })

  // MARK: Tile

  static func tileType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let x = try c.input(0)
    try c.requireIntegerInput(1, what: "repeats")
    let length = try c.vectorLength(1, what: "repeats")
    guard let dims = x.shape.dims else {
      return TensorType(x.element, length.map { .ranked(DimMath.unknown($0)) } ?? .unranked)
    }
    if let length, length != dims.count {
      throw OpError("repeats has \(length) entries for a tensor of rank \(dims.count)")
    }
    guard let repeats = try c.knownIntegers(1, what: "repeats") else {
      return TensorType(x.element, .ranked(dims.map { $0 == .fixed(0) ? $0 : .symbolic(nil) }))
    }
    guard repeats.count == dims.count else {
      throw OpError("repeats has \(repeats.count) entries for a tensor of rank \(dims.count)")
    }
    if let bad = repeats.first(where: { $0 < 0 }) { throw OpError("repeats \(repeats) has negative entry \(bad)") }
    let out = try zip(dims, repeats).map { (d, r) throws(OpError) in try DimMath.scaled(d, by: r) }
    return TensorType(x.element, .ranked(out))
  }

  static let tile = OpDefinition(
    "Tile",
    inferTypes: { (c) throws(OpError) in [try tileType(c)] },
    evaluate: { (c) throws(OpError) in
      let x = try c.input(0)
      let shape = try tileType(c.inference).requireStaticShape()
      if shape == x.shape { return [x] }
      try requireAllocatable(shape, x.elementType)
      let size = try elementSize(x.elementType, op: "Tile")
      // Output dim i seen as [repeat, size]: the repeat reads with stride 0.
      let inStrides = contiguousStrides(x.shape), outStrides = contiguousStrides(shape)
      var box: [Int] = [], src: [Int] = [], dst: [Int] = []
      for i in x.shape.indices {
        box += [shape[i] / max(x.shape[i], 1), x.shape[i]]
        src += [0, inStrides[i]]
        dst += [x.shape[i] * outStrides[i], outStrides[i]]
      }
      let copy = StridedCopy(shape: box, srcStrides: src, dstStrides: dst)
      // The boxes of all repeats tile the whole result.
      let out = try makeTensor(x.elementType, shape, zeroed: false) { dst in
        copy.run(from: x.rawPointer, to: dst, elementSize: size)
      }
      return [out]
    })
}
