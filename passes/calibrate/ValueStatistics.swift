import QCCIR

/// What calibration saw of one f32 value over every sample: how many
/// elements, which of them were NaN or *sentinels* (±inf among them), the
/// range and a histogram of the rest. Every element is exactly one of: NaN,
/// a sentinel, or in range (`elementCount = nanCount + sentinelCount + inRangeCount`).
///
/// **Sentinels.** An element with |x| ≥ the sentinel threshold (1e30 by
/// default, `calibrate{sentinel=…}`), ±inf included, is counted by sign as a
/// sentinel and kept out of `min`/`max`, the histogram and every range.
/// Attention masks put such values in on purpose — −inf or
/// `torch.finfo(float32).min` (−3.4e38) where a position must be ignored —
/// and no real activation gets near 1e30, so a range that included them
/// would be useless (one −3.4e38 turns an int8 scale into 1e36). Quantized,
/// a sentinel saturates to the end of the range; `hasSentinels` lets a later
/// pass decide whether that is acceptable (a mask added before Softmax needs
/// to stay very negative, so it is better kept in float).
///
/// Masks built with −1e9 or −10000 are *not* sentinels at the default
/// threshold. −10000 cannot be told from data by magnitude (trained LLMs show
/// outlier channels in the thousands), and any fixed threshold low enough for
/// −1e9 is a guess about the model, so the default keeps them as data:
/// `minmax` ranges include them, and the histogram's radius grows to 2^30,
/// too coarse (bins of ~10⁶) for `percentile`, `entropy` and `mse` to
/// resolve the real values. `calibrate` warns about values reaching 1e8 in
/// magnitude; `calibrate{sentinel=1e8}` then treats such masks as sentinels.
public struct ValueStatistics: Sendable, Equatable {
  /// Every element seen, of every kind.
  public internal(set) var elementCount = 0
  public internal(set) var nanCount = 0
  /// Elements with x ≥ threshold, +inf included.
  public internal(set) var positiveSentinelCount = 0
  /// Elements with x ≤ −threshold, −inf included.
  public internal(set) var negativeSentinelCount = 0
  /// The +inf elements (also counted as positive sentinels).
  public internal(set) var positiveInfinityCount = 0
  /// The −inf elements (also counted as negative sentinels).
  public internal(set) var negativeInfinityCount = 0
  /// Smallest and largest in-range element; +inf / −inf while there is none.
  public internal(set) var minimum = Float.infinity
  public internal(set) var maximum = -Float.infinity
  /// The in-range elements.
  public internal(set) var histogram: Histogram

  public init(histogramBins: Int) { histogram = Histogram(binCount: histogramBins) }

  /// Rebuilds statistics from their parts (the cache).
  init(
    elementCount: Int, nanCount: Int, positiveInfinityCount: Int, negativeInfinityCount: Int,
    positiveSentinelCount: Int, negativeSentinelCount: Int, minimum: Float, maximum: Float, histogram: Histogram
  ) {
    self.elementCount = elementCount
    self.nanCount = nanCount
    self.positiveInfinityCount = positiveInfinityCount
    self.negativeInfinityCount = negativeInfinityCount
    self.positiveSentinelCount = positiveSentinelCount
    self.negativeSentinelCount = negativeSentinelCount
    self.minimum = minimum
    self.maximum = maximum
    self.histogram = histogram
  }

  /// Elements that count toward ranges: finite and below the sentinel magnitude.
  public var inRangeCount: Int { histogram.total }
  public var infinityCount: Int { positiveInfinityCount + negativeInfinityCount }
  public var sentinelCount: Int { positiveSentinelCount + negativeSentinelCount }
  public var hasSentinels: Bool { sentinelCount > 0 }
  /// `[min, max]` of the in-range elements, nil when there were none.
  public var observedRange: ClosedRange<Float>? { inRangeCount > 0 ? minimum...maximum : nil }

  /// Records one tensor's elements; `sentinel` is the threshold magnitude.
  mutating func add(_ values: UnsafeBufferPointer<Float>, sentinel: Float) {
    let before = histogram.total
    let (lo, hi) = histogram.add(values, below: sentinel)
    minimum = Swift.min(minimum, lo)
    maximum = Swift.max(maximum, hi)
    elementCount += values.count
    guard histogram.total - before < values.count else { return }
    for x in values where !(abs(x) < sentinel) {
      if x.isNaN {
        nanCount += 1
      } else if x > 0 {
        positiveSentinelCount += 1
        if x.isInfinite { positiveInfinityCount += 1 }
      } else {
        negativeSentinelCount += 1
        if x.isInfinite { negativeInfinityCount += 1 }
      }
    }
  }

  /// Adds what `other` saw (of other samples).
  mutating func merge(_ other: ValueStatistics) {
    elementCount += other.elementCount
    nanCount += other.nanCount
    positiveInfinityCount += other.positiveInfinityCount
    negativeInfinityCount += other.negativeInfinityCount
    positiveSentinelCount += other.positiveSentinelCount
    negativeSentinelCount += other.negativeSentinelCount
    minimum = Swift.min(minimum, other.minimum)
    maximum = Swift.max(maximum, other.maximum)
    histogram.merge(other.histogram)
  }
}
