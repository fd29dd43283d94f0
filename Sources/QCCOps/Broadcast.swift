import QCCIR

/// Numpy-style (multidirectional) broadcasting, for types and for run-time shapes.
public enum Broadcast {
  /// The broadcast of two symbolic shapes. Unknown dims broadcast to unknown
  /// unless the other side fixes them (a fixed size > 1 wins over `?`).
  public static func shape(_ a: [Dim], _ b: [Dim]) throws(OpError) -> [Dim] {
    let rank = max(a.count, b.count)
    var out: [Dim] = []
    out.reserveCapacity(rank)
    for i in 0..<rank {
      let x = i < rank - a.count ? Dim.fixed(1) : a[i - (rank - a.count)]
      let y = i < rank - b.count ? Dim.fixed(1) : b[i - (rank - b.count)]
      switch (x, y) {
      case (.fixed(let m), .fixed(let n)):
        guard m == n || m == 1 || n == 1 else {
          throw OpError(
            "shapes \(DimMath.describe(a)) and \(DimMath.describe(b)) cannot be broadcast (dimension \(i): \(m) vs \(n))"
          )
        }
        out.append(.fixed(m == 1 ? n : m))
      case (.fixed(1), _): out.append(y)
      case (_, .fixed(1)): out.append(x)
      case (.fixed, _): out.append(x)
      case (_, .fixed): out.append(y)
      case (.symbolic(let p), .symbolic(let q)): out.append(p == q ? x : .symbolic(nil))
      }
    }
    return out
  }

  /// The broadcast of several types' shapes (unranked if any is unranked).
  public static func shape(of types: [TensorType]) throws(OpError) -> Shape {
    var dims: [Dim] = []
    for t in types {
      guard let d = t.shape.dims else { return .unranked }
      dims = try shape(dims, d)
    }
    return .ranked(dims)
  }

  /// The broadcast of concrete shapes.
  public static func sizes(_ shapes: [[Int]]) throws(OpError) -> [Int] {
    // The common cases without the symbolic machinery: every shape equals the
    // deepest one, or is a single element of no greater rank.
    if let deepest = shapes.max(by: { $0.count < $1.count }),
      shapes.allSatisfy({ $0 == deepest || ($0.count <= deepest.count && $0.allSatisfy { $0 == 1 }) })
    {
      return deepest
    }
    var dims: [Dim] = []
    for s in shapes { dims = try shape(dims, s.map { .fixed($0) }) }
    return dims.map { $0.value! }
  }

  /// Element strides that read a tensor of `shape` as if it had `outShape`
  /// (stride 0 along broadcast dims). `shape` must broadcast to `outShape`.
  public static func strides(of shape: [Int], broadcastTo outShape: [Int]) -> [Int64] {
    let offset = outShape.count - shape.count
    let own = contiguousStrides(shape)
    return (0..<outShape.count).map { i in
      i < offset || shape[i - offset] == 1 ? 0 : Int64(own[i - offset])
    }
  }

  /// True when `a` broadcasts to `b` unidirectionally (numpy rules: `a` has no
  /// more dims than `b`, and each of its dims is 1 or `b`'s). Unknown dims pass.
  public static func isUnidirectional(_ a: [Dim], to b: [Dim]) -> Bool {
    guard a.count <= b.count else { return false }
    for (x, y) in zip(a.reversed(), b.reversed()) {
      if case .fixed(let m) = x, case .fixed(let n) = y, m != 1, m != n { return false }
    }
    return true
  }
}

/// Row-major element strides of `shape`. Shapes that come from user data
/// must be known to fit in memory first, so that the strides cannot overflow.
public func contiguousStrides(_ shape: [Int]) -> [Int] {
  var strides = [Int](repeating: 1, count: shape.count)
  var s = 1
  for i in stride(from: shape.count - 1, through: 0, by: -1) {
    strides[i] = s
    s *= shape[i]
  }
  return strides
}
