import QCCIR
import QCCKernels
import Testing

@testable import QCCOps

/// Plans of the float and data-movement ops (FloatPlans*.swift), run call by
/// call through `qcc_call_run`, against the op's own `evaluate`: every result
/// must have the same bytes.
@Suite struct FloatPlanTests {
  typealias Operand = OpsTest.Operand

  // MARK: - Views and copies

  @Test func viewsAliasTheirOperand() throws {
    let x = OpsTest.random([2, 3, 4])
    try PlanTest.check("Reshape", [.input(x), .constant(OpsTest.i64([4, -1]))], expectCalls: 0)
    try PlanTest.check("Flatten", [.input(x)], attributes: [("axis", .int(2))], expectCalls: 0)
    try PlanTest.check("Squeeze", [.input(OpsTest.random([2, 1, 4])), .constant(OpsTest.i64([1]))], expectCalls: 0)
    try PlanTest.check("Unsqueeze", [.input(x), .constant(OpsTest.i64([0, -1]))], expectCalls: 0)
    try PlanTest.check("Identity", [.input(OpsTest.iota([3], .i4))], expectCalls: 0)
  }

  @Test func transpose() throws {
    for type: ElementType in [.f32, .i8, .i64, .bool] {
      let x = OpsTest.iota([2, 3, 4, 5], type)
      try PlanTest.check("Transpose", [.input(x)], attributes: [("perm", .ints([2, 0, 3, 1]))])
    }
    try PlanTest.check("Transpose", [.input(OpsTest.random([4, 6]))])
    // Only unit axes move: the operand itself.
    try PlanTest.check(
      "Transpose", [.input(OpsTest.random([1, 5, 1]))], attributes: [("perm", .ints([2, 1, 0]))], expectCalls: 0)
    // Deeper than the kernel's rank limit after simplification: peeled into several calls, as evaluate peels.
    let deep = try PlanTest.plan("Transpose", [.input(OpsTest.iota([Int](repeating: 2, count: 9), .i16))]).0
    #expect(deep.calls.count == 2)
    try PlanTest.check("Transpose", [.input(OpsTest.iota([Int](repeating: 2, count: 9), .i16))])
    #expect(PlanTest.error("Transpose", [.input(OpsTest.iota([2, 2], .i4))]) != nil)
  }

  @Test func sliceWithNegativeSteps() throws {
    let x = OpsTest.random([4, 5, 6])
    // Backwards on axes 0 and 2, forwards with step 2 on axis 1.
    try PlanTest.check(
      "Slice",
      [.input(x), .constant(OpsTest.i64([3, 0, -1])), .constant(OpsTest.i64([0, 5, -10])),
       .constant(OpsTest.i64([0, 1, 2])), .constant(OpsTest.i64([-1, 2, -2]))])
    try PlanTest.check(
      "Slice", [.input(OpsTest.iota([7, 3], .u8)), .constant(OpsTest.i64([1])), .constant(OpsTest.i64([-1]))])
    // The whole tensor: no copy.
    try PlanTest.check(
      "Slice", [.input(x), .constant(OpsTest.i64([0])), .constant(OpsTest.i64([100]))], expectCalls: 0)
    #expect(
      PlanTest.error("Slice", [.input(x), .input(OpsTest.i64([0])), .constant(OpsTest.i64([2]))])?
        .contains("constant") == true)
  }

  @Test func concatOnAMiddleAxis() throws {
    let parts: [Operand] = [
      .input(OpsTest.random([2, 3, 4], seed: 1)), .input(OpsTest.random([2, 1, 4], seed: 2)),
      .constant(OpsTest.random([2, 2, 4], seed: 3)), .input(OpsTest.random([2, 0, 4], seed: 4)),
    ]
    try PlanTest.check("Concat", parts, attributes: [("axis", .int(1))])
    try PlanTest.check(
      "Concat", [.input(OpsTest.iota([3, 2], .i16)), .input(OpsTest.iota([3, 5], .i16))],
      attributes: [("axis", .int(-1))])
    try PlanTest.check("Concat", [.input(OpsTest.random([3]))], attributes: [("axis", .int(0))], expectCalls: 0)
  }

  @Test func split() throws {
    let x = OpsTest.random([2, 7, 3])
    try PlanTest.check(
      "Split", [.input(x), .constant(OpsTest.i64([1, 4, 2]))], attributes: [("axis", .int(1))], results: 3)
    try PlanTest.check(
      "Split", [.input(x)], attributes: [("axis", .int(1)), ("num_outputs", .int(3))], results: 3)
    try PlanTest.check("Split", [.input(OpsTest.iota([4, 2], .i32))], results: 2)
    try PlanTest.check(
      "Split", [.input(x), .constant(OpsTest.i64([0, 7]))], attributes: [("axis", .int(1))], results: 2)
  }

  @Test func expand() throws {
    try PlanTest.check("Expand", [.input(OpsTest.random([3, 1])), .constant(OpsTest.i64([2, 3, 4]))])
    try PlanTest.check("Expand", [.input(OpsTest.iota([1, 4], .bool)), .constant(OpsTest.i64([3, 1]))])
    try PlanTest.check("Expand", [.input(OpsTest.random([2, 3])), .constant(OpsTest.i64([1]))], expectCalls: 0)
  }

  @Test func einsumPermutation() throws {
    let x = OpsTest.random([2, 3, 4, 2, 2, 5])
    try PlanTest.check("Einsum", [.input(x)], attributes: [("equation", .string("nhwpqc->nchpwq"))])
    try PlanTest.check(
      "Einsum", [.input(OpsTest.random([3, 4]))], attributes: [("equation", .string("ij->ij"))], expectCalls: 0)
    let message = PlanTest.error(
      "Einsum", [.input(OpsTest.random([2, 3])), .input(OpsTest.random([3, 4]))],
      attributes: [("equation", .string("ij,jk->ik"))])
    #expect(message?.contains("single-operand permutation") == true)
    #expect(
      PlanTest.error("Einsum", [.input(OpsTest.random([3, 3]))], attributes: [("equation", .string("ii->i"))])?
        .contains("single-operand permutation") == true)
  }

  @Test(arguments: ["constant", "reflect", "edge", "wrap"])
  func padInEveryMode(mode: String) throws {
    let attributes: [(String, Attribute)] = [("mode", .string(mode))]
    let x = OpsTest.random([2, 3, 4, 5])
    // Every axis: grown on one side, cropped on the other (negative pads), wider than the axis (reflect and
    // wrap repeat), untouched.
    let pads = OpsTest.i64([0, 1, 2, 3, 1, -1, 5, 7])
    try PlanTest.check("Pad", [.input(x), .constant(pads)], attributes: attributes)
    // Every copy reads the operand, never the result it writes.
    let (plan, _) = try PlanTest.plan("Pad", [.input(x), .constant(pads)], attributes: attributes)
    #expect(plan.calls.filter { $0.kernel == .copy }.allSatisfy { $0.buffers[1]?.buffer == .operand(0) })
    // Element types of 1, 2 and 8 bytes.
    for type: ElementType in [.i8, .bool, .f16, .u16, .i64] {
      try PlanTest.check(
        "Pad", [.input(OpsTest.iota([3, 4], type)), .constant(OpsTest.i64([1, 2, 2, 1]))], attributes: attributes)
    }
    // Only the axes listed (opset 18), one of them negative.
    try PlanTest.check(
      "Pad", [.input(x), .constant(OpsTest.i64([2, 1, 1, 3])), .omitted, .constant(OpsTest.i64([-1, 1]))],
      attributes: attributes)
    // Cropping only: one copy, no fill, whatever the mode.
    try PlanTest.check(
      "Pad", [.input(x), .constant(OpsTest.i64([0, 0, -1, -2, 0, 0, 0, -1]))], attributes: attributes,
      expectCalls: 1)
    // Zero pads: the operand itself.
    try PlanTest.check(
      "Pad", [.input(x), .constant(OpsTest.i64([0, 0, 0, 0, 0, 0, 0, 0]))], attributes: attributes, expectCalls: 0)
  }

  @Test func padConstantValues() throws {
    let x = OpsTest.random([2, 3, 4])
    let pads = OpsTest.i64([1, 0, 2, 0, 3, 1])
    // Fill, interior copy.
    try PlanTest.check("Pad", [.input(x), .constant(pads)], expectCalls: 2)
    // The value as a run-time input and as a constant; an empty one means zero.
    try PlanTest.check("Pad", [.input(x), .constant(pads), .input(OpsTest.f32([], [-2.5]))])
    try PlanTest.check("Pad", [.input(x), .constant(pads), .constant(OpsTest.f32([1], [.infinity]))])
    try PlanTest.check("Pad", [.input(x), .constant(pads), .input(OpsTest.f32([0], []))])
    try PlanTest.check(
      "Pad", [.input(OpsTest.iota([5, 2], .i16)), .constant(OpsTest.i64([1, 1, 2, 3])),
              .input(TensorData(shape: [], scalars: [Int16(-7)]))])
    // Before opset 11: pads and value as attributes.
    try PlanTest.check("Pad", [.input(x)], attributes: [("pads", .ints([0, 1, 1, 0, 2, 2])), ("value", .float(0.75))])
    try PlanTest.check(
      "Pad", [.input(OpsTest.iota([3, 3], .u8))],
      attributes: [("pads", .ints([1, 1, 1, 1])), ("mode", .string("reflect"))])
    #expect(
      PlanTest.error("Pad", [.input(x), .input(pads)])?.contains("must be constants") == true)
  }

  @Test func gatherWithNegativeIndices() throws {
    let data = OpsTest.random([4, 3, 2])
    try PlanTest.check("Gather", [.input(data), .constant(OpsTest.i64([-1, 0, 2, -4]))])
    try PlanTest.check(
      "Gather", [.input(data), .input(TensorData(shape: [2, 2], scalars: [Int64(-3), 2, 0, -1]))],
      attributes: [("axis", .int(1))])
    try PlanTest.check(
      "Gather", [.input(OpsTest.iota([5, 3], .u8)), .input(TensorData(shape: [3], scalars: [Int32(4), -5, 1]))])
    try PlanTest.check(
      "Gather", [.input(data), .constant(TensorData(shape: [], scalars: [Int64(-2)]))], attributes: [("axis", .int(2))])
    #expect(
      PlanTest.error("Gather", [.input(data), .input(TensorData(shape: [1], scalars: [Int16(1)]))])?
        .contains("i16") == true)
    // Out of range at run time: the call fails.
    #expect(throws: (any Error).self) {
      try PlanTest.check("Gather", [.input(data), .input(OpsTest.i64([4]))], skipEvaluate: true)
    }
  }

  // MARK: - Elementwise

  static let shapePairs: [([Int], [Int])] = [
    ([2, 3, 4], [2, 3, 4]), ([2, 3, 4], [3, 1]), ([], [2, 3]), ([3, 1], [1, 4]), ([1, 4, 5, 5], [1, 1, 1, 5]),
    ([2, 1, 4], [2, 3, 1]), ([5], [1]), ([2, 0], [1]),
  ]

  @Test(arguments: ["Add", "Sub", "Mul", "Div", "Max", "Min"])
  func broadcastingArithmetic(op: String) throws {
    for (i, (sa, sb)) in Self.shapePairs.enumerated() {
      let a = OpsTest.random(sa, seed: UInt32(2 * i), scale: 3)
      let b = OpsTest.random(sb, seed: UInt32(2 * i + 1), scale: 3)
      try PlanTest.check(op, [.input(a), .input(b)])
      try PlanTest.check(op, [.constant(b), .input(a)])
    }
  }

  @Test func preluWithAPerChannelSlope() throws {
    let x = OpsTest.random([1, 3, 4, 5], seed: 40, scale: 3)
    try PlanTest.check("PRelu", [.input(x), .constant(OpsTest.random([3, 1, 1], seed: 41, scale: 1))])
    try PlanTest.check("PRelu", [.input(x), .input(OpsTest.random([5], seed: 42, scale: 1))])
  }

  @Test func variadicMaxAndMin() throws {
    let operands: [Operand] = [
      .input(OpsTest.random([3, 1], seed: 1)), .input(OpsTest.random([1, 4], seed: 2)),
      .input(PlanTest.special([2, 3, 4])), .constant(OpsTest.random([4], seed: 3)),
    ]
    try PlanTest.check("Max", operands)
    try PlanTest.check("Min", operands)
    try PlanTest.check("Max", [.input(OpsTest.random([3]))], expectCalls: 0)
    #expect(
      PlanTest.error("Add", [.input(OpsTest.iota([2], .f64)), .input(OpsTest.iota([2], .f64))])?.contains("f64")
        == true)
  }

  @Test func pow() throws {
    let x = PlanTest.special([6, 7])
    let positive = OpsTest.random([6, 7], seed: 9, scale: 2)
    for e: Float in [2, 3, 0.5, -1, 0, 1, 1.7, -2.5, .nan] {
      try PlanTest.check("Pow", [.input(x), .constant(TensorData(shape: [], scalars: [e]))])
      try PlanTest.check("Pow", [.input(positive), .constant(TensorData(shape: [1], scalars: [e]))])
    }
    try PlanTest.check("Pow", [.input(positive), .constant(TensorData(shape: [], scalars: [Int64(3)]))])
    // Broadcast and tensor exponents.
    try PlanTest.check("Pow", [.input(positive), .input(OpsTest.random([7], seed: 4, scale: 3))])
    try PlanTest.check("Pow", [.input(OpsTest.random([7], seed: 5)), .input(OpsTest.random([6, 7], seed: 4))])
    try PlanTest.check("Pow", [.input(positive), .constant(OpsTest.i64([1, 2, 3, 0, -1, 2, 5]))])
    let intExponents = TensorData(shape: [6, 1], scalars: [Int32(1), 2, 3, 0, -1, 4])
    try PlanTest.check("Pow", [.input(positive), .input(intExponents)])
    #expect(
      PlanTest.error("Pow", [.input(x), .input(TensorData(shape: [], scalars: [Float(2)]))])?.contains("constant")
        == true)
  }

  static let unaryOps: [(String, [(String, Attribute)])] = [
    ("Neg", []), ("Abs", []), ("Sqrt", []), ("Reciprocal", []), ("Exp", []), ("Log", []), ("Erf", []),
    ("Tanh", []), ("Sigmoid", []), ("Softplus", []), ("Relu", []), ("LeakyRelu", []),
    ("LeakyRelu", [("alpha", .float(0.2))]), ("Gelu", []), ("Gelu", [("approximate", .string("tanh"))]),
    ("Sin", []), ("Cos", []), ("Floor", []), ("Ceil", []), ("Round", []), ("Sign", []), ("HardSigmoid", []),
    ("HardSigmoid", [("alpha", .float(0.3)), ("beta", .float(0.4))]), ("HardSwish", []), ("Elu", []),
    ("Elu", [("alpha", .float(0.5))]), ("Selu", []), ("Celu", []), ("ThresholdedRelu", []), ("Shrink", []),
    ("Softsign", []), ("Tan", []), ("Atan", []), ("Sinh", []),
  ]

  @Test func unary() throws {
    let x = PlanTest.special([5, 11])
    for (op, attributes) in Self.unaryOps {
      try PlanTest.check(op, [.input(x)], attributes: attributes)
    }
    #expect(PlanTest.error("Gelu", [.input(x)], attributes: [("approximate", .string("fast"))]) != nil)
    #expect(PlanTest.error("Exp", [.input(OpsTest.iota([3], .f16))])?.contains("f16") == true)
  }

  @Test func clip() throws {
    let x = PlanTest.special([4, 6])
    let lo = TensorData(scalar: Float(-0.5)), hi = TensorData(scalar: Float(0.75))
    try PlanTest.check("Clip", [.input(x), .constant(lo)])
    try PlanTest.check("Clip", [.input(x), .omitted, .constant(hi)])
    try PlanTest.check("Clip", [.input(x), .constant(lo), .constant(hi)])
    try PlanTest.check("Clip", [.input(x), .constant(hi), .constant(lo)])
    try PlanTest.check("Clip", [.input(x)])
    #expect(PlanTest.error("Clip", [.input(x), .input(lo)])?.contains("constant") == true)
  }

  @Test func isNaNWhereAndLogic() throws {
    try PlanTest.check("IsNaN", [.input(PlanTest.special([3, 5]))])
    let condition = OpsTest.iota([3, 1], .bool)
    try PlanTest.check(
      "Where", [.input(condition), .input(OpsTest.random([1, 4], seed: 1)), .input(OpsTest.random([], seed: 2))])
    try PlanTest.check(
      "Where",
      [.input(OpsTest.iota([2, 3, 4], .bool)), .input(OpsTest.iota([4], .i64)), .constant(OpsTest.iota([3, 1], .i64))])
    try PlanTest.check(
      "Where", [.input(OpsTest.iota([5], .bool)), .input(OpsTest.iota([5], .u8)), .input(OpsTest.iota([5], .u8))])
    for op in ["And", "Or", "Xor"] {
      try PlanTest.check(op, [.input(OpsTest.iota([2, 3, 1], .bool)), .input(PlanTest.bools([4], seed: 3))])
      try PlanTest.check(op, [.input(PlanTest.bools([3, 4], seed: 1)), .input(PlanTest.bools([3, 4], seed: 2))])
    }
  }

  @Test func cast() throws {
    let x = TensorData(
      shape: [12], scalars: [Float(0), -0.0, 1.5, -1.5, 2.5, -7.9, 127.6, 300.2, -129.7, 70000, .nan, .infinity])
    for target: ElementType in [.i8, .u8, .i16, .u16, .i32, .u32, .i64, .u64, .bool, .f32] {
      try PlanTest.check("Cast", [.input(x)], attributes: [("to", .string(target.rawValue))])
    }
    let ints = TensorData(shape: [6], scalars: [Int64(0), -1, 1 << 40, Int64.max, Int64.min, 16_777_217])
    for target: ElementType in [.f32, .i8, .u32, .bool] {
      try PlanTest.check("Cast", [.input(ints)], attributes: [("to", .string(target.rawValue))])
    }
    try PlanTest.check("Cast", [.input(OpsTest.iota([5], .bool))], attributes: [("to", .string("f32"))])
    try PlanTest.check("Cast", [.input(OpsTest.iota([5], .u8))], attributes: [("to", .string("i32"))])
    #expect(PlanTest.error("Cast", [.input(x)], attributes: [("to", .string("f16"))])?.contains("f16") == true)
  }

  // MARK: - Network ops

  @Test func softmaxOverAMiddleAxis() throws {
    let x = OpsTest.random([2, 5, 3], scale: 4)
    for op in ["Softmax", "LogSoftmax", "Hardmax"] {
      try PlanTest.check(op, [.input(x)], attributes: [("axis", .int(1))])
      try PlanTest.check(op, [.input(x)])
    }
  }

  @Test func normalization() throws {
    let x = OpsTest.random([2, 3, 8], scale: 3)
    let scale = OpsTest.random([8], seed: 2), bias = OpsTest.random([8], seed: 3)
    try PlanTest.check("LayerNormalization", [.input(x), .constant(scale), .constant(bias)], results: 3)
    try PlanTest.check("LayerNormalization", [.input(x), .input(scale)], attributes: [("epsilon", .float(1e-3))])
    // Normalizing [3, 8], with a scale that broadcasts.
    try PlanTest.check(
      "LayerNormalization",
      [.input(x), .constant(OpsTest.random([1, 8], seed: 4)), .constant(OpsTest.random([1], seed: 5))],
      attributes: [("axis", .int(1))], results: 2)
    try PlanTest.check("RMSNormalization", [.input(x), .constant(scale)])
    try PlanTest.check(
      "RMSNormalization", [.input(x), .input(OpsTest.random([8], seed: 6))], attributes: [("axis", .int(-2))])
  }

  @Test func reductions() throws {
    let x = OpsTest.random([3, 4, 5, 2], scale: 2)
    for op in ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"] {
      // Two axes that are not one block: moved last through scratch.
      try PlanTest.check(op, [.input(x), .constant(OpsTest.i64([0, 2]))], attributes: [("keepdims", .int(0))])
      try PlanTest.check(op, [.input(x), .constant(OpsTest.i64([1, -2]))])
      try PlanTest.check(op, [.input(x)])
    }
    try PlanTest.check("ReduceSum", [.input(x), .constant(OpsTest.i64([3, 1]))], attributes: [("keepdims", .int(0))])
    try PlanTest.check(
      "ReduceSum", [.input(x), .constant(TensorData(shape: [0], scalars: [Int64]()))],
      attributes: [("noop_with_empty_axes", .int(1))], expectCalls: 0)
    #expect(PlanTest.error("ReduceSum", [.input(x), .input(OpsTest.i64([1]))])?.contains("constant") == true)
  }

  @Test func pools() throws {
    let x = OpsTest.random([2, 3, 7, 6], scale: 3)
    let padded: [(String, Attribute)] = [("kernel_shape", .ints([3, 2])), ("strides", .ints([2, 1])), ("pads", .ints([1, 0, 1, 1]))]
    try PlanTest.check("MaxPool", [.input(x)], attributes: padded)
    try PlanTest.check("MaxPool", [.input(x)], attributes: padded + [("dilations", .ints([2, 1])), ("ceil_mode", .int(1))])
    // The Indices result, row-major and column-major.
    try PlanTest.check("MaxPool", [.input(x)], attributes: padded, results: 2)
    try PlanTest.check("MaxPool", [.input(x)], attributes: padded + [("storage_order", .int(1))], results: 2)
    try PlanTest.check("AveragePool", [.input(x)], attributes: padded)
    try PlanTest.check("AveragePool", [.input(x)], attributes: padded + [("count_include_pad", .int(1))])
    try PlanTest.check("AveragePool", [.input(OpsTest.random([1, 2, 9]))], attributes: [("kernel_shape", .ints([4]))])
    try PlanTest.check("MaxPool", [.input(OpsTest.random([1, 2, 3, 4, 5]))], attributes: [("kernel_shape", .ints([2, 2, 2]))])
    try PlanTest.check("GlobalAveragePool", [.input(x)])
    try PlanTest.check("GlobalMaxPool", [.input(x)])
  }

  @Test func batchNormalizationInInferenceMode() throws {
    let x = OpsTest.random([2, 3, 4, 5], scale: 3)
    let params: [OpsTest.Operand] = [
      .constant(OpsTest.f32([3], [0.5, -1.25, 2])), .constant(OpsTest.f32([3], [0.1, 0, -3])),
      .constant(OpsTest.f32([3], [1, -0.5, 0.25])), .constant(OpsTest.f32([3], [0.04, 2, 9])),
    ]
    try PlanTest.check("BatchNormalization", [.input(x)] + params, attributes: [("epsilon", .float(1e-3))])
    try PlanTest.check("BatchNormalization", [.input(OpsTest.random([4, 3]))] + params)
    #expect(PlanTest.error("BatchNormalization", [.input(x)] + params, attributes: [("training_mode", .int(1))])?
      .contains("training mode") == true)
    #expect(PlanTest.error("BatchNormalization", [.input(x), .input(OpsTest.f32([3], [1, 1, 1]))] + params.dropFirst())?
      .contains("must be a constant") == true)
  }

  @Test func matMul() throws {
    // Batched, with the left operand broadcast over the right's batch.
    try PlanTest.check(
      "MatMul", [.input(OpsTest.random([2, 1, 3, 4], seed: 1)), .input(OpsTest.random([5, 4, 6], seed: 2))])
    try PlanTest.check("MatMul", [.input(OpsTest.random([3, 4], seed: 1)), .input(OpsTest.random([2, 4, 5], seed: 2))])
    // A weight without batch dims: one GEMM, which evaluate runs pre-packed from its second run.
    let weight = OpsTest.random([300, 37], seed: 3)
    try PlanTest.check(
      "MatMul", [.input(OpsTest.random([2, 9, 300], seed: 4)), .constant(weight)], evaluateTwice: true)
    try PlanTest.check(
      "MatMul", [.input(OpsTest.random([1, 70], seed: 5)), .constant(OpsTest.random([70, 40], seed: 6))])
    try PlanTest.check("MatMul", [.input(OpsTest.random([7], seed: 5)), .input(OpsTest.random([7], seed: 6))])
    try PlanTest.check("MatMul", [.input(OpsTest.random([4, 7], seed: 5)), .input(OpsTest.random([7], seed: 6))])
    try PlanTest.check("MatMul", [.input(OpsTest.random([2, 3, 0], seed: 5)), .input(OpsTest.random([0, 4], seed: 6))])
  }

  @Test func convTranspose() throws {
    let x = OpsTest.random([2, 4, 5, 6], seed: 1), w = OpsTest.random([4, 3, 3, 2], seed: 2)
    let bias: OpsTest.Operand = .constant(OpsTest.random([6], seed: 3))
    let geometry: [(String, Attribute)] = [
      ("group", .int(2)), ("strides", .ints([2, 3])), ("pads", .ints([1, 0, 2, 1])),
      ("output_padding", .ints([1, 2])), ("dilations", .ints([2, 1])),
    ]
    // With a bias and without, grouped, strided, padded, dilated, with output padding.
    try PlanTest.check("ConvTranspose", [.input(x), .constant(w), bias], attributes: geometry, expectCalls: 1)
    try PlanTest.check("ConvTranspose", [.input(x), .input(w)], attributes: geometry)
    try PlanTest.check(
      "ConvTranspose", [.input(x), .constant(OpsTest.random([4, 5, 3, 3], seed: 4)), .omitted],
      attributes: [("strides", .ints([2, 2]))])
    // output_shape and auto_pad pick the sizes and begin pads.
    let w1 = OpsTest.random([4, 2, 3, 3], seed: 5)
    try PlanTest.check(
      "ConvTranspose", [.input(x), .constant(w1)], attributes: [("strides", .ints([2, 2])), ("output_shape", .ints([10, 13]))])
    try PlanTest.check(
      "ConvTranspose", [.input(x), .constant(w1)],
      attributes: [("strides", .ints([2, 2])), ("auto_pad", .string("SAME_UPPER"))])
    try PlanTest.check(
      "ConvTranspose", [.input(x), .constant(w1)],
      attributes: [("strides", .ints([3, 1])), ("auto_pad", .string("SAME_LOWER"))])
    // 1 and 3 spatial dims; a GEMM K of 300 channels (several K blocks).
    try PlanTest.check(
      "ConvTranspose", [.input(OpsTest.random([3, 2, 7], seed: 6)), .constant(OpsTest.random([2, 3, 4], seed: 7)),
                        .constant(OpsTest.random([3], seed: 8))], attributes: [("strides", .ints([3]))])
    try PlanTest.check(
      "ConvTranspose", [.input(OpsTest.random([1, 2, 3, 4, 2], seed: 9)), .constant(OpsTest.random([2, 2, 2, 3, 2], seed: 10))],
      attributes: [("strides", .ints([1, 2, 2])), ("pads", .ints([0, 1, 0, 1, 0, 1]))])
    try PlanTest.check(
      "ConvTranspose", [.input(OpsTest.random([1, 300, 3, 3], seed: 11)), .constant(OpsTest.random([300, 4, 2, 2], seed: 12))])
    // Special values propagate as evaluate propagates them.
    try PlanTest.check("ConvTranspose", [.input(PlanTest.special([1, 4, 5, 6])), .constant(w), bias], attributes: geometry)
    func half(_ t: TensorData) -> TensorData { TensorData(converting: t.doubles(), to: .f16, shape: t.shape) }
    #expect(
      PlanTest.error("ConvTranspose", [.input(half(OpsTest.random([1, 4, 5, 6]))), .constant(half(w))])?
        .contains("f16") == true)
  }

  @Test func everyRequiredOpHasAPlan() {
    let ops = [
      "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Transpose", "Slice", "Concat", "Split", "Expand",
      "Einsum", "Gather", "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Neg", "Abs", "Sqrt", "Reciprocal", "Exp",
      "Log", "Erf", "Tanh", "Sigmoid", "Softplus", "Relu", "LeakyRelu", "Gelu", "Sin", "Cos", "Floor", "Ceil",
      "Round", "Sign", "HardSigmoid", "HardSwish", "Elu", "Clip", "IsNaN", "Where", "And", "Or", "Xor", "Cast",
      "Softmax", "LogSoftmax", "LayerNormalization", "RMSNormalization", "ReduceSum", "ReduceMean", "ReduceMax",
      "ReduceMin", "MatMul", "Pad", "ConvTranspose",
    ]
    for op in ops { #expect(OpPlans.plan(for: op) != nil, "\(op)") }
  }
}

/// Runs op plans through `qcc_call_run` and compares them with `evaluate`.
enum PlanTest {
  struct CallFailed: Error, CustomStringConvertible {
    var description: String
  }

  /// A one-node graph of `op`, the context its plan sees, and its inferred result types.
  static func context(
    _ op: String, _ operands: [OpsTest.Operand], attributes: [(String, Attribute)], results: Int
  ) throws(OpError) -> PlanContext {
    let (g, id) = OpsTest.oneNodeGraph(op, operands, attributes: attributes, results: results)
    let node = g[id]
    let types = try OpRegistry.standard.inferTypes(of: node, in: g)
    let inference = InferenceContext(
      node: node, inputTypes: operands.map { $0.data?.type },
      inputValues: operands.map { o -> TensorData? in
        if case .constant(let t) = o { return t }
        return nil
      })
    return PlanContext(inference: inference, resultTypes: types)
  }

  /// The plan of `op` on `operands`.
  static func plan(
    _ op: String, _ operands: [OpsTest.Operand], attributes: [(String, Attribute)] = [], results: Int = 1
  ) throws(OpError) -> (KernelPlan, PlanContext) {
    let c = try context(op, operands, attributes: attributes, results: results)
    guard let function = OpPlans.plan(for: op) else { throw OpError("no plan for \(op)") }
    return (try function(c), c)
  }

  /// The message of the OpError planning `op` throws, or nil when it plans.
  static func error(
    _ op: String, _ operands: [OpsTest.Operand], attributes: [(String, Attribute)] = [], results: Int = 1
  ) -> String? {
    do {
      _ = try plan(op, operands, attributes: attributes, results: results)
      return nil
    } catch {
      return error.message
    }
  }

  /// Plans `op`, runs the plan, and expects every result to have the bytes
  /// `evaluate` gives (evaluated twice when `evaluateTwice`, so that cached
  /// packed weights are used the second time).
  static func check(
    _ op: String, _ operands: [OpsTest.Operand], attributes: [(String, Attribute)] = [], results: Int = 1,
    expectCalls: Int? = nil, evaluateTwice: Bool = false, skipEvaluate: Bool = false,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let (plan, c) = try plan(op, operands, attributes: attributes, results: results)
    if let expectCalls {
      #expect(plan.calls.count == expectCalls, "\(op): \(plan.calls.count) calls", sourceLocation: sourceLocation)
    }
    let got = try run(plan, c, operands.map(\.data))
    if skipEvaluate { return }
    var runs = [try OpsTest.run(op, operands, attributes: attributes, results: results)]
    if evaluateTwice { runs.append(try OpsTest.run(op, operands, attributes: attributes, results: results)) }
    for expected in runs {
      #expect(expected.count == got.count, "\(op): result counts differ", sourceLocation: sourceLocation)
      for (j, (e, g)) in zip(expected, got).enumerated() {
        let same = e.isIdentical(to: g)
        #expect(
          same, "\(op) \(attributes.map(\.0)) result \(j): planned \(describe(g)) vs evaluated \(describe(e))",
          sourceLocation: sourceLocation)
      }
    }
  }

  static func describe(_ t: TensorData) -> String {
    let values = t.elementType.bitWidth >= 8 ? t.doubles().prefix(12).map { "\($0)" }.joined(separator: ", ") : "…"
    return "\(t.elementType)\(t.shape) [\(values)]"
  }

  /// A 64-byte aligned buffer of at least one byte, filled with `fill`.
  final class Buffer {
    let pointer: UnsafeMutableRawPointer
    let count: Int
    init(bytes: Int, fill: UInt8 = 0xA5) {
      count = bytes
      pointer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 64)
      pointer.initializeMemory(as: UInt8.self, repeating: fill, count: max(bytes, 1))
    }
    convenience init(_ data: TensorData) {
      self.init(bytes: data.byteCount)
      if data.byteCount > 0 { pointer.copyMemory(from: data.bytes.baseAddress!, byteCount: data.byteCount) }
    }
    deinit { pointer.deallocate() }
  }

  /// Runs `plan`'s calls on copies of `operands` (checking each call with
  /// `qcc_call_check` against its buffers' extents first) and returns the
  /// results, aliases included.
  static func run(_ plan: KernelPlan, _ c: PlanContext, _ operands: [TensorData?]) throws -> [TensorData] {
    let inputs = operands.map { $0.map(Buffer.init) }
    let results = c.resultTypes.enumerated().map { (j, t) -> Buffer? in
      plan.aliases[j] == nil ? Buffer(bytes: t.elementType.byteCount(forElements: t.shape.elementCount!)) : nil
    }
    let scratch = plan.scratchBytes.map { Buffer(bytes: $0) }
    for (index, call) in plan.calls.enumerated() {
      var constants: [Buffer] = []
      var pointers: [UnsafeMutableRawPointer?] = []
      var infos: [qcc_buffer_info] = []
      for slot in call.buffers {
        guard let slot else {
          pointers.append(nil)
          infos.append(qcc_buffer_info(before: 0, after: 0, flags: 0))
          continue
        }
        let buffer: Buffer
        var flags = Int32(QCC_BUFFER_PRESENT)
        switch slot.buffer {
        case .operand(let i):
          guard let b = inputs[i] else { throw CallFailed(description: "call \(index) reads absent operand \(i)") }
          buffer = b
        case .result(let j):
          guard let b = results[j] else { throw CallFailed(description: "call \(index) writes alias result \(j)") }
          buffer = b
          flags |= Int32(QCC_BUFFER_WRITABLE)
        case .scratch(let s):
          buffer = scratch[s]
          flags |= Int32(QCC_BUFFER_WRITABLE)
        case .constant(let data):
          buffer = Buffer(data)
          constants.append(buffer)
          flags |= Int32(QCC_BUFFER_CONSTANT)
        }
        pointers.append(buffer.pointer + slot.byteOffset)
        infos.append(
          qcc_buffer_info(before: Int64(slot.byteOffset), after: Int64(buffer.count - slot.byteOffset), flags: flags))
      }
      var message = [CChar](repeating: 0, count: 512)
      let status = pointers.withUnsafeBufferPointer { p in
        call.ints.withUnsafeBufferPointer { ints in
          call.floats.withUnsafeBufferPointer { floats in
            var raw = qcc_call(
              kernel: call.kernel.rawValue, buffer_count: Int32(p.count), int_count: Int32(ints.count),
              float_count: Int32(floats.count), buffers: p.baseAddress, ints: ints.baseAddress,
              floats: floats.baseAddress)
            if qcc_call_check(&raw, infos, &message, message.count) != 0 { return Int32(-2) }
            return qcc_call_run(&raw, &message, message.count)
          }
        }
      }
      withExtendedLifetime(constants) {}
      if status != 0 {
        let text = String(cString: message)
        throw CallFailed(description: "call \(index) (\(call.kernel)) \(status == -2 ? "check" : "run"): \(text)")
      }
    }
    return try c.resultTypes.enumerated().map { (j, t) -> TensorData in
      let shape = t.shape.staticSizes!
      let buffer: Buffer
      var offset = 0
      if let alias = plan.aliases[j] {
        guard case .operand(let i) = alias.buffer, let b = inputs[i] else {
          throw CallFailed(description: "result \(j) aliases \(alias)")
        }
        buffer = b
        offset = alias.byteOffset
      } else {
        buffer = results[j]!
      }
      let bytes = t.elementType.byteCount(forElements: shape.reduce(1, *))
      return TensorData(
        elementType: t.elementType, shape: shape,
        copying: UnsafeRawBufferPointer(start: buffer.pointer + offset, count: bytes))
    }
  }

  /// f32 test data with the special values (±0, ±inf, NaN, tiny and huge) among random ones.
  static func special(_ shape: [Int]) -> TensorData {
    var v = OpsTest.random(shape, seed: 77, scale: 4).scalars(as: Float.self)
    let specials: [Float] = [
      0, -0.0, .infinity, -.infinity, .nan, 1e-30, -1e-30, 88.5, -88.5, 1e30, -3, 0.5, -0.5, 6, -6, 1, -1,
    ]
    for (i, s) in specials.enumerated() where i * 3 < v.count { v[i * 3] = s }
    return TensorData(shape: shape, scalars: v)
  }

  /// Pseudo-random bools.
  static func bools(_ shape: [Int], seed: UInt32) -> TensorData {
    let v = OpsTest.random(shape, seed: seed).scalars(as: Float.self)
    return TensorData(shape: shape, scalars: v.map { $0 > 0 })
  }
}
