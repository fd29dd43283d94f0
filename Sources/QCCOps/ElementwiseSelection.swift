import QCCIR
import QCCKernels

// Ops that pick between values: Where (any element type, through the
// byte-size-generic `qcc_where`) and Clip.

extension ElementwiseOps {
  /// Where(condition, x, y): x where the bool condition holds, else y; all three broadcast.
  static let `where` = OpDefinition(
    "Where",
    inferTypes: { (c) throws(OpError) in [try inferWhere(c)] },
    evaluate: { (c) throws(OpError) in
      let type = try inferWhere(c.inference)
      let shape = try sizes(type)
      try requireKernelRank(shape.count)
      let condition = try c.input(0)
      let x = try c.input(1)
      let y = try c.input(2)
      let sc = strides(condition, shape)
      let sx = strides(x, shape)
      let sy = strides(y, shape)
      let dims = shape.map(Int64.init)
      return [
        TensorData(uninitialized: x.elementType, shape: shape) { out in
          qcc_where(
            out.address, condition.rawPointer.assumingMemoryBound(to: UInt8.self), sc, x.rawPointer, sx, y.rawPointer,
            sy, dims, Int32(shape.count), x.elementType.bitWidth / 8)
        }
      ]
    })

  static func inferWhere(_ c: InferenceContext) throws(OpError) -> TensorType {
    try requireInputCount(c, "Where", 3...3)
    let condition = try c.input(0)
    let x = try c.input(1)
    let y = try c.input(2)
    try ElementTypes.require(condition, in: [.bool], "Where", operand: 0)
    try ElementTypes.require(x, in: allTypes, "Where", operand: 1)
    guard x.element == y.element else {
      throw OpError("Where operand types differ: input 1 is \(x.elementType), input 2 is \(y.elementType)")
    }
    return TensorType(x.element, try Broadcast.shape(of: [condition, x, y]))
  }

  /// Clip(x, min?, max?): min(max(x, min), max), where an omitted bound does
  /// not clip; when min > max every element becomes max. NaN stays NaN.
  static let clip = OpDefinition(
    "Clip",
    inferTypes: { (c) throws(OpError) in [try inferClip(c)] },
    evaluate: { (c) throws(OpError) in
      let type = try inferClip(c.inference)
      let x = try c.input(0)
      let lower = c.optionalInput(1)
      let upper = c.optionalInput(2)
      switch x.elementType {
      case .f32:
        let lo = lower.map { $0.scalars(as: Float.self)[0] } ?? -.infinity
        let hi = upper.map { $0.scalars(as: Float.self)[0] } ?? .infinity
        return [f32Unary(QCC_UNARY_CLIP, x, alpha: lo, beta: hi)]
      case .f64, .f16, .bf16:
        let lo = lower.map { $0.doubles()[0] } ?? -.infinity
        let hi = upper.map { $0.doubles()[0] } ?? .infinity
        let values = x.doubles().map { v -> Double in
          let t = v < lo ? lo : v
          return t > hi ? hi : t
        }
        return [TensorData(converting: values, to: type.elementType, shape: x.shape)]
      default:
        return [try dispatchInteger(x.elementType, IntegerClip(x: x, lower: lower, upper: upper))]
      }
    })

  static func inferClip(_ c: InferenceContext) throws(OpError) -> TensorType {
    try requireInputCount(c, "Clip", 1...3)
    let x = try c.input(0)
    try ElementTypes.require(x, in: ElementTypes.numeric, "Clip", operand: 0)
    for (i, bound) in [(1, "min"), (2, "max")] {
      guard let t = c.optionalInput(i) else { continue }
      guard t.element == x.element else {
        throw OpError("Clip \(bound) has element type \(t.elementType), expected \(x.elementType) like the input")
      }
      if let count = t.shape.elementCount, count != 1 {
        throw OpError("Clip \(bound) must be a scalar, not \(Printer.spell(t))")
      }
    }
    return x
  }

  struct IntegerClip: IntegerComputation {
    let x: TensorData
    let lower: TensorData?, upper: TensorData?
    func run<T: FixedWidthInteger & TensorScalar>(_: T.Type) throws(OpError) -> TensorData {
      let lo = lower.map { $0.scalars(as: T.self)[0] } ?? T.min
      let hi = upper.map { $0.scalars(as: T.self)[0] } ?? T.max
      return TensorData(shape: x.shape, scalars: x.scalars(as: T.self).map { v in Swift.min(Swift.max(v, lo), hi) })
    }
  }
}
