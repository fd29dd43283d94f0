import QCCIR
import QCCKernels

#if canImport(Glibc)
import Glibc
#endif

// The Reduce* ops (opset 18 form: axes as an optional input, keepdims,
// noop_with_empty_axes) and ArgMax / ArgMin. The reduced axes are brought
// into one contiguous block, by a copy only when they are not already one,
// so that every reduction is [outer, n, inner] → [outer, inner]: the f32 C
// kernel, or a reference loop in Double (floats) or wrapping Int64 (integers).

extension LinearAlgebraOps {

  static let reduceOps: [(String, qcc_reduce_kind)] = [
    ("ReduceSum", QCC_REDUCE_SUM), ("ReduceMean", QCC_REDUCE_MEAN), ("ReduceMax", QCC_REDUCE_MAX),
    ("ReduceMin", QCC_REDUCE_MIN), ("ReduceProd", QCC_REDUCE_PROD), ("ReduceSumSquare", QCC_REDUCE_SUM_SQUARE),
    ("ReduceL1", QCC_REDUCE_L1), ("ReduceL2", QCC_REDUCE_L2), ("ReduceLogSum", QCC_REDUCE_LOG_SUM),
    ("ReduceLogSumExp", QCC_REDUCE_LOG_SUM_EXP),
  ]

  /// A Reduce* node's result type and, when the axes are known, the normalised reduced axes
  /// (nil axes with a known result means the node is the identity: empty axes and noop_with_empty_axes).
  static func reduceType(_ c: InferenceContext, _ op: String) throws(OpError) -> (type: TensorType, axes: [Int]?) {
    let x = try c.input(0)
    // ReduceMax and ReduceMin take bool since opset 20 (False < True).
    let boolean: Set<ElementType> = op == "ReduceMax" || op == "ReduceMin" ? [.bool] : []
    try ElementTypes.require(x, in: ElementTypes.numeric.union(boolean), op)
    let keep = try c.attributes.int("keepdims", default: 1) != 0
    let noop = try c.attributes.int("noop_with_empty_axes", default: 0) != 0
    if c.hasInput(1) { try c.requireIntegerInput(1, what: "axes") }
    guard let dims = x.shape.dims else { return (TensorType(x.element, .unranked), nil) }
    var axes: [Int]? = c.hasInput(1) ? c.integers(1) : []
    if axes == nil, let count = c.optionalInput(1)?.shape.elementCount, count == 0 { axes = [] }
    guard let given = axes else {
      // Unknown axes: dims of size 1 stay 1 either way; the rest are unknown.
      if keep {
        return (TensorType(x.element, .ranked(dims.map { $0 == .fixed(1) ? $0 : .symbolic(nil) })), [])
      }
      guard let count = c.optionalInput(1)?.shape.elementCount else { return (TensorType(x.element, .unranked), []) }
      return (TensorType(x.element, .ranked(DimMath.unknown(max(0, dims.count - count)))), [])
    }
    if given.isEmpty && noop { return (x, nil) }
    let reduced = given.isEmpty ? Array(dims.indices) : try normalizeAxes(given, rank: dims.count)
    var out: [Dim] = []
    for (i, d) in dims.enumerated() {
      if reduced.contains(i) {
        if keep { out.append(.fixed(1)) }
      } else {
        out.append(d)
      }
    }
    return (TensorType(x.element, .ranked(out)), reduced.sorted())
  }

  static func reduce(_ name: String, _ kind: qcc_reduce_kind) -> OpDefinition {
    OpDefinition(
      name,
      inferTypes: { (c) throws(OpError) in [try reduceType(c, name).type] },
      evaluate: { (c) throws(OpError) in
        let (type, axesOrNil) = try reduceType(c.inference, name)
        let x = try c.input(0)
        guard let axes = axesOrNil else { return [x] }
        let shape = type.shape.staticSizes!
        let (data, outer, n, inner) = reductionLayout(x, axes: axes)
        if x.elementType == .f32 {
          let y = TensorData.f32(uninitialized: shape) { out in
            qcc_f32_reduce(kind, data.f32Pointer, out.address, Int64(outer), Int64(n), Int64(inner))
          }
          return [y]
        }
        return [referenceReduce(kind, data, outer: outer, n: n, inner: inner, shape: shape)]
      })
  }

  /// `x` arranged so that `axes` (sorted) form the middle of [outer, n, inner]: `x` itself when
  /// they already do (ignoring unit dims), else a copy with the reduced axes moved last.
  static func reductionLayout(_ x: TensorData, axes: [Int]) -> (TensorData, outer: Int, n: Int, inner: Int) {
    let shape = x.shape
    let layout = reductionLayout(shape: shape, axes: axes)
    guard let order = layout.order else { return (x, layout.outer, layout.n, layout.inner) }
    let strides = contiguousStrides(shape)
    let moved = x.denseCopy(shape: order.map { shape[$0] }, strides: order.map { strides[$0] })
    return (moved, layout.outer, layout.n, layout.inner)
  }

  /// The shape logic of `reductionLayout`: the [outer, n, inner] view, and the
  /// order of the dims to copy the tensor into first (kept dims, then the
  /// reduced ones), nil when no copy is needed. Shared with compiled plans.
  static func reductionLayout(shape: [Int], axes: [Int]) -> (order: [Int]?, outer: Int, n: Int, inner: Int) {
    let big = shape.indices.filter { shape[$0] != 1 }
    let reducedBig = big.filter { axes.contains($0) }
    let n = product(axes.map { shape[$0] })
    if let first = reducedBig.first, let last = reducedBig.last {
      let span = big.filter { $0 >= first && $0 <= last }
      if span.count == reducedBig.count {
        return (nil, product(shape[..<first]), n, product(shape[(last + 1)...]))
      }
    } else {
      // Only unit dims (or nothing) reduced: every element is its own result.
      return (nil, product(shape), 1, 1)
    }
    let kept = shape.indices.filter { !axes.contains($0) }
    return (kept + axes, product(kept.map { shape[$0] }), n, 1)
  }

  /// Reduction of non-f32 data laid out as [outer, n, inner]. Max and Min of
  /// an empty set give the type's smallest and largest value.
  static func referenceReduce(
    _ kind: qcc_reduce_kind, _ x: TensorData, outer: Int, n: Int, inner: Int, shape: [Int]
  ) -> TensorData {
    let type = x.elementType
    let integral = (type.isInteger || type == .bool)
      && ![QCC_REDUCE_L2, QCC_REDUCE_LOG_SUM, QCC_REDUCE_LOG_SUM_EXP].contains(kind)
    if integral {
      let v = x.integers()!
      // u64 values above Int64.max arrive as negative bit patterns.
      let less: (Int64, Int64) -> Bool = type == .u64 ? { UInt64(bitPattern: $0) < UInt64(bitPattern: $1) } : { $0 < $1 }
      let (lowest, highest): (Int64, Int64) =
        type == .bool ? (0, 1) : type.isUnsignedInteger ? (0, type == .u64 ? -1 : (1 << type.bitWidth) - 1)
        : (-1 << (type.bitWidth - 1), type == .i64 ? .max : (1 << (type.bitWidth - 1)) - 1)
      var y = [Int64](repeating: 0, count: outer * inner)
      for o in 0..<outer {
        for i in 0..<inner {
          var acc: Int64 = kind == QCC_REDUCE_PROD ? 1 : kind == QCC_REDUCE_MAX ? lowest : kind == QCC_REDUCE_MIN ? highest : 0
          for j in 0..<n {
            let e = v[(o * n + j) * inner + i]
            switch kind {
            case QCC_REDUCE_MAX: acc = less(acc, e) ? e : acc
            case QCC_REDUCE_MIN: acc = less(e, acc) ? e : acc
            case QCC_REDUCE_PROD: acc = acc &* e
            case QCC_REDUCE_SUM_SQUARE: acc = acc &+ e &* e
            case QCC_REDUCE_L1: acc = acc &+ (e < 0 ? 0 &- e : e)
            default: acc = acc &+ e
            }
          }
          if kind == QCC_REDUCE_MEAN && n > 0 { acc /= Int64(n) }
          y[o * inner + i] = acc
        }
      }
      return TensorData(converting: y, to: x.elementType, shape: shape)
    }
    let v = x.doubles()
    var y = [Double](repeating: 0, count: outer * inner)
    for o in 0..<outer {
      for i in 0..<inner {
        let row = (0..<n).map { v[(o * n + $0) * inner + i] }
        let sum = row.reduce(0, +)
        let r: Double
        switch kind {
        case QCC_REDUCE_SUM: r = sum
        case QCC_REDUCE_MEAN: r = sum / Double(n)
        case QCC_REDUCE_MAX: r = row.contains { $0.isNaN } ? .nan : (row.max() ?? -.infinity)
        case QCC_REDUCE_MIN: r = row.contains { $0.isNaN } ? .nan : (row.min() ?? .infinity)
        case QCC_REDUCE_PROD: r = row.reduce(1, *)
        case QCC_REDUCE_SUM_SQUARE: r = row.reduce(0) { $0 + $1 * $1 }
        case QCC_REDUCE_L1: r = row.reduce(0) { $0 + abs($1) }
        case QCC_REDUCE_L2: r = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
        case QCC_REDUCE_LOG_SUM: r = log(sum)
        default:
          let m = row.max() ?? -.infinity
          r = m.isInfinite || m.isNaN ? m : m + log(row.reduce(0) { $0 + exp($1 - m) })
        }
        y[o * inner + i] = r
      }
    }
    return TensorData(converting: y, to: x.elementType, shape: shape)
  }

  // MARK: - ArgMax and ArgMin

  static func argReduceType(_ c: InferenceContext, _ op: String) throws(OpError) -> (type: TensorType, axis: Int?) {
    let x = try c.input(0)
    try ElementTypes.require(x, in: ElementTypes.numeric, op)
    let keep = try c.attributes.int("keepdims", default: 1) != 0
    guard let dims = x.shape.dims else { return (TensorType(.i64, .unranked), nil) }
    guard !dims.isEmpty else { throw OpError("\(op) input must have rank 1 or more") }
    let axis = try normalizeAxis(try c.attributes.int("axis", default: 0), rank: dims.count)
    if case .fixed(0) = dims[axis] { throw OpError("\(op) cannot reduce the empty axis \(axis)") }
    var out = dims
    if keep { out[axis] = .fixed(1) } else { out.remove(at: axis) }
    return (TensorType(.i64, .ranked(out)), axis)
  }

  static func argReduce(_ name: String, isMin: Bool) -> OpDefinition {
    OpDefinition(
      name,
      inferTypes: { (c) throws(OpError) in [try argReduceType(c, name).type] },
      evaluate: { (c) throws(OpError) in
        let (type, axisOrNil) = try argReduceType(c.inference, name)
        let x = try c.input(0), axis = axisOrNil!
        let last = try c.attributes.int("select_last_index", default: 0) != 0
        let outer = product(x.shape[..<axis]), n = x.shape[axis], inner = product(x.shape[(axis + 1)...])
        var y = [Int64](repeating: 0, count: outer * inner)
        if x.elementType == .f32 {
          y.withUnsafeMutableBufferPointer { p in
            qcc_f32_arg_reduce(isMin ? 1 : 0, last ? 1 : 0, x.f32Pointer, p.baseAddress, Int64(outer), Int64(n), Int64(inner))
          }
        } else {
          let v = x.doubles()
          for o in 0..<outer {
            for i in 0..<inner {
              var best = 0
              for j in 1..<max(n, 1) {
                let a = v[(o * n + j) * inner + i], b = v[(o * n + best) * inner + i]
                let better = isMin ? (last ? a <= b : a < b) : (last ? a >= b : a > b)
                if better { best = j }
              }
              y[o * inner + i] = Int64(best)
            }
          }
        }
        return [TensorData(shape: type.shape.staticSizes!, scalars: y)]
      })
  }
}
