import QCCIR
import QCCOps
import QCCTargets
import Testing
import _QCCTestSupport

/// Resize and Upsample in a compiled program: Program.build plans them as
/// F32_RESAMPLE calls with constant taps, the .qprog loader checks those, and
/// the C runtime computes the interpreter's bytes.
@Suite struct ResizeProgramTests {
  static func floats(_ g: inout Graph, _ name: String, _ v: [Float]) -> ValueID {
    g.addConstant(TensorData(shape: [v.count], scalars: v), name: name)
  }

  /// x [1, 2, 5, 6] → cubic ×(2, 0.5) → tf_crop_and_resize to 4 × 7 → Upsample ×2 (nearest); outputs a and c.
  static func module() -> Module {
    var g = Graph()
    let x = g.addInput(name: "x", type: TensorType(.f32, [1, 2, 5, 6]))
    let a = g.addNode(
      op: "Resize", inputs: [x, nil, floats(&g, "scales", [1, 1, 2, 0.5])],
      resultTypes: [TensorType(.f32, [1, 2, 10, 3])], resultNames: ["a"],
      attributes: Attributes([("mode", .string("cubic")), ("exclude_outside", .int(1))]))
    let b = g.addNode(
      op: "Resize",
      inputs: [g[a].results[0], floats(&g, "roi", [0, 0, -0.1, 0.2, 1, 1, 1.2, 0.9]), nil,
               g.addConstant(TensorData(shape: [4], scalars: [Int64(1), 2, 4, 7]), name: "sizes")],
      resultTypes: [TensorType(.f32, [1, 2, 4, 7])], resultNames: ["b"],
      attributes: Attributes([
        ("mode", .string("linear")), ("coordinate_transformation_mode", .string("tf_crop_and_resize")),
        ("extrapolation_value", .float(3)),
      ]))
    let c = g.addNode(
      op: "Upsample", inputs: [g[b].results[0], floats(&g, "up", [1, 1, 2, 2])],
      resultTypes: [TensorType(.f32, [1, 2, 8, 14])], resultNames: ["c"])
    g.addOutput(name: "a", value: g[a].results[0])
    g.addOutput(name: "c", value: g[c].results[0])
    return Module(name: "resize", graph: g)
  }

  @Test func theProgramComputesTheInterpretersBytes() throws {
    let module = Self.module()
    let program = try Program.build(module)
    #expect(program.calls.filter { $0.kernel == .f32Resample }.count == 6)
    let x = TensorData(
      shape: [1, 2, 5, 6], scalars: (0..<60).map { i in Float((i * 37) % 23) / 7 - 1.5 })
    let want = try Interpreter(module).run(["x": x]).map(\.value)
    let got = try QProgram(bytes: try QProgWriter.bytes(of: program)).run([x])
    #expect(got.map(\.byteArray) == want.map(\.byteArray))
    #expect(want.map(\.shape) == [[1, 2, 10, 3], [1, 2, 8, 14]])
  }

  @Test func scalesThatAreNotConstantsAreRefused() {
    var g = Graph()
    let x = g.addInput(name: "x", type: TensorType(.f32, [1, 1, 2, 2]))
    let s = g.addInput(name: "s", type: TensorType(.f32, [4]))
    let y = g.addNode(
      op: "Resize", inputs: [x, nil, s], resultTypes: [TensorType(.f32, [1, 1, 4, 4])], resultNames: ["y"])
    g.addOutput(name: "y", value: g[y].results[0])
    #expect(throws: ProgramError.self) { try Program.build(Module(name: "m", graph: g)) }
    do {
      _ = try Program.build(Module(name: "m", graph: g))
    } catch {
      #expect(
        error.message
          == "cannot compile 1 node: Resize (node 'y'): Resize: roi, scales and sizes must be constants to compile")
    }
  }
}
