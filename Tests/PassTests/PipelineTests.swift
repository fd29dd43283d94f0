import QCCIR
import QCCPass
import QCCPasses
import Testing

@Suite struct PipelineTests {
  let registry = BuiltinPasses.registry

  func error(_ text: String) -> String {
    do {
      _ = try Pipeline(parsing: text, registry: registry)
      return "no error"
    } catch {
      return error.message
    }
  }

  @Test func printsBackOnlyNonDefaultOptionsAndReparses() throws {
    let p = try Pipeline(parsing: " canonicalize{max-iterations=3} , cse,fold-constants{max-bytes=1024}", registry: registry)
    #expect(p.description == "canonicalize{max-iterations=3},cse,fold-constants{max-bytes=1024}")
    #expect(try Pipeline(parsing: p.description, registry: registry).description == p.description)
    #expect(try Pipeline(parsing: "canonicalize{max-iterations=8}", registry: registry).description == "canonicalize")
    #expect(try Pipeline(parsing: "", registry: registry).passes.isEmpty)
  }

  @Test func unknownPassListsTheValidOnes() {
    #expect(error("canonicalize,frobnicate") == "unknown pass 'frobnicate'; valid passes: assign, calibrate, canonicalize, cse, decompose-gemm, eliminate-dead-code, fold-constants, fuse, infer-shapes, lower, recognize-ops, remove-identities, smooth")
  }

  @Test func unknownOptionListsTheValidOnes() {
    #expect(error("fold-constants{max-byte=3}") == "pass 'fold-constants' has no option 'max-byte'; valid options: max-bytes")
    #expect(error("cse{x=1}") == "pass 'cse' has no option 'x' (it takes no options)")
  }

  @Test func badValuesAndSyntaxAreNamed() {
    #expect(error("canonicalize{max-iterations=many}") == "pass 'canonicalize' option 'max-iterations': expected an integer, got 'many'")
    #expect(error("canonicalize{max-iterations=1,max-iterations=2}") == "pipeline 'canonicalize{max-iterations=1,max-iterations=2}': option 'max-iterations' of 'canonicalize' is given twice")
    #expect(error("canonicalize{max-iterations=1") == "pipeline 'canonicalize{max-iterations=1': missing '}' after the options of 'canonicalize'")
    #expect(error("cse;canonicalize") == "pipeline 'cse;canonicalize': expected ',' between passes at offset 3")
    #expect(error("cse,,canonicalize") == "pipeline 'cse,,canonicalize': expected a pass name at offset 4")
  }

  @Test func passManagerDumpsAndTimes() throws {
    var g = Graph()
    let x = g.addInput(name: "x", type: TensorType(.f32, [2]))
    let id = g.addNode(op: "Identity", inputs: [x], resultTypes: [TensorType(.f32, [2])], resultNames: ["i"])
    g.addOutput(name: "y", value: g[id].results[0])
    var module = Module(name: "m", graph: g)
    final class Log: @unchecked Sendable { var text = "" }
    let log = Log()
    var instrumentation = PassManager.Instrumentation()
    instrumentation.printIRAfterAll = true
    instrumentation.printIRBefore = ["remove-identities"]
    instrumentation.timePasses = true
    let manager = PassManager(instrumentation: instrumentation, log: { log.text += $0 })
    var context = PassContext()
    try manager.run(try Pipeline(parsing: "remove-identities,cse", registry: registry), on: &module, context: &context)
    #expect(log.text.contains("// -----// IR Dump Before remove-identities //----- //\nqir 1\nmodule @m {"))
    #expect(log.text.contains("// -----// IR Dump After remove-identities //----- //\nqir 1\nmodule @m {\n  %x = input \"x\" : tensor<2xf32>\n  output \"y\" = %x\n}\n"))
    #expect(!log.text.contains("IR Dump After cse"), "cse changed nothing, so it prints nothing")
    #expect(log.text.contains("... Pass execution timing report ..."))
    #expect(log.text.contains("remove-identities\n"))
  }

  @Test func printIRAfterAPassNotInThePipelineIsAnError() throws {
    var module = Module(name: "m")
    var instrumentation = PassManager.Instrumentation()
    instrumentation.printIRAfter = ["canonicalize"]
    var context = PassContext()
    do {
      try PassManager(instrumentation: instrumentation, log: { _ in })
        .run(try Pipeline(parsing: "cse", registry: registry), on: &module, context: &context)
      Issue.record("no error")
    } catch {
      #expect("\(error)" == "--print-ir-before/after names 'canonicalize', which is not in the pipeline (cse)")
    }
  }
}
