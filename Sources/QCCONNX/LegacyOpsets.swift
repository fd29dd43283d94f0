import QCCIR

/// Rewrites nodes written against older opsets into the form of the newest
/// opset, so that each op has one meaning inside qcc.
///
/// Most changes moved an attribute into an input (`axes`, `split`, `starts`,
/// `min`…): those become constant inputs. Legacy broadcasting (`broadcast=1`,
/// `axis`) becomes numpy broadcasting by reshaping the second operand, and
/// pre-13 `Softmax` (which flattens to 2-D at `axis`) becomes Flatten,
/// Softmax and Reshape. Casts to bf16 before opset 19 truncate (the ONNX 1.12
/// reference and its test data; later references round to nearest even), which
/// `truncate_bf16 = 1` keeps. Anything whose old meaning qcc cannot express is
/// an error naming the node and the opset.
struct LegacyOpsets {
  /// The model's default-domain opset version.
  var opset: Int

  func upgrade(_ node: ONNXNode, _ context: inout some LegacyContext) throws(ImportError) -> [ONNXNode] {
    var node = node
    guard node.qualifiedOp == node.op else { return [node] }
    // Opset 1-5 bookkeeping attributes with no effect on inference.
    node.attributes["consumed_inputs"] = nil
    if node.op == "Dropout" {
      node.attributes["is_test"] = nil
      node.attributes["ratio"] = nil
    }

    switch node.op {
    case "Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal", "Greater", "Less":
      return try legacyBroadcast(node, &context)
    case "PRelu":
      if opset < 7 { return try channelSlope(node, &context) }
    case "Gemm":
      node.attributes["broadcast"] = nil
    case "Softmax", "LogSoftmax", "Hardmax":
      if opset < 13 { return try flattenedSoftmax(node, &context) }
    case "Split":
      try moveAttributeToInput(&node, &context, "split", at: 1, as: .i64)
    case "Squeeze", "Unsqueeze":
      try moveAttributeToInput(&node, &context, "axes", at: 1, as: .i64)
    case "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
      "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare":
      try moveAttributeToInput(&node, &context, "axes", at: 1, as: .i64)
    case "Slice":
      if node.attributes["starts"] != nil {
        try moveAttributeToInput(&node, &context, "starts", at: 1, as: .i64)
        try moveAttributeToInput(&node, &context, "ends", at: 2, as: .i64)
        try moveAttributeToInput(&node, &context, "axes", at: 3, as: .i64)
      }
    case "Clip":
      if node.attributes["min"] != nil || node.attributes["max"] != nil {
        let type = context.typeOf(node.inputs[0])?.elementType ?? .f32
        try moveAttributeToInput(&node, &context, "min", at: 1, as: type)
        try moveAttributeToInput(&node, &context, "max", at: 2, as: type)
      }
    case "Reshape":
      try moveAttributeToInput(&node, &context, "shape", at: 1, as: .i64)
    case "Concat":
      if node.attributes["axis"] == nil && opset < 4 { node.attributes["axis"] = .int(1) }
    case "Cast":
      if case .string(let name)? = node.attributes["to"] {
        guard let code = LegacyOpsets.dataTypeCodes[name.uppercased()] else {
          throw ImportError("\(node.description): unknown Cast target type '\(name)'")
        }
        node.attributes["to"] = .int(code)
      }
      if opset < 19, case .int(16)? = node.attributes["to"] { node.attributes["truncate_bf16"] = .int(1) }
    case "CastLike":
      if opset < 19, node.inputs.count > 1, context.typeOf(node.inputs[1])?.elementType == .bf16 {
        node.attributes["truncate_bf16"] = .int(1)
      }
    default:
      break
    }
    return [node]
  }

  /// ONNX data type names, as opset-1 Cast spells its `to` attribute.
  static let dataTypeCodes: [String: Int64] = [
    "FLOAT": 1, "UINT8": 2, "INT8": 3, "UINT16": 4, "INT16": 5, "INT32": 6, "INT64": 7, "STRING": 8,
    "BOOL": 9, "FLOAT16": 10, "DOUBLE": 11, "UINT32": 12, "UINT64": 13, "BFLOAT16": 16,
  ]

  /// Turns attribute `name` into constant input `index` (leaving gaps as omitted inputs).
  private func moveAttributeToInput(
    _ node: inout ONNXNode, _ context: inout some LegacyContext, _ name: String, at index: Int, as type: ElementType
  ) throws(ImportError) {
    guard let attribute = node.attributes[name] else { return }
    node.attributes[name] = nil
    let data: TensorData
    switch (attribute, type) {
    case (.ints(let v), .i64): data = TensorData(shape: [v.count], scalars: v)
    case (.int(let v), .i64): data = TensorData(shape: [1], scalars: [v])
    case (.float(let v), .f32): data = TensorData(scalar: v)
    case (.float(let v), .f64): data = TensorData(scalar: Double(v))
    case (.float(let v), .f16): data = TensorData(scalar: Float16(v))
    default:
      throw ImportError("\(node.description): legacy attribute '\(name)' (\(attribute.kindName)) cannot be upgraded")
    }
    while node.inputs.count <= index { node.inputs.append("") }
    guard node.inputs[index].isEmpty else {
      throw ImportError("\(node.description): '\(name)' is given both as an attribute and as input \(index)")
    }
    node.inputs[index] = context.addConstant(data, (node.name.isEmpty ? node.op : node.name) + "_" + name)
  }

  /// Opset 1–6 broadcasting: `broadcast=1` lets B broadcast to A, aligned at
  /// `axis` (default: trailing). Reshaping B with trailing 1s gives the numpy meaning.
  private func legacyBroadcast(_ node: ONNXNode, _ context: inout some LegacyContext) throws(ImportError) -> [ONNXNode] {
    var node = node
    let broadcast = node.attributes["broadcast"]
    node.attributes["broadcast"] = nil
    guard case .int(let axisValue)? = node.attributes["axis"] else { return [node] }
    node.attributes["axis"] = nil
    guard case .int(1)? = broadcast else { return [node] }
    guard let a = context.typeOf(node.inputs[0])?.shape.rank, let bType = context.typeOf(node.inputs[1]),
      let bShape = bType.shape.staticSizes
    else {
      throw ImportError("\(node.description): legacy broadcast with an axis needs static operand shapes")
    }
    let axis = axisValue < 0 ? Int(axisValue) + a : Int(axisValue)
    let trailing = a - axis - bShape.count
    guard trailing >= 0 else {
      throw ImportError("\(node.description): legacy broadcast axis \(axisValue) does not fit the operands")
    }
    if trailing == 0 { return [node] }
    let target = bShape + [Int](repeating: 1, count: trailing)
    let shapeName = context.addConstant(TensorData(shape: [target.count], scalars: target.map(Int64.init)), node.name + "_bshape")
    let reshaped = context.freshName(node.inputs[1] + "_aligned")
    let reshape = ONNXNode(
      name: node.name + "_align", op: "Reshape", domain: "", inputs: [node.inputs[1], shapeName],
      outputs: [reshaped], attributes: Attributes())
    node.inputs[1] = reshaped
    return [reshape, node]
  }

  /// Before opset 7, PRelu applied a 1-D slope of C values per channel (axis 1);
  /// reshaping it to [C, 1, …, 1] gives that meaning under numpy broadcasting.
  private func channelSlope(_ node: ONNXNode, _ context: inout some LegacyContext) throws(ImportError) -> [ONNXNode] {
    var node = node
    guard node.inputs.count == 2, let x = context.typeOf(node.inputs[0])?.shape.dims,
      let slope = context.typeOf(node.inputs[1])?.shape.staticSizes, slope.count == 1, x.count > 2,
      slope[0] != 1, x[1].value == slope[0]
    else { return [node] }
    let target = [slope[0]] + [Int](repeating: 1, count: x.count - 2)
    let prefix = node.name.isEmpty ? "PRelu" : node.name
    let shapeName = context.addConstant(TensorData(shape: [target.count], scalars: target.map(Int64.init)), prefix + "_slope_shape")
    let reshaped = context.freshName(node.inputs[1] + "_per_channel")
    let reshape = ONNXNode(
      name: prefix + "_slope", op: "Reshape", domain: "", inputs: [node.inputs[1], shapeName], outputs: [reshaped],
      attributes: Attributes())
    node.inputs[1] = reshaped
    return [reshape, node]
  }

  /// Before opset 13, Softmax(axis) flattened its input to 2-D at `axis`
  /// (default 1) and normalised each row.
  private func flattenedSoftmax(_ node: ONNXNode, _ context: inout some LegacyContext) throws(ImportError) -> [ONNXNode] {
    let axisValue: Int64
    switch node.attributes["axis"] {
    case nil: axisValue = 1
    case .int(let v)?: axisValue = v
    default: throw ImportError("\(node.description): attribute 'axis' must be an int")
    }
    var softmax = node
    guard let rank = context.typeOf(node.inputs[0])?.shape.rank else {
      throw ImportError("\(node.description): opset \(opset) \(node.op) needs an input of known rank")
    }
    let axis = axisValue < 0 ? Int(axisValue) + rank : Int(axisValue)
    if axis == rank - 1 {
      softmax.attributes["axis"] = .int(-1)
      return [softmax]
    }
    let x = node.inputs[0]
    let flat = context.freshName(x + "_2d"), shape = context.freshName(x + "_shape")
    let normalized = context.freshName(node.outputs[0] + "_2d")
    let prefix = node.name.isEmpty ? node.op : node.name
    softmax.inputs = [flat]
    softmax.outputs = [normalized]
    softmax.attributes["axis"] = .int(-1)
    return [
      ONNXNode(name: prefix + "_flatten", op: "Flatten", domain: "", inputs: [x], outputs: [flat],
               attributes: Attributes([("axis", .int(Int64(axis)))])),
      softmax,
      ONNXNode(name: prefix + "_shape", op: "Shape", domain: "", inputs: [x], outputs: [shape], attributes: Attributes()),
      ONNXNode(name: prefix + "_restore", op: "Reshape", domain: "", inputs: [normalized, shape], outputs: node.outputs,
               attributes: Attributes()),
    ]
  }
}

/// What upgrading needs from the importer.
protocol LegacyContext {
  /// Adds a constant tensor to the model and returns its (unique) tensor name.
  mutating func addConstant(_ data: TensorData, _ hint: String) -> String
  /// The type of a tensor already imported, by name.
  func typeOf(_ name: String) -> TensorType?
  /// Names a new intermediate tensor.
  mutating func freshName(_ hint: String) -> String
}
