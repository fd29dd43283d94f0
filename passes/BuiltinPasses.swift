import QCCPass

/// The table of built-in passes, one line each, grouped by pipeline stage.
public enum BuiltinPasses {
  public static let registry: PassRegistry = {
    var r = PassRegistry()
    // Canonicalization (pipeline step 1), and its parts for running alone.
    r.register(Canonicalize.self)
    r.register(RemoveIdentities.self)
    r.register(DecomposeGemm.self)
    r.register(FoldConstants.self)
    r.register(RecognizeOps.self)
    r.register(CommonSubexpressions.self)
    r.register(InferShapes.self)
    r.register(EliminateDeadCode.self)
    // Calibration (quantization step 1).
    r.register(Calibrate.self)
    // Quantization (pipeline steps 4 and 6).
    r.register(Assign.self)
    r.register(Lower.self)
    return r
  }()
}
