import QCCIR
import QCCONNX

let importCommand = Command(
  spec: CommandSpec(
    name: "import",
    usage: "qcc import MODEL.onnx [-o OUT.qir] [--elide-constants]",
    summary: "Import an ONNX model and print its IR in the .qir text form.",
    options: [
      OptionSpec(name: "-o", arity: .value, valueName: "FILE", help: "Write the IR to FILE (default: standard output)"),
      OptionSpec(name: "--elide-constants", arity: .flag, help: "Print a SHA-256 digest instead of large constants"),
    ],
    details: """
      The model is decoded with protobuf-c, upgraded to the newest opset's op
      spellings, typed by shape inference and verified. Weights stored in
      external data files next to the model are memory-mapped.
      """),
  run: { args in
    guard args.positionals.count == 1 else {
      throw UsageError(message: "qcc import: expected one model file, got \(args.positionals.count)")
    }
    let module = try ONNXImporter().importModel(path: args.positionals[0])
    let bytes = Printer.bytes(module, options: Printer.Options(elideConstants: args.flag("--elide-constants")))
    try writeFileAtomically(bytes, to: args.value("-o") ?? "-")
  })
