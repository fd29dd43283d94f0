import QCCIR
import QCCKernels

// Plans of the f32 network ops: Softmax, LogSoftmax and Hardmax,
// LayerNormalization and RMSNormalization, the Reduce* ops, MatMul, the
// pools (MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool) and
// ConvTranspose. Each runs the kernel evaluate runs, with the same
// [outer, n, inner] layout, GEMM shape or window.

extension FloatPlans {
  static func registerNN(into t: inout [String: PlanFunction]) {
    for (name, mode) in [("Softmax", 0), ("LogSoftmax", 1), ("Hardmax", 2)] {
      t[name] = skippingEmpty { (c) throws(OpError) in try softmax(c, name, mode: Int64(mode)) }
    }
    t["LayerNormalization"] = skippingEmpty { (c) throws(OpError) in try layerNormalization(c) }
    t["RMSNormalization"] = skippingEmpty { (c) throws(OpError) in try rmsNormalization(c) }
    for (name, kind) in LinearAlgebraOps.reduceOps {
      t[name] = skippingEmpty { (c) throws(OpError) in try reduce(c, name, kind) }
    }
    t["MatMul"] = skippingEmpty { (c) throws(OpError) in try matMul(c) }
    t["MaxPool"] = skippingEmpty { (c) throws(OpError) in try pool(c, "MaxPool", kind: 0) }
    t["AveragePool"] = skippingEmpty { (c) throws(OpError) in try pool(c, "AveragePool", kind: 1) }
    t["GlobalAveragePool"] = skippingEmpty { (c) throws(OpError) in try globalPool(c, "GlobalAveragePool", QCC_REDUCE_MEAN) }
    t["GlobalMaxPool"] = skippingEmpty { (c) throws(OpError) in try globalPool(c, "GlobalMaxPool", QCC_REDUCE_MAX) }
    t["BatchNormalization"] = skippingEmpty { (c) throws(OpError) in try batchNormalization(c) }
    t["ConvTranspose"] = skippingEmpty { (c) throws(OpError) in try convTranspose(c) }
  }

  /// ConvTranspose on f32: one F32_CONV_TRANSPOSE call with evaluate's
  /// geometry (`LinearAlgebraOps.convTransposeWindow`), the col2im workspace
  /// and the GEMM's scratch as scratch buffers (absent when empty).
  static func convTranspose(_ c: PlanContext) throws(OpError) -> KernelPlan {
    let g = try LinearAlgebraOps.convTransposeType(c.inference)
    try requireF32(c, "ConvTranspose", operands: [0, 1, 2])
    let x = try c.shape(0), y = try c.resultShape()
    var window = try LinearAlgebraOps.convTransposeWindow(g, input: x)
    let (batch, channels, outChannels) = (y[0], x[1], y[1])
    let workspaceFloats = Int(qcc_f32_conv_transpose_workspace(&window, Int64(outChannels), Int64(g.group)))
    // The GEMM per image and group: [out_channels / group × prod(kernel), prod(in)], inner size channels / group.
    let inSize = Int(window.in.0 * window.in.1 * window.in.2)
    let gemmRows = outChannels / g.group * Int(window.kernel.0 * window.kernel.1 * window.kernel.2)
    let scratchBytes = Int(
      qcc_call_f32_gemm_scratch_bytes(Int64(gemmRows), Int64(inSize), Int64(channels / g.group)))
    var plan = KernelPlan()
    let workspace = workspaceFloats > 0 ? plan.scratch(workspaceFloats * MemoryLayout<Float>.size) : nil
    let scratch = scratchBytes > 0 ? plan.scratch(scratchBytes) : nil
    let windowInts = [window.in, window.out, window.kernel, window.stride, window.dilation, window.pad_begin].flatMap {
      t in withUnsafeBytes(of: t) { Array($0.bindMemory(to: Int64.self)) }
    }
    let ints = [batch, channels, outChannels, g.group].map { Int64($0) } + windowInts
    let bias: BufferSlot? = c.hasOperand(2) ? .operand(2) : nil
    plan.calls.append(
      KernelCall(
        .f32ConvTranspose, buffers: [.result(0), .operand(0), .operand(1), bias, workspace, scratch], ints: ints))
    return plan
  }

  /// BatchNormalization in inference mode with constant parameters: y = x × a[c] + b[c]
  /// with a = scale / √(var + ε) and b = bias − mean × a computed as evaluate
  /// computes them (in Double, then rounded), as two F32_BINARY calls, multiply
  /// then add, the two roundings of evaluate's uncontracted x × a + b.
  static func batchNormalization(_ c: PlanContext) throws(OpError) -> KernelPlan {
    let name = "BatchNormalization"
    try requireF32(c, name)
    if try LinearAlgebraOps.batchNormTraining(c.attributes) || c.resultTypes.count > 1 {
      throw OpError("\(name): training mode (batch statistics) has no kernel; export the model in eval mode")
    }
    let shape = try c.shape(0)
    guard shape.count >= 2 else { throw OpError("\(name): the input needs [N, C, …], not rank \(shape.count)") }
    var parameters: [[Double]] = []
    for i in 1...4 {
      guard let v = c.value(i) else { throw OpError("\(name): operand \(i) must be a constant to be compiled") }
      parameters.append(v.doubles())
    }
    let epsilon = Double(try c.attributes.float("epsilon", default: 1e-5))
    let channels = shape[1]
    var a = [Float](repeating: 0, count: channels), b = a
    for ch in 0..<channels {
      let s = parameters[0][ch] / (parameters[3][ch] + epsilon).squareRoot()
      a[ch] = Float(s)
      b[ch] = Float(parameters[1][ch] - parameters[2][ch] * s)
    }
    let perChannel = [1, channels] + [Int](repeating: 1, count: shape.count - 2)
    let slotA = BufferSlot.constant(TensorData(shape: perChannel, scalars: a))
    let slotB = BufferSlot.constant(TensorData(shape: perChannel, scalars: b))
    var plan = KernelPlan()
    let scaled = plan.scratch(f32Bytes(shape))
    plan.calls.append(try f32Binary(QCC_BINARY_MUL, out: scaled, .operand(0), shape, slotA, perChannel, shape: shape))
    plan.calls.append(try f32Binary(QCC_BINARY_ADD, out: .result(0), scaled, shape, slotB, perChannel, shape: shape))
    return plan
  }

  /// MaxPool (kind 0, with its optional Indices result) and AveragePool (1):
  /// one F32_POOL call over the N × C planes, with evaluate's geometry.
  static func pool(_ c: PlanContext, _ name: String, kind: Int64) throws(OpError) -> KernelPlan {
    try requireF32(c, name)
    let (_, window) = try LinearAlgebraOps.poolTypes(
      c.inference, name, types: kind == 0 ? LinearAlgebraOps.maxPoolTypes : LinearAlgebraOps.convTypes)
    let shape = try c.shape(0)
    let (g, padEnd) = try window.geometry(input: Array(shape.dropFirst(2)), op: name)
    let indices = c.resultTypes.count > 1
    // Evaluate divides by the unclipped window only for averages without indices.
    let includePad = try c.attributes.int("count_include_pad", default: 0) != 0
    let countIncludePad: Int64 = kind == 1 && includePad ? 1 : 0
    let storageOrder = Int64(try c.attributes.int("storage_order", default: 0))
    let windowInts = [g.in, g.out, g.kernel, g.stride, g.dilation, g.pad_begin].flatMap { t in
      withUnsafeBytes(of: t) { Array($0.bindMemory(to: Int64.self)) }
    }
    let ints = [kind, countIncludePad, storageOrder, Int64(shape[0] * shape[1])] + windowInts + padEnd
    return KernelPlan(
      KernelCall(.f32Pool, buffers: [.result(0), .operand(0), indices ? .result(1) : nil], ints: ints))
  }

  /// GlobalAveragePool / GlobalMaxPool: one F32_REDUCE over [N × C, spatial, 1], as evaluate reduces.
  static func globalPool(_ c: PlanContext, _ name: String, _ kind: qcc_reduce_kind) throws(OpError) -> KernelPlan {
    try requireF32(c, name)
    let shape = try c.shape(0)
    guard shape.count >= 2 else { throw OpError("\(name): the input needs [N, C, …], not rank \(shape.count)") }
    let ints = [Int64(kind.rawValue), Int64(shape[0] * shape[1]), Int64(count(shape.dropFirst(2))), 1]
    return KernelPlan(KernelCall(.f32Reduce, buffers: [.result(0), .operand(0)], ints: ints))
  }

  /// Softmax (mode 0), LogSoftmax (1), Hardmax (2) along `axis`: one F32_SOFTMAX call over [outer, n, inner].
  static func softmax(_ c: PlanContext, _ name: String, mode: Int64) throws(OpError) -> KernelPlan {
    try requireF32(c, name)
    let shape = try c.shape(0)
    let axis = try normalizeAxis(try c.attributes.int("axis", default: -1), rank: shape.count)
    let ints = [mode] + [count(shape.prefix(axis)), shape[axis], count(shape.dropFirst(axis + 1))].map { Int64($0) }
    return KernelPlan(KernelCall(.f32Softmax, buffers: [.result(0), .operand(0)], ints: ints))
  }

  /// LayerNormalization: one F32_LAYERNORM call over [rows, n] (the axes from
  /// `axis` on), scale and bias broadcast to the normalized shape as evaluate
  /// broadcasts them, and the mean and inverse standard deviation written to
  /// results 1 and 2 when the node has them.
  static func layerNormalization(_ c: PlanContext) throws(OpError) -> KernelPlan {
    let (axisOrNil, _) = try LinearAlgebraOps.lastAxesNormType(
      c.inference, "LayerNormalization", scaleInputs: [1, 2])
    try requireF32(c, "LayerNormalization", operands: [0, 1, 2])
    let shape = try c.shape(0)
    guard let axis = axisOrNil else { throw OpError("LayerNormalization: unknown rank") }
    let normalized = Array(shape[axis...])
    var plan = KernelPlan()
    let scale = try broadcastOperand(&plan, c, 1, to: normalized)
    let bias = c.hasOperand(2) ? try broadcastOperand(&plan, c, 2, to: normalized) : nil
    let results = c.resultTypes.count
    let buffers: [BufferSlot?] = [
      .result(0), .operand(0), scale, bias, results > 1 ? .result(1) : nil, results > 2 ? .result(2) : nil,
    ]
    let epsilon = try c.attributes.float("epsilon", default: 1e-5)
    let ints = [count(shape[..<axis]), count(normalized)].map { Int64($0) }
    plan.calls.append(KernelCall(.f32LayerNorm, buffers: buffers, ints: ints, floats: [epsilon]))
    return plan
  }

  /// RMSNormalization: one F32_RMSNORM call over [rows, n], the scale broadcast as evaluate broadcasts it.
  static func rmsNormalization(_ c: PlanContext) throws(OpError) -> KernelPlan {
    _ = try c.inference.input(1)
    let (axisOrNil, _) = try LinearAlgebraOps.lastAxesNormType(c.inference, "RMSNormalization", scaleInputs: [1])
    try requireF32(c, "RMSNormalization", operands: [0, 1])
    let shape = try c.shape(0)
    guard let axis = axisOrNil else { throw OpError("RMSNormalization: unknown rank") }
    let normalized = Array(shape[axis...])
    var plan = KernelPlan()
    let scale = try broadcastOperand(&plan, c, 1, to: normalized)
    let epsilon = try c.attributes.float("epsilon", default: 1e-5)
    let ints = [count(shape[..<axis]), count(normalized)].map { Int64($0) }
    plan.calls.append(KernelCall(.f32RMSNorm, buffers: [.result(0), .operand(0), scale], ints: ints, floats: [epsilon]))
    return plan
  }

  /// A Reduce* op on f32 with constant axes: one F32_REDUCE call over the
  /// layout `LinearAlgebraOps.reductionLayout` picks, after a COPY into
  /// scratch that moves the reduced axes last when they are not one block;
  /// empty axes with noop_with_empty_axes leave the operand as the result.
  static func reduce(_ c: PlanContext, _ name: String, _ kind: qcc_reduce_kind) throws(OpError) -> KernelPlan {
    if c.hasOperand(1), c.value(1) == nil, count(try c.shape(1)) != 0 {
      throw OpError("\(name): the axes must be a constant to compile")
    }
    let (_, axesOrNil) = try LinearAlgebraOps.reduceType(c.inference, name)
    try requireF32(c, name)
    guard let axes = axesOrNil else { return aliasPlan }
    let shape = try c.shape(0)
    let layout = LinearAlgebraOps.reductionLayout(shape: shape, axes: axes)
    var plan = KernelPlan()
    var source = BufferSlot.operand(0)
    if let order = layout.order {
      let strides = contiguousStrides(shape)
      source = plan.scratch(f32Bytes(shape))
      appendCopy(
        &plan, to: source, from: .operand(0), elementSize: MemoryLayout<Float>.size,
        StridedCopy(denseView: order.map { shape[$0] }, strides: order.map { strides[$0] }))
    }
    let ints = [Int64(kind.rawValue)] + [layout.outer, layout.n, layout.inner].map { Int64($0) }
    plan.calls.append(KernelCall(.f32Reduce, buffers: [.result(0), source], ints: ints))
    return plan
  }

  /// MatMul on f32, as `LinearAlgebraOps.matMulEvaluate`: a right operand
  /// without batch dims gives one GEMM whose M is the left operand's batch
  /// times its rows (evaluate may run it on a pre-packed B, which computes
  /// the same bits); otherwise one batched GEMM over the broadcast batch dims
  /// other than 1, with stride 0 where an operand is broadcast.
  static func matMul(_ c: PlanContext) throws(OpError) -> KernelPlan {
    _ = try LinearAlgebraOps.matMulType(c.inference)
    try requireF32(c, "MatMul", operands: [0, 1])
    let aShape = try c.shape(0), bShape = try c.shape(1)
    let as2 = aShape.count == 1 ? [1] + aShape : aShape
    let bs2 = bShape.count == 1 ? bShape + [1] : bShape
    let m = as2[as2.count - 2], k = as2[as2.count - 1], n = bs2[bs2.count - 1]
    let batchA = Array(as2.dropLast(2)), batchB = Array(bs2.dropLast(2))
    let batch = try Broadcast.sizes([batchA, batchB])
    var plan = KernelPlan()
    func gemm(rows: Int, batchShape: [Int], a: [Int64], b: [Int64], c: [Int64]) {
      let scratchBytes = Int(qcc_call_f32_gemm_scratch_bytes(Int64(rows), Int64(n), Int64(k)))
      let scratch = scratchBytes > 0 ? plan.scratch(scratchBytes) : nil
      let ints =
        [0, 0, rows, n, k, k, n, n, batchShape.count].map { Int64($0) } + batchShape.map { Int64($0) } + a + b + c
      plan.calls.append(
        KernelCall(.f32Gemm, buffers: [.result(0), .operand(0), .operand(1), scratch], ints: ints, floats: [1, 0]))
    }
    if count(batchB) == 1 {
      gemm(rows: count(batch) * m, batchShape: [], a: [], b: [], c: [])
      return plan
    }
    let sa = Broadcast.strides(of: batchA, broadcastTo: batch)
    let sb = Broadcast.strides(of: batchB, broadcastTo: batch)
    let sc = contiguousStrides(batch).map(Int64.init)
    let keep = batch.indices.filter { batch[$0] != 1 }
    guard keep.count <= Int(QCC_MAX_RANK) else {
      throw OpError("MatMul: batch rank \(keep.count) exceeds \(QCC_MAX_RANK)")
    }
    gemm(
      rows: m, batchShape: keep.map { batch[$0] }, a: keep.map { sa[$0] * Int64(m * k) },
      b: keep.map { sb[$0] * Int64(k * n) }, c: keep.map { sc[$0] * Int64(m * n) })
    return plan
  }
}
