import QCCIR
import Testing

@testable import QCCOps

/// Resize and Upsample: symbolic shape inference, the f32 kernel against the
/// Double path, and exact values for the upsampling UNets and position
/// embeddings use.
@Suite struct DataMovementResizeTests {
  static func scales(_ v: [Float]) -> TensorData { TensorData(shape: [v.count], scalars: v) }

  static func resize(
    _ x: TensorData, scales: [Float]? = nil, sizes: [Int]? = nil, _ attributes: [(String, Attribute)]
  ) throws(OpError) -> TensorData {
    try OpsTest.run(
      "Resize", [x, nil, scales.map(Self.scales), sizes.map { OpsTest.i64($0) }], attributes: attributes)[0]
  }

  @Test func nearestTwiceRepeatsPixels() throws {
    let x = OpsTest.f32([1, 1, 2, 2], [1, 2, 3, 4])
    let y = try Self.resize(
      x, scales: [1, 1, 2, 2],
      [("mode", .string("nearest")), ("coordinate_transformation_mode", .string("asymmetric")),
       ("nearest_mode", .string("floor"))])
    #expect(y.shape == [1, 1, 4, 4])
    #expect(y.doubles() == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
  }

  @Test func linearAlignCornersIsExactAtCorners() throws {
    let x = OpsTest.f32([1, 1, 2, 2], [0, 3, 6, 9])
    let y = try Self.resize(
      x, sizes: [1, 1, 3, 4], [("mode", .string("linear")), ("coordinate_transformation_mode", .string("align_corners"))])
    #expect(y.doubles() == [0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9])
  }

  @Test(arguments: ["nearest", "linear", "cubic"])
  func f32KernelMatchesDoublePath(mode: String) throws {
    let x = OpsTest.random([2, 3, 5, 7], seed: 3)
    let x64 = TensorData(converting: x.doubles(), to: .f64, shape: x.shape)
    for (coordinates, scales) in [
      ("half_pixel", [Float(1), 1, 1.6, 0.55]), ("pytorch_half_pixel", [1, 1, 0.4, 2.5]),
      ("align_corners", [1, 1, 3, 1]), ("asymmetric", [1, 1, 2, 2]),
    ] {
      let attributes: [(String, Attribute)] = [
        ("mode", .string(mode)), ("coordinate_transformation_mode", .string(coordinates)), ("exclude_outside", .int(1)),
      ]
      let y = try Self.resize(x, scales: scales, attributes)
      let y64 = try Self.resize(x64, scales: scales, attributes)
      #expect(y.shape == y64.shape)
      OpsTest.expectClose(y, y64.doubles(), rtol: 1e-5, atol: 1e-5)
    }
  }

  @Test func infersSymbolicShapes() throws {
    let x = TensorType(.f32, .ranked([.symbolic("n"), 8, .symbolic("h"), 6]))
    let scales = Self.scales([2, 3])
    // Known scales on a symbolic dim leave that dim unknown; untouched dims keep their names.
    #expect(
      try OpsTest.infer(
        "Resize", [x, nil, scales.type], values: [nil, nil, scales], attributes: [("axes", .ints([2, 3]))])
        == [TensorType(.f32, .ranked([.symbolic("n"), 8, .symbolic(nil), 18]))])
    // Unknown sizes: resized dims unknown, the rank known.
    let full = TensorType(.f32, .ranked([.symbolic("n"), 8, 4, 6]))
    #expect(
      try OpsTest.infer("Resize", [full, nil, nil, TensorType(.i64, [4])])
        == [TensorType(.f32, .ranked(DimMath.unknown(4)))])
    // Known sizes with keep_aspect_ratio_policy.
    let sizes = OpsTest.i64([16, 16])
    #expect(
      try OpsTest.infer(
        "Resize", [full, nil, nil, sizes.type], values: [nil, nil, nil, sizes],
        attributes: [("axes", .ints([2, 3])), ("keep_aspect_ratio_policy", .string("not_larger"))])
        == [TensorType(.f32, .ranked([.symbolic("n"), 8, 11, 16]))])
  }

  @Test func rejectsBadOperands() {
    let x = OpsTest.iota([1, 1, 2, 2])
    #expect(OpsTest.error("Resize", [.input(x), .omitted, .constant(Self.scales([1, 2]))]) != nil)
    #expect(OpsTest.error("Resize", [.input(x), .omitted, .constant(Self.scales([1, 1, 0, 2]))]) != nil)
    #expect(
      OpsTest.error("Resize", [.input(x), .omitted, .constant(Self.scales([1, 1, 2, 2]))],
        attributes: [("mode", .string("nearest")), ("antialias", .int(1))]) != nil)
    #expect(
      OpsTest.error("Resize", [.input(x), .omitted, .constant(Self.scales([1, 1, 2, 2]))],
        attributes: [("coordinate_transformation_mode", .string("tf_crop_and_resize"))]) != nil)
  }

  @Test func upsampleUsesAsymmetricFloor() throws {
    let x = OpsTest.f32([1, 3], [1, 2, 3])
    let y = try OpsTest.run("Upsample", [x, Self.scales([1, 3])], attributes: [("mode", .string("nearest"))])[0]
    #expect(y.doubles() == [1, 1, 1, 2, 2, 2, 3, 3, 3])
  }

  @Test func integersRoundHalfToEvenAndSaturate() throws {
    let x = TensorData(shape: [1, 2], scalars: [UInt8(1), 2])
    // Linear at half_pixel from 2 to 4: 1, 1.25, 1.75, 2 → 1, 1, 2, 2.
    let y = try Self.resize(x, scales: [1, 2], [("mode", .string("linear"))])
    #expect(y.scalars(as: UInt8.self) == [1, 1, 2, 2])
    // Cubic overshoot past 255 saturates.
    let z = try Self.resize(
      TensorData(shape: [1, 4], scalars: [UInt8(0), 0, 255, 255]), scales: [1, 2], [("mode", .string("cubic"))])
    #expect(z.scalars(as: UInt8.self).allSatisfy { $0 <= 255 })
    #expect(z.scalars(as: UInt8.self).last == 255)
  }
}
