import Foundation
import QCCIO
import QCCIR
import QCCPass
import QCCPasses
import Testing
import _QCCTestSupport

/// Loading and validating calibration data: one exact message per problem.
@Suite struct CalibrationDataTests {
  /// input_ids, attention_mask : tensor<1x4xi64> → Cast(attention_mask) to f32 → output.
  static func model(_ dims: [Dim] = [1, 4]) -> Module {
    var g = Graph()
    let type = TensorType(.i64, .ranked(dims))
    _ = g.addInput(name: "input_ids", type: type)
    let mask = g.addInput(name: "attention_mask", type: type)
    let cast = g.addNode(
      op: "Cast", inputs: [mask], resultTypes: [TensorType(.f32, .ranked(dims))], resultNames: ["maskf"],
      attributes: Attributes([("to", .int(1))]))
    g.addOutput(name: "y", value: g[cast].results[0])
    return Module(name: "two", graph: g)
  }

  static func ids(_ n: Int, _ shape: [Int] = [1, 4]) -> TensorData {
    TensorData(shape: [n] + shape, scalars: (0..<(n * shape.reduce(1, *))).map { Int64($0 % 5) })
  }

  /// The message validating the data in `dir` against `module` fails with.
  func problem(_ path: String, _ module: Module = model()) -> String {
    Calib.error { _ = try CalibrationData.load(path: path).validate(for: module.graph) }
  }

  @Test func aFolderAndAnArchiveWithEveryInputLoad() throws {
    let dir = try Calib.folder(["input_ids": Self.ids(3), "attention_mask": Self.ids(3)])
    try Data("not data".utf8).write(to: URL(fileURLWithPath: dir + "/README.txt"))
    let data = try CalibrationData.load(path: dir)
    #expect(data.source == .folder(dir))
    #expect(try data.validate(for: Self.model().graph) == 3)
    #expect(data.sample(2)["input_ids"]!.shape == [1, 4])
    let npz = dir + "/data.npz"
    try NPZ.write([("input_ids", Self.ids(3)), ("attention_mask", Self.ids(3))], to: npz)
    #expect(try CalibrationData.load(path: npz).validate(for: Self.model().graph) == 3)
    #expect(try CalibrationData.load(path: npz).digest() == data.digest())
  }

  @Test func aMissingInputNamesTheFileItExpected() throws {
    let dir = try Calib.folder(["input_ids": Self.ids(3)])
    #expect(problem(dir) == "calibration data has no 'attention_mask' (expected attention_mask.npy in \(dir))")
    try NPZ.write([("input_ids", Self.ids(3))], to: dir + "/d.npz")
    #expect(problem(dir + "/d.npz") == "calibration data has no 'attention_mask' (expected a member 'attention_mask' in \(dir)/d.npz)")
  }

  @Test func anExtraFileOrMemberIsAnError() throws {
    let dir = try Calib.folder(["input_ids": Self.ids(3), "attention_mask": Self.ids(3), "token_type_ids": Self.ids(3)])
    #expect(problem(dir) == "calibration data has token_type_ids.npy in \(dir), but the model has no input 'token_type_ids' "
      + "(its inputs: input_ids, attention_mask); remove the file, or calibrate the model the data was made for")
    let npz = QCCCommand.temporaryDirectory() + "/d.npz"
    try NPZ.write([("input_ids", Self.ids(3)), ("attention_mask", Self.ids(3)), ("extra", Self.ids(3))], to: npz)
    #expect(problem(npz) == "calibration data has a member 'extra' in \(npz), but the model has no input 'extra' "
      + "(its inputs: input_ids, attention_mask); remove the member, or calibrate the model the data was made for")
  }

  @Test func aWrongDtypeSaysHowToConvert() throws {
    let wrong = TensorData(shape: [3, 1, 4], scalars: [Int32](repeating: 1, count: 12))
    let dir = try Calib.folder(["input_ids": wrong, "attention_mask": Self.ids(3)])
    #expect(problem(dir) == "calibration data input_ids.npy holds int32, but model input 'input_ids' is tensor<1x4xi64>; "
      + "save it as int64 (a.astype(numpy.int64))")
  }

  @Test func aWrongSampleShapeShowsTheStackedShape() throws {
    // The samples were stacked without the model's batch axis.
    let dir = try Calib.folder(["input_ids": Self.ids(8, [4]), "attention_mask": Self.ids(8)])
    #expect(problem(dir) == "calibration data input_ids.npy has shape [8, 4], so each sample is [4], "
      + "but model input 'input_ids' is tensor<1x4xi64>; stack the samples on a new axis 0: [N, 1, 4]")
    let scalar = try Calib.folder(["input_ids": TensorData(scalar: Int64(1)), "attention_mask": Self.ids(8)])
    #expect(problem(scalar) == "calibration data input_ids.npy is a scalar, but it must stack samples on axis 0: "
      + "[N, 1, 4] for model input 'input_ids' (tensor<1x4xi64>)")
  }

  @Test func symbolicDimsMustAgreeAcrossInputs() throws {
    let module = Self.model([1, .symbolic("seq")])
    let ok = try Calib.folder(["input_ids": Self.ids(2, [1, 6]), "attention_mask": Self.ids(2, [1, 6])])
    #expect(problem(ok, module) == "no error")
    let dir = try Calib.folder(["input_ids": Self.ids(2, [1, 6]), "attention_mask": Self.ids(2, [1, 5])])
    #expect(problem(dir, module) == "calibration data gives dimension 'seq' size 5 in attention_mask.npy but 6 in input_ids.npy")
  }

  @Test func sampleCountsMustAgreeAndNotBeZero() throws {
    let dir = try Calib.folder(["input_ids": Self.ids(8), "attention_mask": Self.ids(3)])
    #expect(problem(dir) == "calibration data inputs have different sample counts: attention_mask.npy has 3, input_ids.npy has 8")
    let empty = try Calib.folder(["input_ids": Self.ids(0), "attention_mask": Self.ids(0)])
    #expect(problem(empty) == "calibration data has no samples: input_ids.npy has shape [0, 1, 4]")
  }

  @Test func unreadablePathsAreNamed() throws {
    #expect(problem("/nonexistent/calib") == "calibration data '/nonexistent/calib' does not exist")
    let dir = try Calib.folder(["input_ids": Self.ids(3)])
    #expect(problem(dir + "/input_ids.npy") == "calibration data '\(dir)/input_ids.npy' is neither a folder nor an .npz file; "
      + "give a folder with one <input>.npy per model input, or an .npz with one member per input")
    try Data("garbage".utf8).write(to: URL(fileURLWithPath: dir + "/attention_mask.npy"))
    #expect(problem(dir) == "calibration data: \(dir)/attention_mask.npy: not a .npy file (bad magic)")
  }

  @Test func thePassSaysHowToProvideData() {
    let message = Calib.error { _ = try Calib.run(Self.model(), data: nil) }
    #expect(message == "pass 'calibrate': no calibration data: pass --calib PATH (a folder with one <input>.npy per model input, "
      + "samples stacked on axis 0 as [N, …input shape…], or an .npz with one member per input) or calibrate{data=PATH}")
  }

  @Test func thePassLoadsDataFromItsOptionAndRejectsTwoSources() throws {
    let dir = try Calib.folder(["input_ids": Self.ids(3), "attention_mask": Self.ids(3)])
    let stats = try Calib.run(Self.model(), data: nil, pipeline: "calibrate{data=\(dir)}").stats
    #expect(stats.valueNames == ["maskf"], "i64 inputs are not recorded; the f32 Cast result is")
    #expect(stats.statistics(of: "maskf")!.elementCount == 12)
    let other = try Calib.folder(["input_ids": Self.ids(3), "attention_mask": Self.ids(3)])
    let message = Calib.error {
      _ = try Calib.run(Self.model(), data: try CalibrationData.load(path: other), pipeline: "calibrate{data=\(dir)}")
    }
    #expect(message == "pass 'calibrate': calibration data is given twice, as --calib \(other) and calibrate{data=\(dir)}; give one")
  }

  @Test func aFailingSampleIsNamed() throws {
    // Gather with an index out of range fails in the interpreter on sample 1 only.
    var g = Graph()
    let x = g.addInput(name: "i", type: TensorType(.i64, [1]))
    let table = g.addConstant(TensorData(shape: [2], scalars: [Float(1), 2]), name: "table")
    let gather = g.addNode(op: "Gather", inputs: [table, x], resultTypes: [TensorType(.f32, [1])], resultNames: ["g"])
    g.addOutput(name: "y", value: g[gather].results[0])
    let data = CalibrationData(tensors: ["i": TensorData(shape: [2, 1], scalars: [Int64(0), 7])])
    let message = Calib.error { _ = try Calib.run(Module(name: "m", graph: g), data: data, pipeline: "calibrate{threads=1}") }
    #expect(message.hasPrefix("pass 'calibrate': calibration sample 1 (of 2): "), "\(message)")
  }
}
