import QCCIR
import QCCKernels

// GatherND: slices of the data picked by index tuples (the last indices dim),
// with `batch_dims` leading dims shared by data and indices. Every tuple is
// checked against the data's shape before the C gather sees it.

extension DataMovementOps {
  /// The result type of a GatherND node: indices.shape[:-1] + data.shape[batch_dims + m:].
  static func gatherNDType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let data = try c.input(0), indices = try c.input(1)
    try c.requireIntegerInput(1, what: "GatherND indices")
    let b = try c.attributes.int("batch_dims", default: 0)
    guard b >= 0 else { throw OpError("GatherND attribute 'batch_dims' must be non-negative, not \(b)") }
    if let r = data.shape.rank, b >= r {
      throw OpError("GatherND batch_dims \(b) must be less than the data's rank \(r)")
    }
    if let q = indices.shape.rank, b >= q {
      throw OpError("GatherND batch_dims \(b) must be less than the indices' rank \(q)")
    }
    guard let i = indices.shape.dims else { return TensorType(data.element, .unranked) }
    guard !i.isEmpty else { throw OpError("GatherND indices must have rank 1 or more") }
    guard let m = i[i.count - 1].value else {
      // The tuple length decides the rank of the result.
      return TensorType(data.element, .unranked)
    }
    guard let d = data.shape.dims else {
      return TensorType(data.element, .unranked)
    }
    guard m >= 1 && m <= d.count - b else {
      throw OpError("GatherND index tuples have \(m) elements, but the data has \(d.count - b) dims after batch_dims \(b)")
    }
    var batch: [Dim] = []
    for k in 0..<b {
      batch.append(try DimMath.unify(i[k], d[k], "GatherND indices and data differ in batch dimension \(k)"))
    }
    return TensorType(data.element, .ranked(batch + Array(i[b..<(i.count - 1)]) + Array(d[(b + m)...])))
  }

  static let gatherND = OpDefinition(
    "GatherND",
    inferTypes: { (c) throws(OpError) in [try gatherNDType(c)] },
    evaluate: { (c) throws(OpError) in
      let data = try c.input(0), indices = try c.input(1)
      let shape = try gatherNDType(c.inference).requireStaticShape("GatherND result")
      let size = try elementSize(data.elementType, op: "GatherND")
      let b = try c.attributes.int("batch_dims", default: 0)
      let m = indices.shape[indices.shape.count - 1]
      guard let raw = indices.integers() else {
        throw OpError("GatherND indices must be an integer tensor, not \(indices.elementType)")
      }
      let batches = data.shape[..<b].reduce(1, *)
      let tuples = indices.shape[b..<(indices.shape.count - 1)].reduce(1, *)
      let indexed = Array(data.shape[b..<(b + m)])
      let positions = indexed.reduce(1, *)
      let rowBytes = data.shape[(b + m)...].reduce(1, *) * size
      // Each tuple becomes one flat row index into data viewed as [batches, positions, row].
      let strides = contiguousStrides(indexed)
      var flat = [Int64](repeating: 0, count: batches * tuples)
      for t in 0..<(batches * tuples) {
        var offset = 0
        for k in 0..<m {
          let v = raw[t * m + k], n = Int64(indexed[k])
          let wrapped = v < 0 ? v &+ n : v
          guard wrapped >= 0 && wrapped < n else {
            throw OpError("GatherND index \(v) is out of range for data dimension \(b + k) of size \(n)")
          }
          offset += Int(wrapped) * strides[k]
        }
        flat[t] = Int64(offset)
      }
      let out = try makeTensor(data.elementType, shape, zeroed: false) { dst in
        guard rowBytes > 0 && tuples > 0 else { return }
        flat.withUnsafeBufferPointer { p in
          for bi in 0..<batches {
            qcc_gather(
              dst + bi * tuples * rowBytes, data.rawPointer + bi * positions * rowBytes, p.baseAddress! + bi * tuples,
              Int64(tuples), 1, Int64(positions), rowBytes)
          }
        }
      }
      return [out]
    })
}
