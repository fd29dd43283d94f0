import Foundation
import QCCIO
import QCCIR
import QCCOps
import QCCTargets
import Testing
import _QCCTestSupport

/// Each shared model compiles to a .qprog whose outputs on held-out inputs
/// are byte-identical to the interpreter's run of the same lowered module
/// (`$QCC_MODELS`, default ../shared/models).
@Suite(.serialized) struct ModelProgramTests {
  @Test(arguments: ["vit", "minilm", "llm", "mamba", "dit"])
  func compiledModelMatchesTheInterpreterByteForByte(_ name: String) throws {
    let dir = Fixtures.modelsDirectory + "/" + name
    try #require(FileManager.default.fileExists(atPath: dir + "/model.onnx"),
                 "shared model '\(name)' not found at \(dir): set QCC_MODELS to the models folder")
    let c = try Compile.model(dir + "/model.onnx", calib: dir + "/calib")
    let names = Compile.inputNames(c.lowered)
    let eval = try Dictionary(uniqueKeysWithValues: names.map { ($0, try NPY.read(path: dir + "/eval/\($0).npy")) })
    for s in 0..<min(2, eval.values.first!.shape[0]) {
      let (expected, got) = try Compile.runBoth(c, feeds: eval.mapValues { $0.sample(s) })
      for (i, (e, g)) in zip(expected, got).enumerated() {
        #expect(e.shape == g.shape && e.elementType == g.elementType, "\(name) output \(i)")
        #expect(e.byteArray == g.byteArray, "\(name) sample \(s) output \(i): the program differs from the interpreter")
      }
    }
    // The arena reuses memory: far below the sum of the intermediates, never below the peak live bytes.
    #expect(c.program.arenaBytes >= MemoryPlan.peakLiveBytes(c.program.tensors))
    #expect(c.program.arenaBytes < c.program.arenaTensorBytes / 2)
  }
}
