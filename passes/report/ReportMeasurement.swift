import Foundation
import QCCIR
import QCCOps
import QCCPass

/// Why a report could not be made. Pipeline failures arrive as the
/// `PassError` the pass manager threw, unchanged.
public struct ReportError: Error, CustomStringConvertible, Sendable {
  public enum Kind: Sendable {
    /// The model, the data or the pipeline is at fault.
    case badInput
    /// qcc is at fault.
    case internalError
  }
  public var kind: Kind
  public var message: String
  public init(_ message: String, kind: Kind = .badInput) {
    self.message = message
    self.kind = kind
  }
  public var description: String { message }
}

extension QuantizationReport {
  /// How `measure` runs.
  public struct Options: Sendable {
    /// Eval samples run at once; 0 for one per core. The numbers do not depend on it.
    public var threads = 0
    /// Called as each eval sample starts: (sample number from 1, sample count).
    public var progress: (@Sendable (Int, Int) -> Void)?
    /// The calibration cache file (`calibrate`'s `--calib-cache`), if any.
    public var calibrationCache: String?
    /// What the report calls the model (default: the module's name).
    public var modelName: String?
    public init() {}
  }

  /// The pipeline qcc quantizes with (`BuiltinPasses.defaultPipeline`).
  public static func defaultPipeline(preset: String) -> String {
    BuiltinPasses.defaultPipeline(preset: preset)
  }

  /// Loads held-out samples: the layout and the checks of calibration data
  /// (`CalibrationData`), with messages that say "eval data".
  public static func loadEvalData(path: String) throws(ReportError) -> CalibrationData {
    do {
      return try CalibrationData.load(path: path)
    } catch {
      throw ReportError(evalMessage(error.message))
    }
  }

  /// A calibration-data message reworded for eval data.
  static func evalMessage(_ message: String) -> String {
    message.replacingOccurrences(of: "calibration data", with: "eval data")
      .replacingOccurrences(of: "or calibrate the model the data was made for", with: "or evaluate the model the data was made for")
      .replacingOccurrences(of: "so there is nothing to calibrate", with: "so there is nothing to evaluate")
  }

  /// Quantizes `module` with `pipeline` (which must hold an `assign` pass,
  /// and normally `calibrate` before it and `lower` after it), runs every eval
  /// sample through the float model, the QDQ form and the integer program,
  /// and measures the error.
  ///
  /// The float model is the module just before the first `assign` (for the
  /// default pipeline: imported and canonicalized), the QDQ form the module
  /// right after the last `assign`, the integer program the module at the end.
  ///
  /// Throws `ReportError`, or the pipeline's `PassError`.
  public static func measure(
    _ module: Module, pipeline: Pipeline, calibration: CalibrationData, eval: CalibrationData,
    options: Options = Options()
  ) throws -> QuantizationReport {
    let assigns = pipeline.passes.indices.filter { type(of: pipeline.passes[$0]).name == Assign.name }
    guard let firstAssign = assigns.first, let lastAssign = assigns.last else {
      throw ReportError(
        "the pipeline '\(pipeline)' has no 'assign' pass, so it quantizes nothing; "
          + "add assign{preset=…} (the default pipeline is \(defaultPipeline(preset: "w8a8")))")
    }
    let preset = (pipeline.passes[lastAssign] as? Assign)?.options.preset ?? Assign.Options().preset
    let evalSamples: Int
    do {
      evalSamples = try eval.validate(for: module.graph)
    } catch {
      throw ReportError(evalMessage(error.message))
    }
    var warnings: [String] = []
    if eval.digest() == calibration.digest() {
      warnings.append("report: the eval data is the calibration data, so the error is not measured on held-out samples")
    }

    // The three modules, from one run of the pipeline.
    let started = now()
    var context = PassContext()
    context.artifacts[CalibrationData.self] = calibration
    if let cache = options.calibrationCache { context.artifacts[CalibrationCacheFile.self] = CalibrationCacheFile(path: cache) }
    let manager = PassManager(rules: OpRegistry.standard)
    var float = module
    if firstAssign > 0 { try manager.run(Pipeline(Array(pipeline.passes[..<firstAssign])), on: &float, context: &context) }
    var qdq = float
    try manager.run(Pipeline(Array(pipeline.passes[firstAssign...lastAssign])), on: &qdq, context: &context)
    var integer = qdq
    if lastAssign + 1 < pipeline.passes.count {
      try manager.run(Pipeline(Array(pipeline.passes[(lastAssign + 1)...])), on: &integer, context: &context)
    }
    let pipelineSeconds = now() - started
    warnings = context.warnings + warnings
    let calibrationSamples = context.artifacts[CalibrationStatistics.self]?.sampleCount ?? 0

    let plan = LayerPlan(float: float.graph, qdq: qdq.graph)
    warnings += plan.warnings
    if plan.layers.isEmpty { warnings.append("report: assign quantized no MatMul or Conv, so there are no layers to report") }

    let evalStarted = now()
    let runner = try EvalRunner(float: float, qdq: qdq, integer: integer, plan: plan, eval: eval, samples: evalSamples)
    let threads = options.threads > 0 ? options.threads : ProcessInfo.processInfo.activeProcessorCount
    let results = try runner.run(threads: threads, progress: options.progress)

    var layers = plan.layers
    for k in layers.indices {
      for s in 0..<evalSamples { layers[k].error.add(results.layerSums[s][k]) }
    }
    var outputs: [Output] = []
    for (j, output) in float.graph.outputs.enumerated() {
      let f = TensorData.stack(results.outputs.map { $0[j].float })
      let q = TensorData.stack(results.outputs.map { $0[j].qdq })
      let i = TensorData.stack(results.outputs.map { $0[j].integer })
      outputs.append(Output(
        name: output.name, shape: Array(f.shape.dropFirst()),
        integer: try agreement(i, f, output.name, "the integer program", "the float model"),
        qdq: try agreement(q, f, output.name, "the QDQ form", "the float model"),
        integerVersusQDQ: try agreement(i, q, output.name, "the integer program", "the QDQ form")))
    }
    return QuantizationReport(
      model: options.modelName ?? module.name, pipeline: pipeline.description, preset: preset,
      calibrationSamples: calibrationSamples, evalSamples: evalSamples, floatLayers: plan.floatLayers, layers: layers,
      outputs: outputs, warnings: warnings, pipelineSeconds: pipelineSeconds, evalSeconds: now() - evalStarted)
  }

  static func agreement(
    _ actual: TensorData, _ reference: TensorData, _ output: String, _ a: String, _ r: String
  ) throws(ReportError) -> Agreement {
    do {
      let c = try Comparison(actual, reference: reference)
      return Agreement(sqnr: c.sqnr, cosine: c.cosine, argmaxAgreement: c.argmaxAgreement, maxAbsoluteError: c.maxAbsoluteError)
    } catch {
      throw ReportError("output '\(output)': cannot compare \(a) with \(r): \(error)", kind: .internalError)
    }
  }

  static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

  /// Σ reference², Σ (actual − reference)² and max |actual − reference|, with
  /// `Comparison`'s rules for non-finite elements: equal elements (and NaN
  /// against NaN) add no noise, any other non-finite difference is infinite noise.
  public static func errorSums(_ actual: TensorData, reference: TensorData) -> ErrorSums? {
    guard actual.shape == reference.shape else { return nil }
    var sums = ErrorSums()
    sums.elements = reference.elementCount
    func accumulate<C: Collection>(_ a: C, _ r: C) where C.Element: BinaryFloatingPoint {
      var signal = 0.0, noise = 0.0, maxError = 0.0
      for (x, y) in zip(a, r) {
        let av = Double(x), rv = Double(y)
        if rv.isFinite { signal += rv * rv }
        if av == rv || (av.isNaN && rv.isNaN) { continue }
        let e = av - rv
        if e.isFinite {
          noise += e * e
          maxError = Swift.max(maxError, Swift.abs(e))
        } else {
          noise = .infinity
          maxError = .infinity
        }
      }
      sums.signal = signal
      sums.noise = noise
      sums.maxAbsoluteError = maxError
    }
    if actual.elementType == .f32 && reference.elementType == .f32 {
      actual.withUnsafeBufferPointer(of: Float.self) { a in
        reference.withUnsafeBufferPointer(of: Float.self) { r in accumulate(a, r) }
      }
    } else {
      accumulate(actual.doubles(), reference.doubles())
    }
    return sums
  }
}

/// The quantized layers of a QDQ form and the float values they correspond to.
struct LayerPlan: Sendable {
  /// The layers in graph order, with no error yet.
  var layers: [QuantizationReport.Layer] = []
  /// Per value index of the float graph: the layer whose reference it is, or −1.
  var floatLayer: [Int]
  /// Per value index of the QDQ graph: the layer it is the output of, or −1.
  var qdqLayer: [Int]
  var floatLayers: [String] = []
  var warnings: [String] = []

  init(float: Graph, qdq: Graph) {
    floatLayer = [Int](repeating: -1, count: float.values.count)
    qdqLayer = [Int](repeating: -1, count: qdq.values.count)
    for id in qdq.nodeOrder where Assign.quantizableOps.contains(qdq[id].op) {
      let node = qdq[id]
      guard let result = node.results.first else { continue }
      let name = qdq[result].name
      var operands: [QuantizationReport.Operand] = []
      for (i, input) in node.inputs.enumerated() {
        guard let v = input, let p = qdq.producer(of: v), qdq[p].op == "qcc.dequantize", let first = qdq[p].inputs.first,
          let source: ValueID = first, let type = qdq[source].type.element.quantization
        else { continue }
        var isWeight = qdq.isConstant(source)
        if !isWeight, let q = qdq.producer(of: source), qdq[q].op == "qcc.quantize", let x = qdq[q].inputs.first, let x {
          isWeight = qdq.isConstant(x)
        }
        operands.append(QuantizationReport.Operand(index: i, role: isWeight ? .weight : .activation, type: type))
      }
      let display = node.location ?? "%" + name
      if operands.isEmpty {
        floatLayers.append(display)
        continue
      }
      guard let reference = float.value(named: name) else {
        warnings.append("report: \(display) (%\(name)) has no value of that name in the float model, so it is left out")
        continue
      }
      let k = layers.count
      layers.append(QuantizationReport.Layer(
        index: k, value: name, op: node.op, location: node.location, operands: operands, error: .init()))
      floatLayer[reference.index] = k
      qdqLayer[result.index] = k
    }
  }
}

/// Runs the eval samples through the three modules, on several threads.
struct EvalRunner: Sendable {
  let float: Interpreter
  let qdq: Interpreter
  let integer: Interpreter
  let plan: LayerPlan
  let eval: CalibrationData
  let samples: Int

  init(float: Module, qdq: Module, integer: Module, plan: LayerPlan, eval: CalibrationData, samples: Int) throws(ReportError) {
    func prepare(_ module: Module, _ what: String) throws(ReportError) -> Interpreter {
      do {
        return try Interpreter(module)
      } catch {
        throw ReportError("\(what): \(error.message)", kind: error.kind == .internalError ? .internalError : .badInput)
      }
    }
    self.float = try prepare(float, "the float model")
    self.qdq = try prepare(qdq, "the QDQ form")
    self.integer = try prepare(integer, "the integer program")
    self.plan = plan
    self.eval = eval
    self.samples = samples
  }

  struct Results {
    /// [sample][layer]
    var layerSums: [[QuantizationReport.ErrorSums]]
    /// [sample][output]
    var outputs: [[(float: TensorData, qdq: TensorData, integer: TensorData)]]
  }

  final class Shared: @unchecked Sendable {
    let lock = NSLock()
    var next = 0
    var failure: ReportError?
    var layerSums: [[QuantizationReport.ErrorSums]?]
    var outputs: [[(float: TensorData, qdq: TensorData, integer: TensorData)]?]
    init(_ samples: Int) {
      layerSums = Array(repeating: nil, count: samples)
      outputs = Array(repeating: nil, count: samples)
    }
    func fail(_ error: ReportError) {
      lock.lock()
      if failure == nil { failure = error }
      lock.unlock()
    }
  }

  func run(threads: Int, progress: (@Sendable (Int, Int) -> Void)?) throws(ReportError) -> Results {
    let shared = Shared(samples)
    let job = self
    let work: @Sendable (Int) -> Void = { _ in
      while true {
        shared.lock.lock()
        let i = shared.next
        let stop = shared.failure != nil || i >= job.samples
        if !stop {
          shared.next += 1
          progress?(i + 1, job.samples)
        }
        shared.lock.unlock()
        if stop { break }
        do throws(ReportError) {
          let (sums, outputs) = try job.sample(i)
          shared.lock.lock()
          shared.layerSums[i] = sums
          shared.outputs[i] = outputs
          shared.lock.unlock()
        } catch {
          shared.fail(error)
          break
        }
      }
    }
    let workers = Swift.max(1, Swift.min(threads, samples))
    if workers == 1 {
      work(0)
    } else {
      DispatchQueue.concurrentPerform(iterations: workers, execute: work)
    }
    if let failure = shared.failure { throw failure }
    return Results(layerSums: shared.layerSums.map { $0! }, outputs: shared.outputs.map { $0! })
  }

  /// One sample: each layer's error sums and every output of the three modules.
  func sample(_ i: Int) throws(ReportError) -> ([QuantizationReport.ErrorSums], [(float: TensorData, qdq: TensorData, integer: TensorData)]) {
    let feeds = eval.sample(i)
    let plan = self.plan
    func run(_ interpreter: Interpreter, _ what: String, observe: ((ValueID, TensorData) -> Void)?) throws(ReportError)
      -> [TensorData]
    {
      do {
        return try interpreter.run(feeds, observe: observe).map(\.value)
      } catch {
        throw ReportError(
          "eval sample \(i) (of \(samples)), \(what): \(error.message)",
          kind: error.kind == .internalError ? .internalError : .badInput)
      }
    }
    var references = [TensorData?](repeating: nil, count: plan.layers.count)
    let floatOutputs = try run(float, "the float model") { value, tensor in
      let k = plan.floatLayer[value.index]
      if k >= 0 { references[k] = tensor }
    }
    var sums = [QuantizationReport.ErrorSums?](repeating: nil, count: plan.layers.count)
    var mismatch: String?
    let qdqOutputs = try run(qdq, "the QDQ form") { value, tensor in
      let k = plan.qdqLayer[value.index]
      guard k >= 0 else { return }
      if let reference = references[k], let s = QuantizationReport.errorSums(tensor, reference: reference) {
        sums[k] = s
      } else if mismatch == nil {
        mismatch = "layer \(plan.layers[k].displayName): the QDQ form computed \(Printer.spell(tensor.type)), "
          + "the float model \(references[k].map { Printer.spell($0.type) } ?? "nothing")"
      }
      references[k] = nil
    }
    if let mismatch { throw ReportError("eval sample \(i): \(mismatch)", kind: .internalError) }
    if let k = sums.firstIndex(where: { $0 == nil }) {
      throw ReportError("eval sample \(i): the QDQ form never computed layer \(plan.layers[k].displayName)", kind: .internalError)
    }
    let integerOutputs = try run(integer, "the integer program", observe: nil)
    let outputs = floatOutputs.indices.map { (float: floatOutputs[$0], qdq: qdqOutputs[$0], integer: integerOutputs[$0]) }
    return (sums.map { $0! }, outputs)
  }
}
