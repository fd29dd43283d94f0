import QCCIR

/// A histogram of the in-range values of one tensor value (finite and below
/// the sentinel magnitude), built up sample by sample without knowing the
/// final range in advance.
///
/// **The scheme.** `binCount` bins (a power of two, 2048 by default) split
/// `[−R, R)` evenly, where the radius `R = 2^radiusExponent` is the smallest
/// power of two *strictly above* every magnitude counted so far (and at least
/// 2^−64). Bin `i` holds `−R + i·w ≤ x < −R + (i+1)·w` with `w = 2R / binCount`;
/// bin `binCount/2` starts at 0. A value lands in bin
/// `⌊x · binCount/(2R) + binCount/2⌋`, computed in f64 (the scaling by a
/// power of two is exact).
///
/// When a sample brings a magnitude ≥ R, R doubles — as often as needed —
/// and each doubling merges adjacent pairs of bins: old bins `2j` and `2j+1`
/// become new bin `binCount/4 + j`. Old bin edges are new bin edges, so a
/// merge moves no value across an edge: the histogram is exactly the one a
/// single pass with the final R would have built. Hence it does not depend on
/// the order samples arrive in, and histograms of disjoint sample sets merge
/// exactly (`merge`), which is what lets calibration run samples in parallel.
///
/// Resolution: the final R is below 2·max|x|, so the occupied side spans at
/// least a quarter of the bins (512 of 2048).
public struct Histogram: Sendable, Equatable {
  /// Number of bins: a power of two from 256 to 2^20.
  public let binCount: Int
  /// `R = 2^radiusExponent`; every counted value has |x| < R.
  public private(set) var radiusExponent: Int
  /// Count per bin, `binCount` entries.
  public private(set) var counts: [Int]
  /// Sum of `counts`.
  public private(set) var total: Int

  /// The smallest radius exponent: values all below 2^−64 in magnitude share the central bins.
  public static let minimumRadiusExponent = -64
  /// Bin counts allowed.
  public static let binCountRange = 256...(1 << 20)

  /// An empty histogram; `binCount` must be a power of two in `binCountRange`.
  public init(binCount: Int) {
    precondition(Histogram.isValidBinCount(binCount), "histogram bin count \(binCount) is not a power of two in 256…2^20")
    self.binCount = binCount
    self.radiusExponent = Histogram.minimumRadiusExponent
    self.counts = [Int](repeating: 0, count: binCount)
    self.total = 0
  }

  /// Rebuilds a histogram from its parts (the cache); nil when they are inconsistent.
  public init?(binCount: Int, radiusExponent: Int, counts: [Int]) {
    guard Histogram.isValidBinCount(binCount), counts.count == binCount, counts.allSatisfy({ $0 >= 0 }),
      (Histogram.minimumRadiusExponent...Histogram.maximumRadiusExponent).contains(radiusExponent)
    else { return nil }
    var total = 0
    for c in counts {
      let (sum, overflow) = total.addingReportingOverflow(c)
      if overflow { return nil }
      total = sum
    }
    self.binCount = binCount
    self.radiusExponent = radiusExponent
    self.counts = counts
    self.total = total
  }

  public static func isValidBinCount(_ n: Int) -> Bool {
    binCountRange.contains(n) && n & (n - 1) == 0
  }

  /// f32 magnitudes are below 2^128.
  static let maximumRadiusExponent = 128

  /// `R`.
  public var radius: Double { Double(sign: .plus, exponent: radiusExponent, significand: 1) }
  /// `w = 2R / binCount`.
  public var binWidth: Double { 2 * radius / Double(binCount) }
  /// The lower edge of bin `i` (`i == binCount` gives the upper edge of the last bin, R).
  public func lowerEdge(_ i: Int) -> Double { -radius + Double(i) * binWidth }
  /// The middle of bin `i`.
  public func center(_ i: Int) -> Double { -radius + (Double(i) + 0.5) * binWidth }

  /// The radius exponent needed to hold magnitude `m`: the smallest e with m < 2^e.
  static func exponent(toHold m: Float) -> Int {
    guard m > 0 else { return minimumRadiusExponent }
    return Swift.max(Int(m.exponent) + 1, minimumRadiusExponent)
  }

  /// Doubles R until `magnitude` < R, merging adjacent bins.
  mutating func grow(toHold magnitude: Float) {
    grow(toExponent: Histogram.exponent(toHold: magnitude))
  }

  mutating func grow(toExponent e: Int) {
    guard e > radiusExponent else { return }
    let steps = e - radiusExponent
    if total == 0 {
      radiusExponent = e
      return
    }
    // k doublings send old bin i to B/2 − B/2^(k+1) + ⌊i / 2^k⌋; once k ≥ log2(B), everything is in the middle bins.
    var merged = [Int](repeating: 0, count: binCount)
    let half = binCount / 2
    if steps >= binCount.trailingZeroBitCount {
      // Everything below 0 goes to bin half − 1, the rest to half.
      for i in 0..<binCount where counts[i] != 0 { merged[i < half ? half - 1 : half] += counts[i] }
    } else {
      let shift = steps
      let base = half - (binCount >> (shift + 1))
      for i in 0..<binCount where counts[i] != 0 { merged[base + (i >> shift)] += counts[i] }
    }
    counts = merged
    radiusExponent = e
  }

  /// Counts the elements of `values` with |x| < `limit` (NaN never counts),
  /// growing R as needed, and returns their min and max (±inf when none).
  ///
  /// One pass bins what fits the current R and finds the range; only when
  /// some value did not fit does R grow and a second pass bin those values.
  /// Once R has settled (after the first samples) each tensor is read once.
  @discardableResult
  mutating func add(_ values: UnsafeBufferPointer<Float>, below limit: Float) -> (min: Float, max: Float) {
    var lo = Float.infinity, hi = -Float.infinity
    var added = 0, beyond = 0
    let fits = Float(radius)  // +inf when R = 2^128, which holds every f32
    binning(values) { bins, scale, offset in
      for x in values {
        let a = abs(x)
        guard a < limit else { continue }
        lo = x < lo ? x : lo
        hi = x > hi ? x : hi
        if a < fits {
          bins[Int(Double(x) * scale + offset)] &+= 1
        } else {
          beyond &+= 1
        }
        added &+= 1
      }
    }
    if beyond > 0 {
      grow(toHold: Swift.max(abs(lo), abs(hi)))
      binning(values) { bins, scale, offset in
        for x in values {
          let a = abs(x)
          if a >= fits && a < limit { bins[Int(Double(x) * scale + offset)] += 1 }
        }
      }
    }
    total += added
    return (lo, hi)
  }

  /// Runs `body` on the bins with the current scale and offset: x goes to bin `Int(x · scale + offset)`.
  private mutating func binning(
    _ values: UnsafeBufferPointer<Float>, _ body: (UnsafeMutableBufferPointer<Int>, Double, Double) -> Void
  ) {
    let scale = Double(binCount) / (2 * radius)
    let offset = Double(binCount / 2)
    counts.withUnsafeMutableBufferPointer { body($0, scale, offset) }
  }

  /// Adds the counts of `other`, which must have the same bin count.
  mutating func merge(_ other: Histogram) {
    precondition(other.binCount == binCount, "merging histograms of \(binCount) and \(other.binCount) bins")
    var other = other
    let e = Swift.max(radiusExponent, other.radiusExponent)
    grow(toExponent: e)
    other.grow(toExponent: e)
    for i in 0..<binCount { counts[i] += other.counts[i] }
    total += other.total
  }

  /// The histogram of |x|: `binCount/2` bins over `[0, R)` — bins `half + j`
  /// and `half − 1 − j` folded together, so bin j holds the x ≥ 0 with |x| in
  /// `[j·w, (j+1)·w)` and the x < 0 with |x| in `(j·w, (j+1)·w]`.
  public func magnitudeCounts() -> [Int] {
    let half = binCount / 2
    return (0..<half).map { j in counts[half + j] + counts[half - 1 - j] }
  }
}
