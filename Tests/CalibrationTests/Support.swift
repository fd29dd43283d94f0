import Foundation
import QCCIO
import QCCIR
import QCCOps
import QCCPass
import QCCPasses
import Testing
import _QCCTestSupport

/// A deterministic generator (SplitMix64), so test data is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A standard normal draw (Box–Muller).
  mutating func normal() -> Float {
    let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
    let u2 = Double.random(in: 0..<1, using: &self)
    return Float((-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2))
  }
}

enum Calib {
  /// `input "x" : tensor<shape x f32>` → `Neg` → output, the smallest module calibrate can run.
  static func negModule(_ shape: [Int], name: String = "x") -> Module {
    var g = Graph()
    let x = g.addInput(name: name, type: TensorType(.f32, shape))
    let n = g.addNode(op: "Neg", inputs: [x], resultTypes: [TensorType(.f32, shape)], resultNames: ["neg"])
    g.addOutput(name: "y", value: g[n].results[0])
    return Module(name: "neg", graph: g)
  }

  /// The fixture model: x [4, 64] → MatMul(x, W [64, 2]) → y; m [4, 8] → Neg → z.
  static func fixtureModule(location: String? = nil) -> Module {
    var g = Graph()
    let x = g.addInput(name: "x", type: TensorType(.f32, [4, 64]))
    let m = g.addInput(name: "m", type: TensorType(.f32, [4, 8]))
    let w = g.addConstant(TensorData(shape: [64, 2], scalars: (0..<128).map { Float($0 % 7) - 3 }), name: "w")
    let mm = g.addNode(
      op: "MatMul", inputs: [x, w], resultTypes: [TensorType(.f32, [4, 2])], resultNames: ["y"], location: location)
    let neg = g.addNode(op: "Neg", inputs: [m], resultTypes: [TensorType(.f32, [4, 8])], resultNames: ["z"])
    g.addOutput(name: "y", value: g[mm].results[0])
    g.addOutput(name: "z", value: g[neg].results[0])
    return Module(name: "fixture", graph: g)
  }

  /// Samples stacked as [N, …shape].
  static func stacked(_ values: [Float], samples: Int, shape: [Int]) -> TensorData {
    TensorData(shape: [samples] + shape, scalars: values)
  }

  /// Runs `pipeline` on `module` with `data` (when given) as the `--calib` artifact.
  static func run(
    _ module: Module, data: CalibrationData?, pipeline: String = "calibrate", cache: String? = nil
  ) throws -> (stats: CalibrationStatistics, context: PassContext) {
    var module = module
    var context = PassContext()
    if let data { context.artifacts[CalibrationData.self] = data }
    if let cache { context.artifacts[CalibrationCacheFile.self] = CalibrationCacheFile(path: cache) }
    let p = try Pipeline(parsing: pipeline, registry: BuiltinPasses.registry)
    try PassManager(rules: OpRegistry.standard, log: { _ in }).run(p, on: &module, context: &context)
    return (try #require(context.artifacts[CalibrationStatistics.self]), context)
  }

  /// The message `body` fails with.
  static func error(_ body: () throws -> Void) -> String {
    do {
      try body()
      return "no error"
    } catch {
      return "\(error)"
    }
  }

  /// The fixture folder `calib/` and its expectations.
  static var fixtureData: String { Fixtures.path("CalibrationTests/Fixtures/calib") }

  /// A fresh folder holding `files` as `.npy`.
  static func folder(_ files: [String: TensorData]) throws -> String {
    let dir = QCCCommand.temporaryDirectory()
    for (name, t) in files { try NPY.write(t, to: dir + "/" + name + ".npy") }
    return dir
  }
}

extension ClosedRange where Bound == Float {
  var isFinite: Bool { lowerBound.isFinite && upperBound.isFinite }
}
