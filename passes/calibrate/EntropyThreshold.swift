#if canImport(Glibc)
import Glibc
#endif

/// The KL-divergence ("entropy") threshold search of TensorRT's int8
/// calibrator (Migacz, "8-bit Inference with TensorRT", GTC 2017), as MXNet
/// and onnxruntime implement it, on the histogram of |x|.
///
/// With `m` the magnitude histogram (bin j ≈ [j·w, (j+1)·w)) and `n` one past
/// its last non-empty bin, each candidate `i` in `levels…n` (every one) is
/// scored:
///
/// 1. Reference `P`: bins `0..<i`, with the mass of every bin ≥ i (the
///    values the threshold would clip) added to bin `i − 1`.
/// 2. Candidate `Q`: bins `0..<i` merged into `levels` groups of `⌊i/levels⌋`
///    bins (the last group takes the remainder); each group's count is spread
///    evenly over the group's bins where `P` is non-zero; bins where `P` is
///    zero stay zero.
/// 3. Both are smoothed (every zero bin gets ε = 10⁻⁴, taken evenly from the
///    non-zero bins; ε shrinks when that would empty a bin), normalised, and
///    scored by KL(P ‖ Q) = Σ p log(p/q).
///
/// The threshold is `T = i·w` (the upper edge of the last kept bin) for the
/// `i` with the smallest divergence; ties keep the smaller `i`, as the
/// reference implementations do. When all values fit in `levels` bins
/// (`n ≤ levels`), nothing needs clipping and `T = n·w`. An empty histogram
/// gives 0. The search never sees NaN, ±inf or sentinels (they are not in
/// the histogram), which is what makes it safe on attention masks where
/// onnxruntime's calibrator fails.
///
/// **Cost.** Each candidate is scored in one sweep over the non-empty bins
/// below it (zero bins of `P` are zero in `Q` too, so they contribute one
/// closed-form term), with group sums and non-zero counts from prefix sums:
/// O(levels + non-empty bins) per candidate, one logarithm per non-empty bin.
enum EntropyThreshold {
  static let epsilon = 1e-4

  static func threshold(_ m: [Int], binWidth w: Double, levels: Int) -> Double {
    guard let last = m.lastIndex(where: { $0 > 0 }) else { return 0 }
    let n = last + 1
    if n <= levels { return Double(n) * w }
    let c = m[0..<n].map(Double.init)
    // Prefix sums of mass and of non-empty bins; suffix sums of mass; where the non-empty bins are.
    var mass = [Double](repeating: 0, count: n + 1)
    var nonEmpty = [Int](repeating: 0, count: n + 1)
    for k in 0..<n {
      mass[k + 1] = mass[k] + c[k]
      nonEmpty[k + 1] = nonEmpty[k] + (c[k] != 0 ? 1 : 0)
    }
    var beyond = [Double](repeating: 0, count: n + 1)
    for k in stride(from: n - 1, through: 0, by: -1) { beyond[k] = beyond[k + 1] + c[k] }
    let occupied = (0..<n).filter { c[$0] != 0 }
    // smallest[k] = the smallest non-zero count among bins < k.
    var smallest = [Double](repeating: .infinity, count: n + 1)
    for k in 0..<n { smallest[k + 1] = c[k] != 0 ? Swift.min(smallest[k], c[k]) : smallest[k] }

    var share = [Double](repeating: 0, count: levels)
    var best = Double.infinity
    var bestI = n
    for i in levels...n {
      // P: bins < i, with the clipped mass added to bin i − 1.
      let lastP = c[i - 1] + beyond[i]
      let lastNonZero = lastP != 0 ? 1 : 0
      let nonZeroP = nonEmpty[i - 1] + lastNonZero
      let zerosP = i - nonZeroP
      let totalP = mass[i] + beyond[i]
      var smallestP = smallest[i - 1]
      if lastP != 0 { smallestP = Swift.min(smallestP, lastP) }
      // Q: group g's mass spread over its bins where P is non-zero.
      let size = i / levels
      var zerosQ = zerosP
      var smallestQ = Double.infinity
      for g in 0..<levels {
        let start = g * size, stop = g == levels - 1 ? i : start + size
        var nonZero = nonEmpty[stop] - nonEmpty[start]
        if stop == i { nonZero += lastNonZero - (c[i - 1] != 0 ? 1 : 0) }
        let sum = mass[stop] - mass[start]
        share[g] = nonZero > 0 ? sum / Double(nonZero) : 0
        if share[g] == 0 { zerosQ += nonZero } else { smallestQ = Swift.min(smallestQ, share[g]) }
      }
      let totalQ = mass[i]
      guard let (epsP, takeP) = smoothing(zeros: zerosP, of: i, smallest: smallestP),
        let (epsQ, takeQ) = smoothing(zeros: zerosQ, of: i, smallest: smallestQ)
      else { continue }
      // Bins where P is zero: Q is zero there too.
      var d = 0.0
      if zerosP > 0 {
        let p = epsP / totalP
        d += Double(zerosP) * p * log(p / (epsQ / totalQ))
      }
      // Bins where P is non-zero: the occupied bins below i − 1, then bin i − 1.
      func term(_ pk: Double, _ qk: Double) -> Double {
        let p = (pk - takeP) / totalP
        let q = (qk != 0 ? qk - takeQ : epsQ) / totalQ
        return p * log(p / q)
      }
      for k in occupied {
        if k >= i - 1 { break }
        d += term(c[k], share[Swift.min(k / size, levels - 1)])
      }
      if lastP != 0 { d += term(lastP, share[Swift.min((i - 1) / size, levels - 1)]) }
      if d < best {
        best = d
        bestI = i
      }
    }
    return Double(bestI) * w
  }

  /// MXNet's `_smooth_distribution` for `count` bins of which `zeros` are
  /// zero: ε for each zero bin and the amount `take` subtracted from each
  /// non-zero one (same total), with ε shrunk so that no bin drops below half
  /// its count (`smallest` is the smallest non-zero count; MXNet raises an
  /// error there instead). nil when every bin is zero.
  static func smoothing(zeros: Int, of count: Int, smallest: Double) -> (eps: Double, take: Double)? {
    let nonZeros = count - zeros
    guard nonZeros > 0 else { return nil }
    guard zeros > 0 else { return (0, 0) }
    let eps = Swift.min(epsilon, smallest / 2 * Double(nonZeros) / Double(zeros))
    return (eps, eps * Double(zeros) / Double(nonZeros))
  }
}
