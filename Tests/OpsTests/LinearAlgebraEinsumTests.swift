import Testing
import QCCIR
@testable import QCCOps

/// Einsum by brute force for letter-only equations with an explicit output: every assignment of every label.
private func referenceEinsum(_ equation: String, _ operands: [TensorData]) -> (values: [Double], shape: [Int]) {
  let sides = equation.split(separator: "-").map { $0.trimmingPrefix(">") }
  let terms = sides[0].split(separator: ",").map { Array($0) }
  let output = sides.count > 1 ? Array(sides[1]) : []
  var size: [Character: Int] = [:]
  for (term, t) in zip(terms, operands) { for (l, n) in zip(term, t.shape) { size[l] = max(size[l] ?? 1, n) } }
  let labels = Array(size.keys).sorted()
  let values = operands.map { $0.doubles() }
  let outShape = output.map { size[$0]! }
  var out = [Double](repeating: 0, count: outShape.reduce(1, *))
  for assignment in OpsTest.indices(labels.map { size[$0]! }) {
    let at = Dictionary(uniqueKeysWithValues: zip(labels, assignment))
    var p = 1.0
    for (k, term) in terms.enumerated() {
      var flat = 0
      for (l, n) in zip(term, operands[k].shape) { flat = flat * n + (n == 1 ? 0 : at[l]!) }
      p *= values[k][flat]
    }
    var o = 0
    for (l, n) in zip(output, outShape) { o = o * n + at[l]! }
    out[o] += p
  }
  return (out, outShape)
}

@Suite struct LinearAlgebraEinsumTests {
  @Test(arguments: [
    ("ij,jk->ik", [[3, 4], [4, 5]]),
    ("bij,bjk->bik", [[2, 3, 4], [2, 4, 5]]),
    ("bij,bkj->bik", [[2, 3, 4], [2, 5, 4]]),  // transposed right operand: sgemm's transB
    ("bji,bkj->bik", [[2, 4, 3], [2, 5, 4]]),  // both transposed
    ("bij,jk->bik", [[2, 3, 4], [4, 5]]),  // a label only on the left joins M
    ("bij,bjk->bik", [[2, 3, 4], [1, 4, 5]]),  // broadcast batch: copied, not passed as is
    ("ij->ji", [[3, 4]]),
    ("ij->i", [[3, 4]]),
    ("ij->", [[3, 4]]),
    ("ii->i", [[4, 4]]),
    ("ii->", [[4, 4]]),
    ("iij->ij", [[3, 3, 2]]),
    ("i,i->", [[5], [5]]),
    ("i,j->ij", [[3], [4]]),
    ("ij,ij->ij", [[3, 4], [3, 4]]),
    ("ij,kj->ik", [[3, 4], [1, 4]]),  // a size-1 dim of a free label
    ("bhqd,bhkd->bhqk", [[1, 3, 5, 4], [1, 3, 6, 4]]),
    ("abc,cd,de->abe", [[2, 3, 4], [4, 5], [5, 2]]),
    ("ijk,ikl,j->l", [[2, 3, 4], [2, 4, 5], [3]]),
    ("nhwpqc->nchpwq", [[1, 2, 3, 2, 2, 4]]),  // the DiT unpatchify permutation
  ])
  func agreesWithBruteForce(_ c: (String, [[Int]])) throws {
    let operands = c.1.enumerated().map { OpsTest.random($1, seed: UInt32(51 + $0)) }
    let y = try OpsTest.one("Einsum", operands, attributes: [("equation", .string(c.0))])
    let ref = referenceEinsum(c.0, operands)
    OpsTest.expectClose(y, ref.values, shape: ref.shape, rtol: 1e-5, atol: 1e-5)
  }

  @Test func ellipsisBroadcastsAndImplicitOutputs() throws {
    let a = OpsTest.random([2, 1, 3, 4], seed: 61), b = OpsTest.random([5, 4, 2], seed: 62)
    let y = try OpsTest.one("Einsum", [a, b], attributes: [("equation", .string("...ij,...jk->...ik"))])
    #expect(y.shape == [2, 5, 3, 2])
    let mm = try OpsTest.one("MatMul", [a, b])
    OpsTest.expectClose(y, mm.doubles())
    // Implicit output: the letters used once, alphabetically ("ba,ac" gives "bc").
    let p = OpsTest.random([3, 2], seed: 63), q = OpsTest.random([2, 4], seed: 64)
    let implicit = try OpsTest.one("Einsum", [p, q], attributes: [("equation", .string("ba,ac"))])
    OpsTest.expectClose(implicit, referenceEinsum("ba,ac->bc", [p, q]).values, shape: [3, 4])
    // A batch of diagonals through the ellipsis.
    let d = OpsTest.random([2, 3, 3], seed: 65)
    let diag = try OpsTest.one("Einsum", [d], attributes: [("equation", .string("...ii->...i"))])
    #expect(diag.shape == [2, 3])
    let v = d.doubles()
    OpsTest.expectClose(diag, (0..<2).flatMap { n in (0..<3).map { v[n * 9 + $0 * 4] } })
  }

  @Test func f64EinsumUsesTheReferenceMatMul() throws {
    let a = OpsTest.random([3, 4], seed: 66), b = OpsTest.random([4, 2], seed: 67)
    let y = try OpsTest.one("Einsum", [TensorData(converting: a.doubles(), to: .f64, shape: a.shape),
                                 TensorData(converting: b.doubles(), to: .f64, shape: b.shape)], attributes: [("equation", .string("ij,jk->ik"))])
    #expect(y.elementType == .f64)
    OpsTest.expectClose(y, referenceEinsum("ij,jk->ik", [a, b]).values, rtol: 1e-12, atol: 1e-12)
  }

  @Test func einsumErrors() {
    let m = OpsTest.random([2, 3])
    #expect(OpsTest.error("Einsum", [.input(m)], attributes: [("equation", .string("ijk->i"))])
      == "Einsum term 'ijk' has 3 letters, but its operand has rank 2")
    #expect(OpsTest.error("Einsum", [.input(m)], attributes: [("equation", .string("ij->k"))]) == "Einsum output label 'k' appears in no input")
    #expect(OpsTest.error("Einsum", [.input(m), .input(m)], attributes: [("equation", .string("ij,jk->ik"))])
      == "Einsum label sizes disagree: 3 vs 2 in input 1")
    #expect(OpsTest.error("Einsum", [.input(m)], attributes: [("equation", .string("i1->i"))]) == "Einsum equation 'i1->i' has an invalid character '1'")
    #expect(OpsTest.error("Einsum", [.input(m)], attributes: [("equation", .string("ij,ij->i"))])
      == "Einsum equation 'ij,ij->i' has 2 operands, but the node has 1 inputs")
  }
}
