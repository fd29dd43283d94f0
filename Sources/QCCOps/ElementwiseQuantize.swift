import QCCIR

// QuantizeLinear, DequantizeLinear (opsets 10–21: per tensor, per axis, and
// blocked with block_size) and DynamicQuantizeLinear, computed as ONNX's
// reference does: quantize divides in f32, rounds half to even, adds the zero
// point and saturates to the integer type; dequantize subtracts the zero point
// and multiplies by the scale in f32. Integer storage types are i8, u8, i16,
// u16, i4 and u4 (qcc has no float8 types). Plain Swift: these ops run in
// conformance tests and at import of QDQ models, not in hot loops.

extension ElementwiseOps {
  static let quantizedTypes: Set<ElementType> = [.i8, .u8, .i16, .u16, .i4, .u4]

  /// The saturation range of a quantized integer type.
  static func quantizedRange(_ t: ElementType) -> (lo: Double, hi: Double) {
    switch t {
    case .i4: (-8, 7)
    case .u4: (0, 15)
    case .i8: (-128, 127)
    case .u8: (0, 255)
    case .i16: (-32768, 32767)
    case .u16: (0, 65535)
    default: (-2_147_483_648, 2_147_483_647)
    }
  }

  /// How the scale and zero point spread over the data: which parameter element each data element uses.
  struct QuantizationLayout {
    enum Kind { case perTensor, perAxis, blocked }
    var kind: Kind
    var axis: Int
    var blockSize: Int

    /// Checks the parameter (scale or zero point) shape `p` against the data shape `x`.
    init(_ c: InferenceContext, _ op: String, data x: TensorType, parameter p: TensorType) throws(OpError) {
      let a = c.attributes
      blockSize = try a.int("block_size", default: 0)
      guard blockSize >= 0 else { throw OpError("\(op) attribute 'block_size' must not be negative, not \(blockSize)") }
      let axisValue = try a.int("axis", default: 1)
      axis = 0
      kind = .perTensor
      guard let pd = p.shape.dims else {
        throw OpError("\(op) needs a scale of known rank")
      }
      if pd.isEmpty || DimMath.product(pd).value == 1 { return }
      guard let xd = x.shape.dims else {
        kind = blockSize > 0 ? .blocked : .perAxis
        return
      }
      axis = try normalizeAxis(axisValue, rank: xd.count)
      if blockSize == 0 {
        guard pd.count == 1 else { throw OpError("\(op) per-axis scale must be 1-D, not \(DimMath.describe(pd))") }
        _ = try DimMath.unify(pd[0], xd[axis], "\(op) scale length does not match data dimension \(axis)")
        kind = .perAxis
        return
      }
      guard pd.count == xd.count else {
        throw OpError("\(op) blocked scale must have the data's rank \(xd.count), not \(DimMath.describe(pd))")
      }
      for k in xd.indices {
        if k == axis {
          if let n = xd[k].value, let m = pd[k].value, m != (n + blockSize - 1) / blockSize {
            throw OpError("\(op) blocked scale has \(m) blocks along axis \(axis), expected \((n + blockSize - 1) / blockSize)")
          }
        } else {
          _ = try DimMath.unify(pd[k], xd[k], "\(op) blocked scale does not match data dimension \(k)")
        }
      }
      kind = .blocked
    }

    /// The parameter index of every element of data of `shape`.
    func parameterIndices(_ shape: [Int]) -> [Int] {
      let count = shape.reduce(1, *)
      switch kind {
      case .perTensor: return [Int](repeating: 0, count: count)
      case .perAxis, .blocked:
        let outer = shape[..<axis].reduce(1, *), n = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
        let blocks = kind == .blocked ? (n + blockSize - 1) / blockSize : n
        var out = [Int](repeating: 0, count: count)
        var e = 0
        for o in 0..<outer {
          for j in 0..<n {
            let b = kind == .blocked ? j / blockSize : j
            for i in 0..<inner {
              out[e] = kind == .blocked ? (o * blocks + b) * inner + i : b
              e += 1
            }
          }
        }
        return out
      }
    }
  }

  /// The zero point's values as integers (sub-byte types too).
  static func zeroPointValues(_ t: TensorData?) -> [Double]? { t?.doubles() }

  // MARK: QuantizeLinear

  static func quantizeType(_ c: InferenceContext) throws(OpError) -> (TensorType, QuantizationLayout) {
    let op = "QuantizeLinear"
    let x = try c.input(0), scale = try c.input(1)
    try ElementTypes.require(x, in: [.f32, .f16, .bf16, .i32], op)
    try ElementTypes.require(scale, in: [.f32, .f16, .bf16, .i32], op, operand: 1)
    let layout = try QuantizationLayout(c, op, data: x, parameter: scale)
    var output = ElementType.u8
    if let code = try c.attributes.int("output_dtype"), code != 0 {
      guard let t = ONNXDataType.elementType(code), quantizedTypes.contains(t) else {
        throw OpError("\(op) output_dtype \(ONNXDataType.name(code)) is not supported")
      }
      output = t
    }
    if let zp = c.optionalInput(2) {
      guard quantizedTypes.contains(zp.elementType), zp.element.quantization == nil else {
        throw OpError("\(op) zero point type \(zp.elementType) is not supported (i8, u8, i16, u16, i4, u4)")
      }
      if c.attributes.has("output_dtype"), let code = try c.attributes.int("output_dtype"), code != 0,
        zp.elementType != output
      {
        throw OpError("\(op) output_dtype \(ONNXDataType.name(code)) differs from the zero point's \(zp.elementType)")
      }
      output = zp.elementType
      if let sd = scale.shape.dims, let zd = zp.shape.dims, sd.count == zd.count {
        for (s, z) in zip(sd, zd) { _ = try DimMath.unify(s, z, "\(op) zero point and scale differ in shape") }
      }
    }
    return (TensorType(output, x.shape), layout)
  }

  static let quantizeLinear = OpDefinition(
    "QuantizeLinear",
    inferTypes: { (c) throws(OpError) in [try quantizeType(c).0] },
    evaluate: { (c) throws(OpError) in
      let (type, layout) = try quantizeType(c.inference)
      let x = try c.input(0), scale = try c.input(1)
      let zp = zeroPointValues(c.optionalInput(2))
      // The division runs in `precision` (opset 23), else in the operands' common type, as the reference's numpy does.
      var precision = x.elementType == scale.elementType ? x.elementType : .f32
      if let code = try c.attributes.int("precision"), code != 0 {
        guard let t = ONNXDataType.elementType(code), [.f32, .f16, .bf16].contains(t) else {
          throw OpError("QuantizeLinear precision \(ONNXDataType.name(code)) is not supported")
        }
        precision = t
      }
      let rt: (Float) -> Float =
        switch precision {
        case .f16: { Float(Float16($0)) }
        case .bf16: { BFloat16($0).floatValue }
        default: { $0 }
        }
      let xv = x.doubles().map { rt(Float($0)) }, sv = scale.doubles().map { rt(Float($0)) }
      let (lo, hi) = quantizedRange(type.elementType)
      let index = layout.parameterIndices(x.shape)
      var q = [Double](repeating: 0, count: xv.count)
      for e in 0..<xv.count {
        let p = index[e]
        var v = Double(rt(xv[e] / sv[p]).rounded(.toNearestOrEven))
        if v.isNaN { v = 0 }
        if let zp { v += zp[p] }
        q[e] = Swift.min(Swift.max(v, lo), hi)
      }
      return [TensorData(converting: q, to: type.elementType, shape: x.shape)]
    })

  // MARK: DequantizeLinear

  static func dequantizeType(_ c: InferenceContext) throws(OpError) -> (TensorType, QuantizationLayout) {
    let op = "DequantizeLinear"
    let x = try c.input(0), scale = try c.input(1)
    try ElementTypes.require(x, in: quantizedTypes.union([.i32]), op)
    try ElementTypes.require(scale, in: [.f32, .f16, .bf16], op, operand: 1)
    let layout = try QuantizationLayout(c, op, data: x, parameter: scale)
    if let zp = c.optionalInput(2) {
      guard zp.elementType == x.elementType else {
        throw OpError("\(op) zero point has element type \(zp.elementType), but the input has \(x.elementType)")
      }
      if let sd = scale.shape.dims, let zd = zp.shape.dims, sd.count == zd.count {
        for (s, z) in zip(sd, zd) { _ = try DimMath.unify(s, z, "\(op) zero point and scale differ in shape") }
      }
    }
    var output = scale.elementType
    if let code = try c.attributes.int("output_dtype"), code != 0 {
      guard let t = ONNXDataType.elementType(code), [.f32, .f16, .bf16].contains(t) else {
        throw OpError("\(op) output_dtype \(ONNXDataType.name(code)) must be a float type")
      }
      output = t
    }
    return (TensorType(output, x.shape), layout)
  }

  static let dequantizeLinear = OpDefinition(
    "DequantizeLinear",
    inferTypes: { (c) throws(OpError) in [try dequantizeType(c).0] },
    evaluate: { (c) throws(OpError) in
      let (type, layout) = try dequantizeType(c.inference)
      let x = try c.input(0), scale = try c.input(1)
      let zp = zeroPointValues(c.optionalInput(2))
      let xv = x.doubles(), sv = scale.doubles().map { Float($0) }
      let index = layout.parameterIndices(x.shape)
      var y = [Float](repeating: 0, count: xv.count)
      for e in 0..<xv.count {
        let p = index[e]
        let d = Float(xv[e]) - Float(zp?[p] ?? 0)
        y[e] = d * sv[p]
      }
      let result = TensorData(shape: x.shape, scalars: y)
      return [type.elementType == .f32 ? result : TensorData(converting: y.map(Double.init), to: type.elementType, shape: x.shape)]
    })

  // MARK: DynamicQuantizeLinear

  static let dynamicQuantizeLinear = OpDefinition(
    "DynamicQuantizeLinear",
    inferTypes: { (c) throws(OpError) in
      let x = try c.input(0)
      try ElementTypes.require(x, in: [.f32], "DynamicQuantizeLinear")
      guard c.resultCount == 3 else { throw OpError("DynamicQuantizeLinear has 3 results, not \(c.resultCount)") }
      return [TensorType(.u8, x.shape), TensorType(.f32, .ranked([])), TensorType(.u8, .ranked([]))]
    },
    evaluate: { (c) throws(OpError) in
      let x = try c.input(0)
      try ElementTypes.require(x.type, in: [.f32], "DynamicQuantizeLinear")
      let v = x.scalars(as: Float.self)
      // NaN never wins a comparison, as in numpy's max over non-NaN data.
      let maxX = Swift.max(0, v.max() ?? 0), minX = Swift.min(0, v.min() ?? 0)
      let scale = (maxX == minX ? 1 : maxX - minX) / Float(255)
      let zeroPoint = Swift.min(Swift.max(0 - minX / scale, 0), 255).rounded(.toNearestOrEven)
      let q = v.map { e -> UInt8 in
        let r = (e / scale).rounded(.toNearestOrEven) + zeroPoint
        return r.isNaN ? 0 : UInt8(Swift.min(Swift.max(r, 0), 255))
      }
      return [TensorData(shape: x.shape, scalars: q), TensorData(scalar: scale), TensorData(scalar: UInt8(zeroPoint))]
    })
}
