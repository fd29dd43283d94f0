import QCCIR
import QCCKernels

#if canImport(Glibc)
import Glibc
#endif

// Softmax, LogSoftmax and Hardmax along one axis (opset 13 semantics; the
// importer rewrites older flattening forms). f32 runs the C kernel, f16 and
// bf16 through it (Softmax itself step by step, see lowPrecisionSoftmax), f64
// a reference loop in Double.

extension LinearAlgebraOps {
  static let softmax = softmaxFamily("Softmax", mode: 0)
  static let logSoftmax = softmaxFamily("LogSoftmax", mode: 1)
  static let hardmax = softmaxFamily("Hardmax", mode: 2)

  /// mode 0 softmax, 1 log-softmax, 2 hardmax (as `qcc_f32_softmax`).
  static func softmaxFamily(_ name: String, mode: Int32) -> OpDefinition {
    @Sendable func infer(_ c: InferenceContext) throws(OpError) -> TensorType {
      let x = try c.input(0)
      try ElementTypes.require(x, in: ElementTypes.float, name)
      if let rank = x.shape.rank { _ = try normalizeAxis(try c.attributes.int("axis", default: -1), rank: rank) }
      return x
    }
    return OpDefinition(
      name,
      inferTypes: { (c) throws(OpError) in [try infer(c)] },
      evaluate: { (c) throws(OpError) in
        _ = try infer(c.inference)
        let x = try c.input(0)
        let axis = try normalizeAxis(try c.attributes.int("axis", default: -1), rank: x.shape.count)
        let outer = product(x.shape.prefix(axis)), n = x.shape[axis]
        let inner = product(x.shape.dropFirst(axis + 1))
        if x.elementType == .f64 {
          return [referenceSoftmax(x, mode: mode, outer: outer, n: n, inner: inner)]
        }
        if mode == 0 && (x.elementType == .f16 || x.elementType == .bf16) {
          return [lowPrecisionSoftmax(x, outer: outer, n: n, inner: inner)]
        }
        let xf = toF32(x)
        let y = TensorData.f32(uninitialized: x.shape) { out in
          qcc_f32_softmax(mode, xf.f32Pointer, out.address, Int64(outer), Int64(n), Int64(inner))
        }
        return [fromF32(y, to: x.elementType)]
      })
  }

  /// Softmax of f16 or bf16 as ONNX defines it, by its function body
  /// Exp(X − ReduceMax(X)) / ReduceSum(…) with every intermediate rounded to
  /// the input type, and as the ONNX reference (numpy) computes each step: in
  /// f32, the f16 sum accumulating in f32 and the bf16 sum (ml_dtypes) in bf16,
  /// element by element. One rounding at the end would differ by an ulp, more
  /// than the tests' tolerance at these precisions.
  static func lowPrecisionSoftmax(_ x: TensorData, outer: Int, n: Int, inner: Int) -> TensorData {
    let isHalf = x.elementType == .f16
    let round: (Float) -> Float = isHalf ? { Float(Float16($0)) } : { BFloat16($0).floatValue }
    let v = x.doubles().map { Float($0) }
    var y = [Double](repeating: 0, count: v.count)
    var e = [Float](repeating: 0, count: n)
    for o in 0..<outer {
      for i in 0..<inner {
        let at = { (j: Int) in (o * n + j) * inner + i }
        let m = (0..<n).map { v[at($0)] }.max() ?? 0
        var sum: Float = 0
        for j in 0..<n {
          e[j] = round(exp(round(v[at(j)] - m)))
          sum = isHalf ? sum + e[j] : round(sum + e[j])
        }
        sum = round(sum)
        for j in 0..<n { y[at(j)] = Double(round(e[j] / sum)) }
      }
    }
    return TensorData(converting: y, to: x.elementType, shape: x.shape)
  }

  static func referenceSoftmax(_ x: TensorData, mode: Int32, outer: Int, n: Int, inner: Int) -> TensorData {
    let v = x.doubles()
    var y = [Double](repeating: 0, count: v.count)
    for o in 0..<outer {
      for i in 0..<inner {
        let at = { (j: Int) in (o * n + j) * inner + i }
        let m = (0..<n).map { v[at($0)] }.max() ?? 0
        if mode == 2 {
          if let first = (0..<n).first(where: { v[at($0)] == m }) { y[at(first)] = 1 }
          continue
        }
        let sum = (0..<n).reduce(0.0) { $0 + exp(v[at($1)] - m) }
        for j in 0..<n {
          y[at(j)] = mode == 0 ? exp(v[at(j)] - m) / sum : v[at(j)] - m - log(sum)
        }
      }
    }
    return TensorData(converting: y, to: x.elementType, shape: x.shape)
  }
}
