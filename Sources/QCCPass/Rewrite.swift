import QCCIR

/// A named local rewrite: it looks at one root node and, if the IR around it
/// has the shape it knows, replaces the root's results.
///
/// Patterns are matched by a driver (`PatternDriver`) that dispatches on the
/// root's op, so a pattern says which ops it can start from. Failing to match
/// must leave the graph untouched: check everything first, then mutate.
public protocol RewritePattern: Sendable {
  /// Kebab-case name, used in statistics ("gelu-erf: 12").
  var name: String { get }
  /// Ops the root node may have.
  var rootOps: Set<String> { get }
  /// Tries to rewrite at `root`; returns true when it changed the graph.
  func matchAndRewrite(_ root: NodeID, _ rewriter: inout Rewriter) -> Bool
}

/// The graph a pattern works on, with the queries patterns need and the one
/// way they mutate it (so that names and dead code are handled the same way
/// everywhere).
public struct Rewriter {
  public var graph: Graph

  public init(graph: Graph) { self.graph = graph }

  // MARK: - Queries

  /// The node defining `value` when its op is one of `ops`.
  public func producer(of value: ValueID?, _ ops: String...) -> NodeID? {
    guard let value, let n = graph.producer(of: value) else { return nil }
    return ops.isEmpty || ops.contains(graph[n].op) ? n : nil
  }

  /// True when `value` is read exactly once and is not a graph output.
  public func hasOneUse(_ value: ValueID) -> Bool {
    graph[value].uses.count == 1 && !graph.isGraphOutput(value)
  }

  /// The value of a constant whose elements are all equal (a scalar, or a splat), as a Double.
  public func splatValue(_ value: ValueID?) -> Double? {
    guard let value, let data = graph.constantData(value), data.elementCount >= 1, data.elementType.isFloatingPoint
      || data.elementType.isInteger
    else { return nil }
    let v = data.doubles()
    guard let first = v.first, v.allSatisfy({ $0 == first }) else { return nil }
    return first
  }

  /// True when `value` is a splat constant within `tolerance` (relative) of `expected`.
  public func isConstant(_ value: ValueID?, approximately expected: Double, tolerance: Double = 1e-4) -> Bool {
    guard let v = splatValue(value) else { return false }
    return abs(v - expected) <= tolerance * max(1, abs(expected))
  }

  /// The operands of a tree of one commutative, associative op rooted at `value`
  /// (e.g. every factor of `a * (b * c)`), looking only through inner nodes
  /// whose result has one use. Also returns those inner nodes.
  public func flatten(_ value: ValueID, op: String) -> (operands: [ValueID], nodes: [NodeID]) {
    guard let n = producer(of: value, op), graph[n].inputs.count == 2 else { return ([value], []) }
    var operands: [ValueID] = []
    var nodes = [n]
    for input in graph[n].presentInputs {
      if producer(of: input, op) != nil && hasOneUse(input) {
        let inner = flatten(input, op: op)
        operands += inner.operands
        nodes += inner.nodes
      } else {
        operands.append(input)
      }
    }
    return (operands, nodes)
  }

  // MARK: - Mutation

  /// Adds a node before `position` and returns its results.
  @discardableResult
  public mutating func insert(
    _ op: String, _ inputs: [ValueID?], resultTypes: [TensorType], attributes: Attributes = Attributes(),
    location: String? = nil, before position: NodeID, names: [String]? = nil
  ) -> [ValueID] {
    let id = graph.addNode(
      op: op, inputs: inputs, resultTypes: resultTypes, resultNames: names, attributes: attributes,
      location: location, before: position)
    return graph[id].results
  }

  /// Adds a constant.
  public mutating func constant(_ data: TensorData, name: String) -> ValueID {
    graph.addConstant(data, name: name)
  }

  /// Erases `node` when none of its results is read any more, and then its
  /// producers that become unused the same way, so a pattern can reuse their
  /// names at once (the driver's dead-code sweep would otherwise do it later).
  public mutating func eraseIfUnused(_ node: NodeID?) {
    guard let node, graph[node].isLive, graph[node].results.allSatisfy({ graph[$0].uses.isEmpty }) else { return }
    let operands = graph[node].presentInputs
    graph.erase(node)
    for operand in operands { eraseIfUnused(graph.producer(of: operand)) }
  }

  /// Points every use of `root`'s results at `replacements` and erases `root`.
  /// The replacements take over the old results' names, so dumps keep pointing
  /// at the model. Producers left unused are removed by the driver.
  public mutating func replace(_ root: NodeID, with replacements: [ValueID]) {
    let results = graph[root].results
    precondition(results.count == replacements.count, "replacing \(results.count) results with \(replacements.count)")
    for (old, new) in zip(results, replacements) where old != new {
      graph.replaceAllUses(of: old, with: new)
    }
    let names = results.map { graph[$0].name }
    graph.erase(root)
    for (name, new) in zip(names, replacements) where graph.producer(of: new) != nil && graph.value(named: name) == nil {
      graph.rename(new, to: name)
    }
  }
}

/// Applies a set of patterns over a graph until none matches (or a budget runs out).
public struct PatternDriver: Sendable {
  public var patterns: [any RewritePattern]
  /// Sweeps over the graph at most this many times; each sweep visits every node once.
  public var maxSweeps = 10

  public init(_ patterns: [any RewritePattern]) { self.patterns = patterns }

  /// Rewrites `graph`; returns how often each pattern fired.
  public func apply(to graph: inout Graph) -> [String: Int] {
    var fired: [String: Int] = [:]
    var byOp: [String: [any RewritePattern]] = [:]
    for p in patterns {
      for op in p.rootOps { byOp[op, default: []].append(p) }
    }
    var rewriter = Rewriter(graph: graph)
    for _ in 0..<maxSweeps {
      var changed = false
      for id in rewriter.graph.nodeOrder where rewriter.graph[id].isLive {
        for pattern in byOp[rewriter.graph[id].op] ?? [] {
          if pattern.matchAndRewrite(id, &rewriter) {
            fired[pattern.name, default: 0] += 1
            changed = true
            break
          }
        }
      }
      if changed { rewriter.graph.removeDeadCode() } else { break }
    }
    graph = rewriter.graph
    return fired
  }
}
