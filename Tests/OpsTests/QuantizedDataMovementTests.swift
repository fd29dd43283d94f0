import QCCIR
import Testing

@testable import QCCOps

/// Data movement of quantized values: per-tensor quantized elements pass
/// through (the stored integers move exactly as plain integers would),
/// per-channel ones and moved 4-bit values are errors.
@Suite struct QuantizedDataMovementTests {
  static let element = Q.tensor(.i8, 0.05, -3)

  /// One data-movement case: the op, its extra operands (constants) and attributes.
  struct Case: CustomStringConvertible, Sendable {
    var op: String
    var shape: [Int]
    var extra: [TensorData] = []
    var attributes: [(String, Attribute)] = []
    var results = 1
    var description: String { op }
  }

  static let cases: [Case] = [
    Case(op: "Identity", shape: [2, 3]),
    Case(op: "Reshape", shape: [2, 3, 4], extra: [OpsTest.i64([4, -1])]),
    Case(op: "Flatten", shape: [2, 3, 4], attributes: [("axis", .int(2))]),
    Case(op: "Squeeze", shape: [2, 1, 3], extra: [OpsTest.i64([1])]),
    Case(op: "Unsqueeze", shape: [2, 3], extra: [OpsTest.i64([0, 3])]),
    Case(op: "Transpose", shape: [2, 3, 4], attributes: [("perm", .ints([2, 0, 1]))]),
    Case(op: "Slice", shape: [4, 6], extra: [OpsTest.i64([1, 5]), OpsTest.i64([4, 0]), OpsTest.i64([0, 1]), OpsTest.i64([2, -2])]),
    Case(op: "Split", shape: [2, 6], extra: [OpsTest.i64([2, 4])], attributes: [("axis", .int(1))], results: 2),
    Case(op: "Gather", shape: [5, 3], extra: [OpsTest.i64([4, 0, -1, 2])], attributes: [("axis", .int(0))]),
    Case(op: "Expand", shape: [3, 1], extra: [OpsTest.i64([2, 3, 4])]),
    Case(op: "Concat", shape: [2, 3], attributes: [("axis", .int(1))]),
  ]

  @Test(arguments: cases)
  func perTensorValuesMoveLikeTheirIntegers(_ c: Case) throws {
    let x = Q.ints(.i8, c.shape, Q.random(c.shape.reduce(1, *), in: -128...127, seed: 21))
    let second = Q.ints(.i8, c.shape, Q.random(c.shape.reduce(1, *), in: -128...127, seed: 22))
    // The quantized node, and the same op on plain integers as the reference.
    var quantized = QuantizedNode(), plain = QuantizedNode()
    quantized.input(x, Self.element)
    plain.input(x)
    if c.op == "Concat" {
      quantized.input(second, Self.element)
      plain.input(second)
    }
    for e in c.extra {
      quantized.constant(e)
      plain.constant(e)
    }
    let types = try quantized.infer(c.op, attributes: c.attributes, results: c.results)
    #expect(types.allSatisfy { $0.element == Self.element }, "\(c.op): \(types.map(Printer.spell))")
    let got = try quantized.run(c.op, attributes: c.attributes, results: c.results)
    let want = try plain.run(c.op, attributes: c.attributes, results: c.results)
    for (g, w) in zip(got, want) { #expect(g.isIdentical(to: w), "\(c.op)") }
  }

  @Test(arguments: cases)
  func perChannelValuesAreRejected(_ c: Case) {
    var node = QuantizedNode()
    let axis = c.shape.count - 1
    node.parameter("s", OpsTest.f32([c.shape[axis]], [Float](repeating: 0.1, count: c.shape[axis])))
    node.parameter("z", Q.ints(.i32, [c.shape[axis]], [Int64](repeating: 0, count: c.shape[axis])))
    let element = Q.axis(.i8, axis, "s", "z")
    let x = Q.ints(.i8, c.shape, [Int64](repeating: 1, count: c.shape.reduce(1, *)))
    node.constant(x, element)
    if c.op == "Concat" { node.constant(x, element) }
    for e in c.extra { node.constant(e) }
    #expect(
      node.error(c.op, attributes: c.attributes, results: c.results)
        == "per-channel quantized values cannot be moved by \(c.op): fold the data movement into the constant before quantizing")
  }

  @Test func concatNeedsOneQuantization() {
    let x = Q.ints(.i8, [2, 2], [1, 2, 3, 4])
    var node = QuantizedNode()
    node.input(x, Self.element)
    node.input(x, Q.tensor(.i8, 0.05, -2))
    let message = node.error("Concat", attributes: [("axis", .int(0))]) ?? ""
    #expect(message.hasSuffix("concatenated quantized values must share one quantization"), "\(message)")
    // A plain operand next to a quantized one is an error too.
    var mixed = QuantizedNode()
    mixed.input(x, Self.element)
    mixed.input(x)
    #expect(mixed.error("Concat", attributes: [("axis", .int(0))])?.contains("share one quantization") == true)
  }

  @Test func fourBitValuesAreNotMoved() throws {
    let x = Q.ints(.i4, [2, 3], [1, -2, 3, -4, 5, -6])
    var node = QuantizedNode()
    node.input(x, Q.tensor(.i4, 0.5, 0))
    #expect(
      node.error("Transpose")
        == "Transpose cannot move i4 quantized values (two to a byte); "
        + "only views (Reshape, Flatten, Squeeze, Unsqueeze, Identity) keep them whole")
    // A reshape keeps every byte: allowed.
    var reshape = QuantizedNode()
    reshape.input(x, Q.tensor(.i4, 0.5, 0))
    reshape.constant(OpsTest.i64([3, 2]))
    let y = try reshape.run("Reshape")[0]
    #expect(y.shape == [3, 2] && y.doubles() == [1, -2, 3, -4, 5, -6])
  }
}
