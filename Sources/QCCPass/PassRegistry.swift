import QCCIR

/// Passes by name. Built-in passes register in one table
/// (`QCCPasses.registerBuiltinPasses`); plugins register theirs the same way.
public struct PassRegistry: Sendable {
  /// What `--list-passes` shows of a pass.
  public struct Entry: Sendable {
    public let name: String
    public let summary: String
    /// `(name, kind, help)` of each option.
    public let options: [(name: String, kind: String, help: String)]
    let make: @Sendable ([(key: String, value: String)]) throws(PipelineError) -> any Pass
  }

  public private(set) var entries: [String: Entry] = [:]

  public init() {}

  /// Registers a pass type; a name registered twice is a programming error.
  public mutating func register<P: Pass>(_ pass: P.Type) {
    precondition(entries[P.name] == nil, "pass '\(P.name)' registered twice")
    entries[P.name] = Entry(
      name: P.name, summary: P.summary,
      options: P.Options.fields.map { ($0.name, $0.kind, $0.help) },
      make: { (pairs) throws(PipelineError) in P(options: try P.Options.parse(pairs, pass: P.name)) })
  }

  /// Every registered pass, sorted by name.
  public var sortedEntries: [Entry] { entries.keys.sorted().map { entries[$0]! } }

  /// Makes the pass `name` with raw `key=value` options.
  public func make(_ name: String, options: [(key: String, value: String)] = []) throws(PipelineError) -> any Pass {
    guard let entry = entries[name] else {
      throw PipelineError("unknown pass '\(name)'; valid passes: \(entries.keys.sorted().joined(separator: ", "))")
    }
    return try entry.make(options)
  }
}
