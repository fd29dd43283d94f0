/// One dimension of a tensor shape: a known size, or a size known only at run time.
///
/// Symbolic dims may carry a name (ONNX `dim_param`); two symbolic dims with
/// the same name are the same size. Printed as `7`, `?` or `?(batch)`.
public enum Dim: Hashable, Sendable {
  case fixed(Int)
  case symbolic(String?)

  /// The size, when it is known.
  public var value: Int? {
    if case .fixed(let n) = self { return n }
    return nil
  }
}

extension Dim: ExpressibleByIntegerLiteral {
  public init(integerLiteral value: Int) { self = .fixed(value) }
}

extension Dim: CustomStringConvertible {
  public var description: String {
    switch self {
    case .fixed(let n): "\(n)"
    case .symbolic(nil): "?"
    case .symbolic(let name?): "?(\(name))"
    }
  }
}

/// The shape of a tensor: a list of dims, or unknown rank.
public enum Shape: Hashable, Sendable {
  case ranked([Dim])
  case unranked

  /// A static shape.
  public init(_ sizes: [Int]) { self = .ranked(sizes.map { .fixed($0) }) }

  public var dims: [Dim]? {
    if case .ranked(let d) = self { return d }
    return nil
  }

  public var rank: Int? { dims?.count }

  /// The sizes, when every dim is known.
  public var staticSizes: [Int]? {
    guard let dims else { return nil }
    var sizes: [Int] = []
    sizes.reserveCapacity(dims.count)
    for d in dims {
      guard let v = d.value else { return nil }
      sizes.append(v)
    }
    return sizes
  }

  /// Number of elements, when the shape is static and the count fits in an Int.
  public var elementCount: Int? { staticSizes.flatMap(checkedProduct) }
}

/// What a tensor's elements are: plain scalars, or a quantized encoding of them.
public enum Element: Hashable, Sendable {
  case plain(ElementType)
  case quantized(QuantizedType)

  /// The type of the stored integers (or scalars).
  public var storage: ElementType {
    switch self {
    case .plain(let t): t
    case .quantized(let q): q.storage
    }
  }

  /// The type the stored values stand for (`f32` for a quantized f32 tensor).
  public var expressed: ElementType {
    switch self {
    case .plain(let t): t
    case .quantized(let q): q.expressed
    }
  }

  public var quantization: QuantizedType? {
    if case .quantized(let q) = self { return q }
    return nil
  }
}

/// The type of an SSA value: element type and shape.
///
/// Printed as `tensor<1x3x224x224xf32>`, `tensor<?(batch)x32xi64>`,
/// `tensor<*xf32>` (unknown rank) or `tensor<768x!q.uniform<i8:f32, 0.5:0>>`.
public struct TensorType: Hashable, Sendable {
  public var element: Element
  public var shape: Shape

  public init(_ element: Element, _ shape: Shape) {
    self.element = element
    self.shape = shape
  }

  public init(_ elementType: ElementType, _ shape: Shape) {
    self.init(.plain(elementType), shape)
  }

  /// A static shape of plain elements.
  public init(_ elementType: ElementType, _ sizes: [Int]) {
    self.init(.plain(elementType), Shape(sizes))
  }

  /// The type of stored elements.
  public var elementType: ElementType { element.storage }
}

/// The product of `values`, nil when it overflows an Int (shapes read from
/// untrusted models must never trap).
public func checkedProduct<S: Sequence>(_ values: S) -> Int? where S.Element == Int {
  var p = 1
  for v in values {
    let (r, overflow) = p.multipliedReportingOverflow(by: v)
    if overflow { return nil }
    p = r
  }
  return p
}
