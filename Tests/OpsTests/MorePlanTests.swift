import QCCIR
import QCCKernels
import Testing

@testable import QCCOps

/// Plans of Dropout, Tile and Trilu, run call by call through `qcc_call_run` (after
/// `qcc_call_check`) against the ops' own `evaluate`: every result must have
/// the same bytes, NaNs, signed zeros, ties and wrapping included.
@Suite struct MorePlanTests {
  typealias Operand = OpsTest.Operand

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
            attributes: [("upper", .int(upper))])
        }
        try PlanTest.check("Trilu", [.input(x)], attributes: [("upper", .int(upper))])
      }
    }
    // Signed zeros and NaN are kept as they are; the zeroed triangle is +0.0.
    try PlanTest.check("Trilu", [.input(PlanTest.special([3, 1, 6, 3]))], attributes: [("upper", .int(0))])
    try PlanTest.check("Trilu", [.input(OpsTest.random([0, 3, 3]))], expectCalls: 0)
    #expect(
      PlanTest.error("Trilu", [.input(OpsTest.random([3, 3])), .input(TensorData(shape: [], scalars: [Int64(1)]))])
        == "Trilu: k must be a constant to compile")
  }

  @Test func everyNewOpHasAPlan() {
    for op in ["Dropout", "Tile", "Trilu"] { #expect(OpPlans.plan(for: op) != nil, "\(op)") }
  }
}
