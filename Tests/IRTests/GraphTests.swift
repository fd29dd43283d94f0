import Testing
@testable import QCCIR

@Suite struct GraphTests {
  /// x -> Relu -> Neg -> output, with a constant feeding an Add.
  func sample() -> (Graph, ValueID, NodeID, NodeID) {
    var g = Graph()
    let t = TensorType(.f32, [4])
    let x = g.addInput(name: "x", type: t)
    let relu = g.addNode(op: "Relu", inputs: [x], resultTypes: [t], resultNames: ["r"])
    let neg = g.addNode(op: "Neg", inputs: [g[relu].results[0]], resultTypes: [t], resultNames: ["n"])
    g.addOutput(name: "y", value: g[neg].results[0])
    return (g, x, relu, neg)
  }

  @Test func usesAreTracked() {
    let (g, x, relu, neg) = sample()
    #expect(g[x].uses == [.operand(relu, index: 0)])
    #expect(g[g[neg].results[0]].uses == [.output(index: 0)])
    #expect(g.nodeOrder == [relu, neg])
  }

  @Test func replaceAllUsesRewiresOperandsAndOutputs() {
    var (g, x, relu, neg) = sample()
    g.replaceAllUses(of: g[neg].results[0], with: x)
    #expect(g.outputs[0].value == x)
    #expect(g.removeDeadCode() == 2)
    #expect(g.nodeOrder.isEmpty)
    #expect(!g[relu].isLive && !g[neg].isLive)
    #expect(g.value(named: "r") == nil, "erased names are free again")
  }

  @Test func insertBeforeKeepsOrder() {
    var (g, x, relu, neg) = sample()
    let t = TensorType(.f32, [4])
    let abs = g.addNode(op: "Abs", inputs: [x], resultTypes: [t], resultNames: ["a"], before: relu)
    g.setOperand(of: relu, at: 0, to: g[abs].results[0])
    #expect(g.nodeOrder == [abs, relu, neg])
    #expect(g[x].uses == [.operand(abs, index: 0)])
  }

  @Test func namesAreMadeUniqueAndPrintable() {
    var g = Graph()
    let a = g.addInput(name: "/encoder/layer.0/input:0", type: TensorType(.f32, [1]))
    let b = g.addInput(name: "encoder.layer.0.input_0", type: TensorType(.f32, [1]))
    #expect(g[a].name == "encoder.layer.0.input_0")
    #expect(g[b].name == "encoder.layer.0.input_0.1")
  }

  @Test func verifierReportsEveryProblem() throws {
    var (g, x, _, _) = sample()
    let c = g.addConstant(TensorData(shape: [2], scalars: [Float(1), 2]), name: "c", type: TensorType(.f32, [3]))
    g.addNode(op: "Add", inputs: [x, c], resultTypes: [TensorType(.f32, [4])])
    do {
      try Verifier.verify(Module(name: "m", graph: g))
      Issue.record("verification passed")
    } catch {
      #expect(error.problems == ["%c: constant data is tensor<2xf32> but the value is typed tensor<3xf32>"])
    }
  }
}
