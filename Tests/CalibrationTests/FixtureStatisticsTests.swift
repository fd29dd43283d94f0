import Foundation
import QCCIR
import QCCPass
import QCCPasses
import Testing
import _QCCTestSupport

/// Calibrate on the numpy fixture (Fixtures/generate.py) records exactly what
/// numpy computes: counts, min/max, the histogram, channel maxima and every
/// method's range.
@Suite struct FixtureStatisticsTests {
  nonisolated(unsafe) static let expected: [String: [String: Any]] = {
    let data = try! Data(contentsOf: URL(fileURLWithPath: Fixtures.path("CalibrationTests/Fixtures/expected.json")))
    return try! JSONSerialization.jsonObject(with: data) as! [String: [String: Any]]
  }()

  static let pipelines = [
    ("minmax", "calibrate"),
    ("percentile{p=99.9}", "calibrate{method=percentile,p=99.9}"),
    ("percentile{p=99.99}", "calibrate{method=percentile}"),
    ("entropy", "calibrate{method=entropy}"),
    ("mse", "calibrate{method=mse}"),
  ]

  func stats(_ pipeline: String = "calibrate") throws -> CalibrationStatistics {
    try Calib.run(Calib.fixtureModule(), data: try CalibrationData.load(path: Calib.fixtureData), pipeline: pipeline).stats
  }

  func float(_ v: Any?) -> Float { Float((v as! NSNumber).doubleValue) }
  func int(_ v: Any?) -> Int { (v as! NSNumber).intValue }

  @Test(arguments: ["x", "m"])
  func countsMinMaxAndHistogramMatchNumpy(_ name: String) throws {
    let e = Self.expected[name]!
    let s = try #require(try stats().statistics(of: name))
    #expect(s.elementCount == int(e["elements"]))
    #expect(s.nanCount == int(e["nan"]))
    #expect(s.positiveSentinelCount == int(e["positiveSentinel"]))
    #expect(s.negativeSentinelCount == int(e["negativeSentinel"]))
    #expect(s.positiveInfinityCount == int(e["positiveInfinity"]))
    #expect(s.negativeInfinityCount == int(e["negativeInfinity"]))
    #expect(s.observedRange == float(e["min"])...float(e["max"]))
    #expect(s.elementCount == s.nanCount + s.sentinelCount + s.inRangeCount)
    #expect(s.histogram.binCount == 2048)
    #expect(s.histogram.radiusExponent == int(e["radiusExponent"]))
    var counts = [Int](repeating: 0, count: 2048)
    for (k, v) in e["histogram"] as! [String: Any] { counts[Int(k)!] = int(v) }
    #expect(s.histogram.counts == counts)
  }

  @Test func channelMaximaOfTheMatMulOperandMatchNumpy() throws {
    let stats = try stats()
    let m = try #require(stats.channelMaxima(of: "x"))
    #expect(m.axis == 1)
    #expect(m.absMax == (Self.expected["x"]!["channelMaxima"] as! [Any]).map(float))
    #expect(stats.channelMaxima(of: "m") == nil, "m feeds no matrix product")
    #expect(stats.channelMaxima(of: "x", axis: 0) == nil)
  }

  @Test(arguments: pipelines)
  func rangesMatchTheNumpyReference(_ method: String, _ pipeline: String) throws {
    let stats = try stats(pipeline)
    #expect(stats.method.description == method)
    for name in ["x", "m"] {
      let want = (Self.expected[name]!["ranges"] as! [String: Any])[method] as! [Any]
      #expect(stats.range(of: name) == float(want[0])...float(want[1]), "\(name) \(method)")
    }
  }

  @Test func nodeResultsAreRecordedInGraphOrderAfterTheInputs() throws {
    let stats = try stats()
    #expect(stats.valueNames == ["x", "m", "y", "z"])
    #expect(stats.sampleCount == 6)
    #expect(stats.sentinelThreshold == Float(1e30))
    // z = −m: the sentinels change sign, the counts stay.
    let m = stats.statistics(of: "m")!, z = stats.statistics(of: "z")!
    #expect(z.positiveSentinelCount == m.negativeSentinelCount)
    #expect(z.positiveInfinityCount == m.negativeInfinityCount)
    #expect(z.observedRange == -m.observedRange!.upperBound ... -m.observedRange!.lowerBound)
  }
}
