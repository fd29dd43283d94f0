import Foundation
import QCCIO
import QCCIR
import Testing
import _QCCTestSupport

/// The compiler's main command, `qcc MODEL --calib DIR --target qprog -o OUT`,
/// and `qcc run` of what it writes.
@Suite struct CompileTests {
  let example = Fixtures.root.appendingPathComponent("examples/tiny-transformer").path

  func calibrationFolder() throws -> String { try QCCCommand.exampleDataFolder() }

  @Test func compilesAndRunsTheExample() throws {
    let calib = try calibrationFolder()
    let out = QCCCommand.temporaryDirectory()
    let compile = try QCCCommand.run([example + "/model.onnx", "--calib", calib, "--target", "qprog", "-o", out + "/m.qprog"])
    #expect(compile.status == 0, "\(compile.stderr)")
    let lines = compile.stderr.split(separator: "\n").map(String.init)
    #expect(lines.first == "qcc: compiled \(example)/model.onnx → \(out)/m.qprog (22.6 KiB)")
    #expect(lines.contains("  memory    constants 4.5 KiB, arena 3.1 KiB (peak live 3.1 KiB, sum of intermediates 14.8 KiB)"))
    #expect(lines.contains("  pipeline  canonicalize,calibrate,smooth,calibrate{method=mse},assign{preset=w8a8},lower,fuse"))
    // fuse's elementwise chains: 3 of the 7 matmuls run inside FUSED_ELEMENTWISE calls.
    #expect(lines.contains { $0.hasPrefix("  calls     30: copy 7, quantize 7, qgemm 4, dequantize 3, fusedElementwise 3") })
    let run = try QCCCommand.run(["run", out + "/m.qprog", "--input", "x=" + example + "/x.npy", "-o", out + "/o"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout == "output 'logits' → \(out)/o/logits.npy: f32 [4, 1, 10]\n")
    // Int8 against onnxruntime's float outputs: close, not equal.
    let got = try NPY.read(path: out + "/o/logits.npy").scalars(as: Float.self)
    let ref = try NPY.read(path: example + "/logits_ref.npy").scalars(as: Float.self)
    let worst = zip(got, ref).map { abs($0 - $1) }.max()!
    #expect(worst > 0 && worst < 0.1 * ref.map(abs).max()!)
  }

  /// `plan` reports the memory plan of the program the module compiles to,
  /// the same numbers the compile command prints.
  @Test func thePlanPassReportsTheArena() throws {
    let calib = try calibrationFolder()
    let r = try QCCCommand.run([
      "opt", example + "/model.onnx", "--calib", calib, "--passes", "canonicalize,calibrate,assign,lower,fuse,plan",
      "--statistics", "-o", "/dev/null",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let plan = r.stderr.split(separator: "\n").filter { $0.hasPrefix("plan: ") }
    #expect(plan == [
      // fuse's elementwise chains (qcc.elementwise) leave 30 calls of the 38 unfused ones.
      "plan: arena-bytes = 3200", "plan: kernel-calls = 30", "plan: peak-live-bytes = 3200", "plan: sum-of-buffers-bytes = 15168",
    ])
    // A float module plans too: its float kernels' calls, before quantization.
    let float = try QCCCommand.run(["opt", example + "/model.onnx", "--passes", "canonicalize,plan", "--statistics", "-o", "/dev/null"])
    #expect(float.status == 0, "\(float.stderr)")
    #expect(float.stderr.contains("plan: kernel-calls = 27\n"))
  }

  @Test func withoutCalibrationDataItSaysHowToProvideIt() throws {
    let r = try QCCCommand.run([example + "/model.onnx", "--target", "qprog", "-o", "/tmp/never.qprog"])
    #expect(r.status == 1)
    #expect(r.stderr.hasPrefix("qcc: error: no calibration data. Quantization needs sample inputs to choose ranges: pass --calib DIR"))
    #expect(!FileManager.default.fileExists(atPath: "/tmp/never.qprog"))
  }

  @Test func unknownAndMissingTargetsAreNamed() throws {
    let calib = try calibrationFolder()
    let unknown = try QCCCommand.run([example + "/model.onnx", "--calib", calib, "--target", "riscv", "-o", "/tmp/x"])
    #expect(unknown.status == 1)
    #expect(unknown.stderr == "qcc: error: unknown target 'riscv'; targets: qprog, c, x86-avx2, arm-neon\n")
    let missing = try QCCCommand.run([example + "/model.onnx", "--calib", calib, "-o", "/tmp/x"])
    #expect(missing.stderr == "qcc: error: --target is required; targets: qprog, c, x86-avx2, arm-neon\n")
    let noOutput = try QCCCommand.run([example + "/model.onnx", "--calib", calib, "--target", "c"])
    #expect(noOutput.stderr == "qcc: error: -o DIR is required\n")
  }

  @Test func aPresetTheOpsCannotTakeIsAnError() throws {
    let calib = try calibrationFolder()
    let r = try QCCCommand.run([example + "/model.onnx", "--calib", calib, "--preset", "w3a8", "--target", "qprog", "-o", "/tmp/x"])
    #expect(r.status == 1)
    #expect(r.stderr == "qcc: error: pass 'assign' option 'preset': expected one of w4a16, w4a8, w8a16, w8a8, got 'w3a8'\n")
  }

  @Test func aCorruptProgramIsRejectedByRun() throws {
    let dir = QCCCommand.temporaryDirectory()
    let path = dir + "/bad.qprog"
    try Data("QPRG but not really".utf8).write(to: URL(fileURLWithPath: path))
    let r = try QCCCommand.run(["run", path, "--input", "x=" + example + "/x.npy", "-o", dir + "/o"])
    #expect(r.status == 1)
    #expect(r.stderr == "qcc: error: \(path): qprog: truncated: the header needs 112 bytes, the file has 19\n")
  }

  @Test func aProgramChecksItsInputs() throws {
    let calib = try calibrationFolder()
    let dir = QCCCommand.temporaryDirectory()
    _ = try QCCCommand.run([example + "/model.onnx", "--calib", calib, "--target", "qprog", "-o", dir + "/m.qprog"])
    let wrong = dir + "/wrong.npy"
    try Data(NPY.encode(TensorData(shape: [1, 8], scalars: [Float](repeating: 0, count: 8)))).write(to: URL(fileURLWithPath: wrong))
    let r = try QCCCommand.run(["run", dir + "/m.qprog", "--input", "x=" + wrong, "-o", dir + "/o"])
    #expect(r.status == 1)
    #expect(r.stderr == "qcc: error: input 'x': got f32 [1, 8], the program takes f32 [1, 8, 16] (or [N, …] for N samples)\n")
  }
}
