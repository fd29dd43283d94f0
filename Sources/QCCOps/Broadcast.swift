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
          throw OpError("shapes \(describe(a)) and \(describe(b)) cannot be broadcast (dimension \(i): \(m) vs \(n))")
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
      i < offset || shape[i - offset] == 1 ? 0 : own[i - offset]
    }
  }

  static func describe(_ dims: [Dim]) -> String { "[" + dims.map(\.description).joined(separator: ", ") + "]" }
}

/// Row-major element strides of `shape`.
public func contiguousStrides(_ shape: [Int]) -> [Int64] {
  var strides = [Int64](repeating: 1, count: shape.count)
  var s: Int64 = 1
  for i in stride(from: shape.count - 1, through: 0, by: -1) {
    strides[i] = s
    s *= Int64(shape[i])
  }
  return strides
}
