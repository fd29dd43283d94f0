import QCCIR
import QCCKernels

// The plan of Resize (and the deprecated Upsample) on f32: one F32_RESAMPLE
// call per resized axis, with the passes and taps evaluate computes
// (`DataMovementOps.resizePasses`, `resizeTaps`) made here at compile time
// and passed as constant buffers, so a compiled program computes the
// interpreter's bits.

extension FloatPlans {
  static func registerResize(into t: inout [String: PlanFunction]) {
    for op in ["Resize", "Upsample"] {
      t[op] = skippingEmpty { (c) throws(OpError) in try resize(c, op) }
    }
  }

  /// Resize / Upsample with constant roi, scales and sizes: one F32_RESAMPLE
  /// per axis that changes, in evaluate's order, each reading the previous
  /// pass's result; between passes the data ping-pongs between two scratch
  /// buffers. No axis changes: the operand itself.
  static func resize(_ c: PlanContext, _ op: String) throws(OpError) -> KernelPlan {
    try requireF32(c, op)
    let g = try DataMovementOps.resizeGeometry(c.inference, op)
    // With a static input, sizes are unknown only when roi, scales or sizes are not constants.
    guard g.sizes != nil else {
      let what = op == "Upsample" ? "scales must be a constant" : "roi, scales and sizes must be constants"
      throw OpError("\(op): \(what) to compile")
    }
    var shape = try c.shape(0)
    let passes = DataMovementOps.resizePasses(g, input: shape)
    if passes.isEmpty { return aliasPlan }

    // Intermediate i (the result of pass i, all but the last) lives in scratch buffer i % 2.
    var bytes = [Int](repeating: 0, count: min(2, passes.count - 1))
    for (i, p) in passes.dropLast().enumerated() {
      shape[p.axis] = p.output
      bytes[i % 2] = max(bytes[i % 2], f32Bytes(shape))
    }
    var plan = KernelPlan()
    let scratch = bytes.map { plan.scratch($0) }
    let fill = Float(g.attributes.extrapolation)
    for (i, p) in passes.enumerated() {
      let src: BufferSlot = i == 0 ? .operand(0) : scratch[(i - 1) % 2]
      let dst: BufferSlot = i == passes.count - 1 ? .result(0) : scratch[i % 2]
      let indices = TensorData(shape: [p.output, p.taps], scalars: p.indices)
      let weights = TensorData(shape: [p.output, p.taps], scalars: p.f32Weights)
      plan.calls.append(
        KernelCall(
          .f32Resample, buffers: [dst, src, .constant(indices), .constant(weights)],
          ints: [p.outer, p.input, p.inner, p.output, p.taps].map { Int64($0) }, floats: [fill]))
    }
    return plan
  }
}
