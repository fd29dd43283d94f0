import QCCIR
import QCCKernels
import Testing

@testable import QCCOps

/// Plans of Dropout, the comparisons, Not, IsInf, ArgMax / ArgMin, CumSum,
/// Tile and Trilu, run call by call through `qcc_call_run` (after
/// `qcc_call_check`) against the ops' own `evaluate`: every result must have
/// the same bytes, NaNs, signed zeros, ties and wrapping included.
@Suite struct MorePlanTests {
  typealias Operand = OpsTest.Operand

  /// Test data of `type`: small whole numbers (so that equal elements are common) with, for floats,
  /// the special values of `PlanTest.special` (NaN, ±inf, ±0) among them.
  static func data(_ shape: [Int], _ type: ElementType, seed: UInt32) -> TensorData {
    let v = OpsTest.random(shape, seed: seed, scale: 4).scalars(as: Float.self).map { $0.rounded() }
    switch type {
    case .f32:
      var s = PlanTest.special(shape).scalars(as: Float.self)
      for i in s.indices where i % 3 != 0 { s[i] = v[i] }
      return TensorData(shape: shape, scalars: s)
    case .f64:
      return TensorData(converting: data(shape, .f32, seed: seed).doubles(), to: .f64, shape: shape)
    case .u64:
      // Values above 2^63 compare as unsigned.
      return TensorData(shape: shape, scalars: v.map { UInt64(bitPattern: Int64($0)) })
    default:
      // Negative values wrap for the unsigned types: large and small values mixed.
      return TensorData(converting: v.map { Int64($0) }, to: type, shape: shape)
    }
  }

  // MARK: - Dropout

  @Test func dropoutInInferenceIsItsOperand() throws {
    let x = PlanTest.special([3, 5])
    try PlanTest.check("Dropout", [.input(x)], expectCalls: 0)
    // The mask is all true: one FILL.
    try PlanTest.check("Dropout", [.input(x)], results: 2, expectCalls: 1)
    let no = TensorData(scalar: false), yes = TensorData(scalar: true)
    try PlanTest.check(
      "Dropout", [.input(x), .constant(TensorData(scalar: Float(0.3))), .constant(no)], results: 2, expectCalls: 1)
    try PlanTest.check("Dropout", [.input(x), .input(TensorData(scalar: Float(0.3))), .constant(no)], expectCalls: 0)
    // Training with a ratio of 0 keeps everything, as evaluate does.
    try PlanTest.check("Dropout", [.input(x), .constant(TensorData(scalar: Float(0))), .constant(yes)], results: 2)
    try PlanTest.check("Dropout", [.input(TensorData(converting: x.doubles(), to: .f16, shape: [3, 5]))], expectCalls: 0)
    try PlanTest.check("Dropout", [.input(OpsTest.random([2, 0]))], results: 2, expectCalls: 0)
    #expect(
      PlanTest.error("Dropout", [.input(x), .constant(TensorData(scalar: Float(0.3))), .constant(yes)])
        == "Dropout: training mode cannot be compiled (it draws a random mask); export the model in eval mode")
    #expect(
      PlanTest.error("Dropout", [.input(x), .omitted, .input(no)])
        == "Dropout: training_mode must be a constant to compile")
  }

  // MARK: - Comparisons, Not, IsInf

  static let comparable: [ElementType] = [.f32, .f64, .i8, .u8, .i16, .u16, .i32, .u32, .i64, .u64]

  @Test(arguments: ["Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual"])
  func comparison(op: String) throws {
    for type in Self.comparable {
      for (i, (sa, sb)) in FloatPlanTests.shapePairs.enumerated() {
        let a = Self.data(sa, type, seed: UInt32(2 * i)), b = Self.data(sb, type, seed: UInt32(2 * i + 1))
        try PlanTest.check(op, [.input(a), .input(b)])
        try PlanTest.check(op, [.constant(b), .input(a)])
      }
      // Each operand against itself: NaN is the only element not equal to itself.
      let x = Self.data([4, 6], type, seed: 9)
      try PlanTest.check(op, [.input(x), .input(x)])
    }
    let f16 = TensorData(converting: [1.0, 2.0] as [Double], to: .f16, shape: [2])
    #expect(
      PlanTest.error(op, [.input(f16), .input(f16)])
        == "\(op): f16 tensors cannot be compiled (COMPARE takes f32, f64, i8…u64 and bool)")
  }

  @Test func equalOnBools() throws {
    try PlanTest.check("Equal", [.input(PlanTest.bools([3, 4], seed: 1)), .input(PlanTest.bools([4], seed: 2))])
    try PlanTest.check("Equal", [.input(PlanTest.bools([2, 1, 3], seed: 3)), .input(PlanTest.bools([5, 1], seed: 4))])
  }

  @Test func not() throws {
    try PlanTest.check("Not", [.input(PlanTest.bools([3, 7], seed: 5))], expectCalls: 1)
    try PlanTest.check("Not", [.input(PlanTest.bools([], seed: 6))])
    try PlanTest.check("Not", [.input(PlanTest.bools([2, 0], seed: 6))], expectCalls: 0)
  }

  @Test func isInf() throws {
    let x = PlanTest.special([6, 5])
    let d = TensorData(converting: x.doubles(), to: .f64, shape: [6, 5])
    for negative: Int64 in [0, 1] {
      for positive: Int64 in [0, 1] {
        let attributes: [(String, Attribute)] = [("detect_negative", .int(negative)), ("detect_positive", .int(positive))]
        try PlanTest.check("IsInf", [.input(x)], attributes: attributes)
        try PlanTest.check("IsInf", [.input(d)], attributes: attributes)
      }
    }
    try PlanTest.check("IsInf", [.input(x)], expectCalls: 3)
    #expect(
      PlanTest.error("IsInf", [.input(TensorData(converting: [1.0] as [Double], to: .bf16, shape: [1]))])
        == "IsInf: bf16 tensors cannot be compiled (COMPARE takes f32, f64, i8…u64 and bool)")
  }

  // MARK: - ArgMax, ArgMin, CumSum

  @Test(arguments: ["ArgMax", "ArgMin"])
  func argReduce(op: String) throws {
    // Ties (whole numbers) and NaN, ±inf, ±0 among them.
    let x = Self.data([4, 5, 6], .f32, seed: 3)
    for axis: Int64 in [0, 1, 2, -1] {
      for keep: Int64 in [0, 1] {
        for last: Int64 in [0, 1] {
          let attributes: [(String, Attribute)] = [
            ("axis", .int(axis)), ("keepdims", .int(keep)), ("select_last_index", .int(last)),
          ]
          try PlanTest.check(op, [.input(x)], attributes: attributes)
        }
      }
    }
    try PlanTest.check(op, [.input(OpsTest.random([7]))])
    try PlanTest.check(op, [.input(OpsTest.random([0, 3]))], attributes: [("axis", .int(1))], expectCalls: 0)
    #expect(
      PlanTest.error(op, [.input(OpsTest.iota([3], .i32))])
        == "\(op): i32 tensors cannot be compiled (only f32 runs the kernels)")
  }

  @Test func cumSum() throws {
    for type: ElementType in [.f32, .f64, .i32, .u32, .i64, .u64] {
      let x = Self.data([3, 4, 5], type, seed: 11)
      for axis in [0, 1, 2, -2] {
        for (exclusive, reverse) in [(0, 0), (1, 0), (0, 1), (1, 1)] as [(Int64, Int64)] {
          try PlanTest.check(
            "CumSum", [.input(x), .constant(OpsTest.i64([axis]))],
            attributes: [("exclusive", .int(exclusive)), ("reverse", .int(reverse))])
        }
      }
      try PlanTest.check(
        "CumSum", [.input(x), .constant(TensorData(shape: [], scalars: [Int32(1)]))], expectCalls: 1)
    }
    // Wrapping: i32 sums past Int32.max.
    let big = TensorData(shape: [3], scalars: [Int32.max, 5, Int32.min])
    try PlanTest.check("CumSum", [.input(big), .constant(OpsTest.i64([0]))])
    // -0.0 sums to +0.0 in f64 as in Double.
    let zeros = TensorData(shape: [2], scalars: [-0.0, -0.0])
    try PlanTest.check("CumSum", [.input(zeros), .constant(OpsTest.i64([0]))])
    // An axis known only at run time (i64 or i32, 0-D or one element): the kernel reads it.
    let x = Self.data([2, 3, 4], .f32, seed: 12)
    for axis in [-3, -1, 0, 2] {
      try PlanTest.check("CumSum", [.input(x), .input(OpsTest.i64([axis]))], attributes: [("reverse", .int(1))])
      try PlanTest.check("CumSum", [.input(x), .input(TensorData(shape: [], scalars: [Int32(axis)]))])
    }
    // Out of range at run time: the call fails.
    #expect(throws: (any Error).self) {
      try PlanTest.check("CumSum", [.input(x), .input(OpsTest.i64([3]))], skipEvaluate: true)
    }
    #expect(
      PlanTest.error(
        "CumSum", [.input(TensorData(converting: [1.0, 2.0] as [Double], to: .f16, shape: [2])), .constant(OpsTest.i64([0]))])
        == "CumSum: f16 tensors cannot be compiled (CUMSUM takes f32, f64, i32, u32, i64 and u64)")
  }

  // MARK: - Tile, Trilu

  @Test func tile() throws {
    for type: ElementType in [.f32, .i8, .i64, .bool] {
      let x = OpsTest.iota([2, 3, 1], type)
      try PlanTest.check("Tile", [.input(x), .constant(OpsTest.i64([2, 1, 4]))])
      try PlanTest.check("Tile", [.input(x), .constant(OpsTest.i64([1, 3, 2]))])
    }
    try PlanTest.check("Tile", [.input(OpsTest.random([4])), .constant(OpsTest.i64([3]))], expectCalls: 1)
    try PlanTest.check("Tile", [.input(OpsTest.random([2, 3])), .constant(OpsTest.i64([1, 1]))], expectCalls: 0)
    try PlanTest.check("Tile", [.input(OpsTest.random([2, 3])), .constant(OpsTest.i64([0, 2]))], expectCalls: 0)
    // Rank 5 repeated everywhere: a box of rank 10, peeled to the kernel's rank as evaluate peels.
    try PlanTest.check(
      "Tile", [.input(OpsTest.iota([2, 3, 2, 3, 2], .i16)), .constant(OpsTest.i64([2, 2, 2, 2, 2]))])
  }

  @Test func trilu() throws {
    for type: ElementType in [.i64, .f32, .u8] {
      let x = OpsTest.iota([2, 4, 5], type)
      for upper: Int64 in [0, 1] {
        for k in [-7, -2, -1, 0, 1, 3, 9] {
          try PlanTest.check(
            "Trilu", [.input(x), .constant(TensorData(shape: [], scalars: [Int64(k)]))],
            attributes: [("upper", .int(upper))], expectCalls: 1)
        }
        try PlanTest.check("Trilu", [.input(x)], attributes: [("upper", .int(upper))])
      }
    }
    // Signed zeros and NaN are kept as they are; the zeroed triangle is +0.0.
    try PlanTest.check("Trilu", [.input(PlanTest.special([3, 1, 6, 3]))], attributes: [("upper", .int(0))])
    try PlanTest.check("Trilu", [.input(OpsTest.random([0, 3, 3]))], expectCalls: 0)
    // k known only at run time: the kernel reads it.
    for k in [-4, -1, 0, 2, 5, Int64.min, Int64.max] {
      let x = OpsTest.iota([2, 3, 4], .i32)
      try PlanTest.check("Trilu", [.input(x), .input(TensorData(shape: [], scalars: [k]))])
      try PlanTest.check(
        "Trilu", [.input(x), .input(TensorData(shape: [1], scalars: [k]))], attributes: [("upper", .int(0))])
    }
    #expect(
      PlanTest.error("Trilu", [.input(OpsTest.random([3, 3])), .input(TensorData(shape: [], scalars: [Int32(1)]))])
        == "Trilu: k of type i32 must be a constant to compile (the kernel reads an i64 k at run time)")
  }

  @Test func everyNewOpHasAPlan() {
    let ops = [
      "Dropout", "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Not", "IsInf", "ArgMax", "ArgMin",
      "CumSum", "Tile", "Trilu",
    ]
    for op in ops { #expect(OpPlans.plan(for: op) != nil, "\(op)") }
  }
}
