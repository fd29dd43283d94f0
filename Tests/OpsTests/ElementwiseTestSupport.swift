import QCCIR

@testable import QCCOps

/// Runs and types single elementwise nodes, and measures float errors.
enum EW {
  static func definition(_ op: String) -> OpDefinition { OpRegistry.standard[op]! }

  /// Infers `op`'s result type from operand types.
  static func infer(_ op: String, _ types: [TensorType?], attributes: [(String, Attribute)] = []) throws(OpError)
    -> TensorType
  {
    let node = Node(op: op, inputs: [], attributes: Attributes(attributes))
    let c = InferenceContext(node: node, inputTypes: types, inputValues: types.map { _ in nil }, resultCount: 1)
    return try definition(op).inferTypes(c)[0]
  }

  /// Evaluates `op` on `inputs` (nil for an omitted optional one) and checks
  /// that the result has the type inference promises for those operands.
  static func run(_ op: String, _ inputs: [TensorData?], attributes: [(String, Attribute)] = []) throws(OpError)
    -> TensorData
  {
    var g = Graph()
    let ids = inputs.enumerated().map { i, t in t.map { g.addInput(name: "x\(i)", type: $0.type) } }
    let node = Node(op: op, inputs: [], attributes: Attributes(attributes))
    let c = InferenceContext(node: node, inputTypes: inputs.map { $0?.type }, inputValues: inputs, resultCount: 1)
    let type = try definition(op).inferTypes(c)[0]
    let n = g.addNode(op: op, inputs: ids, resultTypes: [type], attributes: Attributes(attributes))
    let out = try definition(op).evaluate(EvaluationContext(node: g[n], inputs: inputs))
    precondition(
      out.count == 1 && type.isCompatible(with: out[0].type), "\(op): produced \(out[0].type), inference said \(type)")
    return out[0]
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

  static func f32(_ shape: [Int], _ values: [Float]) -> TensorData { TensorData(shape: shape, scalars: values) }

  /// A deterministic pseudo-random f32 tensor with values in [-scale, scale).
  static func random(_ shape: [Int], seed: UInt64, scale: Float = 4) -> TensorData {
    var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    let values = (0..<shape.reduce(1, *)).map { _ -> Float in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
    }
    return TensorData(shape: shape, scalars: values)
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

  /// The flat position in `shape` (right-aligned, size-1 dims broadcast) of an index into a larger broadcast shape.
  static func broadcastFlat(_ index: [Int], _ shape: [Int]) -> Int {
    let offset = index.count - shape.count
    var flat = 0
    for d in shape.indices { flat = flat * shape[d] + (shape[d] == 1 ? 0 : index[d + offset]) }
    return flat
  }

  /// How many units in the last place of `ref` (rounded to float) `got` is away from `ref`;
  /// 0 when both are NaN or the same infinity.
  static func ulps(_ got: Float, _ ref: Double) -> Double {
    if ref.isNaN { return got.isNaN ? 0 : .infinity }
    let r = Float(ref)
    if r.isInfinite { return got == r ? 0 : .infinity }
    let ulp = max(Double(r.magnitude.ulp), Double(Float.leastNonzeroMagnitude))
    return abs(Double(got) - ref) / ulp
  }
}
