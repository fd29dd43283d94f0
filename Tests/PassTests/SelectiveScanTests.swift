import QCCIR
import QCCOps
import QCCPass
import QCCPasses
import Testing

/// `fuse` rebuilds an unrolled, quantized selective scan as one
/// `qcc.selective_scan` (passes/fuse/SelectiveScanPattern.swift), and the
/// fused program computes the unfused program's bits.
@Suite struct SelectiveScanTests {
  /// How to write the unrolled scan: its sizes, its quantization, and what to spoil.
  struct Scan {
    var batch = 1, channels = 2, steps = 3, state = 2
    var storage = "i8"
    /// The state's storage spelled in its type (a narrowed range: "i8<-127:127>").
    var stateStorage: String?
    var stateScales: [Float] = [0.05, 0.1, 0.2]
    var stateZeroPoints = [0, -3, 4]
    var cScales: [Float] = [0.02, 0.03, 0.025]
    var cZeroPoints = [-9, 5, 0]
    /// Writes Mul(h, dA.t) instead of Mul(dA.t, h) at this step.
    var swapMulAt: Int?
    /// Leaves this step out of the Concat (and the scan's result shape).
    var dropStep: Int?
    /// Also outputs the state after this step.
    var outputStateAt: Int?

    var text: String {
      let (b, d, t, n) = (batch, channels, steps, state)
      let kept = (0..<t).filter { $0 != dropStep }
      var l = ["qir 1", "module @scan {"]
      l.append("  %dA = input \"dA\" : tensor<\(b)x\(d)x\(t)x\(n)xf32>")
      l.append("  %dBx = input \"dBx\" : tensor<\(b)x\(d)x\(t)x\(n)xf32>")
      l.append("  %C = input \"C\" : tensor<\(b)x\(t)x\(n)xf32>")
      l.append("  %h0 = input \"h0\" : tensor<\(b)x\(d)x\(n)xf32>")
      for s in 0..<t { l.append("  %t\(s) = const dense<\(s)> : tensor<i64>") }
      l.append("  %last = const dense<[-1]> : tensor<1xi64>")
      var previous = "%h0"
      for s in 0..<t {
        let cq = "!q.uniform<\(storage):f32, \(cScales[s]):\(cZeroPoints[s])>"
        let hq = "!q.uniform<\(stateStorage ?? storage):f32, \(stateScales[s]):\(stateZeroPoints[s])>"
        let cell = "tensor<\(b)x\(d)x\(n)xf32>"
        l.append("  %dA.\(s) = Gather(%dA, %t\(s)) {axis = 2} : \(cell)")
        l.append(swapMulAt == s ? "  %m.\(s) = Mul(\(previous), %dA.\(s)) : \(cell)" : "  %m.\(s) = Mul(%dA.\(s), \(previous)) : \(cell)")
        l.append("  %dBx.\(s) = Gather(%dBx, %t\(s)) {axis = 2} : \(cell)")
        l.append("  %h.\(s) = Add(%m.\(s), %dBx.\(s)) : \(cell)")
        l.append("  %C.q.\(s) = qcc.quantize(%C) : tensor<\(b)x\(t)x\(n)x\(cq)>")
        l.append("  %C.\(s).q = Gather(%C.q.\(s), %t\(s)) {axis = 1} : tensor<\(b)x\(n)x\(cq)>")
        l.append("  %h.\(s).q = qcc.quantize(%h.\(s)) : tensor<\(b)x\(d)x\(n)x\(hq)>")
        l.append("  %Cu.\(s).q = Unsqueeze(%C.\(s).q, %last) : tensor<\(b)x\(n)x1x\(cq)>")
        l.append("  %y3.\(s) = qcc.matmul(%h.\(s).q, %Cu.\(s).q) : tensor<\(b)x\(d)x1xf32>")
        l.append("  %y2.\(s) = Gather(%y3.\(s), %t0) {axis = 2} : tensor<\(b)x\(d)xf32>")
        l.append("  %y.\(s) = Unsqueeze(%y2.\(s), %last) : tensor<\(b)x\(d)x1xf32>")
        previous = "%h.\(s)"
      }
      l.append("  %y = Concat(\(kept.map { "%y.\($0)" }.joined(separator: ", "))) {axis = -1} : tensor<\(b)x\(d)x\(kept.count)xf32>")
      l.append("  output \"y\" = %y")
      for s in 0..<t where s == dropStep { l.append("  output \"y2.\(s)\" = %y2.\(s)") }
      if let s = outputStateAt { l.append("  output \"h.\(s)\" = %h.\(s)") }
      l.append("}")
      return l.joined(separator: "\n") + "\n"
    }
  }

  /// `fuse` without its elementwise chains, which would otherwise take the
  /// steps of a scan that does not match (the tests below look at the scan alone).
  func fused(_ module: Module) throws -> (Module, Int) {
    var m = module
    var context = PassContext()
    let manager = PassManager(instrumentation: PassManager.Instrumentation(), rules: OpRegistry.standard, log: { _ in })
    try manager.run(try Pipeline(parsing: "fuse{elementwise=false}", registry: BuiltinPasses.registry), on: &m, context: &context)
    try Verifier.verify(m, rules: OpRegistry.standard)
    return (m, m.graph.nodeOrder.filter { m.graph[$0].op == "qcc.selective_scan" }.count)
  }

  /// Deterministic inputs that also reach the quantizers' clamps (state values beyond the ranges).
  func inputs(_ s: Scan, seed: UInt64) -> [String: TensorData] {
    var state = seed
    func next() -> Float {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Float(Int64(bitPattern: state >> 11) % 2_000_001) / 1_000_000 - 1  // [-1, 1]
    }
    func tensor(_ shape: [Int], _ f: () -> Float) -> TensorData {
      TensorData(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in f() })
    }
    let (b, d, t, n) = (s.batch, s.channels, s.steps, s.state)
    return [
      "dA": tensor([b, d, t, n]) { 0.6 + 0.4 * next() },
      "dBx": tensor([b, d, t, n]) { 9 * next() },
      "C": tensor([b, t, n]) { 4 * next() },
      "h0": tensor([b, d, n]) { 2 * next() },
    ]
  }

  func outputBytes(_ module: Module, _ feeds: [String: TensorData]) throws -> [[UInt8]] {
    try Interpreter(module).run(feeds).map { Array($0.value.bytes) }
  }

  @Test(arguments: [
    Scan(),
    Scan(batch: 2, channels: 5, steps: 4, state: 3, stateScales: [0.05, 0.1, 0.2, 0.07], stateZeroPoints: [0, -3, 4, 1],
         cScales: [0.02, 0.03, 0.025, 0.04], cZeroPoints: [-9, 5, 0, 2]),
    Scan(storage: "u8", stateZeroPoints: [128, 100, 140], cZeroPoints: [120, 130, 128]),
    Scan(stateStorage: "i8<-127:127>"),
  ])
  func fusedScanComputesTheUnfusedBits(_ s: Scan) throws {
    let module = try Parser.parse(s.text, file: "scan.qir")
    try Verifier.verify(module, rules: OpRegistry.standard)
    let (fusedModule, scans) = try fused(module)
    #expect(scans == 1)
    #expect(fusedModule.graph.liveNodeCount == 1)
    for seed in [1, 2, 3] as [UInt64] {
      let feeds = inputs(s, seed: seed)
      #expect(try outputBytes(fusedModule, feeds) == outputBytes(module, feeds))
    }
  }

  @Test func aNarrowedStateRangeIsCarried() throws {
    let (m, _) = try fused(try Parser.parse(Scan(stateStorage: "i8<-127:127>").text, file: "scan.qir"))
    let printed = Printer.print(m)
    #expect(printed.contains("state_range = [-127, 127]"))
    #expect(!printed.contains("c_range"))
  }

  @Test(arguments: [
    Scan(swapMulAt: 1),  // the operands of one Mul in the other order
    Scan(dropStep: 1),  // a step missing from the Concat
    Scan(outputStateAt: 1),  // an intermediate state read outside the chain
  ])
  func anythingButTheWholeChainStaysUnfused(_ s: Scan) throws {
    let module = try Parser.parse(s.text, file: "scan.qir")
    let (m, scans) = try fused(module)
    #expect(scans == 0)
    #expect(Printer.print(m) == Printer.print(module))
  }

  /// The op's verifier messages.
  @Test func verifierMessages() throws {
    func error(_ attributes: String, c: String = "tensor<1x3x2xf32>") -> String {
      let text = """
        qir 1
        module @m {
          %dA = input "dA" : tensor<1x2x3x2xf32>
          %dBx = input "dBx" : tensor<1x2x3x2xf32>
          %C = input "C" : \(c)
          %h0 = input "h0" : tensor<1x2x2xf32>
          %y = qcc.selective_scan(%dA, %dBx, %C, %h0) {\(attributes)} : tensor<1x2x3xf32>
          output "y" = %y
        }

        """
      do {
        try Verifier.verify(try Parser.parse(text, file: "m.qir"), rules: OpRegistry.standard)
        return "no error"
      } catch {
        return "\(error)"
      }
    }
    let good = "c_scales = [0.5, 0.5, 0.5], c_zero_points = [0, 0, 0], state_scales = [0.5, 0.5, 0.5], state_zero_points = [0, 0, 0]"
    #expect(error(good + ", storage = \"i8\"") == "no error")
    #expect(error(good + ", storage = \"i16\"").contains("qcc.selective_scan: storage is \"i16\"; expected \"i8\" or \"u8\""))
    #expect(error(good).contains("qcc.selective_scan needs a 'storage' attribute (\"i8\" or \"u8\")"))
    #expect(
      error(good.replacingOccurrences(of: "c_scales = [0.5, 0.5, 0.5]", with: "c_scales = [0.5, -0.5, 0.5]") + ", storage = \"i8\"")
        .contains("qcc.selective_scan: c_scales[1] is -0.5; expected a finite value > 0"))
    #expect(
      error(good.replacingOccurrences(of: "state_zero_points = [0, 0, 0]", with: "state_zero_points = [0, 0, 200]") + ", storage = \"i8\"")
        .contains("qcc.selective_scan: state_zero_points[2] is 200; expected -128...127 (i8)"))
    #expect(
      error(good.replacingOccurrences(of: "c_scales = [0.5, 0.5, 0.5]", with: "c_scales = [0.5, 0.5]") + ", storage = \"i8\"")
        .contains("qcc.selective_scan: 'c_scales' has 2 values; expected one per step (3)"))
    #expect(
      error(good + ", state_range = [-127, 128], storage = \"i8\"")
        .contains("qcc.selective_scan: 'state_range' is [-127, 128]; expected [qmin, qmax] with -128 <= qmin <= qmax <= 127 (i8)"))
    #expect(
      error(good + ", storage = \"i8\"", c: "tensor<1x4x2xf32>")
        .contains("qcc.selective_scan: operand 2 (c) has steps 4; the operands before it have 3"))
    #expect(
      error(good + ", storage = \"i8\"", c: "tensor<1x3xf32>")
        .contains("qcc.selective_scan: operand 2 (c) must be f32 [batch, steps, state], not tensor<1x3xf32>"))
  }
}
