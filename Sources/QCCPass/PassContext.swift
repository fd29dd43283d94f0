import QCCIR

/// Everything a pass may read or record besides the IR itself.
public struct PassContext: Sendable {
  /// Typed products handed from one pass to a later one (calibration statistics…).
  public var artifacts = Artifacts()
  /// Counters passes bump ("fold-constants: folded 312 nodes"), printed on request.
  public var statistics = Statistics()
  /// Warnings for the user; errors are thrown instead.
  public var warnings: [String] = []

  public init() {}
}

/// A typed map: at most one value per type.
public struct Artifacts: Sendable {
  private var storage: [ObjectIdentifier: any Sendable] = [:]

  public init() {}

  public subscript<T: Sendable>(_ type: T.Type) -> T? {
    get { storage[ObjectIdentifier(type)] as? T }
    set { storage[ObjectIdentifier(type)] = newValue }
  }

  /// The artifact of type `T`, or an error saying which pass produces it.
  public func require<T: Sendable>(_ type: T.Type, by pass: String, producedBy producer: String) throws(PassError) -> T {
    guard let value = self[type] else {
      throw PassError("pass '\(pass)' needs \(T.self), which '\(producer)' produces; run '\(producer)' earlier in the pipeline")
    }
    return value
  }
}

/// Named counters per pass.
public struct Statistics: Sendable {
  public private(set) var counts: [String: [String: Int]] = [:]

  public init() {}

  public mutating func add(_ n: Int = 1, _ name: String, pass: String) {
    counts[pass, default: [:]][name, default: 0] += n
  }

  /// One line per counter, sorted: `canonicalize: folded constants = 312`.
  public var report: String {
    counts.keys.sorted().flatMap { pass in
      counts[pass]!.keys.sorted().map { "\(pass): \($0) = \(counts[pass]![$0]!)" }
    }.joined(separator: "\n")
  }
}
