import QCCIR
import QCCOps
import QCCPass

/// A chain of elementwise ops ending at the root (the last op whose result
/// leaves the chain) → one `qcc.elementwise`. `withMatMul`: only chains that
/// start from a matmul (matmul-chain), else only chains that do not
/// (elementwise-chain).
struct ElementwiseChainPattern: RewritePattern {
  let withMatMul: Bool
  var name: String { withMatMul ? "matmul-chain" : "elementwise-chain" }
  var rootOps: Set<String> { FusedElementwise.binaryOpNames.union(FusedElementwise.unaryOps).union(["qcc.quantize"]) }

  typealias F = FusedElementwise

  /// The static shape of an f32 value, or nil.
  static func f32Shape(_ g: Graph, _ v: ValueID) -> [Int]? {
    let t = g[v].type
    guard t.elementType == .f32, t.element.quantization == nil else { return nil }
    return t.shape.staticSizes
  }

  /// A quantized type the kernel reads or writes: byte storage (or an accumulator when `accumulators`),
  /// per tensor or per channel on the last axis. Returns whether it is per channel.
  static func tileableQuantization(_ t: TensorType, accumulators: Bool) -> Bool? {
    guard let q = t.element.quantization, let shape = t.shape.staticSizes,
      F.byteStorage.contains(q.storage) || (accumulators && (q.storage == .i32 || q.storage == .i64))
    else { return nil }
    switch q.granularity {
    case .perTensor: return false
    case .perAxis(let axis, _, _) where axis == shape.count - 1: return true
    default: return nil
    }
  }

  /// A Clip node's constant bounds as the step attributes `min` and `max`
  /// (FusedElementwise.clipParameters), read as Clip's plan reads them; nil
  /// when a bound is not a one-element f32 constant.
  static func clipBounds(_ g: Graph, _ node: Node) -> Attributes? {
    var bounds = Attributes()
    for (i, name) in [(1, "min"), (2, "max")] where node.inputs.count > i {
      guard let v = node.inputs[i] else { continue }
      guard let d = g.constantData(v), d.elementType == .f32, d.elementCount == 1 else { return nil }
      bounds[name] = .float(d.scalars(as: Float.self)[0])
    }
    return bounds
  }

  /// What a node is in a chain of `shape`: a step (unary or binary f32 op of that shape), a source, or nothing.
  enum Role { case step, matmul, dequantize }

  static func role(_ g: Graph, _ n: NodeID, shape: [Int]) -> Role? {
    let node = g[n]
    guard node.results.count == 1, f32Shape(g, node.results[0]) == shape else { return nil }
    if F.binaryOpNames.contains(node.op) {
      guard node.inputs.count == 2, node.presentInputs.count == 2 else { return nil }
      for v in node.presentInputs {
        guard let s = f32Shape(g, v), s.count <= shape.count,
          zip(s.reversed(), shape.reversed()).allSatisfy({ $0 == $1 || $0 == 1 })
        else { return nil }
      }
      return .step
    }
    if node.op == "Clip" {
      guard let x = node.inputs.first ?? nil, f32Shape(g, x) == shape, clipBounds(g, node) != nil else { return nil }
      return .step
    }
    if F.unaryOps.contains(node.op) {
      guard node.inputs.count == 1, let v = node.inputs[0], f32Shape(g, v) == shape,
        F.canRunUnary(node.op, node.attributes)
      else { return nil }
      return .step
    }
    if node.op == "qcc.matmul" {
      guard node.inputs.count >= 2, node.inputs.count <= 3, let a = node.inputs[0], let b = node.inputs[1],
        let qa = g[a].type.element.quantization, let qb = g[b].type.element.quantization,
        F.byteStorage.contains(qa.storage), F.byteStorage.contains(qb.storage),
        g[a].type.shape.staticSizes != nil, g[b].type.shape.staticSizes?.count == 2
      else { return nil }
      if case .perGroup = qb.granularity { return nil }
      return .matmul
    }
    if node.op == "qcc.dequantize" {
      guard let x = node.inputs[0], tileableQuantization(g[x].type, accumulators: true) != nil else { return nil }
      return .dequantize
    }
    return nil
  }

  func matchAndRewrite(_ root: NodeID, _ r: inout Rewriter) -> Bool {
    let g = r.graph
    let rootNode = g[root]
    guard rootNode.results.count == 1, let rootInput = rootNode.inputs.first ?? nil else { return false }
    let quantizes = rootNode.op == "qcc.quantize"
    let resultType = g[rootNode.results[0]].type
    let shape: [Int]
    var perColumn = false
    if quantizes {
      guard let s = Self.f32Shape(g, rootInput), let pc = Self.tileableQuantization(resultType, accumulators: false)
      else { return false }
      shape = s
      perColumn = pc
    } else {
      guard let s = Self.f32Shape(g, rootNode.results[0]), Self.role(g, root, shape: s) == .step else { return false }
      shape = s
      // Not the end when the only reader would take this value into its own chain.
      let v = rootNode.results[0]
      if r.hasOneUse(v), case .operand(let user, _)? = g[v].uses.first,
        g[user].op == "qcc.quantize" ? Self.tileableQuantization(g[g[user].results[0]].type, accumulators: false) != nil
          : Self.role(g, user, shape: shape) == .step
      {
        return false
      }
    }

    // Grow backwards: a producer joins when every use of its result is in the chain.
    var members: Set<NodeID> = [root]
    func joinable(_ v: ValueID) -> NodeID? {
      guard let p = g.producer(of: v), !members.contains(p), !g.isGraphOutput(v),
        g[v].uses.allSatisfy({ if case .operand(let u, _) = $0 { members.contains(u) } else { false } })
      else { return nil }
      return p
    }
    var changed = true
    while changed {
      changed = false
      for m in members.sorted(by: { $0.index > $1.index }) {
        for v in g[m].presentInputs {
          guard members.count - (quantizes ? 1 : 0) < F.maxFloatSteps - 1, let p = joinable(v),
            Self.role(g, p, shape: shape) == .step
          else { continue }
          members.insert(p)
          changed = true
        }
      }
    }
    // Then at most one source: of the joinable matmuls (or, without, dequantizes), the one the chain reads most.
    var candidates: [(node: NodeID, role: Role, reads: Int)] = []
    for m in members {
      for v in g[m].presentInputs {
        guard let p = joinable(v), !candidates.contains(where: { $0.node == p }), let role = Self.role(g, p, shape: shape),
          role == (withMatMul ? .matmul : .dequantize)
        else { continue }
        candidates.append((p, role, g[v].uses.count))
      }
    }
    let best = candidates.max { ($0.reads, -$0.node.index) < ($1.reads, -$1.node.index) }
    let source = best.map { (node: $0.node, role: $0.role) }
    if let source { members.insert(source.node) }
    guard (source?.role == .matmul) == withMatMul, members.count >= 2 else { return false }

    // The steps: the source first, then the other members in graph order.
    let ordered = (source.map { [$0.node] } ?? []) + g.nodeOrder.filter { members.contains($0) && $0 != source?.node }
    var operands: [ValueID?] = []
    var operandIndex: [ValueID: Int] = [:]
    var stepIndex: [ValueID: Int] = [:]
    var steps: [String] = []
    var attributes = Attributes()
    var f32Operands: [[Int]] = []
    func ref(_ v: ValueID, f32: Bool) -> ElementwiseRef {
      if let k = stepIndex[v] { return .step(k) }
      if let i = operandIndex[v] { return .operand(i) }
      operandIndex[v] = operands.count
      operands.append(v)
      if f32, let s = Self.f32Shape(g, v) { f32Operands.append(s) }
      return .operand(operands.count - 1)
    }
    for (k, n) in ordered.enumerated() {
      let node = g[n]
      var args: [ElementwiseRef]
      if node.op == "qcc.matmul" {
        // Its operands first, in order (%0, %1 and the bias %2).
        guard operands.isEmpty, node.presentInputs.count == node.inputs.count else { return false }
        operands = node.inputs
        args = (0..<operands.count).map { .operand($0) }
      } else if node.op == "Clip", let x = node.inputs[0], let bounds = Self.clipBounds(g, node) {
        // The bounds become the step's attributes; the step reads x alone.
        args = [ref(x, f32: true)]
        for (name, value) in bounds { attributes[F.stepAttribute(k, name)] = value }
      } else {
        args = node.presentInputs.map { ref($0, f32: node.op != "qcc.dequantize") }
      }
      if node.op == "qcc.dequantize", let x = node.inputs[0], Self.tileableQuantization(g[x].type, accumulators: true) == true {
        perColumn = true
      }
      for (name, value) in node.attributes { attributes[F.stepAttribute(k, name)] = value }
      steps.append(ElementwiseStep(node.op, args).spelling)
      stepIndex[node.results[0]] = k
    }
    // Operand limits and the tiling the kernel needs.
    guard f32Operands.count <= F.maxOperands,
      F.matrixView(shape, operands: f32Operands, lastAxis: perColumn || source?.role == .matmul) != nil
    else { return false }
    attributes["steps"] = .strings(steps)
    let fused = r.insert(
      F.opName, operands, resultTypes: [resultType], attributes: attributes, location: rootNode.location, before: root)
    r.replace(root, with: fused)
    for n in ordered.reversed() where n != root { r.eraseIfUnused(n) }
    return true
  }
}
