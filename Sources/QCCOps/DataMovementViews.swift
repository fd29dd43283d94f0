import QCCIR

// Ops that only change how a tensor's elements are shaped: Identity, Reshape,
// Flatten, Squeeze, Unsqueeze. Evaluation never copies; the result is a view
// sharing the operand's storage (`TensorData.reshaped`).

extension DataMovementOps {
  /// The result of a view op: `x` seen with the inferred static shape.
  static func view(_ x: TensorData, as type: TensorType, op: String) throws(OpError) -> TensorData {
    let shape = try type.requireStaticShape("\(op) result")
    try requireAllocatable(shape, x.elementType)
    guard shape.reduce(1, *) == x.elementCount else {
      throw OpError("cannot reshape \(x.shape) (\(x.elementCount) elements) to \(shape)")
    }
    return x.reshaped(shape)
  }

  /// A view op whose one result type `infer` computes.
  static func viewOp(_ name: String, _ infer: @escaping @Sendable (InferenceContext) throws(OpError) -> TensorType)
    -> OpDefinition
  {
    OpDefinition(
      name,
      inferTypes: { (c) throws(OpError) in
        try requireMovable(c.optionalInput(0), name, isView: true)
        return [try infer(c)]
      },
      evaluate: { (c) throws(OpError) in
        try requireMovable(c.inputType(0), name, isView: true)
        return [try view(try c.input(0), as: try infer(c.inference), op: name)]
      })
  }

  static let identity = viewOp("Identity") { (c) throws(OpError) in try c.input(0) }

  // MARK: Reshape

  static let reshape = viewOp("Reshape") { (c) throws(OpError) in
    let x = try c.input(0)
    try c.requireIntegerInput(1, what: "the shape operand")
    let length = try c.vectorLength(1, what: "the shape operand")
    let allowZero = try c.attributes.int("allowzero", default: 0) != 0
    guard let target = try c.knownIntegers(1, what: "the shape operand") else {
      return TensorType(x.element, length.map { .ranked(DimMath.unknown($0)) } ?? .unranked)
    }
    return TensorType(x.element, .ranked(try reshapeDims(x.shape.dims, target, allowZero: allowZero)))
  }

  /// Reshape's result dims: `0` copies the input dim (unless `allowZero`),
  /// `-1` takes what is left of the element count. Symbolic input dims that
  /// are copied cancel out, so `[?(b), 12, 64]` to `[0, -1]` is `[?(b), 768]`.
  static func reshapeDims(_ input: [Dim]?, _ target: [Int], allowZero: Bool) throws(OpError) -> [Dim] {
    guard target.filter({ $0 == -1 }).count <= 1 else { throw OpError("shape \(target) has more than one -1") }
    if let bad = target.first(where: { $0 < -1 }) { throw OpError("shape \(target) has invalid dimension \(bad)") }
    if allowZero && target.contains(0) && target.contains(-1) {
      throw OpError("shape \(target) has both 0 and -1, which allowzero=1 forbids")
    }
    var dims: [Dim] = []
    var copied = Set<Int>()
    for (i, v) in target.enumerated() {
      if v == 0 && !allowZero {
        guard let input else { dims.append(.symbolic(nil)); continue }
        guard i < input.count else {
          throw OpError("shape \(target) copies dimension \(i), but the input has rank \(input.count)")
        }
        dims.append(input[i])
        copied.insert(i)
      } else {
        dims.append(v == -1 ? .symbolic(nil) : .fixed(v))
      }
    }
    guard let input else { return dims }
    // Symbolic input dims that were not copied must be matched by the -1.
    let unmatched = input.indices.filter { input[$0].value == nil && !copied.contains($0) }.map { input[$0] }
    // Products that overflow (absurd, or empty tensors) leave the dims unchecked.
    guard let inFixed = checkedProduct(input.compactMap(\.value)),
      let outFixed = checkedProduct(dims.indices.filter { target[$0] != -1 }.compactMap { dims[$0].value })
    else { return dims }
    if let hole = target.firstIndex(of: -1) {
      if unmatched.isEmpty {
        guard outFixed != 0 else { throw OpError("shape \(target) has a -1 next to a zero-size dimension") }
        guard inFixed % outFixed == 0 else {
          throw OpError(
            "cannot reshape \(DimMath.describe(input)) to \(target): \(inFixed) is not a multiple of \(outFixed)")
        }
        dims[hole] = .fixed(inFixed / outFixed)
      } else if unmatched.count == 1 && inFixed == outFixed {
        dims[hole] = unmatched[0]
      }
    }
    // Without a -1 the element counts must agree, unless a copied symbolic
    // dim is 0 at run time (which makes any sizes agree).
    let symbolicCopy = copied.contains { input[$0].value == nil }
    if !target.contains(-1) && unmatched.isEmpty && !symbolicCopy && inFixed != outFixed {
      throw OpError("cannot reshape \(DimMath.describe(input)) (\(inFixed) elements) to \(target) (\(outFixed) elements)")
    }
    return dims
  }

  // MARK: Flatten

  static let flatten = viewOp("Flatten") { (c) throws(OpError) in
    let x = try c.input(0)
    let axisValue = try c.attributes.int("axis", default: 1)
    guard let dims = x.shape.dims else { return TensorType(x.element, .ranked(DimMath.unknown(2))) }
    let axis = axisValue < 0 ? axisValue + dims.count : axisValue
    guard axis >= 0 && axis <= dims.count else {
      throw OpError("axis \(axisValue) is out of range for rank \(dims.count)")
    }
    return TensorType(x.element, .ranked([DimMath.product(dims[..<axis]), DimMath.product(dims[axis...])]))
  }

  // MARK: Squeeze and Unsqueeze

  static let squeeze = viewOp("Squeeze") { (c) throws(OpError) in
    let x = try c.input(0)
    var axesLength: Int? = nil
    if c.hasInput(1) {
      try c.requireIntegerInput(1, what: "the axes operand")
      axesLength = try c.vectorLength(1, what: "the axes operand")
    }
    guard let dims = x.shape.dims else { return TensorType(x.element, .unranked) }
    guard c.hasInput(1) else {
      // Without axes every size-1 dim goes; a symbolic dim might be 1.
      if dims.contains(where: { $0.value == nil }) { return TensorType(x.element, .unranked) }
      return TensorType(x.element, .ranked(dims.filter { $0 != .fixed(1) }))
    }
    guard let axesValue = try c.knownIntegers(1, what: "the axes operand") else {
      guard let k = axesLength, k <= dims.count else { return TensorType(x.element, .unranked) }
      return TensorType(x.element, .ranked(DimMath.unknown(dims.count - k)))
    }
    let axes = try normalizeAxes(axesValue, rank: dims.count)
    for a in axes {
      if let n = dims[a].value, n != 1 { throw OpError("cannot squeeze axis \(a) of size \(n)") }
    }
    return TensorType(x.element, .ranked(dims.indices.filter { !axes.contains($0) }.map { dims[$0] }))
  }

  static let unsqueeze = viewOp("Unsqueeze") { (c) throws(OpError) in
    let x = try c.input(0)
    try c.requireIntegerInput(1, what: "the axes operand")
    let length = try c.vectorLength(1, what: "the axes operand")
    guard let dims = x.shape.dims else { return TensorType(x.element, .unranked) }
    guard let axesValue = try c.knownIntegers(1, what: "the axes operand") else {
      return TensorType(x.element, length.map { .ranked(DimMath.unknown(dims.count + $0)) } ?? .unranked)
    }
    let rank = dims.count + axesValue.count
    let axes = try normalizeAxes(axesValue, rank: rank)
    var out: [Dim] = []
    var next = dims.makeIterator()
    for i in 0..<rank { out.append(axes.contains(i) ? .fixed(1) : next.next()!) }
    return TensorType(x.element, .ranked(out))
  }
}
