import QCCIR

// RotaryEmbedding (opset 23): rotates the first rotary_embedding_dim
// features of every head by position-dependent angles given as cos and sin
// caches, either as two halves (x1 = x[:d/2], x2 = x[d/2:]) or interleaved
// pairs (x1 = x[0::2], x2 = x[1::2]):
//   out1 = cos * x1 - sin * x2,  out2 = sin * x1 + cos * x2.
// The input is [batch, heads, seq, head] or [batch, seq, heads * head]
// (num_heads says how many); the caches are [batch, seq, d/2], or
// [positions, d/2] indexed by position_ids [batch, seq]. Computed in f32
// (f16 and bf16 through f32); position ids are checked against the cache.

extension LinearAlgebraOps {
  static func rotaryType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let op = "RotaryEmbedding"
    let x = try c.input(0)
    try ElementTypes.require(x, in: [.f32, .f16, .bf16], op)
    try requireSameElement(c, [1, 2], as: x, op)
    let hasPositions = c.hasInput(3)
    if hasPositions { try c.requireIntegerInput(3, what: "\(op) position_ids") }
    let rotaryDim = try c.attributes.int("rotary_embedding_dim", default: 0)
    guard rotaryDim >= 0 && rotaryDim % 2 == 0 else {
      throw OpError("\(op) rotary_embedding_dim must be even and non-negative, not \(rotaryDim)")
    }
    let numHeads = try c.attributes.int("num_heads", default: 0)
    if let d = x.shape.dims {
      guard d.count == 3 || d.count == 4 else { throw OpError("\(op) input must have rank 3 or 4, not \(d.count)") }
      if d.count == 3 {
        guard numHeads > 0 else { throw OpError("\(op) needs num_heads for a 3-D input") }
        if let h = d[2].value, h % numHeads != 0 {
          throw OpError("\(op) hidden size \(h) is not divisible by num_heads \(numHeads)")
        }
      }
    }
    for i in [1, 2] {
      let t = try c.input(i)
      if let r = t.shape.rank, r != (hasPositions ? 2 : 3) {
        throw OpError("\(op) input \(i) must have rank \(hasPositions ? 2 : 3) \(hasPositions ? "with" : "without") position_ids, not \(r)")
      }
    }
    return x
  }

  static let rotaryEmbedding = OpDefinition(
    "RotaryEmbedding",
    inferTypes: { (c) throws(OpError) in [try rotaryType(c)] },
    evaluate: { (c) throws(OpError) in
      let op = "RotaryEmbedding"
      _ = try rotaryType(c.inference)
      let xd = try c.input(0)
      let x = toF32(xd).scalars(as: Float.self)
      let cosT = toF32(try c.input(1)), sinT = toF32(try c.input(2))
      let cosV = cosT.scalars(as: Float.self), sinV = sinT.scalars(as: Float.self)
      let interleaved = try c.attributes.int("interleaved", default: 0) != 0
      let s = xd.shape
      // Element (b, h, q, d) lives at b * sb + h * sh + q * sq + d.
      let batch: Int, heads: Int, seq: Int, head: Int, sb: Int, sh: Int, sq: Int
      if s.count == 4 {
        (batch, heads, seq, head) = (s[0], s[1], s[2], s[3])
        (sb, sh, sq) = (heads * seq * head, seq * head, head)
      } else {
        heads = try c.attributes.int("num_heads", default: 0)
        (batch, seq, head) = (s[0], s[1], s[2] / heads)
        (sb, sh, sq) = (seq * s[2], head, s[2])
      }
      var rotary = try c.attributes.int("rotary_embedding_dim", default: 0)
      if rotary == 0 { rotary = head }
      guard rotary <= head else { throw OpError("\(op) rotary_embedding_dim \(rotary) is larger than the head size \(head)") }
      let half = rotary / 2
      // The cache row of every (batch, position).
      var rows = [Int](repeating: 0, count: batch * seq)
      if let positions = c.optionalInput(3) {
        guard positions.shape == [batch, seq] else {
          throw OpError("\(op) position_ids have shape \(positions.shape), expected \([batch, seq])")
        }
        let p = positions.integers()!
        let limit = cosT.shape[0]
        guard cosT.shape == [limit, half], sinT.shape == cosT.shape else {
          throw OpError("\(op) caches have shapes \(cosT.shape) and \(sinT.shape), expected [positions, \(half)]")
        }
        for i in rows.indices {
          guard p[i] >= 0 && p[i] < limit else {
            throw OpError("\(op) position id \(p[i]) is out of range for a cache of \(limit) positions")
          }
          rows[i] = Int(p[i])
        }
      } else {
        guard cosT.shape == [batch, seq, half], sinT.shape == cosT.shape else {
          throw OpError("\(op) caches have shapes \(cosT.shape) and \(sinT.shape), expected \([batch, seq, half])")
        }
        for i in rows.indices { rows[i] = i }
      }
      var y = x
      for b in 0..<batch {
        for h in 0..<heads {
          for q in 0..<seq {
            let base = b * sb + h * sh + q * sq, row = rows[b * seq + q] * half
            for i in 0..<half {
              let (i1, i2) = interleaved ? (2 * i, 2 * i + 1) : (i, i + half)
              let x1 = x[base + i1], x2 = x[base + i2], cs = cosV[row + i], sn = sinV[row + i]
              y[base + i1] = cs * x1 - sn * x2
              y[base + i2] = sn * x1 + cs * x2
            }
          }
        }
      }
      return [fromF32(TensorData(shape: s, scalars: y), to: xd.elementType)]
    })
}
