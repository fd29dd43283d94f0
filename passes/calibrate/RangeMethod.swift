import QCCIR

/// How calibration turns a value's statistics into the range `[lo, hi]` it
/// will be quantized over.
///
/// Every method looks only at in-range elements (finite, below the sentinel
/// magnitude — see `ValueStatistics`), so NaN, ±inf and mask sentinels can
/// neither reach a range nor break a method. Every range lies within the
/// observed `[min, max]` (apart from the widening below) and is finite.
///
/// - `minmax`: the observed `[min, max]`.
/// - `percentile(p)`: the (100 − p)-th and p-th percentiles, read from the
///   histogram and rounded outward to bin edges — the lower edge of the bin
///   where the mass up to it first exceeds (1 − p/100)·N, the upper edge of
///   the bin where it first reaches p/100·N — so each end is within one bin
///   width of the exact percentile and never cuts into the bin holding it
///   (a ReLU output's lower end stays exactly 0); then clamped to `[min, max]`.
/// - `entropy`: TensorRT's KL-divergence threshold `T` on |x| with 128
///   levels (int8), then `[min, max]` clipped to `[−T, T]`; see `EntropyThreshold`.
/// - `mse`: the threshold `T` on |x| minimising the expected squared error of
///   an int8 affine quantizer over `[min, max]` clipped to `[−T, T]`
///   (widened to include 0); see `MSEThreshold`.
///
/// `entropy` and `mse` leave a constant value (min = max) unclipped: their
/// models assume values spread across bins, which a single value is not.
///
/// A range narrower than `max(2^−24, 2^−20 · max(|lo|, |hi|))` — a constant
/// value, say — is widened about its middle to that width, so a scale
/// computed from it is never zero. A value with no in-range element at all
/// gets `[−2^−25, 2^−25]`.
public enum RangeMethod: Sendable, Equatable, CustomStringConvertible {
  case minmax
  /// Two-sided percentile, `p` in 50…100.
  case percentile(Double)
  case entropy
  case mse

  /// Quantization levels of the symmetric int8 grid the entropy method fits (TensorRT's 128).
  public static let entropyLevels = 128
  /// Intervals of the affine int8 grid the mse method models (256 levels).
  public static let mseSteps = 255

  /// The pipeline spelling: `minmax`, `percentile{p=99.99}`, `entropy`, `mse`.
  public var description: String {
    switch self {
    case .minmax: "minmax"
    case .percentile(let p): "percentile{p=\(p)}"
    case .entropy: "entropy"
    case .mse: "mse"
    }
  }

  /// The range for a value with statistics `s`.
  public func range(for s: ValueStatistics) -> ClosedRange<Float> {
    guard let observed = s.observedRange else { return RangeMethod.widened(0, 0) }
    let lo = Double(observed.lowerBound), hi = Double(observed.upperBound)
    let h = s.histogram
    switch self {
    case .minmax:
      return RangeMethod.widened(lo, hi)
    case .percentile(let p):
      let lower = RangeMethod.lowerPercentile(h, 1 - p / 100)
      let upper = RangeMethod.upperPercentile(h, p / 100)
      return RangeMethod.widened(Swift.max(lo, Swift.min(lower, hi)), Swift.min(hi, Swift.max(upper, lo)))
    case .entropy:
      let t = lo == hi ? Swift.max(abs(lo), abs(hi))
        : EntropyThreshold.threshold(h.magnitudeCounts(), binWidth: h.binWidth, levels: RangeMethod.entropyLevels)
      return RangeMethod.clipped(lo, hi, t)
    case .mse:
      let t = lo == hi ? Swift.max(abs(lo), abs(hi)) : MSEThreshold.threshold(h, observed: (lo, hi), steps: RangeMethod.mseSteps)
      return RangeMethod.clipped(lo, hi, t)
    }
  }

  /// `[lo, hi]` clipped to `[−t, t]`.
  static func clipped(_ lo: Double, _ hi: Double, _ t: Double) -> ClosedRange<Float> {
    widened(Swift.min(Swift.max(lo, -t), t), Swift.min(Swift.max(hi, -t), t))
  }

  /// The lower edge of the first bin where the mass up to and including it exceeds `q · total`.
  static func lowerPercentile(_ h: Histogram, _ q: Double) -> Double {
    guard h.total > 0 else { return 0 }
    let target = Swift.min(Swift.max(q, 0), 1) * Double(h.total)
    var upTo = 0.0
    for (i, c) in h.counts.enumerated() where c > 0 {
      upTo += Double(c)
      if upTo > target { return h.lowerEdge(i) }
    }
    return h.lowerEdge(h.counts.lastIndex { $0 > 0 }!)
  }

  /// The upper edge of the first bin where the mass up to and including it reaches `q · total`.
  static func upperPercentile(_ h: Histogram, _ q: Double) -> Double {
    guard h.total > 0 else { return 0 }
    let target = Swift.min(Swift.max(q, 0), 1) * Double(h.total)
    var upTo = 0.0
    for (i, c) in h.counts.enumerated() where c > 0 {
      upTo += Double(c)
      if upTo >= target { return h.lowerEdge(i + 1) }
    }
    return h.lowerEdge(h.counts.lastIndex { $0 > 0 }! + 1)
  }

  /// `[lo, hi]` as f32 (rounded outward), at least the minimum width.
  static func widened(_ lo: Double, _ hi: Double) -> ClosedRange<Float> {
    var l = Float(lo), u = Float(hi)
    if Double(l) > lo { l = l.nextDown }
    if Double(u) < hi { u = u.nextUp }
    let magnitude = Swift.max(abs(l), abs(u))
    let minimum = Swift.max(Float(sign: .plus, exponent: -24, significand: 1), magnitude * Float(sign: .plus, exponent: -20, significand: 1))
    if u - l < minimum {
      let middle = l / 2 + u / 2
      l = Swift.max(middle - minimum / 2, -Float.greatestFiniteMagnitude)
      u = Swift.min(middle + minimum / 2, Float.greatestFiniteMagnitude)
    }
    return l...u
  }
}
