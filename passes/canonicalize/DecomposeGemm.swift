import QCCIR
import QCCOps
import QCCPass

/// Rewrites `Gemm` as `MatMul` plus elementwise ops, so that later passes
/// (quantization, fusion) see one matrix-multiply op:
///
///     %y = Gemm(%a, %w, %c) {transB = 1} : tensor<1x1000xf32>
///   becomes
///     %wT = Transpose(%w) {perm = [1, 0]} : tensor<192x1000xf32>
///     %m = MatMul(%a, %wT) : tensor<1x1000xf32>
///     %y = Add(%m, %c) : tensor<1x1000xf32>
///
/// `alpha` ≠ 1 adds a `Mul` after the product and `beta` ≠ 1 a `Mul` on C.
/// A transpose of a constant weight is folded by `fold-constants`.
public struct DecomposeGemm: Pass {
  public static let name = "decompose-gemm"
  public static let summary = "Rewrite Gemm as [Transpose] MatMul [Mul alpha] [Add beta*C]"
  public let options: NoOptions
  public init(options: NoOptions) { self.options = options }

  public func run(on module: inout Module, context: inout PassContext) throws(PassError) -> Changed {
    var g = module.graph
    var rewritten = 0
    for id in g.nodeOrder where g[id].op == "Gemm" {
      let node = g[id]
      let reader = AttributeReader(node.attributes)
      guard let a = node.inputs[0], let b = node.inputs.count > 1 ? node.inputs[1] : nil,
        let alpha = try? reader.float("alpha", default: 1), let beta = try? reader.float("beta", default: 1),
        let transA = try? reader.int("transA", default: 0), let transB = try? reader.int("transB", default: 0)
      else { continue }
      let c = node.inputs.count > 2 ? node.inputs[2] : nil
      let outType = g[node.results[0]].type
      let element = outType.elementType
      let base = g[node.results[0]].name
      func scalar(_ v: Float, _ name: String) -> ValueID {
        g.addConstant(TensorData(converting: [Double(v)], to: element, shape: []), name: name)
      }
      func transposed(_ v: ValueID, _ suffix: String) -> ValueID {
        var type = g[v].type
        if let dims = type.shape.dims, dims.count == 2 { type.shape = .ranked([dims[1], dims[0]]) }
        let t = g.addNode(
          op: "Transpose", inputs: [v], resultTypes: [type], resultNames: [base + suffix],
          attributes: Attributes([("perm", .ints([1, 0]))]), location: node.location, before: id)
        return g[t].results[0]
      }
      let lhs = transA != 0 ? transposed(a, ".aT") : a
      let rhs = transB != 0 ? transposed(b, ".bT") : b
      let product = TensorType(outType.element, outType.shape)
      var y = g[g.addNode(op: "MatMul", inputs: [lhs, rhs], resultTypes: [product], resultNames: [base + ".mm"],
                          location: node.location, before: id)].results[0]
      if alpha != 1 {
        y = g[g.addNode(op: "Mul", inputs: [y, scalar(alpha, base + ".alpha")], resultTypes: [product],
                        resultNames: [base + ".scaled"], location: node.location, before: id)].results[0]
      }
      if let c, beta != 0 {
        var bias = c
        if beta != 1 {
          bias = g[g.addNode(op: "Mul", inputs: [c, scalar(beta, base + ".beta")], resultTypes: [g[c].type],
                             resultNames: [base + ".c"], location: node.location, before: id)].results[0]
        }
        y = g[g.addNode(op: "Add", inputs: [y, bias], resultTypes: [product], resultNames: [base + ".sum"],
                        location: node.location, before: id)].results[0]
      }
      let name = base
      g.replaceAllUses(of: node.results[0], with: y)
      g.erase(id)
      g.rename(y, to: name)
      rewritten += 1
    }
    guard rewritten > 0 else { return .no }
    module.graph = g
    context.statistics.add(rewritten, "decomposed", pass: Self.name)
    return .yes
  }
}
