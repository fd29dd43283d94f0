import QCCIR

/// A named, stateless transformation of a verified module.
///
/// A pass is a small Swift type: a kebab-case `name`, a one-line `summary`,
/// typed `Options` parsed from the pipeline text, and `run`, which rewrites
/// the module in place and leaves it verifier-valid or throws. Passes keep
/// no state between runs; what one pass hands to a later one (calibration
/// statistics) travels as a typed artifact in the `PassContext`.
///
///     struct Canonicalize: Pass {
///       static let name = "canonicalize"
///       static let summary = "Fold constants, remove dead code, …"
///       let options: Options
///       init(options: Options) { self.options = options }
///       func run(on module: inout Module, context: inout PassContext) throws(PassError) -> Changed { … }
///     }
public protocol Pass: Sendable {
  associatedtype Options: PassOptions = NoOptions
  /// Registry and pipeline name: kebab-case and stable ("canonicalize", "fold-constants").
  static var name: String { get }
  /// One line for `qcc --list-passes` and docs/passes.md.
  static var summary: String { get }
  var options: Options { get }
  init(options: Options)
  /// Rewrites `module`; returns whether anything changed (on `.no` the
  /// manager skips verification and IR dumps after the pass).
  func run(on module: inout Module, context: inout PassContext) throws(PassError) -> Changed
}

/// Whether a pass changed the module.
public enum Changed: Sendable, Equatable {
  case yes, no

  public init(_ changed: Bool) { self = changed ? .yes : .no }

  public static func || (a: Changed, b: Changed) -> Changed { a == .yes || b == .yes ? .yes : .no }
}

/// Why a pass failed. Messages name the pass and, where there is one, the node.
public struct PassError: Error, CustomStringConvertible, Sendable {
  public enum Kind: Sendable {
    /// The input is at fault: a missing artifact, an op the pass cannot handle.
    case badInput
    /// The pass is at fault: it produced IR that does not verify.
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
