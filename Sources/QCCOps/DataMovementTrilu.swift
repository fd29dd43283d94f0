import QCCIR

// Trilu: keeps the upper or lower triangle of the innermost matrices and
// zeroes the rest.

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
      // Beyond ±(rows + cols) every k means the same.
      let k = min(max(kValue, -(rows + cols)), rows + cols)
      let matrices = rows * cols == 0 ? 0 : x.elementCount / (rows * cols)
      // A copy of the whole input, then the other triangle zeroed.
      let out = try makeTensor(x.elementType, x.shape, zeroed: false) { dst in
        dst.copyMemory(from: x.rawPointer, byteCount: x.byteCount)
        for m in 0..<matrices {
          for i in 0..<rows {
            // Upper keeps columns j >= i + k; lower keeps j <= i + k.
            let zeroed = upper ? 0..<min(max(i + k, 0), cols) : min(max(i + k + 1, 0), cols)..<cols
            let row = dst + ((m * rows + i) * cols) * size
            (row + zeroed.lowerBound * size).initializeMemory(as: UInt8.self, repeating: 0, count: zeroed.count * size)
          }
        }
      }
      return [out]
    })
}
