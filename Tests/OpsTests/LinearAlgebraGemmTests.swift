import QCCIR
import QCCKernels
import Testing

@testable import QCCOps

/// One GEMM problem: C = alpha * op(A) * op(B) + beta * C with row strides lda/ldb/ldc.
private struct GemmCase: CustomStringConvertible {
  var m: Int, n: Int, k: Int
  var transA = false, transB = false
  var alpha: Float = 1, beta: Float = 0
  var padA = 0, padB = 0, padC = 0
  var seed: UInt32 = 1

  var lda: Int { (transA ? m : k) + padA }
  var ldb: Int { (transB ? k : n) + padB }
  var ldc: Int { n + padC }
  var description: String {
    "m\(m) n\(n) k\(k) tA\(transA ? 1 : 0) tB\(transB ? 1 : 0) alpha \(alpha) beta \(beta) lda \(lda) ldb \(ldb) ldc \(ldc)"
  }

  var a: [Float] { values(count: lda * (transA ? k : m), seed: seed) }
  var b: [Float] { values(count: ldb * (transB ? n : k), seed: seed &+ 101) }
  var c: [Float] { values(count: ldc * m, seed: seed &+ 202) }

  private func values(count: Int, seed: UInt32) -> [Float] {
    count == 0 ? [] : OpsTest.random([count], seed: seed).scalars(as: Float.self)
  }

  /// The double-precision result and, per element, the sum of the magnitudes of its terms (the error scale).
  func reference() -> (values: [Double], scale: [Double]) {
    let a = a, b = b, c = c
    var values = [Double](repeating: 0, count: m * n), scale = values
    for i in 0..<m {
      for j in 0..<n {
        var s = 0.0, s2 = 0.0
        for t in 0..<k {
          let x = Double(transA ? a[t * lda + i] : a[i * lda + t])
          let y = Double(transB ? b[j * ldb + t] : b[t * ldb + j])
          s += x * y
          s2 += abs(x * y)
        }
        let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
        values[i * n + j] = Double(alpha) * s + old
        scale[i * n + j] = abs(Double(alpha)) * s2 + abs(old)
      }
    }
    return (values, scale)
  }

  /// Runs qcc_f32_gemm on `isa` (or pre-packed for `isa` when `packed`), from C's initial values.
  func run(isa: Int32, packed: Bool = false, initialC: [Float]? = nil) -> [Float] {
    let a = a, b = b
    var out = initialC ?? c
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        out.withUnsafeMutableBufferPointer { pc in
          let ap = pa.baseAddress ?? UnsafePointer(bitPattern: 64)!
          let bp = pb.baseAddress ?? UnsafePointer(bitPattern: 64)!
          if packed {
            let count = Int(qcc_f32_gemm_packed_b_floats(Int64(k), Int64(n)))
            let raw = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64)
            defer { raw.deallocate() }
            let buffer = raw.bindMemory(to: Float.self, capacity: count)
            qcc_f32_gemm_pack_b(isa, transB ? 1 : 0, Int64(k), Int64(n), bp, Int64(ldb), buffer)
            qcc_f32_gemm_packed(
              transA ? 1 : 0, Int64(m), Int64(n), Int64(k), alpha, ap, Int64(lda), buffer, beta, pc.baseAddress!,
              Int64(ldc))
          } else {
            qcc_f32_gemm_isa(
              isa, transA ? 1 : 0, transB ? 1 : 0, Int64(m), Int64(n), Int64(k), alpha, ap, Int64(lda), bp, Int64(ldb),
              beta, pc.baseAddress!, Int64(ldc))
          }
        }
      }
    }
    return out
  }
}

/// Every micro-kernel set, portable first: the one every other must match bit for bit.
private let allISAs: [Int32] = [QCC_GEMM_ISA_PORTABLE, QCC_GEMM_ISA_AVX2, QCC_GEMM_ISA_AVX512]
/// The sets this CPU runs.
private let availableISAs = allISAs.filter { qcc_f32_gemm_resolve_isa($0) == $0 }

/// Checks every path's result for `g`: within float rounding of the double reference, the padding of C
/// untouched, and the same bits on every instruction set, pre-packed or not.
private func check(_ g: GemmCase, sourceLocation: SourceLocation = #_sourceLocation) {
  let (ref, scale) = g.reference()
  let c0 = g.c
  let expected = g.run(isa: QCC_GEMM_ISA_PORTABLE)
  var worst = 0.0
  for i in 0..<g.m {
    for j in 0..<g.ldc {
      let got = expected[i * g.ldc + j]
      if j >= g.n {
        #expect(got.bitPattern == c0[i * g.ldc + j].bitPattern, "\(g): ldc padding written", sourceLocation: sourceLocation)
        continue
      }
      // FMA chains lose at most a few units of rounding of the terms' magnitude.
      let error = abs(Double(got) - ref[i * g.n + j]) / max(scale[i * g.n + j], 1e-30)
      worst = max(worst, error.isNaN ? .infinity : error)
    }
  }
  #expect(worst <= 2e-6, "\(g): relative error \(worst)", sourceLocation: sourceLocation)
  for isa in availableISAs {
    for packed in [false, true] where isa != QCC_GEMM_ISA_PORTABLE || packed {
      let got = g.run(isa: isa, packed: packed)
      let same = zip(got, expected).allSatisfy { $0.bitPattern == $1.bitPattern }
      #expect(same, "\(g): ISA \(isa)\(packed ? " pre-packed" : "") differs from the portable kernels",
              sourceLocation: sourceLocation)
    }
  }
}

@Suite struct LinearAlgebraGemmTests {
  @Test func theBestKernelsAreChosen() {
    let best = qcc_f32_gemm_resolve_isa(QCC_GEMM_ISA_AUTO)
    #expect(allISAs.contains(best))
    #expect(qcc_f32_gemm_resolve_isa(QCC_GEMM_ISA_PORTABLE) == QCC_GEMM_ISA_PORTABLE)
    #expect(qcc_f32_gemm_resolve_isa(QCC_GEMM_ISA_AVX512) <= best)
    #if arch(x86_64)
      // Every x86-64 machine qcc runs on has at least AVX2 + FMA.
      #expect(best >= QCC_GEMM_ISA_AVX2)
    #endif
  }

  /// Odd sizes on every edge of the register blocks (MR 4, 6, 14; NR 16, 32), both transposes.
  @Test(arguments: [false, true], [false, true])
  func oddShapes(transA: Bool, transB: Bool) {
    let sizes = [1, 2, 7, 17, 33, 65]
    let depths = [1, 7, 64, 257]
    var seed: UInt32 = 1
    for m in sizes {
      for n in sizes {
        let k = depths[(m + n) % depths.count]
        seed &+= 1
        check(GemmCase(m: m, n: n, k: k, transA: transA, transB: transB, seed: seed))
      }
    }
  }

  @Test(arguments: [(Float(1), Float(0)), (0.5, 0), (1, 1), (-1.25, 0.75), (2, -1)])
  func alphaBetaAndStrides(alpha: Float, beta: Float) {
    for (m, n, k) in [(1, 40, 33), (5, 31, 300), (15, 17, 65), (70, 50, 9), (33, 65, 513)] {
      for (tA, tB) in [(false, false), (true, true)] {
        check(GemmCase(m: m, n: n, k: k, transA: tA, transB: tB, alpha: alpha, beta: beta, padA: 3, padB: 5, padC: 7))
      }
    }
  }

  /// The model shapes, and K large enough to split into several blocks.
  @Test(arguments: [(197, 192, 197), (197, 64, 197), (32, 384, 96), (3, 3072, 40), (70, 3072, 17), (1, 3072, 300)])
  func largeShapes(m: Int, k: Int, n: Int) {
    check(GemmCase(m: m, n: n, k: k))
    check(GemmCase(m: m, n: n, k: k, transA: true, transB: true, alpha: 0.5, beta: 1))
  }

  /// Row strides that are multiples of 4 KiB make A be packed rather than read in place.
  @Test func aliasingRowStrides() {
    check(GemmCase(m: 20, n: 40, k: 100, padA: 1024 - 100))
    check(GemmCase(m: 20, n: 40, k: 100, transA: true, padA: 1024 - 20))
    check(GemmCase(m: 1, n: 40, k: 100, transA: true, beta: 1, padA: 1023))
  }

  @Test func emptyInnerDimensionScalesC() {
    for isa in availableISAs {
      for beta: Float in [0, 1, 0.5] {
        let g = GemmCase(m: 3, n: 5, k: 0, alpha: 2, beta: beta, padC: 2)
        var c = g.c
        for j in 0..<g.n { c[j] = .nan }
        let got = g.run(isa: isa, initialC: c)
        for i in 0..<g.m {
          for j in 0..<g.ldc {
            let old = c[i * g.ldc + j]
            let want: Float = j >= g.n ? old : beta == 0 ? 0 : beta * old
            #expect(got[i * g.ldc + j].bitPattern == want.bitPattern, "isa \(isa) beta \(beta) [\(i), \(j)]")
          }
        }
      }
    }
  }

  @Test func betaZeroIgnoresNaNsInC() {
    for isa in availableISAs {
      for (m, n, k) in [(1, 20, 10), (17, 33, 10), (70, 20, 10)] {
        let g = GemmCase(m: m, n: n, k: k)
        let got = g.run(isa: isa, initialC: [Float](repeating: .nan, count: g.ldc * g.m))
        #expect(got.allSatisfy { !$0.isNaN }, "isa \(isa) \(g)")
      }
    }
  }

  @Test func repeatedRunsGiveTheSameBits() {
    let g = GemmCase(m: 45, n: 77, k: 600, alpha: 0.75, beta: 0.5)
    for isa in availableISAs {
      let first = g.run(isa: isa)
      #expect(g.run(isa: isa).elementsEqual(first) { $0.bitPattern == $1.bitPattern })
    }
  }

  /// The batched entry point, with a broadcast (stride 0) operand.
  @Test func batchedWithBroadcast() {
    let m = 9, n = 21, k = 13, batch = 3
    let a = OpsTest.random([batch * m * k], seed: 5).scalars(as: Float.self)
    let b = OpsTest.random([k * n], seed: 6).scalars(as: Float.self)
    var c = [Float](repeating: 0, count: batch * m * n)
    let shape: [Int64] = [Int64(batch)], sa: [Int64] = [Int64(m * k)], sb: [Int64] = [0], sc: [Int64] = [Int64(m * n)]
    qcc_f32_gemm_batched(0, 0, Int64(m), Int64(n), Int64(k), 1, a, Int64(k), b, Int64(n), 0, &c, Int64(n), 1, shape, sa, sb, sc)
    for i in 0..<batch {
      let one = GemmCase(m: m, n: n, k: k)
      var expected = [Float](repeating: 0, count: m * n)
      qcc_f32_gemm(0, 0, Int64(m), Int64(n), Int64(k), 1, Array(a[(i * m * k)...]), Int64(k), b, Int64(n), 0, &expected, Int64(n))
      #expect(Array(c[(i * m * n)..<((i + 1) * m * n)]) == expected, "batch \(i) of \(one)")
    }
  }

  // MARK: - The ops, with weights packed once and cached

  /// A constant right operand is packed on its second use; every run gives the same bits.
  @Test func matMulWeightsArePackedOnceWithTheSameBits() throws {
    let a = OpsTest.random([2, 40, 70], seed: 7), w = OpsTest.random([70, 50], seed: 8)
    let runs = try (0..<3).map { _ in try OpsTest.one("MatMul", [a, w]) }
    let bits = runs.map { $0.scalars(as: Float.self).map(\.bitPattern) }
    #expect(bits[1] == bits[0] && bits[2] == bits[0])
    #expect(PackedWeights.shared.isPacked(w, k: 70, n: 50, transposed: false))
    let x = a.doubles(), y = w.doubles()
    var ref = [Double](repeating: 0, count: 80 * 50)
    for i in 0..<80 {
      for j in 0..<50 {
        for t in 0..<70 { ref[i * 50 + j] += x[i * 70 + t] * y[t * 50 + j] }
      }
    }
    OpsTest.expectClose(runs[2], ref, shape: [2, 40, 50])
  }

  @Test func gemmWithTransposedWeightsIsPackedWithTheSameBits() throws {
    let a = OpsTest.random([3, 40], seed: 9), w = OpsTest.random([30, 40], seed: 10), bias = OpsTest.random([30], seed: 11)
    let attributes: [(String, Attribute)] = [("transB", .int(1)), ("alpha", .float(0.5)), ("beta", .float(2))]
    let runs = try (0..<3).map { _ in try OpsTest.one("Gemm", [a, w, bias], attributes: attributes) }
    let bits = runs.map { $0.scalars(as: Float.self).map(\.bitPattern) }
    #expect(bits[1] == bits[0] && bits[2] == bits[0])
    #expect(PackedWeights.shared.isPacked(w, k: 40, n: 30, transposed: true))
    let x = a.doubles(), y = w.doubles(), z = bias.doubles()
    var ref = [Double](repeating: 0, count: 3 * 30)
    for i in 0..<3 {
      for j in 0..<30 {
        var s = 0.0
        for t in 0..<40 { s += x[i * 40 + t] * y[j * 40 + t] }
        ref[i * 30 + j] = 0.5 * s + 2 * z[j]
      }
    }
    OpsTest.expectClose(runs[2], ref, shape: [3, 30])
  }
}
