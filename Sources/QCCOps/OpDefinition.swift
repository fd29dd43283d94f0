import QCCIR

/// Why an op cannot type or evaluate a node. The message is about the op
/// ("axis 3 is out of range for rank 2"); callers prefix the node.
public struct OpError: Error, CustomStringConvertible, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// The semantics of one op: the types of its results, and the float reference
/// evaluation the interpreter runs.
///
/// Both halves share one understanding of the op's attributes and shapes:
/// `inferTypes` sees types (and the data of constant operands), `evaluate`
/// sees concrete tensors, and evaluation must produce exactly the types that
/// inference promised whenever inference knew them.
public struct OpDefinition: Sendable {
  /// The op name as it appears in the IR (`MatMul`, `LayerNormalization`).
  public let name: String
  /// The result types, from operand types and any constant operands.
  public let inferTypes: @Sendable (InferenceContext) throws(OpError) -> [TensorType]
  /// The results, computed in float (f32 ops run the shared C kernels).
  public let evaluate: @Sendable (EvaluationContext) throws(OpError) -> [TensorData]

  public init(
    _ name: String,
    inferTypes: @escaping @Sendable (InferenceContext) throws(OpError) -> [TensorType],
    evaluate: @escaping @Sendable (EvaluationContext) throws(OpError) -> [TensorData]
  ) {
    self.name = name
    self.inferTypes = inferTypes
    self.evaluate = evaluate
  }
}

/// What type inference sees of a node: its attributes, its operands' types,
/// and the data of operands that are constants.
public struct InferenceContext: Sendable {
  public let node: Node
  /// Operand types; nil where an optional operand is omitted.
  public let inputTypes: [TensorType?]
  /// Operand data where the operand is a constant (or known at run time).
  public let inputValues: [TensorData?]
  /// How many results the node has (variadic ops such as Split need it).
  public let resultCount: Int
  /// The result types the node already records, when it is in a graph. Ops
  /// whose result type a pass chooses rather than the operands determine
  /// (`qcc.quantize`: the scale and zero point) check against and return these.
  public let declaredResultTypes: [TensorType]?
  /// The graph's quantization parameters (`#name` tensors), for ops on quantized values.
  public let parameters: [String: Constant]

  public init(
    node: Node, inputTypes: [TensorType?], inputValues: [TensorData?], resultCount: Int? = nil,
    declaredResultTypes: [TensorType]? = nil, parameters: [String: Constant] = [:]
  ) {
    self.node = node
    self.inputTypes = inputTypes
    self.inputValues = inputValues
    self.resultCount = resultCount ?? node.results.count
    self.declaredResultTypes = declaredResultTypes
    self.parameters = parameters
  }

  public var attributes: AttributeReader { AttributeReader(node.attributes) }
  public var inputCount: Int { inputTypes.count }

  /// The type of required operand `i`.
  public func input(_ i: Int) throws(OpError) -> TensorType {
    guard i < inputTypes.count, let t = inputTypes[i] else { throw OpError("missing required input \(i)") }
    return t
  }

  /// The type of optional operand `i`, nil when omitted.
  public func optionalInput(_ i: Int) -> TensorType? { i < inputTypes.count ? inputTypes[i] : nil }

  /// The data of operand `i` when it is known at compile time.
  public func value(_ i: Int) -> TensorData? { i < inputValues.count ? inputValues[i] : nil }

  public func hasInput(_ i: Int) -> Bool { i < inputTypes.count && inputTypes[i] != nil }
}

/// What evaluation sees of a node: its attributes, its operand tensors, and
/// the IR types around it (which carry quantization: a tensor of an `i8`
/// value holds the integers, its type says what they stand for).
public struct EvaluationContext: Sendable {
  public let node: Node
  /// Operand tensors; nil where an optional operand is omitted.
  public let inputs: [TensorData?]
  /// The operands' IR types; nil entries where unknown (the tensor's own type then applies).
  public let inputTypes: [TensorType?]
  /// The results' IR types, when the node is in a graph.
  public let resultTypes: [TensorType]?
  /// The graph's quantization parameters (`#name` tensors).
  public let parameters: [String: Constant]

  public init(
    node: Node, inputs: [TensorData?], inputTypes: [TensorType?] = [], resultTypes: [TensorType]? = nil,
    parameters: [String: Constant] = [:]
  ) {
    self.node = node
    self.inputs = inputs
    self.inputTypes = inputTypes
    self.resultTypes = resultTypes
    self.parameters = parameters
  }

  /// The IR type of operand `i`: its declared element (quantized or plain) with the tensor's concrete shape.
  public func inputType(_ i: Int) -> TensorType? {
    guard i < inputs.count, let data = inputs[i] else { return nil }
    let element = i < inputTypes.count ? inputTypes[i]?.element ?? .plain(data.elementType) : .plain(data.elementType)
    return TensorType(element, Shape(data.shape))
  }

  public var attributes: AttributeReader { AttributeReader(node.attributes) }

  public func input(_ i: Int) throws(OpError) -> TensorData {
    guard i < inputs.count, let t = inputs[i] else { throw OpError("missing required input \(i)") }
    return t
  }

  public func optionalInput(_ i: Int) -> TensorData? { i < inputs.count ? inputs[i] : nil }

  /// The same node seen by type inference with every operand known: how an
  /// evaluator computes its result shapes with the inference code.
  public var inference: InferenceContext {
    InferenceContext(
      node: node, inputTypes: inputs.indices.map { inputType($0) }, inputValues: inputs,
      declaredResultTypes: resultTypes, parameters: parameters)
  }
}

/// Typed, defaulted access to a node's attributes; a wrong kind is an error
/// that names the attribute.
public struct AttributeReader: Sendable {
  let attributes: Attributes
  public init(_ attributes: Attributes) { self.attributes = attributes }

  public func has(_ name: String) -> Bool { attributes[name] != nil }

  public func int(_ name: String) throws(OpError) -> Int? {
    switch attributes[name] {
    case nil: return nil
    case .int(let v): return Int(v)
    case let other?: throw OpError("attribute '\(name)' must be an int, not \(other.kindName)")
    }
  }

  public func int(_ name: String, default value: Int) throws(OpError) -> Int { try int(name) ?? value }

  public func float(_ name: String) throws(OpError) -> Float? {
    switch attributes[name] {
    case nil: return nil
    case .float(let v): return v
    case .int(let v): return Float(v)
    case let other?: throw OpError("attribute '\(name)' must be a float, not \(other.kindName)")
    }
  }

  public func float(_ name: String, default value: Float) throws(OpError) -> Float { try float(name) ?? value }

  public func string(_ name: String) throws(OpError) -> String? {
    switch attributes[name] {
    case nil: return nil
    case .string(let v): return v
    case let other?: throw OpError("attribute '\(name)' must be a string, not \(other.kindName)")
    }
  }

  public func string(_ name: String, default value: String) throws(OpError) -> String { try string(name) ?? value }

  public func ints(_ name: String) throws(OpError) -> [Int]? {
    switch attributes[name] {
    case nil: return nil
    case .ints(let v): return v.map { Int($0) }
    case .int(let v): return [Int(v)]
    case let other?: throw OpError("attribute '\(name)' must be a list of ints, not \(other.kindName)")
    }
  }

  public func floats(_ name: String) throws(OpError) -> [Float]? {
    switch attributes[name] {
    case nil: return nil
    case .floats(let v): return v
    case let other?: throw OpError("attribute '\(name)' must be a list of floats, not \(other.kindName)")
    }
  }

  public func tensor(_ name: String) throws(OpError) -> TensorData? {
    switch attributes[name] {
    case nil: return nil
    case .tensor(let v): return v
    case let other?: throw OpError("attribute '\(name)' must be a tensor, not \(other.kindName)")
    }
  }
}

/// Normalizes a possibly negative axis against `rank`, or throws naming it.
/// The valid axes are -rank..<rank: a rank-0 tensor (a scalar) has none, and
/// an op that gives a scalar an axis handles that case itself.
public func normalizeAxis(_ axis: Int, rank: Int, name: String = "axis") throws(OpError) -> Int {
  let a = axis < 0 ? axis + rank : axis
  guard a >= 0 && a < rank else { throw OpError("\(name) \(axis) is out of range for rank \(rank)") }
  return a
}
