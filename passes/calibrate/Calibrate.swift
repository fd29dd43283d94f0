import Foundation
import QCCIR
import QCCOps
import QCCPass

/// Runs the float interpreter over calibration samples, records statistics
/// for every f32 value, and picks a quantization range per value. The IR does
/// not change; the result is the `CalibrationStatistics` artifact `assign`
/// reads:
///
///     %x = input "x" : tensor<1x4xf32>
///     %h = MatMul(%x, %w) : tensor<1x8xf32>
///     %y = Relu(%h) : tensor<1x8xf32>
///   records (calibrate{method=minmax}, 32 samples)
///     x: 128 elements, range [-2.91, 3.07], channel maxima along axis 1 (it feeds MatMul)
///     h: 256 elements, range [-5.2, 4.8]
///     y: 256 elements, range [0, 4.8]
///
/// **Data.** `--calib PATH` (or `calibrate{data=PATH}`): a folder with one
/// `<input>.npy` per model input, samples stacked on axis 0, or an `.npz`
/// with one member per input (`CalibrationData`).
///
/// **What is recorded** (`ValueStatistics`, `Histogram`, `ChannelMaxima`):
/// element counts, NaN / ±inf / sentinel counts (|x| ≥ `sentinel`, 1e30 by
/// default: attention-mask fill values), the in-range min and max, a
/// 2048-bin histogram whose range doubles as samples arrive, and per-channel
/// |x| maxima of the first operand of MatMul, Gemm and Conv.
///
/// **Methods** (`RangeMethod`): `minmax`, `percentile` (`p`, two-sided),
/// `entropy` (TensorRT KL search, 128 levels), `mse` (int8 squared error).
///
/// **Cache.** `--calib-cache FILE` (or `cache=FILE`): when FILE exists and
/// was made for this module, data and options, the statistics are read from
/// it instead of being computed; otherwise they are computed and saved there
/// (`CalibrationCache`).
///
/// Samples run on `threads` threads (default: one per core); the statistics
/// do not depend on the thread count.
public struct Calibrate: Pass {
  public static let name = "calibrate"
  public static let summary = "Run calibration samples through the float interpreter; record statistics and a quantization range per f32 value"
  public struct Options: PassOptions {
    public var method = "minmax"
    public var p = 99.99
    public var bins = 2048
    public var sentinel = 1e30
    public var data = ""
    public var cache = ""
    public var threads = 0
    public init() {}
    public static let fields: [OptionField<Options>] = [
      .choice("method", \.method, ["minmax", "percentile", "entropy", "mse"],
              help: "How ranges are chosen from the statistics (default minmax)"),
      .double("p", \.p, help: "Percentile for method=percentile, 50-100: the range is [100-p, p] (default 99.99)"),
      .int("bins", \.bins, help: "Histogram bins, a power of two from 256 to 1048576 (default 2048)"),
      .double("sentinel", \.sentinel, help: "Elements of this magnitude or more are mask sentinels, kept out of ranges (default 1e30)"),
      .string("data", \.data, help: "Calibration data: a folder of <input>.npy or an .npz (default: --calib)"),
      .string("cache", \.cache, help: "Statistics cache file, read when it matches, else written (default: --calib-cache)"),
      .int("threads", \.threads, help: "Samples run at once, 0 for one per core (default 0)"),
    ]

    /// The method these options ask for.
    public var rangeMethod: RangeMethod {
      switch method {
      case "percentile": .percentile(p)
      case "entropy": .entropy
      case "mse": .mse
      default: .minmax
      }
    }

    /// The options the statistics and ranges depend on, as the cache records them.
    var cacheKey: String {
      var parts = ["method=\(method)"]
      if method == "percentile" { parts.append("p=\(p)") }
      parts.append("bins=\(bins)")
      parts.append("sentinel=\(sentinelThreshold)")
      return parts.joined(separator: ",")
    }

    /// `sentinel` as the f32 the elements are compared with.
    var sentinelThreshold: Float { Float(sentinel) }

    func validate() throws(PassError) {
      guard (50...100).contains(p) else { throw PassError("option p must be between 50 and 100, got \(p)") }
      guard Histogram.isValidBinCount(bins) else {
        throw PassError("option bins must be a power of two from 256 to 1048576, got \(bins)")
      }
      guard sentinel > 0 else { throw PassError("option sentinel must be positive, got \(sentinel)") }
      guard threads >= 0 else { throw PassError("option threads must be 0 (one per core) or more, got \(threads)") }
    }
  }

  public let options: Options
  public init(options: Options) { self.options = options }

  /// How to give calibrate its data, for the error when there is none.
  static let dataHelp =
    "pass --calib PATH (a folder with one <input>.npy per model input, samples stacked on axis 0 as [N, …input shape…], or an .npz with one member per input) or calibrate{data=PATH}"

  public func run(on module: inout Module, context: inout PassContext) throws(PassError) -> Changed {
    try options.validate()
    if options.method != "percentile" && options.p != Options().p {
      context.warnings.append("calibrate: option p applies only to method=percentile; it is ignored with method=\(options.method)")
    }
    let data = try calibrationData(context)
    let sampleCount: Int
    do {
      sampleCount = try data.validate(for: module.graph)
    } catch {
      throw PassError(error.message)
    }
    let method = options.rangeMethod
    let cachePath = try cacheFile(context)

    var key: CalibrationCache.Key?
    if let cachePath {
      let k = CalibrationCache.Key(
        module: CalibrationCache.moduleDigest(module), data: data.digest(), options: options.cacheKey)
      key = k
      if FileManager.default.fileExists(atPath: cachePath) {
        let stats: CalibrationStatistics
        do {
          stats = try CalibrationCache.load(
            path: cachePath, key: k, method: method, bins: options.bins, sentinel: options.sentinelThreshold)
        } catch {
          throw PassError(error.message)
        }
        try checkCovers(stats, module.graph, cachePath)
        report(stats, fromCache: true, &context)
        context.artifacts[CalibrationStatistics.self] = stats
        return .no
      }
    }

    let interpreter: Interpreter
    do {
      interpreter = try Interpreter(module, registry: context.ops)
    } catch {
      throw PassError(error.message, kind: error.kind == .internalError ? .internalError : .badInput)
    }
    let plan = CalibrationPlan(graph: module.graph)
    let threads = options.threads > 0 ? options.threads : ProcessInfo.processInfo.activeProcessorCount
    let collector = try SampleRunner(
      interpreter: interpreter, data: data, sampleCount: sampleCount, plan: plan, bins: options.bins,
      sentinel: options.sentinelThreshold, threads: threads, progress: TerminalProgress()
    ).run()
    let stats = Calibrate.statistics(collector, method: method, sampleCount: sampleCount, options: options, threads: threads)
    report(stats, fromCache: false, &context)
    context.artifacts[CalibrationStatistics.self] = stats
    if let cachePath, let key {
      do {
        try CalibrationCache.save(stats, key: key, to: cachePath)
      } catch {
        throw PassError(error.message)
      }
    }
    return .no
  }

  /// The data from `data=` or the `--calib` artifact; both at once must agree.
  func calibrationData(_ context: PassContext) throws(PassError) -> CalibrationData {
    let given = context.artifacts[CalibrationData.self]
    guard !options.data.isEmpty else {
      guard let given else { throw PassError("no calibration data: \(Calibrate.dataHelp)") }
      return given
    }
    if let given {
      guard given.path == options.data else {
        throw PassError(
          "calibration data is given twice, as --calib \(given.path ?? "(in memory)") and calibrate{data=\(options.data)}; give one")
      }
      return given
    }
    do {
      return try CalibrationData.load(path: options.data)
    } catch {
      throw PassError(error.message)
    }
  }

  /// The cache path from `cache=` or the `--calib-cache` artifact, if any.
  func cacheFile(_ context: PassContext) throws(PassError) -> String? {
    let given = context.artifacts[CalibrationCacheFile.self]?.path
    guard !options.cache.isEmpty else { return given }
    if let given, given != options.cache {
      throw PassError("the calibration cache is given twice, as --calib-cache \(given) and calibrate{cache=\(options.cache)}; give one")
    }
    return options.cache
  }

  /// A cache that matched the digests must still cover every value the plan records.
  func checkCovers(_ stats: CalibrationStatistics, _ graph: Graph, _ path: String) throws(PassError) {
    for t in CalibrationPlan(graph: graph).targets where stats[t.name] == nil {
      throw PassError("calibration cache \(path) is corrupt (no record of value '\(t.name)'); delete it to calibrate again")
    }
  }

  /// Ranges for every recorded value, computed on `threads` threads.
  static func statistics(
    _ c: StatisticsCollector, method: RangeMethod, sampleCount: Int, options: Options, threads: Int
  ) -> CalibrationStatistics {
    let targets = c.plan.targets
    final class Ranges: @unchecked Sendable {
      var values: [ClosedRange<Float>]
      init(_ n: Int) { values = [ClosedRange<Float>](repeating: 0...1, count: n) }
    }
    let ranges = Ranges(targets.count)
    let statistics = c.statistics
    let workers = Swift.max(1, Swift.min(threads, targets.count))
    ranges.values.withUnsafeMutableBufferPointer { out in
      nonisolated(unsafe) let out = out
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        for i in stride(from: w, to: statistics.count, by: workers) { out[i] = method.range(for: statistics[i]) }
      }
    }
    let records = targets.indices.map { i in
      (name: targets[i].name, entry: CalibrationStatistics.Entry(
        statistics: statistics[i], range: ranges.values[i], channelMaxima: c.channels[i]))
    }
    return CalibrationStatistics(
      method: method, sampleCount: sampleCount, histogramBins: options.bins,
      sentinelThreshold: options.sentinelThreshold, records: records)
  }

  /// In-range magnitudes from here on get a warning: far beyond real activations
  /// (LLM outliers reach ~1e4), typical of −1e9 attention masks.
  static let hugeMagnitude: Float = 1e8

  /// Counters for --statistics; warnings for NaN (a model computing NaN usually
  /// has a bug) and for huge in-range magnitudes (masks the sentinel threshold misses).
  func report(_ stats: CalibrationStatistics, fromCache: Bool, _ context: inout PassContext) {
    var nanValues: [String] = [], hugeValues: [String] = []
    var sentinelValues = 0, infinityValues = 0
    for name in stats.valueNames {
      let s = stats[name]!.statistics
      if s.nanCount > 0 { nanValues.append(name) }
      if let r = s.observedRange, Swift.max(abs(r.lowerBound), abs(r.upperBound)) >= Calibrate.hugeMagnitude { hugeValues.append(name) }
      if s.hasSentinels { sentinelValues += 1 }
      if s.infinityCount > 0 { infinityValues += 1 }
    }
    context.statistics.add(stats.valueNames.count, fromCache ? "values read from the cache" : "values recorded", pass: Self.name)
    context.statistics.add(stats.sampleCount, "samples", pass: Self.name)
    if sentinelValues > 0 { context.statistics.add(sentinelValues, "values with sentinels", pass: Self.name) }
    if infinityValues > 0 { context.statistics.add(infinityValues, "values with infinities", pass: Self.name) }
    if !hugeValues.isEmpty {
      let r = stats.statistics(of: hugeValues[0])!.observedRange!
      context.warnings.append(
        "calibrate: \(hugeValues.count) value\(hugeValues.count == 1 ? " reaches" : "s reach") 1e8 in magnitude (first: %\(hugeValues[0]), "
          + "range [\(r.lowerBound), \(r.upperBound)]), an attention mask filled with -1e9?; "
          + "such values stretch ranges and histograms: calibrate{sentinel=1e8} keeps them out")
    }
    if !nanValues.isEmpty {
      context.warnings.append(
        "calibrate: \(nanValues.count) value\(nanValues.count == 1 ? "" : "s") had NaN elements (first: %\(nanValues[0])); their ranges leave NaN out")
    }
  }
}
