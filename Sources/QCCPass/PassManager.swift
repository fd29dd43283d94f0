import QCCIR

#if canImport(Glibc)
import Glibc
#endif

/// Runs a pipeline over a module with the instrumentation users ask for:
/// IR dumps before and after passes, verification after each pass, and timing.
public struct PassManager: Sendable {
  public struct Instrumentation: Sendable {
    /// Print the IR after every pass that changed it.
    public var printIRAfterAll = false
    /// Print the IR before every run of these passes.
    public var printIRBefore: Set<String> = []
    /// Print the IR after every run of these passes.
    public var printIRAfter: Set<String> = []
    /// Verify the IR after every pass (always done at the end).
    public var verifyEach = false
    /// Print a table of time spent per pass.
    public var timePasses = false
    /// Dumps print constant digests instead of data.
    public var elideConstantsInDumps = true
    public init() {}
  }

  public var instrumentation: Instrumentation
  /// Op type rules for the verifier.
  public var rules: (any OpTypeRules)?
  /// Where dumps and the timing report go (standard error by default).
  public var log: @Sendable (String) -> Void

  public init(instrumentation: Instrumentation = Instrumentation(), rules: (any OpTypeRules)? = nil,
              log: @escaping @Sendable (String) -> Void = PassManager.writeToStandardError) {
    self.instrumentation = instrumentation
    self.rules = rules
    self.log = log
  }

  /// Runs `pipeline` on `module`. A pass that throws stops the pipeline; IR
  /// that fails verification after a pass is an internal error naming that pass.
  public func run(_ pipeline: Pipeline, on module: inout Module, context: inout PassContext) throws(PassError) {
    let names = Set(pipeline.passes.map { type(of: $0).name })
    for name in instrumentation.printIRBefore.union(instrumentation.printIRAfter).sorted() where !names.contains(name) {
      throw PassError(
        "--print-ir-before/after names '\(name)', which is not in the pipeline (\(pipeline.description.isEmpty ? "empty" : pipeline.description))")
    }
    var timings: [(String, Double)] = []
    for pass in pipeline.passes {
      let name = type(of: pass).name
      if instrumentation.printIRBefore.contains(name) { dump(module, title: "IR Dump Before \(name)") }
      let start = PassManager.now()
      let changed: Changed
      do {
        changed = try pass.run(on: &module, context: &context)
      } catch {
        throw PassError("pass '\(name)': \(error.message)", kind: error.kind)
      }
      timings.append((name, PassManager.now() - start))
      if instrumentation.verifyEach && changed == .yes { try verify(module, after: name) }
      if instrumentation.printIRAfter.contains(name) || (instrumentation.printIRAfterAll && changed == .yes) {
        dump(module, title: "IR Dump After \(name)")
      }
    }
    if !instrumentation.verifyEach { try verify(module, after: pipeline.passes.last.map { type(of: $0).name } ?? "import") }
    if instrumentation.timePasses { log(PassManager.timingReport(timings)) }
  }

  /// Writes to file descriptor 2 directly (the C `stderr` global is not concurrency-safe in Swift 6).
  public static let writeToStandardError: @Sendable (String) -> Void = { text in
    var text = text
    text.withUTF8 { bytes in
      var offset = 0
      while offset < bytes.count {
        let n = write(2, bytes.baseAddress! + offset, bytes.count - offset)
        if n <= 0 { return }
        offset += n
      }
    }
  }

  func verify(_ module: Module, after pass: String) throws(PassError) {
    do {
      try Verifier.verify(module, rules: rules)
    } catch {
      throw PassError("pass '\(pass)' produced invalid IR:\n\(error)", kind: .internalError)
    }
  }

  func dump(_ module: Module, title: String) {
    let options = Printer.Options(elideConstants: instrumentation.elideConstantsInDumps)
    log("// -----// \(title) //----- //\n" + Printer.print(module, options: options))
  }

  static func timingReport(_ timings: [(String, Double)]) -> String {
    let total = timings.reduce(0) { $0 + $1.1 }
    var lines = ["===-------------------------------------------------------------------------===",
                 "                      ... Pass execution timing report ...",
                 "===-------------------------------------------------------------------------===",
                 "  Total Execution Time: \(format(total, 4)) seconds", "",
                 "  ----Wall Time----  ----Name----"]
    for (name, t) in timings {
      let percent = total > 0 ? t / total * 100 : 0
      lines.append("  \(pad(format(t, 4), 8)) (\(pad(format(percent, 1), 5))%)  \(name)")
    }
    lines.append("  \(pad(format(total, 4), 8)) (100.0%)  Total")
    return lines.joined(separator: "\n") + "\n"
  }

  static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
  }

  static func format(_ v: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (v * scale).rounded() / scale
    var s = String(rounded)
    if let dot = s.firstIndex(of: ".") {
      let have = s.distance(from: dot, to: s.endIndex) - 1
      if have < decimals { s += String(repeating: "0", count: decimals - have) }
    }
    return s
  }

  static func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
  }
}
