import Foundation
import QCCIO
import QCCIR
import QCCONNX
import QCCOps
import QCCPass
import QCCPasses
import QCCTargets
import Testing
import _QCCTestSupport

/// On the shared Mamba model, `fuse` rebuilds each layer's unrolled selective
/// scan as one `qcc.selective_scan`, and every held-out output of the fused
/// program is byte-identical to the program without `fuse`
/// (`$QCC_MODELS`, default ../shared/models).
@Suite(.serialized) struct SelectiveScanModelTests {
  @Test func mambaScansFuseAndKeepEveryOutputByte() throws {
    let dir = Fixtures.modelsDirectory + "/mamba"
    try #require(FileManager.default.fileExists(atPath: dir + "/model.onnx"),
                 "shared model 'mamba' not found at \(dir): set QCC_MODELS to the models folder")
    let imported = try ONNXImporter().importModel(path: dir + "/model.onnx")
    let calibration = try CalibrationData.load(path: dir + "/calib")
    let full = BuiltinPasses.defaultPipeline(preset: "w8a8")
    #expect(full.hasSuffix(",fuse"))
    func compile(_ pipeline: String) throws -> Module {
      var module = imported
      var context = PassContext()
      context.artifacts[CalibrationData.self] = calibration
      try PassManager(rules: OpRegistry.standard, log: { _ in })
        .run(try Pipeline(parsing: pipeline, registry: BuiltinPasses.registry), on: &module, context: &context)
      return module
    }
    let fused = try compile(full), unfused = try compile(String(full.dropLast(",fuse".count)))
    let ops = fused.graph.nodeOrder.map { fused.graph[$0].op }
    #expect(ops.filter { $0 == "qcc.selective_scan" }.count == 4, "one scan per layer")
    #expect(ops.count < unfused.graph.nodeOrder.count / 4)
    let eval = try NPY.read(path: dir + "/eval/input_ids.npy")
    let (a, b) = (try Interpreter(fused), try Interpreter(unfused))
    for s in 0..<eval.shape[0] {
      let feeds = ["input_ids": eval.sample(s)]
      let (x, y) = (try a.run(feeds), try b.run(feeds))
      #expect(x.count == y.count)
      for (p, q) in zip(x, y) {
        #expect(Array(p.value.bytes) == Array(q.value.bytes), "sample \(s) output \(p.name): fused differs from unfused")
      }
    }
  }
}
