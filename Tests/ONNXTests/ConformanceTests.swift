import QCCONNX
import Testing

/// The ONNX backend test suite (Debian's libonnx-testdata): every test whose
/// ops and element types qcc supports must pass.
@Suite struct ConformanceTests {
  @Test func everyInScopeBackendTestPasses() throws {
    let suite = BackendTestSuite()
    let cases = suite.cases()
    try #require(cases.count > 1000, "the ONNX backend suite is missing at \(suite.root): apt-get install libonnx-testdata")
    var passed = 0, inScope = 0
    var failures: [String] = []
    for test in cases {
      switch suite.run(test) {
      case .passed:
        passed += 1
        inScope += 1
      case .failed(let why):
        inScope += 1
        failures.append("\(test.folder)/\(test.name): \(why)")
      case .outOfScope, .invalidTestData:
        break
      }
    }
    let report = failures.joined(separator: "\n")
    #expect(failures.isEmpty, "\(failures.count) of \(inScope) in-scope tests fail:\n\(report)")
    // The suite must keep exercising a broad set of ops; a registry regression would shrink it.
    #expect(inScope >= 761, "only \(inScope) tests are in scope")
  }
}
