import Foundation
import QCCIO
import QCCIR
import QCCONNX
import QCCOps
import QCCPass
import QCCPasses
import Testing
import _QCCTestSupport

/// Passes that must keep the float function (smoothing) run the interpreter
/// before and after on held-out inputs.
@Suite(.serialized) struct PreservationTests {
  /// minilm has real activation outliers (smoothing folds into some LayerNorms and inserts divisions before
  /// others); llm folds into RMSNorms. Rounding in the rescaled weights and norms stays near 1e-6.
  @Test(arguments: ["minilm", "llm"])
  func smoothingKeepsTheFloatFunction(_ name: String) throws {
    let dir = try ModelTests.directory(name)
    var module = try ONNXImporter().importModel(path: dir + "/model.onnx")
    var context = PassContext()
    context.artifacts[CalibrationData.self] = try CalibrationData.load(path: dir + "/calib")
    let manager = PassManager(rules: OpRegistry.standard, log: { _ in })
    try manager.run(try Pipeline(parsing: "canonicalize,calibrate", registry: BuiltinPasses.registry), on: &module, context: &context)
    let before = module
    try manager.run(try Pipeline(parsing: "smooth", registry: BuiltinPasses.registry), on: &module, context: &context)
    #expect((context.statistics.counts["smooth"]?["smoothed activations"] ?? 0) > 0, "\(name): nothing was smoothed")
    let a = try ModelTests.worstRelativeError(before, dir: dir)
    let b = try ModelTests.worstRelativeError(module, dir: dir)
    #expect(b <= max(a, 1e-6) * 10, "\(name): smoothing moved the outputs from \(a) to \(b) relative error")
  }
}
