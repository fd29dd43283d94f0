import QCCIR
import QCCKernels

// Small helpers every op family uses. Anything two families need lives here,
// not copied into each.

extension TensorData {
  /// A new f32 tensor whose elements `fill` writes (they start zeroed).
  public static func f32(shape: [Int], _ fill: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows -> TensorData {
    try TensorData(elementType: .f32, shape: shape) { try fill($0.bindMemory(to: Float.self)) }
  }

  /// A new f32 tensor whose elements `fill` must all write: the memory is not
  /// zeroed first. For kernels that produce their whole output.
  public static func f32(
    uninitialized shape: [Int], _ fill: (UnsafeMutableBufferPointer<Float>) throws -> Void
  ) rethrows -> TensorData {
    try TensorData(uninitialized: .f32, shape: shape) { try fill($0.bindMemory(to: Float.self)) }
  }

  /// The first byte, for passing to C kernels: a valid pointer even when the tensor is empty.
  public var rawPointer: UnsafeRawPointer { bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 64)! }

  /// The elements of an f32 tensor, for passing to C kernels.
  public var f32Pointer: UnsafePointer<Float> {
    precondition(elementType == .f32, "\(elementType) tensor read as f32")
    return bytes.bindMemory(to: Float.self).baseAddress ?? UnsafePointer(bitPattern: 64)!
  }
}

extension UnsafeMutableBufferPointer {
  /// The first element, for passing to C kernels: a valid pointer even when the buffer is empty.
  var address: UnsafeMutablePointer<Element> { baseAddress ?? UnsafeMutablePointer(bitPattern: 64)! }
}

extension UnsafeMutableRawBufferPointer {
  /// The first byte, for passing to C kernels: a valid pointer even when the buffer is empty.
  var address: UnsafeMutableRawPointer { baseAddress ?? UnsafeMutableRawPointer(bitPattern: 64)! }
}

/// Throws when a tensor of `rank` is deeper than the C kernels go (`QCC_MAX_RANK`).
public func requireKernelRank(_ rank: Int) throws(OpError) {
  guard rank <= Int(QCC_MAX_RANK) else {
    throw OpError("tensors of rank \(rank) are not supported (at most \(QCC_MAX_RANK))")
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

  /// Operand `i`'s integer values when they are known, and an error naming
  /// it as `what` when a known operand is not an integer tensor.
  public func knownIntegers(_ i: Int, what: String) throws(OpError) -> [Int]? {
    guard let v = value(i) else { return nil }
    guard let ints = v.integers() else { throw OpError("\(what) must be an integer tensor, not \(v.elementType)") }
    return ints.map { Int($0) }
  }

  /// Requires operand `i`, named `what` in the error, to have an integer element type.
  public func requireIntegerInput(_ i: Int, what: String) throws(OpError) {
    let t = try input(i)
    guard t.elementType.isInteger else { throw OpError("\(what) must be an integer tensor, not \(t.elementType)") }
  }

  /// The static length of 1-D operand `i` (a shape, axes or pads operand)
  /// when its type says it; an error naming it as `what` when it is not 1-D.
  public func vectorLength(_ i: Int, what: String) throws(OpError) -> Int? {
    let t = try input(i)
    guard let dims = t.shape.dims else { return nil }
    guard dims.count == 1 else { throw OpError("\(what) must be a 1-D tensor, not \(Printer.spell(t))") }
    return dims[0].value
  }
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
