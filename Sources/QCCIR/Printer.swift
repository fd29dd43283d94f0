/// Prints a module in the `.qir` text form (see docs/ir.md).
///
/// Output is deterministic: inputs, constants and nodes print in definition
/// order, attributes and parameters sorted by name, and floats in Swift's
/// shortest round-trip spelling, so `print(parse(print(m))) == print(m)`.
public struct Printer {
  public struct Options: Sendable {
    /// Print a SHA-256 digest instead of the data of constants with more than
    /// `elisionThreshold` elements (splats always print in full: they are short).
    public var elideConstants = false
    public var elisionThreshold = 16
    /// Print `loc("…")` suffixes.
    public var printLocations = true
    public init(elideConstants: Bool = false) { self.elideConstants = elideConstants }
  }

  /// The format version on the first line of every `.qir` file.
  public static let formatVersion = 1
  /// Constants with at most this many elements print as a readable list.
  static let listThreshold = 16

  var options: Options
  var out: [UInt8] = []

  public init(options: Options = Options()) { self.options = options }

  /// The text form of `module`.
  public static func print(_ module: Module, options: Options = Options()) -> String {
    String(decoding: bytes(module, options: options), as: UTF8.self)
  }

  /// The text form of `module`, as UTF-8 bytes (what `-o file.qir` writes).
  public static func bytes(_ module: Module, options: Options = Options()) -> [UInt8] {
    var p = Printer(options: options)
    p.printModule(module)
    return p.out
  }

  /// The type's spelling, e.g. `tensor<1x4xf32>`.
  public static func spell(_ type: TensorType) -> String {
    var p = Printer()
    p.printType(type)
    return String(decoding: p.out, as: UTF8.self)
  }

  /// `!q.uniform<i8:f32, 0.5:0>`: a quantized element alone (attributes that
  /// name one; `Parser.parseQuantizedElement` reads it back).
  public static func spell(_ element: QuantizedType) -> String {
    String(spell(TensorType(.quantized(element), Shape([]))).dropFirst("tensor<".count).dropLast())
  }

  // MARK: - Structure

  mutating func printModule(_ module: Module) {
    write("qir \(Printer.formatVersion)\n")
    for name in module.parameters.keys.sorted() {
      write("#\(name) = ")
      printConstant(module.parameters[name]!, type: nil)
      write("\n")
    }
    write("module @\(module.name) ")
    if !module.metadata.isEmpty {
      printAttributes(module.metadata)
      write(" ")
    }
    write("{\n")
    let g = module.graph
    for input in g.inputs {
      guard case .input(let name) = g[input].definition else { continue }
      write("  %\(g[input].name) = input ")
      printString(name)
      write(" : ")
      printType(g[input].type)
      write("\n")
    }
    for c in g.constants {
      guard case .constant(let constant) = g[c].definition else { continue }
      write("  %\(g[c].name) = const ")
      printConstant(constant, type: g[c].type)
      write("\n")
    }
    for id in g.nodeOrder {
      printNode(g[id], in: g)
    }
    for output in g.outputs {
      write("  output ")
      printString(output.name)
      write(" = %\(g[output.value].name)\n")
    }
    write("}\n")
  }

  mutating func printNode(_ node: Node, in g: Graph) {
    write("  ")
    if !node.results.isEmpty {
      write(node.results.map { "%" + g[$0].name }.joined(separator: ", "))
      write(" = ")
    }
    if Printer.isBareOpName(node.op) {
      write(node.op)
    } else {
      printString(node.op)
    }
    write("(")
    write(node.inputs.map { $0.map { "%" + g[$0].name } ?? "_" }.joined(separator: ", "))
    write(")")
    if !node.attributes.isEmpty {
      write(" ")
      printAttributes(node.attributes)
    }
    write(" : ")
    for (i, r) in node.results.enumerated() {
      if i > 0 { write(", ") }
      printType(g[r].type)
    }
    if node.results.isEmpty { write("()") }
    if options.printLocations, let loc = node.location {
      write(" loc(")
      printString(loc)
      write(")")
    }
    write("\n")
  }

  /// Words the parser reads as statement keywords; ops with these names print quoted.
  static let keywords: Set<String> = ["input", "const", "output"]

  static func isBareOpName(_ op: String) -> Bool {
    guard let first = op.unicodeScalars.first, !keywords.contains(op),
      (first >= "a" && first <= "z") || (first >= "A" && first <= "Z") || first == "_"
    else { return false }
    return op.unicodeScalars.allSatisfy(Graph.isIdentifierScalar)
  }

  // MARK: - Attributes

  mutating func printAttributes(_ attributes: Attributes) {
    write("{")
    for (i, (name, value)) in attributes.entries.enumerated() {
      if i > 0 { write(", ") }
      write(name)
      write(" = ")
      printAttribute(value)
    }
    write("}")
  }

  mutating func printAttribute(_ attribute: Attribute) {
    switch attribute {
    case .int(let v): write(String(v))
    case .float(let v): write(Printer.spell(v))
    case .string(let s): printString(s)
    case .ints(let v): printList(v.map { String($0) }, emptyType: "i64")
    case .floats(let v): printList(v.map { Printer.spell($0) }, emptyType: "f32")
    case .strings(let v):
      if v.isEmpty {
        write("[] : str")
      } else {
        write("[")
        for (i, s) in v.enumerated() {
          if i > 0 { write(", ") }
          printString(s)
        }
        write("]")
      }
    case .tensor(let t): printConstant(.dense(t), type: t.type, elide: false)
    }
  }

  mutating func printList(_ items: [String], emptyType: String) {
    if items.isEmpty {
      write("[] : \(emptyType)")
    } else {
      write("[" + items.joined(separator: ", ") + "]")
    }
  }

  // MARK: - Types

  mutating func printType(_ type: TensorType) {
    write("tensor<")
    switch type.shape {
    case .unranked: write("*x")
    case .ranked(let dims):
      for d in dims {
        write(d.description)
        write("x")
      }
    }
    printElement(type.element)
    write(">")
  }

  mutating func printElement(_ element: Element) {
    switch element {
    case .plain(let t): write(t.rawValue)
    case .quantized(let q):
      write("!q.uniform<\(q.storage)")
      if let r = q.storageRange { write("<\(r.lowerBound):\(r.upperBound)>") }
      write(":\(q.expressed)")
      switch q.granularity {
      case .perTensor(let scale, let zp):
        write(", \(Printer.spell(scale)):\(zp)>")
      case .perAxis(let axis, let s, let z):
        write(":axis=\(axis), #\(s):#\(z)>")
      case .perGroup(let axis, let size, let s, let z):
        write(":axis=\(axis):group=\(size), #\(s):#\(z)>")
      }
    }
  }

  // MARK: - Constants

  /// `dense<…> : type` or `digest<…> : type`. `type` defaults to the data's own.
  mutating func printConstant(_ constant: Constant, type: TensorType?, elide: Bool? = nil) {
    switch constant {
    case .elided(let digest):
      write("digest<")
      printString(digest)
      write(">")
      if let type {
        write(" : ")
        printType(type)
      }
      return
    case .dense(let data):
      let count = data.elementCount
      if count != 1, let splat = DenseLiteral.splatSpelling(data) {
        write("dense<\(splat)>")
      } else if count <= Printer.listThreshold, let items = DenseLiteral.elementSpellings(data) {
        if data.shape.isEmpty {
          write("dense<\(items[0])>")
        } else {
          write("dense<[" + items.joined(separator: ", ") + "]>")
        }
      } else if elide ?? options.elideConstants, count > options.elisionThreshold {
        write("digest<")
        printString(SHA256.digest(data.bytes).hexString(prefix: "sha256:"))
        write(">")
      } else {
        write("dense<\"")
        Base64.encode(data.bytes, into: &out)
        write("\">")
      }
      write(" : ")
      printType(type ?? data.type)
    }
  }

  // MARK: - Scalars

  /// Shortest spelling that parses back to the same Float.
  static func spell(_ v: Float) -> String { v.description }

  mutating func printString(_ s: String) {
    out.append(UInt8(ascii: "\""))
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": write("\\\"")
      case "\\": write("\\\\")
      case "\n": write("\\n")
      case "\t": write("\\t")
      case _ where scalar.value < 0x20 || scalar.value == 0x7F:
        write("\\u{\(String(scalar.value, radix: 16))}")
      default: out.append(contentsOf: String(scalar).utf8)
      }
    }
    out.append(UInt8(ascii: "\""))
  }

  mutating func write(_ s: String) { out.append(contentsOf: s.utf8) }
}
