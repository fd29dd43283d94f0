import QCCIR
import QCCKernels

/// Plans of the qcc.* integer ops (qcc_program.h kernels 10–16, and 24: QuantizedScan.swift). They are
/// also how the interpreter evaluates these ops (`OpDefinition.planned`), so
/// the kernel parameters — multipliers, shifts, zero-point layouts, batch
/// strides — are derived here and nowhere else. Type checking stays with the
/// ops (QuantizedConvert.swift, QuantizedMatMul.swift, QuantizedConv.swift,
/// QuantizedArithmetic.swift).
enum QuantizedPlans {
  static func register(into t: inout [String: PlanFunction]) {
    t["qcc.quantize"] = quantize
    t["qcc.dequantize"] = dequantize
    t["qcc.requantize"] = requantize
    t["qcc.matmul"] = matMul
    t["qcc.conv"] = conv
    t["qcc.add"] = add
    t["qcc.mul"] = mul
    t["qcc.attention"] = attention
    t["qcc.selective_scan"] = selectiveScan
    t[FusedElementwise.opName] = FusedElementwise.plan
  }

  typealias Q = QuantizedOps

  /// The resolved parameters of a quantized type on a value of `shape`.
  static func parameters(_ type: TensorType, _ c: PlanContext, _ op: String, _ what: String) throws(OpError)
    -> (QuantizedType, QuantizationParameters)
  {
    guard let q = type.element.quantization else { throw OpError("\(op): \(what) is not quantized") }
    guard let p = try Q.checkParameters(q, shape: type.shape, c.inference.parameters, op, what, required: true) else {
      throw OpError("\(op): the parameters of \(what) are elided")
    }
    return (q, p)
  }

  static func qtype(_ t: ElementType) -> Int64 { Int64(Q.kernelType(t)!.rawValue) }
  static func f32s(_ v: [Float]) -> BufferSlot { .constant(TensorData(shape: [v.count], scalars: v)) }
  static func i32s(_ v: [Int32]) -> BufferSlot { .constant(TensorData(shape: [v.count], scalars: v)) }

  static let quantize: PlanFunction = { (c) throws(OpError) in
    let op = "qcc.quantize"
    let shape = try c.shape(0)
    let (q, p) = try parameters(c.resultTypes[0], c, op, "the result")
    let layout = Q.Layout(q, shape: shape)
    let (lo, hi) = Q.clampRange(p)
    return KernelPlan(
      KernelCall(
        .quantize, buffers: [.result(0), .operand(0), f32s(p.scales), i32s(p.zeroPoints)],
        ints: [qtype(q.storage)] + [layout.outer, layout.channels, layout.inner, layout.group].map(Int64.init)
          + [Int64(lo), Int64(hi)]))
  }

  static let dequantize: PlanFunction = { (c) throws(OpError) in
    let op = "qcc.dequantize"
    let shape = try c.shape(0)
    let (q, p) = try parameters(try c.inference.input(0), c, op, "operand 0")
    return KernelPlan(dequantizeCall(.result(0), .operand(0), q, p.scales, p.zeroPoints, shape: shape))
  }

  /// DEQUANTIZE of `x` (quantized as `q` with these parameters) into `y`.
  static func dequantizeCall(
    _ y: BufferSlot, _ x: BufferSlot, _ q: QuantizedType, _ scales: [Float], _ zeroPoints: [Int32], shape: [Int]
  ) -> KernelCall {
    let layout = Q.Layout(q, shape: shape)
    return KernelCall(
      .dequantize, buffers: [y, x, f32s(scales), i32s(zeroPoints)],
      ints: [qtype(q.storage)] + [layout.outer, layout.channels, layout.inner, layout.group].map(Int64.init))
  }

  static let requantize: PlanFunction = { (c) throws(OpError) in
    let op = "qcc.requantize"
    let (_, axis) = try Q.requantizeType(c.inference)
    let shape = try c.shape(0)
    let (qx, px) = try parameters(try c.inference.input(0), c, op, "operand 0")
    let (qy, py) = try parameters(c.resultTypes[0], c, op, "the result")
    return KernelPlan(
      requantizeCall(.result(0), .operand(0), from: (qx.storage, px.scales, px.zeroPoints), to: (qy.storage, py),
                     shape: shape, axis: axis))
  }

  /// The fixed-point form of the rescale scale_in / scale_out (the quotient in
  /// double, rounded once), as every requantizing kernel call takes it.
  static func requantizeMultiplier(from scaleIn: Float, to scaleOut: Float) -> (multiplier: Int32, shift: Int32) {
    var multiplier: Int32 = 0, shift: Int32 = 0
    qcc_quant_multiplier(Double(scaleIn) / Double(scaleOut), &multiplier, &shift)
    return (multiplier, shift)
  }

  /// REQUANTIZE of `x` (its storage, scales and zero points, one or one per
  /// channel of `axis`) into `y` (its storage and parameters).
  static func requantizeCall(
    _ y: BufferSlot, _ x: BufferSlot, from px: (storage: ElementType, scales: [Float], zeroPoints: [Int32]),
    to py: (storage: ElementType, parameters: QuantizationParameters), shape: [Int], axis: Int?
  ) -> KernelCall {
    let outer = axis.map { shape[..<$0].reduce(1, *) } ?? 1
    let channels = axis.map { shape[$0] } ?? 1
    let inner = axis.map { shape[($0 + 1)...].reduce(1, *) } ?? shape.reduce(1, *)
    func perChannel<T>(_ v: [T]) -> [T] { v.count == 1 ? [T](repeating: v[0], count: channels) : v }
    let sx = perChannel(px.scales), sy = perChannel(py.parameters.scales)
    let fixedPoint = (0..<channels).map { requantizeMultiplier(from: sx[$0], to: sy[$0]) }
    let multipliers = fixedPoint.map(\.multiplier), shifts = fixedPoint.map(\.shift)
    let (lo, hi) = Q.clampRange(py.parameters)
    return KernelCall(
      .requantize,
      buffers: [y, x, i32s(multipliers), i32s(shifts), i32s(perChannel(px.zeroPoints)), i32s(perChannel(py.parameters.zeroPoints))],
      ints: [qtype(px.storage), qtype(py.storage), Int64(outer), Int64(channels), Int64(inner), Int64(lo), Int64(hi)])
  }

  /// The bias operand as the accumulator's storage: a constant i32 bias widens to i64 as `evaluate` does.
  static func bias(_ c: PlanContext, _ i: Int, accumulator: ElementType, _ op: String) throws(OpError) -> BufferSlot? {
    guard c.hasOperand(i) else { return nil }
    let t = try c.elementType(i)
    if t == accumulator { return .operand(i) }
    guard let data = c.value(i) else {
      throw OpError("\(op): a \(t) bias for an \(accumulator) accumulator must be a constant to be compiled")
    }
    return .constant(TensorData(shape: data.shape, scalars: Q.int64Bias(data)))
  }

  /// What a qcc.matmul's QGEMM needs, derived once for its plan and for the
  /// fused chains that start with it (FusedElementwise.swift).
  struct MatMulGEMM {
    var qa: QuantizedType, qb: QuantizedType
    var accumulator: ElementType
    var za: Int32
    var layout: qcc_zp_layout
    var group: Int
    var m: Int, k: Int, n: Int
    /// Rows of the one GEMM when b has no batch (a's batch rows stack into M).
    var rows: Int
    /// b has no batch: one GEMM of `rows` rows.
    var single: Bool
    var aShape: [Int], bShape: [Int], batchA: [Int], batchB: [Int], batch: [Int]
    /// b's zero points (nil: scalar zero), and the bias as the accumulator's storage.
    var zeroPoints: BufferSlot?
    var bias: BufferSlot?
    /// The accumulator's scale per output column (one when per tensor): scale_a × scale_b[n] in f32.
    var accScales: [Float]
  }

  static func matMulGEMM(_ c: PlanContext) throws(OpError) -> MatMulGEMM {
    let op = "qcc.matmul"
    let aShape = try c.shape(0), bShape = try c.shape(1)
    let (qa, pa) = try parameters(try c.inference.input(0), c, op, "operand 0")
    let (qb, pb) = try parameters(try c.inference.input(1), c, op, "operand 1")
    let folded = try c.attributes.int("zero_point_folded", default: 0) != 0
    let za = folded ? 0 : pa.zeroPoints[0]
    let as2 = aShape.count == 1 ? [1] + aShape : aShape
    let bs2 = bShape.count == 1 ? bShape + [1] : bShape
    let m = as2[as2.count - 2], k = as2[as2.count - 1], n = bs2[bs2.count - 1]
    let batchA = Array(as2.dropLast(2)), batchB = Array(bs2.dropLast(2))
    let batch = try Broadcast.sizes([batchA, batchB])
    let accumulator = Q.accumulator(qa.storage, qb.storage)
    var layout = QCC_ZP_SCALAR, group = 0
    switch qb.granularity {
    case .perTensor: break
    case .perAxis: layout = QCC_ZP_PER_COL
    case .perGroup(_, let g, _, _):
      layout = QCC_ZP_ROW_GROUPS
      group = g
    }
    let bBatch = batchB.reduce(1, *)
    if qb.storage.bitWidth < 8 && bBatch > 1 && (k * n) % 2 != 0 {
      throw OpError("\(op): a 4-bit right operand with batch dimensions needs an even K × N, not \(k) × \(n)")
    }
    let single = bBatch == 1
    let zeroPoints = layout == QCC_ZP_SCALAR && pb.zeroPoints.allSatisfy({ $0 == 0 }) ? nil : i32s(pb.zeroPoints.isEmpty ? [0] : pb.zeroPoints)
    let sa: Float
    if case .perTensor(let s, _) = qa.granularity { sa = s } else { sa = pa.scales[0] }
    return MatMulGEMM(
      qa: qa, qb: qb, accumulator: accumulator, za: za, layout: layout, group: group, m: m, k: k, n: n,
      rows: single ? batch.reduce(1, *) * m : m, single: single, aShape: aShape, bShape: bShape, batchA: batchA,
      batchB: batchB, batch: batch, zeroPoints: zeroPoints, bias: try bias(c, 2, accumulator: accumulator, op),
      accScales: Array(pb.scales.prefix(n)).map { sa * $0 })
  }

  static let matMul: PlanFunction = { (c) throws(OpError) in
    let op = "qcc.matmul"
    let g = try matMulGEMM(c)
    let (m, k, n) = (g.m, g.k, g.n)
    // One GEMM when b has no batch (a's batch rows stack into M), else batched.
    var batchInts: [Int64] = [0]
    if !g.single {
      let sa = Broadcast.strides(of: g.batchA, broadcastTo: g.batch), sb = Broadcast.strides(of: g.batchB, broadcastTo: g.batch)
      let sc = contiguousStrides(g.batch).map(Int64.init)
      let keep = g.batch.indices.filter { g.batch[$0] != 1 }
      try requireKernelRank(keep.count)
      batchInts = [Int64(keep.count)] + keep.map { Int64(g.batch[$0]) } + keep.map { sa[$0] * Int64(m * k) }
        + keep.map { sb[$0] * Int64(k * n) } + keep.map { sc[$0] * Int64(m * n) }
    }
    let ints: [Int64] =
      [qtype(g.accumulator), qtype(g.qa.storage), qtype(g.qb.storage), Int64(g.za), Int64(g.layout.rawValue), Int64(g.group)]
      + [g.rows, n, k, k, n, n].map(Int64.init) + batchInts
    let qgemm = { (c: BufferSlot) -> KernelCall in
      KernelCall(.qgemm, buffers: [c, .operand(0), .operand(1), g.zeroPoints, g.bias], ints: ints)
    }
    let epilogue = matMulEpilogue(c.resultTypes[0], accumulator: g.accumulator)
    if case .accumulator = epilogue { return KernelPlan(qgemm(.result(0))) }
    // Fused: the accumulator goes to scratch, then the epilogue reads it, as
    // the unfused qcc.dequantize / qcc.requantize of it would.
    let resultShape = try c.resultShape()
    var plan = KernelPlan()
    let acc = plan.scratch(g.accumulator.byteCount(forElements: resultShape.reduce(1, *)))
    plan.calls.append(qgemm(acc))
    let accScales = g.accScales
    let axis: Int? = accScales.count > 1 ? resultShape.count - 1 : nil
    let accZeroPoints = [Int32](repeating: 0, count: accScales.count)
    switch epilogue {
    case .dequantize:
      let qacc = QuantizedType(
        storage: g.accumulator, expressed: .f32,
        granularity: axis.map { .perAxis(axis: $0, scales: "", zeroPoints: "") } ?? .perTensor(scale: accScales[0], zeroPoint: 0))
      plan.calls.append(dequantizeCall(.result(0), acc, qacc, accScales, accZeroPoints, shape: resultShape))
    case .requantize(let qy):
      let (_, py) = try parameters(c.resultTypes[0], c, op, "the result")
      var yAxis = axis
      if case .perAxis(let a, _, _) = qy.granularity { yAxis = a }
      plan.calls.append(
        requantizeCall(.result(0), acc, from: (g.accumulator, accScales, accZeroPoints), to: (qy.storage, py),
                       shape: resultShape, axis: yAxis))
    default:
      throw OpError("\(op): no epilogue produces \(Printer.spell(c.resultTypes[0]))")
    }
    return plan
  }

  static let conv: PlanFunction = { (c) throws(OpError) in
    let op = "qcc.conv"
    let (type, window, group) = try Q.convType(c.inference)
    guard let shape = type.shape.staticSizes else { throw OpError("\(op): the result has a dynamic shape") }
    let xShape = try c.shape(0)
    let (qx, px) = try parameters(try c.inference.input(0), c, op, "operand 0")
    let (qw, pw) = try parameters(try c.inference.input(1), c, op, "operand 1")
    let (g, _) = try window.geometry(input: Array(xShape.dropFirst(2)), op: op)
    let channels = xShape[1], outChannels = shape[1]
    let folded = try c.attributes.int("zero_point_folded", default: 0) != 0
    let zx = px.zeroPoints[0]
    let zw = pw.zeroPoints.count == 1 ? [Int32](repeating: pw.zeroPoints[0], count: outChannels) : pw.zeroPoints
    var geometry = g
    let workspaceBytes = Int(qcc_qconv_workspace(&geometry, Int64(channels), Int64(group), Q.kernelType(qx.storage)!))
    var plan = KernelPlan()
    let workspace = workspaceBytes > 0 ? plan.scratch(workspaceBytes) : nil
    let windowInts: [Int64] = [
      g.in.0, g.in.1, g.in.2, g.out.0, g.out.1, g.out.2, g.kernel.0, g.kernel.1, g.kernel.2,
      g.stride.0, g.stride.1, g.stride.2, g.dilation.0, g.dilation.1, g.dilation.2,
      g.pad_begin.0, g.pad_begin.1, g.pad_begin.2,
    ]
    let storage = c.resultElementType()
    plan.calls.append(
      KernelCall(
        .qconv,
        buffers: [.result(0), .operand(0), .operand(1), i32s(zw), try bias(c, 2, accumulator: storage, op), workspace],
        ints: [qtype(storage), qtype(qx.storage), qtype(qw.storage), Int64(folded ? 0 : zx), Int64(zx)]
          + [shape[0], channels, outChannels, group].map(Int64.init) + windowInts))
    return plan
  }

  static let add: PlanFunction = { (c: PlanContext) throws(OpError) -> KernelPlan in try arithmetic(c, add: true) }
  static let mul: PlanFunction = { (c: PlanContext) throws(OpError) -> KernelPlan in try arithmetic(c, add: false) }

  static func arithmetic(_ c: PlanContext, add: Bool) throws(OpError) -> KernelPlan {
    let op = add ? "qcc.add" : "qcc.mul"
    let shape = try c.resultShape()
    try requireKernelRank(shape.count)
    let (qa, pa) = try parameters(try c.inference.input(0), c, op, "operand 0")
    let (qb, pb) = try parameters(try c.inference.input(1), c, op, "operand 1")
    let (qy, py) = try parameters(c.resultTypes[0], c, op, "the result")
    let (lo, hi) = Q.clampRange(py)
    let sa = Broadcast.strides(of: try c.shape(0), broadcastTo: shape)
    let sb = Broadcast.strides(of: try c.shape(1), broadcastTo: shape)
    var ints: [Int64] = [qtype(qy.storage), qtype(qa.storage), qtype(qb.storage)]
    ints += [py.zeroPoints[0], pa.zeroPoints[0], pb.zeroPoints[0], lo, hi].map(Int64.init)
    if add {
      ints += [qcc_qadd_multiplier(pa.scales[0], py.scales[0]), qcc_qadd_multiplier(pb.scales[0], py.scales[0])]
    } else {
      ints.append(qcc_qmul_multiplier(pa.scales[0], pb.scales[0], py.scales[0]))
    }
    ints += [Int64(shape.count)] + shape.map(Int64.init) + sa + sb
    return KernelPlan(KernelCall(add ? .qadd : .qmul, buffers: [.result(0), .operand(0), .operand(1)], ints: ints))
  }
}
