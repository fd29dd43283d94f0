import QCCIR
import Testing

@testable import QCCOps

/// Where, Clip, comparisons, logic and casts.
@Suite struct ElementwiseSelectionTests {
  @Test func whereBroadcastsAllThreeOperands() throws {
    let condition = TensorData(shape: [2, 1], scalars: [true, false])
    let x = TensorData(shape: [3], scalars: [Int64(1), 2, 3])
    let y = TensorData(shape: [], scalars: [Int64(-1)])
    let out = try OpsTest.one("Where", [condition, x, y])
    #expect(out.shape == [2, 3] && out.scalars(as: Int64.self) == [1, 2, 3, -1, -1, -1])
    let mask = TensorData(shape: [1, 2, 2], scalars: [true, false, false, true])
    let scores = OpsTest.random([3, 2, 2], seed: 7, scale: 4)
    let masked = try OpsTest.one("Where", [mask, OpsTest.f32([], [-.infinity]), scores]).scalars(as: Float.self)
    let s = scores.scalars(as: Float.self)
    #expect(masked == (0..<12).map { [0, 3].contains($0 % 4) ? -.infinity : s[$0] })
    let halves = try OpsTest.one(
      "Where",
      [
        mask, TensorData(converting: [1.0], to: .f16, shape: [1]),
        TensorData(converting: [0.0, 2.0], to: .f16, shape: [2]),
      ])
    #expect(halves.elementType == .f16 && halves.doubles() == [1, 2, 0, 1])
    #expect(
      OpsTest.message { () throws(OpError) in try OpsTest.one("Where", [x, x, x]) }
        == "Where does not support element type i64 (input 0); it takes bool")
  }

  @Test func clipHandlesOmittedAndCrossedBounds() throws {
    let x = OpsTest.f32([5], [-3, -1, .nan, 1, 3])
    let lo = OpsTest.f32([], [-2])
    let hi = OpsTest.f32([], [2])
    func clipped(_ inputs: [TensorData?]) throws -> [Float] {
      try OpsTest.one("Clip", [x] + inputs).scalars(as: Float.self)
    }
    let both = try clipped([lo, hi])
    #expect(both[0] == -2 && both[1] == -1 && both[2].isNaN && both[3] == 1 && both[4] == 2)
    #expect(
      try clipped([nil, hi]).enumerated().allSatisfy { $0.offset == 2 || $0.element == [-3, -1, 0, 1, 2][$0.offset] })
    #expect(try clipped([lo]).enumerated().allSatisfy { $0.offset == 2 || $0.element == [-2, -1, 0, 1, 3][$0.offset] })
    #expect(try OpsTest.one("Clip", [x]).scalars(as: Float.self)[4] == 3)
    // min > max: every element becomes max.
    #expect(try clipped([hi, lo]).enumerated().allSatisfy { $0.offset == 2 || $0.element == -2 })
    let ints = TensorData(shape: [4], scalars: [Int8.min, -5, 5, .max])
    #expect(
      try OpsTest.one("Clip", [ints, nil, TensorData(scalar: Int8(0))]).scalars(as: Int8.self) == [.min, -5, 0, 0])
    #expect(try OpsTest.one("Clip", [ints, TensorData(scalar: Int8(-6))]).scalars(as: Int8.self) == [-6, -5, 5, .max])
    #expect(
      OpsTest.message { () throws(OpError) in try OpsTest.one("Clip", [x, OpsTest.f32([2], [0, 1])]) }
        == "Clip min must be a scalar, not tensor<2xf32>")
    #expect(
      OpsTest.message { () throws(OpError) in try OpsTest.one("Clip", [x, TensorData(scalar: 0.5)]) }
        == "Clip min has element type f64, expected f32 like the input")
  }

  @Test func comparisonsReturnBoolsAndNaNIsUnordered() throws {
    let a = OpsTest.f32([4], [1, 2, .nan, 4])
    let b = OpsTest.f32([1], [2])
    #expect(try OpsTest.one("Equal", [a, b]).scalars(as: Bool.self) == [false, true, false, false])
    #expect(try OpsTest.one("Less", [a, b]).scalars(as: Bool.self) == [true, false, false, false])
    #expect(try OpsTest.one("LessOrEqual", [a, b]).scalars(as: Bool.self) == [true, true, false, false])
    #expect(try OpsTest.one("Greater", [a, b]).scalars(as: Bool.self) == [false, false, false, true])
    #expect(try OpsTest.one("GreaterOrEqual", [a, b]).scalars(as: Bool.self) == [false, true, false, true])
    let p = TensorData(shape: [2], scalars: [true, false])
    #expect(
      try OpsTest.one("Equal", [p, TensorData(shape: [2, 1], scalars: [true, false])]).scalars(as: Bool.self) == [
        true, false, false, true,
      ])
    let i = TensorData(shape: [3], scalars: [Int64(3), 5, 7])
    #expect(
      try OpsTest.one("GreaterOrEqual", [i, TensorData(scalar: Int64(5))]).scalars(as: Bool.self) == [
        false, true, true,
      ])
    #expect(
      try OpsTest.infer("Equal", [TensorType(.f32, [2, 1]), TensorType(.f32, [3])])[0] == TensorType(.bool, [2, 3]))
  }

  @Test func logicOpsBroadcast() throws {
    let a = TensorData(shape: [2, 1], scalars: [true, false])
    let b = TensorData(shape: [2], scalars: [true, false])
    #expect(try OpsTest.one("And", [a, b]).scalars(as: Bool.self) == [true, false, false, false])
    #expect(try OpsTest.one("Or", [a, b]).scalars(as: Bool.self) == [true, true, true, false])
    #expect(try OpsTest.one("Xor", [a, b]).scalars(as: Bool.self) == [false, true, true, false])
    #expect(try OpsTest.one("Not", [b]).scalars(as: Bool.self) == [false, true])
    let x = OpsTest.f32([4], [.nan, .infinity, -.infinity, 1])
    #expect(try OpsTest.one("IsNaN", [x]).scalars(as: Bool.self) == [true, false, false, false])
    #expect(try OpsTest.one("IsInf", [x]).scalars(as: Bool.self) == [false, true, true, false])
    #expect(
      try OpsTest.one("IsInf", [x], attributes: [("detect_positive", .int(0))]).scalars(as: Bool.self) == [
        false, false, true, false,
      ])
    let d = TensorData(converting: [.nan, -.infinity], to: .f64, shape: [2])
    #expect(
      try OpsTest.one("IsInf", [d], attributes: [("detect_negative", .int(0))]).scalars(as: Bool.self) == [
        false, false,
      ])
  }

  @Test func castTruncatesTowardZeroAndWraps() throws {
    let x = OpsTest.f32([6], [2.9, -2.9, 300.7, -1, .nan, 1e20])
    func cast(_ code: Int64) throws -> TensorData { try OpsTest.one("Cast", [x], attributes: [("to", .int(code))]) }
    #expect(try cast(6).scalars(as: Int32.self) == [2, -2, 300, -1, .min, .min])
    #expect(try cast(7).scalars(as: Int64.self) == [2, -2, 300, -1, .min, .min])
    #expect(try cast(2).scalars(as: UInt8.self) == [2, 254, 44, 255, 0, 0])
    #expect(try cast(9).scalars(as: Bool.self) == [true, true, true, true, true, true])
    let half = try cast(10)
    #expect(half.elementType == .f16 && half.scalars(as: Float16.self)[0] == Float16(2.9))
    // bf16 rounds to nearest even; with truncate_bf16 (Cast before opset 19) it keeps the upper half of the f32 bits.
    let tie = OpsTest.f32([2], [1.0 + 255 / 256, .nan])
    let bf = try OpsTest.one("Cast", [tie], attributes: [("to", .int(16))])
    #expect(bf.scalars(as: BFloat16.self)[0].floatValue == 2 && bf.scalars(as: BFloat16.self)[1].floatValue.isNaN)
    let truncated = try OpsTest.one("Cast", [tie], attributes: [("to", .int(16)), ("truncate_bf16", .int(1))])
    #expect(
      truncated.scalars(as: BFloat16.self)[0].floatValue == 1.9921875
        && truncated.scalars(as: BFloat16.self)[1].floatValue.isNaN)
    let big = TensorData(shape: [2], scalars: [UInt64.max, 1 << 63])
    #expect(
      try OpsTest.one("Cast", [big], attributes: [("to", .int(1))]).scalars(as: Float.self) == [
        18_446_744_073_709_551_616, 9_223_372_036_854_775_808,
      ])
    let wide = TensorData(shape: [2], scalars: [Int64(1 << 40) + 1, -300])
    #expect(try OpsTest.one("Cast", [wide], attributes: [("to", .int(5))]).scalars(as: Int16.self) == [1, -300])
    #expect(try OpsTest.one("Cast", [wide], attributes: [("to", .int(9))]).scalars(as: Bool.self) == [true, true])
    #expect(
      try OpsTest.one("Cast", [wide], attributes: [("to", .string("f64"))]).scalars(as: Double.self) == [
        1_099_511_627_777, -300,
      ])
    let same = try cast(1)
    #expect(same.storage === x.storage)
  }

  @Test func castLikeTakesTheSecondOperandsType() throws {
    let out = try OpsTest.one("CastLike", [OpsTest.f32([2], [1.5, -2]), TensorData(shape: [0], scalars: [Int32]())])
    #expect(out.elementType == .i32 && out.scalars(as: Int32.self) == [1, -2])
    #expect(
      try OpsTest.infer("CastLike", [TensorType(.f32, .unranked), TensorType(.f16, [1])])[0]
        == TensorType(.f16, .unranked))
  }

  @Test func castRejectsUnknownTargets() {
    let x = OpsTest.f32([1], [1])
    #expect(
      OpsTest.message { () throws(OpError) in try OpsTest.one("Cast", [x], attributes: [("to", .int(8))]) }
        == "Cast to ONNX data type 8 is not supported")
    #expect(
      OpsTest.message { () throws(OpError) in try OpsTest.one("Cast", [x], attributes: [("to", .string("f8"))]) }
        == "Cast to 'f8' is not supported")
    #expect(OpsTest.message { () throws(OpError) in try OpsTest.one("Cast", [x]) } == "Cast needs the attribute 'to'")
  }
}
