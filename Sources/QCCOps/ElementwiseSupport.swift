import QCCIR
import QCCKernels

// Shared machinery of the elementwise family: operand checks, calls into the
// broadcasting C kernels, and the reference paths for non-f32 element types
// (floats through Double, integers in their own Swift type so that wraparound
// is exact). Namespaced in `ElementwiseOps` so that nothing collides with
// other families.

extension ElementwiseOps {
  /// Every type the family handles: the numeric types and bool (never the packed i4/u4).
  static let allTypes = ElementTypes.numeric.union([.bool])

  // MARK: - Inference

  /// The types of every operand, which must all be present and share one of `allowed` element types.
  static func sameTypeOperands(_ c: InferenceContext, _ op: String, allowed: Set<ElementType>) throws(OpError)
    -> [TensorType]
  {
    guard c.inputCount > 0 else { throw OpError("\(op) needs at least one input") }
    var types: [TensorType] = []
    for i in 0..<c.inputCount { types.append(try c.input(i)) }
    try ElementTypes.require(types[0], in: allowed, op, operand: 0)
    for (i, t) in types.enumerated().dropFirst() where t.element != types[0].element {
      throw OpError("\(op) operand types differ: input 0 is \(types[0].elementType), input \(i) is \(t.elementType)")
    }
    return types
  }

  /// Throws unless the node's operand count is in `range`.
  static func requireInputCount(_ c: InferenceContext, _ op: String, _ range: ClosedRange<Int>) throws(OpError) {
    guard range.contains(c.inputCount) else {
      let expected =
        range.upperBound == Int.max
        ? "at least \(range.lowerBound)"
        : range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
      let noun = range.upperBound == 1 || (range.lowerBound == 1 && range.upperBound == Int.max) ? "input" : "inputs"
      throw OpError("\(op) takes \(expected) \(noun), not \(c.inputCount)")
    }
  }

  // MARK: - Broadcasting at run time

  /// Element strides that read `t` as if it had the broadcast `shape`.
  static func strides(_ t: TensorData, _ shape: [Int]) -> [Int64] { Broadcast.strides(of: t.shape, broadcastTo: shape) }

  /// The sizes of a result type that inference computed from concrete operands.
  static func sizes(_ type: TensorType) throws(OpError) -> [Int] { try type.requireStaticShape("result") }

  /// `a op b` on f32 operands broadcast to `shape`, through `qcc_f32_binary`.
  /// Operands that fill the result or are single elements skip the stride arrays.
  static func f32Binary(_ op: qcc_binary_op, _ a: TensorData, _ b: TensorData, shape: [Int]) throws(OpError)
    -> TensorData
  {
    let count = shape.reduce(1, *)
    let (ca, cb) = (a.elementCount, b.elementCount)
    if (ca == count || ca == 1) && (cb == count || cb == 1) {
      var sa: Int64 = ca == count ? 1 : 0
      var sb: Int64 = cb == count ? 1 : 0
      var n = Int64(count)
      return TensorData.f32(uninitialized: shape) { out in
        qcc_f32_binary(op, out.address, a.f32Pointer, &sa, b.f32Pointer, &sb, &n, 1)
      }
    }
    try requireKernelRank(shape.count)
    let sa = strides(a, shape)
    let sb = strides(b, shape)
    let dims = shape.map(Int64.init)
    return TensorData.f32(uninitialized: shape) { out in
      qcc_f32_binary(op, out.address, a.f32Pointer, sa, b.f32Pointer, sb, dims, Int32(shape.count))
    }
  }

  /// `op` applied to every element of an f32 tensor, through `qcc_f32_unary`.
  static func f32Unary(_ op: qcc_unary_op, _ x: TensorData, alpha: Float = 0, beta: Float = 0) -> TensorData {
    TensorData.f32(uninitialized: x.shape) { out in
      qcc_f32_unary(op, out.address, x.f32Pointer, Int64(x.elementCount), alpha, beta)
    }
  }

  // MARK: - Reference paths for other element types

  /// `f` on the Double values of `a` and `b` broadcast to `shape`, converted to `type`.
  static func realBinary(
    _ a: TensorData, _ b: TensorData, shape: [Int], to type: ElementType, _ f: (Double, Double) -> Double
  ) -> TensorData {
    let x = a.broadcast(to: shape).doubles()
    let y = b.broadcast(to: shape).doubles()
    return TensorData(converting: (0..<x.count).map { f(x[$0], y[$0]) }, to: type, shape: shape)
  }

  /// `f` on the `T` elements of `a` and `b` broadcast to `shape`.
  static func integerBinary<T: FixedWidthInteger & TensorScalar, R: TensorScalar>(
    _ a: TensorData, _ b: TensorData, shape: [Int], _ f: (T, T) -> R
  ) -> TensorData {
    let x = a.broadcast(to: shape).scalars(as: T.self)
    let y = b.broadcast(to: shape).scalars(as: T.self)
    return TensorData(shape: shape, scalars: (0..<x.count).map { f(x[$0], y[$0]) })
  }

  /// Runs `computation` with the Swift type of an integer element type.
  static func dispatchInteger<C: IntegerComputation>(_ type: ElementType, _ computation: C) throws(OpError) -> C.Result
  {
    switch type {
    case .i64: return try computation.run(Int64.self)
    case .i32: return try computation.run(Int32.self)
    case .i16: return try computation.run(Int16.self)
    case .i8: return try computation.run(Int8.self)
    case .u64: return try computation.run(UInt64.self)
    case .u32: return try computation.run(UInt32.self)
    case .u16: return try computation.run(UInt16.self)
    case .u8: return try computation.run(UInt8.self)
    default: throw OpError("\(type) is not an integer type")
    }
  }

  /// A computation written once, generically, for every integer element type;
  /// `dispatchInteger` picks the type.
  protocol IntegerComputation {
    associatedtype Result
    func run<T: FixedWidthInteger & TensorScalar>(_ type: T.Type) throws(OpError) -> Result
  }
}
