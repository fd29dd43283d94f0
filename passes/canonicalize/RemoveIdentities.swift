import QCCIR
import QCCPass

/// Replaces ops that return their operand unchanged by the operand:
/// `Identity`, `Dropout` whose mask nobody reads (inference), `Cast` to the
/// operand's own type, and `Reshape`/`Flatten`/`Squeeze`/`Unsqueeze`/`Expand`
/// whose static result shape equals the operand's.
///
///     %w1 = Identity(%w) : tensor<384xf32>
///     %y = Mul(%x, %w1) : tensor<1x32x384xf32>
///   becomes
///     %y = Mul(%x, %w) : tensor<1x32x384xf32>
public struct RemoveIdentities: Pass {
  public static let name = "remove-identities"
  public static let summary = "Replace Identity, inference Dropout and no-op Cast/Reshape/Expand by their operand"
  public let options: NoOptions
  public init(options: NoOptions) { self.options = options }

  public func run(on module: inout Module, context: inout PassContext) throws(PassError) -> Changed {
    var g = module.graph
    var removed = 0
    for id in g.nodeOrder {
      let node = g[id]
      guard let operand = node.inputs.first ?? nil, let result = node.results.first else { continue }
      let inType = g[operand].type, outType = g[result].type
      let isNoOp: Bool
      switch node.op {
      case "Identity":
        isNoOp = true
      case "Dropout":
        // Only inference dropout is the identity: training_mode (input 2) must be absent or a constant false.
        let training = node.inputs.count > 2 ? node.inputs[2] : nil
        let inference = training.map { g.constantData($0)?.integers() == [0] } ?? true
        isNoOp = inference && node.results.dropFirst().allSatisfy { g[$0].uses.isEmpty }
      case "Cast", "CastLike", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Expand":
        isNoOp = inType.element == outType.element && inType.shape.staticSizes != nil && inType.shape == outType.shape
      default:
        isNoOp = false
      }
      guard isNoOp else { continue }
      g.replaceAllUses(of: result, with: operand)
      g.erase(id)
      removed += 1
    }
    guard removed > 0 else { return .no }
    module.graph = g
    context.statistics.add(removed, "removed", pass: Self.name)
    return .yes
  }
}
