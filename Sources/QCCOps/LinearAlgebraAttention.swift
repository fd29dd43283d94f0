import QCCIR
import QCCKernels

#if canImport(Glibc)
import Glibc
#endif

// Attention (opsets 23–25), as ONNX's reference computes it:
//   Y = softmax(softcap(Q·s (K·s)ᵀ) + bias) V,  s = sqrt(scale), scale = 1/sqrt(head size) by default,
// over Q [B, Hq, Sq, D] and K, V [B, Hkv, Skv, D/Dv] (or 3-D [B, S, H * D] with
// q_num_heads / kv_num_heads). past_key / past_value are prepended to K and V
// (the present_* results). Query heads share key/value heads in groups (GQA)
// when Hq is a multiple of Hkv. The additive bias combines
// - attn_mask (bool: false masks; float: added), padded with masked columns up to the total kv length,
// - is_causal: key j is visible to query i iff j <= i + offset,
// - left_window_size / right_window_size (opset 25): |(i + offset) - j| bounded on each side,
// - nonpad_kv_seqlen (opset 24): keys at or past the length are masked,
// where offset is the past length, or nonpad_kv_seqlen - Sq without a past. A query row whose
// bias masks every key gives 0 (probabilities and Y). qk_matmul_output_mode 0/1 returns the
// (softcapped) scores, 2 the scores plus bias, 3 the probabilities. Computed in f32 (f16 and
// bf16 through f32), the two products with sgemm per head.

extension LinearAlgebraOps {
  /// The dims of an Attention node, from Q, K, V and the past (nil where unknown).
  struct AttentionShape {
    var batch: Dim, qHeads: Int?, kvHeads: Int?, qSeq: Dim, kvSeq: Dim, past: Dim
    var headSize: Dim, valueHeadSize: Dim
    var rank: Int
  }

  static func attentionTypes(_ c: InferenceContext) throws(OpError) -> [TensorType] {
    let op = "Attention"
    let q = try c.input(0), k = try c.input(1), v = try c.input(2)
    try ElementTypes.require(q, in: [.f32, .f16, .bf16], op)
    try requireSameElement(c, [1, 2, 4, 5], as: q, op)
    guard (1...4).contains(c.resultCount) else { throw OpError("\(op) has 1 to 4 results, not \(c.resultCount)") }
    if c.hasInput(3) {
      let m = try c.input(3)
      guard m.elementType == .bool || m.elementType == q.elementType else {
        throw OpError("\(op) attn_mask must be bool or \(q.elementType), not \(m.elementType)")
      }
    }
    if c.hasInput(6) { try c.requireIntegerInput(6, what: "\(op) nonpad_kv_seqlen") }
    guard c.hasInput(4) == c.hasInput(5) else { throw OpError("\(op) takes past_key and past_value together") }
    if c.hasInput(4) && c.hasInput(6) { throw OpError("\(op) nonpad_kv_seqlen cannot be combined with a past") }
    let mode = try c.attributes.int("qk_matmul_output_mode", default: 0)
    guard (0...3).contains(mode) else { throw OpError("\(op) qk_matmul_output_mode must be 0 to 3, not \(mode)") }
    let qHeadsAttr = try c.attributes.int("q_num_heads"), kvHeadsAttr = try c.attributes.int("kv_num_heads")
    guard let qd = q.shape.dims, let kd = k.shape.dims, let vd = v.shape.dims else {
      let u = TensorType(q.element, .unranked)
      return [TensorType](repeating: u, count: c.resultCount)
    }
    guard qd.count == kd.count && kd.count == vd.count && (qd.count == 3 || qd.count == 4) else {
      throw OpError("\(op) Q, K and V must all have rank 3 or all rank 4, not \(qd.count), \(kd.count), \(vd.count)")
    }
    var s: AttentionShape
    if qd.count == 4 {
      s = AttentionShape(
        batch: qd[0], qHeads: qd[1].value, kvHeads: kd[1].value ?? vd[1].value, qSeq: qd[2], kvSeq: kd[2],
        past: .fixed(0), headSize: qd[3], valueHeadSize: vd[3], rank: 4)
      _ = try DimMath.unify(kd[3], qd[3], "\(op) Q and K head sizes differ")
    } else {
      guard let qh = qHeadsAttr, let kvh = kvHeadsAttr, qh > 0, kvh > 0 else {
        throw OpError("\(op) needs positive q_num_heads and kv_num_heads for 3-D inputs")
      }
      func split(_ d: Dim, _ h: Int, _ what: String) throws(OpError) -> Dim {
        guard let n = d.value else { return .symbolic(nil) }
        guard n % h == 0 else { throw OpError("\(op) \(what) hidden size \(n) is not divisible by \(h) heads") }
        return .fixed(n / h)
      }
      s = AttentionShape(
        batch: qd[0], qHeads: qh, kvHeads: kvh, qSeq: qd[1], kvSeq: kd[1], past: .fixed(0),
        headSize: try split(qd[2], qh, "Q"), valueHeadSize: try split(vd[2], kvh, "V"), rank: 3)
      _ = try DimMath.unify(try split(kd[2], kvh, "K"), s.headSize, "\(op) Q and K head sizes differ")
    }
    _ = try DimMath.unify(kd[0], qd[0], "\(op) Q and K batch sizes differ")
    _ = try DimMath.unify(kd[qd.count - 2], vd[qd.count - 2], "\(op) K and V sequence lengths differ")
    if let qh = s.qHeads, let kvh = s.kvHeads, qh != kvh, qh % kvh != 0 {
      throw OpError("\(op) \(qh) query heads cannot share \(kvh) key/value heads")
    }
    if c.hasInput(4) {
      let pk = try c.input(4), pv = try c.input(5)
      if let pd = pk.shape.dims {
        guard pd.count == 4 else { throw OpError("\(op) past_key must have rank 4, not \(pd.count)") }
        s.past = pd[2]
      }
      if let pd = pv.shape.dims, pd.count != 4 { throw OpError("\(op) past_value must have rank 4, not \(pd.count)") }
    }
    let total: Dim =
      if let a = s.kvSeq.value, let b = s.past.value { .fixed(a + b) } else if s.past == .fixed(0) { s.kvSeq } else {
        .symbolic(nil)
      }
    let qHeads: Dim = s.qHeads.map { .fixed($0) } ?? .symbolic(nil)
    let kvHeads: Dim = s.kvHeads.map { .fixed($0) } ?? .symbolic(nil)
    let y: [Dim] =
      s.rank == 4
      ? [s.batch, qHeads, s.qSeq, s.valueHeadSize] : [s.batch, s.qSeq, try DimMath.scaled(s.valueHeadSize, by: s.qHeads!)]
    var types = [TensorType(q.element, .ranked(y))]
    types.append(TensorType(q.element, .ranked([s.batch, kvHeads, total, s.headSize])))
    types.append(TensorType(q.element, .ranked([s.batch, kvHeads, total, s.valueHeadSize])))
    types.append(TensorType(q.element, .ranked([s.batch, qHeads, s.qSeq, total])))
    return Array(types.prefix(c.resultCount))
  }

  static let attention = OpDefinition(
    "Attention",
    inferTypes: { (c) throws(OpError) in try attentionTypes(c) },
    evaluate: { (c) throws(OpError) in try evaluateAttention(c) })

  static func evaluateAttention(_ c: EvaluationContext) throws(OpError) -> [TensorData] {
    let op = "Attention"
    let types = try attentionTypes(c.inference)
    let shapes = try types.map { (t) throws(OpError) in try t.requireStaticShape("Attention result") }
    let a = c.attributes
    let qIn = try c.input(0)
    let rank = qIn.shape.count
    // Everything as 4-D f32 [B, H, S, D].
    func heads4D(_ t: TensorData, _ h: Int) -> TensorData {
      let f = toF32(t)
      if rank == 4 { return f }
      let (b, s, hidden) = (f.shape[0], f.shape[1], f.shape[2])
      return f.reshaped([b, s, h, hidden / h]).denseCopy(
        shape: [b, h, s, hidden / h], strides: [s * hidden, hidden / h, hidden, 1])
    }
    let qHeads = rank == 4 ? qIn.shape[1] : try a.int("q_num_heads", default: 0)
    let kvHeads = rank == 4 ? try c.input(1).shape[1] : try a.int("kv_num_heads", default: 0)
    let q = heads4D(qIn, qHeads)
    var k = heads4D(try c.input(1), kvHeads), v = heads4D(try c.input(2), kvHeads)
    var past = 0
    if let pk = c.optionalInput(4), let pv = c.optionalInput(5) {
      past = pk.shape[2]
      guard pk.shape == [k.shape[0], kvHeads, past, k.shape[3]], pv.shape == [v.shape[0], kvHeads, pv.shape[2], v.shape[3]],
        pv.shape[2] == past
      else {
        throw OpError("\(op) past_key \(pk.shape) and past_value \(pv.shape) do not match K \(k.shape) and V \(v.shape)")
      }
      k = concatSequence(toF32(pk), k)
      v = concatSequence(toF32(pv), v)
    }
    let batch = q.shape[0], sq = q.shape[2], d = q.shape[3], total = k.shape[2], dv = v.shape[3]
    let groups = qHeads / kvHeads
    // Scale: sqrt(scale) on both Q and K, rounded to f32, as the reference does.
    let scale = Double(try a.float("scale") ?? Float(1 / Double(d).squareRoot()))
    let s = Float(scale.squareRoot())
    let softcap = try a.float("softcap", default: 0)
    let isCausal = try a.int("is_causal", default: 0) != 0
    let left = try a.int("left_window_size", default: -1), right = try a.int("right_window_size", default: -1)
    let mode = try a.int("qk_matmul_output_mode", default: 0)
    var nonpad: [Int]?
    if let t = c.optionalInput(6) {
      let v = t.integers()!.map { Int($0) }
      guard v.count == batch else { throw OpError("\(op) nonpad_kv_seqlen has \(v.count) values, expected \(batch)") }
      nonpad = v
    }
    // The mask read through broadcast strides over [B, Hq, Sq, maskLength].
    var maskValues: [Float]?
    var maskStrides: [Int] = []
    var maskLength = 0
    if let m = c.optionalInput(3) {
      guard m.shape.count >= 1 && m.shape.count <= 4 else { throw OpError("\(op) attn_mask must have rank 1 to 4") }
      maskLength = m.shape.last!
      let target = [batch, qHeads, sq, maskLength]
      guard (try? Broadcast.sizes([m.shape, target])) == target, maskLength <= total else {
        throw OpError("\(op) attn_mask \(m.shape) does not broadcast to \([batch, qHeads, sq, total])")
      }
      maskStrides = Broadcast.strides(of: m.shape, broadcastTo: target).map { Int($0) }
      maskValues =
        m.elementType == .bool ? m.integers()!.map { $0 != 0 ? 0 : -Float.infinity } : toF32(m).scalars(as: Float.self)
    }
    // f16 and bf16 round where the reference's arithmetic in that type rounds (products and sums
    // accumulate in f32; bf16 softmax sums round at every step, as ml_dtypes adds).
    let type = qIn.elementType
    let rt: (Float) -> Float =
      switch type {
      case .f16: { Float(Float16($0)) }
      case .bf16: { BFloat16($0).floatValue }
      default: { $0 }
      }
    let lowPrecision = type != .f32
    let softmaxPrecision = try a.int("softmax_precision", default: 0)
    let softmaxInFloat = !lowPrecision || softmaxPrecision == 1
    let sr = rt(s)
    let qs = q.scalars(as: Float.self).map { rt($0 * sr) }, ks = k.scalars(as: Float.self).map { rt($0 * sr) }
    let vs = v.scalars(as: Float.self)
    var y = [Float](repeating: 0, count: batch * qHeads * sq * dv)
    var qkOut = [Float](repeating: 0, count: shapes.count > 3 ? batch * qHeads * sq * total : 0)
    var scores = [Float](repeating: 0, count: sq * total)
    var bias = [Float](repeating: 0, count: sq * total)
    for b in 0..<batch {
      let offset = past > 0 ? past : (nonpad.map { $0[b] - sq } ?? 0)
      for h in 0..<qHeads {
        let kvh = h / groups
        let qBase = ((b * qHeads + h) * sq) * d, kBase = ((b * kvHeads + kvh) * total) * d
        let vBase = ((b * kvHeads + kvh) * total) * dv
        qs.withUnsafeBufferPointer { qp in
          ks.withUnsafeBufferPointer { kp in
            scores.withUnsafeMutableBufferPointer { sp in
              qcc_f32_gemm(
                0, 1, Int64(sq), Int64(total), Int64(d), 1, qp.baseAddress! + qBase, Int64(d), kp.baseAddress! + kBase,
                Int64(d), 0, sp.baseAddress!, Int64(total))
            }
          }
        }
        if lowPrecision { for i in scores.indices { scores[i] = rt(scores[i]) } }
        if softcap > 0 {
          let cap = rt(softcap)
          for i in scores.indices { scores[i] = rt(rt(tanhf(rt(scores[i] / cap))) * cap) }
        }
        for i in 0..<sq {
          for j in 0..<total {
            var m: Float = 0
            if let maskValues {
              m =
                j < maskLength
                ? maskValues[b * maskStrides[0] + h * maskStrides[1] + i * maskStrides[2] + j * maskStrides[3]]
                : -.infinity
            }
            if isCausal && j > i + offset { m += -.infinity }
            let diff = i + offset - j
            if (left >= 0 && diff > left) || (right >= 0 && -diff > right) { m += -.infinity }
            if let nonpad, j >= nonpad[b] { m += -.infinity }
            bias[i * total + j] = m
          }
        }
        let outBase = ((b * qHeads + h) * sq) * total
        if mode <= 1 && !qkOut.isEmpty { for e in 0..<(sq * total) { qkOut[outBase + e] = scores[e] } }
        for e in 0..<(sq * total) { scores[e] = rt(scores[e] + bias[e]) }
        if mode == 2 && !qkOut.isEmpty { for e in 0..<(sq * total) { qkOut[outBase + e] = scores[e] } }
        // Softmax per row; a row whose bias masks everything gives zeros.
        for i in 0..<sq {
          let row = i * total
          var biasMax = -Float.infinity, rowMax = -Float.infinity
          for j in 0..<total {
            biasMax = Swift.max(biasMax, bias[row + j])
            rowMax = Swift.max(rowMax, scores[row + j])
          }
          if total == 0 || biasMax == -.infinity {
            for j in 0..<total { scores[row + j] = 0 }
            continue
          }
          if rowMax == -.infinity { rowMax = 0 }
          var sum: Float = 0
          if softmaxInFloat {
            for j in 0..<total {
              let e = expf(scores[row + j] - rowMax)
              scores[row + j] = e
              sum += e
            }
            if sum == 0 { sum = 1 }
            for j in 0..<total { scores[row + j] = rt(scores[row + j] / sum) }
          } else {
            for j in 0..<total {
              let e = rt(expf(rt(scores[row + j] - rowMax)))
              scores[row + j] = e
              sum = type == .bf16 ? rt(sum + e) : sum + e
            }
            sum = rt(sum)
            if sum == 0 { sum = 1 }
            for j in 0..<total { scores[row + j] = rt(scores[row + j] / sum) }
          }
        }
        if mode == 3 && !qkOut.isEmpty { for e in 0..<(sq * total) { qkOut[outBase + e] = scores[e] } }
        let yBase = ((b * qHeads + h) * sq) * dv
        scores.withUnsafeBufferPointer { sp in
          vs.withUnsafeBufferPointer { vp in
            y.withUnsafeMutableBufferPointer { yp in
              qcc_f32_gemm(
                0, 0, Int64(sq), Int64(dv), Int64(total), 1, sp.baseAddress!, Int64(total), vp.baseAddress! + vBase,
                Int64(dv), 0, yp.baseAddress! + yBase, Int64(dv))
            }
          }
        }
      }
    }
    var yt = TensorData(shape: [batch, qHeads, sq, dv], scalars: y)
    if rank == 3 {
      yt = yt.denseCopy(shape: [batch, sq, qHeads, dv], strides: [qHeads * sq * dv, dv, sq * dv, 1]).reshaped(shapes[0])
    }
    var results = [fromF32(yt, to: type)]
    if shapes.count > 1 { results.append(fromF32(k, to: type)) }
    if shapes.count > 2 { results.append(fromF32(v, to: type)) }
    if shapes.count > 3 { results.append(fromF32(TensorData(shape: shapes[3], scalars: qkOut), to: type)) }
    return results
  }

  /// [B, H, S1, D] and [B, H, S2, D] f32 tensors joined along S.
  static func concatSequence(_ a: TensorData, _ b: TensorData) -> TensorData {
    let (bt, h, s1, d) = (a.shape[0], a.shape[1], a.shape[2], a.shape[3]), s2 = b.shape[2]
    let x = a.scalars(as: Float.self), z = b.scalars(as: Float.self)
    var out = [Float](repeating: 0, count: bt * h * (s1 + s2) * d)
    for p in 0..<(bt * h) {
      for i in 0..<(s1 * d) { out[p * (s1 + s2) * d + i] = x[p * s1 * d + i] }
      for i in 0..<(s2 * d) { out[p * (s1 + s2) * d + s1 * d + i] = z[p * s2 * d + i] }
    }
    return TensorData(shape: [bt, h, s1 + s2, d], scalars: out)
  }
}
