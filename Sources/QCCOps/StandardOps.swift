import QCCIR

/// The table of built-in ops, one family per file. Each family's `register`
/// lists its ops one line each, so the table reads top to bottom.
enum StandardOps {
  static func register(into registry: inout OpRegistry) {
    ElementwiseOps.register(into: &registry)
    DataMovementOps.register(into: &registry)
    LinearAlgebraOps.register(into: &registry)
    QuantizedOps.register(into: &registry)
  }
}
