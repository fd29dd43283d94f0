/// A parse error with its position, printed compiler-style:
///
///     model.qir:12:17: error: use of undefined value %x
///       %y = Relu(%x) : tensor<4xf32>
///                 ^
public struct ParseError: Error, CustomStringConvertible, Sendable {
  public var file: String
  public var line: Int
  public var column: Int
  public var message: String
  /// The offending source line, for the caret display.
  public var sourceLine: String

  public var description: String {
    let caret = String(repeating: " ", count: max(column - 1, 0)) + "^"
    return "\(file):\(line):\(column): error: \(message)\n\(sourceLine)\n\(caret)"
  }
}

/// Parses the `.qir` text form (see docs/ir.md) back into a module.
///
/// The parser accepts exactly what `Printer` writes, plus `//` comments and
/// free whitespace, so golden test files can carry RUN and CHECK lines.
public struct Parser {
  /// Parses `text`; `file` names the source in error messages.
  public static func parse(_ text: String, file: String = "<input>") throws(ParseError) -> Module {
    var text = text
    let result = text.withUTF8 { utf8 in
      Result { () throws(ParseError) -> Module in try parse(bytes: UnsafeRawBufferPointer(utf8), file: file) }
    }
    return try result.get()
  }

  /// Parses UTF-8 `bytes`; `file` names the source in error messages.
  public static func parse(bytes: UnsafeRawBufferPointer, file: String = "<input>") throws(ParseError) -> Module {
    var p = Parser(bytes: bytes, file: file)
    return try p.parseFile()
  }

  /// Parses one tensor type and nothing else, e.g. `tensor<!q.uniform<i8:f32, 0.5:0>>`
  /// (for attributes that name a type).
  public static func parseType(_ text: String) throws(ParseError) -> TensorType {
    var text = text
    let result = text.withUTF8 { utf8 in
      Result { () throws(ParseError) -> TensorType in
        var p = Parser(bytes: UnsafeRawBufferPointer(utf8), file: "<type>")
        let type = try p.parseType()
        p.skipTrivia()
        guard p.peek() == nil else { throw p.error("unexpected text after the type") }
        return type
      }
    }
    return try result.get()
  }

  /// Parses a quantized element as `Printer.spell(_: QuantizedType)` writes it;
  /// nil when `text` is a type but not a quantized element.
  public static func parseQuantizedElement(_ text: String) throws(ParseError) -> QuantizedType? {
    try parseType("tensor<" + text + ">").element.quantization
  }

  /// The largest constant a text file may describe; larger ones are errors, not allocations.
  static let maxConstantBytes = 1 << 34

  let src: UnsafeRawBufferPointer
  let file: String
  var pos = 0
  var module = Module(name: "")

  init(bytes: UnsafeRawBufferPointer, file: String) {
    self.src = bytes
    self.file = file
  }

  // MARK: - File structure

  mutating func parseFile() throws(ParseError) -> Module {
    skipTrivia()
    try expectWord("qir")
    skipTrivia()
    let versionPos = pos
    let version = try parseInteger()
    guard version == Int64(Printer.formatVersion) else {
      throw error("unsupported qir format version \(version) (this qcc reads version \(Printer.formatVersion))", at: versionPos)
    }
    skipTrivia()
    while peek() == UInt8(ascii: "#") {
      pos += 1
      let namePos = pos
      let name = try parseIdentifier("parameter name")
      guard module.parameters[name] == nil else { throw error("redefinition of parameter #\(name)", at: namePos) }
      try expect("=")
      let (constant, _) = try parseConstant(quantizedAllowed: false)
      module.parameters[name] = constant
      skipTrivia()
    }
    try expectWord("module")
    try expect("@")
    module.name = try parseIdentifier("module name")
    skipTrivia()
    if peek() == UInt8(ascii: "{") && looksLikeAttributeDictionary() {
      module.metadata = try parseAttributeDictionary()
    }
    try expect("{")
    while true {
      skipTrivia()
      if peek() == UInt8(ascii: "}") {
        pos += 1
        break
      }
      if atEnd { throw error("expected '}' to close the module") }
      try parseStatement()
    }
    skipTrivia()
    if !atEnd { throw error("unexpected text after the module") }
    return module
  }

  /// `{` opens both the metadata dictionary and the body; a dictionary starts with `name =` or `}`.
  func looksLikeAttributeDictionary() -> Bool {
    var p = self
    p.pos += 1
    p.skipTrivia()
    if p.peek() == UInt8(ascii: "}") {
      // `{}` followed by `{` is empty metadata then the body.
      p.pos += 1
      p.skipTrivia()
      return p.peek() == UInt8(ascii: "{")
    }
    guard (try? p.parseIdentifier("")) != nil else { return false }
    p.skipTrivia()
    return p.peek() == UInt8(ascii: "=")
  }

  mutating func parseStatement() throws(ParseError) {
    let start = pos
    if peek() == UInt8(ascii: "%") {
      var resultNames: [(String, Int)] = []
      repeat {
        skipTrivia()
        try expect("%")
        let namePos = pos
        let name = try parseValueName()
        resultNames.append((name, namePos))
        skipTrivia()
      } while consume(",")
      try expect("=")
      skipTrivia()
      for (name, namePos) in resultNames where module.graph.value(named: name) != nil {
        throw error("redefinition of value %\(name)", at: namePos)
      }
      if resultNames.count == 1, tryWord("input") {
        let name = try parseString()
        try expect(":")
        let type = try parseType()
        module.graph.addInput(name: name, type: type, valueName: resultNames[0].0)
      } else if resultNames.count == 1, tryWord("const") {
        let (constant, type) = try parseConstant(quantizedAllowed: true)
        switch constant {
        case .dense(let data): module.graph.addConstant(data, name: resultNames[0].0, type: type)
        case .elided(let digest): module.graph.addElidedConstant(digest: digest, name: resultNames[0].0, type: type)
        }
      } else {
        try parseNode(resultNames: resultNames)
      }
    } else if tryWord("output") {
      let name = try parseString()
      try expect("=")
      let value = try parseValueUse()
      module.graph.addOutput(name: name, value: value)
    } else if peek() == UInt8(ascii: "\"") || isIdentifierStart(peek()) {
      try parseNode(resultNames: [])
    } else {
      throw error("expected a statement (%name = …, or output)", at: start)
    }
  }

  mutating func parseNode(resultNames: [(String, Int)]) throws(ParseError) {
    let op: String
    if peek() == UInt8(ascii: "\"") {
      op = try parseString()
    } else {
      op = try parseIdentifier("op name")
    }
    try expect("(")
    var inputs: [ValueID?] = []
    skipTrivia()
    if !consume(")") {
      repeat {
        skipTrivia()
        if consume("_") {
          inputs.append(nil)
        } else {
          inputs.append(try parseValueUse())
        }
        skipTrivia()
      } while consume(",")
      try expect(")")
    }
    skipTrivia()
    var attributes = Attributes()
    if peek() == UInt8(ascii: "{") {
      attributes = try parseAttributeDictionary()
    }
    try expect(":")
    var types: [TensorType] = []
    skipTrivia()
    let typesPos = pos
    if consume("(") {
      try expect(")")
    } else {
      repeat {
        types.append(try parseType())
        skipTrivia()
      } while consume(",")
    }
    guard types.count == resultNames.count else {
      throw error("\(resultNames.count) result(s) but \(types.count) type(s)", at: typesPos)
    }
    var location: String?
    skipTrivia()
    if tryWord("loc") {
      try expect("(")
      location = try parseString()
      try expect(")")
    }
    module.graph.addNode(
      op: op, inputs: inputs, resultTypes: types, resultNames: resultNames.map(\.0),
      attributes: attributes, location: location)
  }

  mutating func parseValueUse() throws(ParseError) -> ValueID {
    skipTrivia()
    try expect("%")
    let namePos = pos
    let name = try parseValueName()
    guard let id = module.graph.value(named: name) else {
      throw error("use of undefined value %\(name)", at: namePos)
    }
    return id
  }

  mutating func parseValueName() throws(ParseError) -> String {
    let start = pos
    while let c = peek(), Graph.isIdentifierScalar(Unicode.Scalar(c)) { pos += 1 }
    guard pos > start else { throw error("expected a value name after '%'") }
    let name = String(decoding: UnsafeRawBufferPointer(rebasing: src[start..<pos]), as: UTF8.self)
    guard Graph.sanitize(name) == name else { throw error("value names cannot start with '.'", at: start) }
    return name
  }

  // MARK: - Attributes

  mutating func parseAttributeDictionary() throws(ParseError) -> Attributes {
    try expect("{")
    var attributes = Attributes()
    skipTrivia()
    if consume("}") { return attributes }
    repeat {
      skipTrivia()
      let namePos = pos
      let name = try parseIdentifier("attribute name")
      if attributes[name] != nil { throw error("attribute '\(name)' given twice", at: namePos) }
      try expect("=")
      attributes[name] = try parseAttributeValue()
      skipTrivia()
    } while consume(",")
    try expect("}")
    return attributes
  }

  mutating func parseAttributeValue() throws(ParseError) -> Attribute {
    skipTrivia()
    let start = pos
    if peek() == UInt8(ascii: "\"") { return .string(try parseString()) }
    if peekWord("dense") {
      let (constant, _) = try parseConstant(quantizedAllowed: false)
      guard let data = constant.data else { throw error("tensor attributes cannot be elided", at: start) }
      return .tensor(data)
    }
    if consume("[") {
      skipTrivia()
      if consume("]") {
        try expect(":")
        skipTrivia()
        let typePos = pos
        switch try parseIdentifier("list type") {
        case "i64": return .ints([])
        case "f32": return .floats([])
        case "str": return .strings([])
        case let other: throw error("unknown list type '\(other)' (expected i64, f32 or str)", at: typePos)
        }
      }
      if peek() == UInt8(ascii: "\"") {
        var strings: [String] = []
        repeat {
          skipTrivia()
          strings.append(try parseString())
          skipTrivia()
        } while consume(",")
        try expect("]")
        return .strings(strings)
      }
      var tokens: [(String, Int)] = []
      repeat {
        skipTrivia()
        tokens.append((try parseNumberToken(), pos))
        skipTrivia()
      } while consume(",")
      try expect("]")
      if tokens.allSatisfy({ Parser.isIntegerSpelling($0.0) }) {
        return .ints(tokens.map { Int64($0.0)! })
      }
      var floats: [Float] = []
      for (t, p) in tokens {
        guard let f = Float(t) else { throw error("'\(t)' is not a float", at: p) }
        floats.append(f)
      }
      return .floats(floats)
    }
    let token = try parseNumberToken()
    if Parser.isIntegerSpelling(token) {
      guard let v = Int64(token) else { throw error("integer '\(token)' out of range", at: start) }
      return .int(v)
    }
    guard let f = Float(token) else { throw error("'\(token)' is not a number", at: start) }
    return .float(f)
  }

  static func isIntegerSpelling(_ s: String) -> Bool {
    !s.contains(where: { $0 == "." || $0 == "e" || $0 == "E" || $0 == "i" || $0 == "n" })
  }

  // MARK: - Constants

  /// `dense<…> : type` or `digest<"…"> : type`.
  mutating func parseConstant(quantizedAllowed: Bool) throws(ParseError) -> (Constant, TensorType) {
    skipTrivia()
    let start = pos
    if tryWord("digest") {
      try expect("<")
      let digest = try parseString()
      try expect(">")
      try expect(":")
      let type = try parseType()
      if case .quantized = type.element, !quantizedAllowed { throw error("parameters cannot be quantized", at: start) }
      return (.elided(digest: digest), type)
    }
    try expectWord("dense")
    try expect("<")
    skipTrivia()
    enum Body { case base64(Range<Int>), literals([String]) }
    let body: Body
    if peek() == UInt8(ascii: "\"") {
      pos += 1
      let begin = pos
      while let c = peek(), c != UInt8(ascii: "\"") { pos += 1 }
      guard !atEnd else { throw error("unterminated base64 data", at: begin) }
      body = .base64(begin..<pos)
      pos += 1
    } else if consume("[") {
      var literals: [String] = []
      skipTrivia()
      if !consume("]") {
        repeat {
          skipTrivia()
          literals.append(try parseLiteralToken())
          skipTrivia()
        } while consume(",")
        try expect("]")
      }
      body = .literals(literals)
    } else {
      body = .literals([try parseLiteralToken()])
    }
    try expect(">")
    try expect(":")
    let typePos = pos
    let type = try parseType()
    if case .quantized = type.element, !quantizedAllowed { throw error("parameters cannot be quantized", at: typePos) }
    guard let shape = type.shape.staticSizes else { throw error("constants need a static shape", at: typePos) }
    let elementType = type.elementType
    guard let count = type.shape.elementCount, count <= Parser.maxConstantBytes / max(1, elementType.bitWidth / 8) else {
      throw error("constant of \(Printer.spell(type)) is larger than qcc accepts (16 GiB)", at: typePos)
    }
    switch body {
    case .base64(let range):
      let text = UnsafeRawBufferPointer(rebasing: src[range])
      let expected = elementType.byteCount(forElements: count)
      // Check the length before allocating, so a bogus shape cannot ask for terabytes.
      let padding = text.count >= 2 ? (text[text.count - 1] == UInt8(ascii: "=") ? 1 : 0) + (text[text.count - 2] == UInt8(ascii: "=") ? 1 : 0) : 0
      guard text.count % 4 == 0, text.count / 4 * 3 - padding == expected else {
        throw error("base64 data does not decode to the \(expected) bytes of \(Printer.spell(type))", at: start)
      }
      var ok = true
      let data = TensorData(elementType: elementType, shape: shape) { dst in
        ok = Base64.decode(text, into: dst)
      }
      guard ok else {
        throw error("base64 data does not decode to the \(expected) bytes of \(Printer.spell(type))", at: start)
      }
      return (.dense(data), type)
    case .literals(let literals):
      switch DenseLiteral.tensor(from: literals, type: elementType, shape: shape) {
      case .success(let data): return (.dense(data), type)
      case .failure(let e): throw error(e.message, at: start)
      }
    }
  }

  mutating func parseLiteralToken() throws(ParseError) -> String {
    skipTrivia()
    if tryWord("true") { return "true" }
    if tryWord("false") { return "false" }
    return try parseNumberToken()
  }

  // MARK: - Types

  /// `tensor<1x?x?(n)xf32>`, `tensor<*xf32>`, `tensor<f32>`, or with a `!q.uniform<…>` element.
  mutating func parseType() throws(ParseError) -> TensorType {
    skipTrivia()
    try expectWord("tensor")
    guard consume("<") else { throw error("expected '<' after 'tensor'") }
    var dims: [Dim]? = []
    while true {
      guard let c = peek() else { throw error("unterminated tensor type") }
      if c == UInt8(ascii: "*") {
        pos += 1
        dims = nil
      } else if isDigit(c) {
        let start = pos
        while let d = peek(), isDigit(d) { pos += 1 }
        guard let v = Int(String(decoding: UnsafeRawBufferPointer(rebasing: src[start..<pos]), as: UTF8.self)) else {
          throw error("dimension too large", at: start)
        }
        dims?.append(.fixed(v))
      } else if c == UInt8(ascii: "?") {
        pos += 1
        var name: String?
        if consume("(") {
          name = try parseIdentifier("dimension name")
          guard consume(")") else { throw error("expected ')' after dimension name") }
        }
        dims?.append(.symbolic(name))
      } else {
        break
      }
      guard consume("x") else { throw error("expected 'x' after a dimension") }
    }
    let element = try parseElement()
    guard consume(">") else { throw error("expected '>' to close the tensor type") }
    return TensorType(element, dims.map { Shape.ranked($0) } ?? .unranked)
  }

  mutating func parseElement() throws(ParseError) -> Element {
    let start = pos
    if consume("!") {
      try expectWord("q.uniform")
      guard consume("<") else { throw error("expected '<' after '!q.uniform'") }
      let storage = try parseElementType()
      var storageRange: ClosedRange<Int64>?
      if consume("<") {
        let rangePos = pos
        let low = try parseInteger()
        guard consume(":") else { throw error("expected ':' in the storage range") }
        let high = try parseInteger()
        guard consume(">") else { throw error("expected '>' after the storage range") }
        guard low <= high, let full = storage.integerRange, full.contains(low), full.contains(high) else {
          throw error("storage range \(low):\(high) does not fit \(storage)", at: rangePos)
        }
        storageRange = low...high
      }
      guard consume(":") else { throw error("expected ':' after the storage type") }
      let expressed = try parseElementType()
      var axis: Int?
      var group: Int?
      while consume(":") {
        let keyPos = pos
        let key = try parseIdentifier("quantization key")
        guard consume("=") else { throw error("expected '=' after '\(key)'") }
        let value = Int(try parseInteger())
        switch key {
        case "axis": axis = value
        case "group": group = value
        default: throw error("unknown quantization key '\(key)' (expected axis or group)", at: keyPos)
        }
      }
      try expect(",")
      skipTrivia()
      let granularity: QuantizedType.Granularity
      if let axis {
        try expect("#")
        let scales = try parseIdentifier("parameter name")
        guard consume(":") else { throw error("expected ':' between scale and zero-point parameters") }
        try expect("#")
        let zeroPoints = try parseIdentifier("parameter name")
        for name in [scales, zeroPoints] where module.parameters[name] == nil {
          throw error("use of undefined parameter #\(name)", at: start)
        }
        if let group {
          granularity = .perGroup(axis: axis, groupSize: group, scales: scales, zeroPoints: zeroPoints)
        } else {
          granularity = .perAxis(axis: axis, scales: scales, zeroPoints: zeroPoints)
        }
      } else {
        if group != nil { throw error("'group' needs an 'axis'", at: start) }
        let scaleToken = try parseNumberToken()
        guard let scale = Float(scaleToken) else { throw error("'\(scaleToken)' is not a scale") }
        guard consume(":") else { throw error("expected ':' between scale and zero point") }
        granularity = .perTensor(scale: scale, zeroPoint: Int(try parseInteger()))
      }
      try expect(">")
      return .quantized(QuantizedType(storage: storage, expressed: expressed, granularity: granularity, storageRange: storageRange))
    }
    return .plain(try parseElementType())
  }

  mutating func parseElementType() throws(ParseError) -> ElementType {
    let start = pos
    while let c = peek(), isAlphanumeric(c) { pos += 1 }
    let word = String(decoding: UnsafeRawBufferPointer(rebasing: src[start..<pos]), as: UTF8.self)
    guard let t = ElementType(rawValue: word) else {
      throw error("unknown element type '\(word)'", at: start)
    }
    return t
  }

  // MARK: - Lexing

  var atEnd: Bool { pos >= src.count }
  func peek() -> UInt8? { pos < src.count ? src[pos] : nil }

  func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
  func isAlphanumeric(_ c: UInt8) -> Bool {
    isDigit(c) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
  }
  func isIdentifierStart(_ c: UInt8?) -> Bool {
    guard let c else { return false }
    return (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
      || c == UInt8(ascii: "_")
  }

  /// Skips whitespace and `//` comments.
  mutating func skipTrivia() {
    while let c = peek() {
      if c == UInt8(ascii: " ") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") {
        pos += 1
      } else if c == UInt8(ascii: "/") && pos + 1 < src.count && src[pos + 1] == UInt8(ascii: "/") {
        while let d = peek(), d != UInt8(ascii: "\n") { pos += 1 }
      } else {
        return
      }
    }
  }

  mutating func consume(_ s: StaticString) -> Bool {
    let n = s.utf8CodeUnitCount
    guard pos + n <= src.count else { return false }
    for i in 0..<n where src[pos + i] != s.utf8Start[i] { return false }
    pos += n
    return true
  }

  mutating func expect(_ s: StaticString) throws(ParseError) {
    skipTrivia()
    guard consume(s) else { throw error("expected '\(s)'") }
  }

  func peekWord(_ word: StaticString) -> Bool {
    var p = self
    return p.tryWord(word)
  }

  /// Consumes `word` if it is next and not the prefix of a longer identifier.
  mutating func tryWord(_ word: StaticString) -> Bool {
    skipTrivia()
    let save = pos
    guard consume(word) else { return false }
    if let c = peek(), Graph.isIdentifierScalar(Unicode.Scalar(c)) {
      pos = save
      return false
    }
    return true
  }

  mutating func expectWord(_ word: StaticString) throws(ParseError) {
    guard tryWord(word) else { throw error("expected '\(word)'") }
  }

  /// Letters, digits, `_` and `.`, not starting with a digit or `.`.
  mutating func parseIdentifier(_ what: String) throws(ParseError) -> String {
    skipTrivia()
    let start = pos
    guard isIdentifierStart(peek()) else { throw error("expected \(what)") }
    while let c = peek(), Graph.isIdentifierScalar(Unicode.Scalar(c)) { pos += 1 }
    return String(decoding: UnsafeRawBufferPointer(rebasing: src[start..<pos]), as: UTF8.self)
  }

  mutating func parseInteger() throws(ParseError) -> Int64 {
    skipTrivia()
    let start = pos
    let token = try parseNumberToken()
    guard Parser.isIntegerSpelling(token), let v = Int64(token) else { throw error("expected an integer", at: start) }
    return v
  }

  /// A number as written: sign, digits, fraction, exponent, or `inf` / `nan`.
  mutating func parseNumberToken() throws(ParseError) -> String {
    skipTrivia()
    let start = pos
    if peek() == UInt8(ascii: "-") || peek() == UInt8(ascii: "+") { pos += 1 }
    if tryWord("inf") || tryWord("nan") {
      return String(decoding: UnsafeRawBufferPointer(rebasing: src[start..<pos]), as: UTF8.self)
    }
    while let c = peek(), isDigit(c) || c == UInt8(ascii: ".") { pos += 1 }
    if let c = peek(), c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
      pos += 1
      if peek() == UInt8(ascii: "-") || peek() == UInt8(ascii: "+") { pos += 1 }
      while let c = peek(), isDigit(c) { pos += 1 }
    }
    let token = String(decoding: UnsafeRawBufferPointer(rebasing: src[start..<pos]), as: UTF8.self)
    guard token.contains(where: \.isNumber) else { throw error("expected a number", at: start) }
    return token
  }

  mutating func parseString() throws(ParseError) -> String {
    skipTrivia()
    guard consume("\"") else { throw error("expected a string") }
    var scalars = String.UnicodeScalarView()
    var chunkStart = pos
    func flush(_ p: Parser) {
      scalars.append(contentsOf: String(decoding: UnsafeRawBufferPointer(rebasing: p.src[chunkStart..<p.pos]), as: UTF8.self).unicodeScalars)
    }
    while true {
      guard let c = peek() else { throw error("unterminated string") }
      if c == UInt8(ascii: "\"") {
        flush(self)
        pos += 1
        return String(scalars)
      }
      if c == UInt8(ascii: "\n") { throw error("newline in string") }
      if c == UInt8(ascii: "\\") {
        flush(self)
        pos += 1
        let escapePos = pos
        switch peek() {
        case UInt8(ascii: "\""): scalars.append("\"")
        case UInt8(ascii: "\\"): scalars.append("\\")
        case UInt8(ascii: "n"): scalars.append("\n")
        case UInt8(ascii: "t"): scalars.append("\t")
        case UInt8(ascii: "u"):
          pos += 1
          guard consume("{") else { throw error("expected '{' in \\u{…} escape") }
          let hexStart = pos
          while let h = peek(), h != UInt8(ascii: "}") { pos += 1 }
          let hex = String(decoding: UnsafeRawBufferPointer(rebasing: src[hexStart..<pos]), as: UTF8.self)
          guard let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v), consume("}") else {
            throw error("bad \\u{…} escape", at: escapePos)
          }
          scalars.append(scalar)
          chunkStart = pos
          continue
        default: throw error("unknown escape in string", at: escapePos)
        }
        pos += 1
        chunkStart = pos
        continue
      }
      pos += 1
    }
  }

  // MARK: - Errors

  func error(_ message: String, at offset: Int? = nil) -> ParseError {
    let at = min(offset ?? pos, src.count)
    var line = 1
    var lineStart = 0
    var i = 0
    while i < at {
      if src[i] == UInt8(ascii: "\n") {
        line += 1
        lineStart = i + 1
      }
      i += 1
    }
    var lineEnd = lineStart
    while lineEnd < src.count && src[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
    // Long lines (base64 constants) are cut so that the message stays readable.
    let shownEnd = min(lineEnd, lineStart + 200)
    let text = String(decoding: UnsafeRawBufferPointer(rebasing: src[lineStart..<shownEnd]), as: UTF8.self)
    let column = String(decoding: UnsafeRawBufferPointer(rebasing: src[lineStart..<at]), as: UTF8.self).count + 1
    return ParseError(file: file, line: line, column: column, message: message, sourceLine: text)
  }
}
