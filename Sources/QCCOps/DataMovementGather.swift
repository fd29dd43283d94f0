import QCCIR
import QCCKernels

// Gather and GatherElements: indexed reads. Indices are user data, so every
// one is checked against its axis before the C kernel sees it.

extension DataMovementOps {
  /// `indices` with negative values wrapped, or an error naming the first
  /// index outside [-size, size).
  static func checkedIndices(_ indices: TensorData, axis: Int, size: Int) throws(OpError) -> [Int64] {
    guard var values = indices.integers() else {
      throw OpError("indices must be an integer tensor, not \(indices.elementType)")
    }
    let n = Int64(size)
    for i in values.indices {
      let v = values[i]
      let wrapped = v < 0 ? v &+ n : v
      guard wrapped >= 0 && wrapped < n else {
        throw OpError("index \(v) is out of range for axis \(axis) of size \(size)")
      }
      values[i] = wrapped
    }
    return values
  }

  // MARK: Gather

  static func gatherType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let data = try c.input(0), indices = try c.input(1)
    try requireMovable(data, "Gather")
    try c.requireIntegerInput(1, what: "indices")
    let axisValue = try c.attributes.int("axis", default: 0)
    guard let d = data.shape.dims, let i = indices.shape.dims else { return TensorType(data.element, .unranked) }
    guard !d.isEmpty else { throw OpError("cannot gather from a scalar") }
    let axis = try normalizeAxis(axisValue, rank: d.count)
    return TensorType(data.element, .ranked(Array(d[..<axis]) + i + Array(d[(axis + 1)...])))
  }

  static let gather = OpDefinition(
    "Gather",
    inferTypes: { (c) throws(OpError) in [try gatherType(c)] },
    evaluate: { (c) throws(OpError) in
      let data = try c.input(0), indices = try c.input(1)
      let type = try gatherType(c.inference)
      let shape = try type.requireStaticShape()
      let size = try elementSize(data.elementType, op: "Gather")
      let axis = try normalizeAxis(try c.attributes.int("axis", default: 0), rank: data.shape.count)
      let index = try checkedIndices(indices, axis: axis, size: data.shape[axis])
      let outer = data.shape[..<axis].reduce(1, *)
      let rowBytes = data.shape[(axis + 1)...].reduce(1, *) * size
      // Every [outer, index] row of the result is gathered (rows of 0 bytes mean an empty result).
      let out = try makeTensor(data.elementType, shape, zeroed: false) { dst in
        guard rowBytes > 0 else { return }
        index.withUnsafeBufferPointer { p in
          qcc_gather(
            dst, data.rawPointer, p.baseAddress, Int64(index.count), Int64(outer), Int64(data.shape[axis]), rowBytes)
        }
      }
      return [out]
    })

  // MARK: GatherElements

  static func gatherElementsType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let data = try c.input(0), indices = try c.input(1)
    try c.requireIntegerInput(1, what: "indices")
    let axisValue = try c.attributes.int("axis", default: 0)
    guard let d = data.shape.dims, let i = indices.shape.dims else {
      // The result has the indices' shape, and the data's rank.
      let rank = indices.shape.rank ?? data.shape.rank
      let shape: Shape = indices.shape.dims.map { .ranked($0) } ?? rank.map { .ranked(DimMath.unknown($0)) } ?? .unranked
      return TensorType(data.element, shape)
    }
    guard !d.isEmpty else { throw OpError("cannot gather from a scalar") }
    guard d.count == i.count else { throw OpError("indices have rank \(i.count), but data has rank \(d.count)") }
    let axis = try normalizeAxis(axisValue, rank: d.count)
    for k in d.indices where k != axis {
      if let m = i[k].value, let n = d[k].value, m > n {
        throw OpError("indices dimension \(k) is \(m), larger than the data's \(n)")
      }
    }
    return TensorType(data.element, .ranked(i))
  }

  static let gatherElements = OpDefinition(
    "GatherElements",
    inferTypes: { (c) throws(OpError) in [try gatherElementsType(c)] },
    evaluate: { (c) throws(OpError) in
      let data = try c.input(0), indices = try c.input(1)
      let shape = try gatherElementsType(c.inference).requireStaticShape()
      let size = try elementSize(data.elementType, op: "GatherElements")
      let axis = try normalizeAxis(try c.attributes.int("axis", default: 0), rank: data.shape.count)
      try requireKernelRank(shape.count)
      let index = try checkedIndices(indices, axis: axis, size: data.shape[axis])
      let strides = contiguousStrides(data.shape).map(Int64.init)
      let out = try makeTensor(data.elementType, shape, zeroed: false) { dst in
        qcc_gather_elements(
          dst, data.rawPointer, strides, index, shape.map(Int64.init), Int32(shape.count), Int32(axis), size)
      }
      return [out]
    })
}
