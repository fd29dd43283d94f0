import QCCIR

/// A pass's typed options. Each option is declared once, as a field with a
/// name, a help line and a key path; parsing, printing and `--list-passes`
/// all come from that one declaration.
///
///     struct Options: PassOptions {
///       var alpha = 0.5
///       static let fields: [OptionField<Options>] = [
///         .double("alpha", \.alpha, help: "migration strength, 0…1"),
///       ]
///     }
public protocol PassOptions: Sendable, Equatable {
  /// The defaults.
  init()
  static var fields: [OptionField<Self>] { get }
}

/// For passes without options.
public struct NoOptions: PassOptions {
  public init() {}
  public static var fields: [OptionField<NoOptions>] { [] }
}

/// One option of a pass: how to parse it, print it, and describe it.
public struct OptionField<Options>: Sendable {
  public let name: String
  public let help: String
  /// The value's kind, for listings: "int", "float", "bool", "string", or "a|b|c".
  public let kind: String
  let parse: @Sendable (inout Options, String) -> String?
  let print: @Sendable (Options) -> String

  /// An integer option.
  public static func int(_ name: String, _ keyPath: WritableKeyPath<Options, Int> & Sendable, help: String) -> OptionField {
    OptionField(name: name, help: help, kind: "int",
      parse: { o, text in
        guard let v = Int(text) else { return "expected an integer, got '\(text)'" }
        o[keyPath: keyPath] = v
        return nil
      },
      print: { String($0[keyPath: keyPath]) })
  }

  /// A floating-point option.
  public static func double(_ name: String, _ keyPath: WritableKeyPath<Options, Double> & Sendable, help: String) -> OptionField {
    OptionField(name: name, help: help, kind: "float",
      parse: { o, text in
        guard let v = Double(text), v.isFinite else { return "expected a number, got '\(text)'" }
        o[keyPath: keyPath] = v
        return nil
      },
      print: { $0[keyPath: keyPath].description })
  }

  /// A boolean option (`true` / `false`).
  public static func bool(_ name: String, _ keyPath: WritableKeyPath<Options, Bool> & Sendable, help: String) -> OptionField {
    OptionField(name: name, help: help, kind: "bool",
      parse: { o, text in
        switch text {
        case "true", "1": o[keyPath: keyPath] = true
        case "false", "0": o[keyPath: keyPath] = false
        default: return "expected true or false, got '\(text)'"
        }
        return nil
      },
      print: { $0[keyPath: keyPath] ? "true" : "false" })
  }

  /// A free-form string option (a path, say); it cannot contain `,` or `}`.
  public static func string(_ name: String, _ keyPath: WritableKeyPath<Options, String> & Sendable, help: String) -> OptionField {
    OptionField(name: name, help: help, kind: "string",
      parse: { o, text in
        o[keyPath: keyPath] = text
        return nil
      },
      print: { $0[keyPath: keyPath] })
  }

  /// A string option restricted to `choices`.
  public static func choice(
    _ name: String, _ keyPath: WritableKeyPath<Options, String> & Sendable, _ choices: [String], help: String
  ) -> OptionField {
    OptionField(name: name, help: help, kind: choices.joined(separator: "|"),
      parse: { o, text in
        guard choices.contains(text) else {
          return "expected one of \(choices.joined(separator: ", ")), got '\(text)'"
        }
        o[keyPath: keyPath] = text
        return nil
      },
      print: { $0[keyPath: keyPath] })
  }

  /// A list of strings, written `[a,b]` (or a single `a`).
  public static func strings(_ name: String, _ keyPath: WritableKeyPath<Options, [String]> & Sendable, help: String) -> OptionField {
    OptionField(name: name, help: help, kind: "list",
      parse: { o, text in
        var body = Substring(text)
        if body.hasPrefix("[") && body.hasSuffix("]") { body = body.dropFirst().dropLast() }
        o[keyPath: keyPath] = body.isEmpty ? [] : body.split(separator: ",").map { String($0) }
        return nil
      },
      print: { "[" + $0[keyPath: keyPath].joined(separator: ",") + "]" })
  }
}

extension PassOptions {
  /// Parses `key=value` pairs over the defaults; an unknown key or bad value is an error naming it.
  static func parse(_ pairs: [(key: String, value: String)], pass: String) throws(PipelineError) -> Self {
    var options = Self()
    for (key, value) in pairs {
      guard let field = fields.first(where: { $0.name == key }) else {
        let valid = fields.map(\.name)
        throw PipelineError(
          "pass '\(pass)' has no option '\(key)'"
            + (valid.isEmpty ? " (it takes no options)" : "; valid options: \(valid.joined(separator: ", "))"))
      }
      if let problem = field.parse(&options, value) {
        throw PipelineError("pass '\(pass)' option '\(key)': \(problem)")
      }
    }
    return options
  }

  /// The options that differ from the defaults, as `key=value` pairs in declaration order.
  func nonDefaultPairs() -> [(key: String, value: String)] {
    let defaults = Self()
    return Self.fields.compactMap { field in
      let value = field.print(self)
      return value == field.print(defaults) ? nil : (field.name, value)
    }
  }
}
