import QCCIR

// Small helpers every op family uses. Anything two families need lives here,
// not copied into each.

extension TensorData {
  /// A new f32 tensor whose elements `fill` writes.
  public static func f32(shape: [Int], _ fill: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows -> TensorData {
    try TensorData(elementType: .f32, shape: shape) { try fill($0.bindMemory(to: Float.self)) }
  }

  /// The elements of an f32 tensor, for passing to C kernels.
  public var f32Pointer: UnsafePointer<Float> {
    precondition(elementType == .f32, "\(elementType) tensor read as f32")
    return bytes.bindMemory(to: Float.self).baseAddress ?? UnsafePointer(bitPattern: 64)!
  }
}

extension TensorType {
  /// The static sizes, or an error saying which dimension is unknown.
  public func requireStaticShape(_ what: String = "input") throws(OpError) -> [Int] {
    guard let sizes = shape.staticSizes else {
      throw OpError("\(what) must have a static shape, not \(Printer.spell(self))")
    }
    return sizes
  }
}

extension InferenceContext {
  /// Operand `i`'s integer values when they are known (shape, axes, indices operands).
  public func integers(_ i: Int) -> [Int]? { value(i)?.integers()?.map { Int($0) } }
}

extension EvaluationContext {
  /// Operand `i`'s integer values (shape, axes, indices operands); an error if it is not integral.
  public func integers(_ i: Int) throws(OpError) -> [Int] {
    let t = try input(i)
    guard let v = t.integers() else { throw OpError("input \(i) must be an integer tensor, not \(t.elementType)") }
    return v.map { Int($0) }
  }
}

/// Normalizes a list of possibly negative axes against `rank`; duplicates are an error.
public func normalizeAxes(_ axes: [Int], rank: Int, name: String = "axes") throws(OpError) -> [Int] {
  var result: [Int] = []
  for a in axes {
    let n = try normalizeAxis(a, rank: rank, name: name)
    guard !result.contains(n) else { throw OpError("\(name) \(axes) repeats axis \(a)") }
    result.append(n)
  }
  return result
}
