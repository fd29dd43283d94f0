import QCCIR

// TopK: the k largest (or smallest) elements along an axis and their
// indices. Ties go to the lower index, and results are always sorted (ONNX
// leaves the order undefined when sorted=0). NaN counts as larger than every
// number, as numpy sorts it. Values move as bytes, so every type is exact.

extension LinearAlgebraOps {
  static let topKTypes = ElementTypes.numeric

  /// The result types and normalised axis of a TopK node; k is read from input 1 (or, before
  /// opset 10, the attribute `k`).
  static func topKType(_ c: InferenceContext) throws(OpError) -> (types: [TensorType], axis: Int?, k: Int?) {
    let x = try c.input(0)
    try ElementTypes.require(x, in: topKTypes, "TopK")
    guard c.resultCount == 2 else { throw OpError("TopK has 2 results, not \(c.resultCount)") }
    var k: Int?
    if c.hasInput(1) {
      try c.requireIntegerInput(1, what: "TopK k")
      if let v = try c.knownIntegers(1, what: "TopK k") {
        guard v.count == 1 else { throw OpError("TopK k must have one element, not \(v.count)") }
        k = v[0]
      }
    } else {
      guard let v = try c.attributes.int("k") else { throw OpError("TopK needs k (input 1)") }
      k = v
    }
    if let k, k < 0 { throw OpError("TopK k must not be negative, not \(k)") }
    guard let d = x.shape.dims else {
      return ([TensorType(x.element, .unranked), TensorType(.i64, .unranked)], nil, k)
    }
    guard !d.isEmpty else { throw OpError("TopK input must have rank 1 or more") }
    let axis = try normalizeAxis(try c.attributes.int("axis", default: -1), rank: d.count)
    if let k, let n = d[axis].value, k > n {
      throw OpError("TopK k \(k) is larger than axis \(axis) of size \(n)")
    }
    var dims = d
    dims[axis] = k.map { .fixed($0) } ?? .symbolic(nil)
    return ([TensorType(x.element, .ranked(dims)), TensorType(.i64, .ranked(dims))], axis, k)
  }

  static let topK = OpDefinition(
    "TopK",
    inferTypes: { (c) throws(OpError) in try topKType(c).types },
    evaluate: { (c) throws(OpError) in
      let (types, axisOrNil, kOrNil) = try topKType(c.inference)
      guard let axis = axisOrNil, let k = kOrNil else { throw OpError("TopK k is unknown") }
      let x = try c.input(0)
      let shape = try types[0].requireStaticShape("TopK result")
      let largest = try c.attributes.int("largest", default: 1) != 0
      let outer = product(x.shape[..<axis]), n = x.shape[axis], inner = product(x.shape[(axis + 1)...])
      // The flat source position of every result element.
      var picks: [Int]
      switch x.elementType {
      case .u64: picks = topKPositions(x.scalars(as: UInt64.self), outer, n, inner, k, largest)
      case let t where t.isInteger: picks = topKPositions(x.integers()!, outer, n, inner, k, largest)
      default:
        let keys = x.doubles()
        picks = topKPositions(keys, outer, n, inner, k, largest, nanMask: keys.map(\.isNaN))
      }
      let size = x.elementType.bitWidth / 8
      let values = TensorData(uninitialized: x.elementType, shape: shape) { dst in
        for (e, p) in picks.enumerated() {
          (dst.baseAddress! + e * size).copyMemory(from: x.rawPointer + p * size, byteCount: size)
        }
      }
      let indices = picks.map { Int64(($0 / inner) % n) }
      return [values, TensorData(shape: shape, scalars: indices)]
    })

  /// For each of the outer * inner vectors of length n along the middle axis of [outer, n, inner], the
  /// flat positions of its k largest (or smallest) elements, best first, ties to the lower index.
  /// `nanMask` marks NaNs, which rank above every number.
  static func topKPositions<T: Comparable>(
    _ v: [T], _ outer: Int, _ n: Int, _ inner: Int, _ k: Int, _ largest: Bool, nanMask: [Bool]? = nil
  ) -> [Int] {
    var out = [Int](repeating: 0, count: outer * k * inner)
    var order = [Int](repeating: 0, count: n)
    for o in 0..<outer {
      for i in 0..<inner {
        let base = o * n * inner + i
        for j in 0..<n { order[j] = j }
        order.sort { a, b in
          let pa = base + a * inner, pb = base + b * inner
          let na = nanMask?[pa] ?? false, nb = nanMask?[pb] ?? false
          if na != nb { return largest ? na : nb }
          if !na && v[pa] != v[pb] { return largest ? v[pa] > v[pb] : v[pa] < v[pb] }
          return a < b
        }
        for j in 0..<k { out[(o * k + j) * inner + i] = base + order[j] * inner }
      }
    }
    return out
  }
}
