import QCCIR
import Testing

@testable import QCCOps

/// Runs single op nodes the way the interpreter does, makes test tensors, and
/// compares results with independently computed references.
enum OpsTest {
  /// An operand of a test node.
  enum Operand {
    /// A graph input: inference sees only its type.
    case input(TensorData)
    /// A constant: inference sees its data too.
    case constant(TensorData)
    /// An omitted optional operand.
    case omitted

    var data: TensorData? {
      switch self {
      case .input(let t), .constant(let t): t
      case .omitted: nil
      }
    }
  }

  static func definition(_ op: String) -> OpDefinition { OpRegistry.standard[op]! }

  // MARK: - Running ops

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

  /// A graph of one `op` node reading `operands` (inputs x0, x1…, constants c0, c1…), with `results` untyped results.
  static func oneNodeGraph(
    _ op: String, _ operands: [Operand], attributes: [(String, Attribute)], results: Int
  ) -> (Graph, NodeID) {
    var g = Graph()
    var ids: [ValueID?] = []
    for (i, o) in operands.enumerated() {
      switch o {
      case .input(let t): ids.append(g.addInput(name: "x\(i)", type: t.type))
      case .constant(let t): ids.append(g.addConstant(t, name: "c\(i)"))
      case .omitted: ids.append(nil)
      }
    }
    let id = g.addNode(
      op: op, inputs: ids, resultTypes: [TensorType](repeating: TensorType(.f32, .unranked), count: results),
      attributes: Attributes(attributes))
    return (g, id)
  }

  /// Evaluates `op` in a one-node graph with `results` results: infers its
  /// result types as the interpreter does (from the operands' types and the
  /// constants' data), evaluates it, and checks that every result has the
  /// type inference promised.
  static func run(
    _ op: String, _ operands: [Operand], attributes: [(String, Attribute)] = [], results: Int = 1
  ) throws(OpError) -> [TensorData] {
    let (g, id) = oneNodeGraph(op, operands, attributes: attributes, results: results)
    let node = g[id]
    let inferred = try OpRegistry.standard.inferTypes(of: node, in: g)
    let out = try definition(op).evaluate(EvaluationContext(node: node, inputs: operands.map(\.data)))
    #expect(out.count == inferred.count, "\(op): \(out.count) results, inference said \(inferred.count)")
    for (t, type) in zip(out, inferred) {
      #expect(
        type.isCompatible(with: t.type), "\(op): produced \(Printer.spell(t.type)), inferred \(Printer.spell(type))")
    }
    return out
  }

  /// `run` with every present operand a constant, so that inference sees all the data.
  static func run(
    _ op: String, _ inputs: [TensorData?], attributes: [(String, Attribute)] = [], results: Int = 1
  ) throws(OpError) -> [TensorData] {
    try run(op, inputs.map { $0.map(Operand.constant) ?? .omitted }, attributes: attributes, results: results)
  }

  /// The single result of `op` on constant operands.
  static func one(_ op: String, _ inputs: [TensorData?], attributes: [(String, Attribute)] = []) throws(OpError)
    -> TensorData
  {
    try run(op, inputs, attributes: attributes)[0]
  }

  /// The message of the OpError `body` throws, or nil when it does not throw.
  static func message(_ body: () throws(OpError) -> Any) -> String? {
    do {
      _ = try body()
      return nil
    } catch {
      return error.message
    }
  }

  /// The message of the OpError `op` throws (at inference or evaluation), or nil.
  static func error(_ op: String, _ operands: [Operand], attributes: [(String, Attribute)] = []) -> String? {
    message { () throws(OpError) in try run(op, operands, attributes: attributes) }
  }

  // MARK: - Test tensors

  static func f32(_ shape: [Int], _ values: [Float]) -> TensorData { TensorData(shape: shape, scalars: values) }

  /// A 1-D i64 tensor of `values`.
  static func i64<I: BinaryInteger>(_ values: [I]) -> TensorData {
    TensorData(shape: [values.count], scalars: values.map { Int64($0) })
  }

  /// Deterministic pseudo-random f32 data in [-scale, scale).
  static func random(_ shape: [Int], seed: UInt32 = 1, scale: Float = 1) -> TensorData {
    var s = seed &* 2_654_435_761 &+ 12345
    let values = (0..<shape.reduce(1, *)).map { _ -> Float in
      s = s &* 1_664_525 &+ 1_013_904_223
      return (Float(s >> 8) / Float(1 << 24) * 2 - 1) * scale
    }
    return TensorData(shape: shape, scalars: values)
  }

  /// A tensor of `shape` whose elements are 0, 1, 2, … (mod 251) converted to `type`; bools mix true and false.
  static func iota(_ shape: [Int], _ type: ElementType = .f32) -> TensorData {
    let n = shape.reduce(1, *)
    return TensorData(converting: (0..<n).map { Double(type == .bool ? $0 % 3 / 2 : $0 % 251) }, to: type, shape: shape)
  }

  // MARK: - Indexing

  /// Row-major strides.
  static func strides(_ shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    for i in stride(from: shape.count - 2, through: 0, by: -1) { s[i] = s[i + 1] * shape[i + 1] }
    return s
  }

  /// Every index of `shape`, row-major.
  static func indices(_ shape: [Int]) -> [[Int]] {
    var out: [[Int]] = [[]]
    for n in shape { out = out.flatMap { prefix in (0..<n).map { prefix + [$0] } } }
    return out
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

  /// The flat position in `shape` of `index`, which may index a larger shape
  /// that `shape` broadcasts to (right-aligned, size-1 dims read at 0).
  static func flatIndex(_ index: [Int], _ shape: [Int]) -> Int {
    let offset = index.count - shape.count
    var flat = 0
    for d in shape.indices { flat = flat * shape[d] + (shape[d] == 1 ? 0 : index[d + offset]) }
    return flat
  }

  /// Element-by-element reference: result element at each index of `shape`
  /// is `x`'s element at `source(index)`.
  static func reference(_ x: TensorData, shape: [Int], source: ([Int]) -> [Int]) -> [Double] {
    let v = x.doubles()
    return (0..<shape.reduce(1, *)).map { v[flatIndex(source(unflatten($0, shape)), x.shape)] }
  }

  // MARK: - Comparing

  /// How many units in the last place of `ref` (rounded to float) `got` is away from `ref`;
  /// 0 when both are NaN or the same infinity.
  static func ulps(_ got: Float, _ ref: Double) -> Double {
    if ref.isNaN { return got.isNaN ? 0 : .infinity }
    let r = Float(ref)
    if r.isInfinite { return got == r ? 0 : .infinity }
    let ulp = max(Double(r.magnitude.ulp), Double(Float.leastNonzeroMagnitude))
    return abs(Double(got) - ref) / ulp
  }

  /// Checks `actual` against `expected` elementwise: |a − e| ≤ atol + rtol·|e|.
  static func expectClose(
    _ actual: TensorData, _ expected: [Double], shape: [Int]? = nil, rtol: Double = 1e-5, atol: Double = 1e-6,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    if let shape { #expect(actual.shape == shape, sourceLocation: sourceLocation) }
    let a = actual.doubles()
    #expect(a.count == expected.count, sourceLocation: sourceLocation)
    var worst = 0.0
    var at = -1
    for (i, (x, e)) in zip(a, expected).enumerated() {
      if x == e || (x.isNaN && e.isNaN) { continue }
      let excess = abs(x - e) - (atol + rtol * abs(e))
      if !(excess <= 0) && (at < 0 || excess > worst || excess.isNaN) {
        worst = excess
        at = i
      }
    }
    #expect(
      at < 0, "element \(at) is \(at >= 0 ? a[at] : 0), expected \(at >= 0 ? expected[at] : 0)",
      sourceLocation: sourceLocation)
  }
}
