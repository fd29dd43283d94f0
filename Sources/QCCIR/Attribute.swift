#if canImport(Glibc)
import Glibc
#endif

/// A typed attribute value on a node.
///
/// Printed as `7`, `0.5`, `"text"`, `[1, 2]`, `[0.5, 1.0]`, `["a", "b"]`, or a
/// tensor `dense<…> : tensor<…>`. Empty lists carry their type: `[] : i64`.
public enum Attribute: Sendable {
  case int(Int64)
  case float(Float)
  case string(String)
  case ints([Int64])
  case floats([Float])
  case strings([String])
  case tensor(TensorData)

  /// The kind's name, for error messages ("expected ints, got float").
  public var kindName: String {
    switch self {
    case .int: "int"
    case .float: "float"
    case .string: "string"
    case .ints: "ints"
    case .floats: "floats"
    case .strings: "strings"
    case .tensor: "tensor"
    }
  }
}

extension Attribute: Hashable {
  // Floats compare by bit pattern so that equality is an equivalence relation
  // (NaN == NaN, 0.0 != -0.0): CSE must not merge ops that differ in a sign bit.
  public static func == (lhs: Attribute, rhs: Attribute) -> Bool {
    switch (lhs, rhs) {
    case (.int(let a), .int(let b)): a == b
    case (.float(let a), .float(let b)): a.bitPattern == b.bitPattern
    case (.string(let a), .string(let b)): a == b
    case (.ints(let a), .ints(let b)): a == b
    case (.floats(let a), .floats(let b)): a.map(\.bitPattern) == b.map(\.bitPattern)
    case (.strings(let a), .strings(let b)): a == b
    case (.tensor(let a), .tensor(let b)): a.isIdentical(to: b)
    default: false
    }
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(kindName)
    switch self {
    case .int(let v): hasher.combine(v)
    case .float(let v): hasher.combine(v.bitPattern)
    case .string(let v): hasher.combine(v)
    case .ints(let v): hasher.combine(v)
    case .floats(let v): hasher.combine(v.map(\.bitPattern))
    case .strings(let v): hasher.combine(v)
    case .tensor(let t):
      hasher.combine(t.elementType)
      hasher.combine(t.shape)
      hasher.combine(bytes: t.bytes)
    }
  }
}

/// A node's attributes, kept sorted by name so that printing is deterministic.
public struct Attributes: Hashable, Sendable, Sequence {
  public private(set) var entries: [(name: String, value: Attribute)] = []

  public init() {}

  public init(_ pairs: [(String, Attribute)]) {
    for (k, v) in pairs { self[k] = v }
  }

  public subscript(name: String) -> Attribute? {
    get { entries.first { $0.name == name }?.value }
    set {
      let index = entries.firstIndex { $0.name >= name }
      if let index, entries[index].name == name {
        if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
      } else if let newValue {
        entries.insert((name, newValue), at: index ?? entries.endIndex)
      }
    }
  }

  public var isEmpty: Bool { entries.isEmpty }
  public var names: [String] { entries.map(\.name) }

  public func makeIterator() -> IndexingIterator<[(name: String, value: Attribute)]> {
    entries.makeIterator()
  }

  public static func == (lhs: Attributes, rhs: Attributes) -> Bool {
    lhs.entries.count == rhs.entries.count
      && zip(lhs.entries, rhs.entries).allSatisfy { $0.name == $1.name && $0.value == $1.value }
  }

  public func hash(into hasher: inout Hasher) {
    for (name, value) in entries {
      hasher.combine(name)
      hasher.combine(value)
    }
  }
}
