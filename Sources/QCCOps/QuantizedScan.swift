import QCCIR
import QCCKernels

/// qcc.selective_scan(da, dbx, c, h0): the selective scan of a Mamba layer
/// with its quantized readout, one op for the recurrence that the ONNX export
/// unrolls over the sequence (the `fuse` pass builds it:
/// passes/fuse/SelectiveScanPattern.swift).
///
/// Operands (all f32): `da` and `dbx` [batch, channels, steps, state] (the
/// discretised A, exp(Δ·A), and the input term Δ·B·x), `c` [batch, steps,
/// state], `h0` [batch, channels, state] (the initial state). The result `y`
/// is f32 [batch, channels, steps]. Attributes, one entry per step t:
/// `state_scales`, `state_zero_points` (how the state is quantized at step
/// t), `c_scales`, `c_zero_points` (how c is quantized at step t), the
/// storage type `storage` ("i8" or "u8") of both, and optionally
/// `state_range` / `c_range` = [qmin, qmax] when the stored values are
/// narrower than the storage type's range.
///
/// Semantics: exactly the composition it replaces, operation by operation,
/// with h = h0 and for t = 0 ..< steps:
///
///     h    = Mul(Gather(da, t, axis 2), h)                       f32, da first
///     h    = Add(h, Gather(dbx, t, axis 2))                      f32, h first
///     h.q  = qcc.quantize(h)               : !q.uniform<storage:f32, state_scales[t]:state_zero_points[t]>
///     c.q  = qcc.quantize(c)               : !q.uniform<storage:f32, c_scales[t]:c_zero_points[t]>
///     c_t  = Unsqueeze(Gather(c.q, t, axis 1), [-1])             [batch, state, 1]
///     y_t  = qcc.matmul(h.q, c_t)          : f32 [batch, channels, 1]  (dequantized: scale_h × scale_c in f32)
///     y[:, :, t] = Gather(y_t, 0, axis 2)
///
/// (the y_t joined by Concat of Unsqueeze(y_t, -1) along the last axis). The
/// kernel (QCC_KERNEL_QSCAN, targets/runtime/quant_scan.c) calls the same
/// kernels with the same parameters, so the bits are those of the unfused
/// program: qcc_f32_binary, qcc_quantize_f32, qcc_qgemm_i32 (int32
/// accumulators) and qcc_dequantize_f32.
extension QuantizedOps {
  static let selectiveScan = OpDefinition.planned(
    "qcc.selective_scan",
    inferTypes: { (c) throws(OpError) in [try selectiveScanType(c).type] },
    plan: QuantizedPlans.selectiveScan)

  /// The scan's checked attributes.
  struct ScanParameters {
    var storage: ElementType
    var stateScales: [Float], stateZeroPoints: [Int32], stateRange: ClosedRange<Int64>
    var cScales: [Float], cZeroPoints: [Int32], cRange: ClosedRange<Int64>
  }

  static let scanStorage: Set<ElementType> = [.i8, .u8]

  static func selectiveScanType(_ c: InferenceContext) throws(OpError) -> (type: TensorType, parameters: ScanParameters) {
    let op = "qcc.selective_scan"
    let names = ["da", "dbx", "c", "h0"]
    let layouts = ["[batch, channels, steps, state]", "[batch, channels, steps, state]", "[batch, steps, state]",
                   "[batch, channels, state]"]
    guard c.inputCount == 4 else { throw OpError("\(op) takes 4 operands (da, dbx, c, h0), not \(c.inputCount)") }
    var dims: [[Dim]?] = []
    for i in 0..<4 {
      let t = try c.input(i)
      let rank = i < 2 ? 4 : 3
      guard t.element == .plain(.f32), t.shape.rank == nil || t.shape.rank == rank else {
        throw OpError("\(op): operand \(i) (\(names[i])) must be f32 \(layouts[i]), not \(Printer.spell(t))")
      }
      dims.append(t.shape.dims)
    }
    // Every named size, unified over the operands that have it.
    var batch: Dim = .symbolic(nil), channels: Dim = .symbolic(nil), steps: Dim = .symbolic(nil),
      state: Dim = .symbolic(nil)
    func agree(_ d: inout Dim, _ e: Dim, _ what: String, _ i: Int) throws(OpError) {
      do {
        d = try DimMath.unify(d, e, "")
      } catch {
        throw OpError("\(op): operand \(i) (\(names[i])) has \(what) \(e); the operands before it have \(d)")
      }
    }
    for i in 0..<4 {
      guard let ds = dims[i] else { continue }
      try agree(&batch, ds[0], "batch", i)
      switch i {
      case 0, 1:
        try agree(&channels, ds[1], "channels", i)
        try agree(&steps, ds[2], "steps", i)
        try agree(&state, ds[3], "state", i)
      case 2:
        try agree(&steps, ds[1], "steps", i)
        try agree(&state, ds[2], "state", i)
      default:
        try agree(&channels, ds[1], "channels", i)
        try agree(&state, ds[2], "state", i)
      }
    }
    let a = c.attributes
    guard let storageName = try a.string("storage") else { throw OpError("\(op) needs a 'storage' attribute (\"i8\" or \"u8\")") }
    guard let storage = ElementType(rawValue: storageName), scanStorage.contains(storage), let full = storage.integerRange else {
      throw OpError("\(op): storage is \"\(storageName)\"; expected \"i8\" or \"u8\"")
    }
    func range(_ name: String) throws(OpError) -> ClosedRange<Int64> {
      guard let r = try a.ints(name) else { return full }
      guard r.count == 2, Int64(r[0]) >= full.lowerBound, r[0] <= r[1], Int64(r[1]) <= full.upperBound else {
        throw OpError(
          "\(op): '\(name)' is \(r); expected [qmin, qmax] with \(full.lowerBound) <= qmin <= qmax <= \(full.upperBound) (\(storage))")
      }
      return Int64(r[0])...Int64(r[1])
    }
    func scales(_ name: String) throws(OpError) -> [Float] {
      guard let v = try a.floats(name) else { throw OpError("\(op) needs a '\(name)' attribute (one scale per step)") }
      for (t, s) in v.enumerated() where !(s > 0 && s.isFinite) {
        throw OpError("\(op): \(name)[\(t)] is \(s); expected a finite value > 0")
      }
      return v
    }
    func zeroPoints(_ name: String) throws(OpError) -> [Int32] {
      guard let v = try a.ints(name) else { throw OpError("\(op) needs a '\(name)' attribute (one zero point per step)") }
      for (t, z) in v.enumerated() where !full.contains(Int64(z)) {
        throw OpError("\(op): \(name)[\(t)] is \(z); expected \(full.lowerBound)...\(full.upperBound) (\(storage))")
      }
      return v.map { Int32($0) }
    }
    let p = ScanParameters(
      storage: storage, stateScales: try scales("state_scales"), stateZeroPoints: try zeroPoints("state_zero_points"),
      stateRange: try range("state_range"), cScales: try scales("c_scales"), cZeroPoints: try zeroPoints("c_zero_points"),
      cRange: try range("c_range"))
    let counts = [
      ("state_scales", p.stateScales.count), ("state_zero_points", p.stateZeroPoints.count),
      ("c_scales", p.cScales.count), ("c_zero_points", p.cZeroPoints.count),
    ]
    for (name, n) in counts where n != counts[0].1 || steps.value.map({ $0 != n }) == true {
      throw OpError(
        "\(op): '\(name)' has \(n) values; expected one per step (\(steps.value.map(String.init) ?? String(counts[0].1)))")
    }
    return (TensorType(.f32, .ranked([batch, channels, steps])), p)
  }
}

extension QuantizedPlans {
  /// One QSCAN call (qcc_program.h, kernel 24).
  static let selectiveScan: PlanFunction = { (c) throws(OpError) in
    let (_, p) = try Q.selectiveScanType(c.inference)
    let da = try c.shape(0)
    let (batch, channels, steps, state) = (da[0], da[1], da[2], da[3])
    // The accumulator of step t has scale scale_h × scale_c, in f32 as qcc.matmul computes it.
    let accScales = zip(p.stateScales, p.cScales).map { $0 * $1 }
    var plan = KernelPlan()
    let bytes = Int(qcc_qscan_workspace(Int64(batch), Int64(channels), Int64(state)))
    let workspace = bytes > 0 ? plan.scratch(bytes) : nil
    plan.calls.append(
      KernelCall(
        .qscan,
        buffers: [.result(0), .operand(0), .operand(1), .operand(2), .operand(3), f32s(p.stateScales + p.cScales + accScales),
                  i32s(p.stateZeroPoints + p.cZeroPoints), workspace],
        ints: [qtype(p.storage)] + [batch, channels, steps, state].map(Int64.init)
          + [p.stateRange.lowerBound, p.stateRange.upperBound, p.cRange.lowerBound, p.cRange.upperBound]))
    return plan
  }
}
