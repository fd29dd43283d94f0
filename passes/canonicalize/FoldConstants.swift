import QCCIR
import QCCOps
import QCCPass

/// Evaluates nodes whose value is known at compile time and replaces them by
/// constants:
///
/// - nodes whose operands are all constants (run by the float interpreter's
///   own op implementations, so folding and running agree bit for bit);
/// - `Shape` and `Size` of values whose dims are static, and `Gather` of a
///   `Shape` where the selected dims are static.
///
/// One sweep in topological order folds whole chains, so the shape
/// subgraphs PyTorch exports (Shape → Gather → Unsqueeze → Concat → Reshape)
/// collapse into the constant shape they compute:
///
///     %s = Shape(%x) : tensor<3xi64>               // %x : tensor<1x197x192xf32>
///     %d = Gather(%s, %zero) {axis = 0} : tensor<i64>
///     %u = Unsqueeze(%d, %axes0) : tensor<1xi64>
///     %c = Concat(%u, %minus1) {axis = 0} : tensor<2xi64>
///     %y = Reshape(%x, %c) : tensor<1x37824xf32>
///   becomes
///     %c = const dense<[1, -1]> : tensor<2xi64>
///     %y = Reshape(%x, %c) : tensor<1x37824xf32>
///
/// Results larger than `max-bytes` that would also grow the model (bigger
/// than their operands together) are left to run time, and `qcc.dequantize`
/// of a quantized constant is never folded: the integers are the point.
public struct FoldConstants: Pass {
  public static let name = "fold-constants"
  public static let summary = "Evaluate nodes with constant operands, static Shape/Size, and shape subgraphs into constants"
  public struct Options: PassOptions {
    public var maxBytes = 16 << 20
    public init() {}
    public static let fields: [OptionField<Options>] = [
      .int("max-bytes", \.maxBytes, help: "Largest folded result that may grow the model, in bytes (default 16 MiB)"),
    ]
  }
  public let options: Options
  public init(options: Options) { self.options = options }

  /// Ops whose constant operands are kept as they are.
  static let neverFolded: Set<String> = ["qcc.dequantize"]

  public func run(on module: inout Module, context: inout PassContext) throws(PassError) -> Changed {
    var g = module.graph
    let ops = context.ops
    var folded = 0
    for id in g.nodeOrder {
      guard let results = try foldedResults(of: id, in: g, ops: ops) else { continue }
      var constants: [(ValueID, String)] = []
      for (value, data) in zip(g[id].results, results) {
        let name = g[value].name
        // A quantized result keeps its quantized type over the folded integers.
        let declared = g[value].type
        let type = declared.elementType == data.elementType ? TensorType(declared.element, Shape(data.shape)) : nil
        let constant = g.addConstant(data, name: name, type: type)
        g.replaceAllUses(of: value, with: constant)
        constants.append((constant, name))
      }
      g.erase(id)
      // The constants take over the results' names, freed by the erase.
      for (constant, name) in constants { g.rename(constant, to: name) }
      folded += 1
    }
    guard folded > 0 else { return .no }
    g.removeDeadCode()
    module.graph = g
    context.statistics.add(folded, "folded nodes", pass: Self.name)
    return .yes
  }

  /// The node's results when they are known now, or nil.
  func foldedResults(of id: NodeID, in g: Graph, ops: OpRegistry) throws(PassError) -> [TensorData]? {
    let node = g[id]
    // Dequantizing a quantized constant would undo its quantization: the integers are what the program keeps.
    if FoldConstants.neverFolded.contains(node.op) { return nil }
    if let shapeResult = foldShapeQuery(node, in: g) { return [shapeResult] }
    guard let definition = ops[node.op], !node.results.isEmpty else { return nil }
    var inputs: [TensorData?] = []
    var inputBytes = 0
    for input in node.inputs {
      guard let input else {
        inputs.append(nil)
        continue
      }
      guard let data = g.constantData(input) else { return nil }
      inputs.append(data)
      inputBytes += data.byteCount
    }
    // Only fold results we can size up front, so a huge Expand is not materialised just to be rejected.
    var outputBytes = 0
    for r in node.results {
      // A result whose size is unknown or absurd (overflowing) is left to run time, where it is an error.
      guard let count = g[r].type.shape.elementCount, count <= Int.max / 8 else { return nil }
      outputBytes += g[r].type.elementType.byteCount(forElements: count)
    }
    if outputBytes > options.maxBytes && outputBytes > inputBytes { return nil }
    do {
      let results = try definition.evaluate(EvaluationContext(
        node: node, inputs: inputs, inputTypes: node.inputs.map { $0.map { g[$0].type } },
        resultTypes: node.results.map { g[$0].type }, parameters: g.parameters))
      return results.count == node.results.count ? results : nil
    } catch {
      throw PassError("\(g.describe(id)): cannot be evaluated on its constant operands: \(error)")
    }
  }

  /// `Shape`, `Size`, and `Gather(Shape(x), indices)` answered from static dims.
  func foldShapeQuery(_ node: Node, in g: Graph) -> TensorData? {
    guard let operand = node.inputs.first ?? nil, let dims = g[operand].type.shape.dims else { return nil }
    let reader = AttributeReader(node.attributes)
    switch node.op {
    case "Shape":
      let rank = dims.count
      func clamp(_ v: Int) -> Int { min(max(v < 0 ? v + rank : v, 0), rank) }
      guard let start = try? reader.int("start", default: 0), let end = try? reader.int("end", default: rank) else { return nil }
      let selected = Array(dims[clamp(start)..<max(clamp(start), clamp(end))])
      let sizes = selected.compactMap(\.value)
      guard sizes.count == selected.count else { return nil }
      return TensorData(shape: [sizes.count], scalars: sizes.map(Int64.init))
    case "Size":
      guard let count = g[operand].type.shape.elementCount else { return nil }
      return TensorData(scalar: Int64(count))
    case "Gather":
      // Gather(Shape(x), k) where the dims it picks are static, even if others are not.
      guard let shapeNode = g.producer(of: operand), g[shapeNode].op == "Shape",
        let shapeInput = g[shapeNode].inputs.first ?? nil, let xDims = g[shapeInput].type.shape.dims,
        (try? AttributeReader(g[shapeNode].attributes).int("start", default: 0)) == 0,
        !g[shapeNode].attributes.has("end"),
        node.inputs.count == 2, let indexValue = node.inputs[1], let indexData = g.constantData(indexValue),
        let indices = indexData.integers(), (try? reader.int("axis", default: 0)) == 0
      else { return nil }
      var picked: [Int64] = []
      for i in indices {
        let k = Int(i < 0 ? i + Int64(xDims.count) : i)
        guard k >= 0 && k < xDims.count, let v = xDims[k].value else { return nil }
        picked.append(Int64(v))
      }
      return TensorData(shape: indexData.shape, scalars: picked)
    default:
      return nil
    }
  }
}

extension Attributes {
  func has(_ name: String) -> Bool { self[name] != nil }
}
