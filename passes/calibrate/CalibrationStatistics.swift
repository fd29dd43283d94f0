import QCCIR

/// What `calibrate` hands to later passes (`assign` reads it from
/// `PassContext.artifacts`): for every f32 value a node produced and every
/// f32 graph input, by value name, its statistics over the calibration
/// samples, the range the method chose, and — for values that are the first
/// operand of MatMul, Gemm or Conv — per-channel maxima.
///
///     let stats = try context.artifacts.require(CalibrationStatistics.self, by: "assign", producedBy: "calibrate")
///     if let r = stats.range(of: "attn.scores") { … r.lowerBound … r.upperBound … }
///     if let m = stats.channelMaxima(of: "ln1.out") { … m.axis, m.absMax … }
///
/// Values are keyed by name because names survive passes that rebuild the
/// graph; a pass that renames or replaces values after calibrate must expect
/// `nil` for them. Ranges are finite with `lowerBound < upperBound`; they may
/// exclude 0 (a quantizer widens them to include it).
public struct CalibrationStatistics: Sendable, Equatable {
  /// One value's record.
  public struct Entry: Sendable, Equatable {
    public var statistics: ValueStatistics
    /// The range `method` chose.
    public var range: ClosedRange<Float>
    /// Per-channel |x| maxima, one per channel axis the value is read along (usually none or one).
    public var channelMaxima: [ChannelMaxima]

    public init(statistics: ValueStatistics, range: ClosedRange<Float>, channelMaxima: [ChannelMaxima]) {
      self.statistics = statistics
      self.range = range
      self.channelMaxima = channelMaxima
    }
  }

  /// How the ranges were chosen.
  public let method: RangeMethod
  /// Samples the statistics cover.
  public let sampleCount: Int
  /// Bins of every histogram.
  public let histogramBins: Int
  /// Elements with |x| ≥ this are sentinels (f32).
  public let sentinelThreshold: Float
  /// The recorded values' names, graph inputs first, then node results in graph order.
  public let valueNames: [String]
  private let entries: [String: Entry]

  /// `records` in the order they should be listed.
  public init(
    method: RangeMethod, sampleCount: Int, histogramBins: Int, sentinelThreshold: Float,
    records: [(name: String, entry: Entry)]
  ) {
    self.method = method
    self.sampleCount = sampleCount
    self.histogramBins = histogramBins
    self.sentinelThreshold = sentinelThreshold
    var entries: [String: Entry] = [:]
    var names: [String] = []
    for (name, entry) in records where entries[name] == nil {
      entries[name] = entry
      names.append(name)
    }
    self.valueNames = names
    self.entries = entries
  }

  /// The record of value `name`, nil when calibration did not record it.
  public subscript(name: String) -> Entry? { entries[name] }

  /// The chosen range of value `name`.
  public func range(of name: String) -> ClosedRange<Float>? { entries[name]?.range }

  /// The statistics of value `name`.
  public func statistics(of name: String) -> ValueStatistics? { entries[name]?.statistics }

  /// Per-channel maxima of value `name` along `axis` (nil: the only or first axis recorded).
  public func channelMaxima(of name: String, axis: Int? = nil) -> ChannelMaxima? {
    guard let all = entries[name]?.channelMaxima else { return nil }
    guard let axis else { return all.first }
    return all.first { $0.axis == axis }
  }

  /// The same statistics with every range chosen by `method` instead.
  public func rechosen(with method: RangeMethod) -> CalibrationStatistics {
    CalibrationStatistics(
      method: method, sampleCount: sampleCount, histogramBins: histogramBins, sentinelThreshold: sentinelThreshold,
      records: valueNames.map { name in
        var e = entries[name]!
        e.range = method.range(for: e.statistics)
        return (name, e)
      })
  }
}
