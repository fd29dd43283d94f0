import QCCIR
import QCCOps
import _QCCProtobuf

#if canImport(Glibc)
import Glibc
#endif

/// Runs the ONNX backend test suite (as Debian's libonnx-testdata ships it)
/// through the importer and the float interpreter.
///
/// Each test is a folder with `model.onnx` and `test_data_set_*/` holding
/// `input_N.pb` and `output_N.pb` tensors. A test is *in scope* when every
/// op it uses is on qcc's supported list, at a version qcc implements
/// (`ONNXOpSupport`), and every tensor has an element type qcc has; every
/// in-scope test must pass.
public struct BackendTestSuite {
  /// Where Debian's libonnx-testdata puts the suite.
  public static let defaultRoot = "/usr/share/libonnx-testdata/data"
  /// The folders of the suite qcc runs.
  public static let defaultFolders = ["node", "pytorch-converted", "pytorch-operator"]

  /// One test: `folder/name`.
  public struct Case: Sendable {
    public var folder: String
    public var name: String
    public var path: String
  }

  public enum Outcome: Sendable, Equatable {
    case passed
    case failed(String)
    /// Out of scope: the test uses an op (or an op version) or element type qcc does not support.
    case outOfScope(String)
    /// The test's data contradicts its own model (an input shaped unlike its
    /// declaration), so no conforming runtime can run it as written.
    case invalidTestData(String)
  }

  public var root: String
  public var folders: [String]
  public var registry: OpRegistry
  /// ONNX's own backend runner defaults.
  public var relativeTolerance = 1e-3
  public var absoluteTolerance = 1e-7

  public init(root: String = BackendTestSuite.defaultRoot, folders: [String] = BackendTestSuite.defaultFolders,
              registry: OpRegistry = .standard) {
    self.root = root
    self.folders = folders
    self.registry = registry
  }

  /// Every test folder with a `model.onnx`, sorted.
  public func cases() -> [Case] {
    folders.flatMap { folder -> [Case] in
      let dir = root + "/" + folder
      return BackendTestSuite.listDirectory(dir).sorted().compactMap { name in
        let path = dir + "/" + name
        return access(path + "/model.onnx", R_OK) == 0 ? Case(folder: folder, name: name, path: path) : nil
      }
    }
  }

  /// Runs one test.
  public func run(_ test: Case) -> Outcome {
    let modelPath = test.path + "/model.onnx"
    if let reason = outOfScopeReason(modelPath: modelPath) { return .outOfScope(reason) }
    let module: Module
    do {
      module = try ONNXImporter(registry: registry).importModel(path: modelPath)
    } catch {
      return .failed("import: \(error)")
    }
    let interpreter: Interpreter
    do {
      interpreter = try Interpreter(module, registry: registry)
    } catch {
      return .failed("\(error)")
    }
    let dataSets = BackendTestSuite.listDirectory(test.path).filter { $0.hasPrefix("test_data_set_") }.sorted()
    guard !dataSets.isEmpty else { return .failed("no test_data_set_* folders") }
    for set in dataSets {
      let dir = test.path + "/" + set
      do {
        var feeds: [String: TensorData] = [:]
        for (i, input) in module.graph.inputs.enumerated() {
          guard case .input(let name) = module.graph[input].definition else { continue }
          let tensor = BackendTestSuite.asDeclared(
            try BackendTestSuite.readTensor(dir + "/input_\(i).pb"), module.graph[input].type.elementType)
          let declared = module.graph[input].type
          if tensor.elementType != declared.elementType || !declared.isCompatible(with: tensor.type) {
            return .invalidTestData(
              "\(set): input '\(name)' is \(Printer.spell(tensor.type)), but the model declares \(Printer.spell(declared))")
          }
          feeds[name] = tensor
        }
        let outputs = try interpreter.run(feeds)
        for (i, output) in outputs.enumerated() {
          let expected = BackendTestSuite.asDeclared(
            try BackendTestSuite.readTensor(dir + "/output_\(i).pb"), output.value.elementType)
          if let problem = compare(output.value, expected) {
            return .failed("\(set) output \(i) '\(output.name)': \(problem)")
          }
        }
      } catch {
        return .failed("\(set): \(error)")
      }
    }
    return .passed
  }

  /// Why a model is outside qcc's scope, by looking at its ops and types
  /// without importing it; nil when it is in scope.
  func outOfScopeReason(modelPath: String) -> String? {
    guard let file = try? MappedFile(path: modelPath), let decoded = DecodedModel(bytes: file.bytes),
      let graph = decoded.proto.pointee.graph
    else { return nil }  // Let the importer report the problem.
    let g = graph.pointee
    var ops = Set<String>()
    var types = Set<Int32>()
    var nonTensor = false
    var opset = 1
    for entry in repeated(decoded.proto.pointee.n_opset_import, decoded.proto.pointee.opset_import) {
      guard let entry else { continue }
      let domain = string(entry.pointee.domain)
      if domain.isEmpty || domain == "ai.onnx" { opset = Int(entry.pointee.version) }
    }
    var tooNew = Set<String>()
    for node in repeated(g.n_node, g.node) {
      guard let node else { continue }
      let domain = string(node.pointee.domain)
      let op = string(node.pointee.op_type)
      let name = domain.isEmpty || domain == "ai.onnx" ? op : "\(domain).\(op)"
      if name != "Constant" && registry[name] == nil { ops.insert(name) }
      if name == op, let version = ONNXOpSupport.effectiveVersion(of: op, opset: opset),
        let implemented = ONNXOpSupport.implementedVersion(of: op), version > implemented
      {
        tooNew.insert("\(op)-\(version) (qcc implements \(implemented))")
      }
      for a in repeated(node.pointee.n_attribute, node.pointee.attribute) {
        if let t = a?.pointee.t, t.pointee.has_data_type != 0 { types.insert(t.pointee.data_type) }
        if let a, a.pointee.n_graphs > 0 || a.pointee.g != nil { ops.insert("\(op) (subgraph)") }
      }
    }
    for info in repeated(g.n_input, g.input) + repeated(g.n_output, g.output) + repeated(g.n_value_info, g.value_info) {
      guard let type = info?.pointee.type else { continue }
      if type.pointee.value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE, let t = type.pointee.tensor_type {
        types.insert(t.pointee.elem_type)
      } else {
        nonTensor = true
      }
    }
    for t in repeated(g.n_initializer, g.initializer) {
      if let t { types.insert(t.pointee.data_type) }
    }
    if !ops.isEmpty { return "unsupported op: " + ops.sorted().joined(separator: ", ") }
    if nonTensor { return "unsupported type: sequence, map or optional" }
    let unsupported = types.filter { ONNXDataType.elementType(Int($0)) == nil }
    if !unsupported.isEmpty {
      return "unsupported type: " + unsupported.sorted().map { ONNXDataType.name(Int($0)) }.joined(separator: ", ")
    }
    // Supported ops are supported up to a version (ONNXOpSupport); the importer rejects newer ones.
    if !tooNew.isEmpty { return "unsupported op version: " + tooNew.sorted().joined(separator: ", ") }
    // A newer onnx than qcc's op history knows generates tests qcc cannot read yet.
    if !ONNXImporter.supportedOpsets.contains(opset) { return "unsupported opset \(opset)" }
    let ir = decoded.proto.pointee.ir_version
    if ir > ONNXImporter.supportedIRVersions.upperBound { return "unsupported IR version \(ir)" }
    return nil
  }

  /// nil when `actual` matches `expected`: same type and shape, integers and
  /// bools exactly, floats within |a − e| ≤ atol + rtol·|e| with NaN where NaN is.
  func compare(_ actual: TensorData, _ expected: TensorData) -> String? {
    guard actual.elementType == expected.elementType else {
      return "element type \(actual.elementType), expected \(expected.elementType)"
    }
    guard actual.shape == expected.shape else { return "shape \(actual.shape), expected \(expected.shape)" }
    if actual.elementType.isFloatingPoint {
      let a = actual.doubles(), e = expected.doubles()
      for i in 0..<a.count {
        if a[i].isNaN && e[i].isNaN { continue }
        if a[i] == e[i] { continue }  // Infinities of the same sign.
        if !(abs(a[i] - e[i]) <= absoluteTolerance + relativeTolerance * abs(e[i])) {
          return "element \(i) is \(a[i]), expected \(e[i])"
        }
      }
      return nil
    }
    guard actual.bytes.elementsEqual(expected.bytes) else {
      let a = actual.integers() ?? [], e = expected.integers() ?? []
      let i = zip(a, e).enumerated().first { $1.0 != $1.1 }?.offset ?? 0
      return "element \(i) is \(a.count > i ? a[i] : 0), expected \(e.count > i ? e[i] : 0)"
    }
    return nil
  }

  /// ONNX 1.12's test data stores bfloat16 tensors as UINT16 bit patterns
  /// (numpy has no bfloat16); read those as the bf16 the model declares.
  static func asDeclared(_ t: TensorData, _ declared: ElementType) -> TensorData {
    guard t.elementType == .u16, declared == .bf16 else { return t }
    return TensorData(elementType: .bf16, shape: t.shape, storage: t.storage, byteOffset: t.byteOffset)
  }

  /// Reads a serialized TensorProto (`input_0.pb`).
  public static func readTensor(_ path: String) throws(ImportError) -> TensorData {
    let file = try MappedFile(path: path)
    guard let decoded = DecodedTensor(bytes: file.bytes) else {
      throw ImportError("\(path): not a valid TensorProto")
    }
    var decoder = TensorDecoder(baseDirectory: "", owner: decoded)
    return try decoder.decode(decoded.proto, what: path)
  }

  static func listDirectory(_ path: String) -> [String] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }
}
