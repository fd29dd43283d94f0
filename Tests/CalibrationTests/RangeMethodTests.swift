import QCCIR
import QCCPass
import QCCPasses
import Testing

/// Each range method on distributions whose answer is known: uniform,
/// Gaussian with outliers, and data full of ±inf, NaN and −3.4e38 masks.
@Suite struct RangeMethodTests {
  static let methods = ["minmax", "percentile", "entropy", "mse"]
  static let samples = 32, perSample = 4096

  /// Calibrates `values` (samples × perSample) with `pipeline`; the statistics of the input.
  func calibrate(_ values: [Float], _ pipeline: String, samples: Int = samples) throws -> (ClosedRange<Float>, ValueStatistics) {
    let n = values.count / samples
    let data = CalibrationData(tensors: ["x": Calib.stacked(values, samples: samples, shape: [n])])
    let stats = try Calib.run(Calib.negModule([n]), data: data, pipeline: pipeline).stats
    return (stats.range(of: "x")!, stats.statistics(of: "x")!)
  }

  static func uniform() -> [Float] {
    var g = SeededGenerator(seed: 1)
    return (0..<samples * perSample).map { _ in Float.random(in: -1...1, using: &g) }
  }

  static func gaussianWithOutliers() -> [Float] {
    var g = SeededGenerator(seed: 2)
    var v = (0..<samples * perSample).map { _ in g.normal() }
    for (i, x) in [200, -150, 180, -200, 120, 175, -90, 160].enumerated() { v[i * 9973] = Float(x) }
    return v
  }

  /// N(0, 1) where kept; −3.4e38 (10%), −inf (1%), +inf and NaN (a few) elsewhere.
  static func masked() -> [Float] {
    var g = SeededGenerator(seed: 3)
    return (0..<samples * perSample).map { i in
      let u = Double.random(in: 0..<1, using: &g)
      if u < 0.10 { return -Float.greatestFiniteMagnitude }
      if u < 0.11 { return -.infinity }
      if i % 5000 == 17 { return .infinity }
      if i % 7000 == 3 { return .nan }
      return g.normal()
    }
  }

  /// The q-quantile of sorted data, interpolated between neighbours like numpy's default.
  func exactQuantile(_ sorted: [Float], _ q: Double) -> Float {
    let r = q * Double(sorted.count - 1)
    let i = Int(r.rounded(.down)), f = Float(r - Double(i))
    return i + 1 < sorted.count ? sorted[i] + f * (sorted[i + 1] - sorted[i]) : sorted[i]
  }

  @Test func uniform() throws {
    let v = Self.uniform()
    let (minmax, s) = try calibrate(v, "calibrate")
    #expect(minmax == v.min()!...v.max()!)
    #expect(s.inRangeCount == v.count && s.sentinelCount == 0 && s.nanCount == 0)
    // Dense data: the histogram percentile is within a bin of the exact one.
    let sorted = v.sorted()
    let (p99, _) = try calibrate(v, "calibrate{method=percentile,p=99}")
    let w = Float(s.histogram.binWidth)
    #expect(abs(p99.upperBound - exactQuantile(sorted, 0.99)) <= w)
    #expect(abs(p99.lowerBound - exactQuantile(sorted, 0.01)) <= w)
    // Uniform data has nothing worth clipping.
    for method in ["entropy", "mse"] {
      let (r, _) = try calibrate(v, "calibrate{method=\(method)}")
      #expect(r.lowerBound <= -0.95 && r.upperBound >= 0.95, "\(method): \(r)")
      #expect(minmax.lowerBound <= r.lowerBound && r.upperBound <= minmax.upperBound)
    }
  }

  @Test func gaussianWithOutliers() throws {
    let v = Self.gaussianWithOutliers()
    let (minmax, s) = try calibrate(v, "calibrate")
    #expect(minmax == -200...200)
    let sorted = v.sorted()
    let (p, _) = try calibrate(v, "calibrate{method=percentile,p=99.99}")
    let w = Float(s.histogram.binWidth)
    #expect(abs(p.upperBound - exactQuantile(sorted, 0.9999)) <= 2 * w, "\(p)")
    #expect(abs(p.lowerBound - exactQuantile(sorted, 0.0001)) <= 2 * w, "\(p)")
    #expect(p.upperBound > 3 && p.upperBound < 6)
    // KL clips the outliers as far as it can: its smallest candidate is 128 of the
    // 1024 magnitude bins, 128 · 0.25 = 32 here (R = 256).
    let (kl, _) = try calibrate(v, "calibrate{method=entropy}")
    #expect(kl.upperBound >= 32 && kl.upperBound < 100, "\(kl)")
    #expect(kl.lowerBound <= -32 && kl.lowerBound > -100, "\(kl)")
    // Squared error weighs the clipped outliers heavily: mse keeps most of them,
    // but not the farthest.
    let (mse, _) = try calibrate(v, "calibrate{method=mse}")
    #expect(mse.upperBound > 100 && mse.upperBound < 200, "\(mse)")
  }

  /// On a Gaussian the 8-bit MSE-optimal clip is about 3.9σ (Banner et al.,
  /// ACIQ, 2019). KL keeps (nearly) the whole range: its thin tail costs little divergence.
  @Test func gaussian() throws {
    var g = SeededGenerator(seed: 4)
    let v = (0..<Self.samples * Self.perSample).map { _ in g.normal() }
    let (minmax, _) = try calibrate(v, "calibrate")
    #expect(minmax.upperBound > 4.2, "131072 draws reach past 4.2σ")
    let (mse, _) = try calibrate(v, "calibrate{method=mse}")
    #expect(mse.upperBound > 3.4 && mse.upperBound < 4.4, "\(mse)")
    #expect(mse.lowerBound < -3.4 && mse.lowerBound > -4.4, "\(mse)")
    let (kl, _) = try calibrate(v, "calibrate{method=entropy}")
    #expect(kl.upperBound > 2.5 && kl.upperBound <= minmax.upperBound, "\(kl)")
  }

  @Test(arguments: methods)
  func masksInfinitiesAndNaNNeverReachARange(_ method: String) throws {
    let v = Self.masked()
    let (r, s) = try calibrate(v, "calibrate{method=\(method)}")
    #expect(r.isFinite && r.lowerBound < r.upperBound)
    let body = v.filter { abs($0) < 1e30 }
    #expect(body.min()! <= r.lowerBound && r.upperBound <= body.max()!, "\(r)")
    #expect(s.nanCount == v.filter(\.isNaN).count)
    #expect(s.negativeSentinelCount == v.filter { $0 <= -1e30 }.count)
    #expect(s.negativeInfinityCount == v.filter { $0 == -.infinity }.count)
    #expect(s.positiveSentinelCount == v.filter { $0 == .infinity }.count)
    #expect(s.inRangeCount == body.count)
    #expect(s.observedRange == body.min()!...body.max()!)
  }

  @Test(arguments: methods)
  func aValueOfOnlySentinelsGetsATinyRangeAboutZero(_ method: String) throws {
    let v = [Float](repeating: -.greatestFiniteMagnitude, count: 64) + [Float](repeating: -.infinity, count: 64)
    let (r, s) = try calibrate(v, "calibrate{method=\(method)}", samples: 2)
    #expect(r == -Float(sign: .plus, exponent: -25, significand: 1)...Float(sign: .plus, exponent: -25, significand: 1))
    #expect(s.observedRange == nil && s.negativeSentinelCount == 128 && s.negativeInfinityCount == 64)
  }

  @Test(arguments: methods)
  func constantValuesGetATinyNonZeroRange(_ method: String) throws {
    for c: Float in [0, 5, -3e6] {
      let (r, _) = try calibrate([Float](repeating: c, count: 256), "calibrate{method=\(method)}", samples: 4)
      #expect(r.lowerBound < r.upperBound && r.contains(c), "\(method) \(c): \(r)")
      #expect(r.upperBound - r.lowerBound <= max(Float(sign: .plus, exponent: -24, significand: 1), abs(c) * 1e-6) * 1.01)
    }
  }

  @Test(arguments: methods)
  func oneSidedDataKeepsItsObservedLowerBound(_ method: String) throws {
    let v = Self.gaussianWithOutliers().map { max($0, 0) }
    let (r, _) = try calibrate(v, "calibrate{method=\(method)}")
    #expect(r.lowerBound == 0, "\(method): \(r)")
  }

  @Test func rechosenRangesEqualARunWithThatMethod() throws {
    let v = Self.gaussianWithOutliers()
    let data = CalibrationData(tensors: ["x": Calib.stacked(v, samples: Self.samples, shape: [Self.perSample])])
    let minmax = try Calib.run(Calib.negModule([Self.perSample]), data: data).stats
    for (method, pipeline) in [(RangeMethod.entropy, "calibrate{method=entropy}"), (.mse, "calibrate{method=mse}"),
                               (.percentile(99.9), "calibrate{method=percentile,p=99.9}")] {
      let direct = try Calib.run(Calib.negModule([Self.perSample]), data: data, pipeline: pipeline).stats
      #expect(minmax.rechosen(with: method) == direct)
    }
  }

  @Test func theThreadCountDoesNotChangeTheStatistics() throws {
    let v = Self.masked()
    let data = CalibrationData(tensors: ["x": Calib.stacked(v, samples: Self.samples, shape: [Self.perSample])])
    let one = try Calib.run(Calib.negModule([Self.perSample]), data: data, pipeline: "calibrate{threads=1}").stats
    for threads in [2, 3, 7] {
      #expect(try Calib.run(Calib.negModule([Self.perSample]), data: data, pipeline: "calibrate{threads=\(threads)}").stats == one)
    }
  }

  /// −1e9 masks are data at the default threshold (with a warning), sentinels with sentinel=1e8.
  @Test func minusOneBillionMasksNeedALowerThreshold() throws {
    var g = SeededGenerator(seed: 5)
    let v = (0..<Self.samples * Self.perSample).map { i in i % 10 == 0 ? -1e9 : g.normal() }
    let data = CalibrationData(tensors: ["x": Calib.stacked(v, samples: Self.samples, shape: [Self.perSample])])
    let plain = try Calib.run(Calib.negModule([Self.perSample]), data: data)
    #expect(plain.stats.range(of: "x")!.lowerBound == -1e9)
    #expect(plain.context.warnings == [
      "calibrate: 2 values reach 1e8 in magnitude (first: %x, range [-1e+09, \(v.max()!)]), an attention mask filled with -1e9?; "
        + "such values stretch ranges and histograms: calibrate{sentinel=1e8} keeps them out",
    ])
    let lowered = try Calib.run(Calib.negModule([Self.perSample]), data: data, pipeline: "calibrate{sentinel=1e8,method=entropy}")
    let s = lowered.stats.statistics(of: "x")!
    #expect(s.negativeSentinelCount == v.filter { $0 == -1e9 }.count && s.negativeInfinityCount == 0)
    #expect(lowered.stats.range(of: "x")!.lowerBound > -6)
    #expect(lowered.context.warnings.isEmpty)
  }

  @Test func badOptionsAreNamed() {
    let data = CalibrationData(tensors: ["x": Calib.stacked([1, 2], samples: 2, shape: [1])])
    func error(_ pipeline: String) -> String {
      Calib.error { _ = try Calib.run(Calib.negModule([1]), data: data, pipeline: pipeline) }
    }
    #expect(error("calibrate{method=percentile,p=30}") == "pass 'calibrate': option p must be between 50 and 100, got 30.0")
    #expect(error("calibrate{bins=1000}") == "pass 'calibrate': option bins must be a power of two from 256 to 1048576, got 1000")
    #expect(error("calibrate{sentinel=0}") == "pass 'calibrate': option sentinel must be positive, got 0.0")
    #expect(error("calibrate{threads=-1}") == "pass 'calibrate': option threads must be 0 (one per core) or more, got -1")
    #expect(error("calibrate{method=kl}") == "pass 'calibrate' option 'method': expected one of minmax, percentile, entropy, mse, got 'kl'")
  }

  @Test func pOutsidePercentileIsAWarning() throws {
    let data = CalibrationData(tensors: ["x": Calib.stacked([1, 2], samples: 2, shape: [1])])
    let context = try Calib.run(Calib.negModule([1]), data: data, pipeline: "calibrate{method=entropy,p=99}").context
    #expect(context.warnings == ["calibrate: option p applies only to method=percentile; it is ignored with method=entropy"])
  }
}
