import Foundation
import QCCIO
import QCCIR
import Testing
import _QCCTestSupport

/// `qcc MODEL --target c|x86-avx2|arm-neon -o DIR`: the folder it writes, built
/// the way a user builds it, computes exactly what `qcc run` computes.
/// (scripts/check_codegen.sh does the same on the shared models, natively and
/// under qemu-aarch64.)
@Suite struct CTargetTests {
  let example = Fixtures.root.appendingPathComponent("examples/tiny-transformer").path

  /// A folder with the example compiled to `target`, and one input sample (x0.npy) beside it.
  func compile(_ target: String, extra: [String] = []) throws -> (dir: String, folder: String) {
    let dir = QCCCommand.temporaryDirectory()
    let calib = try QCCCommand.exampleDataFolder()
    let r = try QCCCommand.run([example + "/model.onnx", "--calib", calib, "--target", target, "-o", dir + "/out"] + extra)
    #expect(r.status == 0, "\(r.stderr)")
    let x = try NPY.read(path: example + "/x.npy")
    try Data(NPY.encode(x.sample(0))).write(to: URL(fileURLWithPath: dir + "/x0.npy"))
    return (dir, dir + "/out")
  }

  @Test(arguments: ["c", "x86-avx2"])
  func theFolderBuildsStrictlyAndMatchesQccRun(target: String) throws {
    let (dir, folder) = try compile(target)
    let build = try Shell.run("make CFLAGS='-O2 -Wall -Wextra -Werror'", in: folder)
    #expect(build.status == 0, "\(build.output)")
    let run = try Shell.run("./model ../x0.npy -o ../c-out", in: folder)
    #expect(run.status == 0, "\(run.output)")
    #expect(run.output == "output 'logits' -> ../c-out/logits.npy: f32 [1, 10]\n")

    let calib = try QCCCommand.exampleDataFolder()
    let reference = try QCCCommand.run([example + "/model.onnx", "--calib", calib, "--target", "qprog", "-o", dir + "/m.qprog"])
    #expect(reference.status == 0, "\(reference.stderr)")
    let host = try QCCCommand.run(["run", dir + "/m.qprog", "--input", "x=" + dir + "/x0.npy", "-o", dir + "/host"])
    #expect(host.status == 0, "\(host.stderr)")
    let emitted = try Data(contentsOf: URL(fileURLWithPath: dir + "/c-out/logits.npy"))
    let expected = try Data(contentsOf: URL(fileURLWithPath: dir + "/host/logits.npy"))
    #expect(emitted == expected)
  }

  @Test func theFolderHoldsOnlyTheKernelsTheModelCalls() throws {
    let (_, folder) = try compile("x86-avx2")
    let runtime = try FileManager.default.contentsOfDirectory(atPath: folder + "/runtime").filter { $0.hasSuffix(".c") }.sorted()
    // The example calls quantize/dequantize/requantize, copy, qgemm, f32 elementwise ops, softmax and layernorm.
    #expect(!runtime.contains("float_gemm.c") && !runtime.contains("cast.c") && !runtime.contains("quant_conv.c"))
    #expect(runtime.contains("quant_gemm.c") && runtime.contains("program_call.c") && runtime.contains("crc32.c"))
    let top = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    #expect(top == ["Makefile", "README.md", "main.c", "model.c", "model.h", "model.weights", "runner.c", "runner.h", "runtime"])
    let makefile = try String(contentsOfFile: folder + "/Makefile", encoding: .utf8)
    #expect(makefile.contains("-DQCC_KERNEL_SUBSET"))
    #expect(makefile.contains("-DQCC_USE_QGEMM") && !makefile.contains("-DQCC_USE_F32_GEMM"))
    #expect(makefile.contains("ARCH    ?= -mavx2 -mfma"))
  }

  @Test func corruptWeightsAreRefusedAtInit() throws {
    let (_, folder) = try compile("c")
    #expect(try Shell.run("make -s", in: folder).status == 0)
    let path = folder + "/model.weights"
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    bytes[bytes.count / 2] ^= 0x10
    try bytes.write(to: URL(fileURLWithPath: path))
    let run = try Shell.run("./model ../x0.npy -o ../o", in: folder)
    #expect(run.status == 1)
    #expect(run.output == "model: ./model.weights: the weights' CRC-32 does not match (model.weights is corrupt or from another build)\n")
    try Data(bytes.prefix(100)).write(to: URL(fileURLWithPath: path))
    let short = try Shell.run("./model ../x0.npy -o ../o", in: folder)
    #expect(short.output == "model: ./model.weights: the weights have the wrong size (is model.weights from this build of the model?)\n")
  }

  @Test func theRunnerTakesStackedSamplesAsQccRunDoes() throws {
    let (dir, folder) = try compile("c")
    #expect(try Shell.run("make -s", in: folder).status == 0)
    let whole = try Shell.run("./model \(example)/x.npy -o ../stacked", in: folder)
    #expect(whole.status == 0, "\(whole.output)")
    #expect(whole.output == "output 'logits' -> ../stacked/logits.npy: f32 [4, 1, 10]\n")
    let calib = try QCCCommand.exampleDataFolder()
    _ = try QCCCommand.run([example + "/model.onnx", "--calib", calib, "--target", "qprog", "-o", dir + "/m.qprog"])
    let host = try QCCCommand.run(["run", dir + "/m.qprog", "--input", "x=" + example + "/x.npy", "-o", dir + "/host"])
    #expect(host.status == 0, "\(host.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/stacked/logits.npy"))
      == Data(contentsOf: URL(fileURLWithPath: dir + "/host/logits.npy")))
  }

  @Test func theRunnerChecksItsInputs() throws {
    let (dir, folder) = try compile("c")
    #expect(try Shell.run("make -s", in: folder).status == 0)
    try Data(NPY.encode(TensorData(shape: [1, 8], scalars: [Float](repeating: 0, count: 8))))
      .write(to: URL(fileURLWithPath: dir + "/wrong.npy"))
    let wrong = try Shell.run("./model ../wrong.npy -o ../o", in: folder)
    #expect(wrong.status == 1)
    #expect(wrong.output == "model: input 0 ('x'): ../wrong.npy has shape (1, 8), the model wants (1, 8, 16) (or [N, ...] for N samples)\n")
    let none = try Shell.run("./model -o ../o", in: folder)
    #expect(none.status == 1)
    #expect(none.output == "model: the model has 1 input ('x'), got 0 .npy files\n")
  }

  @Test func aFolderQccDidNotWriteIsNeverReplaced() throws {
    let dir = QCCCommand.temporaryDirectory()
    let mine = dir + "/mine"
    try FileManager.default.createDirectory(atPath: mine, withIntermediateDirectories: true)
    try Data("keep me".utf8).write(to: URL(fileURLWithPath: mine + "/notes.txt"))
    let calib = try QCCCommand.exampleDataFolder()
    let r = try QCCCommand.run([example + "/model.onnx", "--calib", calib, "--target", "c", "-o", mine])
    #expect(r.status == 1)
    #expect(r.stderr == "qcc: error: \(mine): refusing to replace this folder: it is not empty and qcc did not generate it (no model.h from qcc); remove it or choose another -o\n")
    #expect(try String(contentsOfFile: mine + "/notes.txt", encoding: .utf8) == "keep me")
    // Its own output is replaced, and no temporary folder is left behind.
    for _ in 0..<2 {
      let again = try QCCCommand.run([example + "/model.onnx", "--calib", calib, "--target", "c", "-o", dir + "/out"])
      #expect(again.status == 0, "\(again.stderr)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["mine", "out"])
  }

  @Test func randomCalibrationIsForSmokeTestsAndSaysSo() throws {
    let dir = QCCCommand.temporaryDirectory()
    let r = try QCCCommand.run([example + "/model.onnx", "--calib", "random", "--target", "c", "-o", dir + "/out"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.hasPrefix("qcc: warning: --calib random calibrates on random data, for smoke tests of the toolchain only: the quantized model runs but is not accurate. Give --calib DIR with real sample inputs.\n"))
    #expect(FileManager.default.fileExists(atPath: dir + "/out/model.c"))
  }
}
