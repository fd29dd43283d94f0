import QCCIR
import QCCKernels
import Testing

@testable import QCCOps

/// qcc.elementwise (FUSED_ELEMENTWISE, kernel 25) computes the bytes of the
/// unfused ops it stands for, whatever the tile, and its calls are checked.
struct FusedElementwiseTests {
  /// Parameters and operands shared by the fixtures: x [1, 9, 6] f32, r [1, 9, 5] f32, w [6, 5] i8 per column.
  static let header = """
    qir 1
    #w.scale = dense<[0.5, 0.25, 0.125, 0.3, 0.2]> : tensor<5xf32>
    #w.zp = dense<0> : tensor<5xi32>
    #y.scale = dense<[0.05, 0.04, 0.03, 0.02, 0.01]> : tensor<5xf32>
    #y.zp = dense<[128, 1, 2, 3, 0]> : tensor<5xi32>
    module @m {
      %x = input "x" : tensor<1x9x6xf32>
      %r = input "r" : tensor<1x9x5xf32>
      %w.q = const dense<[1, -2, 3, 4, -5, 6, 7, -8, 9, 10, -11, 12, -13, 14, 15, 16, -17, 18, 19, 20, -21, 22, 23, 24, -25, 26, 27, 28, -29, 30]> : tensor<6x5x!q.uniform<i8<-127:127>:f32:axis=1, #w.scale:#w.zp>>
      %bias = const dense<[23, -104, 7, 0, -9]> : tensor<5xi32>
      %c = const dense<[0.5, -1.5, 2.0, 0.25, -0.75]> : tensor<5xf32>
      %s = const dense<0.125> : tensor<f32>
      %rowc = const dense<[0.5, 1.0, -1.0, 2.0, 0.0, 3.0, -0.5, 0.25, 1.5]> : tensor<9x1xf32>
      %x.q = qcc.quantize(%x) : tensor<1x9x6x!q.uniform<i8:f32, 0.05:3>>
    """

  /// Unfused body, fused body (the value `out` in both), as the `fuse` pass would write them.
  static let cases: [(name: String, unfused: String, fused: String, result: String)] = [
    (
      "matmul, gelu, quantize",
      """
      %m = qcc.matmul(%x.q, %w.q, %bias) {zero_point_folded = 1} : tensor<1x9x5xf32>
      %g = Gelu(%m) {approximate = "none"} : tensor<1x9x5xf32>
      %out = qcc.quantize(%g) : tensor<1x9x5x!q.uniform<i8:f32, 0.02:-7>>
      """,
      """
      %out = qcc.elementwise(%x.q, %w.q, %bias) {TILE s0.zero_point_folded = 1, s1.approximate = "none", steps = ["qcc.matmul(%0, %1, %2)", "Gelu($0)", "qcc.quantize($1)"]} : tensor<1x9x5x!q.uniform<i8:f32, 0.02:-7>>
      """, "tensor<1x9x5x!q.uniform<i8:f32, 0.02:-7>>"
    ),
    (
      "matmul, silu, gate, per-channel quantize",
      """
      %m = qcc.matmul(%x.q, %w.q) : tensor<1x9x5xf32>
      %sg = Sigmoid(%m) : tensor<1x9x5xf32>
      %silu = Mul(%m, %sg) : tensor<1x9x5xf32>
      %gate = Mul(%silu, %r) : tensor<1x9x5xf32>
      %out = qcc.quantize(%gate) : tensor<1x9x5x!q.uniform<u8:f32:axis=2, #y.scale:#y.zp>>
      """,
      """
      %out = qcc.elementwise(%x.q, %w.q, %r) {TILE steps = ["qcc.matmul(%0, %1)", "Sigmoid($0)", "Mul($0, $1)", "Mul($2, %2)", "qcc.quantize($3)"]} : tensor<1x9x5x!q.uniform<u8:f32:axis=2, #y.scale:#y.zp>>
      """, "tensor<1x9x5x!q.uniform<u8:f32:axis=2, #y.scale:#y.zp>>"
    ),
    (
      "matmul, bias, residual (f32)",
      """
      %m = qcc.matmul(%x.q, %w.q, %bias) : tensor<1x9x5xf32>
      %b = Add(%c, %m) : tensor<1x9x5xf32>
      %out = Add(%b, %r) : tensor<1x9x5xf32>
      """,
      """
      %out = qcc.elementwise(%x.q, %w.q, %bias, %c, %r) {TILE steps = ["qcc.matmul(%0, %1, %2)", "Add(%3, $0)", "Add($1, %4)"]} : tensor<1x9x5xf32>
      """, "tensor<1x9x5xf32>"
    ),
    (
      "dequantize, sub, leaky relu, div, quantize",
      """
      %d = qcc.dequantize(%x.q) : tensor<1x9x6xf32>
      %a = Sub(%s, %d) : tensor<1x9x6xf32>
      %l = LeakyRelu(%a) {alpha = 0.2} : tensor<1x9x6xf32>
      %v = Div(%l, %rowc) : tensor<1x9x6xf32>
      %out = qcc.quantize(%v) : tensor<1x9x6x!q.uniform<i16:f32, 0.001:5>>
      """,
      """
      %out = qcc.elementwise(%x.q, %s, %rowc) {TILE s2.alpha = 0.2, steps = ["qcc.dequantize(%0)", "Sub(%1, $0)", "LeakyRelu($1)", "Div($2, %2)", "qcc.quantize($3)"]} : tensor<1x9x6x!q.uniform<i16:f32, 0.001:5>>
      """, "tensor<1x9x6x!q.uniform<i16:f32, 0.001:5>>"
    ),
    (
      "f32 operands only: tanh of an operand, max, min",
      """
      %t = Tanh(%x) : tensor<1x9x6xf32>
      %mx = Max(%t, %s) : tensor<1x9x6xf32>
      %out = Min(%x, %mx) : tensor<1x9x6xf32>
      """,
      """
      %out = qcc.elementwise(%x, %s) {TILE steps = ["Tanh(%0)", "Max($0, %1)", "Min(%0, $1)"]} : tensor<1x9x6xf32>
      """, "tensor<1x9x6xf32>"
    ),
    (
      "dequantize, clip (ReLU6 shape), quantize",
      """
      %lo = const dense<0.0> : tensor<f32>
      %hi = const dense<0.3> : tensor<f32>
      %d = qcc.dequantize(%x.q) : tensor<1x9x6xf32>
      %cl = Clip(%d, %lo, %hi) : tensor<1x9x6xf32>
      %out = qcc.quantize(%cl) : tensor<1x9x6x!q.uniform<u8:f32, 0.002:0>>
      """,
      """
      %out = qcc.elementwise(%x.q) {TILE s1.min = 0.0, s1.max = 0.3, steps = ["qcc.dequantize(%0)", "Clip($0)", "qcc.quantize($1)"]} : tensor<1x9x6x!q.uniform<u8:f32, 0.002:0>>
      """, "tensor<1x9x6x!q.uniform<u8:f32, 0.002:0>>"
    ),
    (
      "f32: clip with a lower bound only, then an add",
      """
      %lo = const dense<-0.5> : tensor<f32>
      %cl = Clip(%x, %lo) : tensor<1x9x6xf32>
      %out = Add(%cl, %s) : tensor<1x9x6xf32>
      """,
      """
      %out = qcc.elementwise(%x, %s) {TILE s0.min = -0.5, steps = ["Clip(%0)", "Add($0, %1)"]} : tensor<1x9x6xf32>
      """, "tensor<1x9x6xf32>"
    ),
  ]

  static func module(_ body: String, _ result: String) throws -> Module {
    let text = header + "\n" + body + "\n  output \"out\" = %out\n}\n"
    return try Parser.parse(text)
  }

  static func run(_ m: Module) throws -> TensorData {
    let feeds = ["x": OpsTest.random([1, 9, 6], seed: 7, scale: 4), "r": OpsTest.random([1, 9, 5], seed: 8, scale: 2)]
    return try Interpreter(m).run(feeds)[0].value
  }

  @Test(arguments: 0..<7)
  func chainsEqualTheUnfusedOps(_ index: Int) throws {
    let c = Self.cases[index]
    let expected = try Self.run(try Self.module(c.unfused, c.result))
    // The plan's tiles, one tile, single elements, and uneven edges.
    for tile in ["", "tile = [9, 5],", "tile = [1, 1],", "tile = [2, 3],", "tile = [4, 2],", "tile = [9, 1],"] {
      let fused = try Self.run(try Self.module(c.fused.replacing("TILE ", with: tile + " "), c.result))
      #expect(fused.bytes.elementsEqual(expected.bytes), "\(c.name) with \(tile.isEmpty ? "default tiles" : tile)")
    }
  }

  @Test func stepsAreChecked() throws {
    func error(_ fused: String) -> String? {
      do {
        _ = try Self.run(try Self.module(fused, ""))
        return nil
      } catch {
        return "\(error)"
      }
    }
    #expect(error(#"%out = qcc.elementwise(%x) {steps = ["Gelu($0)"]} : tensor<1x9x6xf32>"#)?
      .contains("reads step 0, which is not an earlier step") == true)
    #expect(error(#"%out = qcc.elementwise(%x) {steps = ["Relu(%0)", "qcc.dequantize(%0)"]} : tensor<1x9x6xf32>"#)?
      .contains("qcc.dequantize may only be the first step") == true)
    #expect(error(#"%out = qcc.elementwise(%x) {steps = ["Softmax(%0)"]} : tensor<1x9x6xf32>"#)?
      .contains("Softmax is not an op a chain can run") == true)
    #expect(error(#"%out = qcc.elementwise(%x) {steps = ["Relu(%0)"]} : tensor<1x9x6x!q.uniform<i8:f32, 0.1:0>>"#)?
      .contains("expected f32") == true)
    #expect(error(#"%out = qcc.elementwise(%x, %r) {steps = ["Add(%0, %1)"]} : tensor<1x9x6xf32>"#)?
      .contains("does not broadcast to the result") == true)
    #expect(error(#"%out = qcc.elementwise(%x) {steps = ["Relu(%0)", "Tanh(%0)", "qcc.quantize($0)"]} : tensor<1x9x6x!q.uniform<i8:f32, 0.1:0>>"#)?
      .contains("qcc.quantize must read the step before it ($1)") == true)
    // The kernel's floats hold the parameters of at most eight unary steps.
    let nine = ["\"Relu(%0)\""] + (1..<9).map { "\"Relu($\($0 - 1))\"" }
    #expect(error("%out = qcc.elementwise(%x) {steps = [\(nine.joined(separator: ", "))]} : tensor<1x9x6xf32>")?
      .contains("more than 8 elementwise steps") == true)
  }

  /// Malformed FUSED_ELEMENTWISE calls fail with a message, before writing anything.
  @Test func malformedCallsAreRejected() {
    let out = CallBuffer(bytes: 4 * 6), scratch = CallBuffer(bytes: 4 * 6 * 2), x = CallBuffer([Float](repeating: 1, count: 6))
    // rows 2, cols 3, tiles 2 x 3, 2 registers, no source, f32 out, one operand (dense), steps.
    func ints(_ steps: [[Int64]], operands: Int64 = 1) -> [Int64] {
      var v: [Int64] = [2, 3, 2, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, operands]
      for _ in 0..<operands { v += [3, 1] }
      return v + [Int64(steps.count)] + steps.flatMap { $0 }
    }
    func run(_ i: [Int64], _ floats: [Float], buffers: [CallRef?]? = nil) -> String? {
      var b: [CallRef?] = [out.ref, scratch.ref] + [CallRef?](repeating: nil, count: 14)
      b[10] = x.ref
      return KernelCall.run(QCC_KERNEL_FUSED_ELEMENTWISE, buffers ?? b, i, floats)
    }
    // Relu of the operand into register 1, then register 1 + register 0 (never written).
    #expect(run(ints([[0, 11, 1, -1, 0], [1, 0, 0, 1, 0]]), [0, 0])
      == "fused_elementwise: step 1 reads register 0 before any step writes it")
    #expect(run(ints([[0, 11, 1, -1, 0]]), [])
      == "fused_elementwise: 0 floats; expected 2 (alpha and beta of each unary step)")
    #expect(run(ints([[0, 11, 1, -2, 0]]), [0, 0])
      == "fused_elementwise: int 25 (step a[0]) is -2; expected -1..1")
    var noSource = ints([])
    #expect(run(noSource, []) == "fused_elementwise: no source and no steps: nothing computes the result")
    noSource[7] = 3
    #expect(run(noSource, []) == "fused_elementwise: int 7 (src_channels) is 3; expected 0 (source is 0 (none))")
    var extra: [CallRef?] = [out.ref, scratch.ref] + [CallRef?](repeating: nil, count: 14)
    extra[10] = x.ref
    extra[11] = x.ref
    #expect(run(ints([[0, 11, 1, -1, 0]]), [0, 0], buffers: extra)
      == "fused_elementwise: buffer 11 (operand 1) is given, but operand_count is 1")
    // A good call: Relu of the operand.
    #expect(run(ints([[0, 11, 1, -1, 0]]), [0, 0]) == nil)
    #expect(out.values(Float.self) == [Float](repeating: 1, count: 6))
  }
}
