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
    // Outlier smoothing (pipeline step 3).
    r.register(Smooth.self)
    // Quantization (pipeline steps 4 and 6).
    r.register(Assign.self)
    r.register(Lower.self)
    // Kernel fusion (pipeline step 7).
    r.register(Fuse.self)
    return r
  }()

  /// The pipeline the compiler runs for a preset: canonicalize, calibrate for
  /// per-channel maxima, smooth outliers, calibrate again (mse ranges) on the
  /// smoothed activations, assign types, lower to integer ops, fuse kernels.
  /// Measured on the shared models by scripts/bench_accuracy.py.
  public static func defaultPipeline(preset: String = "w8a8") -> String {
    "canonicalize,calibrate,smooth,calibrate{method=mse},assign{preset=\(preset)},lower,fuse"
  }
}
