import QCCIR
import Testing

@testable import QCCOps

/// The Resize and Upsample plan (FloatPlansResize.swift): one F32_RESAMPLE
/// call per resized axis, run through `qcc_call_check` and `qcc_call_run`
/// with its taps as constants, must give the bytes of the op's `evaluate`.
@Suite struct ResizePlanTests {
  typealias Operand = OpsTest.Operand

  static func floats(_ v: [Float]) -> Operand { .constant(TensorData(shape: [v.count], scalars: v)) }

  /// Resize (opset 11 on) of `x` by constant scales or sizes, roi only when given.
  static func operands(
    _ x: TensorData, roi: [Float]? = nil, scales: [Float]? = nil, sizes: [Int]? = nil
  ) -> [Operand] {
    [.input(x), roi.map(floats) ?? .omitted, scales.map(floats) ?? .omitted,
     sizes.map { .constant(OpsTest.i64($0)) } ?? .omitted]
  }

  static func attributes(_ mode: String, _ coordinates: String, _ more: [(String, Attribute)] = [])
    -> [(String, Attribute)]
  {
    [("mode", .string(mode)), ("coordinate_transformation_mode", .string(coordinates))] + more
  }

  @Test func nearestModesAndCoordinates() throws {
    let x = PlanTest.special([1, 2, 5, 6])
    for (nearest, coordinates, scales) in [
      ("round_prefer_floor", "half_pixel", [Float(1), 1, 2, 3]),
      ("round_prefer_ceil", "asymmetric", [1, 1, 1.7, 2.5]),
      ("floor", "align_corners", [1, 1, 3, 0.5]),
      ("ceil", "tf_half_pixel_for_nn", [1, 1, 0.6, 1.5]),
    ] {
      try PlanTest.check(
        "Resize", Self.operands(x, scales: scales),
        attributes: Self.attributes("nearest", coordinates, [("nearest_mode", .string(nearest))]), expectCalls: 2)
    }
  }

  @Test func linearOnTwoAxesUpAndDown() throws {
    let x = OpsTest.random([2, 3, 7, 9], seed: 5, scale: 3)
    for coordinates in ["half_pixel", "pytorch_half_pixel", "align_corners", "half_pixel_symmetric"] {
      try PlanTest.check(
        "Resize", Self.operands(x, scales: [1, 1, 1.6, 0.55]), attributes: Self.attributes("linear", coordinates),
        expectCalls: 2)
    }
    // Antialiased downsampling: wider windows (more taps per position).
    try PlanTest.check(
      "Resize", Self.operands(x, scales: [1, 1, 0.3, 0.5]),
      attributes: Self.attributes("linear", "half_pixel", [("antialias", .int(1))]), expectCalls: 2)
  }

  @Test func cubicWithExcludeOutside() throws {
    let x = OpsTest.random([1, 2, 6, 5], seed: 6, scale: 2)
    for (a, exclude) in [(Float(-0.5), Int64(1)), (-0.75, 0), (-0.75, 1)] {
      try PlanTest.check(
        "Resize", Self.operands(x, scales: [1, 1, 2.5, 0.8]),
        attributes: Self.attributes(
          "cubic", "half_pixel", [("cubic_coeff_a", .float(a)), ("exclude_outside", .int(exclude))]),
        expectCalls: 2)
    }
    try PlanTest.check(
      "Resize", Self.operands(x, scales: [1, 1, 1.5, 2]),
      attributes: Self.attributes("cubic", "asymmetric", [("antialias", .int(1))]), expectCalls: 2)
  }

  /// Three and four resized axes: intermediates ping-pong between two scratch buffers.
  @Test func severalAxesPingPongThroughScratch() throws {
    let x = OpsTest.random([2, 3, 4, 5], seed: 7)
    let (plan, _) = try PlanTest.plan(
      "Resize", Self.operands(x, scales: [2, 0.7, 1.5, 2]), attributes: Self.attributes("linear", "half_pixel"))
    #expect(plan.calls.count == 4 && plan.scratchBytes.count == 2)
    #expect(plan.calls.map { $0.buffers[0]?.buffer } == [.scratch(0), .scratch(1), .scratch(0), .result(0)])
    #expect(plan.calls.map { $0.buffers[1]?.buffer } == [.operand(0), .scratch(0), .scratch(1), .scratch(0)])
    try PlanTest.check(
      "Resize", Self.operands(x, scales: [2, 0.7, 1.5, 2]), attributes: Self.attributes("linear", "half_pixel"))
    try PlanTest.check(
      "Resize", Self.operands(x, scales: [1, 3, 0.5, 2]), attributes: Self.attributes("nearest", "asymmetric"),
      expectCalls: 3)
  }

  @Test func downsampleBySizes() throws {
    let x = OpsTest.random([1, 3, 12, 10], seed: 8)
    try PlanTest.check(
      "Resize", Self.operands(x, sizes: [1, 3, 5, 4]), attributes: Self.attributes("linear", "half_pixel"),
      expectCalls: 2)
    // sizes on some axes, keeping the aspect ratio.
    try PlanTest.check(
      "Resize", Self.operands(x, sizes: [6, 6]),
      attributes: Self.attributes(
        "cubic", "align_corners", [("axes", .ints([2, 3])), ("keep_aspect_ratio_policy", .string("not_larger"))]))
  }

  @Test func tfCropAndResizeExtrapolates() throws {
    let x = OpsTest.random([1, 1, 6, 7], seed: 9)
    for mode in ["nearest", "linear", "cubic"] {
      // The roi reaches outside the input: those positions take extrapolation_value.
      try PlanTest.check(
        "Resize", Self.operands(x, roi: [0, 0, -0.2, 0.3, 1, 1, 0.9, 1.4], sizes: [1, 1, 5, 8]),
        attributes: Self.attributes(mode, "tf_crop_and_resize", [("extrapolation_value", .float(-10))]),
        expectCalls: 2)
    }
  }

  @Test func upsampleAndOpset10Resize() throws {
    let x = OpsTest.random([1, 2, 3, 4], seed: 10)
    // Upsample 9 (scales an operand) and 7 (an attribute); opset 10 Resize (X, scales).
    try PlanTest.check("Upsample", [.input(x), Self.floats([1, 1, 2, 3])], expectCalls: 2)
    try PlanTest.check(
      "Upsample", [.input(x)], attributes: [("mode", .string("linear")), ("scales", .floats([1, 1, 2.5, 1.5]))],
      expectCalls: 2)
    try PlanTest.check(
      "Resize", [.input(x), Self.floats([1, 1, 0.5, 3])], attributes: [("mode", .string("linear"))], expectCalls: 2)
  }

  @Test func unchangedAxesAreSkipped() throws {
    let x = OpsTest.random([2, 3, 4, 5], seed: 11)
    // Scales of 1 everywhere: the operand itself.
    try PlanTest.check(
      "Resize", Self.operands(x, scales: [1, 1, 1, 1]), attributes: Self.attributes("cubic", "half_pixel"),
      expectCalls: 0)
    try PlanTest.check(
      "Resize", Self.operands(x, scales: [1, 2, 1, 1]), attributes: Self.attributes("linear", "align_corners"),
      expectCalls: 1)
    // An empty result: no call.
    try PlanTest.check("Resize", Self.operands(x, sizes: [2, 3, 0, 5]), expectCalls: 0)
  }

  @Test func refusesWhatItCannotCompile() {
    let x = OpsTest.random([1, 1, 2, 2])
    let scales = TensorData(shape: [4], scalars: [Float(1), 1, 2, 2])
    #expect(
      PlanTest.error("Resize", [.input(x), .omitted, .input(scales)])
        == "Resize: roi, scales and sizes must be constants to compile")
    #expect(
      PlanTest.error(
        "Resize", [.input(x), .input(TensorData(shape: [8], scalars: [Float](repeating: 0, count: 8))), .omitted,
                   .constant(OpsTest.i64([1, 1, 3, 3]))],
        attributes: Self.attributes("linear", "tf_crop_and_resize"))
        == "Resize: roi, scales and sizes must be constants to compile")
    #expect(
      PlanTest.error("Upsample", [.input(x), .input(scales)])
        == "Upsample: scales must be a constant to compile")
    #expect(
      PlanTest.error("Resize", Self.operands(OpsTest.iota([1, 1, 2, 2], .i8), scales: [1, 1, 2, 2]))
        == "Resize: i8 tensors cannot be compiled (only f32 runs the kernels)")
  }
}
