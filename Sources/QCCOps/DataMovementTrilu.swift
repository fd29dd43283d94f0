import QCCIR
import QCCKernels

// Trilu: keeps the upper or lower triangle of the innermost matrices and
// zeroes the rest, through `qcc_trilu` (the kernel compiled programs run).

extension DataMovementOps {
  static func triluType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let x = try c.input(0)
    if let rank = x.shape.rank, rank < 2 { throw OpError("input must have rank 2 or more, not \(Printer.spell(x))") }
    if c.hasInput(1) {
      try c.requireIntegerInput(1, what: "k")
      if let n = try c.input(1).shape.elementCount, n != 1 { throw OpError("k must be a scalar") }
    }
    return x
  }

  static let trilu = OpDefinition(
    "Trilu",
    inferTypes: { (c) throws(OpError) in [try triluType(c)] },
    evaluate: { (c) throws(OpError) in
      let x = try c.input(0)
      _ = try triluType(c.inference)
      let size = try elementSize(x.elementType, op: "Trilu")
      let upper = try c.attributes.int("upper", default: 1) != 0
      let kValue = c.optionalInput(1) != nil ? try c.integers(1).first ?? 0 : 0
      let (rows, cols) = (x.shape[x.shape.count - 2], x.shape[x.shape.count - 1])
      let matrices = rows * cols == 0 ? 0 : x.elementCount / (rows * cols)
      let out = try makeTensor(x.elementType, x.shape, zeroed: false) { dst in
        qcc_trilu(dst, x.rawPointer, Int64(matrices), Int64(rows), Int64(cols), Int64(kValue), upper ? 1 : 0, size)
      }
      return [out]
    })
}
