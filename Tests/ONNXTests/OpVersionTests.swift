import QCCIR
@testable import QCCONNX
import QCCOps
import Testing
import _QCCTestSupport

/// Per-op ONNX versions: which version of an op a model's opset means, and
/// which versions qcc implements (ONNXOpSupport).
@Suite struct OpVersionTests {
  func node(_ op: String, _ name: String, output: String = "y") -> ONNXNode {
    ONNXNode(name: name, op: op, domain: "", inputs: ["x"], outputs: [output], attributes: Attributes())
  }

  @Test func theNewestOpsetAndIRVersionImport() throws {
    let module = try ONNXImporter().importModel(path: Fixtures.path("ONNXTests/Fixtures/opset28_ir14.onnx"))
    #expect(module.metadata["source_opset"] == .int(28))
    #expect(module.metadata["source_ir_version"] == .int(14))
    let x = TensorData(shape: [2, 3], scalars: [Float(-1), 0.5, 2, -3, 4, 1e5])
    let y = try Interpreter(module).run(["x": x])[0].value
    #expect(y.elementType == .f16 && y.scalars(as: Float16.self) == [0, 0.5, 2, 0, 4, .infinity])
  }

  @Test func theEffectiveVersionIsTheNewestAtOrBeforeTheOpset() {
    #expect(ONNXOpSupport.effectiveVersion(of: "Relu", opset: 28) == 14)
    #expect(ONNXOpSupport.effectiveVersion(of: "Relu", opset: 13) == 13)
    #expect(ONNXOpSupport.effectiveVersion(of: "Cast", opset: 22) == 21)
    #expect(ONNXOpSupport.effectiveVersion(of: "Gelu", opset: 17) == nil)
    #expect(ONNXOpSupport.effectiveVersion(of: "FooBar", opset: 17) == nil)
    #expect(ONNXImporter.supportedOpsets.upperBound == ONNXOpHistory.newestOpset)
  }

  @Test func nodesNewerThanImplementedAreListedTogether() {
    let implemented: (String) -> Int? = { ["Relu": 6, "Cast": 13][$0] }
    let nodes = [node("Relu", "a"), node("Relu", "b"), node("Cast", "", output: "c"), node("Abs", "d")]
    #expect(throws: Never.self) { try ONNXOpSupport.checkVersions(nodes, opset: 12, implemented: implemented) }
    #expect(throws: Never.self) { try ONNXOpSupport.checkVersions(Array(nodes.prefix(2)), opset: 12, implemented: implemented) }
    func message(_ nodes: [ONNXNode], opset: Int) -> String {
      do {
        try ONNXOpSupport.checkVersions(nodes, opset: opset, implemented: implemented)
        return "no error"
      } catch {
        return error.message
      }
    }
    #expect(message(Array(nodes.prefix(2)), opset: 14)
      == "ops at versions qcc does not implement yet: Relu-14 (nodes 'a', 'b') — qcc implements Relu up to version 6")
    #expect(message(nodes, opset: 19) == """
      ops at versions qcc does not implement yet:
        Cast-19 (node producing 'c') — qcc implements Cast up to version 13
        Relu-14 (nodes 'a', 'b') — qcc implements Relu up to version 6
      """)
  }

  /// Every op qcc runs says which version it implements, and that is a real version of the op.
  @Test func everyRegisteredOpHasAnImplementedVersion() {
    let ops = OpRegistry.standard.opNames.filter { !$0.contains(".") } + ["Constant"]
    let missing = ops.filter { ONNXOpSupport.implementedThrough[$0] == nil }
    #expect(missing.isEmpty, "add these ops to ONNXOpSupport.implementedThrough (after reading their changelog): \(missing)")
    for (op, version) in ONNXOpSupport.implementedThrough {
      let history = ONNXOpHistory.sinceVersions[op] ?? []
      #expect(history.contains(version), "\(op) \(version) is not one of its ONNX versions \(history)")
    }
  }
}
