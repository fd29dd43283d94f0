import QCCIR
import QCCIO
import QCCOps
import QCCTargets

#if canImport(Glibc)
import Glibc
#endif

/// `qcc run model.qprog …`: runs a compiled integer program through the C
/// runtime a device runs (targets/runtime/qprog.c), with the same input
/// specs, sample stacking and output files as a model run.
func runQProgram(_ args: CommandSpec.Parsed, path: String, outputDirectory: String) throws {
  if args.value("--passes") != nil {
    throw UsageError(message: "qcc run: --passes does not apply to a compiled .qprog")
  }
  if args.flag("--profile") {
    throw UsageError(message: "qcc run: --profile needs a .qir or .onnx model; a .qprog runs as one program")
  }
  let program: QProgram
  do {
    program = try QProgram(bytes: try readFile(path))
  } catch let error as ProgramError {
    throw InputError(message: "\(path): \(error.message)")
  }
  // The input names, types and shapes the program declares, as a module readFeeds understands.
  var g = Graph()
  for input in program.inputs {
    _ = g.addInput(name: input.name, type: TensorType(input.elementType, Shape(input.shape)))
  }
  let feeds = try readFeeds(args.all("--input"), for: Module(name: "qprog", graph: g))
  var stacked: Int?
  for input in program.inputs {
    let t = feeds[input.name]!
    let perSample = t.shape.count == input.shape.count + 1 ? Array(t.shape.dropFirst()) : t.shape
    guard t.elementType == input.elementType, perSample == input.shape else {
      throw InputError(message: "input '\(input.name)': got \(t.elementType) \(t.shape), the program takes \(input.elementType) \(input.shape)"
        + " (or [N, …] for N samples)")
    }
    if t.shape.count == input.shape.count + 1 {
      guard stacked == nil || stacked == t.shape[0] else {
        throw InputError(message: "stacked inputs disagree on the number of samples (\(stacked!) and \(t.shape[0]))")
      }
      stacked = t.shape[0]
    } else if stacked != nil || program.inputs.contains(where: { feeds[$0.name]!.shape.count == $0.shape.count + 1 }) {
      throw InputError(message: "stacked and unstacked inputs are mixed: stack every input as [N, …] or none")
    }
  }
  func run(_ sample: Int?) throws -> [TensorData] {
    let inputs = program.inputs.map { info in sample.map { feeds[info.name]!.sample($0) } ?? feeds[info.name]! }
    do {
      return try program.run(inputs)
    } catch {
      throw InputError(message: "\(path): \(error.message)")
    }
  }
  var outputs: [TensorData]
  if let samples = stacked {
    let results = try (0..<samples).map { try run($0) }
    outputs = program.outputs.indices.map { i in TensorData.stack(results.map { $0[i] }) }
  } else {
    outputs = try run(nil)
  }
  if let t = args.value("--time") {
    guard let runs = Int(t), runs >= 1 else { throw UsageError(message: "qcc run: --time must be a positive count, got '\(t)'") }
    var times: [Double] = []
    for i in 0..<(runs + 2) {
      var start = timespec(), end = timespec()
      clock_gettime(CLOCK_MONOTONIC, &start)
      _ = try run(stacked == nil ? nil : 0)
      clock_gettime(CLOCK_MONOTONIC, &end)
      if i >= 2 { times.append(Double(end.tv_sec - start.tv_sec) * 1e3 + Double(end.tv_nsec - start.tv_nsec) * 1e-6) }
    }
    times.sort()
    func ms(_ v: Double) -> String { String(Double((v * 1000).rounded()) / 1000) }
    writeStandardOutput("latency: median \(ms(times[times.count / 2])) ms, min \(ms(times[0])) ms over \(runs) runs, 1 thread\n")
  }
  try makeDirectory(outputDirectory)
  for (file, (info, tensor)) in zip(outputFileNames(program.outputs.map(\.name)), zip(program.outputs, outputs)) {
    let target = outputDirectory + "/" + file
    try writeFileAtomically(try NPY.encode(tensor), to: target)
    writeStandardOutput("output '\(info.name)' → \(target): \(tensor.elementType) \(tensor.shape)\n")
  }
}
