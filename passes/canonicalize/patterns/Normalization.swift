import QCCIR
import QCCPass

/// What the two normalization patterns share: reading `ReduceMean` over trailing axes.
extension Rewriter {
  /// When `value` is `ReduceMean(x, axes) {keepdims = 1}` over the trailing axes
  /// of x, returns x and the first reduced axis.
  func trailingMean(_ value: ValueID) -> (x: ValueID, axis: Int)? {
    guard let mean = producer(of: value, "ReduceMean"), let x = graph[mean].inputs[0],
      let rank = graph[x].type.shape.rank, rank > 0
    else { return nil }
    let node = graph[mean]
    if case .int(let keep)? = node.attributes["keepdims"], keep == 0 { return nil }
    var axes: [Int64]
    if node.inputs.count > 1, let a = node.inputs[1] {
      guard let data = graph.constantData(a), let v = data.integers() else { return nil }
      axes = v
    } else if case .ints(let v)? = node.attributes["axes"] {
      axes = v
    } else {
      return nil  // All axes: not a per-row normalization.
    }
    let normalized = Set(axes.map { Int($0 < 0 ? $0 + Int64(rank) : $0) })
    guard let first = normalized.min(), normalized == Set(first..<rank) else { return nil }
    return (x, first)
  }

  /// When `value` is `x²` as `Pow(x, 2)` or `Mul(x, x)`, returns x.
  func squared(_ value: ValueID) -> ValueID? {
    if let pow = producer(of: value, "Pow"), isConstant(graph[pow].inputs[1], approximately: 2) { return graph[pow].inputs[0] }
    if let mul = producer(of: value, "Mul"), graph[mul].inputs[0] == graph[mul].inputs[1] { return graph[mul].inputs[0] }
    return nil
  }

  /// When `value` is `1 / √(v + ε)` (as Reciprocal(Sqrt(…)) or Div(1, Sqrt(…))), returns v and ε.
  /// Every intermediate must have one use.
  func inverseRootOfSum(_ value: ValueID) -> (variance: ValueID, epsilon: Float)? {
    var root: ValueID?
    if let rec = producer(of: value, "Reciprocal") {
      root = graph[rec].inputs[0]
    } else if let div = producer(of: value, "Div"), isConstant(graph[div].inputs[0], approximately: 1, tolerance: 0) {
      root = graph[div].inputs[1]
    }
    guard let root, hasOneUse(root), let sqrt = producer(of: root, "Sqrt"), let sum = graph[sqrt].inputs[0] else { return nil }
    return rootOfSum(sum)
  }

  /// When `value` (one use) is `v + ε` with ε a scalar constant, returns v and ε.
  func rootOfSum(_ sum: ValueID) -> (variance: ValueID, epsilon: Float)? {
    guard hasOneUse(sum), let add = producer(of: sum, "Add") else { return nil }
    let terms = graph[add].presentInputs
    guard terms.count == 2, let e = terms.firstIndex(where: { splatValue($0) != nil && graph.constantData($0)!.elementCount == 1 }),
      hasOneUse(terms[1 - e])
    else { return nil }
    return (terms[1 - e], Float(splatValue(terms[e])!))
  }

  /// A constant of ones shaped like x's dims from `axis` on (the neutral scale), or nil if they are not static.
  mutating func ones(like x: ValueID, from axis: Int, name: String) -> ValueID? {
    guard let dims = graph[x].type.shape.dims, let sizes = Shape.ranked(Array(dims[axis...])).staticSizes else { return nil }
    let data = TensorData(converting: [Double](repeating: 1, count: sizes.reduce(1, *)), to: graph[x].type.elementType, shape: sizes)
    return constant(data, name: name)
  }
}

/// `x · 1/√(mean(x², trailing axes) + ε)` → `RMSNormalization(x, ones)`.
/// A following multiplication by a weight is folded in by `NormalizationScalePattern`.
struct RMSNormPattern: RewritePattern {
  let name = "rms-norm"
  let rootOps: Set<String> = ["Mul"]

  func matchAndRewrite(_ root: NodeID, _ r: inout Rewriter) -> Bool {
    let g = r.graph
    let operands = g[root].presentInputs
    guard operands.count == 2 else { return false }
    for i in 0..<2 {
      let x = operands[1 - i]
      guard r.hasOneUse(operands[i]), let (meanSquare, epsilon) = r.inverseRootOfSum(operands[i]),
        let (squareValue, axis) = r.trailingMean(meanSquare), r.hasOneUse(squareValue), r.squared(squareValue) == x,
        g[g[root].results[0]].type == g[x].type,
        let scale = r.ones(like: x, from: axis, name: g[g[root].results[0]].name + ".scale")
      else { continue }
      let y = r.insert(
        "RMSNormalization", [x, scale], resultTypes: [g[x].type],
        attributes: Attributes([("axis", .int(Int64(axis))), ("epsilon", .float(epsilon))]),
        location: g[root].location, before: root)
      r.replace(root, with: y)
      return true
    }
    return false
  }
}

/// `(x − mean(x)) / √(mean((x − mean(x))²) + ε)` (or times the reciprocal) → `LayerNormalization(x, ones)`.
/// A following scale and shift are folded in by the two patterns below.
struct LayerNormPattern: RewritePattern {
  let name = "layer-norm"
  let rootOps: Set<String> = ["Div", "Mul"]

  func matchAndRewrite(_ root: NodeID, _ r: inout Rewriter) -> Bool {
    let g = r.graph
    let node = g[root]
    let candidates: [(centered: ValueID, variance: ValueID, epsilon: Float)]
    if node.op == "Div" {
      guard let d = node.inputs[0], let den = node.inputs[1], r.hasOneUse(den), let sqrt = r.producer(of: den, "Sqrt"),
        let sum = g[sqrt].inputs[0], let (v, eps) = r.rootOfSum(sum)
      else { return false }
      candidates = [(d, v, eps)]
    } else {
      let ops = node.presentInputs
      guard ops.count == 2 else { return false }
      candidates = (0..<2).compactMap { i in
        guard r.hasOneUse(ops[i]), let (v, eps) = r.inverseRootOfSum(ops[i]) else { return nil }
        return (ops[1 - i], v, eps)
      }
    }
    for (d, variance, epsilon) in candidates {
      // d = x − mean(x), read only by the square and by this node.
      guard let sub = r.producer(of: d, "Sub"), g[d].uses.count == 2, !g.isGraphOutput(d),
        let x = g[sub].inputs[0], let meanValue = g[sub].inputs[1], r.hasOneUse(meanValue),
        let (meanOf, axis) = r.trailingMean(meanValue), meanOf == x,
        let (squareValue, varianceAxis) = r.trailingMean(variance), varianceAxis == axis, r.hasOneUse(squareValue),
        r.squared(squareValue) == d, g[node.results[0]].type == g[x].type,
        let scale = r.ones(like: x, from: axis, name: g[node.results[0]].name + ".scale")
      else { continue }
      let y = r.insert(
        "LayerNormalization", [x, scale], resultTypes: [g[x].type],
        attributes: Attributes([("axis", .int(Int64(axis))), ("epsilon", .float(epsilon))]),
        location: node.location, before: root)
      r.replace(root, with: y)
      return true
    }
    return false
  }
}

/// `Norm(x, ones) · w` → `Norm(x, w)` for LayerNormalization and RMSNormalization,
/// when w is a constant shaped like the scale.
struct NormalizationScalePattern: RewritePattern {
  let name = "norm-scale"
  let rootOps: Set<String> = ["Mul"]

  func matchAndRewrite(_ root: NodeID, _ r: inout Rewriter) -> Bool {
    let g = r.graph
    let ops = g[root].presentInputs
    guard ops.count == 2 else { return false }
    for i in 0..<2 {
      guard let norm = r.producer(of: ops[i], "LayerNormalization", "RMSNormalization"), r.hasOneUse(ops[i]),
        g[norm].results.count == 1, let scale = g[norm].inputs[1], r.isConstant(scale, approximately: 1, tolerance: 0),
        g[norm].inputs.count < 3 || g[norm].inputs[2] == nil,
        let w = g.constantData(ops[1 - i]), w.elementType == g[scale].type.elementType,
        let scaleShape = g[scale].type.shape.staticSizes, Array(w.shape.drop { $0 == 1 }) == scaleShape
          || (w.shape.count < scaleShape.count && w.elementCount == scaleShape.reduce(1, *) && w.shape == Array(scaleShape.suffix(w.shape.count))),
        g[g[root].results[0]].type == g[ops[i]].type
      else { continue }
      let weight = w.shape == scaleShape ? ops[1 - i] : r.constant(w.reshaped(scaleShape), name: g[ops[1 - i]].name)
      var inputs = g[norm].inputs
      inputs[1] = weight
      let y = r.insert(g[norm].op, inputs, resultTypes: [g[ops[i]].type], attributes: g[norm].attributes,
                       location: g[root].location ?? g[norm].location, before: root)
      r.replace(root, with: y)
      return true
    }
    return false
  }
}

/// `LayerNormalization(x, s) + b` → `LayerNormalization(x, s, b)` when b is a constant shaped like the scale.
struct NormalizationBiasPattern: RewritePattern {
  let name = "norm-bias"
  let rootOps: Set<String> = ["Add"]

  func matchAndRewrite(_ root: NodeID, _ r: inout Rewriter) -> Bool {
    let g = r.graph
    let ops = g[root].presentInputs
    guard ops.count == 2 else { return false }
    for i in 0..<2 {
      guard let norm = r.producer(of: ops[i], "LayerNormalization"), r.hasOneUse(ops[i]), g[norm].results.count == 1,
        g[norm].inputs.count < 3 || g[norm].inputs[2] == nil, let scale = g[norm].inputs[1],
        let b = g.constantData(ops[1 - i]), b.elementType == g[scale].type.elementType,
        let scaleShape = g[scale].type.shape.staticSizes, b.elementCount == scaleShape.reduce(1, *),
        b.shape.count <= g[ops[i]].type.shape.rank ?? 0, Array(b.shape.drop { $0 == 1 }) == Array(scaleShape.drop { $0 == 1 }),
        g[g[root].results[0]].type == g[ops[i]].type
      else { continue }
      let bias = b.shape == scaleShape ? ops[1 - i] : r.constant(b.reshaped(scaleShape), name: g[ops[1 - i]].name)
      let y = r.insert("LayerNormalization", [g[norm].inputs[0], scale, bias], resultTypes: [g[ops[i]].type],
                       attributes: g[norm].attributes, location: g[root].location ?? g[norm].location, before: root)
      r.replace(root, with: y)
      return true
    }
    return false
  }
}
