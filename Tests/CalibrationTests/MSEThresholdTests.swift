import Testing

@testable import QCCPasses

/// The MSE search (moments carried from candidate to candidate) picks the
/// same threshold as evaluating the documented error formula directly.
@Suite struct MSEThresholdTests {
  /// E(T) for every candidate, summed bin by bin.
  static func literal(_ h: Histogram, lo: Double, hi: Double) -> Double {
    let half = h.binCount / 2, w = h.binWidth
    let m = h.magnitudeCounts()
    guard let last = m.lastIndex(where: { $0 > 0 }) else { return 0 }
    let n = last + 1
    var best = Double.infinity, bestJ = n
    for j in stride(from: n, through: 1, by: -1) {
      let t = Double(j) * w
      let l = min(max(lo, -t), t), u = min(max(hi, -t), t)
      let s = (max(u, 0) - min(l, 0)) / 255
      var clippedCount = 0.0, clipped = 0.0
      for k in j..<half {
        let count = Double(h.counts[half + k] + h.counts[half - 1 - k])
        let d = (Double(k) + 0.5) * w - t
        clippedCount += count
        clipped += count * (d * d + w * w / 12)
      }
      let error = (Double(h.total) - clippedCount) * s * s / 12 + clipped
      if error < best {
        best = error
        bestJ = j
      }
    }
    return Double(bestJ) * w
  }

  static func histogram(_ values: [Float], bins: Int = 2048) -> (Histogram, Double, Double) {
    var h = Histogram(binCount: bins)
    values.withUnsafeBufferPointer { _ = h.add($0, below: 1e30) }
    return (h, Double(values.min()!), Double(values.max()!))
  }

  @Test func theCarriedMomentsAgreeWithTheDirectSum() {
    var g = SeededGenerator(seed: 21)
    let cases: [[Float]] = [
      (0..<50_000).map { _ in g.normal() },  // symmetric
      (0..<50_000).map { _ in max(0, g.normal()) * 3 } + [40],  // one-sided with an outlier
      (0..<20_000).map { _ in g.normal() * 0.01 } + [-7, 9, 12],  // a narrow body and far outliers
      (0..<30_000).map { _ in Float.random(in: -2...0.5, using: &g) },  // asymmetric uniform
    ]
    for (i, v) in cases.enumerated() {
      let (h, lo, hi) = Self.histogram(v)
      #expect(MSEThreshold.threshold(h, observed: (lo, hi), steps: 255) == Self.literal(h, lo: lo, hi: hi), "case \(i)")
    }
  }
}
