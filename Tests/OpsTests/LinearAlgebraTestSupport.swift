import Testing
import QCCIR
@testable import QCCOps

/// Runs one linear-algebra op the way the interpreter does: infers its result
/// types from the operands' types (constants where given), evaluates it, and
/// checks that every result is compatible with what inference promised.
enum LinAlgTest {
  /// An operand: a graph input (only its type is known to inference) or a constant (its data is known).
  enum Operand {
    case input(TensorData)
    case constant(TensorData)
    case omitted

    var data: TensorData? {
      switch self {
      case .input(let t), .constant(let t): t
      case .omitted: nil
      }
    }
  }

  static func run(
    _ op: String, _ operands: [Operand], _ attributes: [(String, Attribute)] = [], results: Int = 1
  ) throws -> [TensorData] {
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
    let node = g[id]
    let inferred = try OpRegistry.standard.inferTypes(of: node, in: g)
    let definition = try #require(OpRegistry.standard[op])
    let out = try definition.evaluate(EvaluationContext(node: node, inputs: operands.map(\.data)))
    #expect(out.count == results)
    for (t, type) in zip(out, inferred) {
      #expect(type.isCompatible(with: t.type), "\(op): produced \(Printer.spell(t.type)), inferred \(Printer.spell(type))")
    }
    return out
  }

  /// The single result of `op` on graph-input operands.
  static func one(_ op: String, _ inputs: [TensorData?], _ attributes: [(String, Attribute)] = []) throws -> TensorData {
    try run(op, inputs.map { $0.map(Operand.input) ?? .omitted }, attributes)[0]
  }

  /// The error message `op` throws (at inference or evaluation), or nil.
  static func error(_ op: String, _ operands: [Operand], _ attributes: [(String, Attribute)] = []) -> String? {
    do {
      _ = try run(op, operands, attributes)
      return nil
    } catch let e as OpError {
      return e.message
    } catch {
      return "\(error)"
    }
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

  static func f32(_ shape: [Int], _ values: [Float]) -> TensorData { TensorData(shape: shape, scalars: values) }
  static func i64(_ values: [Int64]) -> TensorData { TensorData(shape: [values.count], scalars: values) }

  /// Checks `actual` against `expected` elementwise: |a − e| ≤ atol + rtol·|e|.
  static func expectClose(
    _ actual: TensorData, _ expected: [Double], shape: [Int]? = nil, rtol: Double = 1e-5, atol: Double = 1e-6,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    if let shape { #expect(actual.shape == shape, sourceLocation: sourceLocation) }
    let a = actual.doubles()
    #expect(a.count == expected.count, sourceLocation: sourceLocation)
    var worst = 0.0, at = -1
    for (i, (x, e)) in zip(a, expected).enumerated() {
      if x == e || (x.isNaN && e.isNaN) { continue }
      let excess = abs(x - e) - (atol + rtol * abs(e))
      if !(excess <= 0) && (at < 0 || excess > worst || excess.isNaN) { worst = excess; at = i }
    }
    #expect(at < 0, "element \(at) is \(at >= 0 ? a[at] : 0), expected \(at >= 0 ? expected[at] : 0)", sourceLocation: sourceLocation)
  }

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
}
