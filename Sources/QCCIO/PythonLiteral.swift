/// A value in the subset of Python literal syntax that `.npy` headers use:
/// dicts, tuples, lists, strings, numbers, `True`, `False` and `None`.
///
/// numpy reads headers with `ast.literal_eval`; this parser accepts the same
/// forms numpy writes (and Python 2's `3L` integers, which numpy still reads),
/// and reports anything else as a syntax error instead of trapping.
struct PythonLiteral {
  enum Kind {
    case string(String)
    /// An integer; nil when it does not fit in `Int`.
    case integer(Int?)
    /// A float, complex or otherwise non-integer number.
    case nonInteger
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dict([(key: PythonLiteral, value: PythonLiteral)])
  }

  var kind: Kind
  /// The literal as written, for messages.
  var text: String

  /// Why text is not a literal, and the 1-based column where parsing stopped.
  struct SyntaxError: Error {
    var message: String
    var column: Int
  }

  /// Parses `bytes`, which must hold exactly one literal (and whitespace).
  static func parse(_ bytes: UnsafeRawBufferPointer) throws(SyntaxError) -> PythonLiteral {
    var parser = Parser(bytes: bytes)
    parser.skipWhitespace()
    let value = try parser.value(depth: 0)
    parser.skipWhitespace()
    guard parser.atEnd else { throw parser.error("unexpected text after the literal") }
    return value
  }
}

private struct Parser {
  let bytes: UnsafeRawBufferPointer
  var position = 0

  /// Deep nesting is never valid in a header; the limit keeps recursion bounded.
  static let maximumDepth = 16

  init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

  var atEnd: Bool { position >= bytes.count }
  var current: UInt8? { atEnd ? nil : bytes[position] }

  func error(_ message: String) -> PythonLiteral.SyntaxError {
    PythonLiteral.SyntaxError(message: message, column: position + 1)
  }

  mutating func skipWhitespace() {
    while let c = current, c == 0x20 || (0x09...0x0D).contains(c) { position += 1 }
  }

  func text(from start: Int) -> String {
    String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
  }

  mutating func value(depth: Int) throws(PythonLiteral.SyntaxError) -> PythonLiteral {
    guard depth < Parser.maximumDepth else { throw error("literal nested too deeply") }
    guard let c = current else { throw error("expected a value, found the end of the header") }
    let start = position
    let kind: PythonLiteral.Kind
    switch c {
    case UInt8(ascii: "{"): kind = try dict(depth: depth)
    case UInt8(ascii: "("): return try parenthesized(depth: depth)
    case UInt8(ascii: "["):
      position += 1
      kind = .list(try items(closing: UInt8(ascii: "]"), depth: depth))
    case UInt8(ascii: "'"), UInt8(ascii: "\""): kind = .string(try string())
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."):
      kind = try number()
    default:
      kind = try name()
    }
    return PythonLiteral(kind: kind, text: text(from: start))
  }

  /// `{key: value, ...}`, with an optional trailing comma.
  mutating func dict(depth: Int) throws(PythonLiteral.SyntaxError) -> PythonLiteral.Kind {
    position += 1
    var entries: [(key: PythonLiteral, value: PythonLiteral)] = []
    while true {
      skipWhitespace()
      if current == UInt8(ascii: "}") { break }
      let key = try value(depth: depth + 1)
      skipWhitespace()
      guard current == UInt8(ascii: ":") else { throw error("expected ':' after dict key \(key.text)") }
      position += 1
      skipWhitespace()
      entries.append((key, try value(depth: depth + 1)))
      skipWhitespace()
      if current == UInt8(ascii: ",") {
        position += 1
      } else if current != UInt8(ascii: "}") {
        throw error("expected ',' or '}' in dict")
      }
    }
    position += 1
    return .dict(entries)
  }

  /// `()`, `(x,)`, `(x, y)` are tuples; `(x)` is just `x`.
  mutating func parenthesized(depth: Int) throws(PythonLiteral.SyntaxError) -> PythonLiteral {
    let start = position
    position += 1
    skipWhitespace()
    if current != UInt8(ascii: ")") {
      let first = try value(depth: depth + 1)
      skipWhitespace()
      if current == UInt8(ascii: ")") {
        position += 1
        return PythonLiteral(kind: first.kind, text: text(from: start))
      }
      guard current == UInt8(ascii: ",") else { throw error("expected ',' or ')' in tuple") }
      position += 1
      let rest = try items(closing: UInt8(ascii: ")"), depth: depth)
      return PythonLiteral(kind: .tuple([first] + rest), text: text(from: start))
    }
    position += 1
    return PythonLiteral(kind: .tuple([]), text: text(from: start))
  }

  /// Comma-separated values up to `closing`, which is consumed; a trailing comma is allowed.
  mutating func items(closing: UInt8, depth: Int) throws(PythonLiteral.SyntaxError) -> [PythonLiteral] {
    var result: [PythonLiteral] = []
    while true {
      skipWhitespace()
      if current == closing { break }
      result.append(try value(depth: depth + 1))
      skipWhitespace()
      if current == UInt8(ascii: ",") {
        position += 1
      } else if current != closing {
        throw error("expected ',' or '\(Character(Unicode.Scalar(closing)))'")
      }
    }
    position += 1
    return result
  }

  /// A single- or double-quoted string. Escapes other than `\\`, `\'`, `\"`,
  /// `\n` and `\t` are kept as written; no header needs them.
  mutating func string() throws(PythonLiteral.SyntaxError) -> String {
    let quote = bytes[position]
    position += 1
    var utf8: [UInt8] = []
    while true {
      guard let c = current, c != 0x0A else { throw error("unterminated string") }
      position += 1
      if c == quote { break }
      if c == UInt8(ascii: "\\") {
        guard let escaped = current else { throw error("unterminated string") }
        position += 1
        switch escaped {
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): utf8.append(escaped)
        default: utf8 += [c, escaped]
        }
      } else {
        utf8.append(c)
      }
    }
    return String(decoding: utf8, as: UTF8.self)
  }

  /// An integer (with an optional sign and Python 2 `L` suffix) or another number.
  mutating func number() throws(PythonLiteral.SyntaxError) -> PythonLiteral.Kind {
    let start = position
    if current == UInt8(ascii: "-") || current == UInt8(ascii: "+") { position += 1 }
    var previous: UInt8 = 0
    while let c = current {
      let isExponentSign = (c == UInt8(ascii: "-") || c == UInt8(ascii: "+"))
        && (previous == UInt8(ascii: "e") || previous == UInt8(ascii: "E"))
      guard isExponentSign || c.isAlphanumeric || c == UInt8(ascii: "_") || c == UInt8(ascii: ".") else { break }
      previous = c
      position += 1
    }
    var token = Array(bytes[start..<position])
    if let last = token.last, last == UInt8(ascii: "L") || last == UInt8(ascii: "l") { token.removeLast() }
    let negative = token.first == UInt8(ascii: "-")
    if token.first == UInt8(ascii: "-") || token.first == UInt8(ascii: "+") { token.removeFirst() }
    guard let first = token.first, first.isDigit || first == UInt8(ascii: ".") else {
      throw error("malformed number \(text(from: start))")
    }
    guard token.allSatisfy(\.isDigit) else { return .nonInteger }
    var magnitude = 0
    var overflow = false
    for digit in token where !overflow {
      let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
      let (sum, o2) = times10.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
      magnitude = sum
      overflow = o1 || o2
    }
    return .integer(overflow ? nil : (negative ? -magnitude : magnitude))
  }

  /// `True`, `False` or `None`.
  mutating func name() throws(PythonLiteral.SyntaxError) -> PythonLiteral.Kind {
    let start = position
    while let c = current, c.isAlphanumeric || c == UInt8(ascii: "_") { position += 1 }
    switch text(from: start) {
    case "True": return .bool(true)
    case "False": return .bool(false)
    case "None": return .none
    case "": throw error("unexpected character '\(Character(Unicode.Scalar(bytes[start])))'")
    case let other: throw error("unexpected name '\(other)'")
    }
  }
}

extension UInt8 {
  fileprivate var isDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
  fileprivate var isAlphanumeric: Bool {
    isDigit || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self)
      || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
  }
}
