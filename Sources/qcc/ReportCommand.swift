import QCCIR
import QCCPass
import QCCPasses
import QCCTargets

#if canImport(Glibc)
import Glibc
#endif

let reportCommand = Command(
  spec: CommandSpec(
    name: "report",
    usage: "qcc report MODEL.onnx|MODEL.qir --calib DIR --eval DIR [options]",
    summary: "Quantize a model and measure the error of each quantized layer and of the outputs on held-out samples.",
    options: [
      OptionSpec(name: "--calib", arity: .value, valueName: "PATH",
                 help: "Calibration data: a folder of <input>.npy or an .npz, samples on axis 0"),
      OptionSpec(name: "--eval", arity: .value, valueName: "PATH",
                 help: "Held-out samples to measure on, in the same layout"),
      OptionSpec(name: "--preset", arity: .value, valueName: "PRESET",
                 help: "w8a8 (default), w8a16, w4a16 or w4a8 (docs/quantization.md)"),
      OptionSpec(name: "--passes", arity: .value, valueName: "PIPELINE",
                 help: "The quantization pipeline, instead of the default (see below)"),
      OptionSpec(name: "--calib-cache", arity: .value, valueName: "FILE",
                 help: "Reuse calibration statistics from FILE if it matches, else compute and save them"),
      OptionSpec(name: "--json", arity: .value, valueName: "FILE", help: "Write the whole report as JSON (docs/report.md)"),
      OptionSpec(name: "--svg", arity: .value, valueName: "FILE", help: "Write a bar chart of SQNR per layer as SVG"),
      OptionSpec(name: "--limit", arity: .value, valueName: "N", help: "Layers in the table, worst first (default 20)"),
      OptionSpec(name: "--threads", arity: .value, valueName: "N", help: "Eval samples run at once (default: one per core)"),
    ],
    details: """
      The model is quantized with canonicalize,calibrate,smooth,calibrate{method=mse},assign{preset=PRESET},lower
      (or --passes, which must hold an assign pass), then every eval sample runs through
      the float model (the module just before assign), the QDQ form (just after assign)
      and the integer program (the end of the pipeline) on the interpreter.

      Layers: each MatMul/Conv whose operands assign quantized, with its operand
      schemes and its output SQNR on the QDQ form against the float model,
      10·log10(Σ float² / Σ (quantized − float)²) over all eval samples, worst first.
      Outputs: SQNR, cosine and argmax agreement (rows along the last axis) of the
      integer program against the float model; also the QDQ form against the float
      model, and the integer program against the QDQ form.

      --json keys, in order: format, version, model, pipeline, preset, samples
      {calibration, eval}, outputs [{name, shape, integer, qdq, integer_vs_qdq: {sqnr_db,
      cosine, argmax_agreement, max_abs_error}}], layers (worst first) [{index, value, op,
      location, scheme, sqnr_db, signal, noise, max_abs_error, elements, operands [{operand,
      role, bits, storage, min, max, granularity, axis, group_size, symmetric}]}],
      float_layers, warnings, seconds {pipeline, eval}. Infinite numbers are null.
      See docs/report.md.
      """),
  run: { args in
    guard args.positionals.count == 1 else {
      throw UsageError(message: "qcc report: expected one model file, got \(args.positionals.count)")
    }
    guard let calibPath = args.value("--calib") else {
      throw UsageError(message: "qcc report: --calib PATH is required: calibration data, a folder with one <input>.npy per model input (samples stacked on axis 0) or an .npz")
    }
    guard let evalPath = args.value("--eval") else {
      throw UsageError(message: "qcc report: --eval PATH is required: held-out samples, laid out like the calibration data")
    }
    var limit = 20
    if let text = args.value("--limit") {
      guard let n = Int(text), n >= 0 else { throw UsageError(message: "qcc report: --limit must be a count (0 or more), got '\(text)'") }
      limit = n
    }
    var options = QuantizationReport.Options()
    if let text = args.value("--threads") {
      guard let n = Int(text), n >= 1 else { throw UsageError(message: "qcc report: --threads must be a positive count, got '\(text)'") }
      options.threads = n
    }
    let pipelineText: String
    if let passes = args.value("--passes") {
      if let preset = args.value("--preset") {
        throw UsageError(message: "qcc report: --preset applies to the default pipeline; with --passes, give it to assign: assign{preset=\(preset)}")
      }
      pipelineText = passes
    } else {
      let preset = args.value("--preset") ?? "w8a8"
      guard QuantizationScheme.presets[preset] != nil else {
        throw UsageError(message: "qcc report: unknown preset '\(preset)'; presets: \(QuantizationScheme.presets.keys.sorted().joined(separator: ", "))")
      }
      pipelineText = QuantizationReport.defaultPipeline(preset: preset)
    }
    let jsonPath = args.value("--json"), svgPath = args.value("--svg")
    if jsonPath == "-" && svgPath == "-" {
      throw UsageError(message: "qcc report: --json and --svg cannot both write to standard output ('-')")
    }
    // Fail before the long run, not after it.
    for path in [jsonPath, svgPath].compactMap({ $0 }) where path != "-" { try checkWritable(path) }

    let pipeline = try Pipeline(parsing: pipelineText, registry: CompilerPasses.registry)
    let modelPath = args.positionals[0]
    let module = try loadModule(modelPath)
    let calibration: CalibrationData
    do {
      calibration = try CalibrationData.load(path: calibPath)
    } catch let error as CalibrationDataError {
      throw InputError(message: error.message)
    }
    options.calibrationCache = args.value("--calib-cache")
    options.modelName = modelPath
    if isatty(2) != 0 {
      options.progress = { i, n in PassManager.writeToStandardError("\rreport: eval sample \(i)/\(n)\u{1B}[K") }
    }
    let report: QuantizationReport
    do {
      let eval = try QuantizationReport.loadEvalData(path: evalPath)
      report = try QuantizationReport.measure(module, pipeline: pipeline, calibration: calibration, eval: eval, options: options)
      if options.progress != nil { writeStandardError("\r\u{1B}[K") }
    } catch let error as ReportError {
      if options.progress != nil { writeStandardError("\r\u{1B}[K") }
      throw error.kind == .internalError ? PassError(error.message, kind: .internalError) : InputError(message: error.message)
    }
    for warning in report.warnings { writeStandardError("qcc: warning: \(warning)\n") }

    if let jsonPath { try writeFileAtomically(Array(ReportJSON.encode(report).utf8), to: jsonPath) }
    if let svgPath { try writeFileAtomically(Array(ReportSVG.encode(report).utf8), to: svgPath) }
    if jsonPath != "-" && svgPath != "-" {
      var text = reportTable(report, limit: limit, width: terminalWidth())
      for (path, kind) in [(jsonPath, "JSON"), (svgPath, "SVG chart")] {
        if let path { text += "\(kind) → \(path)\n" }
      }
      writeStandardOutput(text)
    }
  })

/// Fails unless `path` can be written: its folder exists and is writable, and it is not a folder.
func checkWritable(_ path: String) throws {
  if isDirectory(path) { throw InputError(message: "\(path): cannot write: \(String(cString: strerror(EISDIR)))") }
  let folder = path.lastIndex(of: "/").map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
  guard access(folder, W_OK) == 0 else { throw InputError(message: "\(path): cannot write: \(String(cString: strerror(errno)))") }
}

/// The terminal's width when standard output is one, else nil (no limit).
func terminalWidth() -> Int? {
  guard isatty(1) != 0 else { return nil }
  var size = winsize()
  guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
  return Int(size.ws_col)
}

/// The report as text: a summary, one row per output, and the `limit` worst layers.
/// Columns are as wide as their contents; with a `width`, long layer names are
/// shortened in the middle to fit.
func reportTable(_ r: QuantizationReport, limit: Int, width: Int?) -> String {
  func fixed(_ v: Double, _ decimals: Int) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v > 0 ? "inf" : "-inf" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (v * scale).rounded() / scale
    var s = String(rounded)
    if s.contains("e") { return s }
    if !s.contains(".") { s += "." }
    let have = s.count - 1 - s.distance(from: s.startIndex, to: s.firstIndex(of: ".")!)
    return s + String(repeating: "0", count: max(0, decimals - have))
  }
  func seconds(_ v: Double) -> String { fixed(v, v < 10 ? 2 : 1) + " s" }

  var lines: [String] = []
  lines.append("qcc report: \(r.model)")
  lines.append("  pipeline  \(r.pipeline) (preset \(r.preset))")
  lines.append("  samples   \(r.calibrationSamples) calibration, \(r.evalSamples) eval")
  lines.append("  layers    \(r.layers.count) MatMul/Conv quantized, \(r.floatLayers.count) left in float")
  lines.append("  time      pipeline \(seconds(r.pipelineSeconds)), eval runs \(seconds(r.evalSeconds))")
  lines.append("")
  lines.append("Outputs: the integer program against the float model (and the QDQ form against both)")
  lines += formatTable(
    header: ["output", "SQNR dB", "cosine", "argmax", "max abs err", "QDQ SQNR dB", "int vs QDQ dB"],
    rows: r.outputs.map { o in
      [o.name, fixed(o.integer.sqnr, 2), fixed(o.integer.cosine, 6), fixed(o.integer.argmaxAgreement, 4),
       fixed(o.integer.maxAbsoluteError, 4), fixed(o.qdq.sqnr, 2), fixed(o.integerVersusQDQ.sqnr, 2)]
    },
    leftAligned: [0], elastic: 0, width: width)
  if !r.layers.isEmpty {
    lines.append("")
    lines.append("Layers, worst first: output SQNR of the QDQ form against the float model over \(r.evalSamples) samples")
    let shown = r.layersWorstFirst.prefix(limit)
    lines += formatTable(
      header: ["#", "layer", "op", "SQNR dB", "operands"],
      rows: shown.map { l in [String(l.index), l.displayName, l.op, fixed(l.sqnr, 2), l.scheme] },
      leftAligned: [1, 2, 4], elastic: 1, width: width)
    if r.layers.count > shown.count {
      lines.append("  … \(r.layers.count - shown.count) more (--limit N shows more; --json FILE has them all)")
    }
  }
  return lines.joined(separator: "\n") + "\n"
}

/// Rows under a header, two spaces apart, numbers right-aligned. When `width`
/// is given and the rows are wider, the `elastic` column is shortened (not
/// below 16 characters) by replacing the middle of long cells with "…".
func formatTable(header: [String], rows: [[String]], leftAligned: Set<Int>, elastic: Int, width: Int?) -> [String] {
  var widths = header.map(\.count)
  for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
  let indent = 2, gap = 2
  var cells = rows
  if let width {
    let total = indent + widths.reduce(0, +) + gap * (widths.count - 1)
    if total > width {
      let target = max(16, widths[elastic] - (total - width), header[elastic].count)
      if target < widths[elastic] {
        widths[elastic] = target
        for r in cells.indices where cells[r][elastic].count > target {
          let cell = Array(cells[r][elastic])
          let keep = target - 1, head = keep / 3
          cells[r][elastic] = String(cell[..<head]) + "…" + String(cell[(cell.count - (keep - head))...])
        }
      }
    }
  }
  func line(_ row: [String]) -> String {
    var parts: [String] = []
    for (i, cell) in row.enumerated() {
      let pad = String(repeating: " ", count: max(0, widths[i] - cell.count))
      let last = i == row.count - 1
      parts.append(leftAligned.contains(i) ? (last ? cell : cell + pad) : pad + cell)
    }
    return String(repeating: " ", count: indent) + parts.joined(separator: String(repeating: " ", count: gap))
  }
  return [line(header)] + cells.map(line)
}
