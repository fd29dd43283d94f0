import QCCIR
import Testing

@testable import QCCOps

/// CumSum and TopK: the f32 kernel against a Double reference along every
/// axis, tie order, and errors.
@Suite struct LinearAlgebraCumSumTopKTests {
  @Test func cumSumKernelMatchesReferenceOnEveryAxis() throws {
    let x = OpsTest.random([3, 4, 5], seed: 4)
    let v = x.doubles()
    for axis in -3..<3 {
      for exclusive in [0, 1] {
        for reverse in [0, 1] {
          let y = try OpsTest.run(
            "CumSum", [x, TensorData(scalar: Int64(axis))],
            attributes: [("exclusive", .int(Int64(exclusive))), ("reverse", .int(Int64(reverse)))])[0]
          let a = (axis + 3) % 3
          let expected = OpsTest.indices([3, 4, 5]).map { p -> Double in
            var total = 0.0
            for k in 0..<x.shape[a] {
              let included = reverse == 1 ? (exclusive == 1 ? k > p[a] : k >= p[a]) : (exclusive == 1 ? k < p[a] : k <= p[a])
              if included {
                var q = p
                q[a] = k
                total += v[(q[0] * 4 + q[1]) * 5 + q[2]]
              }
            }
            return total
          }
          OpsTest.expectClose(y, expected, rtol: 1e-5, atol: 1e-6)
        }
      }
    }
  }

  @Test func cumSumWrapsIntegersAndChecksTheAxis() throws {
    let x = TensorData(shape: [3], scalars: [Int32.max, 1, 1])
    let y = try OpsTest.run("CumSum", [x, OpsTest.i64([0])])[0]
    #expect(y.scalars(as: Int32.self) == [Int32.max, Int32.min, Int32.min + 1])
    #expect(OpsTest.error("CumSum", [.input(OpsTest.iota([2, 2])), .constant(TensorData(scalar: Int64(2)))]) != nil)
    #expect(OpsTest.error("CumSum", [.input(OpsTest.iota([2, 2])), .constant(OpsTest.i64([0, 1]))]) != nil)
    // An axis known only at run time still types the result.
    #expect(
      try OpsTest.infer("CumSum", [TensorType(.f32, .ranked([.symbolic("b"), 5])), TensorType(.i64, .ranked([]))])
        == [TensorType(.f32, .ranked([.symbolic("b"), 5]))])
  }

  @Test func topKBreaksTiesByLowerIndex() throws {
    let x = OpsTest.f32([2, 6], [3, 1, 3, 2, 3, 0, 5, 5, .nan, 1, 2, 9])
    let out = try OpsTest.run("TopK", [.input(x), .constant(OpsTest.i64([4]))], results: 2)
    #expect(out[1].integers()! == [0, 2, 4, 3, 2, 5, 0, 1])
    let values = out[0].doubles()
    #expect(Array(values[0..<4]) == [3, 3, 3, 2])
    #expect(values[4].isNaN && Array(values[5..<8]) == [9, 5, 5])
    let smallest = try OpsTest.run(
      "TopK", [.input(x), .constant(OpsTest.i64([3]))], attributes: [("largest", .int(0))], results: 2)
    #expect(smallest[1].integers()! == [5, 1, 3, 3, 4, 0])
  }

  @Test func topKRejectsLargeKAndKeepsSymbolicDims() throws {
    #expect(
      OpsTest.message { () throws(OpError) in
        try OpsTest.run("TopK", [.input(OpsTest.iota([2, 3])), .constant(OpsTest.i64([4]))], results: 2)
      } == "TopK k 4 is larger than axis 1 of size 3")
    let types = try OpsTest.infer(
      "TopK", [TensorType(.f32, .ranked([.symbolic("b"), 100])), TensorType(.i64, [1])], results: 2)
    #expect(types == [TensorType(.f32, .ranked([.symbolic("b"), .symbolic(nil)])), TensorType(.i64, .ranked([.symbolic("b"), .symbolic(nil)]))])
  }
}
