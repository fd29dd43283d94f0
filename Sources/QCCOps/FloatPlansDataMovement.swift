import QCCIR
import QCCKernels

// Plans of the data-movement ops: views (no calls) and inference Dropout,
// strided copies (Transpose, Slice, Concat, Split, Expand, Tile, a permuting
// Einsum), Pad (a fill and copies), Gather, and Trilu.
// Copies move bytes, so they take any element type of whole bytes; results
// that `evaluate` returns as its operand unchanged become aliases.

extension FloatPlans {
  static func registerDataMovement(into t: inout [String: PlanFunction]) {
    let viewPlan: PlanFunction = { (c) throws(OpError) in try view(c) }
    for op in ["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity"] { t[op] = viewPlan }
    t["Transpose"] = skippingEmpty { (c) throws(OpError) in try transpose(c) }
    t["Slice"] = skippingEmpty { (c) throws(OpError) in try slice(c) }
    t["Concat"] = skippingEmpty { (c) throws(OpError) in try concat(c) }
    t["Split"] = skippingEmpty { (c) throws(OpError) in try split(c) }
    t["Expand"] = skippingEmpty { (c) throws(OpError) in try expand(c) }
    t["Einsum"] = skippingEmpty { (c) throws(OpError) in try einsum(c) }
    t["Gather"] = skippingEmpty { (c) throws(OpError) in try gather(c) }
    let dropoutPlan: PlanFunction = { (c) throws(OpError) in try dropout(c) }
    t["Dropout"] = dropoutPlan
    t["Tile"] = skippingEmpty { (c) throws(OpError) in try tile(c) }
    t["Trilu"] = skippingEmpty { (c) throws(OpError) in try trilu(c) }
    t["Pad"] = skippingEmpty { (c) throws(OpError) in try pad(c) }
  }

  /// A view (Reshape, Flatten, Squeeze, Unsqueeze, Identity): the result is operand 0's storage, any element type.
  static func view(_ c: PlanContext) throws(OpError) -> KernelPlan { aliasPlan }

  /// Dropout in inference (no training_mode, a constant false one, or a constant ratio of 0): the result is
  /// the operand itself, as evaluate returns it, and the optional mask is all true (one FILL). Training mode
  /// draws a random mask and is not compiled.
  static func dropout(_ c: PlanContext) throws(OpError) -> KernelPlan {
    _ = try DataMovementOps.dropoutTypes(c.inference)
    if c.hasOperand(2) {
      guard let mode = c.value(2) else { throw OpError("Dropout: training_mode must be a constant to compile") }
      // As evaluate reads them: training with a ratio of 0 is the identity too.
      let training = mode.elementCount > 0 && mode.integers()![0] != 0
      let ratio = c.hasOperand(1) ? c.value(1).map { $0.doubles().first ?? 0.5 } : 0.5
      if training && ratio != 0 {
        throw OpError("Dropout: training mode cannot be compiled (it draws a random mask); export the model in eval mode")
      }
    }
    var plan = aliasPlan
    if c.resultTypes.count > 1 {
      let n = count(try c.resultShape(1))
      if n > 0 {
        let yes = BufferSlot.constant(TensorData(scalar: true))
        plan.calls.append(KernelCall(.fill, buffers: [.result(1), yes], ints: [1, Int64(n)]))
      }
    }
    return plan
  }

  /// Bytes per element of operand `i` for a copy by `op`, after the op's own movability check.
  static func movableElementSize(_ c: PlanContext, _ i: Int, _ op: String) throws(OpError) -> Int {
    let t = try c.inference.input(i)
    try DataMovementOps.requireMovable(t, op)
    return try DataMovementOps.elementSize(t.elementType, op: op)
  }

  /// Transpose: one copy, or an alias when only unit axes move (as `DataMovementOps.permuted`).
  static func transpose(_ c: PlanContext) throws(OpError) -> KernelPlan {
    let shape = try c.shape(0)
    guard let perm = try DataMovementOps.transposePermutation(c.inference, rank: shape.count) else {
      throw OpError("Transpose: unknown permutation")
    }
    let moved = perm.filter { shape[$0] != 1 }
    try DataMovementOps.requireMovable(try c.inference.input(0), "Transpose")
    if moved == moved.sorted() { return aliasPlan }
    let size = try movableElementSize(c, 0, "Transpose")
    let strides = contiguousStrides(shape)
    var plan = KernelPlan()
    appendCopy(
      &plan, to: .result(0), from: .operand(0), elementSize: size,
      StridedCopy(denseView: perm.map { shape[$0] }, strides: perm.map { strides[$0] }))
    return plan
  }

  /// Slice with constant starts, ends, axes and steps: the window as one copy
  /// (negative steps read with negative strides from a byte offset inside the operand).
  static func slice(_ c: PlanContext) throws(OpError) -> KernelPlan {
    let shape = try c.shape(0)
    let size = try movableElementSize(c, 0, "Slice")
    guard let spec = try DataMovementOps.sliceSpec(c.inference, rank: shape.count).spec else {
      throw OpError("Slice: starts, ends, axes and steps must be constants to compile")
    }
    // As the op's evaluate computes the window.
    let inStrides = contiguousStrides(shape)
    var outShape = shape
    var srcStrides = inStrides
    var offset = 0
    for (i, a) in spec.axes.enumerated() {
      let r = DataMovementOps.sliceRange(start: spec.starts[i], end: spec.ends[i], step: spec.steps[i], size: shape[a])
      outShape[a] = r.count
      srcStrides[a] = r.count > 1 ? inStrides[a] * spec.steps[i] : inStrides[a]
      offset += r.start * inStrides[a]
    }
    if outShape == shape && srcStrides == inStrides { return aliasPlan }
    var plan = KernelPlan()
    appendCopy(
      &plan, to: .result(0), from: .operand(0), elementSize: size,
      StridedCopy(denseView: outShape, strides: srcStrides, offset: offset))
    return plan
  }

  /// Concat: one copy per operand into its slab of the result; one operand is the result itself.
  static func concat(_ c: PlanContext) throws(OpError) -> KernelPlan {
    let type = try DataMovementOps.concatType(c.inference)
    if c.operandCount == 1 { return aliasPlan }
    let shape = try c.resultShape()
    let size = try DataMovementOps.elementSize(type.elementType, op: "Concat")
    let axis = try normalizeAxis(try c.attributes.int("axis", default: 0), rank: shape.count)
    let dstStrides = contiguousStrides(shape)
    var plan = KernelPlan()
    var offset = 0
    for i in 0..<c.operandCount {
      let s = try c.shape(i)
      appendCopy(
        &plan, to: .result(0), from: .operand(i), elementSize: size,
        StridedCopy(shape: s, srcStrides: contiguousStrides(s), dstStrides: dstStrides, dstOffset: offset))
      offset += s[axis] * dstStrides[axis]
    }
    return plan
  }

  /// Split: one copy per result (sizes from the constant `split` operand,
  /// `num_outputs` or equal parts, as the op computes them); a result that is
  /// the whole operand is an alias.
  static func split(_ c: PlanContext) throws(OpError) -> KernelPlan {
    let shape = try c.shape(0)
    let types = try DataMovementOps.splitTypes(c.inference)
    let size = try movableElementSize(c, 0, "Split")
    let axis = try normalizeAxis(try c.attributes.int("axis", default: 0), rank: shape.count)
    let srcStrides = contiguousStrides(shape)
    var plan = KernelPlan()
    var offset = 0
    for (j, t) in types.enumerated() {
      guard let part = t.shape.staticSizes else { throw OpError("Split: the split sizes must be constants to compile") }
      if part == shape {
        plan.aliases[j] = .operand(0)
        continue
      }
      appendCopy(
        &plan, to: .result(j), from: .operand(0), elementSize: size,
        StridedCopy(denseView: part, strides: srcStrides, offset: offset))
      offset += part[axis] * srcStrides[axis]
    }
    return plan
  }

  /// Expand: one copy reading broadcast dims with stride 0; the operand itself when the shape does not change.
  static func expand(_ c: PlanContext) throws(OpError) -> KernelPlan {
    let shape = try c.shape(0)
    let out = try c.resultShape()
    try DataMovementOps.requireMovable(try c.inference.input(0), "Expand")
    if out == shape { return aliasPlan }
    let size = try movableElementSize(c, 0, "Expand")
    var plan = KernelPlan()
    appendCopy(&plan, to: .result(0), from: .operand(0), elementSize: size, StridedCopy(broadcasting: shape, to: out))
    return plan
  }

  /// Tile: one copy of the box evaluate copies (each output dim as [repeat, size], the repeat read with
  /// stride 0); the operand itself when nothing repeats. The repeats are the shapes' ratio.
  static func tile(_ c: PlanContext) throws(OpError) -> KernelPlan {
    let shape = try c.shape(0)
    let out = try c.resultShape()
    if out == shape { return aliasPlan }
    let size = try DataMovementOps.elementSize(try c.elementType(0), op: "Tile")
    let inStrides = contiguousStrides(shape), outStrides = contiguousStrides(out)
    var box: [Int] = [], src: [Int] = [], dst: [Int] = []
    for i in shape.indices {
      box += [out[i] / max(shape[i], 1), shape[i]]
      src += [0, inStrides[i]]
      dst += [shape[i] * outStrides[i], outStrides[i]]
    }
    var plan = KernelPlan()
    appendCopy(
      &plan, to: .result(0), from: .operand(0), elementSize: size,
      StridedCopy(shape: box, srcStrides: src, dstStrides: dst))
    return plan
  }

  /// Trilu: one TRILU call over [matrices, rows, cols], the kernel evaluate runs. A constant k is an int
  /// of the call; otherwise the kernel reads the i64 k operand at run time.
  static func trilu(_ c: PlanContext) throws(OpError) -> KernelPlan {
    _ = try DataMovementOps.triluType(c.inference)
    let shape = try c.shape(0)
    let size = try DataMovementOps.elementSize(try c.elementType(0), op: "Trilu")
    let upper: Int64 = try c.attributes.int("upper", default: 1) != 0 ? 1 : 0
    var k: Int64 = 0
    var kBuffer: BufferSlot? = nil
    if c.hasOperand(1) {
      if let value = c.value(1)?.integers() {
        k = value.first ?? 0
      } else {
        let type = try c.elementType(1)
        guard type == .i64 else {
          throw OpError(
            "Trilu: k of type \(type) must be a constant to compile (the kernel reads an i64 k at run time)")
        }
        kBuffer = .operand(1)
      }
    }
    let (rows, cols) = (shape[shape.count - 2], shape[shape.count - 1])
    let matrices = rows * cols == 0 ? 0 : count(shape) / (rows * cols)
    let ints = [Int64(size), upper, k] + [matrices, rows, cols].map(Int64.init)
    return KernelPlan(KernelCall(.trilu, buffers: [.result(0), .operand(0), kBuffer], ints: ints))
  }

  /// Einsum that only permutes one operand's axes ("nhwpqc->nchpwq"): one
  /// copy, as the op's evaluate makes it. Anything that sums, multiplies or
  /// takes a diagonal is not compiled.
  static func einsum(_ c: PlanContext) throws(OpError) -> KernelPlan {
    let (_, parsed) = try LinearAlgebraOps.einsumType(c.inference)
    guard let equation = parsed, equation.inputs.count == 1 else {
      throw OpError("Einsum: only a single-operand permutation can be compiled (the equation has several operands)")
    }
    let labels = equation.inputs[0]
    guard Set(labels).count == labels.count, equation.output.count == labels.count,
      Set(equation.output) == Set(labels)
    else {
      throw OpError(
        "Einsum: only a single-operand permutation can be compiled (this equation sums or takes a diagonal)")
    }
    let shape = try c.shape(0)
    let out = try c.resultShape()
    if equation.output == labels && out == shape { return aliasPlan }
    let size = try DataMovementOps.elementSize(try c.elementType(0), op: "Einsum")
    let strides = contiguousStrides(shape)
    let outStrides = equation.output.map { strides[labels.firstIndex(of: $0)!] }
    var plan = KernelPlan()
    appendCopy(
      &plan, to: .result(0), from: .operand(0), elementSize: size, StridedCopy(denseView: out, strides: outStrides))
    return plan
  }

  /// Pad with constant pads (and axes), any mode, any element type of whole
  /// bytes: the steps `evaluate` runs (`DataMovementOps.padSteps`) as calls —
  /// a FILL of the result with the constant when the border has any, then a
  /// copy from the operand per box of runs (the interior alone in constant
  /// mode; for reflect, edge and wrap the border runs too). The constant is
  /// the constant_value operand's first element, read at run time (zero when
  /// it is empty), else the `value` attribute of old opsets, else zero. Zero
  /// pads: the operand itself.
  static func pad(_ c: PlanContext) throws(OpError) -> KernelPlan {
    let type = try DataMovementOps.padType(c.inference)
    let shape = try c.shape(0)
    let size = try DataMovementOps.elementSize(type.elementType, op: "Pad")
    guard let amounts = try DataMovementOps.padAmounts(c.inference, rank: shape.count) else {
      throw OpError("Pad: the pads (and axes) must be constants to compile")
    }
    if amounts.allSatisfy({ $0 == (0, 0) }) { return aliasPlan }
    let mode = try DataMovementOps.padMode(c.inference)
    let out = try c.resultShape()
    let steps = try DataMovementOps.padSteps(input: shape, output: out, amounts: amounts, mode: mode)
    var plan = KernelPlan()
    if steps.fills {
      let value: BufferSlot
      if c.hasOperand(2), count(try c.shape(2)) > 0 {
        value = .operand(2)
      } else if !c.hasOperand(2), let v = try c.attributes.float("value") {
        value = .constant(DataMovementOps.scalar(Double(v), as: type.elementType))
      } else {
        value = .constant(DataMovementOps.scalar(0, as: type.elementType))
      }
      plan.calls.append(KernelCall(.fill, buffers: [.result(0), value], ints: [Int64(size), Int64(count(out))]))
    }
    for copy in steps.copies { appendCopy(&plan, to: .result(0), from: .operand(0), elementSize: size, copy) }
    return plan
  }

  /// Gather: one GATHER call; the indices (i64 or i32, constant or not) are
  /// the operand's buffer as it is, checked and wrapped by the kernel at run time.
  static func gather(_ c: PlanContext) throws(OpError) -> KernelPlan {
    _ = try DataMovementOps.gatherType(c.inference)
    let shape = try c.shape(0)
    let size = try DataMovementOps.elementSize(try c.elementType(0), op: "Gather")
    let axis = try normalizeAxis(try c.attributes.int("axis", default: 0), rank: shape.count)
    let indexBytes: Int64
    switch try c.elementType(1) {
    case .i64: indexBytes = 8
    case .i32: indexBytes = 4
    case let t: throw OpError("Gather: \(t) indices cannot be compiled (the kernel takes i64 or i32)")
    }
    let outer = count(shape[..<axis])
    let rowBytes = count(shape[(axis + 1)...]) * size
    let indexCount = count(try c.shape(1))
    let ints = [rowBytes, outer, shape[axis], indexCount].map { Int64($0) } + [indexBytes, Int64(axis)]
    return KernelPlan(KernelCall(.gather, buffers: [.result(0), .operand(0), .operand(1)], ints: ints))
  }
}
