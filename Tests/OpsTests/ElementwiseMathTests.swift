import QCCIR
import Testing

@testable import QCCOps

#if canImport(Glibc)
import Glibc
#endif

/// The vectorised f32 math functions against libm in Double, and the
/// activations' attributes and special values.
@Suite struct ElementwiseMathTests {
  /// 40001 points over [-20, 20] plus the special values.
  static let sweep: [Float] =
    (0...40000).map { Float(-20 + Double($0) / 1000) }
    + [
      0, -0.0, .infinity, -.infinity, .nan, 1e-30, -1e-30, Float(bitPattern: 0x0001_0000), 88.7, 89, 100, -87, -103,
      -104, -200, 3.92, 0.875, 1.5,
    ]

  /// Op, Double reference, and the error bound (in ulps) the header documents.
  static let functions: [(String, @Sendable (Double) -> Double, Double)] = [
    ("Exp", { exp($0) }, 1.01),
    ("Erf", { erf($0) }, 0.82),
    ("Tanh", { tanh($0) }, 1.06),
    ("Sigmoid", { 1 / (1 + exp(-$0)) }, 2.4),
    ("Softplus", { $0 > 0 ? $0 + log1p(exp(-$0)) : log1p(exp($0)) }, 2.1),
  ]

  @Test(arguments: 0..<5)
  func vectorisedFunctionsStayWithinTheirBounds(index: Int) throws {
    let (op, reference, bound) = Self.functions[index]
    let x = TensorData(shape: [Self.sweep.count], scalars: Self.sweep)
    let y = try OpsTest.one(op, [x]).scalars(as: Float.self)
    var worst = 0.0
    for (v, r) in zip(Self.sweep, y) {
      let e = OpsTest.ulps(r, reference(Double(v)))
      worst = max(worst, e)
      #expect(e <= bound, "\(op)(\(v)) = \(r), expected \(reference(Double(v)))")
    }
    #expect(worst > 0.2, "\(op) is suspiciously exact: is the kernel being tested?")
  }

  @Test func geluMatchesBothDefinitions() throws {
    let x = TensorData(shape: [Self.sweep.count], scalars: Self.sweep)
    let exact = try OpsTest.one("Gelu", [x]).scalars(as: Float.self)
    let approx = try OpsTest.one("Gelu", [x], attributes: [("approximate", .string("tanh"))]).scalars(as: Float.self)
    for (i, v) in Self.sweep.enumerated() {
      let d = Double(v)
      let e = 0.5 * d * (1 + erf(d / 2.0.squareRoot()))
      let t = 0.5 * d * (1 + tanh((2 / Double.pi).squareRoot() * (d + 0.044715 * d * d * d)))
      // 1 + erf cancels for x < -3; there the error is absolute.
      #expect(OpsTest.ulps(exact[i], e) <= 3 || abs(Double(exact[i]) - e) < 1e-7, "Gelu(\(v))")
      #expect(OpsTest.ulps(approx[i], t) <= 4 || abs(Double(approx[i]) - t) < 1e-7, "Gelu tanh(\(v))")
    }
    #expect(
      OpsTest.message { () throws(OpError) in try OpsTest.one("Gelu", [x], attributes: [("approximate", .string("fast"))]) }
        == "Gelu attribute approximate must be \"none\" or \"tanh\", not \"fast\"")
  }

  @Test func f16AndF64UseTheSameDefinitions() throws {
    let values: [Float] = [-3, -0.5, 0, 0.25, 2]
    for op in ["Erf", "Tanh", "Sigmoid", "Softplus", "Exp", "Sqrt", "HardSwish", "Relu", "Round", "Sign"] {
      let f32 = try OpsTest.one(op, [OpsTest.f32([5], values.map(\.magnitude))]).doubles()
      let f64 = try OpsTest.one(op, [TensorData(converting: values.map { Double($0.magnitude) }, to: .f64, shape: [5])])
        .doubles()
      let f16 = try OpsTest.one(op, [TensorData(converting: values.map { Double($0.magnitude) }, to: .f16, shape: [5])])
      #expect(f16.elementType == .f16)
      for i in 0..<5 {
        #expect(abs(f32[i] - f64[i]) <= 3e-7 * max(1, abs(f64[i])), "\(op)")
        #expect(abs(f16.doubles()[i] - f64[i]) <= 1e-3 * max(1, abs(f64[i])), "\(op) f16")
      }
    }
  }

  @Test func activationsUseTheirAttributes() throws {
    let x = OpsTest.f32([5], [-2, -0.5, 0, 0.5, 3])
    func run(_ op: String, _ attributes: [(String, Attribute)] = []) throws -> [Float] {
      try OpsTest.one(op, [x], attributes: attributes).scalars(as: Float.self)
    }
    let v = x.scalars(as: Float.self)
    // Expectations in Float arithmetic, rounding where the kernels round.
    #expect(try run("LeakyRelu") == v.map { $0 < 0 ? 0.01 * $0 : $0 })
    #expect(try run("LeakyRelu", [("alpha", .float(0.5))]) == [-1, -0.25, 0, 0.5, 3])
    #expect(try run("HardSigmoid") == v.map { Swift.min(Swift.max(0.2 * $0 + 0.5, 0), 1) })
    #expect(try run("HardSigmoid", [("alpha", .float(1)), ("beta", .float(0))]) == [0, 0, 0, 0.5, 1])
    #expect(try run("HardSwish") == v.map { $0 * Swift.min(Swift.max($0 * (1 / 6) + 0.5, 0), 1) })
    #expect(try run("ThresholdedRelu", [("alpha", .float(0.4))]) == [0, 0, 0, 0.5, 3])
    #expect(try run("Shrink", [("lambd", .float(1)), ("bias", .float(0.5))]) == [-1.5, 0, 0, 0, 2.5])
    #expect(try run("Relu") == [0, 0, 0, 0.5, 3])
    #expect(try run("Softsign") == [-2.0 / 3, -0.5 / 1.5, 0, 0.5 / 1.5, 0.75])
    let elu = try run("Elu", [("alpha", .float(2))])
    #expect(elu[0] == 2 * expm1f(-2) && elu[4] == 3)
    let celu = try run("Celu", [("alpha", .float(2))])
    #expect(celu[0] == 2 * expm1f(-1) && celu[3] == 0.5)
  }

  @Test func specialValuesPassThroughActivations() throws {
    let x = OpsTest.f32([3], [.nan, .infinity, -.infinity])
    for op in [
      "Relu", "LeakyRelu", "Elu", "Selu", "Tanh", "Sigmoid", "Softplus", "Erf", "Gelu", "HardSigmoid", "Sign", "Abs",
    ] {
      let y = try OpsTest.one(op, [x]).scalars(as: Float.self)
      #expect(y[0].isNaN, "\(op)(NaN) = \(y[0])")
    }
    let tails =
      ["Tanh": [1, -1], "Sigmoid": [1, 0], "Erf": [1, -1], "Softplus": [.infinity, 0], "Exp": [.infinity, 0]]
      as [String: [Float]]
    for (op, expected) in tails {
      let y = try OpsTest.one(op, [x]).scalars(as: Float.self)
      #expect(Array(y[1...]) == expected, "\(op) at ±inf")
    }
  }

  @Test func roundingOpsRoundHalvesToEven() throws {
    let x = OpsTest.f32([8], [0.5, 1.5, 2.5, -0.5, -1.5, 2.3, -2.7, 1e30])
    #expect(try OpsTest.one("Round", [x]).scalars(as: Float.self) == [0, 2, 2, -0, -2, 2, -3, 1e30])
    #expect(try OpsTest.one("Floor", [x]).scalars(as: Float.self) == [0, 1, 2, -1, -2, 2, -3, 1e30])
    #expect(try OpsTest.one("Ceil", [x]).scalars(as: Float.self) == [1, 2, 3, -0, -1, 3, -2, 1e30])
  }

  @Test func integerUnaryOpsWrap() throws {
    let x = TensorData(shape: [4], scalars: [Int8.min, -3, 0, 5])
    #expect(try OpsTest.one("Neg", [x]).scalars(as: Int8.self) == [.min, 3, 0, -5])
    #expect(try OpsTest.one("Abs", [x]).scalars(as: Int8.self) == [.min, 3, 0, 5])
    #expect(try OpsTest.one("Sign", [x]).scalars(as: Int8.self) == [-1, -1, 0, 1])
    #expect(try OpsTest.one("Relu", [x]).scalars(as: Int8.self) == [0, 0, 0, 5])
    #expect(
      OpsTest.message { () throws(OpError) in try OpsTest.one("Neg", [TensorData(shape: [1], scalars: [UInt8(1)])]) }
        == "Neg does not support element type u8 (input 0); it takes f64, f32, f16, bf16, i64, i32, i16, i8")
    #expect(
      OpsTest.message { () throws(OpError) in try OpsTest.one("Sqrt", [TensorData(shape: [1], scalars: [Int32(4)])]) }
        == "Sqrt does not support element type i32 (input 0); it takes f64, f32, f16, bf16")
  }
}
