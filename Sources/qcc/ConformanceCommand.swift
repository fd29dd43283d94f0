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
      A test is in scope when all of its ops are on qcc's supported list, at
      ONNX versions qcc implements (the list shows the newest of each), and all
      of its tensors have element types qcc supports; every in-scope test must
      pass. Tests whose data contradicts their own model (an input shaped
      unlike its declaration) are counted apart and listed. Prints the
      supported ops, the counts per folder, and each failure. Exits 1 when any
      in-scope test fails.
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

    // Each op with the newest ONNX version of it qcc implements; tests using newer versions are out of scope.
    let supported = OpRegistry.standard.opNames.map { op in ONNXOpSupport.implementedVersion(of: op).map { "\(op)-\($0)" } ?? op }
    writeStandardOutput("Supported ops (\(supported.count), up to the ONNX version implemented): "
      + supported.joined(separator: ", ") + "\n\n")
    var counts: [String: Counts] = [:]
    var failures: [String] = []
    var invalid: [String] = []
    for test in cases {
      let outcome = suite.run(test)
      var c = counts[test.folder] ?? Counts()
      switch outcome {
      case .passed: c.passed += 1
      case .failed(let why):
        c.failed += 1
        failures.append("\(test.folder)/\(test.name): \(why)")
      case .outOfScope: c.outOfScope += 1
      case .invalidTestData(let why):
        c.invalidData += 1
        invalid.append("\(test.folder)/\(test.name): \(why)")
      }
      counts[test.folder] = c
      if args.flag("--verbose") { writeStandardOutput("\(test.folder)/\(test.name): \(outcome)\n") }
    }
    writeStandardOutput("folder               in scope   passed   failed   out of scope   bad test data\n")
    var total = Counts()
    for folder in suite.folders {
      guard let c = counts[folder] else { continue }
      total.add(c)
      writeStandardOutput(row(folder, c))
    }
    writeStandardOutput(row("total", total))
    if !invalid.isEmpty {
      writeStandardOutput("\nTests whose data contradicts their model (\(invalid.count)):\n"
        + invalid.map { "  " + $0 }.joined(separator: "\n") + "\n")
    }
    if !failures.isEmpty {
      writeStandardOutput("\nFailures (\(failures.count)):\n" + failures.map { "  " + $0 }.joined(separator: "\n") + "\n")
      exit(1)
    }
  })

/// Outcomes counted per suite folder.
private struct Counts {
  var passed = 0, failed = 0, outOfScope = 0, invalidData = 0

  mutating func add(_ other: Counts) {
    passed += other.passed
    failed += other.failed
    outOfScope += other.outOfScope
    invalidData += other.invalidData
  }
}

private func row(_ name: String, _ c: Counts) -> String {
  func cell(_ n: Int, _ width: Int = 9) -> String { let s = String(n); return String(repeating: " ", count: max(0, width - s.count)) + s }
  return name.padding(19) + cell(c.passed + c.failed) + cell(c.passed) + cell(c.failed) + cell(c.outOfScope, 15)
    + cell(c.invalidData, 16) + "\n"
}
