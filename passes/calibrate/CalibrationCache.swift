import Foundation
import QCCIR

/// Where `calibrate` keeps its statistics between runs (`--calib-cache FILE`
/// or `calibrate{cache=FILE}`), handed from the command line as an artifact.
public struct CalibrationCacheFile: Sendable, Equatable {
  public var path: String
  public init(path: String) { self.path = path }
}

/// The calibration cache: a JSON file holding `CalibrationStatistics` and
/// what they were made for.
///
///     {
///       "format": "qcc-calibration-cache", "version": 1,
///       "module": "sha256:…",     // SHA-256 of the module as calibrate saw it: its .qir text with
///                                 //   constants over 16 elements as digests, without locations
///       "data": "sha256:…",       // CalibrationData.digest(): names, dtypes, shapes and bytes
///       "options": "method=percentile,p=99.99,bins=2048,sentinel=1e+30",
///       "samples": 32,
///       "values": [ { "name": "x", "elements": …, "nan": …, "positiveInfinity": …,
///                     "negativeInfinity": …, "positiveSentinel": …, "negativeSentinel": …,
///                     "min": -1.5, "max": 2.25,            // absent when no element was in range
///                     "histogram": { "radiusExponent": 2, "first": 17, "counts": [ … ] },
///                     "range": [-1.5, 2.25],
///                     "channels": [ { "axis": 2, "absMax": [ … ] } ] }, … ]
///     }
///
/// Histograms store the run of bins from the first to the last non-empty
/// one. Floats are written in Swift's shortest round-trip spelling and read
/// back to the same bits. A file that is not valid JSON, or is missing a
/// field, or has inconsistent values, is reported as corrupt; one made for
/// another module, data set or options is reported as stale, naming which.
enum CalibrationCache {
  static let format = "qcc-calibration-cache"
  static let version = 1

  struct File: Codable {
    var format: String
    var version: Int
    var module: String
    var data: String
    var options: String
    var samples: Int
    var values: [Value]
  }

  struct Value: Codable {
    var name: String
    var elements: Int
    var nan: Int
    var positiveInfinity: Int
    var negativeInfinity: Int
    var positiveSentinel: Int
    var negativeSentinel: Int
    var min: Float?
    var max: Float?
    var histogram: StoredHistogram
    var range: [Float]
    var channels: [Channels]
  }

  struct StoredHistogram: Codable {
    var radiusExponent: Int
    var first: Int
    var counts: [Int]
  }

  struct Channels: Codable {
    var axis: Int
    var absMax: [Float]
  }

  /// What a cache must have been made for to be used.
  struct Key: Equatable {
    var module: String
    var data: String
    var options: String
  }

  /// The digest of `module` as the cache key records it.
  static func moduleDigest(_ module: Module) -> String {
    var options = Printer.Options(elideConstants: true)
    options.printLocations = false
    let bytes = Printer.bytes(module, options: options)
    return bytes.withUnsafeBytes { SHA256.digest($0).hexString(prefix: "sha256:") }
  }

  // MARK: - Writing

  static func encode(_ stats: CalibrationStatistics, key: Key) throws(CalibrationCacheError) -> Data {
    var values: [Value] = []
    for name in stats.valueNames {
      let e = stats[name]!
      let s = e.statistics
      let h = s.histogram
      let first = h.counts.firstIndex { $0 != 0 } ?? 0
      let last = h.counts.lastIndex { $0 != 0 } ?? -1
      values.append(Value(
        name: name, elements: s.elementCount, nan: s.nanCount, positiveInfinity: s.positiveInfinityCount,
        negativeInfinity: s.negativeInfinityCount, positiveSentinel: s.positiveSentinelCount,
        negativeSentinel: s.negativeSentinelCount, min: s.observedRange?.lowerBound, max: s.observedRange?.upperBound,
        histogram: StoredHistogram(
          radiusExponent: h.radiusExponent, first: first, counts: last >= first ? Array(h.counts[first...last]) : []),
        range: [e.range.lowerBound, e.range.upperBound],
        channels: e.channelMaxima.map { Channels(axis: $0.axis, absMax: $0.absMax) }))
    }
    let file = File(
      format: format, version: version, module: key.module, data: key.data, options: key.options,
      samples: stats.sampleCount, values: values)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    do {
      return try encoder.encode(file)
    } catch {
      throw CalibrationCacheError("cannot encode the calibration statistics: \(error)")
    }
  }

  static func save(_ stats: CalibrationStatistics, key: Key, to path: String) throws(CalibrationCacheError) {
    let data = try encode(stats, key: key)
    do {
      try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw CalibrationCacheError("cannot write the calibration cache \(path): \(error.localizedDescription)")
    }
  }

  // MARK: - Reading

  /// Reads the cache at `path` and checks it was made for `key`; `method`,
  /// `bins` and `sentinel` rebuild the statistics (the key's options spell them).
  static func load(
    path: String, key: Key, method: RangeMethod, bins: Int, sentinel: Float
  ) throws(CalibrationCacheError) -> CalibrationStatistics {
    let bytes: Data
    do {
      bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw CalibrationCacheError("cannot read the calibration cache \(path): \(error.localizedDescription)")
    }
    let file = try decode(bytes, path: path)
    var stale: [String] = []
    if file.module != key.module {
      stale.append("a different module (the model, or the passes before calibrate, changed)")
    }
    if file.data != key.data { stale.append("different calibration data") }
    if file.options != key.options { stale.append("different options (\(file.options); this run: \(key.options))") }
    if !stale.isEmpty {
      throw CalibrationCacheError(
        "calibration cache \(path) was made for \(stale.joined(separator: " and ")); delete it or pass another --calib-cache")
    }
    return try statistics(file, path: path, method: method, bins: bins, sentinel: sentinel)
  }

  static func decode(_ bytes: Data, path: String) throws(CalibrationCacheError) -> File {
    func corrupt(_ why: String) -> CalibrationCacheError {
      CalibrationCacheError("calibration cache \(path) is corrupt (\(why)); delete it to calibrate again")
    }
    // Check the format first, so a JSON file of another kind gets a clear message.
    struct Header: Decodable { var format: String?; var version: Int? }
    guard let header = try? JSONDecoder().decode(Header.self, from: bytes) else { throw corrupt("not a JSON object") }
    guard header.format == format else { throw corrupt("not a qcc calibration cache") }
    guard header.version == version else {
      throw CalibrationCacheError(
        "calibration cache \(path) has version \(header.version.map(String.init) ?? "?"); this qcc reads version \(version); delete it to calibrate again")
    }
    do {
      return try JSONDecoder().decode(File.self, from: bytes)
    } catch let DecodingError.keyNotFound(key, context) {
      throw corrupt("missing '\(key.stringValue)'\(where_(context))")
    } catch let DecodingError.typeMismatch(_, context) {
      throw corrupt("wrong type\(where_(context))")
    } catch let DecodingError.valueNotFound(_, context) {
      throw corrupt("missing value\(where_(context))")
    } catch {
      throw corrupt("unreadable JSON")
    }
  }

  private static func where_(_ context: DecodingError.Context) -> String {
    let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    return path.isEmpty ? "" : " at \(path)"
  }

  /// Rebuilds the statistics, checking every value is consistent.
  static func statistics(
    _ file: File, path: String, method: RangeMethod, bins: Int, sentinel: Float
  ) throws(CalibrationCacheError) -> CalibrationStatistics {
    func corrupt(_ name: String, _ why: String) -> CalibrationCacheError {
      CalibrationCacheError("calibration cache \(path) is corrupt (value '\(name)': \(why)); delete it to calibrate again")
    }
    guard file.samples > 0 else {
      throw CalibrationCacheError("calibration cache \(path) is corrupt (no samples); delete it to calibrate again")
    }
    var records: [(name: String, entry: CalibrationStatistics.Entry)] = []
    var seen: Set<String> = []
    for v in file.values {
      guard seen.insert(v.name).inserted else { throw corrupt(v.name, "listed twice") }
      let h = v.histogram
      guard h.first >= 0, h.first <= bins, h.counts.count <= bins - h.first else {
        throw corrupt(v.name, "histogram bins out of range")
      }
      var counts = [Int](repeating: 0, count: bins)
      for (i, c) in h.counts.enumerated() { counts[h.first + i] = c }
      guard let histogram = Histogram(binCount: bins, radiusExponent: h.radiusExponent, counts: counts) else {
        throw corrupt(v.name, "bad histogram")
      }
      let parts = [v.nan, v.positiveSentinel, v.negativeSentinel, histogram.total]
      var sum = 0, overflow = false
      for c in parts where !overflow {
        (sum, overflow) = sum.addingReportingOverflow(c)
        overflow = overflow || c < 0
      }
      guard !overflow, sum == v.elements, (0...v.positiveSentinel).contains(v.positiveInfinity),
        (0...v.negativeSentinel).contains(v.negativeInfinity)
      else { throw corrupt(v.name, "element counts do not add up") }
      let minimum: Float, maximum: Float
      switch (v.min, v.max) {
      case (let lo?, let hi?) where lo.isFinite && hi.isFinite && lo <= hi && histogram.total > 0:
        (minimum, maximum) = (lo, hi)
      case (nil, nil) where histogram.total == 0:
        (minimum, maximum) = (.infinity, -.infinity)
      default:
        throw corrupt(v.name, "bad min/max")
      }
      guard v.range.count == 2, v.range[0].isFinite, v.range[1].isFinite, v.range[0] < v.range[1] else {
        throw corrupt(v.name, "bad range")
      }
      var channels: [ChannelMaxima] = []
      for c in v.channels {
        guard c.axis >= 0, c.absMax.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw corrupt(v.name, "bad channel maxima") }
        channels.append(ChannelMaxima(axis: c.axis, absMax: c.absMax))
      }
      let statistics = ValueStatistics(
        elementCount: v.elements, nanCount: v.nan, positiveInfinityCount: v.positiveInfinity,
        negativeInfinityCount: v.negativeInfinity, positiveSentinelCount: v.positiveSentinel,
        negativeSentinelCount: v.negativeSentinel, minimum: minimum, maximum: maximum, histogram: histogram)
      records.append((v.name, CalibrationStatistics.Entry(
        statistics: statistics, range: v.range[0]...v.range[1], channelMaxima: channels)))
    }
    return CalibrationStatistics(
      method: method, sampleCount: file.samples, histogramBins: bins, sentinelThreshold: sentinel, records: records)
  }
}

/// A calibration cache that cannot be read, written or used.
public struct CalibrationCacheError: Error, CustomStringConvertible, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
