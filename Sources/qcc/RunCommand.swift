import QCCIR
import QCCIO
import QCCOps

#if canImport(Glibc)
import Glibc
#endif

let runCommand = Command(
  spec: CommandSpec(
    name: "run",
    usage: "qcc run MODEL.onnx|MODEL.qir|MODEL.qprog --input NAME=FILE.npy … -o OUTDIR [options]",
    summary: "Run a model (interpreter) or a compiled .qprog (C runtime) and write its outputs as .npy files.",
    options: [
      OptionSpec(name: "--input", arity: .repeated, valueName: "SPEC",
                 help: "NAME=FILE.npy, NAME=FILE.npz, FILE.npz, a folder of NAME.npy, or FILE.npy for a one-input model"),
      OptionSpec(name: "-o", arity: .value, valueName: "OUTDIR", help: "Folder for the outputs, one NAME.npy each"),
      OptionSpec(name: "--time", arity: .value, valueName: "N",
                 help: "Also time N runs on the first sample (after 2 warm-up runs) and print the latency"),
      OptionSpec(name: "--profile", arity: .flag,
                 help: "Print the time per op kind over the runs (with --time, over the timed runs)"),
    ] + pipelineOptions,
    details: """
      Inputs must match the model's declared element types and shapes. An input
      with one extra leading dimension is a stack of samples (as in calibration
      data, [N, …shape]): the model runs once per sample and every output is
      stacked the same way. --passes runs a pipeline before the model runs.
      A .onnx or .qir model runs on the reference interpreter (quantized qcc.*
      ops on the C integer kernels); a .qprog runs on the C program runtime a
      device uses (docs/qprog.md).
      """),
  run: { args in
    guard args.positionals.count == 1 else {
      throw UsageError(message: "qcc run: expected one model file, got \(args.positionals.count)")
    }
    guard let outputDirectory = args.value("-o") else { throw UsageError(message: "qcc run: -o OUTDIR is required") }
    if args.positionals[0].hasSuffix(".qprog") {
      return try runQProgram(args, path: args.positionals[0], outputDirectory: outputDirectory)
    }
    var module = try loadModule(args.positionals[0])
    try runPipeline(args, on: &module)
    let feeds = try readFeeds(args.all("--input"), for: module)
    let interpreter = try Interpreter(module)
    let outputs = try runSamples(interpreter, feeds: feeds, module: module)
    if let t = args.value("--time") {
      guard let runs = Int(t), runs >= 1 else { throw UsageError(message: "qcc run: --time must be a positive count, got '\(t)'") }
      writeStandardOutput(try timeRuns(interpreter, feeds: feeds, module: module, runs: runs) + "\n")
    }
    if args.flag("--profile") {
      let runs = Int(args.value("--time") ?? "1") ?? 1
      writeStandardOutput(try profile(interpreter, feeds: firstSample(feeds, module: module), module: module, runs: runs))
    }

    try makeDirectory(outputDirectory)
    for (file, (name, tensor)) in zip(outputFileNames(outputs.map(\.name)), outputs) {
      let path = outputDirectory + "/" + file
      try writeFileAtomically(try NPY.encode(tensor), to: path)
      writeStandardOutput("output '\(name)' → \(path): \(tensor.elementType) \(tensor.shape)\n")
    }
  })

/// A file name per output: `NAME.npy` when the name is a plain file name,
/// otherwise a sanitized one; names that are already plain keep theirs, and
/// collisions get `_2`, `_3`… in output order.
func outputFileNames(_ names: [String]) -> [String] {
  func isPlain(_ n: String) -> Bool {
    !n.isEmpty && n != "." && n != ".." && n.unicodeScalars.allSatisfy {
      ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || "_.-".unicodeScalars.contains($0)
    }
  }
  var taken = Set(names.filter(isPlain))
  var files: [String] = []
  for name in names {
    if isPlain(name) {
      files.append(name + ".npy")
      continue
    }
    let base = Graph.sanitize(name)
    var candidate = base, n = 2
    while taken.contains(candidate) {
      candidate = "\(base)_\(n)"
      n += 1
    }
    taken.insert(candidate)
    files.append(candidate + ".npy")
  }
  return files
}

/// Reads the `--input` specs into tensors by model input name.
func readFeeds(_ specs: [String], for module: Module) throws -> [String: TensorData] {
  let g = module.graph
  let inputNames = g.inputs.compactMap { id -> String? in
    if case .input(let name) = g[id].definition { return name }
    return nil
  }
  var feeds: [String: TensorData] = [:]
  func add(_ name: String, _ tensor: TensorData, from source: String) throws {
    guard inputNames.contains(name) else {
      throw InputError(message: "\(source): the model has no input '\(name)'; its inputs are: \(inputNames.joined(separator: ", "))")
    }
    guard feeds[name] == nil else { throw InputError(message: "input '\(name)' is given twice") }
    feeds[name] = tensor
  }
  for spec in specs {
    if let eq = spec.firstIndex(of: "="), !spec[..<eq].contains("/") {
      let name = String(spec[..<eq]), path = String(spec[spec.index(after: eq)...])
      if path.hasSuffix(".npz") {
        let members = try NPZ.read(path: path)
        guard let member = members.first(where: { $0.name == name }) ?? (members.count == 1 ? members.first : nil) else {
          throw InputError(message: "\(path): no member named '\(name)' (members: \(members.map(\.name).joined(separator: ", ")))")
        }
        try add(name, member.tensor, from: path)
      } else {
        try add(name, try NPY.read(path: path), from: path)
      }
    } else if spec.hasSuffix(".npz") {
      for member in try NPZ.read(path: spec) { try add(member.name, member.tensor, from: spec) }
    } else if isDirectory(spec) {
      for name in inputNames {
        let path = spec + "/" + name + ".npy"
        guard access(path, R_OK) == 0 else {
          throw InputError(message: "\(spec): no file '\(name).npy' for model input '\(name)'")
        }
        try add(name, try NPY.read(path: path), from: path)
      }
    } else {
      guard inputNames.count == 1 else {
        throw InputError(message: "\(spec): the model has \(inputNames.count) inputs (\(inputNames.joined(separator: ", "))); name it as NAME=\(spec)")
      }
      try add(inputNames[0], try NPY.read(path: spec), from: spec)
    }
  }
  for name in inputNames where feeds[name] == nil {
    throw InputError(message: "no data for model input '\(name)'; pass --input \(name)=FILE.npy")
  }
  return feeds
}

/// Runs once, or once per sample when every feed carries one extra leading
/// (sample) dimension, stacking the outputs.
func runSamples(_ interpreter: Interpreter, feeds: [String: TensorData], module: Module) throws -> [(name: String, value: TensorData)] {
  let g = module.graph
  var declaredRank: [String: Int] = [:]
  for id in g.inputs {
    if case .input(let name) = g[id].definition, let rank = g[id].type.shape.rank { declaredRank[name] = rank }
  }
  let stackedNames = feeds.keys.filter { name in declaredRank[name].map { feeds[name]!.shape.count == $0 + 1 } ?? false }.sorted()
  guard !stackedNames.isEmpty else { return try interpreter.run(feeds) }
  guard stackedNames.count == feeds.count else {
    let unstacked = feeds.keys.filter { !stackedNames.contains($0) }.sorted()
    func list(_ names: [String]) -> String { names.map { "'\($0)'" }.joined(separator: ", ") }
    throw InputError(message: "stacked inputs (\(list(stackedNames))) and unstacked inputs (\(list(unstacked))) are mixed: "
      + "stack every input as [N, …] or none")
  }
  let counts = Set(feeds.values.map { $0.shape[0] })
  guard counts.count == 1, let samples = counts.first, samples > 0 else {
    throw InputError(message: "stacked inputs disagree on the number of samples: "
      + feeds.keys.sorted().map { "\($0) has \(feeds[$0]!.shape[0])" }.joined(separator: ", "))
  }
  var results: [[(name: String, value: TensorData)]] = []
  for s in 0..<samples {
    let sample = feeds.mapValues { $0.sample(s) }
    results.append(try interpreter.run(sample))
  }
  return results[0].indices.map { i in (results[0][i].name, TensorData.stack(results.map { $0[i].value })) }
}

func isDirectory(_ path: String) -> Bool {
  var info = stat()
  return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
}

func makeDirectory(_ path: String) throws {
  if isDirectory(path) { return }
  guard mkdir(path, 0o755) == 0 else {
    throw InputError(message: "\(path): cannot create the output folder: \(String(cString: strerror(errno)))")
  }
}

/// The first sample of stacked feeds (feeds with one extra leading dimension).
func firstSample(_ feeds: [String: TensorData], module: Module) -> [String: TensorData] {
  let g = module.graph
  var first = feeds
  for id in g.inputs {
    if case .input(let name) = g[id].definition, let rank = g[id].type.shape.rank, let t = feeds[name], t.shape.count == rank + 1 {
      first[name] = t.sample(0)
    }
  }
  return first
}

/// Per-op-kind time over `runs` runs, as a table sorted by time.
func profile(_ interpreter: Interpreter, feeds: [String: TensorData], module: Module, runs: Int) throws -> String {
  var byOp: [String: (count: Int, seconds: Double)] = [:]
  for _ in 0..<runs {
    _ = try interpreter.run(feeds, timeNode: { node, seconds in
      let op = module.graph[node].op
      byOp[op, default: (0, 0)].count += 1
      byOp[op, default: (0, 0)].seconds += seconds
    })
  }
  let total = byOp.values.reduce(0) { $0 + $1.seconds }
  var lines = ["op                        nodes    ms/run       %"]
  for (op, v) in byOp.sorted(by: { $0.value.seconds > $1.value.seconds }) {
    let ms = v.seconds * 1e3 / Double(runs)
    let percent = total > 0 ? v.seconds / total * 100 : 0
    lines.append(op.padding(24) + pad(String(v.count / runs), 7) + pad(format(ms, 3), 10) + pad(format(percent, 1), 8))
  }
  lines.append("total".padding(24) + pad("", 7) + pad(format(total * 1e3 / Double(runs), 3), 10))
  return lines.joined(separator: "\n") + "\n"
}

private func format(_ v: Double, _ decimals: Int) -> String {
  var scale = 1.0
  for _ in 0..<decimals { scale *= 10 }
  return String((v * scale).rounded() / scale)
}

private func pad(_ s: String, _ width: Int) -> String {
  s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}

/// Times `runs` runs of the first sample (after two warm-up runs) and describes the latency.
func timeRuns(_ interpreter: Interpreter, feeds: [String: TensorData], module: Module, runs: Int) throws -> String {
  let first = firstSample(feeds, module: module)
  for _ in 0..<2 { _ = try interpreter.run(first) }
  var times: [Double] = []
  for _ in 0..<runs {
    var start = timespec(), end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    _ = try interpreter.run(first)
    clock_gettime(CLOCK_MONOTONIC, &end)
    times.append(Double(end.tv_sec - start.tv_sec) * 1e3 + Double(end.tv_nsec - start.tv_nsec) * 1e-6)
  }
  times.sort()
  let median = times[times.count / 2]
  func ms(_ v: Double) -> String { String(Double((v * 1000).rounded()) / 1000) }
  return "latency: median \(ms(median)) ms, min \(ms(times[0])) ms over \(runs) runs, 1 thread"
}
