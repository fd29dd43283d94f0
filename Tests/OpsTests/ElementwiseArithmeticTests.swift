import QCCIR
import Testing

@testable import QCCOps

/// Broadcasting arithmetic: the f32 kernel against an index-by-index
/// reference, and exact integer semantics.
@Suite struct ElementwiseArithmeticTests {
  /// Shape pairs covering every inner-loop pattern of the broadcast kernel
  /// (dense, row broadcast, column broadcast, scalar either side, a stride
  /// neither 0 nor 1 after merging, rank 0, and empty shapes).
  static let shapePairs: [([Int], [Int])] = [
    ([1, 197, 12], [12]), ([2, 3, 4], [2, 3, 4]), ([2, 3, 4], []), ([], [2, 3, 4]), ([1, 4, 5, 5], [1, 1, 1, 5]),
    ([3, 1], [1, 4]), ([2, 1, 4], [3, 1]), ([5, 1, 3], [5, 4, 1]), ([2, 3, 1, 2], [1, 3, 4, 1]), ([], []),
    ([1], [3, 1, 2]), ([0, 3], [3]), ([2, 0], [1]),
  ]

  @Test(arguments: ["Add", "Sub", "Mul", "Div"])
  func f32KernelMatchesReference(op: String) throws {
    for (i, (sa, sb)) in Self.shapePairs.enumerated() {
      let a = OpsTest.random(sa, seed: UInt32(2 * i), scale: 4)
      let b = OpsTest.random(sb, seed: UInt32(2 * i + 1), scale: 4)
      let out = try OpsTest.one(op, [a, b])
      let shape = try Broadcast.sizes([sa, sb])
      #expect(out.shape == shape)
      let x = a.scalars(as: Float.self)
      let y = b.scalars(as: Float.self)
      let expected = (0..<shape.reduce(1, *)).map { flat -> Float in
        let index = OpsTest.unflatten(flat, shape)
        let u = Double(x[OpsTest.flatIndex(index, sa)])
        let v = Double(y[OpsTest.flatIndex(index, sb)])
        // Rounding the exact Double result once is what the f32 operation gives.
        switch op {
        case "Add": return Float(u + v)
        case "Sub": return Float(u - v)
        case "Mul": return Float(u * v)
        default: return Float(u / v)
        }
      }
      #expect(out.scalars(as: Float.self) == expected, "\(op) \(sa) \(sb)")
    }
  }

  @Test func f32AgreesWithTheF64Path() throws {
    for (i, (sa, sb)) in Self.shapePairs.enumerated() {
      let a = OpsTest.random(sa, seed: UInt32(40 + i), scale: 4)
      let b = OpsTest.random(sb, seed: UInt32(80 + i), scale: 4)
      let slopeFits = (try? Broadcast.sizes([sa, sb])) == sa
      for op in ["Max", "Min", "PRelu", "Pow", "Mod"] where op != "PRelu" || slopeFits {
        let attributes: [(String, Attribute)] = op == "Mod" ? [("fmod", .int(1))] : []
        let fast = try OpsTest.one(op, [a, b], attributes: attributes).scalars(as: Float.self)
        let a64 = TensorData(converting: a.doubles(), to: .f64, shape: sa)
        let b64 = TensorData(converting: b.doubles(), to: .f64, shape: sb)
        let slow = try OpsTest.one(op, [a64, b64], attributes: attributes).doubles()
        for (f, s) in zip(fast, slow) {
          #expect(OpsTest.ulps(f, s) <= 1, "\(op) \(sa) \(sb): \(f) vs \(s)")
        }
      }
    }
  }

  @Test func maxAndMinPropagateNaN() throws {
    let a = OpsTest.f32([3], [.nan, 1, 2])
    let b = OpsTest.f32([3], [0, .nan, 1])
    for op in ["Max", "Min"] {
      let out = try OpsTest.one(op, [a, b]).scalars(as: Float.self)
      #expect(out[0].isNaN && out[1].isNaN && out[2] == (op == "Max" ? 2 : 1))
    }
  }

  @Test func variadicOpsBroadcastEveryOperand() throws {
    let a = OpsTest.f32([2, 1], [1, 2])
    let b = OpsTest.f32([3], [10, 20, 30])
    let c = OpsTest.f32([1, 1], [100])
    #expect(try OpsTest.one("Sum", [a, b, c]).scalars(as: Float.self) == [111, 121, 131, 112, 122, 132])
    let sums: [Float] = [111, 121, 131, 112, 122, 132]
    #expect(try OpsTest.one("Mean", [a, b, c]).scalars(as: Float.self) == sums.map { $0 / 3 })
    #expect(try OpsTest.one("Max", [a, b, c]).scalars(as: Float.self) == [100, 100, 100, 100, 100, 100])
    #expect(try OpsTest.one("Min", [a, b]).scalars(as: Float.self) == [1, 1, 1, 2, 2, 2])
    let single = OpsTest.f32([2], [1, -1])
    #expect(try OpsTest.one("Mean", [single]).scalars(as: Float.self) == [1, -1])
  }

  @Test func integerDivisionTruncatesAndWraps() throws {
    let a = TensorData(shape: [6], scalars: [Int32(7), -7, 7, -7, .min, 5])
    let b = TensorData(shape: [6], scalars: [Int32(2), 2, -2, -2, -1, 0])
    #expect(try OpsTest.one("Div", [a, b]).scalars(as: Int32.self) == [3, -3, -3, 3, .min, 0])
    let u = TensorData(shape: [3], scalars: [UInt8(200), 100, 3])
    let v = TensorData(shape: [3], scalars: [UInt8(100), 200, 250])
    #expect(try OpsTest.one("Add", [u, v]).scalars(as: UInt8.self) == [44, 44, 253])
    #expect(try OpsTest.one("Sub", [u, v]).scalars(as: UInt8.self) == [100, 156, 9])
    #expect(try OpsTest.one("Mul", [u, v]).scalars(as: UInt8.self) == [32, 32, 238])
    let big = TensorData(shape: [1], scalars: [Int64.max])
    #expect(try OpsTest.one("Add", [big, big]).scalars(as: Int64.self) == [-2])
  }

  @Test func modFollowsTheDivisorOrTheDividend() throws {
    let a = TensorData(shape: [5], scalars: [Int16(-4), 7, 5, -7, 3])
    let b = TensorData(shape: [5], scalars: [Int16(3), -3, 8, -3, 0])
    #expect(try OpsTest.one("Mod", [a, b]).scalars(as: Int16.self) == [2, -2, 5, -1, 0])
    #expect(
      try OpsTest.one("Mod", [a, b], attributes: [("fmod", .int(1))]).scalars(as: Int16.self) == [-1, 1, 5, -1, 0])
    let x = OpsTest.f32([2], [-4.5, 7])
    let y = OpsTest.f32([2], [2, -3])
    #expect(try OpsTest.one("Mod", [x, y], attributes: [("fmod", .int(1))]).scalars(as: Float.self) == [-0.5, 1])
    // fmod = 0 on floats (defined since opset 28) is Python's %.
    #expect(try OpsTest.one("Mod", [x, y]).scalars(as: Float.self) == [1.5, -2])
  }

  @Test func unsignedSixtyFourBitOpsCompareUnsigned() throws {
    let a = TensorData(shape: [2], scalars: [UInt64.max, 1])
    let b = TensorData(shape: [2], scalars: [UInt64(2), 3])
    #expect(try OpsTest.one("Max", [a, b]).scalars(as: UInt64.self) == [.max, 3])
    #expect(try OpsTest.one("Div", [a, b]).scalars(as: UInt64.self) == [UInt64.max / 2, 0])
    #expect(try OpsTest.one("Less", [a, b]).scalars(as: Bool.self) == [false, true])
  }

  @Test func powKeepsTheBaseType() throws {
    let x = OpsTest.f32([4], [2, -0.0, -.infinity, .nan])
    let square = try OpsTest.one("Pow", [x, OpsTest.f32([], [2])]).scalars(as: Float.self)
    #expect(square[0] == 4 && square[1] == 0 && square[2] == .infinity && square[3].isNaN)
    let half = try OpsTest.one("Pow", [x, OpsTest.f32([1], [0.5])]).scalars(as: Float.self)
    #expect(
      half[0] == Float(2).squareRoot() && half[1] == 0 && half[1].sign == .plus && half[2] == .infinity && half[3].isNaN
    )
    #expect(try OpsTest.one("Pow", [x, OpsTest.f32([], [0])]).scalars(as: Float.self) == [1, 1, 1, 1])
    #expect(try OpsTest.one("Pow", [x, TensorData(shape: [], scalars: [Int64(3)])]).scalars(as: Float.self)[0] == 8)
    let unsignedExponent = try OpsTest.one("Pow", [x, TensorData(shape: [4], scalars: [UInt64(3), 2, 1, 0])])
    #expect(unsignedExponent.scalars(as: Float.self).prefix(3) == [8, 0, -.infinity])
    let ints = TensorData(shape: [5], scalars: [Int32(3), -2, 1, -1, 2])
    let exponents = TensorData(shape: [5], scalars: [Int64(4), 3, -5, -3, 40])
    #expect(try OpsTest.one("Pow", [ints, exponents]).scalars(as: Int32.self) == [81, -8, 1, -1, 0])
    let fractional = try OpsTest.one("Pow", [ints, OpsTest.f32([5], [0.5, 2, 2, 2, 0.5])])
    #expect(fractional.scalars(as: Int32.self) == [1, 4, 1, 1, 1])
  }

  @Test func preluBroadcastsTheSlopeToX() throws {
    let x = OpsTest.f32([2, 2], [-2, 3, -4, 5])
    let slope = OpsTest.f32([2], [0.5, 0.25])
    #expect(try OpsTest.one("PRelu", [x, slope]).scalars(as: Float.self) == [-1, 3, -2, 5])
    #expect(
      OpsTest.message { () throws(OpError) in try OpsTest.one("PRelu", [slope, x]) }
        == "PRelu slope tensor<2x2xf32> does not broadcast to the input tensor<2xf32>")
  }

  @Test func bitShiftShiftsOutToZero() throws {
    let x = TensorData(shape: [3], scalars: [UInt8(0b1001), 255, 1])
    let n = TensorData(shape: [3], scalars: [UInt8(1), 4, 8])
    #expect(
      try OpsTest.one("BitShift", [x, n], attributes: [("direction", .string("LEFT"))]).scalars(as: UInt8.self) == [
        18, 240, 0,
      ])
    #expect(
      try OpsTest.one("BitShift", [x, n], attributes: [("direction", .string("RIGHT"))]).scalars(as: UInt8.self) == [
        4, 15, 0,
      ])
    #expect(
      OpsTest.message { () throws(OpError) in try OpsTest.one("BitShift", [x, n]) }
        == "BitShift needs the attribute 'direction' (\"LEFT\" or \"RIGHT\")")
  }

  @Test func inferenceKeepsSymbolicDims() throws {
    let a = TensorType(.f32, .ranked([.symbolic("n"), .fixed(1), .fixed(4)]))
    let b = TensorType(.f32, [3, 1])
    #expect(try OpsTest.infer("Add", [a, b])[0] == TensorType(.f32, .ranked([.symbolic("n"), .fixed(3), .fixed(4)])))
    #expect(try OpsTest.infer("Mul", [TensorType(.f32, .unranked), b])[0] == TensorType(.f32, .unranked))
    #expect(try OpsTest.infer("Pow", [TensorType(.i32, [2]), TensorType(.f32, [])])[0] == TensorType(.i32, [2]))
  }

  @Test func rejectsMixedTypesAndShapes() {
    #expect(
      OpsTest.message { () throws(OpError) in
        try OpsTest.infer("Add", [TensorType(.f32, [2]), TensorType(.i64, [2])])[0]
      }
        == "Add operand types differ: input 0 is f32, input 1 is i64")
    #expect(
      OpsTest.message { () throws(OpError) in
        try OpsTest.infer("Sub", [TensorType(.f32, [2, 3]), TensorType(.f32, [4])])[0]
      }
        == "shapes [2, 3] and [4] cannot be broadcast (dimension 1: 3 vs 4)")
    #expect(
      OpsTest.message { () throws(OpError) in
        try OpsTest.infer("Add", [TensorType(.bool, [2]), TensorType(.bool, [2])])[0]
      }
        == "Add does not support element type bool (input 0); it takes f64, f32, f16, bf16, i64, i32, i16, i8, u64, u32, u16, u8"
    )
    #expect(
      OpsTest.message { () throws(OpError) in try OpsTest.infer("Div", [TensorType(.f32, [2])])[0] }
        == "Div takes 2 inputs, not 1")
    #expect(
      OpsTest.message { () throws(OpError) in try OpsTest.infer("Max", [])[0] } == "Max takes at least 1 input, not 0")
    #expect(
      OpsTest.message { () throws(OpError) in
        try OpsTest.one("Add", [OpsTest.f32([2], [1, 2]), TensorData(shape: [2], scalars: [Int64(1), 2])])
      }
        == "Add operand types differ: input 0 is f32, input 1 is i64")
  }
}
