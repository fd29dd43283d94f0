import QCCIR
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import QCCOps

/// GroupNormalization (both scale layouts), Attention and RotaryEmbedding
/// against naive references, and their errors.
@Suite struct LinearAlgebraGroupNormAttentionTests {
  @Test func groupNormPerGroupEqualsPerChannelExpanded() throws {
    let x = OpsTest.random([2, 6, 3, 4], seed: 5)
    let scale = OpsTest.f32([3], [0.5, 2, -1]), bias = OpsTest.f32([3], [1, 0, 3])
    let perGroup = try OpsTest.run("GroupNormalization", [x, scale, bias], attributes: [("num_groups", .int(3))])[0]
    let expand = { (t: TensorData) in OpsTest.f32([6], t.doubles().flatMap { [Float($0), Float($0)] }) }
    let perChannel = try OpsTest.run(
      "GroupNormalization", [x, expand(scale), expand(bias)], attributes: [("num_groups", .int(3))])[0]
    #expect(perGroup.doubles() == perChannel.doubles())
    // Reference: statistics over each group of 2 channels x 12 positions.
    let v = x.doubles()
    var expected = [Double](repeating: 0, count: v.count)
    for n in 0..<2 {
      for g in 0..<3 {
        let start = (n * 6 + g * 2) * 12
        let slice = v[start..<(start + 24)]
        let mean = slice.reduce(0, +) / 24
        let variance = slice.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 24
        for i in 0..<24 {
          expected[start + i] = (v[start + i] - mean) / (variance + 1e-5).squareRoot() * [0.5, 2, -1][g] + [1, 0, 3][g]
        }
      }
    }
    OpsTest.expectClose(perGroup, expected, rtol: 1e-4, atol: 1e-5)
  }

  @Test func groupNormRejectsBadLayouts() {
    let x = OpsTest.iota([1, 6, 2])
    #expect(
      OpsTest.error("GroupNormalization", [.input(x), .input(OpsTest.iota([4])), .input(OpsTest.iota([4]))],
        attributes: [("num_groups", .int(3))]) != nil)
    #expect(
      OpsTest.error("GroupNormalization", [.input(x), .input(OpsTest.iota([6])), .input(OpsTest.iota([6]))],
        attributes: [("num_groups", .int(4))]) != nil)
  }

  /// softmax(q kᵀ · scale + mask) v for one head of [S, D] rows.
  static func head(_ q: [[Double]], _ k: [[Double]], _ v: [[Double]], scale: Double, causalOffset: Int?) -> [[Double]] {
    q.enumerated().map { i, qi in
      var w = k.enumerated().map { j, kj -> Double in
        if let o = causalOffset, j > i + o { return -.infinity }
        return zip(qi, kj).map(*).reduce(0, +) * scale
      }
      let m = w.max()!
      w = w.map { exp($0 - m) }
      let s = w.reduce(0, +)
      return (0..<v[0].count).map { d in zip(w, v).map { $0 / s * $1[d] }.reduce(0, +) }
    }
  }

  static func rows(_ t: TensorData, _ b: Int, _ h: Int) -> [[Double]] {
    let (hs, s, d) = (t.shape[1], t.shape[2], t.shape[3])
    let v = t.doubles()
    return (0..<s).map { i in (0..<d).map { v[((b * hs + h) * s + i) * d + $0] } }
  }

  @Test func attentionGroupsQueryHeadsAndAppendsThePast() throws {
    let q = OpsTest.random([1, 4, 3, 8], seed: 11), k = OpsTest.random([1, 2, 3, 8], seed: 12)
    let v = OpsTest.random([1, 2, 3, 4], seed: 13)
    let pk = OpsTest.random([1, 2, 2, 8], seed: 14), pv = OpsTest.random([1, 2, 2, 4], seed: 15)
    let out = try OpsTest.run(
      "Attention", [q, k, v, nil, pk, pv], attributes: [("is_causal", .int(1))], results: 3)
    #expect(out[0].shape == [1, 4, 3, 4] && out[1].shape == [1, 2, 5, 8] && out[2].shape == [1, 2, 5, 4])
    var expected: [Double] = []
    for h in 0..<4 {
      let kv = h / 2
      let keys = Self.rows(pk, 0, kv) + Self.rows(k, 0, kv), values = Self.rows(pv, 0, kv) + Self.rows(v, 0, kv)
      expected += Self.head(Self.rows(q, 0, h), keys, values, scale: 1 / 8.0.squareRoot(), causalOffset: 2).flatMap { $0 }
    }
    OpsTest.expectClose(out[0], expected, rtol: 1e-4, atol: 1e-5)
  }

  @Test func attentionZeroesFullyMaskedRows() throws {
    let q = OpsTest.random([1, 1, 2, 4], seed: 1), k = OpsTest.random([1, 1, 3, 4], seed: 2)
    let v = OpsTest.random([1, 1, 3, 4], seed: 3)
    let mask = TensorData(shape: [2, 3], scalars: [false, false, false, true, false, true])
    let y = try OpsTest.run("Attention", [q, k, v, mask])[0].doubles()
    #expect(Array(y[0..<4]) == [0, 0, 0, 0])
    #expect(y[4...].allSatisfy { $0.isFinite })
  }

  @Test func rotaryEmbeddingChecksPositionIds() {
    let x = OpsTest.iota([1, 1, 2, 4]), cache = OpsTest.iota([3, 2])
    let message = OpsTest.error(
      "RotaryEmbedding",
      [.input(x), .input(cache), .input(cache), .input(TensorData(shape: [1, 2], scalars: [Int64(0), 3]))])
    #expect(message == "RotaryEmbedding position id 3 is out of range for a cache of 3 positions")
  }

  @Test func rotaryEmbeddingRotatesHalves() throws {
    // One head of 4 features, one position: angle θ with cos 0, sin 1 turns (x1, x2) into (-x2, x1).
    let x = OpsTest.f32([1, 1, 1, 4], [1, 2, 3, 4])
    let cos = OpsTest.f32([1, 1, 2], [0, 1]), sin = OpsTest.f32([1, 1, 2], [1, 0])
    let y = try OpsTest.run("RotaryEmbedding", [x, cos, sin])[0]
    #expect(y.doubles() == [-3, 2, 1, 4])
    let yi = try OpsTest.run("RotaryEmbedding", [x, cos, sin], attributes: [("interleaved", .int(1))])[0]
    #expect(yi.doubles() == [-2, 1, 3, 4])
  }
}

