import QCCIR
import _QCCProtobuf

/// A node as ONNX spells it, decoded from protobuf: tensor names rather than
/// values. The importer upgrades old-opset spellings on this form before it
/// builds IR.
struct ONNXNode {
  var name: String
  var op: String
  var domain: String
  /// Input tensor names; "" is an omitted optional input.
  var inputs: [String]
  /// Output tensor names; "" is an output the model does not use.
  var outputs: [String]
  var attributes: Attributes

  /// How messages name the node: `node 'name' (Op)`, or by its first output when unnamed.
  var description: String {
    if !name.isEmpty { return "node '\(name)' (\(op))" }
    if let first = outputs.first(where: { !$0.isEmpty }) { return "node producing '\(first)' (\(op))" }
    return "unnamed \(op) node"
  }

  /// `op`, qualified by its domain when that is not the default one.
  var qualifiedOp: String { domain.isEmpty || domain == "ai.onnx" ? op : "\(domain).\(op)" }
}

extension ONNXNode {
  /// Decodes a node. Inside a model-local function body, `callerAttributes`
  /// are the calling node's attributes, which `ref_attr_name` attributes refer to.
  init(_ p: Onnx__NodeProto, decoder: inout TensorDecoder, callerAttributes: Attributes? = nil) throws(ImportError) {
    name = string(p.name)
    op = string(p.op_type)
    domain = string(p.domain)
    inputs = repeated(p.n_input, p.input).map { string($0) }
    outputs = repeated(p.n_output, p.output).map { string($0) }
    attributes = Attributes()
    for a in repeated(p.n_attribute, p.attribute) {
      guard let a else { continue }
      let attributeName = string(a.pointee.name)
      let what = "\(name.isEmpty ? op : "node '\(name)' (\(op))") attribute '\(attributeName)'"
      let reference = string(a.pointee.ref_attr_name)
      if !reference.isEmpty {
        guard let callerAttributes else {
          throw ImportError("\(what) refers to a function attribute '\(reference)' outside a function")
        }
        // An attribute the caller does not set is left unset (the op's default applies).
        attributes[attributeName] = callerAttributes[reference]
        continue
      }
      attributes[attributeName] = try ONNXNode.decodeAttribute(a.pointee, what: what, decoder: &decoder)
    }
  }

  static func decodeAttribute(
    _ a: Onnx__AttributeProto, what: String, decoder: inout TensorDecoder
  ) throws(ImportError) -> Attribute {
    switch a.type {
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT: return .float(a.f)
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT: return .int(a.i)
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING: return .string(string(a.s))
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS: return .floats(repeated(a.n_floats, a.floats))
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS: return .ints(repeated(a.n_ints, a.ints))
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS: return .strings(repeated(a.n_strings, a.strings).map { string($0) })
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR:
      guard let t = a.t else { throw ImportError("\(what) is a tensor attribute without a tensor") }
      return .tensor(try decoder.decode(t, what: what))
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS:
      throw ImportError("\(what) is a subgraph; control flow (If, Loop, Scan) is not supported")
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSORS:
      throw ImportError("\(what) is a sparse tensor, which qcc does not support")
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS:
      throw ImportError("\(what) is a list of tensors, which qcc does not support")
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTO, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTOS:
      throw ImportError("\(what) is a type, which qcc does not support")
    default:
      // IR version 1 models may omit the type; infer it from the field that is set.
      if a.n_ints > 0 { return .ints(repeated(a.n_ints, a.ints)) }
      if a.n_floats > 0 { return .floats(repeated(a.n_floats, a.floats)) }
      if a.n_strings > 0 { return .strings(repeated(a.n_strings, a.strings).map { string($0) }) }
      if let t = a.t { return .tensor(try decoder.decode(t, what: what)) }
      if a.has_i != 0 { return .int(a.i) }
      if a.has_f != 0 { return .float(a.f) }
      if a.has_s != 0 { return .string(string(a.s)) }
      throw ImportError("\(what) has no value")
    }
  }
}
