import QCCIR
import QCCPass

/// Merges nodes that compute the same thing (same op, operands and
/// attributes) and small constants with the same type and bytes.
///
///     %a = Shape(%x) : tensor<3xi64>
///     %b = Shape(%x) : tensor<3xi64>
///   becomes
///     %a = Shape(%x) : tensor<3xi64>     // and every use of %b reads %a
public struct CommonSubexpressions: Pass {
  public static let name = "cse"
  public static let summary = "Merge identical nodes and identical small constants"
  public let options: NoOptions
  public init(options: NoOptions) { self.options = options }

  /// Constants up to this size are compared; larger ones are weights, which are rarely duplicated and costly to hash.
  static let maxConstantBytes = 4096

  /// Nodes are equal when op, operands, attributes and result types agree: the
  /// result types matter for ops whose types a pass chose (two quantizations
  /// of one value with different scales are different values).
  struct NodeKey: Hashable {
    var op: String
    var inputs: [ValueID?]
    var attributes: Attributes
    var resultTypes: [TensorType]
  }

  struct ConstantKey: Hashable {
    var type: TensorType
    var bytes: [UInt8]
  }

  public func run(on module: inout Module, context: inout PassContext) throws(PassError) -> Changed {
    var g = module.graph
    var merged = 0
    var constants: [ConstantKey: ValueID] = [:]
    for c in g.constants {
      guard let data = g.constantData(c), data.byteCount <= Self.maxConstantBytes else { continue }
      let key = ConstantKey(type: g[c].type, bytes: Array(data.bytes))
      if let first = constants[key] {
        g.replaceAllUses(of: c, with: first)
        g.eraseConstant(c)
        merged += 1
      } else {
        constants[key] = c
      }
    }
    var seen: [NodeKey: NodeID] = [:]
    for id in g.nodeOrder {
      let node = g[id]
      let key = NodeKey(op: node.op, inputs: node.inputs, attributes: node.attributes, resultTypes: node.results.map { g[$0].type })
      guard let first = seen[key] else {
        seen[key] = id
        continue
      }
      for (old, new) in zip(node.results, g[first].results) { g.replaceAllUses(of: old, with: new) }
      g.erase(id)
      merged += 1
    }
    guard merged > 0 else { return .no }
    module.graph = g
    context.statistics.add(merged, "merged", pass: Self.name)
    return .yes
  }
}
