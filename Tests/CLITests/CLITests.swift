import Foundation
import QCCIO
import QCCIR
import Testing
import _QCCTestSupport

/// The command line: exit codes, messages, and files written or not.
@Suite struct CLITests {
  let fixtures = Fixtures.path("ONNXTests/Fixtures")
  let example = Fixtures.root.appendingPathComponent("examples/tiny-transformer").path

  @Test func helpExitsZeroForEveryCommand() throws {
    let top = try QCCCommand.run(["--help"])
    #expect(top.status == 0 && top.stdout.hasPrefix("USAGE: qcc MODEL.onnx --calib DIR --target T -o OUT [--preset P]\n       qcc <command> [options]"))
    // Every target the compile command accepts is listed, and none is called unimplemented.
    #expect(top.stdout.contains("\nTARGETS (--target):\n  qprog        An integer program a small C runtime interprets (docs/qprog.md)\n  c            portable C99"))
    #expect(top.stdout.contains("\n  x86-avx2     C with x86-64 AVX2+FMA kernels") && top.stdout.contains("\n  arm-neon     C with AArch64 NEON kernels"))
    #expect(!top.stdout.contains("Not yet implemented"))
    for command in ["compile", "import", "opt", "run", "compare", "conformance", "report"] {
      let r = try QCCCommand.run([command, "--help"])
      #expect(r.status == 0, "\(command) --help")
      #expect(r.stdout.hasPrefix("USAGE: qcc \(command) "), "\(command) --help")
    }
  }

  @Test func usageErrorsExitOne() throws {
    let none = try QCCCommand.run([])
    #expect(none.status == 1 && none.stderr.contains("USAGE: qcc"))
    let unknown = try QCCCommand.run(["frobnicate"])
    #expect(unknown.status == 1)
    #expect(unknown.stderr.hasPrefix("qcc: error: unknown command 'frobnicate'; commands: compile, import, opt, run, compare, conformance, report\n"))
    let option = try QCCCommand.run(["import", "--frob", "x.onnx"])
    #expect(option.status == 1)
    #expect(option.stderr.hasPrefix("qcc: error: qcc import: unknown option '--frob'; valid options: -o, --elide-constants"))
  }

  @Test func badModelExitsOneAndWritesNothing() throws {
    let dir = QCCCommand.temporaryDirectory()
    let r = try QCCCommand.run(["import", fixtures + "/truncated.onnx", "-o", dir + "/out.qir"])
    #expect(r.status == 1)
    #expect(r.stderr.contains("truncated.onnx: not a valid ONNX model"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/out.qir"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "no temporary file left behind")
  }

  @Test func unknownPassExitsOne() throws {
    let r = try QCCCommand.run(["opt", example + "/model.onnx", "--passes", "canonicalize{frob=1}"])
    #expect(r.status == 1)
    #expect(r.stderr == "qcc: error: pass 'canonicalize' has no option 'frob'; valid options: max-iterations\n")
  }

  @Test func runWritesOutputsThatMatchTheReference() throws {
    let dir = QCCCommand.temporaryDirectory()
    let r = try QCCCommand.run(["run", example + "/model.onnx", "--input", "x=\(example)/x.npy", "-o", dir])
    #expect(r.status == 0, "\(r.stderr)")
    let ours = try NPY.read(path: dir + "/logits.npy")
    let reference = try NPY.read(path: example + "/logits_ref.npy")
    #expect(ours.shape == [4, 1, 10])
    let cmp = try QCCCommand.run(["compare", dir + "/logits.npy", example + "/logits_ref.npy", "--tolerance", "1e-5"])
    #expect(cmp.status == 0, "\(cmp.stdout)\(cmp.stderr)")
    #expect(reference.shape == ours.shape)
  }

  @Test func inputOfTheWrongDtypeOrShapeIsNamed() throws {
    let dir = QCCCommand.temporaryDirectory()
    try NPY.write(TensorData(shape: [1, 8, 16], scalars: [Double](repeating: 0, count: 128)), to: dir + "/f64.npy")
    try NPY.write(TensorData(shape: [1, 8, 15], scalars: [Float](repeating: 0, count: 120)), to: dir + "/short.npy")
    let dtype = try QCCCommand.run(["run", example + "/model.onnx", "--input", "x=\(dir)/f64.npy", "-o", dir + "/out"])
    #expect(dtype.status == 1)
    #expect(dtype.stderr == "qcc: error: input 'x': expected tensor<1x8x16xf32>, got tensor<1x8x16xf64>\n")
    let shape = try QCCCommand.run(["run", example + "/model.onnx", "--input", "x=\(dir)/short.npy", "-o", dir + "/out"])
    #expect(shape.status == 1)
    #expect(shape.stderr == "qcc: error: input 'x': expected tensor<1x8x16xf32>, got tensor<1x8x15xf32>\n")
    #expect(!FileManager.default.fileExists(atPath: dir + "/out"), "nothing written for a failed run")
    let missing = try QCCCommand.run(["run", example + "/model.onnx", "-o", dir + "/out"])
    #expect(missing.stderr == "qcc: error: no data for model input 'x'; pass --input x=FILE.npy\n")
    let unknown = try QCCCommand.run(["run", example + "/model.onnx", "--input", "y=\(dir)/short.npy", "-o", dir + "/out"])
    #expect(unknown.stderr == "qcc: error: \(dir)/short.npy: the model has no input 'y'; its inputs are: x\n")
  }

  @Test func outputFilesKeepPlainNamesAndNeverCollide() throws {
    let dir = QCCCommand.temporaryDirectory()
    var g = Graph()
    let x = g.addInput(name: "x", type: TensorType(.f32, [2]))
    let a = g.addNode(op: "Neg", inputs: [x], resultTypes: [TensorType(.f32, [2])], resultNames: ["n"])
    let b = g.addNode(op: "Relu", inputs: [x], resultTypes: [TensorType(.f32, [2])], resultNames: ["r"])
    g.addOutput(name: "a/b", value: g[a].results[0])
    g.addOutput(name: "a.b", value: g[b].results[0])
    try Printer.print(Module(name: "m", graph: g)).write(toFile: dir + "/m.qir", atomically: true, encoding: .utf8)
    try NPY.write(TensorData(shape: [2], scalars: [Float(-1), 2]), to: dir + "/x.npy")
    let r = try QCCCommand.run(["run", dir + "/m.qir", "--input", dir + "/x.npy", "-o", dir + "/out"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout == "output 'a/b' → \(dir)/out/a.b_2.npy: f32 [2]\noutput 'a.b' → \(dir)/out/a.b.npy: f32 [2]\n")
    #expect(try NPY.read(path: dir + "/out/a.b.npy").scalars(as: Float.self) == [0, 2])
    #expect(try NPY.read(path: dir + "/out/a.b_2.npy").scalars(as: Float.self) == [1, -2])
  }

  @Test func stackingSomeInputsButNotOthersIsNamed() throws {
    let dir = QCCCommand.temporaryDirectory()
    var g = Graph()
    let a = g.addInput(name: "a", type: TensorType(.f32, [3]))
    let b = g.addInput(name: "b", type: TensorType(.f32, [3]))
    let s = g.addNode(op: "Add", inputs: [a, b], resultTypes: [TensorType(.f32, [3])], resultNames: ["s"])
    g.addOutput(name: "s", value: g[s].results[0])
    try Printer.print(Module(name: "m", graph: g)).write(toFile: dir + "/m.qir", atomically: true, encoding: .utf8)
    try NPY.write(TensorData(shape: [2, 3], scalars: [Float](repeating: 1, count: 6)), to: dir + "/a.npy")
    try NPY.write(TensorData(shape: [3], scalars: [Float](repeating: 1, count: 3)), to: dir + "/b.npy")
    let r = try QCCCommand.run(["run", dir + "/m.qir", "--input", "a=\(dir)/a.npy", "--input", "b=\(dir)/b.npy", "-o", dir + "/out"])
    #expect(r.status == 1)
    #expect(r.stderr == "qcc: error: stacked inputs ('a') and unstacked inputs ('b') are mixed: stack every input as [N, …] or none\n")
  }

  @Test func outputIsDeterministicAcrossProcesses() throws {
    // Each process seeds Swift's hashing differently: any dictionary order leaking into the output shows here.
    let args = ["opt", example + "/model.onnx", "--passes", "canonicalize"]
    let first = try QCCCommand.run(args), second = try QCCCommand.run(args)
    #expect(first.status == 0 && !first.stdout.isEmpty)
    #expect(first.stdout == second.stdout)
  }

  @Test func npzInputsBindByMemberName() throws {
    let dir = QCCCommand.temporaryDirectory()
    let x = try NPY.read(path: example + "/x.npy")
    try NPZ.write([(name: "x", tensor: x)], to: dir + "/inputs.npz")
    let r = try QCCCommand.run(["run", example + "/model.onnx", "--input", dir + "/inputs.npz", "-o", dir + "/out"])
    #expect(r.status == 0, "\(r.stderr)")
    let cmp = try QCCCommand.run(["compare", dir + "/out/logits.npy", example + "/logits_ref.npy", "--tolerance", "1e-5"])
    #expect(cmp.status == 0, "\(cmp.stdout)")
  }

  @Test func optPrintsCanonicalIRAndDumps() throws {
    let r = try QCCCommand.run(["opt", example + "/model.onnx", "--passes", "canonicalize", "--print-ir-after=canonicalize", "--elide-constants"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.hasPrefix("qir 1\nmodule @tiny_transformer "))
    #expect(r.stdout.contains("Gelu("))
    #expect(!r.stdout.contains("Gemm("))
    #expect(r.stderr.hasPrefix("// -----// IR Dump After canonicalize //----- //\nqir 1\n"))
  }
}

@Suite struct DocumentationTests {
  /// docs/passes.md is generated from the registry; it must say what the code does.
  @Test func passCatalogMatchesTheRegistry() throws {
    let listed = try QCCCommand.run(["--list-passes", "--markdown"])
    #expect(listed.status == 0)
    let docs = try String(contentsOfFile: Fixtures.root.appendingPathComponent("docs/passes.md").path, encoding: .utf8)
    #expect(docs == listed.stdout, "docs/passes.md is stale: regenerate it with 'qcc --list-passes --markdown > docs/passes.md'")
  }
}
