import Foundation
import QCCIR
import QCCONNX
import QCCOps
import QCCPass
import QCCPasses
import Testing
import _QCCTestSupport

/// Calibrating the shared minilm model (`$QCC_MODELS`), whose attention mask
/// adds −inf to the masked scores: every range stays finite under every
/// method, and the mask values are counted as sentinels, not ranged.
@Suite(.serialized) struct MiniLMTests {
  static func calibrated() throws -> (module: Module, stats: CalibrationStatistics) {
    let dir = Fixtures.modelsDirectory + "/minilm"
    guard FileManager.default.fileExists(atPath: dir + "/model.onnx") else {
      throw MissingModel(description: "shared model 'minilm' not found at \(dir): set QCC_MODELS to the models folder")
    }
    var module = try ONNXImporter().importModel(path: dir + "/model.onnx")
    var context = PassContext()
    context.artifacts[CalibrationData.self] = try CalibrationData.load(path: dir + "/calib")
    let pipeline = try Pipeline(parsing: "canonicalize,calibrate", registry: BuiltinPasses.registry)
    try PassManager(rules: OpRegistry.standard, log: { _ in }).run(pipeline, on: &module, context: &context)
    return (module, try #require(context.artifacts[CalibrationStatistics.self]))
  }

  struct MissingModel: Error, CustomStringConvertible { var description: String }

  @Test func everyRangeIsFiniteUnderEveryMethodAndMasksAreSentinels() throws {
    let (module, minmax) = try Self.calibrated()
    let g = module.graph
    #expect(minmax.sampleCount == 32)
    // Every f32 node result is recorded (the inputs are i64).
    let f32Results = g.nodeOrder.flatMap { g[$0].results }.filter { g[$0].type.element == .plain(.f32) }
    #expect(minmax.valueNames.count == f32Results.count)

    for method in [RangeMethod.minmax, .percentile(99.99), .percentile(99), .entropy, .mse] {
      let stats = minmax.rechosen(with: method)
      for name in stats.valueNames {
        let r = stats.range(of: name)!
        #expect(r.isFinite && r.lowerBound < r.upperBound, "\(method) %\(name): \(r)")
        let s = stats.statistics(of: name)!
        if let o = s.observedRange {
          #expect(o.lowerBound <= r.lowerBound || r.upperBound - r.lowerBound < 1e-5, "\(method) %\(name): \(r) outside \(o)")
          #expect(r.upperBound <= o.upperBound || r.upperBound - r.lowerBound < 1e-5, "\(method) %\(name): \(r) outside \(o)")
        }
      }
    }

    // The mask: Where(keep, 0, −inf), added to the attention scores of all six layers.
    let masks = g.nodeOrder.filter { g[$0].op == "Where" }.map { g[g[$0].results[0]].name }
      .filter { (minmax.statistics(of: $0)?.negativeSentinelCount ?? 0) > 0 }
    try #require(masks.count == 1, "one mask, shared by the layers: \(masks)")
    let mask = minmax.statistics(of: masks[0])!
    #expect(mask.negativeSentinelCount == mask.negativeInfinityCount, "the model masks with −inf")
    #expect(mask.negativeSentinelCount + mask.inRangeCount == mask.elementCount && mask.nanCount == 0)
    #expect(mask.observedRange == 0...0, "only the kept positions (0) are in range")
    #expect(minmax.range(of: masks[0])!.contains(0))

    let maskedScores = g.nodeOrder.filter { id in g[id].op == "Add" && g[id].inputs.contains { $0.map { g[$0].name } == masks[0] } }
    #expect(maskedScores.count == 6)
    for id in maskedScores {
      let name = g[g[id].results[0]].name
      let s = minmax.statistics(of: name)!
      #expect(s.negativeSentinelCount == mask.negativeSentinelCount * 12, "%\(name): 12 heads per mask element")
      let r = minmax.range(of: name)!
      #expect(r.lowerBound > -1000 && r.upperBound < 1000, "%\(name): \(r)")
    }
    // Softmax turns the masked scores into zeros: probabilities, no sentinels.
    for id in g.nodeOrder where g[id].op == "Softmax" {
      let s = minmax.statistics(of: g[g[id].results[0]].name)!
      #expect(s.sentinelCount == 0 && s.nanCount == 0)
      #expect(s.observedRange!.lowerBound >= 0 && s.observedRange!.upperBound <= 1)
    }
    // Per-channel maxima for the first operand of every MatMul, along its last axis.
    for id in g.nodeOrder where g[id].op == "MatMul" {
      let a = g[id].inputs[0]!
      guard !g.isConstant(a) else { continue }
      let m = try #require(minmax.channelMaxima(of: g[a].name), "%\(g[a].name)")
      #expect(m.axis == g[a].type.shape.rank! - 1)
      #expect(m.absMax.count == g[a].type.shape.staticSizes!.last!)
      #expect(m.absMax.allSatisfy { $0.isFinite && $0 >= 0 })
    }
  }
}
