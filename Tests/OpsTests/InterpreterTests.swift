import Testing
import QCCIR
@testable import QCCOps

@Suite struct InterpreterTests {
  @Test func rejectsMissingAndMistypedInputs() throws {
    var g = Graph()
    let x = g.addInput(name: "x", type: TensorType(.f32, [2]))
    let y = g.addInput(name: "y", type: TensorType(.f32, [2]))
    let n = g.addNode(op: "Add", inputs: [x, y], resultTypes: [TensorType(.f32, [2])])
    g.addOutput(name: "z", value: g[n].results[0])
    let interpreter = try Interpreter(Module(name: "m", graph: g))
    let two = TensorData(shape: [2], scalars: [Float(1), 2])
    #expect(throws: InterpreterError.self) { try interpreter.run(["x": two]) }
    do {
      _ = try interpreter.run(["x": two, "y": TensorData(shape: [3], scalars: [Float(1), 2, 3])])
      Issue.record("accepted a wrong shape")
    } catch {
      #expect(error.message == "input 'y': expected tensor<2xf32>, got tensor<3xf32>")
    }
    let z = try interpreter.run(["x": two, "y": two])
    #expect(z[0].value.scalars(as: Float.self) == [2, 4])
  }

  @Test func listsEveryUnknownOp() {
    var g = Graph()
    let x = g.addInput(name: "x", type: TensorType(.f32, [2]))
    let a = g.addNode(op: "Frobnicate", inputs: [x], resultTypes: [TensorType(.f32, [2])], location: "f1")
    let b = g.addNode(op: "Twiddle", inputs: [g[a].results[0]], resultTypes: [TensorType(.f32, [2])], location: "t1")
    g.addOutput(name: "z", value: g[b].results[0])
    do {
      _ = try Interpreter(Module(name: "m", graph: g))
      Issue.record("accepted unknown ops")
    } catch {
      #expect(error.message == "the interpreter does not support: Frobnicate (node 'f1' (Frobnicate)); Twiddle (node 't1' (Twiddle))")
    }
  }
}
