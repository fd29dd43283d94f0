import QCCIR

/// The ops qcc knows, by name. The table of built-in ops is `StandardOps`;
/// plugins add theirs to a copy.
public struct OpRegistry: Sendable {
  public private(set) var definitions: [String: OpDefinition] = [:]

  public init() {}

  /// Adds an op; registering a name twice is a programming error.
  public mutating func register(_ definition: OpDefinition) {
    precondition(definitions[definition.name] == nil, "op '\(definition.name)' registered twice")
    definitions[definition.name] = definition
  }

  public subscript(op: String) -> OpDefinition? { definitions[op] }

  /// Every known op name, sorted.
  public var opNames: [String] { definitions.keys.sorted() }

  /// The built-in ops.
  public static let standard: OpRegistry = {
    var registry = OpRegistry()
    StandardOps.register(into: &registry)
    return registry
  }()

  /// The result types of `node` in `graph`, from its operands' types and constant operands.
  public func inferTypes(of node: Node, in graph: Graph) throws(OpError) -> [TensorType] {
    guard let definition = definitions[node.op] else { throw OpError("unknown op '\(node.op)'") }
    let context = InferenceContext(
      node: node,
      inputTypes: node.inputs.map { $0.map { graph[$0].type } },
      inputValues: node.inputs.map { $0.flatMap { graph.constantData($0) } },
      declaredResultTypes: node.results.isEmpty ? nil : node.results.map { graph[$0].type },
      parameters: graph.parameters)
    return try definition.inferTypes(context)
  }
}

extension OpRegistry: OpTypeRules {
  public func resultTypes(of node: Node, in graph: Graph) throws -> [TensorType]? {
    guard definitions[node.op] != nil else { return nil }
    return try inferTypes(of: node, in: graph)
  }
}
