import QCCIR
import QCCPass

/// Erases nodes and constants whose results nothing reads.
///
///     %a = Relu(%x) : tensor<4xf32>        // unused
///     %b = Neg(%x) : tensor<4xf32>
///     output "y" = %b
///   becomes
///     %b = Neg(%x) : tensor<4xf32>
///     output "y" = %b
public struct EliminateDeadCode: Pass {
  public static let name = "eliminate-dead-code"
  public static let summary = "Erase nodes and constants whose results nothing reads"
  public let options: NoOptions
  public init(options: NoOptions) { self.options = options }

  public func run(on module: inout Module, context: inout PassContext) throws(PassError) -> Changed {
    let erased = module.graph.removeDeadCode()
    if erased > 0 { context.statistics.add(erased, "erased", pass: Self.name) }
    return Changed(erased > 0)
  }
}
