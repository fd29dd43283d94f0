import QCCIR
import QCCPass

/// The Mamba selective scan, exported unrolled over the sequence and
/// quantized step by step, rebuilt as one `qcc.selective_scan`
/// (Sources/QCCOps/QuantizedScan.swift). For every step t = 0 ..< T of the
/// chain that ends in the Concat:
///
///     %dA.t  = Gather(%dA, t) {axis = 2}                  : [B, D, N] f32
///     %m.t   = Mul(%dA.t, %h.{t-1})                        (%h.{-1}: the initial state h0)
///     %dBx.t = Gather(%dBx, t) {axis = 2}
///     %h.t   = Add(%m.t, %dBx.t)
///     %C.q.t = qcc.quantize(%C)                            : per tensor, i8 or u8
///     %C.t   = Unsqueeze(Gather(%C.q.t, t) {axis = 1}, [-1]) : [B, N, 1]
///     %h.q.t = qcc.quantize(%h.t)                          : per tensor, the same storage
///     %y3.t  = qcc.matmul(%h.q.t, %C.t)                    : [B, D, 1] f32 (dequantized)
///     %y.t   = Unsqueeze(Gather(%y3.t, 0) {axis = 2}, [-1]) : [B, D, 1]
///   %y = Concat(%y.0, …, %y.{T-1}) {axis = -1}             : [B, D, T]
///   becomes
///   %y = qcc.selective_scan(%dA, %dBx, %C, %h0) {…the per-step scales and zero points…}
///
/// It fires only when the whole chain is there: one step per index of the
/// time axis, in order, every step reading the same %dA, %dBx and %C, the
/// operands in this order (f32 NaN payloads depend on it), static shapes
/// that agree without broadcasting, and every value it deletes used only
/// inside the chain (each %h.t by its quantize and the next step's Mul).
/// Anything else is left as it is.
struct SelectiveScanPattern: RewritePattern {
  let name = "selective-scan"
  let rootOps: Set<String> = ["Concat"]

  /// One step's quantization: the state's and C's per-tensor types.
  struct Step {
    var state: QuantizedType
    var c: QuantizedType
  }

  func matchAndRewrite(_ root: NodeID, _ r: inout Rewriter) -> Bool {
    let g = r.graph
    let concat = g[root]
    guard concat.results.count == 1, concat.inputs.count >= 1, concat.inputs.allSatisfy({ $0 != nil }),
      let out = g[concat.results[0]].type.shape.staticSizes, out.count == 3,
      g[concat.results[0]].type.element == .plain(.f32),
      let axis = intAttribute(concat.attributes["axis"]), axis == 2 || axis == -1
    else { return false }
    let (batch, channels, steps) = (out[0], out[1], out[2])
    guard steps == concat.inputs.count else { return false }

    var da: ValueID?, dbx: ValueID?, c: ValueID?, h0: ValueID?
    var previous: ValueID?
    var quantization: [Step] = []
    var state = -1
    for (t, input) in concat.presentInputs.enumerated() {
      // y.t = Unsqueeze(Gather(y3.t, 0, axis 2), [-1]) : [B, D, 1]
      guard let y = unsqueezed(input, axis: 2, r), f32(y, [batch, channels], r),
        let (y3, yIndex) = gathered(y, axis: 2, rank: 3, r), yIndex == 0 || yIndex == -1, r.hasOneUse(y3),
        f32(y3, [batch, channels, 1], r),
        let mm = r.producer(of: y3, "qcc.matmul"), g[mm].inputs.count == 2,
        g[mm].attributes.names.allSatisfy({ $0 == "zero_point_folded" }),
        intAttribute(g[mm].attributes["zero_point_folded"]) ?? 0 == 0,
        let hq = g[mm].inputs[0], let cu = g[mm].inputs[1]
      else { return false }
      // The state's quantize; C's Unsqueeze(Gather(quantize(C), t, axis 1), [-1]).
      guard r.hasOneUse(hq), let hqNode = r.producer(of: hq, "qcc.quantize"), let h = g[hqNode].inputs[0],
        let qh = r.perTensorByteType(hq),
        let cg = unsqueezed(cu, axis: 2, r), let (cq, cIndex) = gathered(cg, axis: 1, rank: 3, r),
        cIndex == t || cIndex == t - steps, r.hasOneUse(cq), let cqNode = r.producer(of: cq, "qcc.quantize"),
        let cIn = g[cqNode].inputs[0], c == nil || c == cIn, let qc = r.perTensorByteType(cq), qc.storage == qh.storage
      else { return false }
      c = cIn
      if let s = g[cIn].type.shape.staticSizes, s.count == 3, s[0] == batch, s[1] == steps, g[cIn].type.element == .plain(.f32) {
        if state < 0 { state = s[2] }
        guard s[2] == state else { return false }
      } else {
        return false
      }
      guard g[cu].type.shape.staticSizes == [batch, state, 1] else { return false }
      // h.t = Add(Mul(Gather(dA, t, axis 2), h.{t-1}), Gather(dBx, t, axis 2)), all [B, D, N] f32.
      let cell = [batch, channels, state]
      guard f32(h, cell, r), let add = r.producer(of: h, "Add"), g[add].inputs.count == 2,
        let m = g[add].inputs[0], let gb = g[add].inputs[1], r.hasOneUse(m), f32(m, cell, r),
        let mul = r.producer(of: m, "Mul"), g[mul].inputs.count == 2, let ga = g[mul].inputs[0],
        let hp = g[mul].inputs[1], f32(hp, cell, r), f32(ga, cell, r), f32(gb, cell, r),
        let (daIn, aIndex) = gathered(ga, axis: 2, rank: 4, r), aIndex == t || aIndex == t - steps,
        let (dbxIn, bIndex) = gathered(gb, axis: 2, rank: 4, r), bIndex == t || bIndex == t - steps,
        r.hasOneUse(ga), r.hasOneUse(gb), da == nil || da == daIn, dbx == nil || dbx == dbxIn
      else { return false }
      let sequence = [batch, channels, steps, state]
      guard f32(daIn, sequence, r), f32(dbxIn, sequence, r) else { return false }
      da = daIn
      dbx = dbxIn
      if t == 0 {
        h0 = hp
      } else {
        guard hp == previous else { return false }
      }
      // h.t is read by its quantize, and (but the last) by the next step's Mul only.
      let uses = g[h].uses.count
      guard !g.isGraphOutput(h), uses == (t == steps - 1 ? 1 : 2) else { return false }
      previous = h
      quantization.append(Step(state: qh, c: qc))
    }
    guard let da, let dbx, let c, let h0, let first = quantization.first,
      quantization.allSatisfy({ $0.state.range == first.state.range && $0.c.range == first.c.range })
    else { return false }

    var attributes = Attributes()
    attributes["storage"] = .string(first.state.storage.rawValue)
    attributes["state_scales"] = .floats(quantization.map { $0.state.perTensor!.scale })
    attributes["state_zero_points"] = .ints(quantization.map { Int64($0.state.perTensor!.zeroPoint) })
    attributes["c_scales"] = .floats(quantization.map { $0.c.perTensor!.scale })
    attributes["c_zero_points"] = .ints(quantization.map { Int64($0.c.perTensor!.zeroPoint) })
    let full = first.state.storage.integerRange
    if first.state.range != full { attributes["state_range"] = .ints([first.state.range.lowerBound, first.state.range.upperBound]) }
    if first.c.range != full { attributes["c_range"] = .ints([first.c.range.lowerBound, first.c.range.upperBound]) }
    let scan = r.insert(
      "qcc.selective_scan", [da, dbx, c, h0], resultTypes: [g[concat.results[0]].type], attributes: attributes,
      location: concat.location, before: root)
    r.replace(root, with: scan)
    return true
  }

  // MARK: - Matching helpers

  /// The int of an int attribute.
  func intAttribute(_ a: Attribute?) -> Int? {
    if case .int(let v)? = a { return Int(v) }
    return nil
  }

  /// The operand of `Unsqueeze(x, [axis])` (or the negative spelling -1) producing `value`, when it is used once.
  func unsqueezed(_ value: ValueID, axis: Int, _ r: Rewriter) -> ValueID? {
    guard r.hasOneUse(value), let n = r.producer(of: value, "Unsqueeze"), r.graph[n].inputs.count == 2,
      let x = r.graph[n].inputs[0], let axes = r.graph[n].inputs[1].flatMap({ r.graph.constantData($0) }),
      axes.elementType.isInteger, axes.elementCount == 1, let a = axes.doubles().first, Int(a) == axis || Int(a) == -1,
      r.hasOneUse(x)
    else { return nil }
    return x
  }

  /// `(x, index)` of `Gather(x, index) {axis}` producing `value`, with a constant scalar index and x of `rank`.
  func gathered(_ value: ValueID, axis: Int, rank: Int, _ r: Rewriter) -> (ValueID, Int)? {
    guard let n = r.producer(of: value, "Gather"), r.graph[n].inputs.count == 2, let x = r.graph[n].inputs[0],
      r.graph[x].type.shape.rank == rank,
      r.graph[n].attributes.names == ["axis"], let a = intAttribute(r.graph[n].attributes["axis"]),
      a == axis || a == axis - rank,
      let index = r.graph[n].inputs[1].flatMap({ r.graph.constantData($0) }), index.elementType.isInteger,
      index.shape.isEmpty, let i = index.doubles().first
    else { return nil }
    return (x, Int(i))
  }

  /// True when `value` is a plain f32 tensor of exactly `shape`.
  func f32(_ value: ValueID, _ shape: [Int], _ r: Rewriter) -> Bool {
    r.graph[value].type.shape.staticSizes == shape && r.graph[value].type.element == .plain(.f32)
  }
}
