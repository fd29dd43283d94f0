import Testing
import QCCIR
import QCCKernels
@testable import QCCOps

#if canImport(Glibc)
import Glibc
#endif

private typealias T = LinAlgTest

/// Splits `values` of `shape` into the vectors along `axis`, returning each vector's flat indices.
private func vectors(_ shape: [Int], axis: Int) -> [[Int]] {
  let outer = shape[..<axis].reduce(1, *), n = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
  var out: [[Int]] = []
  for o in 0..<outer { for i in 0..<inner { out.append((0..<n).map { (o * n + $0) * inner + i }) } }
  return out
}

@Suite struct LinearAlgebraNormalizationTests {
  @Test(arguments: [0, 1, 2, -1])
  func softmaxFamilyAlongAnyAxis(_ axis: Int) throws {
    let shape = [3, 4, 5]
    let x = T.random(shape, seed: 21, scale: 30)
    let v = x.doubles()
    let a = axis < 0 ? axis + 3 : axis
    var soft = [Double](repeating: 0, count: v.count), logSoft = soft, hard = soft
    for idx in vectors(shape, axis: a) {
      let m = idx.map { v[$0] }.max()!
      let sum = idx.reduce(0.0) { $0 + exp(v[$1] - m) }
      for i in idx {
        soft[i] = exp(v[i] - m) / sum
        logSoft[i] = v[i] - m - log(sum)
      }
      hard[idx.first { v[$0] == m }!] = 1
    }
    let attributes: [(String, Attribute)] = [("axis", .int(Int64(axis)))]
    T.expectClose(try T.one("Softmax", [x], attributes), soft, rtol: 1e-5, atol: 1e-7)
    T.expectClose(try T.one("LogSoftmax", [x], attributes), logSoft, rtol: 1e-5, atol: 1e-5)
    T.expectClose(try T.one("Hardmax", [x], attributes), hard, rtol: 0, atol: 0)
  }

  @Test func softmaxHandlesHugeAndMaskedValues() throws {
    let x = T.f32([2, 4], [10000, 10001, 10002, 10003, 0, -Float.greatestFiniteMagnitude, -1e30, 1])
    let y = try T.one("Softmax", [x])
    let e = [exp(-3.0), exp(-2.0), exp(-1.0), 1]
    let s = e.reduce(0, +)
    T.expectClose(y, e.map { $0 / s } + [exp(-1) / (1 + exp(-1)), 0, 0, 1 / (1 + exp(-1))], atol: 1e-7)
  }

  @Test func hardmaxPicksTheFirstOfTies() throws {
    let y = try T.one("Hardmax", [T.f32([2, 3], [1, 3, 3, 2, 2, 2])])
    #expect(y.scalars(as: Float.self) == [0, 1, 0, 1, 0, 0])
  }

  @Test func softmaxOfF16AndF64() throws {
    let x = T.random([2, 7], seed: 22, scale: 4)
    let ref = try T.one("Softmax", [x]).doubles()
    let half = try T.one("Softmax", [TensorData(shape: x.shape, scalars: x.scalars(as: Float.self).map { Float16($0) })])
    #expect(half.elementType == .f16)
    T.expectClose(half, ref, rtol: 2e-3, atol: 1e-3)
    let double = try T.one("Softmax", [TensorData(converting: x.doubles(), to: .f64, shape: x.shape)])
    T.expectClose(double, ref, rtol: 1e-5, atol: 1e-7)
  }

  @Test func expApproximationIsWithinTwoUlps() {
    var worst: Float = 0
    var x: Float = -86
    while x < 88.5 {
      let a = qcc_f32_exp_approx(x), e = Float(exp(Double(x)))
      worst = max(worst, abs(a - e) / e.ulp)
      x += 0.0137
    }
    #expect(worst <= 2)
    #expect(qcc_f32_exp_approx(0) == 1)
    #expect(qcc_f32_exp_approx(100) == .infinity)
    #expect(qcc_f32_exp_approx(-100) == 0)
    #expect(qcc_f32_exp_approx(-.infinity) == 0)
    #expect(qcc_f32_exp_approx(.nan).isNaN)
  }

  /// (x − mean) / sqrt(var + eps) per row of `n`, and each row's mean and 1/std.
  private func referenceLayerNorm(_ v: [Double], n: Int, epsilon: Double) -> (y: [Double], mean: [Double], invStd: [Double]) {
    var y: [Double] = [], means: [Double] = [], inv: [Double] = []
    for r in 0..<(v.count / n) {
      let row = v[(r * n)..<(r * n + n)]
      let m = row.reduce(0, +) / Double(n)
      let variance = row.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n)
      let s = 1 / (variance + epsilon).squareRoot()
      y += row.map { ($0 - m) * s }
      means.append(m)
      inv.append(s)
    }
    return (y, means, inv)
  }

  @Test(arguments: [-1, 1, 0])
  func layerNormWithStatistics(_ axis: Int) throws {
    let shape = [3, 4, 6]
    let a = axis < 0 ? axis + 3 : axis
    let n = shape[a...].reduce(1, *)
    let x = T.random(shape, seed: 23, scale: 3)
    let scale = T.random(Array(shape[a...]), seed: 24), bias = T.random(Array(shape[a...]), seed: 25)
    let out = try T.run("LayerNormalization", [.input(x), .input(scale), .input(bias)],
                        [("axis", .int(Int64(axis))), ("epsilon", .float(1e-3))], results: 3)
    let ref = referenceLayerNorm(x.doubles(), n: n, epsilon: Double(Float(1e-3)))
    let s = scale.doubles(), b = bias.doubles()
    T.expectClose(out[0], ref.y.enumerated().map { $1 * s[$0 % n] + b[$0 % n] }, shape: shape)
    let statsShape = Array(shape[..<a]) + [Int](repeating: 1, count: 3 - a)
    T.expectClose(out[1], ref.mean, shape: statsShape)
    T.expectClose(out[2], ref.invStd, shape: statsShape)
  }

  @Test func layerNormBroadcastsScaleAndOmitsBias() throws {
    let x = T.random([2, 3, 4], seed: 26)
    let y = try T.one("LayerNormalization", [x, T.f32([1, 4], [1, 2, 3, 4])], [("axis", .int(-2))])
    let ref = referenceLayerNorm(x.doubles(), n: 12, epsilon: Double(Float(1e-5)))
    T.expectClose(y, ref.y.enumerated().map { $1 * Double($0 % 4 + 1) })
    #expect(T.error("LayerNormalization", [.input(x), .input(T.random([3]))])
      == "LayerNormalization input 1 [3] does not broadcast to the normalized shape [4]")
  }

  @Test func layerNormIsAccurateForLargeOffsets() throws {
    // A large common offset: a one-pass float E[x²] − E[x]² would lose the variance entirely.
    let base = T.random([4, 384], seed: 27).scalars(as: Float.self).map { $0 + 1000 }
    let x = T.f32([4, 384], base)
    let y = try T.one("LayerNormalization", [x, T.f32([384], [Float](repeating: 1, count: 384))])
    T.expectClose(y, referenceLayerNorm(x.doubles(), n: 384, epsilon: Double(Float(1e-5))).y, rtol: 1e-4, atol: 2e-4)
  }

  @Test(arguments: [-1, -2])
  func rmsNormalizationMatchesOpset23(_ axis: Int) throws {
    let shape = [2, 3, 8]
    let a = axis + 3, n = shape[a...].reduce(1, *)
    let x = T.random(shape, seed: 28, scale: 5), scale = T.random([8], seed: 29)
    let y = try T.one("RMSNormalization", [x, scale], [("axis", .int(Int64(axis))), ("epsilon", .float(1e-4))])
    let v = x.doubles(), s = scale.doubles()
    var expected: [Double] = []
    for r in 0..<(v.count / n) {
      let row = v[(r * n)..<(r * n + n)]
      let rms = (row.reduce(0) { $0 + $1 * $1 } / Double(n) + Double(Float(1e-4))).squareRoot()
      expected += row.enumerated().map { $1 / rms * s[$0 % 8] }
    }
    T.expectClose(y, expected, shape: shape)
  }

  @Test func rmsNormalizationDefaultsAndErrors() throws {
    // Default epsilon 1e-5 and axis -1; a row of zeros stays zero.
    let x = T.f32([2, 2], [3, 4, 0, 0])
    let y = try T.one("RMSNormalization", [x, T.f32([1], [2])])
    let rms = (12.5 + Double(Float(1e-5))).squareRoot()
    T.expectClose(y, [6 / rms, 8 / rms, 0, 0])
    #expect(T.error("RMSNormalization", [.input(x)]) == "missing required input 1")
    #expect(T.error("RMSNormalization", [.input(x), .input(T.random([2]))], [("axis", .int(2))])
      == "axis 2 is out of range for rank 2")
    #expect(T.error("RMSNormalization", [.input(x), .input(T.random([2]))], [("stash_type", .int(11))])
      == "RMSNormalization supports stash_type 1 (float), not 11")
  }

  @Test func batchNormInferenceAndTraining() throws {
    let x = T.random([2, 3, 4], seed: 30, scale: 2)
    let scale = T.f32([3], [1, 2, 0.5]), bias = T.f32([3], [0, 1, -1])
    let mean = T.f32([3], [0.1, -0.2, 0.3]), variance = T.f32([3], [1, 2, 0.5])
    let v = x.doubles()
    let inference = try T.one("BatchNormalization", [x, scale, bias, mean, variance])
    T.expectClose(inference, v.enumerated().map { i, e in
      let c = (i / 4) % 3
      return (e - mean.doubles()[c]) / (variance.doubles()[c] + Double(Float(1e-5))).squareRoot() * scale.doubles()[c] + bias.doubles()[c]
    })
    let out = try T.run("BatchNormalization", [.input(x), .input(scale), .input(bias), .input(mean), .input(variance)],
                        [("training_mode", .int(1)), ("momentum", .float(0.75))], results: 3)
    var bm = [Double](repeating: 0, count: 3), bv = bm
    for c in 0..<3 {
      let values = (0..<2).flatMap { n in (0..<4).map { v[(n * 3 + c) * 4 + $0] } }
      bm[c] = values.reduce(0, +) / 8
      bv[c] = values.reduce(0) { $0 + ($1 - bm[c]) * ($1 - bm[c]) } / 8
    }
    T.expectClose(out[0], v.enumerated().map { i, e in
      let c = (i / 4) % 3
      return (e - bm[c]) / (bv[c] + Double(Float(1e-5))).squareRoot() * scale.doubles()[c] + bias.doubles()[c]
    })
    T.expectClose(out[1], (0..<3).map { mean.doubles()[$0] * 0.75 + bm[$0] * 0.25 })
    T.expectClose(out[2], (0..<3).map { variance.doubles()[$0] * 0.75 + bv[$0] * 0.25 })
    #expect(T.error("BatchNormalization", [.input(x), .input(scale), .input(bias), .input(mean), .input(T.random([4]))])
      == "BatchNormalization input 4 has 4 elements, expected 3 channels")
  }

  @Test func instanceNormalization() throws {
    let x = T.random([2, 2, 5], seed: 31)
    let y = try T.one("InstanceNormalization", [x, T.f32([2], [2, 3]), T.f32([2], [1, -1])], [("epsilon", .float(0.01))])
    let ref = referenceLayerNorm(x.doubles(), n: 5, epsilon: Double(Float(0.01))).y
    T.expectClose(y, ref.enumerated().map { i, e in (i / 5) % 2 == 0 ? e * 2 + 1 : e * 3 - 1 })
  }
}
