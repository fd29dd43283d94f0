/// The clipping threshold on |x| that minimises the expected squared error
/// of int8 quantization, computed from the histogram.
///
/// **The model.** A candidate threshold `T` clips the value to
/// `[lo, hi]`, its observed `[min, max]` clipped to `[−T, T]`; the quantizer is the affine
/// int8 grid of 256 levels over `[min(lo, 0), max(hi, 0)]` (the asymmetric
/// per-tensor activation quantizer of the default preset: zero is always a
/// grid point), with step `s = (max(hi, 0) − min(lo, 0)) / 255`. Values are
/// taken as spread evenly inside their bin. The expected error is then
///
///     E(T) = N_in · s²/12  +  Σ_{bins above hi} n_b ((c_b − hi)² + w²/12)
///                          +  Σ_{bins below lo} n_b ((c_b − lo)² + w²/12)
///
/// — rounding noise of the unclipped elements (uniform over a step) plus the
/// exact mean squared distance to the clip point of the clipped ones (`c_b`
/// a bin's centre, `w` the bin width).
///
/// **The search.** Every bin edge `T = j·w` of the |x| histogram, j from
/// `n` (one past the last non-empty magnitude bin: no clipping) down to 1, is
/// tried. The clipped sums are carried from one candidate to the next
/// (moments about T, shifted by `w` each step, with no cancellation), so the
/// whole search costs O(bins). The smallest error wins; ties keep the larger
/// T (less clipping).
enum MSEThreshold {
  /// Sums over clipped elements: count, Σ (c − T), Σ (c − T)², all about the current threshold.
  struct Moments {
    var n = 0.0, first = 0.0, second = 0.0

    /// Re-centres on T − w.
    mutating func lowerThreshold(by w: Double) {
      second += 2 * w * first + w * w * n
      first += w * n
    }

    /// Adds the bin just above the (new) threshold: centre T + w/2.
    mutating func addBin(_ count: Int, width w: Double) {
      let c = Double(count)
      n += c
      first += c * w / 2
      second += c * w * w / 4
    }
  }

  static func threshold(_ h: Histogram, observed: (lo: Double, hi: Double), steps: Int) -> Double {
    let half = h.binCount / 2
    let w = h.binWidth
    let m = h.magnitudeCounts()
    guard let last = m.lastIndex(where: { $0 > 0 }) else { return 0 }
    let n = last + 1
    let total = Double(h.total)
    var positive = Moments(), negative = Moments()
    var best = Double.infinity
    var bestJ = n
    for j in stride(from: n, through: 1, by: -1) {
      if j < n {
        // T moves from (j+1)·w to j·w: shift the moments, then take in bin j of each side.
        positive.lowerThreshold(by: w)
        negative.lowerThreshold(by: w)
        positive.addBin(h.counts[half + j], width: w)
        negative.addBin(h.counts[half - 1 - j], width: w)
      }
      let t = Double(j) * w
      let lo = Swift.min(Swift.max(observed.lo, -t), t), hi = Swift.min(Swift.max(observed.hi, -t), t)
      let s = (Swift.max(hi, 0) - Swift.min(lo, 0)) / Double(steps)
      let inRange = total - positive.n - negative.n
      let clipped = positive.second + negative.second + (positive.n + negative.n) * w * w / 12
      let error = inRange * s * s / 12 + clipped
      if error < best {
        best = error
        bestJ = j
      }
    }
    return Double(bestJ) * w
  }
}
