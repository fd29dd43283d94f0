import QCCIR
import QCCOps
import QCCPass

/// Brings an imported graph to the form every later pass expects, by running
/// the canonicalization passes below in order until none changes anything:
///
///     remove-identities   Identity, inference Dropout, no-op Cast/Reshape → operand
///     decompose-gemm      Gemm → [Transpose] MatMul [Mul alpha] [Add C]
///     fold-constants      constant operands, static Shape/Size, shape subgraphs → constants
///     recognize-ops       decomposed LayerNorm, RMSNorm, GELU → one op each
///     cse                 identical nodes and small constants → one
///     infer-shapes        result types refined from the folded constants
///
/// Each step also runs as its own pass, for inspection and tests.
public struct Canonicalize: Pass {
  public static let name = "canonicalize"
  public static let summary = "Fold constants and shape subgraphs, recognise LayerNorm/RMSNorm/GELU, remove dead code, duplicates and no-ops"
  public struct Options: PassOptions {
    /// Rounds of the whole sequence at most; each round after the first only runs if the previous changed something.
    public var maxIterations = 8
    public init() {}
    public static let fields: [OptionField<Options>] = [
      .int("max-iterations", \.maxIterations, help: "Rounds of the canonicalization sequence at most (default 8)"),
    ]
  }
  public let options: Options
  public init(options: Options) { self.options = options }

  /// The canonicalization sequence, in order.
  static let steps: [any Pass] = [
    RemoveIdentities(options: NoOptions()),
    DecomposeGemm(options: NoOptions()),
    FoldConstants(options: FoldConstants.Options()),
    RecognizeOps(options: NoOptions()),
    CommonSubexpressions(options: NoOptions()),
    InferShapes(options: NoOptions()),
  ]

  public func run(on module: inout Module, context: inout PassContext) throws(PassError) -> Changed {
    var changed = Changed.no
    for _ in 0..<max(1, options.maxIterations) {
      var round = Changed.no
      for step in Canonicalize.steps {
        round = try step.run(on: &module, context: &context) || round
      }
      if module.graph.removeDeadCode() > 0 { round = .yes }
      changed = changed || round
      if round == .no { break }
    }
    return changed
  }
}

/// The op registry passes type and evaluate nodes with.
extension PassContext {
  var ops: OpRegistry { artifacts[OpRegistry.self] ?? .standard }
}
