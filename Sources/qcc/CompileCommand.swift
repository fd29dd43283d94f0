import QCCIR
import QCCOps
import QCCPass
import QCCPasses
import QCCTargets

#if canImport(Glibc)
import Glibc
#endif

/// The targets `qcc MODEL --target T` knows.
let compileTargets = ["qprog"]

/// `qcc MODEL.onnx --calib DIR --target qprog -o model.qprog`: the compiler's
/// main job. Imports, runs the preset's pipeline (or --passes), turns the
/// lowered module into kernel calls, plans the arena and writes the program.
let compileCommand = Command(
  spec: CommandSpec(
    name: "compile",
    usage: "qcc compile MODEL.onnx|MODEL.qir --calib DIR --target qprog -o OUT.qprog [--preset P] [options]",
    summary: "Compile a model: quantize it and emit a target ('qcc MODEL …' for short).",
    options: [
      OptionSpec(name: "--target", arity: .value, valueName: "T", help: "What to emit: qprog (the interpreted integer program)"),
      OptionSpec(name: "-o", arity: .value, valueName: "FILE", help: "The output file"),
      OptionSpec(name: "--preset", arity: .value, valueName: "P",
                 help: "Quantization preset: w8a8 (default), w8a16, w4a16, w4a8"),
    ] + pipelineOptions,
    details: """
      The default pipeline for a preset P is
        \(BuiltinPasses.defaultPipeline(preset: "P"))
      --passes replaces it (it must lower the model to ops the target runs).
      Calibration data is required: --calib DIR (one <input>.npy per model
      input, samples stacked on axis 0) or FILE.npz; --calib-cache FILE reuses
      statistics saved by an earlier run.
      Prints what it ran, the program's calls and its memory: the arena's
      peak bytes against the sum of all intermediate tensors.
      """),
  run: { args in
    guard args.positionals.count == 1 else {
      throw UsageError(message: "qcc: expected one model to compile, got \(args.positionals.count)")
    }
    guard let target = args.value("--target") else {
      throw UsageError(message: "qcc: --target is required; targets: \(compileTargets.joined(separator: ", "))")
    }
    guard compileTargets.contains(target) else {
      let later = ["c", "x86-avx2", "arm-neon"].contains(target) ? " ('\(target)' code generation is not implemented yet)" : ""
      throw UsageError(message: "qcc: unknown target '\(target)'\(later); targets: \(compileTargets.joined(separator: ", "))")
    }
    guard let output = args.value("-o") else { throw UsageError(message: "qcc: -o FILE is required") }
    if args.value("--preset") != nil && args.value("--passes") != nil {
      throw UsageError(message: "qcc: give the preset inside --passes (assign{preset=…}); --preset and --passes do not mix")
    }
    let preset = args.value("--preset") ?? "w8a8"
    let pipelineText = args.value("--passes") ?? BuiltinPasses.defaultPipeline(preset: preset)
    let pipeline = try Pipeline(parsing: pipelineText, registry: BuiltinPasses.registry)
    if pipeline.passes.contains(where: { type(of: $0).name == Calibrate.name }) && args.value("--calib") == nil
      && args.value("--calib-cache") == nil
    {
      throw UsageError(message: """
        qcc: no calibration data. Quantization needs sample inputs to choose ranges: pass --calib DIR, a folder \
        with one <input>.npy per model input (samples stacked on axis 0, e.g. 32 typical inputs), or --calib FILE.npz
        """)
    }
    let start = monotonicSeconds()
    var module = try loadModule(args.positionals[0])
    try runPipeline(args, on: &module, pipelineText: pipelineText)
    let program: Program
    let bytes: [UInt8]
    do {
      program = try Program.build(module)
      bytes = try QProgWriter.bytes(of: program)
    } catch let error as ProgramError {
      throw InputError(message: error.message)
    }
    try writeFileAtomically(bytes, to: output)
    var kernels: [KernelID: Int] = [:]
    for call in program.calls { kernels[call.kernel, default: 0] += 1 }
    let constantBytes = program.tensors.reduce(0) { sum, t in
      if case .constant = t.storage { return sum + t.bytes }
      return sum
    }
    /// Bytes as KiB (below 1 MiB) or MiB, two decimals at most.
    func mib(_ n: Int) -> String {
      n < 1_048_576 ? String(Double(n * 10 / 1024) / 10) + " KiB" : String(Double(n * 100 / 1_048_576) / 100) + " MiB"
    }
    writeStandardError("""
      qcc: compiled \(args.positionals[0]) → \(output) (\(mib(bytes.count)))
        pipeline  \(pipelineText)
        calls     \(program.calls.count): \(kernels.sorted { ($0.value, $1.key.rawValue) > ($1.value, $0.key.rawValue) }.map { "\(String(describing: $0.key)) \($0.value)" }.joined(separator: ", "))
        memory    constants \(mib(constantBytes)), arena \(mib(program.arenaBytes)) (peak live \(mib(MemoryPlan.peakLiveBytes(program.tensors))), sum of intermediates \(mib(program.arenaTensorBytes)))
        time      \(String(Double(Int((monotonicSeconds() - start) * 100)) / 100)) s

      """)
  })

func monotonicSeconds() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_MONOTONIC, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
