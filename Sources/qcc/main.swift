#if canImport(Glibc)
import Glibc
#endif
import QCCIR
import QCCTargets

// qcc's command-line driver: argument parsing and dispatch only. Each
// subcommand lives in its own file; the work happens in the libraries.

let commands: [Command] = [compileCommand, importCommand, optCommand, runCommand, compareCommand, conformanceCommand, reportCommand]

let topLevelHelp = """
  USAGE: qcc MODEL.onnx --calib DIR --target T -o OUT [--preset P]
         qcc <command> [options]

  qcc is a quantizing compiler: it imports ONNX models into an SSA IR, runs
  pipelines of passes over it (calibration, smoothing, quantization, integer
  lowering, fusion), and emits an integer program or a folder of C for a
  device; it also runs models with its reference interpreter.

  COMMANDS:
  \(commands.map { "  " + $0.spec.name.padding(13) + $0.spec.summary }.joined(separator: "\n"))

  OPTIONS:
    --list-passes [--markdown]   List the registered passes and their options
    --help, -h                   Show this help ('qcc <command> --help' for a command)
    --version                    Print qcc's version

  EXIT CODES:
    0 success, 1 bad input or usage, 2 internal error

  TARGETS (--target):
    qprog        An integer program a small C runtime interprets (docs/qprog.md)
  \(CTarget.allCases.map { "  " + $0.rawValue.padding(13) + $0.summary + " (docs/c-targets.md)" }.joined(separator: "\n"))

  """

var arguments = Array(CommandLine.arguments.dropFirst())
guard let first = arguments.first else {
  writeStandardError(topLevelHelp)
  exit(1)
}
switch first {
case "--help", "-h", "help":
  writeStandardOutput(topLevelHelp)
case "--version":
  writeStandardOutput("qcc \(qccVersion)\n")
case "--list-passes":
  let markdown = arguments.dropFirst().contains("--markdown")
  writeStandardOutput(passListing(markdown: markdown))
default:
  // `qcc MODEL.onnx …` is the compile command without its name.
  let isModel = first.hasSuffix(".onnx") || first.hasSuffix(".qir")
  guard let command = isModel ? compileCommand : commands.first(where: { $0.spec.name == first }) else {
    fail(UsageError(message: "unknown command '\(first)'; commands: "
      + commands.map(\.spec.name).joined(separator: ", ") + "\nRun 'qcc --help' for usage."))
  }
  let rest = isModel ? arguments : Array(arguments.dropFirst())
  if rest.contains("--help") || rest.contains("-h") {
    writeStandardOutput(command.spec.help)
    exit(0)
  }
  do {
    try command.run(try command.spec.parse(rest))
  } catch {
    fail(error)
  }
}
exit(0)
