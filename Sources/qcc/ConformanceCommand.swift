#if canImport(Glibc)
import Glibc
#endif
import QCCONNX
import QCCOps

let conformanceCommand = Command(
  spec: CommandSpec(
    name: "conformance",
    usage: "qcc conformance [--suite DIR] [--folder NAME]… [--filter TEXT] [--verbose]",
    summary: "Run the ONNX backend test suite through the importer and interpreter.",
    options: [
      OptionSpec(name: "--suite", arity: .value, valueName: "DIR", help: "Suite root (default: \(BackendTestSuite.defaultRoot))"),
      OptionSpec(name: "--folder", arity: .repeated, valueName: "NAME",
                 help: "Suite folders to run (default: \(BackendTestSuite.defaultFolders.joined(separator: ", ")))"),
      OptionSpec(name: "--filter", arity: .value, valueName: "TEXT", help: "Only tests whose name contains TEXT"),
      OptionSpec(name: "--verbose", arity: .flag, help: "Print every test's outcome"),
    ],
    details: """
      A test is in scope when all of its ops are on qcc's supported list and all
      of its tensors have element types qcc supports; every in-scope test must
      pass. Prints the supported ops, the counts per folder, and each failure.
      Exits 1 when any in-scope test fails.
      """),
  run: { args in
    var suite = BackendTestSuite(root: args.value("--suite") ?? BackendTestSuite.defaultRoot)
    if !args.all("--folder").isEmpty { suite.folders = args.all("--folder") }
    var cases = suite.cases()
    guard !cases.isEmpty else {
      throw InputError(message: "no tests found under \(suite.root) (folders \(suite.folders.joined(separator: ", "))); "
        + "install Debian's libonnx-testdata or pass --suite")
    }
    if let filter = args.value("--filter") { cases = cases.filter { $0.name.contains(filter) } }

    writeStandardOutput("Supported ops (\(OpRegistry.standard.opNames.count)): "
      + OpRegistry.standard.opNames.joined(separator: ", ") + "\n\n")
    var counts: [String: (passed: Int, failed: Int, outOfScope: Int)] = [:]
    var failures: [String] = []
    for test in cases {
      let outcome = suite.run(test)
      var c = counts[test.folder] ?? (0, 0, 0)
      switch outcome {
      case .passed: c.passed += 1
      case .failed(let why):
        c.failed += 1
        failures.append("\(test.folder)/\(test.name): \(why)")
      case .outOfScope: c.outOfScope += 1
      }
      counts[test.folder] = c
      if args.flag("--verbose") { writeStandardOutput("\(test.folder)/\(test.name): \(outcome)\n") }
    }
    writeStandardOutput("folder               in scope   passed   failed   out of scope\n")
    var total = (passed: 0, failed: 0, outOfScope: 0)
    for folder in suite.folders {
      guard let c = counts[folder] else { continue }
      total = (total.passed + c.passed, total.failed + c.failed, total.outOfScope + c.outOfScope)
      writeStandardOutput(row(folder, c))
    }
    writeStandardOutput(row("total", total))
    if !failures.isEmpty {
      writeStandardOutput("\nFailures (\(failures.count)):\n" + failures.map { "  " + $0 }.joined(separator: "\n") + "\n")
      exit(1)
    }
  })

private func row(_ name: String, _ c: (passed: Int, failed: Int, outOfScope: Int)) -> String {
  func cell(_ n: Int) -> String { let s = String(n); return String(repeating: " ", count: max(0, 9 - s.count)) + s }
  return name.padding(19) + cell(c.passed + c.failed) + cell(c.passed) + cell(c.failed) + cell(c.outOfScope) + "\n"
}
