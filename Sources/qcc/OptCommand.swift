import QCCIR
import QCCOps
import QCCPass
import QCCPasses
import QCCTargets

/// Instrumentation options shared by every command that runs passes.
let pipelineOptions: [OptionSpec] = [
  OptionSpec(name: "--passes", arity: .value, valueName: "PIPELINE", help: "Passes to run, e.g. 'canonicalize'"),
  OptionSpec(name: "--print-ir-after-all", arity: .flag, help: "Print the IR after every pass that changes it"),
  OptionSpec(name: "--print-ir-before", arity: .repeated, valueName: "PASS", help: "Print the IR before PASS"),
  OptionSpec(name: "--print-ir-after", arity: .repeated, valueName: "PASS", help: "Print the IR after PASS"),
  OptionSpec(name: "--verify-each", arity: .flag, help: "Verify the IR after every pass"),
  OptionSpec(name: "--time-passes", arity: .flag, help: "Print the time spent in each pass"),
  OptionSpec(name: "--statistics", arity: .flag, help: "Print what each pass counted"),
  OptionSpec(name: "--print-constants", arity: .flag, help: "Print constant data in IR dumps (default: digests)"),
  OptionSpec(name: "--calib", arity: .value, valueName: "PATH",
             help: "Calibration data for 'calibrate': a folder of <input>.npy or an .npz, samples on axis 0 ('random': smoke tests only)"),
  OptionSpec(name: "--calib-cache", arity: .value, valueName: "FILE",
             help: "Reuse calibration statistics from FILE if it matches, else compute and save them"),
]

/// Runs the pipeline the arguments ask for, with their instrumentation.
func runPipeline(_ args: CommandSpec.Parsed, on module: inout Module, pipelineText: String? = nil) throws {
  guard let text = pipelineText ?? args.value("--passes") else {
    for option in ["--calib", "--calib-cache"] where args.value(option) != nil {
      writeStandardError("qcc: warning: \(option) is ignored without --passes\n")
    }
    return
  }
  let registry = CompilerPasses.registry
  let pipeline = try Pipeline(parsing: text, registry: registry)
  var instrumentation = PassManager.Instrumentation()
  instrumentation.printIRAfterAll = args.flag("--print-ir-after-all")
  instrumentation.printIRBefore = Set(args.all("--print-ir-before"))
  instrumentation.printIRAfter = Set(args.all("--print-ir-after"))
  instrumentation.verifyEach = args.flag("--verify-each")
  instrumentation.timePasses = args.flag("--time-passes")
  instrumentation.elideConstantsInDumps = !args.flag("--print-constants")
  for name in instrumentation.printIRBefore.union(instrumentation.printIRAfter) where registry.entries[name] == nil {
    throw UsageError(message: "unknown pass '\(name)' in --print-ir-before/after; valid passes: "
      + registry.entries.keys.sorted().joined(separator: ", "))
  }
  var context = PassContext()
  try addCalibrationArtifacts(args, pipeline: pipeline, graph: module.graph, to: &context)
  try PassManager(instrumentation: instrumentation, rules: OpRegistry.standard).run(pipeline, on: &module, context: &context)
  if args.flag("--statistics") && !context.statistics.report.isEmpty {
    writeStandardError(context.statistics.report + "\n")
  }
  for warning in context.warnings { writeStandardError("qcc: warning: \(warning)\n") }
}

/// `--calib` and `--calib-cache`, loaded into the artifacts the `calibrate` pass reads.
func addCalibrationArtifacts(
  _ args: CommandSpec.Parsed, pipeline: Pipeline, graph: Graph, to context: inout PassContext
) throws {
  let calibrates = pipeline.passes.contains { type(of: $0).name == Calibrate.name }
  for option in ["--calib", "--calib-cache"] where args.value(option) != nil && !calibrates {
    context.warnings.append("\(option) is ignored: the pipeline has no 'calibrate' pass")
  }
  guard calibrates else { return }
  if args.value("--calib") == "random" {
    context.artifacts[CalibrationData.self] = CalibrationData.random(for: graph)
    writeStandardError(
      "qcc: warning: --calib random calibrates on random data, for smoke tests of the toolchain only: "
        + "the quantized model runs but is not accurate. Give --calib DIR with real sample inputs.\n")
  } else if let path = args.value("--calib") {
    do {
      context.artifacts[CalibrationData.self] = try CalibrationData.load(path: path)
    } catch {
      throw InputError(message: error.message)
    }
  }
  if let path = args.value("--calib-cache") { context.artifacts[CalibrationCacheFile.self] = CalibrationCacheFile(path: path) }
}

let optCommand = Command(
  spec: CommandSpec(
    name: "opt",
    usage: "qcc opt IN.qir|IN.onnx --passes PIPELINE [-o OUT.qir] [options]",
    summary: "Run a pipeline of passes over a module: IR in, IR out.",
    options: pipelineOptions + [
      OptionSpec(name: "-o", arity: .value, valueName: "FILE", help: "Write the IR to FILE (default: standard output)"),
      OptionSpec(name: "--elide-constants", arity: .flag, help: "Print a SHA-256 digest instead of large constants"),
    ],
    details: """
      PIPELINE is a comma-separated list of passes with options in braces:
        canonicalize
        fold-constants,eliminate-dead-code
        canonicalize,calibrate{method=percentile,p=99.99} --calib DIR
      Run 'qcc --list-passes' for the passes and their options.
      """),
  run: { args in
    guard args.positionals.count == 1 else {
      throw UsageError(message: "qcc opt: expected one input module, got \(args.positionals.count)")
    }
    guard args.value("--passes") != nil else { throw UsageError(message: "qcc opt: --passes is required") }
    var module = try loadModule(args.positionals[0])
    try runPipeline(args, on: &module)
    let bytes = Printer.bytes(module, options: Printer.Options(elideConstants: args.flag("--elide-constants")))
    try writeFileAtomically(bytes, to: args.value("-o") ?? "-")
  })

/// `qcc --list-passes`: one line per pass, or Markdown for docs/passes.md.
func passListing(markdown: Bool) -> String {
  let entries = CompilerPasses.registry.sortedEntries
  if markdown {
    var lines = ["# Passes", "", "Generated by `qcc --list-passes --markdown`; do not edit by hand.", ""]
    for e in entries {
      lines.append("## `\(e.name)`")
      lines.append("")
      lines.append(e.summary)
      if !e.options.isEmpty {
        lines.append("")
        lines.append("| option | kind | meaning |")
        lines.append("|---|---|---|")
        for o in e.options { lines.append("| `\(o.name)` | \(o.kind) | \(o.help) |") }
      }
      lines.append("")
    }
    return lines.joined(separator: "\n")
  }
  var lines: [String] = []
  for e in entries {
    lines.append("  " + e.name.padding(24) + e.summary)
    for o in e.options { lines.append("      " + "\(o.name)=<\(o.kind)>".padding(26) + o.help) }
  }
  return "Passes:\n" + lines.joined(separator: "\n") + "\n"
}
