import QCCIO
import QCCOps

let compareCommand = Command(
  spec: CommandSpec(
    name: "compare",
    usage: "qcc compare ACTUAL.npy REFERENCE.npy [--tolerance T]",
    summary: "Compare two tensors: max and relative error, SQNR, cosine, argmax agreement.",
    options: [
      OptionSpec(name: "--tolerance", arity: .value, valueName: "T",
                 help: "Largest accepted relative error, max|a−r| / max|r| (default 1e-4)"),
    ],
    details: "Exits 1 when the relative error exceeds the tolerance."),
  run: { args in
    guard args.positionals.count == 2 else {
      throw UsageError(message: "qcc compare: expected two .npy files, got \(args.positionals.count)")
    }
    var tolerance = 1e-4
    if let t = args.value("--tolerance") {
      guard let v = Double(t), v >= 0 else { throw UsageError(message: "qcc compare: bad --tolerance '\(t)'") }
      tolerance = v
    }
    let actual = try NPY.read(path: args.positionals[0])
    let reference = try NPY.read(path: args.positionals[1])
    let c: Comparison
    do {
      c = try Comparison(actual, reference: reference)
    } catch {
      throw InputError(message: "cannot compare \(args.positionals[0]) with \(args.positionals[1]): \(error)")
    }
    writeStandardOutput("""
      max abs error   \(c.maxAbsoluteError)
      relative error  \(c.relativeError)  (max abs error / max |reference|; tolerance \(tolerance))
      SQNR            \(c.sqnr) dB
      cosine          \(c.cosine)
      argmax agree    \(c.argmaxAgreement)

      """)
    if !(c.relativeError <= tolerance) {
      throw InputError(message: "relative error \(c.relativeError) exceeds the tolerance \(tolerance)")
    }
  })
