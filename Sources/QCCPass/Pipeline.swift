import QCCIR

/// A malformed pipeline, an unknown pass, or a bad option. The message names
/// the culprit and lists what would have been valid.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// An ordered list of configured passes, written as text:
///
///     canonicalize,calibrate{method=percentile,p=99.99},assign{w=8,a=8}
///
/// Options go in braces as `key=value`, separated by commas; a list value is
/// bracketed (`keep=[Softmax,LayerNormalization]`). `description` prints the
/// pipeline back with only non-default options, and that text parses to an
/// equal pipeline.
public struct Pipeline: Sendable, CustomStringConvertible {
  public var passes: [any Pass]

  public init(_ passes: [any Pass]) { self.passes = passes }

  /// Parses `text`, making each pass through `registry`.
  public init(parsing text: String, registry: PassRegistry) throws(PipelineError) {
    passes = []
    for element in try Pipeline.split(text) {
      passes.append(try registry.make(element.name, options: element.options))
    }
  }

  public var description: String {
    passes.map { pass in
      let pairs = pass.optionPairs
      let name = type(of: pass).name
      return pairs.isEmpty ? name : name + "{" + pairs.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
    }.joined(separator: ",")
  }

  /// The syntax of a pipeline: pass names with raw option pairs.
  static func split(_ text: String) throws(PipelineError) -> [(name: String, options: [(key: String, value: String)])] {
    var result: [(String, [(key: String, value: String)])] = []
    let chars = Array(text)
    var i = 0
    func skipSpaces() { while i < chars.count && chars[i].isWhitespace { i += 1 } }
    func word() -> String {
      let start = i
      while i < chars.count && (chars[i].isLetter || chars[i].isNumber || chars[i] == "-" || chars[i] == "_" || chars[i] == ".") {
        i += 1
      }
      return String(chars[start..<i])
    }
    skipSpaces()
    if i == chars.count { return [] }
    while true {
      skipSpaces()
      let name = word()
      guard !name.isEmpty else {
        throw PipelineError("pipeline '\(text)': expected a pass name at offset \(i)")
      }
      var options: [(key: String, value: String)] = []
      skipSpaces()
      if i < chars.count && chars[i] == "{" {
        i += 1
        skipSpaces()
        if i < chars.count && chars[i] == "}" {
          i += 1
        } else {
          while true {
            skipSpaces()
            let key = word()
            skipSpaces()
            guard !key.isEmpty, i < chars.count, chars[i] == "=" else {
              throw PipelineError("pipeline '\(text)': expected 'key=value' in the options of '\(name)'")
            }
            i += 1
            // A value runs to the next ',' or '}' outside brackets.
            let start = i
            var depth = 0
            while i < chars.count {
              let c = chars[i]
              if c == "[" { depth += 1 } else if c == "]" { depth -= 1 } else if depth == 0 && (c == "," || c == "}") { break }
              i += 1
            }
            let value = String(chars[start..<i]).trimmingSpaces()
            guard i < chars.count else { throw PipelineError("pipeline '\(text)': missing '}' after the options of '\(name)'") }
            if options.contains(where: { $0.key == key }) {
              throw PipelineError("pipeline '\(text)': option '\(key)' of '\(name)' is given twice")
            }
            options.append((key, value))
            if chars[i] == "}" {
              i += 1
              break
            }
            i += 1
          }
        }
      }
      result.append((name, options))
      skipSpaces()
      if i == chars.count { break }
      guard chars[i] == "," else {
        throw PipelineError("pipeline '\(text)': expected ',' between passes at offset \(i)")
      }
      i += 1
    }
    return result
  }
}

extension Pass {
  /// This pass's options that differ from the defaults.
  var optionPairs: [(key: String, value: String)] { options.nonDefaultPairs() }
}

extension String {
  func trimmingSpaces() -> String {
    var s = Substring(self)
    while s.first?.isWhitespace == true { s.removeFirst() }
    while s.last?.isWhitespace == true { s.removeLast() }
    return String(s)
  }
}
