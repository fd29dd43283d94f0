import Foundation
import QCCIO
import QCCIR
import QCCONNX
import QCCOps
import QCCPass
import QCCPasses
import Testing
import _QCCTestSupport

/// The five shared models (`$QCC_MODELS`, default ../shared/models): each
/// imports, verifies, round-trips through the text form, canonicalizes, and
/// runs on its held-out inputs with outputs that match onnxruntime's.
@Suite(.serialized) struct ModelTests {
  /// A model and the accuracy its float run must reach against `eval_ref`,
  /// as relative error: max |ours − ref| / max |ref| over all samples.
  struct Case: CustomStringConvertible, Sendable {
    var name: String
    var tolerance: Double
    /// Why this tolerance.
    var reason: String
    var description: String { name }
  }

  static let cases: [Case] = [
    Case(name: "vit", tolerance: 1e-4,
         reason: "12 layers of f32 GEMMs with K ≤ 768: qcc's GEMM and onnxruntime's MLAS sum in different orders"),
    Case(name: "minilm", tolerance: 1e-4,
         reason: "6 layers, K ≤ 1536; the output is a mean-pooled embedding, which averages rounding noise"),
    Case(name: "llm", tolerance: 1e-4,
         reason: "8 layers with ×20 outlier channels: relative error is measured against the large logits"),
    Case(name: "mamba", tolerance: 1e-4,
         reason: "the unrolled scan is a 32-step recurrence of Exp/Mul/Add; errors accumulate along it"),
    Case(name: "dit", tolerance: 1e-4,
         reason: "adaLN modulation multiplies activations by (1 + scale); attention over 64 tokens"),
  ]

  static func directory(_ model: String) throws -> String {
    let dir = Fixtures.modelsDirectory + "/" + model
    guard FileManager.default.fileExists(atPath: dir + "/model.onnx") else {
      throw ModelTestError("shared model '\(model)' not found at \(dir): set QCC_MODELS to the models folder")
    }
    return dir
  }

  struct ModelTestError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
  }

  @Test(arguments: cases)
  func importsVerifiesAndRoundTrips(_ c: Case) throws {
    let module = try ONNXImporter().importModel(path: try ModelTests.directory(c.name) + "/model.onnx")
    try Verifier.verify(module, rules: OpRegistry.standard)
    let text = Printer.bytes(module)
    let reparsed = try text.withUnsafeBytes { try Parser.parse(bytes: $0, file: c.name) }
    #expect(Printer.bytes(reparsed) == text, "\(c.name): print → parse → print is not byte-identical")
    let elided = Printer.print(module, options: Printer.Options(elideConstants: true))
    #expect(Printer.print(try Parser.parse(elided), options: Printer.Options(elideConstants: true)) == elided)
  }

  @Test(arguments: cases)
  func matchesOnnxruntimeAfterCanonicalization(_ c: Case) throws {
    let dir = try ModelTests.directory(c.name)
    var module = try ONNXImporter().importModel(path: dir + "/model.onnx")
    let pipeline = try Pipeline(parsing: "canonicalize", registry: BuiltinPasses.registry)
    var instrumentation = PassManager.Instrumentation()
    instrumentation.verifyEach = true
    var context = PassContext()
    try PassManager(instrumentation: instrumentation, rules: OpRegistry.standard).run(pipeline, on: &module, context: &context)

    let interpreter = try Interpreter(module)
    let g = module.graph
    var inputs: [String: TensorData] = [:]
    for id in g.inputs {
      guard case .input(let name) = g[id].definition else { continue }
      inputs[name] = try NPY.read(path: "\(dir)/eval/\(name).npy")
    }
    let samples = inputs.values.first!.shape[0]
    for (outputName, _) in g.outputs {
      let reference = try NPY.read(path: "\(dir)/eval_ref/\(outputName).npy")
      #expect(reference.shape[0] == samples)
    }
    var worst = 0.0
    for s in 0..<samples {
      let feeds = inputs.mapValues { $0.sample(s) }
      let outputs = try interpreter.run(feeds)
      for (name, value) in outputs {
        let reference = try NPY.read(path: "\(dir)/eval_ref/\(name).npy").sample(s)
        let comparison = try Comparison(value, reference: reference.reshaped(value.shape))
        worst = max(worst, comparison.relativeError)
      }
    }
    #expect(worst <= c.tolerance, "\(c.name): relative error \(worst) exceeds \(c.tolerance) (\(c.reason))")
  }
}
