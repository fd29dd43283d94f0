import QCCIR
import QCCOps
import QCCPass

/// Re-runs type inference over the graph in order and records what it learns:
/// a dim that was `?` becomes static once the constant it depended on is
/// folded. Declared sizes are never contradicted; a contradiction is an error.
///
///     %y = Reshape(%x, %shape) : tensor<?x?xf32>      // %shape now dense<[1, 768]>
///   becomes
///     %y = Reshape(%x, %shape) : tensor<1x768xf32>
public struct InferShapes: Pass {
  public static let name = "infer-shapes"
  public static let summary = "Refine result types from operand types and constants"
  public let options: NoOptions
  public init(options: NoOptions) { self.options = options }

  public func run(on module: inout Module, context: inout PassContext) throws(PassError) -> Changed {
    var g = module.graph
    let ops = context.ops
    var refined = 0
    for id in g.nodeOrder {
      let node = g[id]
      guard ops[node.op] != nil else { continue }
      let inferred: [TensorType]
      do {
        inferred = try ops.inferTypes(of: node, in: g)
      } catch {
        throw PassError("\(g.describe(id)): \(error)")
      }
      for (value, type) in zip(node.results, inferred) {
        let current = g[value].type
        guard current.isCompatible(with: type) else {
          throw PassError(
            "\(g.describe(id)): result %\(g[value].name) is typed \(Printer.spell(current)) but its operands give \(Printer.spell(type))")
        }
        let merged = current.refined(by: type)
        if merged != current {
          g.setType(of: value, to: merged)
          refined += 1
        }
      }
    }
    guard refined > 0 else { return .no }
    module.graph = g
    context.statistics.add(refined, "refined types", pass: Self.name)
    return .yes
  }
}

extension TensorType {
  /// This type with unknown dims (and rank) filled in from a compatible `other`.
  func refined(by other: TensorType) -> TensorType {
    guard let mine = shape.dims else { return TensorType(element, other.shape) }
    guard let theirs = other.shape.dims, theirs.count == mine.count else { return self }
    let dims = zip(mine, theirs).map { a, b -> Dim in
      if case .fixed = a { return a }
      if case .fixed = b { return b }
      if case .symbolic(nil) = a { return b }
      return a
    }
    return TensorType(element, .ranked(dims))
  }
}
