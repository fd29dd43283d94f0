import QCCIR
import QCCKernels

/// Plans of the float and data-movement ops a lowered model keeps.
///
/// Each plan emits the kernel calls the op's `evaluate` makes for the same
/// node — the same kernel, op code, parameters, reduction layout and GEMM
/// shape — so that a compiled program computes the interpreter's bits. The
/// families live in FloatPlansDataMovement.swift (views and copies, Gather,
/// Dropout, Tile, Trilu), FloatPlansElementwise.swift (arithmetic, unary math,
/// selection, logic, casts), FloatPlansComparison.swift (comparisons, Not,
/// IsInf), FloatPlansNN.swift (softmax, normalization, reductions, MatMul),
/// FloatPlansAxis.swift (ArgMax, ArgMin, CumSum) and FloatPlansResize.swift
/// (Resize, Upsample).
enum FloatPlans {
  static func register(into t: inout [String: PlanFunction]) {
    registerDataMovement(into: &t)
    registerElementwise(into: &t)
    registerComparison(into: &t)
    registerNN(into: &t)
    registerResize(into: &t)
    registerAxis(into: &t)
  }

  /// `plan` for a node, except that a node whose results are all empty gets
  /// no calls (there is nothing to write, and kernels never see empty buffers).
  static func skippingEmpty(_ plan: @escaping PlanFunction) -> PlanFunction {
    { (c) throws(OpError) in
      let empty = c.resultTypes.allSatisfy { $0.shape.elementCount == 0 }
      return empty && !c.resultTypes.isEmpty ? KernelPlan() : try plan(c)
    }
  }

  /// A plan whose result 0 is operand 0's storage (a view, or an op that returns its operand unchanged).
  static let aliasPlan = KernelPlan(aliases: [0: .operand(0)])

  // MARK: - Operand checks

  /// Throws unless every operand in `operands` (that is present) holds f32, naming the op and the type.
  static func requireF32(_ c: PlanContext, _ op: String, operands: [Int] = [0]) throws(OpError) {
    for i in operands where c.hasOperand(i) {
      let t = try c.elementType(i)
      guard t == .f32 else { throw OpError("\(op): \(t) tensors cannot be compiled (only f32 runs the kernels)") }
    }
  }

  /// The product of `sizes` (1 for none).
  static func count<S: Sequence>(_ sizes: S) -> Int where S.Element == Int { sizes.reduce(1, *) }

  /// Bytes of an f32 tensor of `shape`.
  static func f32Bytes(_ shape: [Int]) -> Int { count(shape) * MemoryLayout<Float>.size }

  /// `slot` moved by `bytes`.
  static func shifted(_ slot: BufferSlot, bytes: Int) -> BufferSlot {
    BufferSlot(slot.buffer, byteOffset: slot.byteOffset + bytes)
  }

  // MARK: - Calls shared by the families

  /// The COPY calls of `copy` from `src` to `dst` (elements of `elementSize`
  /// bytes; its element offsets become byte offsets of the slots). The box
  /// is simplified as `StridedCopy.run` simplifies it, and boxes still deeper
  /// than the kernel's rank limit are peeled into one call per outer index,
  /// as it does; an empty box gives no call.
  static func appendCopy(
    _ plan: inout KernelPlan, to dst: BufferSlot, from src: BufferSlot, elementSize: Int, _ copy: StridedCopy
  ) {
    guard let dims = copy.simplifiedDims() else { return }
    appendCopy(
      &plan, to: shifted(dst, bytes: copy.dstOffset * elementSize),
      from: shifted(src, bytes: copy.srcOffset * elementSize),
      elementSize: elementSize, shape: dims.map(\.size), srcStrides: dims.map(\.src), dstStrides: dims.map(\.dst))
  }

  private static func appendCopy(
    _ plan: inout KernelPlan, to dst: BufferSlot, from src: BufferSlot, elementSize: Int, shape: [Int],
    srcStrides: [Int], dstStrides: [Int]
  ) {
    if shape.count > Int(QCC_MAX_RANK) {
      for i in 0..<shape[0] {
        appendCopy(
          &plan, to: shifted(dst, bytes: i * dstStrides[0] * elementSize),
          from: shifted(src, bytes: i * srcStrides[0] * elementSize), elementSize: elementSize,
          shape: Array(shape.dropFirst()), srcStrides: Array(srcStrides.dropFirst()),
          dstStrides: Array(dstStrides.dropFirst()))
      }
      return
    }
    let ints = [Int64(elementSize), Int64(shape.count)] + (shape + dstStrides + srcStrides).map { Int64($0) }
    plan.calls.append(KernelCall(.copy, buffers: [dst, src], ints: ints))
  }

  /// The F32_BINARY call of `a op b` broadcast to `shape`, with the
  /// parameters `ElementwiseOps.f32Binary` passes: operands that fill the
  /// result or are single elements run as one flat loop, others with their
  /// broadcast strides at the result's rank.
  static func f32Binary(
    _ op: qcc_binary_op, out: BufferSlot, _ a: BufferSlot, _ aShape: [Int], _ b: BufferSlot, _ bShape: [Int],
    shape: [Int]
  ) throws(OpError) -> KernelCall {
    let n = count(shape)
    let (ca, cb) = (count(aShape), count(bShape))
    let code = Int64(op.rawValue)
    if (ca == n || ca == 1) && (cb == n || cb == 1) {
      return KernelCall(.f32Binary, buffers: [out, a, b], ints: [code, 1, Int64(n), ca == n ? 1 : 0, cb == n ? 1 : 0])
    }
    try requireKernelRank(shape.count)
    let sa = Broadcast.strides(of: aShape, broadcastTo: shape)
    let sb = Broadcast.strides(of: bShape, broadcastTo: shape)
    return KernelCall(
      .f32Binary, buffers: [out, a, b], ints: [code, Int64(shape.count)] + shape.map(Int64.init) + sa + sb)
  }

  /// The F32_UNARY call of `op` over `count` elements.
  static func f32Unary(
    _ op: qcc_unary_op, out: BufferSlot, _ x: BufferSlot, count: Int, alpha: Float = 0, beta: Float = 0
  ) -> KernelCall {
    KernelCall(.f32Unary, buffers: [out, x], ints: [Int64(op.rawValue), Int64(count)], floats: [alpha, beta])
  }

  /// Operand `i` as a dense f32 tensor of `shape`, as `TensorData.broadcast(to:)`
  /// gives it to a kernel: the operand itself when it has that many elements,
  /// else a scratch buffer a COPY fills with it broadcast.
  static func broadcastOperand(
    _ plan: inout KernelPlan, _ c: PlanContext, _ i: Int, to shape: [Int]
  ) throws(OpError) -> BufferSlot {
    let own = try c.shape(i)
    if count(own) == count(shape) { return .operand(i) }
    let scratch = plan.scratch(f32Bytes(shape))
    appendCopy(
      &plan, to: scratch, from: .operand(i), elementSize: MemoryLayout<Float>.size,
      StridedCopy(broadcasting: own, to: shape))
    return scratch
  }
}
