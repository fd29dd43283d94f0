import QCCIR
import QCCOps
import QCCPass
import QCCPasses
import QCCTargets
import Testing
import _QCCTestSupport

/// The `fuse` pass's attention pattern: the fused `qcc.attention` computes
/// the unfused subgraph's bytes, on the interpreter and on the C program
/// runtime, including NaN rows the Where replaces, broadcast batch dims, and
/// several blocks of query rows.
@Suite struct AttentionFusionTests {
  /// No mask, an f32 result, k without batch dims (broadcast over v's batch of 2).
  static let plain = """
    qir 1
    module @plain {
      %q = input "q" : tensor<2x4x6xf32>
      %k = input "k" : tensor<6x5xf32>
      %v = input "v" : tensor<2x5x3xf32>
      %q.q = qcc.quantize(%q) : tensor<2x4x6x!q.uniform<i8:f32, 0.02:1>>
      %k.q = qcc.quantize(%k) : tensor<6x5x!q.uniform<i8:f32, 0.03:0>>
      %v.q = qcc.quantize(%v) : tensor<2x5x3x!q.uniform<u8:f32, 0.025:120>>
      %s = qcc.matmul(%q.q, %k.q) : tensor<2x4x5xf32>
      %p = Softmax(%s) {axis = 2} : tensor<2x4x5xf32>
      %p.q = qcc.quantize(%p) : tensor<2x4x5x!q.uniform<i8:f32, 0.0078125:-128>>
      %y = qcc.matmul(%p.q, %v.q) : tensor<2x4x3xf32>
      output "y" = %y
    }
    """

  /// 40 query rows over 300 keys: the kernel runs them in three blocks (16, 16, 8).
  static let blocks = """
    qir 1
    module @blocks {
      %q = input "q" : tensor<1x40x8xf32>
      %k = input "k" : tensor<1x8x300xf32>
      %v = input "v" : tensor<1x300x8xf32>
      %mask = input "mask" : tensor<40x300xf32>
      %q.q = qcc.quantize(%q) : tensor<1x40x8x!q.uniform<i8:f32, 0.02:0>>
      %k.q = qcc.quantize(%k) : tensor<1x8x300x!q.uniform<i8:f32, 0.03:0>>
      %v.q = qcc.quantize(%v) : tensor<1x300x8x!q.uniform<i8:f32, 0.025:0>>
      %s = qcc.matmul(%q.q, %k.q) : tensor<1x40x300xf32>
      %x = Add(%s, %mask) : tensor<1x40x300xf32>
      %p = Softmax(%x) {axis = -1} : tensor<1x40x300xf32>
      %p.q = qcc.quantize(%p) : tensor<1x40x300x!q.uniform<u8:f32, 0.00390625:0>>
      %y = qcc.matmul(%p.q, %v.q) : tensor<1x40x8x!q.uniform<i8:f32, 0.01:-5>>
      output "y" = %y
    }
    """

  /// Deterministic inputs in [-3, 3); the mask's first row is -inf (a NaN softmax row) and every fifth value -1e30.
  static func feeds(_ module: Module) -> [String: TensorData] {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    var feeds: [String: TensorData] = [:]
    for id in module.graph.inputs {
      guard case .input(let name) = module.graph[id].definition, let shape = module.graph[id].type.shape.staticSizes else { continue }
      let count = shape.reduce(1, *)
      var values = (0..<count).map { _ -> Float in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(state >> 40) / Float(1 << 24) * 6 - 3
      }
      if name == "mask" {
        let row = shape.last!
        for i in values.indices where i % 5 == 0 { values[i] = -1e30 }
        for i in 0..<row { values[i] = -.infinity }
      }
      feeds[name] = TensorData(shape: shape, scalars: values)
    }
    return feeds
  }

  static func fuse(_ module: Module) throws -> Module {
    var fused = module
    var context = PassContext()
    let pipeline = try Pipeline(parsing: "fuse", registry: BuiltinPasses.registry)
    try PassManager(rules: OpRegistry.standard, log: { _ in }).run(pipeline, on: &fused, context: &context)
    return fused
  }

  static func ops(_ module: Module) -> [String] {
    module.graph.nodeOrder.filter { module.graph[$0].isLive }.map { module.graph[$0].op }
  }

  @Test(arguments: ["golden", "plain", "blocks"])
  func fusedAttentionComputesTheUnfusedBytes(_ fixture: String) throws {
    let text = fixture == "golden" ? try Fixtures.text("golden/fuse/attention.qir") : fixture == "plain" ? Self.plain : Self.blocks
    let unfused = try Parser.parse(text)
    let fused = try Self.fuse(unfused)
    #expect(Self.ops(fused).filter { $0 == "qcc.attention" }.count == 1)
    #expect(!Self.ops(fused).contains("Softmax"))
    let feeds = Self.feeds(unfused)
    let want = try Interpreter(unfused).run(feeds).map(\.value)
    let got = try Interpreter(fused).run(feeds).map(\.value)
    #expect(got.map(\.byteArray) == want.map(\.byteArray))
    // The emitted program (the ATTENTION kernel call through the C runtime) computes the same bytes.
    let program = try QProgram(bytes: try QProgWriter.bytes(of: try Program.build(fused)))
    let outputs = try program.run(Compile.inputNames(fused).map { feeds[$0]! })
    #expect(outputs.map(\.byteArray) == want.map(\.byteArray))
    if fixture == "golden" {
      // The -inf mask row gives NaN probabilities, which the Where turns into zeros: a real check of that path.
      let scores = try Interpreter(try Parser.parse(text.replacingOccurrences(of: "output \"y\" = %y.q", with: "output \"p\" = %p")))
        .run(feeds).map(\.value)[0].scalars(as: Float.self)
      let firstRowIsNaN = scores.prefix(5).allSatisfy { $0.isNaN }
      #expect(firstRowIsNaN)
    }
  }

  @Test func theOpSaysWhatIsWrong() throws {
    func error(_ replacing: String, with: String) -> String {
      let text = Self.plain.replacingOccurrences(of: "%s = qcc.matmul(%q.q, %k.q) : tensor<2x4x5xf32>", with: "")
        .replacingOccurrences(of: "%p = Softmax(%s) {axis = 2} : tensor<2x4x5xf32>", with: "")
        .replacingOccurrences(of: "%p.q = qcc.quantize(%p) : tensor<2x4x5x!q.uniform<i8:f32, 0.0078125:-128>>", with: "")
        .replacingOccurrences(
          of: "%y = qcc.matmul(%p.q, %v.q) : tensor<2x4x3xf32>",
          with: "%y = qcc.attention(%q.q, %k.q, %v.q) {probabilities = \"!q.uniform<i8:f32, 0.0078125:-128>\"} : tensor<2x4x3xf32>")
        .replacingOccurrences(of: replacing, with: with)
      do {
        let module = try Parser.parse(text)
        _ = try Interpreter(module).run(Self.feeds(module))
        return "no error"
      } catch {
        return "\(error)"
      }
    }
    #expect(error("", with: "") == "no error")
    #expect(error("{probabilities = \"!q.uniform<i8:f32, 0.0078125:-128>\"}", with: "").contains(
      "qcc.attention needs a 'probabilities' attribute: the quantized type of the softmax output"))
    #expect(error("!q.uniform<i8:f32, 0.0078125:-128>\"", with: "!q.uniform<i16:f32, 0.0078125:-128>\"").contains(
      "qcc.attention: 'probabilities' must be an i8 or u8 type quantized per tensor, not !q.uniform<i16:f32, 0.0078125:-128>"))
    #expect(error(": tensor<2x4x3xf32>", with: ": tensor<2x4x3xi32>").contains(
      "qcc.attention: the result must be f32 (dequantized) or an 8- or 16-bit quantized type (requantized), not tensor<2x4x3xi32>"))
    #expect(error("%v.q = qcc.quantize(%v) : tensor<2x5x3x!q.uniform<u8:f32, 0.025:120>>", with: "%v.q = qcc.quantize(%v) : tensor<2x5x3x!q.uniform<i16:f32, 0.025:120>>").contains(
      "qcc.attention: operand 2 is i16; q, k and v must be i8, u8"))
  }
}
