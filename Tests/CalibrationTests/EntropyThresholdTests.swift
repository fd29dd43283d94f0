import Foundation
import Testing

@testable import QCCPasses

/// The fast KL search (prefix sums, one sweep over occupied bins) picks the
/// same threshold as a literal rendering of the algorithm, on dense, sparse
/// and spiky histograms.
@Suite struct EntropyThresholdTests {
  /// The algorithm as documented, step by step: build P and Q, smooth, normalise, sum.
  static func literal(_ m: [Int], levels: Int) -> Int {
    guard let last = m.lastIndex(where: { $0 > 0 }) else { return 0 }
    let n = last + 1
    if n <= levels { return n }
    let c = m[0..<n].map(Double.init)
    func smooth(_ v: [Double]) -> [Double]? {
      let zeros = v.filter { $0 == 0 }.count, nonZeros = v.count - zeros
      guard nonZeros > 0 else { return nil }
      let smallest = v.filter { $0 != 0 }.min()!
      let eps = zeros == 0 ? 0 : min(1e-4, smallest / 2 * Double(nonZeros) / Double(zeros))
      let take = eps * Double(zeros) / Double(nonZeros)
      return v.map { $0 == 0 ? eps : $0 - take }
    }
    var best = Double.infinity, bestI = n
    for i in levels...n {
      var p = Array(c[0..<i])
      p[i - 1] += c[i...].reduce(0, +)
      var q = [Double](repeating: 0, count: i)
      let size = i / levels
      for g in 0..<levels {
        let start = g * size, stop = g == levels - 1 ? i : start + size
        let nonZero = (start..<stop).filter { p[$0] != 0 }.count
        let sum = c[start..<stop].reduce(0, +)
        for k in start..<stop where p[k] != 0 { q[k] = sum / Double(nonZero) }
      }
      guard let ps = smooth(p), let qs = smooth(q) else { continue }
      let pt = ps.reduce(0, +), qt = qs.reduce(0, +)
      var d = 0.0
      for k in 0..<i { d += ps[k] / pt * Foundation.log((ps[k] / pt) / (qs[k] / qt)) }
      if d < best {
        best = d
        bestI = i
      }
    }
    return bestI
  }

  static func histograms() -> [[Int]] {
    var g = SeededGenerator(seed: 11)
    var result: [[Int]] = []
    // Dense: a Gaussian's magnitudes with a long tail.
    var dense = [Int](repeating: 0, count: 1024)
    for _ in 0..<200_000 { dense[min(1023, Int(abs(g.normal()) * 60))] += 1 }
    dense[900] += 3
    result.append(dense)
    // Sparse: a few occupied bins, far apart (the zeros dominate smoothing).
    var sparse = [Int](repeating: 0, count: 1024)
    for k in [0, 1, 2, 5, 40, 41, 300, 777] { sparse[k] = Int.random(in: 1...5000, using: &g) }
    result.append(sparse)
    // Spiky: one huge bin (zeros of a ReLU), a thin body, and a lone outlier at the end.
    var spiky = [Int](repeating: 0, count: 1024)
    spiky[0] = 1_000_000
    for k in 1..<200 { spiky[k] = Int.random(in: 0...30, using: &g) }
    spiky[1023] = 1
    result.append(spiky)
    // Mass that ends exactly at a group boundary, and one with a zero next-to-last bin.
    var edge = [Int](repeating: 0, count: 1024)
    for k in 0..<512 { edge[k] = 1000 - k }
    edge[700] = 0
    edge[701] = 9
    result.append(edge)
    return result
  }

  @Test func theFastSearchAgreesWithTheLiteralOne() {
    var clipped = 0
    for (n, m) in Self.histograms().enumerated() {
      let fast = EntropyThreshold.threshold(m, binWidth: 1, levels: 128)
      #expect(fast == Double(Self.literal(m, levels: 128)), "histogram \(n)")
      if fast < Double(m.lastIndex { $0 > 0 }! + 1) { clipped += 1 }
    }
    #expect(clipped >= 2, "the histograms exercise real clipping decisions")
  }

  @Test func smallOrEmptyHistogramsNeedNoSearch() {
    #expect(EntropyThreshold.threshold([Int](repeating: 0, count: 1024), binWidth: 0.5, levels: 128) == 0)
    var m = [Int](repeating: 0, count: 1024)
    m[99] = 4
    #expect(EntropyThreshold.threshold(m, binWidth: 0.5, levels: 128) == 50, "100 bins fit 128 levels: no clipping")
  }
}
