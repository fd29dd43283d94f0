import QCCIR
import QCCKernels

// Plans of the ops that run along one axis of [outer, n, inner]: ArgMax and
// ArgMin (F32_ARG_REDUCE) and CumSum (CUMSUM), each the kernel evaluate
// runs, with its layout.

extension FloatPlans {
  static func registerAxis(into t: inout [String: PlanFunction]) {
    t["ArgMax"] = skippingEmpty { (c) throws(OpError) in try argReduce(c, "ArgMax", isMin: false) }
    t["ArgMin"] = skippingEmpty { (c) throws(OpError) in try argReduce(c, "ArgMin", isMin: true) }
    t["CumSum"] = skippingEmpty { (c) throws(OpError) in try cumSum(c) }
  }

  /// `shape` as [outer, n, inner] around `axis`.
  static func axisLayout(_ shape: [Int], _ axis: Int) -> [Int64] {
    [count(shape[..<axis]), shape[axis], count(shape[(axis + 1)...])].map(Int64.init)
  }

  /// ArgMax, ArgMin on f32: one F32_ARG_REDUCE call (keepdims only shapes the result).
  static func argReduce(_ c: PlanContext, _ name: String, isMin: Bool) throws(OpError) -> KernelPlan {
    guard let axis = try LinearAlgebraOps.argReduceType(c.inference, name).axis else {
      throw OpError("\(name): the input's rank must be known to compile")
    }
    try requireF32(c, name)
    let last: Int64 = try c.attributes.int("select_last_index", default: 0) != 0 ? 1 : 0
    let ints = [isMin ? 1 : 0, last] + axisLayout(try c.shape(0), axis)
    return KernelPlan(KernelCall(.f32ArgReduce, buffers: [.result(0), .operand(0)], ints: ints))
  }

  /// CumSum on f32, f64, i32, u32, i64 or u64: one CUMSUM call. A constant axis is an int of the call
  /// (over the shape as [outer, n, inner]); otherwise the kernel reads the axis operand (i32 or i64) at
  /// run time, over the whole shape.
  static func cumSum(_ c: PlanContext) throws(OpError) -> KernelPlan {
    let known = try LinearAlgebraOps.cumSumType(c.inference).axis
    let type = try c.elementType(0)
    guard LinearAlgebraOps.sumsInC(type) else {
      throw OpError("CumSum: \(type) tensors cannot be compiled (CUMSUM takes f32, f64, i32, u32, i64 and u64)")
    }
    let exclusive: Int64 = try c.attributes.int("exclusive", default: 0) != 0 ? 1 : 0
    let reverse: Int64 = try c.attributes.int("reverse", default: 0) != 0 ? 1 : 0
    let shape = try c.shape(0)
    if let axis = known {
      let ints = [elemCode(type), exclusive, reverse, 0, 1, 3] + axisLayout(shape, axis)
      return KernelPlan(KernelCall(.cumsum, buffers: [.result(0), .operand(0), nil], ints: ints))
    }
    try requireKernelRank(shape.count)
    let axisBytes: Int64 = try c.elementType(1) == .i64 ? 8 : 4  // cumSumType allows only i32 and i64
    let ints = [elemCode(type), exclusive, reverse, axisBytes, 0, Int64(shape.count)] + shape.map(Int64.init)
    return KernelPlan(KernelCall(.cumsum, buffers: [.result(0), .operand(0), .operand(1)], ints: ints))
  }
}
