import QCCIR
import QCCKernels

#if canImport(Glibc)
import Glibc
#endif

/// Why the interpreter could not run a module.
public struct InterpreterError: Error, CustomStringConvertible, Sendable {
  public enum Kind: Sendable {
    /// The module or the inputs are at fault (exit code 1).
    case badInput
    /// qcc itself is at fault: an op produced something other than it promised (exit code 2).
    case internalError
  }
  public var kind: Kind
  public var message: String
  public var description: String { message }

  static func badInput(_ message: String) -> InterpreterError { InterpreterError(kind: .badInput, message: message) }
}

/// The float reference interpreter: runs a module node by node on the ops'
/// `evaluate` functions (whose f32 paths are the shared C kernels).
///
/// It is the engine of calibration and the reference for error measurement.
/// Intermediate tensors are released after their last use, so peak memory
/// stays near the largest live set rather than the sum of all values.
public struct Interpreter: Sendable {

  struct Step: Sendable {
    var node: NodeID
    var definition: OpDefinition
    /// The operands' and results' IR types (quantization lives there).
    var inputTypes: [TensorType?]
    var resultTypes: [TensorType]
    /// Values whose last read is this step; released after it runs.
    var releases: [ValueID]
  }

  public let module: Module
  let steps: [Step]

  /// Prepares `module` for running. Fails listing every op the registry does not know,
  /// and every constant whose data was elided.
  public init(_ module: Module, registry: OpRegistry = .standard) throws(InterpreterError) {
    let g = module.graph
    var unknown: [String: [String]] = [:]
    var steps: [Step] = []
    let order = g.nodeOrder
    var lastUse: [ValueID: Int] = [:]
    for (i, id) in order.enumerated() {
      for input in g[id].presentInputs { lastUse[input] = i }
    }
    var releases = [[ValueID]](repeating: [], count: order.count)
    for (value, step) in lastUse where !g.isGraphOutput(value) && !g.isConstant(value) {
      releases[step].append(value)
    }
    for (i, id) in order.enumerated() {
      let node = g[id]
      guard let definition = registry[node.op] else {
        unknown[node.op, default: []].append(g.describe(id))
        continue
      }
      // Results nobody reads are released right away.
      let unread = node.results.filter { g[$0].uses.isEmpty }
      steps.append(Step(
        node: id, definition: definition, inputTypes: node.inputs.map { $0.map { g[$0].type } },
        resultTypes: node.results.map { g[$0].type }, releases: releases[i] + unread))
    }
    if !unknown.isEmpty {
      let list = unknown.keys.sorted().map { "\($0) (\(unknown[$0]!.joined(separator: ", ")))" }
      throw .badInput("the interpreter does not support: \(list.joined(separator: "; "))")
    }
    let elided = g.constants.filter { g.constantData($0) == nil }
    if !elided.isEmpty {
      throw .badInput(
        "constants were elided from this module, so it cannot run: "
          + elided.prefix(5).map { "%" + g[$0].name }.joined(separator: ", ") + (elided.count > 5 ? ", …" : ""))
    }
    self.module = module
    self.steps = steps
  }

  /// Runs the module on `feeds` (by input name) and returns its outputs in order.
  ///
  /// `observe`, when given, sees every node result as it is computed (calibration
  /// records statistics through it); `timeNode` gets each node's wall time in
  /// seconds (`qcc run --profile`).
  public func run(
    _ feeds: [String: TensorData], observe: ((ValueID, TensorData) -> Void)? = nil,
    timeNode: ((NodeID, Double) -> Void)? = nil
  ) throws(InterpreterError) -> [(name: String, value: TensorData)] {
    let g = module.graph
    var values = [TensorData?](repeating: nil, count: g.values.count)
    try bindInputs(feeds, into: &values)
    for c in g.constants { values[c.index] = g.constantData(c) }

    for step in steps {
      let node = g[step.node]
      let inputs = node.inputs.map { $0.flatMap { values[$0.index] } }
      let results: [TensorData]
      let start = timeNode == nil ? 0 : Interpreter.now()
      do {
        results = try step.definition.evaluate(EvaluationContext(
          node: node, inputs: inputs, inputTypes: step.inputTypes, resultTypes: step.resultTypes,
          parameters: g.parameters))
      } catch {
        throw .badInput("\(g.describe(step.node)): \(error)")
      }
      if let timeNode { timeNode(step.node, Interpreter.now() - start) }
      guard results.count == node.results.count else {
        throw InterpreterError(
          kind: .internalError,
          message: "\(g.describe(step.node)): produced \(results.count) results, expected \(node.results.count)")
      }
      for (value, tensor) in zip(node.results, results) {
        let declared = g[value].type
        guard declared.isCompatible(with: tensor.type) else {
          throw InterpreterError(
            kind: .internalError,
            message: "\(g.describe(step.node)): produced \(Printer.spell(tensor.type)) for %\(g[value].name), "
              + "which is typed \(Printer.spell(declared))")
        }
        values[value.index] = tensor
        observe?(value, tensor)
      }
      for r in step.releases { values[r.index] = nil }
    }
    return g.outputs.map { ($0.name, values[$0.value.index]!) }
  }

  static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
  }

  /// Checks feeds against the declared inputs: every input present, no unknown
  /// names, element types equal, and static dims (and same-named symbolic dims) agreeing.
  func bindInputs(_ feeds: [String: TensorData], into values: inout [TensorData?]) throws(InterpreterError) {
    let g = module.graph
    var names: [String] = []
    var symbols: [String: (Int, String)] = [:]
    for input in g.inputs {
      guard case .input(let name) = g[input].definition else { continue }
      names.append(name)
      guard let tensor = feeds[name] else {
        throw .badInput("missing input '\(name)' (\(Printer.spell(g[input].type)))")
      }
      let declared = g[input].type
      let mismatch = InterpreterError.badInput(
        "input '\(name)': expected \(Printer.spell(declared)), got \(Printer.spell(tensor.type))")
      guard tensor.elementType == declared.elementType else { throw mismatch }
      if let dims = declared.shape.dims {
        guard dims.count == tensor.shape.count else { throw mismatch }
        for (d, n) in zip(dims, tensor.shape) {
          switch d {
          case .fixed(let v) where v != n: throw mismatch
          case .symbolic(let symbol?):
            if let (bound, by) = symbols[symbol], bound != n {
              throw .badInput("input '\(name)': dimension '\(symbol)' is \(n), but input '\(by)' gave it \(bound)")
            }
            symbols[symbol] = (n, name)
          default: break
          }
        }
      }
      values[input.index] = tensor
    }
    for name in feeds.keys.sorted() where !names.contains(name) {
      throw .badInput("unknown input '\(name)'; the model's inputs are: \(names.joined(separator: ", "))")
    }
  }
}
