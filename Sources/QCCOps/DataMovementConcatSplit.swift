import QCCIR

// Concat and Split: joining tensors along an axis and cutting one apart.
// Each piece is one strided copy whose rows are contiguous on both sides.

extension DataMovementOps {
  // MARK: Concat

  static func concatType(_ c: InferenceContext) throws(OpError) -> TensorType {
    guard c.inputCount > 0 else { throw OpError("needs at least one input") }
    guard let axisValue = try c.attributes.int("axis") else { throw OpError("missing attribute 'axis'") }
    let first = try c.input(0)
    var dims: [Dim]? = nil
    var axis = 0
    var axisSizes: [Dim] = []
    for i in 0..<c.inputCount {
      let t = try c.input(i)
      guard t.elementType == first.elementType else {
        throw OpError("input \(i) is \(t.elementType), but input 0 is \(first.elementType)")
      }
      try requireMovable(t, "Concat")
      if t.element != first.element && (t.element.quantization != nil || first.element.quantization != nil) {
        throw OpError(
          "input \(i) is \(Printer.spell(t)), but input 0 is \(Printer.spell(first)): "
            + "concatenated quantized values must share one quantization")
      }
      guard let d = t.shape.dims else { axisSizes.append(.symbolic(nil)); continue }
      guard var merged = dims else {
        guard !d.isEmpty else { throw OpError("cannot concatenate scalars") }
        axis = try normalizeAxis(axisValue, rank: d.count)
        dims = d
        axisSizes.append(d[axis])
        continue
      }
      guard d.count == merged.count else {
        throw OpError("input \(i) has rank \(d.count), but the others have rank \(merged.count)")
      }
      for k in d.indices where k != axis {
        merged[k] = try DimMath.unify(merged[k], d[k], "input \(i) differs from the others in dimension \(k)")
      }
      dims = merged
      axisSizes.append(d[axis])
    }
    guard var out = dims else { return TensorType(first.element, .unranked) }
    let nonEmpty = axisSizes.filter { $0 != .fixed(0) }
    if axisSizes.allSatisfy({ $0.value != nil }) {
      guard let sum = checkedSum(axisSizes.map { $0.value! }) else { throw OpError("the concatenated size overflows") }
      out[axis] = .fixed(sum)
    } else {
      out[axis] = nonEmpty.count == 1 ? nonEmpty[0] : .symbolic(nil)
    }
    return TensorType(first.element, .ranked(out))
  }

  static let concat = OpDefinition(
    "Concat",
    inferTypes: { (c) throws(OpError) in [try concatType(c)] },
    evaluate: { (c) throws(OpError) in
      let type = try concatType(c.inference)
      let inputs = try (0..<c.inputs.count).map { (i) throws(OpError) in try c.input(i) }
      if inputs.count == 1 { return inputs }
      let shape = try type.requireStaticShape()
      let size = try elementSize(type.elementType, op: "Concat")
      let axis = try normalizeAxis(try c.attributes.int("axis", default: 0), rank: shape.count)
      let dstStrides = contiguousStrides(shape)
      // The inputs' slabs along the axis tile the whole result.
      let out = try makeTensor(type.elementType, shape, zeroed: false) { dst in
        var offset = 0
        for x in inputs {
          StridedCopy(shape: x.shape, srcStrides: contiguousStrides(x.shape), dstStrides: dstStrides, dstOffset: offset)
            .run(from: x.rawPointer, to: dst, elementSize: size)
          offset += x.shape[axis] * dstStrides[axis]
        }
      }
      return [out]
    })

  // MARK: Split

  /// The size of each of Split's results along the axis (nil where unknown),
  /// from the `split` operand, the `num_outputs` attribute, or equal parts.
  static func splitSizes(_ c: InferenceContext, axisSize: Dim) throws(OpError) -> [Int?] {
    let n = c.resultCount
    guard n > 0 else { throw OpError("needs at least one result") }
    let numOutputs = try c.attributes.int("num_outputs")
    if c.hasInput(1) {
      guard numOutputs == nil else { throw OpError("split and num_outputs cannot both be given") }
      try c.requireIntegerInput(1, what: "split")
      if let k = try c.vectorLength(1, what: "split"), k != n {
        throw OpError("split has \(k) sizes for \(n) results")
      }
      guard let sizes = try c.knownIntegers(1, what: "split") else { return [Int?](repeating: nil, count: n) }
      guard sizes.count == n else { throw OpError("split has \(sizes.count) sizes for \(n) results") }
      if let bad = sizes.first(where: { $0 < 0 }) { throw OpError("split \(sizes) has negative size \(bad)") }
      if let d = axisSize.value, checkedSum(sizes) != d {
        throw OpError("split \(sizes) does not sum to the axis size \(d)")
      }
      return sizes
    }
    if let numOutputs {
      guard numOutputs == n else { throw OpError("num_outputs is \(numOutputs), but the node has \(n) results") }
      guard let d = axisSize.value else { return [Int?](repeating: nil, count: n) }
      // Chunks of ceil(d / n); the last one takes what is left.
      let chunk = (d + n - 1) / n
      let last = d - chunk * (n - 1)
      guard last >= 0 else { throw OpError("an axis of size \(d) cannot be split into \(n) chunks of \(chunk)") }
      return [Int](repeating: chunk, count: n - 1) + [last]
    }
    guard let d = axisSize.value else { return [Int?](repeating: nil, count: n) }
    guard d % n == 0 else { throw OpError("an axis of size \(d) cannot be split into \(n) equal parts") }
    return [Int](repeating: d / n, count: n)
  }

  static func splitTypes(_ c: InferenceContext) throws(OpError) -> [TensorType] {
    let x = try c.input(0)
    try requireMovable(x, "Split")
    let axisValue = try c.attributes.int("axis", default: 0)
    guard let dims = x.shape.dims else {
      _ = try splitSizes(c, axisSize: .symbolic(nil))
      return [TensorType](repeating: TensorType(x.element, .unranked), count: c.resultCount)
    }
    guard !dims.isEmpty else { throw OpError("cannot split a scalar") }
    let axis = try normalizeAxis(axisValue, rank: dims.count)
    return try splitSizes(c, axisSize: dims[axis]).map { size in
      var d = dims
      d[axis] = size.map { .fixed($0) } ?? .symbolic(nil)
      return TensorType(x.element, .ranked(d))
    }
  }

  static let split = OpDefinition(
    "Split",
    inferTypes: { (c) throws(OpError) in try splitTypes(c) },
    evaluate: { (c) throws(OpError) in
      let x = try c.input(0)
      let types = try splitTypes(c.inference)
      _ = try elementSize(x.elementType, op: "Split")
      let axis = try normalizeAxis(try c.attributes.int("axis", default: 0), rank: x.shape.count)
      let srcStrides = contiguousStrides(x.shape)
      var offset = 0
      var results: [TensorData] = []
      for t in types {
        let shape = try t.requireStaticShape()
        if shape == x.shape {
          results.append(x)
          continue
        }
        results.append(x.denseCopy(shape: shape, strides: srcStrides, offset: offset))
        offset += shape[axis] * srcStrides[axis]
      }
      return results
    })
}
