import Testing
import QCCIR
import QCCKernels
@testable import QCCOps

#if canImport(Glibc)
import Glibc
#endif

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
    let x = OpsTest.random(shape, seed: 21, scale: 30)
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
    OpsTest.expectClose(try OpsTest.one("Softmax", [x], attributes: attributes), soft, rtol: 1e-5, atol: 1e-7)
    OpsTest.expectClose(try OpsTest.one("LogSoftmax", [x], attributes: attributes), logSoft, rtol: 1e-5, atol: 1e-5)
    OpsTest.expectClose(try OpsTest.one("Hardmax", [x], attributes: attributes), hard, rtol: 0, atol: 0)
  }

  @Test func softmaxHandlesHugeAndMaskedValues() throws {
    let x = OpsTest.f32([2, 4], [10000, 10001, 10002, 10003, 0, -Float.greatestFiniteMagnitude, -1e30, 1])
    let y = try OpsTest.one("Softmax", [x])
    let e = [exp(-3.0), exp(-2.0), exp(-1.0), 1]
    let s = e.reduce(0, +)
    OpsTest.expectClose(y, e.map { $0 / s } + [exp(-1) / (1 + exp(-1)), 0, 0, 1 / (1 + exp(-1))], atol: 1e-7)
  }

  @Test func hardmaxPicksTheFirstOfTies() throws {
    let y = try OpsTest.one("Hardmax", [OpsTest.f32([2, 3], [1, 3, 3, 2, 2, 2])])
    #expect(y.scalars(as: Float.self) == [0, 1, 0, 1, 0, 0])
  }

  @Test func softmaxOfF16AndF64() throws {
    let x = OpsTest.random([2, 7], seed: 22, scale: 4)
    let ref = try OpsTest.one("Softmax", [x]).doubles()
    let half = try OpsTest.one("Softmax", [TensorData(shape: x.shape, scalars: x.scalars(as: Float.self).map { Float16($0) })])
    #expect(half.elementType == .f16)
    OpsTest.expectClose(half, ref, rtol: 2e-3, atol: 1e-3)
    let double = try OpsTest.one("Softmax", [TensorData(converting: x.doubles(), to: .f64, shape: x.shape)])
    OpsTest.expectClose(double, ref, rtol: 1e-5, atol: 1e-7)
  }

  /// Softmax and log-sum-exp take e^x from `qcc_f32_exp_fast` (qcc_math.h): check it over the whole range
  /// they feed it (x − max ≤ 0 down to −inf), denormal results included.
  @Test func softmaxExpIsWithinItsBound() {
    var worst = 0.0
    var x: Float = -104
    while x < 88.7 {
      let a = qcc_f32_exp_fast(x), e = exp(Double(x))
      let ulp = max(Double(Float(e).ulp), Double(Float.leastNonzeroMagnitude))
      worst = max(worst, abs(Double(a) - e) / ulp)
      x += 0.0137
    }
    #expect(worst <= 1.01)
    #expect(qcc_f32_exp_fast(0) == 1)
    #expect(qcc_f32_exp_fast(100) == .infinity)
    #expect(qcc_f32_exp_fast(-100) > 0 && qcc_f32_exp_fast(-100) < Float.leastNormalMagnitude)
    #expect(qcc_f32_exp_fast(-104) == 0)
    #expect(qcc_f32_exp_fast(-.infinity) == 0)
    #expect(qcc_f32_exp_fast(.nan).isNaN)
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
    let x = OpsTest.random(shape, seed: 23, scale: 3)
    let scale = OpsTest.random(Array(shape[a...]), seed: 24), bias = OpsTest.random(Array(shape[a...]), seed: 25)
    let out = try OpsTest.run("LayerNormalization", [.input(x), .input(scale), .input(bias)], attributes: [("axis", .int(Int64(axis))), ("epsilon", .float(1e-3))], results: 3)
    let ref = referenceLayerNorm(x.doubles(), n: n, epsilon: Double(Float(1e-3)))
    let s = scale.doubles(), b = bias.doubles()
    OpsTest.expectClose(out[0], ref.y.enumerated().map { $1 * s[$0 % n] + b[$0 % n] }, shape: shape)
    let statsShape = Array(shape[..<a]) + [Int](repeating: 1, count: 3 - a)
    OpsTest.expectClose(out[1], ref.mean, shape: statsShape)
    OpsTest.expectClose(out[2], ref.invStd, shape: statsShape)
  }

  @Test func layerNormBroadcastsScaleAndOmitsBias() throws {
    let x = OpsTest.random([2, 3, 4], seed: 26)
    let y = try OpsTest.one("LayerNormalization", [x, OpsTest.f32([1, 4], [1, 2, 3, 4])], attributes: [("axis", .int(-2))])
    let ref = referenceLayerNorm(x.doubles(), n: 12, epsilon: Double(Float(1e-5)))
    OpsTest.expectClose(y, ref.y.enumerated().map { $1 * Double($0 % 4 + 1) })
    #expect(OpsTest.error("LayerNormalization", [.input(x), .input(OpsTest.random([3]))])
      == "LayerNormalization input 1 [3] does not broadcast to the normalized shape [4]")
  }

  @Test func layerNormIsAccurateForLargeOffsets() throws {
    // A large common offset: a one-pass float E[x²] − E[x]² would lose the variance entirely.
    let base = OpsTest.random([4, 384], seed: 27).scalars(as: Float.self).map { $0 + 1000 }
    let x = OpsTest.f32([4, 384], base)
    let y = try OpsTest.one("LayerNormalization", [x, OpsTest.f32([384], [Float](repeating: 1, count: 384))])
    OpsTest.expectClose(y, referenceLayerNorm(x.doubles(), n: 384, epsilon: Double(Float(1e-5))).y, rtol: 1e-4, atol: 2e-4)
  }

  @Test(arguments: [-1, -2])
  func rmsNormalizationMatchesOpset23(_ axis: Int) throws {
    let shape = [2, 3, 8]
    let a = axis + 3, n = shape[a...].reduce(1, *)
    let x = OpsTest.random(shape, seed: 28, scale: 5), scale = OpsTest.random([8], seed: 29)
    let y = try OpsTest.one("RMSNormalization", [x, scale], attributes: [("axis", .int(Int64(axis))), ("epsilon", .float(1e-4))])
    let v = x.doubles(), s = scale.doubles()
    var expected: [Double] = []
    for r in 0..<(v.count / n) {
      let row = v[(r * n)..<(r * n + n)]
      let rms = (row.reduce(0) { $0 + $1 * $1 } / Double(n) + Double(Float(1e-4))).squareRoot()
      expected += row.enumerated().map { $1 / rms * s[$0 % 8] }
    }
    OpsTest.expectClose(y, expected, shape: shape)
  }

  @Test func rmsNormalizationDefaultsAndErrors() throws {
    // Default epsilon 1e-5 and axis -1; a row of zeros stays zero.
    let x = OpsTest.f32([2, 2], [3, 4, 0, 0])
    let y = try OpsTest.one("RMSNormalization", [x, OpsTest.f32([1], [2])])
    let rms = (12.5 + Double(Float(1e-5))).squareRoot()
    OpsTest.expectClose(y, [6 / rms, 8 / rms, 0, 0])
    #expect(OpsTest.error("RMSNormalization", [.input(x)]) == "missing required input 1")
    #expect(OpsTest.error("RMSNormalization", [.input(x), .input(OpsTest.random([2]))], attributes: [("axis", .int(2))])
      == "axis 2 is out of range for rank 2")
    #expect(OpsTest.error("RMSNormalization", [.input(x), .input(OpsTest.random([2]))], attributes: [("stash_type", .int(11))])
      == "RMSNormalization supports stash_type 1 (float), not 11")
  }

  @Test func batchNormInferenceAndTraining() throws {
    let x = OpsTest.random([2, 3, 4], seed: 30, scale: 2)
    let scale = OpsTest.f32([3], [1, 2, 0.5]), bias = OpsTest.f32([3], [0, 1, -1])
    let mean = OpsTest.f32([3], [0.1, -0.2, 0.3]), variance = OpsTest.f32([3], [1, 2, 0.5])
    let v = x.doubles()
    let inference = try OpsTest.one("BatchNormalization", [x, scale, bias, mean, variance])
    OpsTest.expectClose(inference, v.enumerated().map { i, e in
      let c = (i / 4) % 3
      return (e - mean.doubles()[c]) / (variance.doubles()[c] + Double(Float(1e-5))).squareRoot() * scale.doubles()[c] + bias.doubles()[c]
    })
    let out = try OpsTest.run("BatchNormalization", [.input(x), .input(scale), .input(bias), .input(mean), .input(variance)], attributes: [("training_mode", .int(1)), ("momentum", .float(0.75))], results: 3)
    var bm = [Double](repeating: 0, count: 3), bv = bm
    for c in 0..<3 {
      let values = (0..<2).flatMap { n in (0..<4).map { v[(n * 3 + c) * 4 + $0] } }
      bm[c] = values.reduce(0, +) / 8
      bv[c] = values.reduce(0) { $0 + ($1 - bm[c]) * ($1 - bm[c]) } / 8
    }
    OpsTest.expectClose(out[0], v.enumerated().map { i, e in
      let c = (i / 4) % 3
      return (e - bm[c]) / (bv[c] + Double(Float(1e-5))).squareRoot() * scale.doubles()[c] + bias.doubles()[c]
    })
    OpsTest.expectClose(out[1], (0..<3).map { mean.doubles()[$0] * 0.75 + bm[$0] * 0.25 })
    OpsTest.expectClose(out[2], (0..<3).map { variance.doubles()[$0] * 0.75 + bv[$0] * 0.25 })
    #expect(OpsTest.error("BatchNormalization", [.input(x), .input(scale), .input(bias), .input(mean), .input(OpsTest.random([4]))])
      == "BatchNormalization input 4 has 4 elements, expected 3 channels")
  }

  @Test func instanceNormalization() throws {
    let x = OpsTest.random([2, 2, 5], seed: 31)
    let y = try OpsTest.one("InstanceNormalization", [x, OpsTest.f32([2], [2, 3]), OpsTest.f32([2], [1, -1])], attributes: [("epsilon", .float(0.01))])
    let ref = referenceLayerNorm(x.doubles(), n: 5, epsilon: Double(Float(0.01))).y
    OpsTest.expectClose(y, ref.enumerated().map { i, e in (i / 5) % 2 == 0 ? e * 2 + 1 : e * 3 - 1 })
  }
}
