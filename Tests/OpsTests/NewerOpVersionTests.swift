import QCCIR
import Testing

@testable import QCCOps

/// Behaviour newer ONNX op versions define, which qcc's ops implement
/// (see ONNXOpSupport.implementedThrough); expected values worked out by hand.
@Suite struct NewerOpVersionTests {
  /// BitShift-28: signed types; right shifts sign-extend; shifting by a
  /// negative amount or by the width or more leaves only the sign fill.
  @Test func bitShiftOnSignedIntegers() throws {
    let x = TensorData(shape: [5], scalars: [Int8(1), -1, 64, 5, -8])
    let n = TensorData(shape: [5], scalars: [Int8(1), 1, 1, 8, -1])
    #expect(
      try OpsTest.one("BitShift", [x, n], attributes: [("direction", .string("LEFT"))]).scalars(as: Int8.self)
        == [2, -2, -128, 0, 0])
    let y = TensorData(shape: [5], scalars: [Int32(-8), -8, 7, -1, 1 << 30])
    let m = TensorData(shape: [5], scalars: [Int32(1), 40, -1, 3, 30])
    #expect(
      try OpsTest.one("BitShift", [y, m], attributes: [("direction", .string("RIGHT"))]).scalars(as: Int32.self)
        == [-4, -1, 0, -1, 1])
  }

  /// Mod-28 with fmod = 0 on floats: Python's %, with its special values.
  @Test func flooredModOnFloats() throws {
    let x = TensorData(shape: [7], scalars: [0.0, -0.0, .infinity, 5, -5, 5, 5.5])
    let y = TensorData(shape: [7], scalars: [-3.0, 3, 2, .infinity, .infinity, 0, -2])
    let r = try OpsTest.one("Mod", [x, y]).scalars(as: Double.self)
    #expect(r[0] == 0 && r[0].sign == .minus && r[1] == 0 && r[1].sign == .plus)
    #expect(r[2].isNaN && r[3] == 5 && r[4] == .infinity && r[5].isNaN && r[6] == -0.5)
  }

  /// SpaceToDepth-28 `mode`: DCR puts the block offset first, CRD the channel.
  @Test func spaceToDepthModes() throws {
    let x = TensorData(shape: [1, 2, 2, 2], scalars: (0..<8).map { Float($0) })
    func run(_ mode: String?) throws(OpError) -> [Float] {
      let attributes: [(String, Attribute)] = [("blocksize", .int(2))] + (mode.map { [("mode", .string($0))] } ?? [])
      let y = try OpsTest.one("SpaceToDepth", [x], attributes: attributes)
      #expect(y.shape == [1, 8, 1, 1])
      return y.scalars(as: Float.self)
    }
    #expect(try run(nil) == [0, 4, 1, 5, 2, 6, 3, 7])
    #expect(try run("DCR") == [0, 4, 1, 5, 2, 6, 3, 7])
    #expect(try run("CRD") == [0, 1, 2, 3, 4, 5, 6, 7])
    #expect(OpsTest.message { () throws(OpError) in try run("RDC") } == "unknown mode 'RDC'; expected DCR or CRD")
  }

  /// Range-27 on f16: computed in f32 (stash_type 1), then rounded once to f16 (spacing 2 above 2048).
  @Test func halfPrecisionRange() throws {
    func half(_ v: Float) -> TensorData { TensorData(shape: [], scalars: [Float16(v)]) }
    let y = try OpsTest.one("Range", [half(2048), half(2052), half(1)])
    #expect(y.elementType == .f16 && y.scalars(as: Float16.self) == [2048, 2048, 2050, 2052])
    #expect(
      OpsTest.message { () throws(OpError) in
        try OpsTest.one("Range", [half(0), half(4), half(1)], attributes: [("stash_type", .int(10))])
      } == "Range stash_type must be 1 (float) or 11 (double), not 10")
  }

  /// ReduceMax and ReduceMin-20 take bool (False < True); an empty set gives the type's extreme.
  @Test func boolAndEmptyMinMax() throws {
    let b = TensorData(shape: [2, 2], scalars: [true, false, false, false])
    let axis = TensorData(shape: [1], scalars: [Int64(1)])
    #expect(try OpsTest.one("ReduceMax", [b, axis]).scalars(as: Bool.self) == [true, false])
    #expect(try OpsTest.one("ReduceMin", [b, axis]).scalars(as: Bool.self) == [false, false])
    let empty = TensorData(shape: [2, 0], scalars: [Bool]())
    #expect(try OpsTest.one("ReduceMax", [empty, axis]).scalars(as: Bool.self) == [false, false])
    #expect(try OpsTest.one("ReduceMin", [empty, axis]).scalars(as: Bool.self) == [true, true])
    let bytes = TensorData(shape: [1, 0], scalars: [Int8]())
    #expect(try OpsTest.one("ReduceMax", [bytes, axis]).scalars(as: Int8.self) == [-128])
    let big = TensorData(shape: [1, 2], scalars: [UInt64.max, 1])
    #expect(try OpsTest.one("ReduceMax", [big, axis]).scalars(as: UInt64.self) == [.max])
    #expect(try OpsTest.one("ReduceMin", [big, axis]).scalars(as: UInt64.self) == [1])
  }

  /// Cast-21 to and from the 4-bit integers: truncation toward zero, then the low 4 bits.
  @Test func castToAndFromFourBitIntegers() throws {
    let x = OpsTest.f32([5], [-9, 8, 7.9, -0.5, 15])
    let i4 = try OpsTest.one("Cast", [x], attributes: [("to", .int(22))])
    #expect(i4.elementType == .i4 && i4.doubles() == [7, -8, 7, 0, -1])
    let u4 = try OpsTest.one("Cast", [x], attributes: [("to", .int(21))])
    #expect(u4.elementType == .u4 && u4.doubles() == [7, 8, 7, 0, 15])
    #expect(try OpsTest.one("Cast", [i4], attributes: [("to", .int(3))]).scalars(as: Int8.self) == [7, -8, 7, 0, -1])
    let wide = TensorData(shape: [2], scalars: [Int64(1 << 60) + 9, -7])
    #expect(try OpsTest.one("Cast", [wide], attributes: [("to", .int(22))]).doubles() == [-7, -7])
  }
}
