#if canImport(Glibc)
import Glibc
#endif
import QCCIR

// qcc's command-line driver: argument parsing and dispatch only. Each
// subcommand lives in its own file; the work happens in the libraries.

let commands: [Command] = [importCommand, optCommand, runCommand, compareCommand, conformanceCommand, reportCommand]

let topLevelHelp = """
  USAGE: qcc <command> [options]

  qcc imports ONNX models into an SSA IR, runs pipelines of passes over it, and
  runs models with its float reference interpreter.

  COMMANDS:
  \(commands.map { "  " + $0.spec.name.padding(13) + $0.spec.summary }.joined(separator: "\n"))

  OPTIONS:
    --list-passes [--markdown]   List the registered passes and their options
    --help, -h                   Show this help ('qcc <command> --help' for a command)
    --version                    Print qcc's version

  EXIT CODES:
    0 success, 1 bad input or usage, 2 internal error

  Not yet implemented: compiling to a target ('qcc model.onnx --target …'),
  calibration and quantization passes.

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
  guard let command = commands.first(where: { $0.spec.name == first }) else {
    let hint = first.hasSuffix(".onnx") || first.hasSuffix(".qir")
      ? "\nCompiling a model to a target is not implemented yet; use 'qcc import', 'qcc opt' or 'qcc run'." : ""
    fail(UsageError(message: "qcc: unknown command '\(first)'; commands: "
      + commands.map(\.spec.name).joined(separator: ", ") + hint + "\nRun 'qcc --help' for usage."))
  }
  let rest = Array(arguments.dropFirst())
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
