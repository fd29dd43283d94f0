import Foundation
import QCCIO
import QCCIR
import QCCONNX
import QCCOps
import QCCPass
import QCCPasses
import QCCTargets
import _QCCTestSupport

/// In-process compilation for the tests: import, the default pipeline, program, bytes.
enum Compile {
  struct Compiled {
    var lowered: Module
    var program: Program
    var bytes: [UInt8]
  }

  static func model(_ path: String, calib: String, preset: String = "w8a8") throws -> Compiled {
    var module = try ONNXImporter().importModel(path: path)
    var context = PassContext()
    context.artifacts[CalibrationData.self] = try CalibrationData.load(path: calib)
    let pipeline = try Pipeline(parsing: BuiltinPasses.defaultPipeline(preset: preset), registry: BuiltinPasses.registry)
    try PassManager(rules: OpRegistry.standard, log: { _ in }).run(pipeline, on: &module, context: &context)
    let program = try Program.build(module)
    return Compiled(lowered: module, program: program, bytes: try QProgWriter.bytes(of: program))
  }

  /// The tiny transformer in examples/, calibrated on its own sample input.
  static func example() throws -> Compiled {
    let dir = Fixtures.root.appendingPathComponent("examples/tiny-transformer").path
    return try model(dir + "/model.onnx", calib: try QCCCommand.exampleDataFolder())
  }

  /// The graph inputs' names in order.
  static func inputNames(_ module: Module) -> [String] {
    module.graph.inputs.compactMap { id in
      if case .input(let name) = module.graph[id].definition { return name }
      return nil
    }
  }

  /// Runs the lowered module on the interpreter and the program on the C runtime; returns both outputs.
  static func runBoth(_ c: Compiled, feeds: [String: TensorData]) throws -> (interpreter: [TensorData], program: [TensorData]) {
    let interpreter = try Interpreter(c.lowered).run(feeds).map(\.value)
    let program = try QProgram(bytes: c.bytes)
    let outputs = try program.run(inputNames(c.lowered).map { feeds[$0]! })
    return (interpreter, outputs)
  }
}

extension TensorData {
  /// The raw bytes, for byte-for-byte comparisons.
  var byteArray: [UInt8] { Array(bytes) }
}
