import QCCIR
import QCCKernels

// CumSum: running sums along an axis given as a 0-D or 1-element tensor,
// inclusive or exclusive, forward or reversed. f32, f64 and the integers run
// `qcc_cumsum` (accumulation in the element type, in axis order; integers
// wrap to their width); f16 and bf16 accumulate in Double and round once.

extension LinearAlgebraOps {
  static let cumSumTypes: Set<ElementType> = [.f64, .f32, .f16, .bf16, .i64, .i32, .u64, .u32]

  /// The result type of a CumSum node (the input's), and the normalised axis when it is known.
  static func cumSumType(_ c: InferenceContext) throws(OpError) -> (type: TensorType, axis: Int?) {
    let x = try c.input(0), axisType = try c.input(1)
    try ElementTypes.require(x, in: cumSumTypes, "CumSum")
    guard axisType.elementType == .i64 || axisType.elementType == .i32 else {
      throw OpError("CumSum axis must be an i32 or i64 tensor, not \(axisType.elementType)")
    }
    if let d = axisType.shape.dims {
      guard d.count <= 1, DimMath.product(d).value ?? 1 == 1 else {
        throw OpError("CumSum axis must be a scalar or a 1-element tensor, not \(Printer.spell(axisType))")
      }
    }
    guard let values = try c.knownIntegers(1, what: "CumSum axis"), let rank = x.shape.rank else { return (x, nil) }
    guard values.count == 1 else { throw OpError("CumSum axis must have one element, not \(values.count)") }
    return (x, try normalizeAxis(values[0], rank: rank))
  }

  static let cumSum = OpDefinition(
    "CumSum",
    inferTypes: { (c) throws(OpError) in [try cumSumType(c).type] },
    evaluate: { (c) throws(OpError) in
      let x = try c.input(0)
      guard let axis = try cumSumType(c.inference).axis else { throw OpError("CumSum axis is unknown") }
      let exclusive = try c.attributes.int("exclusive", default: 0) != 0
      let reverse = try c.attributes.int("reverse", default: 0) != 0
      let outer = product(x.shape[..<axis]), n = x.shape[axis], inner = product(x.shape[(axis + 1)...])
      if sumsInC(x.elementType) {
        let y = TensorData(uninitialized: x.elementType, shape: x.shape) { out in
          qcc_cumsum(
            Int32(elemCode(x.elementType)), x.rawPointer, out.address, Int64(outer), Int64(n), Int64(inner),
            exclusive ? 1 : 0, reverse ? 1 : 0)
        }
        return [y]
      }
      let y = cumulativeSums(
        x.doubles(), outer: outer, n: n, inner: inner, exclusive: exclusive, reverse: reverse, zero: 0.0, +)
      return [TensorData(converting: y, to: x.elementType, shape: x.shape)]
    })

  /// Whether `qcc_cumsum` sums elements of `type` (f32, f64, i32, u32, i64, u64), as compiled programs do.
  static func sumsInC(_ type: ElementType) -> Bool { qcc_cumsum_supports(Int32(elemCode(type))) != 0 }

  /// The running sums of `v` viewed as [outer, n, inner] along its middle axis.
  static func cumulativeSums<T>(
    _ v: [T], outer: Int, n: Int, inner: Int, exclusive: Bool, reverse: Bool, zero: T, _ add: (T, T) -> T
  ) -> [T] {
    var y = v
    for o in 0..<outer {
      for i in 0..<inner {
        var acc = zero
        for step in 0..<n {
          let j = reverse ? n - 1 - step : step
          let at = (o * n + j) * inner + i
          if exclusive {
            y[at] = acc
            acc = add(acc, v[at])
          } else {
            acc = add(acc, v[at])
            y[at] = acc
          }
        }
      }
    }
    return y
  }
}
