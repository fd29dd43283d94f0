import Testing
import QCCIR
@testable import QCCOps

/// numpy matmul in Double, operands already promoted to rank ≥ 2, batch dims broadcast.
private func referenceMatMul(_ a: TensorData, _ b: TensorData) -> (values: [Double], shape: [Int]) {
  let x = a.doubles(), w = b.doubles()
  let sa = a.shape, sb = b.shape
  let m = sa[sa.count - 2], k = sa[sa.count - 1], n = sb[sb.count - 1]
  let rank = max(sa.count, sb.count) - 2
  let ba = [Int](repeating: 1, count: rank - (sa.count - 2)) + sa.dropLast(2)
  let bb = [Int](repeating: 1, count: rank - (sb.count - 2)) + sb.dropLast(2)
  let batch = zip(ba, bb).map { max($0, $1) }
  var out: [Double] = []
  for index in OpsTest.indices(batch) {
    var oa = 0, ob = 0
    for d in 0..<rank {
      oa = oa * ba[d] + (ba[d] == 1 ? 0 : index[d])
      ob = ob * bb[d] + (bb[d] == 1 ? 0 : index[d])
    }
    for i in 0..<m {
      for j in 0..<n {
        var s = 0.0
        for t in 0..<k { s += x[oa * m * k + i * k + t] * w[ob * k * n + t * n + j] }
        out.append(s)
      }
    }
  }
  return (out, batch + [m, n])
}

@Suite struct LinearAlgebraMatMulTests {
  @Test(arguments: [
    ([3, 4], [4, 5]),  // plain GEMM
    ([2, 3, 4], [4, 5]),  // batch folded into M
    ([2, 3, 4], [2, 4, 5]),  // batched, equal batches
    ([2, 1, 3, 4], [1, 5, 4, 2]),  // both broadcast
    ([3, 4], [6, 4, 2]),  // left operand broadcast over the batch
    ([1, 3, 197, 64], [1, 3, 64, 197]),  // attention scores, per head
  ])
  func agreesWithReference(_ shapes: ([Int], [Int])) throws {
    let a = OpsTest.random(shapes.0, seed: 1), b = OpsTest.random(shapes.1, seed: 2)
    let y = try OpsTest.one("MatMul", [a, b])
    let ref = referenceMatMul(a, b)
    OpsTest.expectClose(y, ref.values, shape: ref.shape)
  }

  @Test func promotesVectorsAndDropsThePromotedDims() throws {
    let v = OpsTest.f32([3], [1, 2, 3]), m = OpsTest.f32([3, 2], [1, 2, 3, 4, 5, 6])
    let left = try OpsTest.one("MatMul", [v, m])
    OpsTest.expectClose(left, [22, 28], shape: [2])
    let right = try OpsTest.one("MatMul", [OpsTest.f32([2, 3], [1, 2, 3, 4, 5, 6]), v])
    OpsTest.expectClose(right, [14, 32], shape: [2])
    let dot = try OpsTest.one("MatMul", [v, v])
    OpsTest.expectClose(dot, [14], shape: [])
    let batched = try OpsTest.one("MatMul", [OpsTest.random([4, 2, 3]), v])
    #expect(batched.shape == [4, 2])
  }

  @Test func nonF32TypesTakeTheReferencePath() throws {
    let a = OpsTest.random([2, 3, 4], seed: 3), b = OpsTest.random([4, 5], seed: 4)
    let y32 = try OpsTest.one("MatMul", [a, b])
    let y64 = try OpsTest.one("MatMul", [TensorData(converting: a.doubles(), to: .f64, shape: a.shape),
                                   TensorData(converting: b.doubles(), to: .f64, shape: b.shape)])
    #expect(y64.elementType == .f64)
    OpsTest.expectClose(y32, y64.doubles())
    let i = try OpsTest.one("MatMul", [TensorData(shape: [2, 2], scalars: [Int32.max, 1, 2, 3]),
                                 TensorData(shape: [2, 1], scalars: [Int32(2), 1])])
    #expect(i.scalars(as: Int32.self) == [Int32.max &* 2 &+ 1, 7])
  }

  @Test func emptyInnerDimensionGivesZeros() throws {
    let y = try OpsTest.one("MatMul", [TensorData(zeros: .f32, shape: [2, 0]), TensorData(zeros: .f32, shape: [0, 3])])
    #expect(y.scalars(as: Float.self) == [Float](repeating: 0, count: 6))
  }

  @Test func symbolicShapesInferWithoutCrashing() throws {
    var g = Graph()
    let a = g.addInput(name: "a", type: TensorType(.f32, .ranked([.symbolic("b"), 7, .symbolic(nil)])))
    let b = g.addInput(name: "b", type: TensorType(.f32, .ranked([.symbolic(nil), 5])))
    let n = g.addNode(op: "MatMul", inputs: [a, b], resultTypes: [TensorType(.f32, .unranked)])
    let t = try OpRegistry.standard.inferTypes(of: g[n], in: g)
    #expect(t == [TensorType(.f32, .ranked([.symbolic("b"), 7, 5]))])
  }

  @Test func rejectsMismatchedOperands() {
    #expect(OpsTest.error("MatMul", [.input(OpsTest.random([2, 3])), .input(OpsTest.random([4, 5]))])
      == "MatMul inner dimensions differ: [2, 3] x [4, 5] (3 vs 4)")
    #expect(OpsTest.error("MatMul", [.input(OpsTest.random([2, 2, 3])), .input(OpsTest.random([3, 3, 5]))])
      == "MatMul batch dimensions of [2, 2, 3] and [3, 3, 5] do not broadcast")
    #expect(OpsTest.error("MatMul", [.input(OpsTest.random([2, 3])), .input(TensorData(converting: [1, 2, 3] as [Double], to: .f64, shape: [3]))])
      == "MatMul operand element types differ: f32 and f64")
  }

  @Test(arguments: [
    (false, false, [1, 5] as [Int]), (true, false, [5]), (false, true, [4, 1]), (true, true, [1]), (false, false, [4, 5]),
  ])
  func gemmMatchesDefinition(_ c: (transA: Bool, transB: Bool, bias: [Int])) throws {
    let m = 4, n = 5, k = 3
    let a = OpsTest.random(c.transA ? [k, m] : [m, k], seed: 5), b = OpsTest.random(c.transB ? [n, k] : [k, n], seed: 6)
    let bias = OpsTest.random(c.bias, seed: 7)
    let alpha: Float = 0.5, beta: Float = 2
    let y = try OpsTest.one("Gemm", [a, b, bias], attributes: [
      ("transA", .int(c.transA ? 1 : 0)), ("transB", .int(c.transB ? 1 : 0)), ("alpha", .float(alpha)), ("beta", .float(beta)),
    ])
    let x = a.doubles(), w = b.doubles(), cb = bias.doubles()
    var expected: [Double] = []
    for i in 0..<m {
      for j in 0..<n {
        var s = 0.0
        for t in 0..<k { s += x[c.transA ? t * m + i : i * k + t] * w[c.transB ? j * k + t : t * n + j] }
        let bi = c.bias.count == 2 ? (c.bias[0] == 1 ? 0 : i) * c.bias[1] + (c.bias[1] == 1 ? 0 : j) : (c.bias[0] == 1 ? 0 : j)
        expected.append(Double(alpha) * s + Double(beta) * cb[bi])
      }
    }
    OpsTest.expectClose(y, expected, shape: [m, n])
  }

  @Test func gemmWithoutBiasAndF64() throws {
    let a = OpsTest.random([2, 3], seed: 8), b = OpsTest.random([3, 4], seed: 9)
    let y = try OpsTest.one("Gemm", [a, b])
    OpsTest.expectClose(y, referenceMatMul(a, b).values)
    let y64 = try OpsTest.one("Gemm", [TensorData(converting: a.doubles(), to: .f64, shape: a.shape),
                                 TensorData(converting: b.doubles(), to: .f64, shape: b.shape)])
    OpsTest.expectClose(y64, referenceMatMul(a, b).values, rtol: 1e-12)
  }

  @Test func gemmRejectsBadBias() {
    #expect(OpsTest.error("Gemm", [.input(OpsTest.random([2, 3])), .input(OpsTest.random([3, 4])), .input(OpsTest.random([3]))])
      == "Gemm input C [3] does not broadcast to [2, 4]")
    #expect(OpsTest.error("Gemm", [.input(OpsTest.random([2, 3, 1])), .input(OpsTest.random([3, 4]))])
      == "Gemm input A must have rank 2, not 3")
  }
}
