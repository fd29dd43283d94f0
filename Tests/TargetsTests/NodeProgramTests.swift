import Foundation
import QCCIR
import QCCONNX
import QCCOps
import QCCPass
import QCCPasses
import QCCTargets
import Testing

/// ONNX node tests of Dropout, the comparisons, Not, IsInf, ArgMax / ArgMin,
/// CumSum, Tile and Trilu (Debian's libonnx-testdata) compile after
/// `canonicalize` alone to a .qprog that the C validator loads and whose
/// outputs on the test's inputs are the interpreter's, byte for byte: run-time
/// CumSum axes and Trilu k included (graph inputs here).
@Suite struct NodeProgramTests {
  static let root = BackendTestSuite.defaultRoot + "/node/"

  /// The module of node test `name` after canonicalize.
  static func module(_ name: String) throws -> Module {
    var module = try ONNXImporter().importModel(path: root + name + "/model.onnx")
    var context = PassContext()
    let pipeline = try Pipeline(parsing: "canonicalize", registry: BuiltinPasses.registry)
    try PassManager(rules: OpRegistry.standard, log: { _ in }).run(pipeline, on: &module, context: &context)
    return module
  }

  @Test(arguments: [
    "test_dropout_default_mask_ratio", "test_equal_bcast", "test_less_bcast", "test_greater_equal_bcast",
    "test_less_equal", "test_not_4d", "test_isinf_negative", "test_argmax_negative_axis_keepdims_random",
    "test_argmin_no_keepdims_example_select_last_index", "test_cumsum_2d_negative_axis",
    "test_cumsum_1d_reverse_exclusive", "test_tile", "test_tril_neg", "test_triu_out_neg_out", "test_tril_zero",
  ])
  func compiledNodeTestMatchesTheInterpreter(_ name: String) throws {
    try #require(
      FileManager.default.fileExists(atPath: Self.root + name),
      "ONNX node test \(name) not found: apt-get install libonnx-testdata")
    let module = try Self.module(name)
    let program = try QProgram(bytes: try QProgWriter.bytes(of: try Program.build(module)))
    var feeds: [String: TensorData] = [:]
    var inputs: [TensorData] = []
    for (i, id) in module.graph.inputs.enumerated() {
      guard case .input(let input) = module.graph[id].definition else { continue }
      let t = try BackendTestSuite.readTensor(Self.root + name + "/test_data_set_0/input_\(i).pb")
      feeds[input] = t
      inputs.append(t)
    }
    let expected = try Interpreter(module).run(feeds).map(\.value)
    let got = try program.run(inputs)
    #expect(expected.count == got.count)
    for (i, (e, g)) in zip(expected, got).enumerated() {
      #expect(e.shape == g.shape && e.elementType == g.elementType, "\(name) output \(i)")
      #expect(Array(e.bytes) == Array(g.bytes), "\(name) output \(i): the program differs from the interpreter")
    }
  }

  /// Training-mode Dropout draws a random mask: it does not compile, and says why.
  @Test func trainingDropoutIsNotCompiled() throws {
    let name = "test_training_dropout"
    try #require(FileManager.default.fileExists(atPath: Self.root + name), "ONNX node test \(name) not found")
    do {
      _ = try Program.build(try Self.module(name))
      Issue.record("training-mode Dropout compiled")
    } catch {
      #expect("\(error)".contains("Dropout: training_mode must be a constant to compile"), "\(error)")
    }
  }
}
