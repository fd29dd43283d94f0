import Foundation
import QCCIR
import QCCOps
import QCCPass
import QCCPasses
import Testing
import _QCCTestSupport

/// Golden IR tests, FileCheck style (Tests/golden/<pass>/<case>.qir).
///
/// Each file starts with `// RUN: --passes 'PIPELINE'` (`%S` stands for the
/// file's folder), holds FileCheck
/// directives in `//` comments, and then the input IR. The test parses the
/// input, runs the pipeline in-process with verification after every pass,
/// prints the result, and checks it with LLVM's FileCheck against the file.
/// `// ERROR: text` instead expects the pipeline to fail with a message
/// containing `text`. Every input and output must also round-trip through
/// the text form byte for byte, and running the pipeline a second time must
/// change nothing.
@Suite struct GoldenTests {
  static let directory = Fixtures.path("golden")

  static var cases: [String] {
    let files = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []
    return files.filter { $0.hasSuffix(".qir") && !$0.contains("/data/") }.sorted()
  }

  /// FileCheck from Debian's llvm-14-tools; CI installs it, and a missing one fails the run.
  static let fileCheck = ["/usr/bin/FileCheck-14", "/usr/lib/llvm-14/bin/FileCheck", "/usr/bin/FileCheck"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

  @Test func thereAreGoldenFiles() {
    #expect(GoldenTests.cases.count >= 10)
  }

  @Test(arguments: GoldenTests.cases)
  func golden(_ relative: String) throws {
    let path = GoldenTests.directory + "/" + relative
    let text = try String(contentsOfFile: path, encoding: .utf8)
    guard let runLine = text.split(separator: "\n").first(where: { $0.hasPrefix("// RUN:") }) else {
      Issue.record("\(relative): no '// RUN:' line")
      return
    }
    // %S is the test file's folder, for data files the pipeline reads (calibrate{data=%S/data}).
    let folder = (path as NSString).deletingLastPathComponent
    let pipelineText = try #require(GoldenTests.pipeline(in: String(runLine)), "\(relative): RUN line needs --passes '…'")
      .replacingOccurrences(of: "%S", with: folder)
    let expectedError = text.split(separator: "\n").first { $0.hasPrefix("// ERROR:") }
      .map { String($0.dropFirst("// ERROR:".count)).trimmingCharacters(in: .whitespaces) }

    var module = try Parser.parse(text, file: relative)
    try Verifier.verify(module, rules: OpRegistry.standard)
    #expect(try GoldenTests.roundTrips(module), "\(relative): the input does not round-trip")

    let pipeline = try Pipeline(parsing: pipelineText, registry: BuiltinPasses.registry)
    #expect(try Pipeline(parsing: pipeline.description, registry: BuiltinPasses.registry).description == pipeline.description)
    var instrumentation = PassManager.Instrumentation()
    instrumentation.verifyEach = true
    let manager = PassManager(instrumentation: instrumentation, rules: OpRegistry.standard, log: { _ in })
    var context = PassContext()
    do {
      try manager.run(pipeline, on: &module, context: &context)
    } catch {
      if let expectedError {
        #expect(error.message.contains(expectedError), "\(relative): got error \(error.message)")
      } else {
        Issue.record("\(relative): \(error)")
      }
      return
    }
    if let expectedError {
      Issue.record("\(relative): expected an error containing '\(expectedError)', but the pipeline succeeded")
      return
    }
    let output = Printer.print(module)
    #expect(try GoldenTests.roundTrips(module), "\(relative): the output does not round-trip")

    // Idempotence: a second run changes nothing.
    var again = module
    var secondContext = PassContext()
    try manager.run(pipeline, on: &again, context: &secondContext)
    #expect(Printer.print(again) == output, "\(relative): running the pipeline twice changed the IR")

    let fileCheck = try #require(GoldenTests.fileCheck, "FileCheck is missing: apt-get install llvm-14-tools")
    let (status, diagnostics) = try GoldenTests.run(fileCheck, ["--dump-input=fail", path], input: output)
    #expect(status == 0, "\(relative): FileCheck failed\n\(diagnostics)")
  }

  static func pipeline(in runLine: String) -> String? {
    guard let range = runLine.range(of: "--passes") else { return nil }
    var rest = runLine[range.upperBound...].trimmingCharacters(in: .whitespaces)
    if rest.hasPrefix("=") { rest.removeFirst() }
    if rest.hasPrefix("'"), let end = rest.dropFirst().firstIndex(of: "'") {
      return String(rest[rest.index(after: rest.startIndex)..<end])
    }
    return rest.split(separator: " ").first.map(String.init)
  }

  static func roundTrips(_ module: Module) throws -> Bool {
    let once = Printer.print(module)
    return Printer.print(try Parser.parse(once)) == once
  }

  static func run(_ executable: String, _ arguments: [String], input: String) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let stdin = Pipe(), stderr = Pipe()
    process.standardInput = stdin
    process.standardError = stderr
    process.standardOutput = stderr
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let diagnostics = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: diagnostics, as: UTF8.self))
  }
}
