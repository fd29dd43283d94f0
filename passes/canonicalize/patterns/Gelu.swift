import QCCIR
import QCCPass

/// `x · 0.5 · (1 + erf(x / √2))` (or `x · (1/√2)` inside erf), in any order → `Gelu(x)`.
struct GeluErfPattern: RewritePattern {
  let name = "gelu-erf"
  let rootOps: Set<String> = ["Mul"]

  func matchAndRewrite(_ root: NodeID, _ r: inout Rewriter) -> Bool {
    let g = r.graph
    let (factors, _) = r.flatten(g[root].results[0], op: "Mul")
    guard factors.count == 3, let half = factors.firstIndex(where: { r.isConstant($0, approximately: 0.5) }) else { return false }
    for (i, f) in factors.enumerated() where i != half {
      // f = 1 + erf(x/√2); the remaining factor must be x.
      guard let add = r.producer(of: f, "Add"), r.hasOneUse(f) else { continue }
      let addends = g[add].presentInputs
      guard addends.count == 2, let one = addends.firstIndex(where: { r.isConstant($0, approximately: 1) }),
        let erf = r.producer(of: addends[1 - one], "Erf"), r.hasOneUse(addends[1 - one]),
        let z = g[erf].inputs[0], r.hasOneUse(z), let x = scaledOperand(z, r)
      else { continue }
      let other = factors[3 - half - i]
      guard other == x else { continue }
      let y = r.insert(
        "Gelu", [x], resultTypes: [g[g[root].results[0]].type], attributes: Attributes([("approximate", .string("none"))]),
        location: g[root].location, before: root)
      r.replace(root, with: y)
      return true
    }
    return false
  }

  /// x when `z` is x / √2 or x · (1/√2).
  func scaledOperand(_ z: ValueID, _ r: Rewriter) -> ValueID? {
    if let div = r.producer(of: z, "Div"), r.isConstant(r.graph[div].inputs[1], approximately: 2.0.squareRoot()) {
      return r.graph[div].inputs[0]
    }
    if let mul = r.producer(of: z, "Mul") {
      let ops = r.graph[mul].presentInputs
      if let c = ops.firstIndex(where: { r.isConstant($0, approximately: 0.5.squareRoot()) }), ops.count == 2 {
        return ops[1 - c]
      }
    }
    return nil
  }
}

/// `0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))`, with x³ as `x·x·x` or `Pow(x, 3)` → `Gelu(x) {approximate = "tanh"}`.
struct GeluTanhPattern: RewritePattern {
  let name = "gelu-tanh"
  let rootOps: Set<String> = ["Mul"]

  func matchAndRewrite(_ root: NodeID, _ r: inout Rewriter) -> Bool {
    let g = r.graph
    let (factors, _) = r.flatten(g[root].results[0], op: "Mul")
    guard factors.count == 3, let half = factors.firstIndex(where: { r.isConstant($0, approximately: 0.5) }) else { return false }
    for (i, f) in factors.enumerated() where i != half {
      guard let add = r.producer(of: f, "Add"), r.hasOneUse(f) else { continue }
      let addends = g[add].presentInputs
      guard addends.count == 2, let one = addends.firstIndex(where: { r.isConstant($0, approximately: 1) }),
        let tanh = r.producer(of: addends[1 - one], "Tanh"), r.hasOneUse(addends[1 - one]),
        let t = g[tanh].inputs[0], r.hasOneUse(t)
      else { continue }
      let x = factors[3 - half - i]
      guard isTanhArgument(t, of: x, r) else { continue }
      let y = r.insert(
        "Gelu", [x], resultTypes: [g[g[root].results[0]].type], attributes: Attributes([("approximate", .string("tanh"))]),
        location: g[root].location, before: root)
      r.replace(root, with: y)
      return true
    }
    return false
  }

  /// `t` is √(2/π) · (x + 0.044715 · x³).
  func isTanhArgument(_ t: ValueID, of x: ValueID, _ r: Rewriter) -> Bool {
    let (outer, _) = r.flatten(t, op: "Mul")
    guard outer.count == 2, let c = outer.firstIndex(where: { r.isConstant($0, approximately: (2 / Double.pi).squareRoot()) }),
      let inner = r.producer(of: outer[1 - c], "Add"), r.hasOneUse(outer[1 - c])
    else { return false }
    let terms = r.graph[inner].presentInputs
    guard terms.count == 2, let xi = terms.firstIndex(of: x), r.hasOneUse(terms[1 - xi]) else { return false }
    var cube = r.flatten(terms[1 - xi], op: "Mul").operands
    guard let k = cube.firstIndex(where: { r.isConstant($0, approximately: 0.044715) }) else { return false }
    cube.remove(at: k)
    if cube.count == 3 { return cube.allSatisfy { $0 == x } }
    if cube.count == 1, let pow = r.producer(of: cube[0], "Pow"), r.hasOneUse(cube[0]) {
      return r.graph[pow].inputs[0] == x && r.isConstant(r.graph[pow].inputs[1], approximately: 3)
    }
    return false
  }
}
