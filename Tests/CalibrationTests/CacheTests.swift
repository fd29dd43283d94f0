import Foundation
import QCCIR
import QCCPass
import QCCPasses
import Testing
import _QCCTestSupport

/// `--calib-cache`: statistics round-trip exactly, a stale cache names what
/// changed, and a corrupt one is an error, never a crash.
@Suite struct CacheTests {
  let data = try! CalibrationData.load(path: Calib.fixtureData)

  func cachePath() -> String { QCCCommand.temporaryDirectory() + "/calib.json" }

  func run(
    _ module: Module = Calib.fixtureModule(), data: CalibrationData? = nil, pipeline: String = "calibrate", cache: String
  ) throws -> (stats: CalibrationStatistics, context: PassContext) {
    try Calib.run(module, data: data ?? self.data, pipeline: pipeline, cache: cache)
  }

  func fromCache(_ context: PassContext) -> Bool {
    context.statistics.counts["calibrate"]?["values read from the cache"] != nil
  }

  @Test(arguments: ["calibrate", "calibrate{method=percentile,p=99.9}", "calibrate{method=entropy}", "calibrate{method=mse}"])
  func statisticsRoundTripExactly(_ pipeline: String) throws {
    let path = cachePath()
    let (computed, first) = try run(pipeline: pipeline, cache: path)
    #expect(!fromCache(first))
    #expect(FileManager.default.fileExists(atPath: path))
    let (loaded, second) = try run(pipeline: pipeline, cache: path)
    #expect(fromCache(second))
    #expect(loaded == computed)
    for name in computed.valueNames {
      let a = computed[name]!, b = loaded[name]!
      #expect(a.range.lowerBound.bitPattern == b.range.lowerBound.bitPattern)
      #expect(a.range.upperBound.bitPattern == b.range.upperBound.bitPattern)
      #expect(a.statistics.minimum.bitPattern == b.statistics.minimum.bitPattern)
      #expect(a.statistics.maximum.bitPattern == b.statistics.maximum.bitPattern)
    }
  }

  @Test func negativeZeroAndAValueWithoutInRangeElementsRoundTrip() throws {
    let path = cachePath()
    let values: [Float] = [-0.0, -0.0, -.infinity, -.greatestFiniteMagnitude, .nan, -0.0]
    var g = Graph()
    let x = g.addInput(name: "x", type: TensorType(.f32, [3]))
    let n = g.addNode(op: "Mul", inputs: [x, g.addConstant(TensorData(scalar: Float.infinity), name: "inf")],
                      resultTypes: [TensorType(.f32, [3])], resultNames: ["big"])
    g.addOutput(name: "y", value: g[n].results[0])
    let data = CalibrationData(tensors: ["x": Calib.stacked(values, samples: 2, shape: [3])])
    let computed = try run(Module(name: "z", graph: g), data: data, cache: path).stats
    let loaded = try run(Module(name: "z", graph: g), data: data, cache: path).stats
    #expect(loaded == computed)
    #expect(loaded.statistics(of: "x")!.minimum.bitPattern == (-0.0 as Float).bitPattern)
    #expect(loaded.statistics(of: "big")!.observedRange == nil, "−0 × inf is NaN, the rest ±inf")
  }

  @Test func aCacheForAnotherModuleDataOrOptionsIsStale() throws {
    let path = cachePath()
    _ = try run(cache: path)
    var changed = Calib.fixtureModule()
    let w = changed.graph.value(named: "w")!
    changed.graph.setConstant(w, to: TensorData(shape: [64, 2], scalars: [Float](repeating: 1, count: 128)))
    let fix = "; delete it or pass another --calib-cache"
    #expect(Calib.error { _ = try run(changed, cache: path) }
      == "pass 'calibrate': calibration cache \(path) was made for a different module (the model, or the passes before calibrate, changed)\(fix)")

    var tensors = data.tensors
    tensors["m"] = TensorData(shape: [6, 4, 8], scalars: [Float](repeating: 0.5, count: 192))
    let otherData = CalibrationData(tensors: tensors)
    #expect(Calib.error { _ = try run(data: otherData, cache: path) }
      == "pass 'calibrate': calibration cache \(path) was made for different calibration data\(fix)")

    #expect(Calib.error { _ = try run(pipeline: "calibrate{method=entropy}", cache: path) }
      == "pass 'calibrate': calibration cache \(path) was made for different options "
      + "(method=minmax,bins=2048,sentinel=1e+30; this run: method=entropy,bins=2048,sentinel=1e+30)\(fix)")

    #expect(Calib.error { _ = try run(changed, data: otherData, cache: path) }
      == "pass 'calibrate': calibration cache \(path) was made for a different module (the model, or the passes before calibrate, changed) "
      + "and different calibration data\(fix)")

    // The thread count changes nothing, so it does not make the cache stale.
    #expect(fromCache(try run(pipeline: "calibrate{threads=1}", cache: path).context))
    // Locations do not count either.
    #expect(fromCache(try run(Calib.fixtureModule(location: "model.py:12"), cache: path).context))
  }

  @Test func theCacheOptionWorksLikeTheFlagAndBothAtOnceMustAgree() throws {
    let path = cachePath()
    var module = Calib.fixtureModule()
    var context = PassContext()
    context.artifacts[CalibrationData.self] = data
    let p = try Pipeline(parsing: "calibrate{cache=\(path)}", registry: BuiltinPasses.registry)
    try PassManager(log: { _ in }).run(p, on: &module, context: &context)
    #expect(FileManager.default.fileExists(atPath: path))
    let other = cachePath()
    #expect(Calib.error { _ = try run(pipeline: "calibrate{cache=\(path)}", cache: other) }
      == "pass 'calibrate': the calibration cache is given twice, as --calib-cache \(other) and calibrate{cache=\(path)}; give one")
  }

  /// Writes `text` as the cache and returns the error calibrate reports.
  func corruptError(_ text: String) -> String {
    let path = cachePath()
    try! Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return Calib.error { _ = try run(cache: path) }.replacingOccurrences(of: path, with: "FILE")
  }

  /// The cache this module and data produce, as a JSON object to tamper with.
  func validCache() throws -> [String: Any] {
    let path = cachePath()
    _ = try run(cache: path)
    return try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
  }

  func text(_ object: [String: Any]) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
  }

  @Test func corruptCachesAreErrors() throws {
    let again = "; delete it to calibrate again"
    #expect(corruptError("garbage") == "pass 'calibrate': calibration cache FILE is corrupt (not a JSON object)\(again)")
    #expect(corruptError("") == "pass 'calibrate': calibration cache FILE is corrupt (not a JSON object)\(again)")
    #expect(corruptError("{\"format\": \"something else\"}") == "pass 'calibrate': calibration cache FILE is corrupt (not a qcc calibration cache)\(again)")
    #expect(corruptError("{\"format\": \"qcc-calibration-cache\", \"version\": 9}")
      == "pass 'calibrate': calibration cache FILE has version 9; this qcc reads version 1\(again)")

    let valid = try validCache()
    let full = text(valid)
    #expect(corruptError(String(full.prefix(full.count / 2))) == "pass 'calibrate': calibration cache FILE is corrupt (not a JSON object)\(again)")

    var missing = valid
    missing["values"] = nil
    #expect(corruptError(text(missing)) == "pass 'calibrate': calibration cache FILE is corrupt (missing 'values')\(again)")

    func tampered(_ key: String, _ value: Any, at index: Int = 0) -> String {
      var v = valid
      var values = v["values"] as! [[String: Any]]
      values[index][key] = value
      v["values"] = values
      return corruptError(text(v))
    }
    #expect(tampered("elements", 3) == "pass 'calibrate': calibration cache FILE is corrupt (value 'x': element counts do not add up)\(again)")
    #expect(tampered("nan", Int.max) == "pass 'calibrate': calibration cache FILE is corrupt (value 'x': element counts do not add up)\(again)")
    #expect(tampered("nan", -1) == "pass 'calibrate': calibration cache FILE is corrupt (value 'x': element counts do not add up)\(again)")
    #expect(tampered("range", [2, 1]) == "pass 'calibrate': calibration cache FILE is corrupt (value 'x': bad range)\(again)")
    #expect(tampered("range", "wide") == "pass 'calibrate': calibration cache FILE is corrupt (wrong type at .values[0].range)\(again)")
    #expect(tampered("min", 1000) == "pass 'calibrate': calibration cache FILE is corrupt (value 'x': bad min/max)\(again)")
    #expect(tampered("histogram", ["radiusExponent": 9, "first": 4000, "counts": [1]])
      == "pass 'calibrate': calibration cache FILE is corrupt (value 'x': histogram bins out of range)\(again)")
    #expect(tampered("histogram", ["radiusExponent": 9999, "first": 0, "counts": [1]])
      == "pass 'calibrate': calibration cache FILE is corrupt (value 'x': bad histogram)\(again)")
    #expect(tampered("channels", [["axis": -1, "absMax": [1]]])
      == "pass 'calibrate': calibration cache FILE is corrupt (value 'x': bad channel maxima)\(again)")
    #expect(tampered("name", "m") == "pass 'calibrate': calibration cache FILE is corrupt (value 'm': listed twice)\(again)")
    #expect(tampered("name", "renamed") == "pass 'calibrate': calibration cache FILE is corrupt (no record of value 'x')\(again)")
  }
}
