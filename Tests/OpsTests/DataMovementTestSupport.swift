import QCCIR
@testable import QCCOps

/// Runs and types single data-movement nodes, and computes naive references.
enum DM {
  static func definition(_ op: String) -> OpDefinition { OpRegistry.standard[op]! }

  /// Infers `op`'s result types from operand types, with `values` for the constant operands.
  static func infer(
    _ op: String, _ types: [TensorType?], values: [TensorData?] = [], attributes: [(String, Attribute)] = [],
    results: Int = 1
  ) throws(OpError) -> [TensorType] {
    let node = Node(op: op, inputs: [], attributes: Attributes(attributes))
    let padded = values + [TensorData?](repeating: nil, count: max(0, types.count - values.count))
    let c = InferenceContext(node: node, inputTypes: types, inputValues: padded, resultCount: results)
    return try definition(op).inferTypes(c)
  }

  /// Evaluates `op` on `inputs` in a one-node graph with `results` results,
  /// checking that the results have the types inference promises.
  static func run(
    _ op: String, _ inputs: [TensorData?], attributes: [(String, Attribute)] = [], results: Int = 1
  ) throws(OpError) -> [TensorData] {
    var g = Graph()
    let ids = inputs.enumerated().map { i, t in t.map { g.addInput(name: "x\(i)", type: $0.type) } }
    let types = try infer(op, inputs.map { $0?.type }, values: inputs, attributes: attributes, results: results)
    let n = g.addNode(op: op, inputs: ids, resultTypes: types, attributes: Attributes(attributes))
    let out = try definition(op).evaluate(EvaluationContext(node: g[n], inputs: inputs))
    precondition(out.count == types.count, "\(op): \(out.count) results, inference said \(types.count)")
    for (t, r) in zip(types, out) {
      precondition(t.isCompatible(with: r.type), "\(op): produced \(r.type), inference said \(t)")
    }
    return out
  }

  static func f32(_ shape: [Int], _ values: [Float]) -> TensorData { TensorData(shape: shape, scalars: values) }
  static func i64(_ values: [Int]) -> TensorData { TensorData(shape: [values.count], scalars: values.map(Int64.init)) }

  /// A tensor of `shape` whose elements are 0, 1, 2, … (mod 251) converted to `type`; bools mix true and false.
  static func iota(_ shape: [Int], _ type: ElementType = .f32) -> TensorData {
    let n = shape.reduce(1, *)
    return TensorData(converting: (0..<n).map { Double(type == .bool ? $0 % 3 / 2 : $0 % 251) }, to: type, shape: shape)
  }

  /// The multi-index of flat position `i` in `shape`.
  static func unflatten(_ i: Int, _ shape: [Int]) -> [Int] {
    var rest = i
    var index = [Int](repeating: 0, count: shape.count)
    for d in stride(from: shape.count - 1, through: 0, by: -1) {
      index[d] = rest % shape[d]
      rest /= shape[d]
    }
    return index
  }

  static func flatten(_ index: [Int], _ shape: [Int]) -> Int {
    var flat = 0
    for d in shape.indices { flat = flat * shape[d] + index[d] }
    return flat
  }

  /// Element-by-element reference: result element at each index of `shape`
  /// is `x`'s element at `source(index)`.
  static func reference(_ x: TensorData, shape: [Int], source: ([Int]) -> [Int]) -> [Double] {
    let v = x.doubles()
    return (0..<shape.reduce(1, *)).map { v[flatten(source(unflatten($0, shape)), x.shape)] }
  }
}

extension DM {
  /// The message of the OpError `body` throws, or nil when it does not throw.
  static func message(_ body: () throws(OpError) -> Any) -> String? {
    do {
      _ = try body()
      return nil
    } catch {
      return error.message
    }
  }
}
