import QCCIR
import QCCOps
import _QCCProtobuf

/// Builds one IR graph from an ONNX `GraphProto`.
struct GraphImporter {
  let registry: OpRegistry
  let opset: Int
  var decoder: TensorDecoder

  /// Model-local functions by `domain:name`, inlined where nodes call them.
  var functions: [String: UnsafePointer<Onnx__FunctionProto>] = [:]

  var graph = Graph()
  /// IR values by ONNX tensor name.
  var values: [String: ValueID] = [:]
  /// Types the model declares (value_info, graph outputs), by tensor name.
  var declaredTypes: [String: TensorType] = [:]
  /// Every ONNX tensor name in the model, so that new names do not collide.
  var tensorNames: Set<String> = []

  init(registry: OpRegistry, opset: Int, decoder: TensorDecoder) {
    self.registry = registry
    self.opset = opset
    self.decoder = decoder
  }

  /// Errors name the model file once; ONNXImporter adds it to everything this throws.
  func error(_ message: String) -> ImportError { ImportError(message) }

  mutating func importGraph(_ g: Onnx__GraphProto) throws(ImportError) -> Graph {
    if g.n_sparse_initializer > 0 { throw error("sparse initializers are not supported") }

    for t in repeated(g.n_initializer, g.initializer) {
      guard let t else { continue }
      let name = string(t.pointee.name)
      guard values[name] == nil else { throw error("initializer '\(name)' is defined twice") }
      let data = try decoder.decode(t, what: "initializer '\(name)'")
      values[name] = graph.addConstant(data, name: name)
      tensorNames.insert(name)
    }

    for input in repeated(g.n_input, g.input) {
      guard let input else { continue }
      let name = string(input.pointee.name)
      // Before IR version 4 initializers are listed as inputs too; they stay constants.
      if values[name] != nil { continue }
      let type = try tensorType(input.pointee, what: "graph input '\(name)'")
      values[name] = graph.addInput(name: name, type: type)
      tensorNames.insert(name)
    }

    for info in repeated(g.n_value_info, g.value_info) + repeated(g.n_output, g.output) {
      guard let info else { continue }
      let name = string(info.pointee.name)
      if let type = try? tensorType(info.pointee, what: "'\(name)'") { declaredTypes[name] = type }
    }

    var nodes: [ONNXNode] = []
    for p in repeated(g.n_node, g.node) {
      guard let p else { continue }
      let node = try ONNXNode(p.pointee, decoder: &decoder)
      tensorNames.formUnion(node.outputs)
      nodes.append(node)
    }
    nodes = try inlineFunctions(nodes, depth: 0)
    try checkSupport(nodes)
    try ONNXOpSupport.checkVersions(nodes, opset: opset)
    for node in try topologicalOrder(nodes) {
      if node.op == "Constant" && node.qualifiedOp == "Constant" {
        try importConstantNode(node)
        continue
      }
      for upgraded in try LegacyOpsets(opset: opset).upgrade(node, &self) { try importNode(upgraded) }
    }

    for output in repeated(g.n_output, g.output) {
      guard let output else { continue }
      let name = string(output.pointee.name)
      guard let value = values[name] else { throw error("graph output '\(name)' is not produced by any node") }
      graph.addOutput(name: name, value: value)
    }
    return graph
  }

  /// Replaces calls of model-local functions by the functions' bodies, with
  /// the body's tensors renamed under the call's name and attribute
  /// references bound to the call's attributes.
  mutating func inlineFunctions(_ nodes: [ONNXNode], depth: Int) throws(ImportError) -> [ONNXNode] {
    guard !functions.isEmpty else { return nodes }
    var result: [ONNXNode] = []
    for call in nodes {
      guard let f = functions[call.domain + ":" + call.op]?.pointee else {
        result.append(call)
        continue
      }
      guard depth < 32 else { throw error("\(call.description): model-local functions nest more than 32 deep (recursion?)") }
      let prefix = call.name.isEmpty ? call.op : call.name
      var rename: [String: String] = ["": ""]
      for (formal, actual) in zip(repeated(f.n_input, f.input).map { string($0) }, call.inputs) { rename[formal] = actual }
      for (formal, actual) in zip(repeated(f.n_output, f.output).map { string($0) }, call.outputs) { rename[formal] = actual }
      var body: [ONNXNode] = []
      for p in repeated(f.n_node, f.node) {
        guard let p else { continue }
        var node = try ONNXNode(p.pointee, decoder: &decoder, callerAttributes: call.attributes)
        node.name = prefix + "/" + (node.name.isEmpty ? node.op : node.name)
        // Inputs not bound by the call or an earlier body node are unset optional formals.
        node.inputs = node.inputs.map { rename[$0] ?? "" }
        node.outputs = node.outputs.map { output in
          if let bound = rename[output] { return bound }
          let fresh = freshName(prefix + "/" + output)
          rename[output] = fresh
          return fresh
        }
        body.append(node)
      }
      result += try inlineFunctions(body, depth: depth + 1)
    }
    return result
  }

  /// Every op the registry does not know, listed at once with the nodes that use it.
  func checkSupport(_ nodes: [ONNXNode]) throws(ImportError) {
    var unsupported: [String: [String]] = [:]
    for node in nodes where node.qualifiedOp != "Constant" && registry[node.qualifiedOp] == nil {
      unsupported[node.qualifiedOp, default: []].append(node.name.isEmpty ? "(unnamed)" : "'\(node.name)'")
    }
    guard !unsupported.isEmpty else { return }
    let lines = unsupported.keys.sorted().map { op -> String in
      let names = unsupported[op]!
      let shown = names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", and \(names.count - 5) more" : "")
      return "  \(op): \(names.count == 1 ? "node" : "nodes") \(shown)"
    }
    throw error("unsupported ops (\(unsupported.count)):\n" + lines.joined(separator: "\n"))
  }

  /// The nodes in an order where every input is defined before use: the
  /// model's own order when it is already topological (ONNX requires it, not
  /// every exporter obeys). Undefined inputs and cycles are errors.
  func topologicalOrder(_ nodes: [ONNXNode]) throws(ImportError) -> [ONNXNode] {
    var producer: [String: Int] = [:]
    for (i, node) in nodes.enumerated() {
      for output in node.outputs where !output.isEmpty {
        if values[output] != nil {
          throw error("\(node.description) produces '\(output)', which is also an initializer or graph input")
        }
        if let other = producer[output] {
          throw error("tensor '\(output)' is produced by both \(nodes[other].description) and \(node.description)")
        }
        producer[output] = i
      }
    }
    var dependencies: [[Int]] = []
    for node in nodes {
      var deps: [Int] = []
      for (k, input) in node.inputs.enumerated() where !input.isEmpty && values[input] == nil {
        guard let p = producer[input] else {
          throw error(
            "\(node.description) input \(k) '\(input)' is not defined: no initializer, graph input or node output has this name")
        }
        deps.append(p)
      }
      dependencies.append(deps)
    }
    // Iterative depth-first post-order; deep chains (Mamba's unrolled scan) must not recurse.
    enum State { case new, active, done }
    var state = [State](repeating: .new, count: nodes.count)
    var order: [ONNXNode] = []
    order.reserveCapacity(nodes.count)
    for root in nodes.indices where state[root] == .new {
      var stack: [(node: Int, next: Int)] = [(root, 0)]
      state[root] = .active
      while let top = stack.last {
        let deps = dependencies[top.node]
        if top.next < deps.count {
          stack[stack.count - 1].next += 1
          let d = deps[top.next]
          switch state[d] {
          case .new:
            state[d] = .active
            stack.append((d, 0))
          case .active:
            let path = stack.map(\.node).drop { $0 != d }.map { nodes[$0].description } + [nodes[d].description]
            throw error("the graph has a cycle: " + path.joined(separator: " → "))
          case .done:
            break
          }
        } else {
          state[top.node] = .done
          order.append(nodes[top.node])
          stack.removeLast()
        }
      }
    }
    return order
  }

  /// An ONNX tensor name not used anywhere in the model.
  mutating func freshName(_ hint: String) -> String {
    var name = hint
    var n = 1
    while tensorNames.contains(name) || values[name] != nil {
      name = "\(hint)_\(n)"
      n += 1
    }
    tensorNames.insert(name)
    return name
  }

  /// `Constant` nodes become IR constants.
  mutating func importConstantNode(_ node: ONNXNode) throws(ImportError) {
    guard node.outputs.count == 1, let attribute = node.attributes.entries.first, node.attributes.entries.count == 1 else {
      throw error("\(node.description) must have one output and exactly one value attribute")
    }
    let data: TensorData
    switch (attribute.name, attribute.value) {
    case ("value", .tensor(let t)): data = t
    case ("value_float", .float(let v)): data = TensorData(scalar: v)
    case ("value_floats", .floats(let v)): data = TensorData(shape: [v.count], scalars: v)
    case ("value_int", .int(let v)): data = TensorData(scalar: v)
    case ("value_ints", .ints(let v)): data = TensorData(shape: [v.count], scalars: v)
    default:
      throw error("\(node.description): constant attribute '\(attribute.name)' (\(attribute.value.kindName)) is not supported")
    }
    values[node.outputs[0]] = graph.addConstant(data, name: node.outputs[0])
  }

  mutating func importNode(_ node: ONNXNode) throws(ImportError) {
    let inputs: [ValueID?] = node.inputs.map { $0.isEmpty ? nil : values[$0] }
    var irNode = Node(op: node.qualifiedOp, inputs: inputs, attributes: node.attributes, location: node.name.isEmpty ? nil : node.name)
    // Trailing omitted inputs carry no meaning; dropping them keeps dumps short.
    while let last = irNode.inputs.last, last == nil { irNode = Node(op: irNode.op, inputs: Array(irNode.inputs.dropLast()), attributes: irNode.attributes, location: irNode.location) }
    let context = InferenceContext(
      node: irNode,
      inputTypes: irNode.inputs.map { $0.map { graph[$0].type } },
      inputValues: irNode.inputs.map { $0.flatMap { graph.constantData($0) } },
      resultCount: node.outputs.count)
    var types: [TensorType]
    do {
      types = try registry[irNode.op]!.inferTypes(context)
    } catch {
      throw self.error("\(node.description): \(error)")
    }
    guard types.count >= node.outputs.count else {
      throw error("\(node.description) has \(node.outputs.count) outputs, but \(node.op) produces \(types.count)")
    }
    // Optional results the model does not name are still typed, but keep only those it lists.
    types = Array(types.prefix(node.outputs.count))
    for (i, output) in node.outputs.enumerated() where !output.isEmpty {
      if let declared = declaredTypes[output] {
        types[i] = try refine(types[i], with: declared, output: output, node: node)
      }
    }
    let prefix = node.name.isEmpty ? node.op : node.name
    let names = node.outputs.enumerated().map { $1.isEmpty ? "\(prefix)_unused\($0)" : $1 }
    let id = graph.addNode(
      op: irNode.op, inputs: irNode.inputs, resultTypes: types, resultNames: names,
      attributes: irNode.attributes, location: irNode.location)
    for (output, value) in zip(node.outputs, graph[id].results) where !output.isEmpty {
      values[output] = value
    }
  }

  /// Combines an inferred type with the model's declaration of it: declared
  /// sizes fill in unknown ones, and a contradiction is a shape mismatch.
  func refine(_ inferred: TensorType, with declared: TensorType, output: String, node: ONNXNode) throws(ImportError) -> TensorType {
    let mismatch = error(
      "\(node.description): output '\(output)' is declared as \(Printer.spell(declared)) in the model, "
        + "but its inputs give \(Printer.spell(inferred))")
    guard inferred.elementType == declared.elementType else { throw mismatch }
    guard let a = inferred.shape.dims else { return TensorType(inferred.element, declared.shape) }
    guard let b = declared.shape.dims else { return inferred }
    guard a.count == b.count else { throw mismatch }
    var dims: [Dim] = []
    for (x, y) in zip(a, b) {
      switch (x, y) {
      case (.fixed(let m), .fixed(let n)):
        guard m == n else { throw mismatch }
        dims.append(x)
      // An annotation may fill in a dim inference could not know, but never
      // overrides a dim tied to a named input dim: exporters leave stale
      // sizes from the trace behind (batch 1 where the input says ?(batch)).
      case (.symbolic(nil), _): dims.append(y)
      default: dims.append(x)
      }
    }
    return TensorType(inferred.element, .ranked(dims))
  }

  /// The tensor type a ValueInfoProto declares.
  func tensorType(_ info: Onnx__ValueInfoProto, what: String) throws(ImportError) -> TensorType {
    guard let type = info.type else { throw error("\(what) has no type") }
    guard type.pointee.value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE, let tensor = type.pointee.tensor_type else {
      throw error("\(what) is not a tensor (sequences, maps and optionals are not supported)")
    }
    let elementType = try ONNXDataType.elementType(tensor.pointee.has_elem_type != 0 ? tensor.pointee.elem_type : 0, for: what)
    guard let shape = tensor.pointee.shape else { return TensorType(elementType, .unranked) }
    var dims: [Dim] = []
    for d in repeated(shape.pointee.n_dim, shape.pointee.dim) {
      guard let d else { continue }
      switch d.pointee.value_case {
      case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE where d.pointee.dim_value >= 0:
        dims.append(.fixed(Int(d.pointee.dim_value)))
      case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM:
        dims.append(.symbolic(GraphImporter.dimName(string(d.pointee.dim_param))))
      default:
        dims.append(.symbolic(nil))
      }
    }
    return TensorType(elementType, .ranked(dims))
  }
}

extension GraphImporter: LegacyContext {
  mutating func addConstant(_ data: TensorData, _ hint: String) -> String {
    let name = freshName(hint)
    values[name] = graph.addConstant(data, name: name)
    return name
  }

  func typeOf(_ name: String) -> TensorType? { values[name].map { graph[$0].type } }
}

extension GraphImporter {
  /// A `dim_param` as the text form can print it: an identifier, or nil when empty.
  static func dimName(_ param: String) -> String? {
    guard !param.isEmpty else { return nil }
    let clean = Graph.sanitize(param)
    return clean.first!.isLetter || clean.first == "_" ? clean : "d" + clean
  }
}
