import QCCIR
import Testing

@testable import QCCOps

/// QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear: rounding half
/// to even, saturation, per-axis and blocked layouts, sub-byte types; and the
/// bitwise ops and smooth activations beside them.
@Suite struct ElementwiseQuantizeTests {
  @Test func quantizeRoundsHalfToEvenAndSaturates() throws {
    let x = OpsTest.f32([8], [0.5, 1.5, 2.5, -0.5, -1.5, 300, -300, 3.49])
    let y = try OpsTest.run("QuantizeLinear", [x, TensorData(scalar: Float(1)), TensorData(scalar: Int8(0))])[0]
    #expect(y.elementType == .i8)
    #expect(y.integers()! == [0, 2, 2, 0, -2, 127, -128, 3])
    // No zero point: u8.
    let u = try OpsTest.run("QuantizeLinear", [x, TensorData(scalar: Float(2))])[0]
    #expect(u.elementType == .u8 && u.integers()! == [0, 1, 1, 0, 0, 150, 0, 2])
  }

  @Test func blockedInt4RoundTrips() throws {
    // Blocks of 2 along axis 1, one scale and zero point per block.
    let x = OpsTest.f32([2, 4], [-1, 0.5, 3, 7, 2, -2, 100, -100])
    let scale = OpsTest.f32([2, 2], [0.5, 1, 1, 2])
    let zp = TensorData(converting: [Int64](arrayLiteral: 1, 0, -1, 2), to: .i4, shape: [2, 2])
    let attributes: [(String, Attribute)] = [("axis", .int(1)), ("block_size", .int(2))]
    let q = try OpsTest.run("QuantizeLinear", [x, scale, zp], attributes: attributes)[0]
    #expect(q.elementType == .i4)
    #expect(q.doubles() == [-1, 2, 3, 7, 1, -3, 7, -8])
    let d = try OpsTest.run("DequantizeLinear", [q, scale, zp], attributes: attributes)[0]
    #expect(d.doubles() == [-1, 0.5, 3, 7, 2, -2, 10, -20])
  }

  @Test func perAxisLayoutChecksTheScaleLength() throws {
    let x = TensorData(shape: [2, 3], scalars: [UInt8(0), 10, 20, 30, 40, 50])
    let y = try OpsTest.run(
      "DequantizeLinear", [x, OpsTest.f32([3], [1, 0.5, 2]), TensorData(shape: [3], scalars: [UInt8(10), 0, 20])])[0]
    #expect(y.doubles() == [-10, 5, 0, 20, 20, 60])
    #expect(
      OpsTest.error("DequantizeLinear", [.input(x), .input(OpsTest.f32([2], [1, 1]))]) != nil)
    #expect(
      OpsTest.error("QuantizeLinear", [.input(OpsTest.iota([2, 3])), .input(OpsTest.f32([3], [1, 1, 1])),
        .input(TensorData(shape: [3], scalars: [Int32(0), 0, 0]))]) != nil)
  }

  @Test func dynamicQuantizeCoversZero() throws {
    let x = OpsTest.f32([4], [1, 2, 3, 4])
    let out = try OpsTest.run("DynamicQuantizeLinear", [.input(x)], results: 3)
    // Range [0, 4]: scale 4/255, zero point 0; 2 / scale is just below 127.5 in f32.
    #expect(out[1].doubles() == [Double(Float(4) / 255)])
    #expect(out[2].integers()! == [0])
    #expect(out[0].integers()! == [64, 127, 191, 255])
  }

  @Test func bitwiseOpsBroadcastInTheirOwnType() throws {
    let a = TensorData(shape: [2, 2], scalars: [UInt64.max, 0xF0, 1, 2])
    let b = TensorData(shape: [2], scalars: [UInt64(0x0F), UInt64.max])
    #expect(try OpsTest.one("BitwiseAnd", [a, b]).scalars(as: UInt64.self) == [0x0F, 0xF0, 1, 2])
    #expect(try OpsTest.one("BitwiseXor", [a, b]).scalars(as: UInt64.self) == [UInt64.max - 0x0F, ~UInt64(0xF0), 0x0E, ~UInt64(2)])
    #expect(try OpsTest.one("BitwiseNot", [TensorData(shape: [2], scalars: [Int8(0), -1])]).scalars(as: Int8.self) == [-1, 0])
    #expect(OpsTest.error("BitwiseOr", [.input(OpsTest.iota([2])), .input(OpsTest.iota([2]))]) != nil)
  }

  @Test func mishAndSwishKernelsMatchDoublePath() throws {
    let x = OpsTest.random([257], seed: 6, scale: 30)
    let x64 = TensorData(converting: x.doubles(), to: .f64, shape: x.shape)
    for (op, attributes) in [("Mish", [(String, Attribute)]()), ("Swish", [("alpha", .float(0.7))])] {
      let y = try OpsTest.one(op, [x], attributes: attributes)
      let reference = try OpsTest.one(op, [x64], attributes: attributes)
      OpsTest.expectClose(y, reference.doubles(), rtol: 1e-5, atol: 1e-6)
    }
  }
}
