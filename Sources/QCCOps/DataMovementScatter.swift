import QCCIR

// ScatterND, ScatterElements and the deprecated Scatter: a copy of the data
// with some elements (or slices) replaced by, or combined with, updates.
// Every index is validated, and every target computed, before anything is
// written: a bad index is an OpError, never an out-of-bounds write. With
// reduction "none", duplicate targets are undefined in ONNX; the last update wins.

extension DataMovementOps {
  /// How a scatter combines an update with the element already there.
  enum ScatterReduction: String, Sendable {
    case none, add, mul, max, min

    init(_ a: AttributeReader, op: String) throws(OpError) {
      let name = try a.string("reduction", default: "none")
      guard let r = ScatterReduction(rawValue: name) else {
        throw OpError("\(op) attribute 'reduction' must be none, add, mul, max or min, not '\(name)'")
      }
      self = r
    }

    func combine<T: Comparable>(_ old: T, _ new: T, add: (T, T) -> T, mul: (T, T) -> T) -> T {
      switch self {
      case .none: new
      case .add: add(old, new)
      case .mul: mul(old, new)
      case .max: Swift.max(old, new)
      case .min: Swift.min(old, new)
      }
    }
  }

  /// Checks the reduction against the data's element type (bools only replace).
  static func scatterCheck(_ c: InferenceContext, _ op: String) throws(OpError) -> ScatterReduction {
    let data = try c.input(0), updates = try c.input(2)
    try c.requireIntegerInput(1, what: "\(op) indices")
    guard data.element.quantization == nil, data.elementType.bitWidth >= 8 else {
      throw OpError("\(op) does not support \(data.elementType) tensors")
    }
    guard updates.element == data.element else {
      throw OpError("\(op) updates have element type \(updates.elementType), but the data has \(data.elementType)")
    }
    let reduction = try ScatterReduction(c.attributes, op: op)
    if reduction != .none && data.elementType == .bool {
      throw OpError("\(op) reduction '\(reduction.rawValue)' does not apply to bool tensors")
    }
    return reduction
  }

  /// `data` with update element k written to (or combined into) flat element `targets[k]`,
  /// for every `targets.count / row` rows of `row` consecutive elements. Targets are valid.
  static func scatter(
    _ data: TensorData, _ updates: TensorData, rowStarts targets: [Int], row: Int, _ reduction: ScatterReduction
  ) -> TensorData {
    if reduction == .none {
      let size = data.elementType.bitWidth / 8, rowBytes = row * size
      return TensorData(uninitialized: data.elementType, shape: data.shape) { dst in
        guard data.byteCount > 0 else { return }
        dst.baseAddress!.copyMemory(from: data.rawPointer, byteCount: data.byteCount)
        guard rowBytes > 0 else { return }
        for (k, t) in targets.enumerated() {
          (dst.baseAddress! + t * size).copyMemory(from: updates.rawPointer + k * rowBytes, byteCount: rowBytes)
        }
      }
    }
    func apply<T: Comparable>(_ d: [T], _ u: [T], add: (T, T) -> T, mul: (T, T) -> T) -> [T] {
      var d = d
      for (k, t) in targets.enumerated() {
        for i in 0..<row { d[t + i] = reduction.combine(d[t + i], u[k * row + i], add: add, mul: mul) }
      }
      return d
    }
    switch data.elementType {
    case .f32:
      let y = apply(data.scalars(as: Float.self), updates.scalars(as: Float.self), add: +, mul: *)
      return TensorData(shape: data.shape, scalars: y)
    case .u64:
      let y = apply(data.scalars(as: UInt64.self), updates.scalars(as: UInt64.self), add: &+, mul: &*)
      return TensorData(shape: data.shape, scalars: y)
    case let t where t.isInteger:
      let y = apply(data.integers()!, updates.integers()!, add: &+, mul: &*)
      return TensorData(converting: y, to: t, shape: data.shape)
    default:
      let y = apply(data.doubles(), updates.doubles(), add: +, mul: *)
      return TensorData(converting: y, to: data.elementType, shape: data.shape)
    }
  }

  // MARK: ScatterND

  static func scatterNDType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let data = try c.input(0), indices = try c.input(1), updates = try c.input(2)
    _ = try scatterCheck(c, "ScatterND")
    guard let d = data.shape.dims, let i = indices.shape.dims else { return data }
    guard !d.isEmpty else { throw OpError("ScatterND data must have rank 1 or more") }
    guard !i.isEmpty else { throw OpError("ScatterND indices must have rank 1 or more") }
    guard let m = i[i.count - 1].value else { return data }
    guard m >= 1 && m <= d.count else {
      throw OpError("ScatterND index tuples have \(m) elements, but the data has rank \(d.count)")
    }
    let expected = Array(i.dropLast()) + Array(d[m...])
    if let u = updates.shape.dims {
      guard u.count == expected.count else {
        throw OpError("ScatterND updates have shape \(DimMath.describe(u)), expected \(DimMath.describe(expected))")
      }
      for (a, b) in zip(u, expected) {
        _ = try DimMath.unify(a, b, "ScatterND updates have shape \(DimMath.describe(u)), expected \(DimMath.describe(expected))")
      }
    }
    return data
  }

  static let scatterND = OpDefinition(
    "ScatterND",
    inferTypes: { (c) throws(OpError) in [try scatterNDType(c)] },
    evaluate: { (c) throws(OpError) in
      _ = try scatterNDType(c.inference)
      let reduction = try scatterCheck(c.inference, "ScatterND")
      let data = try c.input(0), indices = try c.input(1), updates = try c.input(2)
      let m = indices.shape[indices.shape.count - 1]
      let raw = indices.integers()!
      let tuples = indices.shape.dropLast().reduce(1, *)
      let row = data.shape[m...].reduce(1, *)
      let strides = contiguousStrides(data.shape)
      var targets = [Int](repeating: 0, count: tuples)
      for t in 0..<tuples {
        var offset = 0
        for k in 0..<m {
          let v = raw[t * m + k], n = Int64(data.shape[k])
          let wrapped = v < 0 ? v &+ n : v
          guard wrapped >= 0 && wrapped < n else {
            throw OpError("ScatterND index \(v) is out of range for data dimension \(k) of size \(n)")
          }
          offset += Int(wrapped) * strides[k]
        }
        targets[t] = offset
      }
      return [scatter(data, updates, rowStarts: targets, row: row, reduction)]
    })

  // MARK: ScatterElements and Scatter

  static func scatterElementsType(_ c: InferenceContext, _ op: String) throws(OpError) -> TensorType {
    let data = try c.input(0), indices = try c.input(1), updates = try c.input(2)
    _ = try scatterCheck(c, op)
    let axis = try c.attributes.int("axis", default: 0)
    if let i = indices.shape.dims, let u = updates.shape.dims {
      guard i.count == u.count else {
        throw OpError("\(op) indices \(DimMath.describe(i)) and updates \(DimMath.describe(u)) differ in rank")
      }
      for (a, b) in zip(i, u) {
        _ = try DimMath.unify(a, b, "\(op) indices \(DimMath.describe(i)) and updates \(DimMath.describe(u)) differ in shape")
      }
    }
    guard let d = data.shape.dims else { return data }
    guard !d.isEmpty else { throw OpError("\(op) data must have rank 1 or more") }
    let a = try normalizeAxis(axis, rank: d.count)
    if let i = indices.shape.dims {
      guard i.count == d.count else { throw OpError("\(op) indices have rank \(i.count), but the data has rank \(d.count)") }
      for k in d.indices where k != a {
        if let m = i[k].value, let n = d[k].value, m > n {
          throw OpError("\(op) indices dimension \(k) is \(m), larger than the data's \(n)")
        }
      }
    }
    return data
  }

  static let scatterElements = scatterElementsOp("ScatterElements")
  /// Scatter (opsets 9–10): ScatterElements without reduction.
  static let scatterLegacy = scatterElementsOp("Scatter")

  static func scatterElementsOp(_ op: String) -> OpDefinition {
    OpDefinition(
      op,
      inferTypes: { (c) throws(OpError) in
        if op == "Scatter" && c.attributes.has("reduction") { throw OpError("Scatter has no attribute 'reduction'") }
        return [try scatterElementsType(c, op)]
      },
      evaluate: { (c) throws(OpError) in
        _ = try scatterElementsType(c.inference, op)
        let reduction = try scatterCheck(c.inference, op)
        let data = try c.input(0), indices = try c.input(1), updates = try c.input(2)
        let axis = try normalizeAxis(try c.attributes.int("axis", default: 0), rank: data.shape.count)
        let raw = indices.integers()!
        let strides = contiguousStrides(data.shape)
        let n = Int64(data.shape[axis])
        var targets = [Int](repeating: 0, count: raw.count)
        let ishape = indices.shape
        var position = [Int](repeating: 0, count: ishape.count)
        for p in 0..<raw.count {
          let v = raw[p]
          let wrapped = v < 0 ? v &+ n : v
          guard wrapped >= 0 && wrapped < n else {
            throw OpError("\(op) index \(v) is out of range for axis \(axis) of size \(n)")
          }
          var offset = 0
          for k in 0..<ishape.count { offset += (k == axis ? Int(wrapped) : position[k]) * strides[k] }
          targets[p] = offset
          // The next row-major position in the indices.
          var k = ishape.count - 1
          while k >= 0 {
            position[k] += 1
            if position[k] < ishape[k] { break }
            position[k] = 0
            k -= 1
          }
        }
        return [scatter(data, updates, rowStarts: targets, row: 1, reduction)]
      })
  }
}
