import QCCIR

#if canImport(Glibc)
import Glibc
#endif

/// How close a tensor is to a reference: the numbers qcc reports for
/// interpreter checks and, later, for quantization error.
public struct Comparison: Sendable {
  /// max |actual − reference|.
  public var maxAbsoluteError: Double
  /// maxAbsoluteError / max |reference|: the "relative" figure model tests state.
  public var relativeError: Double
  /// Signal-to-quantization-noise ratio in dB: 10·log10(Σ ref² / Σ (actual − ref)²); +inf when equal.
  public var sqnr: Double
  /// Cosine similarity of the flattened tensors.
  public var cosine: Double
  /// Fraction of rows (along the last axis) whose argmax agrees.
  public var argmaxAgreement: Double

  /// Compares two tensors of the same shape (any numeric element types).
  public init(_ actual: TensorData, reference: TensorData) throws(OpError) {
    guard actual.shape == reference.shape else {
      throw OpError("shapes differ: \(actual.shape) vs reference \(reference.shape)")
    }
    let a = actual.doubles(), r = reference.doubles()
    var maxError = 0.0, maxReference = 0.0, signal = 0.0, noise = 0.0, dot = 0.0, na = 0.0
    for i in 0..<a.count {
      // Equal values (including equal infinities) and NaN where the reference
      // has NaN are exact; any other non-finite difference is an infinite error.
      if a[i] == r[i] || (a[i].isNaN && r[i].isNaN) {
        if r[i].isFinite {
          maxReference = max(maxReference, abs(r[i]))
          signal += r[i] * r[i]
          dot += a[i] * r[i]
          na += a[i] * a[i]
        }
        continue
      }
      let e = a[i] - r[i]
      maxError = max(maxError, e.isFinite ? abs(e) : .infinity)
      if r[i].isFinite { maxReference = max(maxReference, abs(r[i])) }
      signal += r[i].isFinite ? r[i] * r[i] : 0
      noise += e.isFinite ? e * e : .infinity
      dot += a[i].isFinite && r[i].isFinite ? a[i] * r[i] : 0
      na += a[i].isFinite ? a[i] * a[i] : 0
    }
    maxAbsoluteError = maxError
    relativeError = maxError == 0 ? 0 : maxReference > 0 ? maxError / maxReference : maxError
    sqnr = noise == 0 ? .infinity : 10 * log10(signal / noise)
    cosine = na > 0 && signal > 0 ? dot / (na.squareRoot() * signal.squareRoot()) : (na == signal ? 1 : 0)
    let width = actual.shape.last ?? 1
    let rows = width > 0 ? a.count / width : 0
    var agree = 0
    for row in 0..<rows {
      let base = row * width
      var ia = base, ir = base
      for j in base..<(base + width) {
        if a[j] > a[ia] { ia = j }
        if r[j] > r[ir] { ir = j }
      }
      if ia == ir { agree += 1 }
    }
    argmaxAgreement = rows > 0 ? Double(agree) / Double(rows) : 1
  }
}
