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
      let a = EW.random(sa, seed: UInt64(2 * i))
      let b = EW.random(sb, seed: UInt64(2 * i + 1))
      let out = try EW.run(op, [a, b])
      let shape = try Broadcast.sizes([sa, sb])
      #expect(out.shape == shape)
      let x = a.scalars(as: Float.self)
      let y = b.scalars(as: Float.self)
      let expected = (0..<shape.reduce(1, *)).map { flat -> Float in
        let index = EW.unflatten(flat, shape)
        let u = Double(x[EW.broadcastFlat(index, sa)])
        let v = Double(y[EW.broadcastFlat(index, sb)])
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
      let a = EW.random(sa, seed: UInt64(40 + i))
      let b = EW.random(sb, seed: UInt64(80 + i))
      let slopeFits = (try? Broadcast.sizes([sa, sb])) == sa
      for op in ["Max", "Min", "PRelu", "Pow", "Mod"] where op != "PRelu" || slopeFits {
        let attributes: [(String, Attribute)] = op == "Mod" ? [("fmod", .int(1))] : []
        let fast = try EW.run(op, [a, b], attributes: attributes).scalars(as: Float.self)
        let a64 = TensorData(converting: a.doubles(), to: .f64, shape: sa)
        let b64 = TensorData(converting: b.doubles(), to: .f64, shape: sb)
        let slow = try EW.run(op, [a64, b64], attributes: attributes).doubles()
        for (f, s) in zip(fast, slow) {
          #expect(EW.ulps(f, s) <= 1, "\(op) \(sa) \(sb): \(f) vs \(s)")
        }
      }
    }
  }

  @Test func maxAndMinPropagateNaN() throws {
    let a = EW.f32([3], [.nan, 1, 2])
    let b = EW.f32([3], [0, .nan, 1])
    for op in ["Max", "Min"] {
      let out = try EW.run(op, [a, b]).scalars(as: Float.self)
      #expect(out[0].isNaN && out[1].isNaN && out[2] == (op == "Max" ? 2 : 1))
    }
  }

  @Test func variadicOpsBroadcastEveryOperand() throws {
    let a = EW.f32([2, 1], [1, 2])
    let b = EW.f32([3], [10, 20, 30])
    let c = EW.f32([1, 1], [100])
    #expect(try EW.run("Sum", [a, b, c]).scalars(as: Float.self) == [111, 121, 131, 112, 122, 132])
    let sums: [Float] = [111, 121, 131, 112, 122, 132]
    #expect(try EW.run("Mean", [a, b, c]).scalars(as: Float.self) == sums.map { $0 / 3 })
    #expect(try EW.run("Max", [a, b, c]).scalars(as: Float.self) == [100, 100, 100, 100, 100, 100])
    #expect(try EW.run("Min", [a, b]).scalars(as: Float.self) == [1, 1, 1, 2, 2, 2])
    let single = EW.f32([2], [1, -1])
    #expect(try EW.run("Mean", [single]).scalars(as: Float.self) == [1, -1])
  }

  @Test func integerDivisionTruncatesAndWraps() throws {
    let a = TensorData(shape: [6], scalars: [Int32(7), -7, 7, -7, .min, 5])
    let b = TensorData(shape: [6], scalars: [Int32(2), 2, -2, -2, -1, 0])
    #expect(try EW.run("Div", [a, b]).scalars(as: Int32.self) == [3, -3, -3, 3, .min, 0])
    let u = TensorData(shape: [3], scalars: [UInt8(200), 100, 3])
    let v = TensorData(shape: [3], scalars: [UInt8(100), 200, 250])
    #expect(try EW.run("Add", [u, v]).scalars(as: UInt8.self) == [44, 44, 253])
    #expect(try EW.run("Sub", [u, v]).scalars(as: UInt8.self) == [100, 156, 9])
    #expect(try EW.run("Mul", [u, v]).scalars(as: UInt8.self) == [32, 32, 238])
    let big = TensorData(shape: [1], scalars: [Int64.max])
    #expect(try EW.run("Add", [big, big]).scalars(as: Int64.self) == [-2])
  }

  @Test func modFollowsTheDivisorOrTheDividend() throws {
    let a = TensorData(shape: [5], scalars: [Int16(-4), 7, 5, -7, 3])
    let b = TensorData(shape: [5], scalars: [Int16(3), -3, 8, -3, 0])
    #expect(try EW.run("Mod", [a, b]).scalars(as: Int16.self) == [2, -2, 5, -1, 0])
    #expect(try EW.run("Mod", [a, b], attributes: [("fmod", .int(1))]).scalars(as: Int16.self) == [-1, 1, 5, -1, 0])
    let x = EW.f32([2], [-4.5, 7])
    let y = EW.f32([2], [2, -3])
    #expect(try EW.run("Mod", [x, y], attributes: [("fmod", .int(1))]).scalars(as: Float.self) == [-0.5, 1])
    #expect(EW.message { () throws(OpError) in try EW.run("Mod", [x, y]) } == "Mod on f32 needs fmod = 1")
  }

  @Test func unsignedSixtyFourBitOpsCompareUnsigned() throws {
    let a = TensorData(shape: [2], scalars: [UInt64.max, 1])
    let b = TensorData(shape: [2], scalars: [UInt64(2), 3])
    #expect(try EW.run("Max", [a, b]).scalars(as: UInt64.self) == [.max, 3])
    #expect(try EW.run("Div", [a, b]).scalars(as: UInt64.self) == [UInt64.max / 2, 0])
    #expect(try EW.run("Less", [a, b]).scalars(as: Bool.self) == [false, true])
  }

  @Test func powKeepsTheBaseType() throws {
    let x = EW.f32([4], [2, -0.0, -.infinity, .nan])
    let square = try EW.run("Pow", [x, EW.f32([], [2])]).scalars(as: Float.self)
    #expect(square[0] == 4 && square[1] == 0 && square[2] == .infinity && square[3].isNaN)
    let half = try EW.run("Pow", [x, EW.f32([1], [0.5])]).scalars(as: Float.self)
    #expect(
      half[0] == Float(2).squareRoot() && half[1] == 0 && half[1].sign == .plus && half[2] == .infinity && half[3].isNaN
    )
    #expect(try EW.run("Pow", [x, EW.f32([], [0])]).scalars(as: Float.self) == [1, 1, 1, 1])
    #expect(try EW.run("Pow", [x, TensorData(shape: [], scalars: [Int64(3)])]).scalars(as: Float.self)[0] == 8)
    let unsignedExponent = try EW.run("Pow", [x, TensorData(shape: [4], scalars: [UInt64(3), 2, 1, 0])])
    #expect(unsignedExponent.scalars(as: Float.self).prefix(3) == [8, 0, -.infinity])
    let ints = TensorData(shape: [5], scalars: [Int32(3), -2, 1, -1, 2])
    let exponents = TensorData(shape: [5], scalars: [Int64(4), 3, -5, -3, 40])
    #expect(try EW.run("Pow", [ints, exponents]).scalars(as: Int32.self) == [81, -8, 1, -1, 0])
    let fractional = try EW.run("Pow", [ints, EW.f32([5], [0.5, 2, 2, 2, 0.5])])
    #expect(fractional.scalars(as: Int32.self) == [1, 4, 1, 1, 1])
  }

  @Test func preluBroadcastsTheSlopeToX() throws {
    let x = EW.f32([2, 2], [-2, 3, -4, 5])
    let slope = EW.f32([2], [0.5, 0.25])
    #expect(try EW.run("PRelu", [x, slope]).scalars(as: Float.self) == [-1, 3, -2, 5])
    #expect(
      EW.message { () throws(OpError) in try EW.run("PRelu", [slope, x]) }
        == "PRelu slope tensor<2x2xf32> does not broadcast to the input tensor<2xf32>")
  }

  @Test func bitShiftShiftsOutToZero() throws {
    let x = TensorData(shape: [3], scalars: [UInt8(0b1001), 255, 1])
    let n = TensorData(shape: [3], scalars: [UInt8(1), 4, 8])
    #expect(
      try EW.run("BitShift", [x, n], attributes: [("direction", .string("LEFT"))]).scalars(as: UInt8.self) == [
        18, 240, 0,
      ])
    #expect(
      try EW.run("BitShift", [x, n], attributes: [("direction", .string("RIGHT"))]).scalars(as: UInt8.self) == [
        4, 15, 0,
      ])
    #expect(
      EW.message { () throws(OpError) in try EW.run("BitShift", [x, n]) }
        == "BitShift needs the attribute 'direction' (\"LEFT\" or \"RIGHT\")")
  }

  @Test func inferenceKeepsSymbolicDims() throws {
    let a = TensorType(.f32, .ranked([.symbolic("n"), .fixed(1), .fixed(4)]))
    let b = TensorType(.f32, [3, 1])
    #expect(try EW.infer("Add", [a, b]) == TensorType(.f32, .ranked([.symbolic("n"), .fixed(3), .fixed(4)])))
    #expect(try EW.infer("Mul", [TensorType(.f32, .unranked), b]) == TensorType(.f32, .unranked))
    #expect(try EW.infer("Pow", [TensorType(.i32, [2]), TensorType(.f32, [])]) == TensorType(.i32, [2]))
  }

  @Test func rejectsMixedTypesAndShapes() {
    #expect(
      EW.message { () throws(OpError) in try EW.infer("Add", [TensorType(.f32, [2]), TensorType(.i64, [2])]) }
        == "Add operand types differ: input 0 is f32, input 1 is i64")
    #expect(
      EW.message { () throws(OpError) in try EW.infer("Sub", [TensorType(.f32, [2, 3]), TensorType(.f32, [4])]) }
        == "shapes [2, 3] and [4] cannot be broadcast (dimension 1: 3 vs 4)")
    #expect(
      EW.message { () throws(OpError) in try EW.infer("Add", [TensorType(.bool, [2]), TensorType(.bool, [2])]) }
        == "Add does not support element type bool (input 0); it takes f64, f32, f16, bf16, i64, i32, i16, i8, u64, u32, u16, u8"
    )
    #expect(
      EW.message { () throws(OpError) in try EW.infer("Div", [TensorType(.f32, [2])]) } == "Div takes 2 inputs, not 1")
    #expect(EW.message { () throws(OpError) in try EW.infer("Max", []) } == "Max takes at least 1 input, not 0")
    #expect(
      EW.message { () throws(OpError) in
        try EW.run("Add", [EW.f32([2], [1, 2]), TensorData(shape: [2], scalars: [Int64(1), 2])])
      }
        == "Add operand types differ: input 0 is f32, input 1 is i64")
  }
}
