import Foundation
import QCCIO
import QCCIR
import QCCOps
import QCCTargets
import Testing
import _QCCTestSupport

/// The .qprog round trip: compile → write → load (C validator) → run (C
/// runtime) gives exactly the bytes the interpreter computes on the lowered module.
@Suite struct QProgRoundTripTests {
  @Test func exampleRunsByteIdenticalToTheInterpreter() throws {
    let c = try Compile.example()
    let x = try NPY.read(path: Fixtures.root.appendingPathComponent("examples/tiny-transformer/x.npy").path)
    for s in 0..<x.shape[0] {
      let (expected, got) = try Compile.runBoth(c, feeds: ["x": x.sample(s)])
      #expect(expected.count == got.count)
      for (e, g) in zip(expected, got) {
        #expect(e.shape == g.shape && e.elementType == g.elementType)
        #expect(e.byteArray == g.byteArray, "sample \(s): the program's output differs from the interpreter's")
      }
    }
  }

  @Test func theProgramDescribesItsInputsAndOutputs() throws {
    let c = try Compile.example()
    let program = try QProgram(bytes: c.bytes)
    #expect(program.inputs.map(\.name) == ["x"])
    #expect(program.inputs[0].elementType == .f32 && program.inputs[0].shape == [1, 8, 16])
    #expect(program.outputs.map(\.name) == c.lowered.graph.outputs.map(\.name))
    #expect(program.callCount == c.program.calls.count)
    #expect(program.arenaBytes == c.program.arenaBytes)
  }

  @Test func writingIsDeterministic() throws {
    #expect(try Compile.example().bytes == Compile.example().bytes)
  }
}
