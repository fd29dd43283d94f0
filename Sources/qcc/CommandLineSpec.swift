/// A usage error: the message says what is wrong and how to get help.
struct UsageError: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}

/// One option a command accepts.
struct OptionSpec: Sendable {
  enum Arity: Sendable { case flag, value, repeated }
  var name: String
  var arity: Arity
  var valueName = "VALUE"
  var help: String
}

/// A subcommand's arguments: declared once, parsed strictly, and printed as `--help`.
struct CommandSpec: Sendable {
  var name: String
  var usage: String
  var summary: String
  var options: [OptionSpec]
  var details: String = ""

  /// The parsed arguments: flags set, option values, and positional arguments in order.
  struct Parsed {
    var flags: Set<String> = []
    var values: [String: [String]] = [:]
    var positionals: [String] = []

    func flag(_ name: String) -> Bool { flags.contains(name) }
    func value(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }
  }

  /// Parses `arguments`; `--name value` and `--name=value` both work, `--` ends options.
  func parse(_ arguments: [String]) throws -> Parsed {
    var parsed = Parsed()
    var i = 0
    var optionsEnded = false
    while i < arguments.count {
      let arg = arguments[i]
      i += 1
      guard !optionsEnded, arg.hasPrefix("-"), arg != "-" else {
        parsed.positionals.append(arg)
        continue
      }
      if arg == "--" {
        optionsEnded = true
        continue
      }
      var name = arg
      var inlineValue: String?
      if let eq = arg.firstIndex(of: "=") {
        name = String(arg[..<eq])
        inlineValue = String(arg[arg.index(after: eq)...])
      }
      guard let spec = options.first(where: { $0.name == name }) else {
        throw UsageError(message: "qcc \(self.name): unknown option '\(name)'; valid options: "
          + options.map(\.name).joined(separator: ", ") + "\nRun 'qcc \(self.name) --help' for usage.")
      }
      switch spec.arity {
      case .flag:
        guard inlineValue == nil else { throw UsageError(message: "qcc \(self.name): '\(name)' takes no value") }
        parsed.flags.insert(name)
      case .value, .repeated:
        let value: String
        if let inlineValue {
          value = inlineValue
        } else {
          guard i < arguments.count else {
            throw UsageError(message: "qcc \(self.name): '\(name)' needs a value (\(spec.valueName))")
          }
          value = arguments[i]
          i += 1
        }
        if spec.arity == .value, parsed.values[name] != nil {
          throw UsageError(message: "qcc \(self.name): '\(name)' is given twice")
        }
        parsed.values[name, default: []].append(value)
      }
    }
    return parsed
  }

  var help: String {
    var lines = ["USAGE: \(usage)", "", summary]
    if !details.isEmpty { lines += ["", details] }
    if !options.isEmpty {
      lines += ["", "OPTIONS:"]
      for o in options {
        let left = o.arity == .flag ? o.name : "\(o.name) \(o.valueName)"
        let padded = left.count < 30 ? left + String(repeating: " ", count: 30 - left.count) : left + "  "
        lines.append("  " + padded + o.help)
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
