import Testing

@testable import QCCPasses

/// The growing histogram: binning, doubling with exact merges, and order independence.
@Suite struct HistogramTests {
  func histogram(_ chunks: [[Float]], bins: Int = 2048) -> Histogram {
    var h = Histogram(binCount: bins)
    for c in chunks {
      let m = c.map { abs($0) }.max() ?? 0
      h.grow(toHold: m)
      c.withUnsafeBufferPointer { _ = h.add($0, below: 1e30) }
    }
    return h
  }

  static func chunks() -> [[Float]] {
    var g = SeededGenerator(seed: 7)
    return [1e-3, 0.5, 3, 1e-6, 40, 0.2].map { scale in (0..<1000).map { _ in g.normal() * Float(scale) } }
  }

  @Test func binsAreHalfOpenAndZeroStartsTheUpperHalf() {
    let h = histogram([[0, 1, -1, 1.999, -1.999, 0.5]])
    #expect(h.radiusExponent == 1, "1.999 < 2")
    #expect(h.binWidth == 4.0 / 2048)
    #expect(h.counts[1024] == 1)  // 0
    #expect(h.counts[1536] == 1)  // 1 = −R + 1536·w
    #expect(h.counts[512] == 1)  // −1
    #expect(h.counts[2047] == 1)  // 1.999
    #expect(h.counts[0] == 1)  // −1.999
    #expect(h.counts[1280] == 1)  // 0.5
    #expect(h.total == 6)
    // A magnitude that is exactly a power of two needs the next one: 2 < 4.
    #expect(histogram([[2]]).radiusExponent == 2)
    #expect(histogram([[0, 0]]).radiusExponent == Histogram.minimumRadiusExponent)
  }

  @Test func growingMergesExactlyAndOrderDoesNotMatter() {
    let chunks = Self.chunks()
    let grown = histogram(chunks)
    // The same data binned once with the final radius.
    var direct = Histogram(binCount: 2048)
    direct.grow(toExponent: grown.radiusExponent)
    for c in chunks { c.withUnsafeBufferPointer { _ = direct.add($0, below: 1e30) } }
    #expect(grown == direct)
    #expect(histogram(chunks.reversed()) == grown)
    #expect(histogram([chunks[4]] + chunks.filter { $0 != chunks[4] }) == grown)
  }

  @Test func mergingPartsEqualsOneHistogram() {
    let chunks = Self.chunks()
    var a = histogram(Array(chunks[0..<2])), b = histogram(Array(chunks[2...]))
    a.merge(b)
    #expect(a == histogram(chunks))
    b.merge(histogram(Array(chunks[0..<2])))
    #expect(b == a)
  }

  @Test func growingFarMergesEverythingIntoTheTwoMiddleBins() {
    var h = histogram([[-0.001, 0.001, 0.0005]], bins: 256)
    h.grow(toExponent: h.radiusExponent + 200)
    #expect(h.counts[127] == 1 && h.counts[128] == 2 && h.total == 3)
  }

  @Test func magnitudeCountsFoldTheTwoHalves() {
    let h = histogram([[0.1, -0.1, 1.3, -1.3, -0.001, 1.5, -1.5]], bins: 256)
    let m = h.magnitudeCounts()
    #expect(m.count == 128 && m.reduce(0, +) == 7)
    #expect(m[0] == 1)  // −0.001: |x| in (0, w]
    #expect(m[Int(0.1 / h.binWidth)] == 2)
    #expect(m[Int(1.3 / h.binWidth)] == 2)
    // On a bin edge (1.5 = 96·w) the halves differ: x ≥ 0 bins are [jw, (j+1)w), x < 0 ones (jw, (j+1)w].
    #expect(m[96] == 1 && m[95] == 1)
  }

  @Test func inconsistentPartsAreRejected() {
    #expect(Histogram(binCount: 300, radiusExponent: 0, counts: [Int](repeating: 0, count: 300)) == nil)
    #expect(Histogram(binCount: 256, radiusExponent: 0, counts: [Int](repeating: 0, count: 255)) == nil)
    #expect(Histogram(binCount: 256, radiusExponent: 500, counts: [Int](repeating: 0, count: 256)) == nil)
    #expect(Histogram(binCount: 256, radiusExponent: 0, counts: [-1] + [Int](repeating: 0, count: 255)) == nil)
    #expect(Histogram(binCount: 256, radiusExponent: 0, counts: [Int.max, 1] + [Int](repeating: 0, count: 254)) == nil)
    #expect(Histogram(binCount: 256, radiusExponent: 0, counts: [3] + [Int](repeating: 0, count: 255))?.total == 3)
  }
}
