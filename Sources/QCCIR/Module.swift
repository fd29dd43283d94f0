/// The unit qcc compiles: one graph, plus the tensors that quantized types
/// refer to by name and a few facts about where the model came from.
public struct Module: Sendable {
  /// Printed as `module @name`.
  public var name: String
  public var graph: Graph
  /// Per-channel and per-group quantization parameters, referred to from
  /// quantized types as `#name`. Printed before the module, sorted by name.
  /// They live in the graph, where the ops that read quantized values see them.
  public var parameters: [String: Constant] {
    get { graph.parameters }
    set { graph.parameters = newValue }
  }
  /// Facts about the source model (`producer`, `source_opset`…), printed sorted.
  public var metadata: Attributes

  public init(name: String, graph: Graph = Graph(), parameters: [String: Constant] = [:], metadata: Attributes = Attributes()) {
    self.name = name
    self.graph = graph
    if !parameters.isEmpty { self.graph.parameters = parameters }
    self.metadata = metadata
  }
}
