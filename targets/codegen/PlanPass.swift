import QCCIR
import QCCPass
import QCCPasses

/// `plan`: the memory plan of the program a lowered module compiles to —
/// every buffer's liveness (first to last call that touches it) and one
/// static activation arena, placed by `MemoryPlan`. Reports, as pass
/// statistics (`--statistics`), the arena's bytes against the peak of live
/// bytes and the sum of all intermediate buffers (what running without reuse
/// would need). The module is unchanged: the compiler plans again when it
/// emits a target, from the same module, with the same result.
public struct Plan: Pass {
  public static let name = "plan"
  public static let summary = "Plan buffer liveness and the static activation arena; report arena bytes against the sum of all buffers (--statistics)"
  public let options: NoOptions
  public init(options: NoOptions) { self.options = options }

  public func run(on module: inout Module, context: inout PassContext) throws(PassError) -> Changed {
    let program: Program
    do {
      program = try Program.build(module)
    } catch {
      throw PassError("plan: \(error.message)")
    }
    context.statistics.add(program.calls.count, "kernel-calls", pass: Self.name)
    context.statistics.add(program.arenaBytes, "arena-bytes", pass: Self.name)
    context.statistics.add(MemoryPlan.peakLiveBytes(program.tensors), "peak-live-bytes", pass: Self.name)
    context.statistics.add(program.arenaTensorBytes, "sum-of-buffers-bytes", pass: Self.name)
    return Changed(false)
  }
}

/// Every pass the compiler knows: the built-in passes and those of code generation.
public enum CompilerPasses {
  public static let registry: PassRegistry = {
    var r = BuiltinPasses.registry
    r.register(Plan.self)
    return r
  }()
}
