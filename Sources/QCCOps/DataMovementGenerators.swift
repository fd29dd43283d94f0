import QCCIR
import QCCKernels

// Ops that make new tensors from a shape or a few scalars rather than from an
// operand's elements: ConstantOfShape, Range, EyeLike, OneHot.

extension DataMovementOps {
  /// A tensor of `shape` filled with copies of the one element of `value`
  /// (whose element type it takes).
  static func filled(_ shape: [Int], with value: TensorData, op: String) throws(OpError) -> TensorData {
    let size = try elementSize(value.elementType, op: op)
    return try makeTensor(value.elementType, shape, zeroed: false) { dst in
      qcc_fill(dst, value.rawPointer, Int64(shape.reduce(1, *)), size)
    }
  }

  /// The one-element tensor `v` converted to `type` (the value 1 of a type, a pad value).
  static func scalar(_ v: Double, as type: ElementType) -> TensorData {
    TensorData(converting: [v], to: type, shape: [])
  }

  // MARK: ConstantOfShape

  /// ConstantOfShape's fill value: the `value` attribute, by default f32 0.
  static func constantOfShapeValue(_ c: InferenceContext) throws(OpError) -> TensorData {
    guard let v = try c.attributes.tensor("value") else { return TensorData(scalar: Float(0)) }
    guard v.elementCount == 1 else { throw OpError("attribute 'value' must have one element, not \(v.elementCount)") }
    _ = try elementSize(v.elementType, op: "ConstantOfShape")
    return v
  }

  static func constantOfShapeType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let value = try constantOfShapeValue(c)
    try c.requireIntegerInput(0, what: "the shape operand")
    let length = try c.vectorLength(0, what: "the shape operand")
    guard let target = try c.knownIntegers(0, what: "the shape operand") else {
      return TensorType(value.elementType, length.map { .ranked(DimMath.unknown($0)) } ?? .unranked)
    }
    if let bad = target.first(where: { $0 < 0 }) { throw OpError("shape \(target) has negative dimension \(bad)") }
    return TensorType(value.elementType, target)
  }

  static let constantOfShape = OpDefinition(
    "ConstantOfShape",
    inferTypes: { (c) throws(OpError) in [try constantOfShapeType(c)] },
    evaluate: { (c) throws(OpError) in
      let shape = try constantOfShapeType(c.inference).requireStaticShape()
      return [try filled(shape, with: try constantOfShapeValue(c.inference), op: "ConstantOfShape")]
    })

  // MARK: Range

  /// The three scalars of Range, which must share one numeric element type.
  static func rangeOperandType(_ c: InferenceContext) throws(OpError) -> ElementType {
    let types = try [c.input(0), c.input(1), c.input(2)]
    let t = types[0].elementType
    guard types.allSatisfy({ $0.elementType == t }) else {
      throw OpError("start, limit and delta must share one type, not \(types.map { $0.elementType })")
    }
    guard t != .bool && t.bitWidth >= 8 else { throw OpError("Range does not support \(t)") }
    _ = try rangeStashType(c.attributes, t)
    for (i, type) in types.enumerated() {
      if let n = type.shape.elementCount, n != 1 {
        throw OpError("operand \(i) must be a scalar, not \(Printer.spell(type))")
      }
    }
    return t
  }

  /// The precision f16 and bf16 ranges are computed in (opset 27's
  /// `stash_type`: 1 = f32, the default, or 11 = f64); nil for other types.
  static func rangeStashType(_ a: AttributeReader, _ t: ElementType) throws(OpError) -> ElementType? {
    guard t == .f16 || t == .bf16 else { return nil }
    switch try a.int("stash_type", default: 1) {
    case 1: return .f32
    case 11: return .f64
    case let v: throw OpError("Range stash_type must be 1 (float) or 11 (double), not \(v)")
    }
  }

  /// Range's element count, max(ceil((limit − start) / delta), 0), with exact
  /// integer arithmetic for integer types.
  static func rangeCount(_ start: TensorData, _ limit: TensorData, _ delta: TensorData) throws(OpError) -> Int {
    guard start.elementCount == 1 && limit.elementCount == 1 && delta.elementCount == 1 else {
      throw OpError("start, limit and delta must be scalars")
    }
    let limitOfElements = maxTensorBytes / 8
    if let s = start.integers()?.first, let l = limit.integers()?.first, let d = delta.integers()?.first {
      guard d != 0 else { throw OpError("delta is 0") }
      let (diff, overflow) = (d > 0 ? l : s).subtractingReportingOverflow(d > 0 ? s : l)
      guard !overflow else { throw OpError("the range from \(s) to \(l) is too long") }
      let step = d == .min ? Int64.max : abs(d)
      let n = diff > 0 ? (diff - 1) / step + 1 : 0
      guard n <= limitOfElements else { throw OpError("the range from \(s) to \(l) by \(d) is too long") }
      return Int(n)
    }
    let s = start.doubles()[0], l = limit.doubles()[0], d = delta.doubles()[0]
    guard d != 0 else { throw OpError("delta is 0") }
    // f32 operands subtract in f32, as the f32 computation would.
    let diff = start.elementType == .f32 ? Double(Float(l) - Float(s)) : l - s
    let n = (diff / d).rounded(.up)
    guard !n.isNaN && n <= Double(limitOfElements) else {
      throw OpError("the range from \(s) to \(l) by \(d) is too long")
    }
    return max(Int(n), 0)
  }

  static func rangeType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let t = try rangeOperandType(c)
    guard let s = c.value(0), let l = c.value(1), let d = c.value(2) else {
      return TensorType(t, .ranked([.symbolic(nil)]))
    }
    return TensorType(t, [try rangeCount(s, l, d)])
  }

  static let range = OpDefinition(
    "Range",
    inferTypes: { (c) throws(OpError) in [try rangeType(c)] },
    evaluate: { (c) throws(OpError) in
      let (s, d) = (try c.input(0), try c.input(2))
      let t = try rangeOperandType(c.inference)
      let n = try rangeCount(s, try c.input(1), d)
      if let start = s.integers()?.first, let step = d.integers()?.first {
        let values = (0..<n).map { start &+ Int64($0) &* step }
        return [TensorData(converting: values, to: t, shape: [n])]
      }
      let start = s.doubles()[0], step = d.doubles()[0]
      if try rangeStashType(c.attributes, t) == .f32 {
        // As numpy's float32 arange, which the ONNX reference casts back: x0 + i·(x1 − x0) in f32.
        let x0 = Float(start), delta = Float(start + step) - x0
        return [TensorData(converting: (0..<n).map { Double(x0 + Float($0) * delta) }, to: t, shape: [n])]
      }
      return [TensorData(converting: (0..<n).map { start + Double($0) * step }, to: t, shape: [n])]
    })

  // MARK: EyeLike

  static func eyeLikeType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let x = try c.input(0)
    var type = x.elementType
    if let code = try c.attributes.int("dtype") {
      guard let t = ONNXDataType.elementType(code) else { throw OpError("dtype \(code) is not a supported type") }
      type = t
    }
    _ = try elementSize(type, op: "EyeLike")
    guard let dims = x.shape.dims else { return TensorType(type, .ranked(DimMath.unknown(2))) }
    guard dims.count == 2 else { throw OpError("input must be 2-D, not \(Printer.spell(x))") }
    return TensorType(type, .ranked(dims))
  }

  static let eyeLike = OpDefinition(
    "EyeLike",
    inferTypes: { (c) throws(OpError) in [try eyeLikeType(c)] },
    evaluate: { (c) throws(OpError) in
      let type = try eyeLikeType(c.inference)
      let shape = try type.requireStaticShape()
      let k = try c.attributes.int("k", default: 0)
      guard k.magnitude <= 1 << 40 else { throw OpError("k \(k) is out of range") }
      let size = try elementSize(type.elementType, op: "EyeLike")
      let one = scalar(1, as: type.elementType)
      let (rows, cols) = (shape[0], shape[1])
      return [
        // Only the diagonal is written; the rest stays zero.
        try makeTensor(type.elementType, shape, zeroed: true) { dst in
          for i in 0..<rows where i + k >= 0 && i + k < cols {
            (dst + (i * cols + i + k) * size).copyMemory(from: one.rawPointer, byteCount: size)
          }
        }
      ]
    })

  // MARK: OneHot

  /// OneHot's depth operand, when known: a positive count (any numeric type, truncated).
  static func oneHotDepth(_ depth: TensorData) throws(OpError) -> Int {
    guard depth.elementCount == 1, let d = depth.doubles().first, d.isFinite else {
      throw OpError("depth must be one finite number")
    }
    guard d >= 1 else { throw OpError("depth \(d) must be at least 1") }
    guard d <= Double(maxTensorBytes) else { throw OpError("depth \(d) is too large") }
    return Int(d)
  }

  static func oneHotType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let indices = try c.input(0), values = try c.input(2)
    _ = try c.input(1)
    guard indices.elementType != .bool && indices.elementType.bitWidth >= 8 else {
      throw OpError("indices must be numeric, not \(indices.elementType)")
    }
    if let n = values.shape.elementCount, n != 2 {
      throw OpError("values must hold [off, on], not \(Printer.spell(values))")
    }
    _ = try elementSize(values.elementType, op: "OneHot")
    let depth: Dim = try c.value(1).map { (d) throws(OpError) in .fixed(try oneHotDepth(d)) } ?? .symbolic(nil)
    guard var dims = indices.shape.dims else { return TensorType(values.element, .unranked) }
    let axis = try normalizeAxis(try c.attributes.int("axis", default: -1), rank: dims.count + 1)
    dims.insert(depth, at: axis)
    return TensorType(values.element, .ranked(dims))
  }

  static let oneHot = OpDefinition(
    "OneHot",
    inferTypes: { (c) throws(OpError) in [try oneHotType(c)] },
    evaluate: { (c) throws(OpError) in
      let indices = try c.input(0), values = try c.input(2)
      let shape = try oneHotType(c.inference).requireStaticShape()
      try requireAllocatable(shape, values.elementType)
      let depth = try oneHotDepth(try c.input(1))
      let axis = try normalizeAxis(try c.attributes.int("axis", default: -1), rank: shape.count)
      let size = try elementSize(values.elementType, op: "OneHot")
      let inner = indices.shape[axis...].reduce(1, *)
      let positions = indices.doubles()
      // Every element is first set to "off".
      let out = try makeTensor(values.elementType, shape, zeroed: false) { dst in
        let off = values.rawPointer, on = off + size
        qcc_fill(dst, off, Int64(shape.reduce(1, *)), size)
        for (j, v) in positions.enumerated() where v.isFinite {
          // Indices outside [-depth, depth) leave their row all "off".
          var p = Int(v.rounded(.towardZero).clamped(to: -1e15...1e15))
          if p < 0 { p += depth }
          guard p >= 0 && p < depth else { continue }
          let (o, r) = j.quotientAndRemainder(dividingBy: max(inner, 1))
          (dst + ((o * depth + p) * inner + r) * size).copyMemory(from: on, byteCount: size)
        }
      }
      return [out]
    })
}

extension Double {
  fileprivate func clamped(to range: ClosedRange<Double>) -> Double { min(max(self, range.lowerBound), range.upperBound) }
}
