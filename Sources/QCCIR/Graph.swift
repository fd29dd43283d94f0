/// Identifies a value within its graph. Stable while the value lives.
public struct ValueID: Hashable, Comparable, Sendable {
  public let index: Int
  public static func < (a: ValueID, b: ValueID) -> Bool { a.index < b.index }
}

/// Identifies a node within its graph. Stable while the node lives.
public struct NodeID: Hashable, Comparable, Sendable {
  public let index: Int
  public static func < (a: NodeID, b: NodeID) -> Bool { a.index < b.index }
}

/// The data of a constant value: dense bytes, or only a digest of them when
/// the module was printed with `--elide-constants` and parsed back.
public enum Constant: Sendable {
  case dense(TensorData)
  case elided(digest: String)

  public var data: TensorData? {
    if case .dense(let d) = self { return d }
    return nil
  }
}

/// Where a value comes from.
public enum Definition: Sendable {
  /// A graph input, fed by the caller under `name`.
  case input(name: String)
  case constant(Constant)
  /// Result `result` of node `node`.
  case node(NodeID, result: Int)
  /// The value was erased; its ID is not reused.
  case erased
}

/// A use of a value: an operand of a node, or a graph output.
public enum Use: Hashable, Sendable {
  case operand(NodeID, index: Int)
  case output(index: Int)
}

/// An SSA value: defined once, typed, and named for printing.
public struct Value: Sendable {
  /// Printed as `%name`; unique within the graph.
  public internal(set) var name: String
  public internal(set) var type: TensorType
  public internal(set) var definition: Definition
  /// Every place the value is read, in no particular order.
  public internal(set) var uses: [Use] = []

  public var isLive: Bool {
    if case .erased = definition { return false }
    return true
  }
}

/// An operation: an op name, operands, results and attributes.
///
/// The op name is open: ONNX ops keep their ONNX names (`MatMul`), qcc's own
/// ops and plugin ops use a dotted namespace (`qcc.rms_norm`, `myplugin.twin_gelu`).
public struct Node: Sendable {
  public var op: String
  /// Operands; `nil` is an omitted optional operand (printed `_`).
  public internal(set) var inputs: [ValueID?]
  public internal(set) var results: [ValueID]
  public var attributes: Attributes
  /// Where the node came from (the ONNX node name), for dumps and errors.
  public var location: String?

  public internal(set) var isLive = true
  var previous: NodeID?
  var next: NodeID?

  /// Operands that are present.
  public var presentInputs: [ValueID] { inputs.compactMap { $0 } }

  /// A node not (yet) in any graph: what type inference sees of a node before it is added.
  public init(op: String, inputs: [ValueID?], attributes: Attributes = Attributes(), location: String? = nil) {
    self.init(op: op, inputs: inputs, results: [], attributes: attributes, location: location)
  }

  init(op: String, inputs: [ValueID?], results: [ValueID], attributes: Attributes, location: String?) {
    self.op = op
    self.inputs = inputs
    self.results = results
    self.attributes = attributes
    self.location = location
  }
}

/// A graph: inputs, constants, nodes in topological order, and outputs.
///
/// `Graph` is a value type over index-based arenas: copying a module is cheap
/// (copy-on-write), which makes before/after snapshots free. All mutation goes
/// through the methods below, which keep use lists and the node order exact.
public struct Graph: Sendable {
  public private(set) var values: [Value] = []
  public private(set) var nodes: [Node] = []
  /// Graph inputs, in call order.
  public private(set) var inputs: [ValueID] = []
  /// Graph outputs, in return order, with the names callers see.
  public private(set) var outputs: [(name: String, value: ValueID)] = []
  /// Tensors that quantized types refer to by name (`#name`): per-channel and
  /// per-group scales and zero points. Printed at the top of the module.
  public var parameters: [String: Constant] = [:]
  private var first: NodeID?
  private var last: NodeID?
  private var valueNames: [String: ValueID] = [:]
  public private(set) var liveNodeCount = 0

  public init() {}

  // MARK: - Reading

  public subscript(value: ValueID) -> Value { values[value.index] }

  /// Reads a node; writing may change its op, attributes and location, but not its operands or results.
  public subscript(node: NodeID) -> Node {
    get { nodes[node.index] }
    set {
      precondition(
        newValue.inputs == nodes[node.index].inputs && newValue.results == nodes[node.index].results,
        "use setOperand/replaceAllUses to rewire nodes")
      nodes[node.index].op = newValue.op
      nodes[node.index].attributes = newValue.attributes
      nodes[node.index].location = newValue.location
    }
  }

  /// Live nodes in topological order (a snapshot: safe to mutate the graph while iterating).
  public var nodeOrder: [NodeID] {
    var order: [NodeID] = []
    order.reserveCapacity(liveNodeCount)
    var cursor = first
    while let id = cursor {
      order.append(id)
      cursor = nodes[id.index].next
    }
    return order
  }

  /// Live constants in definition order.
  public var constants: [ValueID] {
    values.indices.compactMap { i in
      if case .constant = values[i].definition { return ValueID(index: i) }
      return nil
    }
  }

  /// The node defining `value`, if a node does.
  public func producer(of value: ValueID) -> NodeID? {
    if case .node(let n, _) = values[value.index].definition { return n }
    return nil
  }

  /// The constant data of `value`, if it is a dense constant.
  public func constantData(_ value: ValueID) -> TensorData? {
    if case .constant(let c) = values[value.index].definition { return c.data }
    return nil
  }

  public func isConstant(_ value: ValueID) -> Bool {
    if case .constant = values[value.index].definition { return true }
    return false
  }

  /// The value named `name`, if any.
  public func value(named name: String) -> ValueID? { valueNames[name] }

  /// The nodes that read `value`, each once, in topological-order-independent order.
  public func users(of value: ValueID) -> [NodeID] {
    var seen = Set<NodeID>()
    var result: [NodeID] = []
    for use in values[value.index].uses {
      if case .operand(let n, _) = use, seen.insert(n).inserted { result.append(n) }
    }
    return result
  }

  /// True when some graph output is `value`.
  public func isGraphOutput(_ value: ValueID) -> Bool {
    values[value.index].uses.contains { if case .output = $0 { true } else { false } }
  }

  // MARK: - Naming

  /// `base` made unique among the graph's value names and printable as `%name`.
  public func uniqueName(_ base: String) -> String {
    let clean = Graph.sanitize(base)
    if valueNames[clean] == nil { return clean }
    var n = 1
    while valueNames["\(clean).\(n)"] != nil { n += 1 }
    return "\(clean).\(n)"
  }

  /// Turns any string (an ONNX tensor name) into an identifier the text form accepts:
  /// letters, digits, `_` and `.`; `/` becomes `.`, other characters `_`.
  public static func sanitize(_ name: String) -> String {
    var out = ""
    for scalar in name.unicodeScalars {
      if isIdentifierScalar(scalar) {
        out.unicodeScalars.append(scalar)
      } else if scalar == "/" {
        out.append(".")
      } else {
        out.append("_")
      }
    }
    while out.hasPrefix(".") { out.removeFirst() }
    return out.isEmpty ? "v" : out
  }

  static func isIdentifierScalar(_ s: Unicode.Scalar) -> Bool {
    (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9") || s == "_" || s == "."
  }

  /// Renames a value. The name must be unique.
  public mutating func rename(_ value: ValueID, to name: String) {
    precondition(valueNames[name] == nil || valueNames[name] == value, "value name '\(name)' is taken")
    valueNames[values[value.index].name] = nil
    values[value.index].name = name
    valueNames[name] = value
  }

  private mutating func newValue(name: String, type: TensorType, definition: Definition) -> ValueID {
    let id = ValueID(index: values.count)
    let unique = uniqueName(name)
    values.append(Value(name: unique, type: type, definition: definition))
    valueNames[unique] = id
    return id
  }

  // MARK: - Building

  /// Adds a graph input named `name` (what callers feed); its value is named after it.
  @discardableResult
  public mutating func addInput(name: String, type: TensorType, valueName: String? = nil) -> ValueID {
    let id = newValue(name: valueName ?? name, type: type, definition: .input(name: name))
    inputs.append(id)
    return id
  }

  /// Adds a constant. Its type is the data's type unless `type` (a quantized view of the same storage) is given.
  @discardableResult
  public mutating func addConstant(_ data: TensorData, name: String, type: TensorType? = nil) -> ValueID {
    newValue(name: name, type: type ?? data.type, definition: .constant(.dense(data)))
  }

  /// Adds a constant whose data is known only by digest (parsed from an elided dump).
  @discardableResult
  public mutating func addElidedConstant(digest: String, name: String, type: TensorType) -> ValueID {
    newValue(name: name, type: type, definition: .constant(.elided(digest: digest)))
  }

  /// Adds a node at the end of the order, or before `successor` when given.
  /// Result values are named from `resultNames` (made unique) and typed from `resultTypes`.
  @discardableResult
  public mutating func addNode(
    op: String, inputs: [ValueID?], resultTypes: [TensorType], resultNames: [String]? = nil,
    attributes: Attributes = Attributes(), location: String? = nil, before successor: NodeID? = nil
  ) -> NodeID {
    let id = NodeID(index: nodes.count)
    var results: [ValueID] = []
    for (i, type) in resultTypes.enumerated() {
      let name = resultNames?[i] ?? "\(Graph.sanitize(location ?? op)).\(i)"
      results.append(newValue(name: name, type: type, definition: .node(id, result: i)))
    }
    nodes.append(Node(op: op, inputs: inputs, results: results, attributes: attributes, location: location))
    for (i, input) in inputs.enumerated() {
      if let input { values[input.index].uses.append(.operand(id, index: i)) }
    }
    link(id, before: successor)
    liveNodeCount += 1
    return id
  }

  private mutating func link(_ id: NodeID, before successor: NodeID?) {
    if let successor {
      let previous = nodes[successor.index].previous
      nodes[id.index].previous = previous
      nodes[id.index].next = successor
      nodes[successor.index].previous = id
      if let previous { nodes[previous.index].next = id } else { first = id }
    } else {
      nodes[id.index].previous = last
      if let last { nodes[last.index].next = id } else { first = id }
      last = id
    }
  }

  private mutating func unlink(_ id: NodeID) {
    let (previous, next) = (nodes[id.index].previous, nodes[id.index].next)
    if let previous { nodes[previous.index].next = next } else { first = next }
    if let next { nodes[next.index].previous = previous } else { last = previous }
    nodes[id.index].previous = nil
    nodes[id.index].next = nil
  }

  /// Moves `node` to just before `successor` (or to the end). The caller keeps the order topological.
  public mutating func move(_ node: NodeID, before successor: NodeID?) {
    unlink(node)
    link(node, before: successor)
  }

  /// Adds a graph output.
  public mutating func addOutput(name: String, value: ValueID) {
    values[value.index].uses.append(.output(index: outputs.count))
    outputs.append((name, value))
  }

  // MARK: - Rewiring

  /// Sets operand `index` of `node` to `value` (nil omits an optional operand).
  public mutating func setOperand(of node: NodeID, at index: Int, to value: ValueID?) {
    if let old = nodes[node.index].inputs[index] {
      removeUse(.operand(node, index: index), of: old)
    }
    nodes[node.index].inputs[index] = value
    if let value { values[value.index].uses.append(.operand(node, index: index)) }
  }

  /// Points every use of `old` (operands and graph outputs) at `new`.
  public mutating func replaceAllUses(of old: ValueID, with new: ValueID) {
    guard old != new else { return }
    let uses = values[old.index].uses
    values[old.index].uses = []
    for use in uses {
      switch use {
      case .operand(let n, let i): nodes[n.index].inputs[i] = new
      case .output(let i): outputs[i].value = new
      }
    }
    values[new.index].uses.append(contentsOf: uses)
  }

  /// Changes the recorded type of a value (shape inference refining a shape, a pass quantizing it).
  public mutating func setType(of value: ValueID, to type: TensorType) {
    values[value.index].type = type
  }

  /// Replaces a constant's data in place (keeps its name and uses).
  public mutating func setConstant(_ value: ValueID, to data: TensorData, type: TensorType? = nil) {
    guard case .constant = values[value.index].definition else {
      preconditionFailure("%\(values[value.index].name) is not a constant")
    }
    values[value.index].definition = .constant(.dense(data))
    values[value.index].type = type ?? data.type
  }

  private mutating func removeUse(_ use: Use, of value: ValueID) {
    if let i = values[value.index].uses.firstIndex(of: use) {
      values[value.index].uses.swapAt(i, values[value.index].uses.count - 1)
      values[value.index].uses.removeLast()
    }
  }

  // MARK: - Erasing

  /// Erases a node whose results have no uses.
  public mutating func erase(_ node: NodeID) {
    let n = nodes[node.index]
    precondition(n.isLive, "node erased twice")
    for r in n.results {
      precondition(values[r.index].uses.isEmpty, "erasing node whose result %\(values[r.index].name) is still used")
    }
    for (i, input) in n.inputs.enumerated() {
      if let input { removeUse(.operand(node, index: i), of: input) }
    }
    for r in n.results { eraseValue(r) }
    unlink(node)
    nodes[node.index].isLive = false
    liveNodeCount -= 1
  }

  /// Erases an unused constant.
  public mutating func eraseConstant(_ value: ValueID) {
    precondition(isConstant(value) && values[value.index].uses.isEmpty, "erasing a used or non-constant value")
    eraseValue(value)
  }

  private mutating func eraseValue(_ value: ValueID) {
    valueNames[values[value.index].name] = nil
    values[value.index].definition = .erased
    values[value.index].uses = []
  }

  /// Erases nodes and constants whose results nothing reads. Returns how many were erased.
  @discardableResult
  public mutating func removeDeadCode() -> Int {
    var erased = 0
    for id in nodeOrder.reversed() where nodes[id.index].results.allSatisfy({ values[$0.index].uses.isEmpty }) {
      erase(id)
      erased += 1
    }
    for c in constants where values[c.index].uses.isEmpty {
      eraseConstant(c)
      erased += 1
    }
    return erased
  }
}
