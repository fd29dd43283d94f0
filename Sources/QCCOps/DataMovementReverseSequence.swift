import QCCIR

// ReverseSequence: reverses the first `sequence_lens[b]` steps along the time
// axis of every batch entry b.

extension DataMovementOps {
  /// The (time, batch) axes, which must be 0 and 1 in some order.
  static func sequenceAxes(_ c: InferenceContext) throws(OpError) -> (time: Int, batch: Int) {
    let time = try c.attributes.int("time_axis", default: 0), batch = try c.attributes.int("batch_axis", default: 1)
    guard (time == 0 && batch == 1) || (time == 1 && batch == 0) else {
      throw OpError("time_axis \(time) and batch_axis \(batch) must be 0 and 1")
    }
    return (time, batch)
  }

  static func reverseSequenceType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let x = try c.input(0), lens = try c.input(1)
    try c.requireIntegerInput(1, what: "sequence_lens")
    let (_, batch) = try sequenceAxes(c)
    if let dims = x.shape.dims {
      guard dims.count >= 2 else { throw OpError("input must have rank 2 or more, not \(Printer.spell(x))") }
      if let n = try c.vectorLength(1, what: "sequence_lens"), let b = dims[batch].value, n != b {
        throw OpError("sequence_lens has \(n) entries for a batch of \(b)")
      }
    }
    _ = lens
    return x
  }

  static let reverseSequence = OpDefinition(
    "ReverseSequence",
    inferTypes: { (c) throws(OpError) in [try reverseSequenceType(c)] },
    evaluate: { (c) throws(OpError) in
      let x = try c.input(0)
      _ = try reverseSequenceType(c.inference)
      let (time, batch) = try sequenceAxes(c.inference)
      let size = try elementSize(x.elementType, op: "ReverseSequence")
      let lens = try c.integers(1)
      let steps = x.shape[time]
      for (b, n) in lens.enumerated() where n < 0 || n > steps {
        throw OpError("sequence length \(n) of batch entry \(b) is out of range for \(steps) time steps")
      }
      let strides = contiguousStrides(x.shape)
      // A copy of the whole input, then each sequence's prefix reversed.
      let out = try makeTensor(x.elementType, x.shape, zeroed: false) { dst in
        dst.copyMemory(from: x.rawPointer, byteCount: x.byteCount)
        for (b, n) in lens.enumerated() where n > 1 {
          var shape = x.shape
          shape[batch] = 1
          shape[time] = n
          var src = strides
          src[time] = -strides[time]
          StridedCopy(
            shape: shape, srcStrides: src, dstStrides: strides, srcOffset: b * strides[batch] + (n - 1) * strides[time],
            dstOffset: b * strides[batch]
          ).run(from: x.rawPointer, to: dst, elementSize: size)
        }
      }
      return [out]
    })
}
