import Testing
import QCCIR
@testable import QCCOps

#if canImport(Glibc)
import Glibc
#endif

/// Reduces `x` over `axes` (normalised) with `f` applied to each group of values, in Double.
private func reference(_ x: TensorData, axes: [Int], keep: Bool, _ f: ([Double]) -> Double) -> (values: [Double], shape: [Int]) {
  let shape = x.shape, v = x.doubles(), str = OpsTest.strides(shape)
  let keptAxes = shape.indices.filter { !axes.contains($0) }
  var out: [Double] = []
  for o in OpsTest.indices(keptAxes.map { shape[$0] }) {
    var group: [Double] = []
    for r in OpsTest.indices(axes.map { shape[$0] }) {
      var flat = 0
      for (i, a) in keptAxes.enumerated() { flat += o[i] * str[a] }
      for (i, a) in axes.enumerated() { flat += r[i] * str[a] }
      group.append(v[flat])
    }
    out.append(f(group))
  }
  let outShape = shape.indices.compactMap { axes.contains($0) ? (keep ? 1 : nil) : shape[$0] }
  return (out, outShape)
}

private let kinds: [(String, @Sendable ([Double]) -> Double)] = [
  ("ReduceSum", { $0.reduce(0, +) }),
  ("ReduceMean", { $0.reduce(0, +) / Double($0.count) }),
  ("ReduceMax", { $0.max()! }),
  ("ReduceMin", { $0.min()! }),
  ("ReduceProd", { $0.reduce(1, *) }),
  ("ReduceSumSquare", { $0.reduce(0) { $0 + $1 * $1 } }),
  ("ReduceL1", { $0.reduce(0) { $0 + abs($1) } }),
  ("ReduceL2", { $0.reduce(0) { $0 + $1 * $1 }.squareRoot() }),
  ("ReduceLogSum", { log($0.reduce(0) { $0 + abs($1) }) }),
  ("ReduceLogSumExp", { v in let m = v.max()!; return m + log(v.reduce(0) { $0 + exp($1 - m) }) }),
]

@Suite struct LinearAlgebraReductionTests {
  /// Contiguous blocks (last axis, middle axis, leading axes, all) and a split set that needs the copy.
  @Test(arguments: [[2], [1], [0, 1], [0, 1, 2], [0, 2], [1, 3]])
  func everyKindOverEveryLayout(_ axes: [Int]) throws {
    let shape = axes.contains(3) ? [2, 3, 1, 5] : [2, 3, 5]
    let x = OpsTest.random(shape, seed: 41)
    for (name, f) in kinds {
      // ReduceLogSum of negative sums is NaN: feed it absolute values.
      let input = name == "ReduceLogSum" ? OpsTest.f32(shape, x.scalars(as: Float.self).map(abs)) : x
      for keep in [true, false] {
        let y = try OpsTest.run(name, [.input(input), .constant(OpsTest.i64(axes.map(Int64.init)))], attributes: [("keepdims", .int(keep ? 1 : 0))])[0]
        let ref = reference(input, axes: axes, keep: keep, f)
        OpsTest.expectClose(y, ref.values, shape: ref.shape, rtol: 1e-5, atol: 1e-6)
      }
    }
  }

  @Test func axesInputEmptyOrOmitted() throws {
    let x = OpsTest.random([2, 3], seed: 42)
    let all = try OpsTest.one("ReduceSum", [x])
    OpsTest.expectClose(all, [x.doubles().reduce(0, +)], shape: [1, 1])
    let empty = TensorData(shape: [0], scalars: [Int64]())
    let noop = try OpsTest.run("ReduceSum", [.input(x), .constant(empty)], attributes: [("noop_with_empty_axes", .int(1))])[0]
    #expect(noop.isIdentical(to: x))
    let allToo = try OpsTest.run("ReduceMax", [.input(x), .constant(empty)], attributes: [("keepdims", .int(0))])[0]
    OpsTest.expectClose(allToo, [x.doubles().max()!], shape: [])
    // Negative axes.
    let negative = try OpsTest.run("ReduceMean", [.input(x), .constant(OpsTest.i64([-1]))])[0]
    #expect(negative.shape == [2, 1])
  }

  @Test func unknownAxesInferWhatIsKnowable() throws {
    var g = Graph()
    let x = g.addInput(name: "x", type: TensorType(.f32, [4, 1, 3]))
    let axes = g.addInput(name: "axes", type: TensorType(.i64, [2]))
    let keep = g.addNode(op: "ReduceSum", inputs: [x, axes], resultTypes: [TensorType(.f32, .unranked)])
    let drop = g.addNode(op: "ReduceSum", inputs: [x, axes], resultTypes: [TensorType(.f32, .unranked)],
                         attributes: Attributes([("keepdims", .int(0))]))
    #expect(try OpRegistry.standard.inferTypes(of: g[keep], in: g) == [TensorType(.f32, .ranked([.symbolic(nil), 1, .symbolic(nil)]))])
    #expect(try OpRegistry.standard.inferTypes(of: g[drop], in: g) == [TensorType(.f32, .ranked([.symbolic(nil)]))])
  }

  @Test func integerReductionsAreExact() throws {
    let x = TensorData(shape: [2, 2], scalars: [Int32.max, 1, -7, 3])
    let sum = try OpsTest.run("ReduceSum", [.input(x), .constant(OpsTest.i64([1]))])[0]
    #expect(sum.scalars(as: Int32.self) == [Int32.min, -4])
    let big = TensorData(shape: [2], scalars: [Int64(1) << 60, 1])
    let s64 = try OpsTest.one("ReduceSum", [big])
    #expect(s64.scalars(as: Int64.self) == [(Int64(1) << 60) + 1])
    let mx = try OpsTest.run("ReduceMax", [.input(x), .constant(OpsTest.i64([0]))], attributes: [("keepdims", .int(0))])[0]
    #expect(mx.scalars(as: Int32.self) == [Int32.max, 3])
  }

  @Test func f64LogSumExpKeepsDoublePrecision() throws {
    let v: [Double] = [1000, 1000 + 1e-9, 999]
    let y = try OpsTest.one("ReduceLogSumExp", [TensorData(shape: [3], scalars: v)])
    #expect(y.elementType == .f64)
    let expected = 1000 + log(1 + exp(1e-9) + exp(-1))
    #expect(abs(y.scalars(as: Double.self)[0] - expected) < 1e-12)
  }

  @Test func reduceErrors() {
    #expect(OpsTest.error("ReduceSum", [.input(OpsTest.random([2, 3])), .constant(OpsTest.i64([2]))]) == "axes 2 is out of range for rank 2")
    #expect(OpsTest.error("ReduceSum", [.input(OpsTest.random([2, 3])), .constant(OpsTest.i64([1, -1]))]) == "axes [1, -1] repeats axis -1")
  }

  @Test(arguments: [false, true])
  func argMaxAndArgMinWithTies(_ last: Bool) throws {
    let x = OpsTest.f32([2, 4], [1, 5, 5, 0, 2, 2, -1, -1])
    let attributes: [(String, Attribute)] = [("axis", .int(1)), ("select_last_index", .int(last ? 1 : 0))]
    let mx = try OpsTest.one("ArgMax", [x], attributes: attributes), mn = try OpsTest.one("ArgMin", [x], attributes: attributes)
    #expect(mx.shape == [2, 1])
    #expect(mx.scalars(as: Int64.self) == (last ? [2, 1] : [1, 0]))
    #expect(mn.scalars(as: Int64.self) == (last ? [3, 3] : [3, 2]))
    let column = try OpsTest.one("ArgMax", [x], attributes: [("keepdims", .int(0))])
    #expect(column.scalars(as: Int64.self) == [1, 0, 0, 0])
    let f64 = try OpsTest.one("ArgMin", [TensorData(converting: x.doubles(), to: .f64, shape: x.shape)], attributes: attributes)
    #expect(f64.scalars(as: Int64.self) == mn.scalars(as: Int64.self))
  }
}
