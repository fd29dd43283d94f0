/// Type rules for ops, supplied by the module that knows the ops (QCCOps).
///
/// QCCIR knows no op; the verifier asks these rules for the result types a
/// node must have. Ops the rules do not know (plugin ops) are checked for
/// structure only.
public protocol OpTypeRules: Sendable {
  /// The result types `node` produces from its operands' types and constant
  /// operands; nil when the op is unknown. Throws a message when the operands
  /// are invalid for the op.
  func resultTypes(of node: Node, in graph: Graph) throws -> [TensorType]?
}

/// Everything the verifier found wrong, one line per problem.
public struct VerificationError: Error, CustomStringConvertible, Sendable {
  public var problems: [String]
  public var description: String {
    "IR verification failed:\n" + problems.map { "  " + $0 }.joined(separator: "\n")
  }
}

/// Checks the contract every pass must keep (design.md, "IR"):
/// SSA (each operand defined before use, in topological order), live values
/// only, constants whose data matches their type, quantized types whose
/// parameters exist and fit, and — given op rules — result types that agree
/// with the ops.
public enum Verifier {
  public static func verify(_ module: Module, rules: (any OpTypeRules)? = nil) throws(VerificationError) {
    var problems: [String] = []
    let g = module.graph
    func check(_ type: TensorType, of value: ValueID) {
      guard case .quantized(let q) = type.element else { return }
      for name in q.parameterNames where module.parameters[name] == nil {
        problems.append("%\(g[value].name): quantized type refers to undefined parameter #\(name)")
      }
      switch q.granularity {
      case .perTensor: break
      case .perAxis(let axis, let s, _), .perGroup(let axis, _, let s, _):
        guard let rank = type.shape.rank else { break }
        guard axis >= 0 && axis < rank else {
          problems.append("%\(g[value].name): quantization axis \(axis) is out of range for rank \(rank)")
          break
        }
        if case .perAxis = q.granularity, let n = type.shape.dims?[axis].value,
          let scales = module.parameters[s]?.data, scales.elementCount != n
        {
          problems.append("%\(g[value].name): #\(s) has \(scales.elementCount) scales for \(n) channels")
        }
      }
    }

    var defined = Set<ValueID>()
    for input in g.inputs {
      defined.insert(input)
      check(g[input].type, of: input)
    }
    for c in g.constants {
      defined.insert(c)
      check(g[c].type, of: c)
      if let data = g.constantData(c) {
        let type = g[c].type
        if type.elementType != data.elementType || type.shape != Shape(data.shape) {
          problems.append(
            "%\(g[c].name): constant data is \(Printer.spell(data.type)) but the value is typed \(Printer.spell(type))")
        }
      }
    }
    for id in g.nodeOrder {
      let node = g[id]
      let at = g.describe(id)
      for (i, input) in node.inputs.enumerated() {
        guard let input else { continue }
        if !g[input].isLive {
          problems.append("\(at): operand \(i) is an erased value")
        } else if !defined.contains(input) {
          problems.append("\(at): operand \(i) %\(g[input].name) is used before it is defined")
        }
      }
      for r in node.results {
        defined.insert(r)
        check(g[r].type, of: r)
      }
      guard let rules else { continue }
      do {
        guard let inferred = try rules.resultTypes(of: node, in: g) else { continue }
        guard inferred.count == node.results.count else {
          problems.append("\(at): has \(node.results.count) results but the op produces \(inferred.count)")
          continue
        }
        for (r, expected) in zip(node.results, inferred) where !g[r].type.isCompatible(with: expected) {
          problems.append(
            "\(at): result %\(g[r].name) is typed \(Printer.spell(g[r].type)) but the op produces \(Printer.spell(expected))")
        }
      } catch {
        problems.append("\(at): \(error)")
      }
    }
    for (name, value) in g.outputs where !g[value].isLive {
      problems.append("output \"\(name)\" is an erased value")
    }
    if !problems.isEmpty { throw VerificationError(problems: problems) }
  }
}

extension TensorType {
  /// True when the two types can describe the same tensor: same plain
  /// element type (quantized elements compare by storage), and shapes that
  /// agree wherever both are known.
  public func isCompatible(with other: TensorType) -> Bool {
    guard element.storage == other.element.storage else { return false }
    guard let a = shape.dims, let b = other.shape.dims else { return true }
    guard a.count == b.count else { return false }
    for (x, y) in zip(a, b) {
      if let x = x.value, let y = y.value, x != y { return false }
    }
    return true
  }
}

extension Graph {
  /// How errors name a node: `node 'encoder/MatMul' (MatMul)`, using the
  /// ONNX node name when there is one, else its first result.
  public func describe(_ node: NodeID) -> String {
    let n = self[node]
    if let loc = n.location, !loc.isEmpty { return "node '\(loc)' (\(n.op))" }
    if let r = n.results.first { return "node %\(self[r].name) (\(n.op))" }
    return "node #\(node.index) (\(n.op))"
  }
}
