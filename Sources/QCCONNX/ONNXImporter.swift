import QCCIR
import QCCOps
import _QCCProtobuf

/// Imports an ONNX model into a verified IR module.
///
/// The model is memory-mapped and decoded with protobuf-c; weights in
/// `raw_data` and in external data files are borrowed, not copied. Nodes are
/// upgraded to the newest opset's spelling, sorted topologically, and typed
/// by the op registry's shape inference, which also checks that the model's
/// own shape annotations agree.
public struct ONNXImporter {
  /// Default-domain opsets this importer reads: up to the newest in the op history.
  /// Opsets before 13 are upgraded on import; nodes whose op version is newer
  /// than qcc implements are rejected one by one (`ONNXOpSupport`).
  public static let supportedOpsets = 1...ONNXOpHistory.newestOpset
  /// Model IR versions this importer reads. Element types newer IR versions
  /// added (float4, float8e8m0, int2…) are rejected where they appear.
  public static let supportedIRVersions: ClosedRange<Int64> = 1...14

  public var registry: OpRegistry

  public init(registry: OpRegistry = .standard) {
    self.registry = registry
  }

  /// Imports the model at `path`. External data files are looked up next to it.
  public func importModel(path: String) throws(ImportError) -> Module {
    let file = try MappedFile(path: path)
    let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : ""
    return try importModel(bytes: file.bytes, name: path, baseDirectory: directory)
  }

  /// Imports a model from its serialized bytes. `name` is used in messages.
  public func importModel(bytes: UnsafeRawBufferPointer, name: String, baseDirectory: String = "") throws(ImportError) -> Module {
    guard bytes.count > 0 else { throw ImportError("\(name): the file is empty") }
    guard let decoded = DecodedModel(bytes: bytes) else {
      throw ImportError(
        "\(name): not a valid ONNX model: protobuf decoding failed (the file is truncated, corrupt, or not an ONNX ModelProto)")
    }
    let model = decoded.proto.pointee
    guard model.has_ir_version != 0 else {
      throw ImportError("\(name): not a valid ONNX model: it has no ir_version (is this an ONNX file?)")
    }
    guard ONNXImporter.supportedIRVersions.contains(model.ir_version) else {
      throw ImportError(
        "\(name): model IR version \(model.ir_version) is not supported (qcc reads IR versions "
          + "\(ONNXImporter.supportedIRVersions.lowerBound)–\(ONNXImporter.supportedIRVersions.upperBound))")
    }
    guard let graph = model.graph else { throw ImportError("\(name): the model has no graph") }

    var opset: Int?
    for entry in repeated(model.n_opset_import, model.opset_import) {
      guard let entry else { continue }
      let domain = string(entry.pointee.domain)
      if domain.isEmpty || domain == "ai.onnx" { opset = Int(entry.pointee.version) }
    }
    // IR version 3+ requires opset_import; models without one mean opset 1.
    let version = opset ?? 1
    guard ONNXImporter.supportedOpsets.contains(version) else {
      throw ImportError(
        "\(name): default-domain opset \(version) is not supported (qcc reads opsets "
          + "\(ONNXImporter.supportedOpsets.lowerBound)–\(ONNXImporter.supportedOpsets.upperBound))")
    }

    var builder = GraphImporter(
      registry: registry, opset: version,
      decoder: TensorDecoder(baseDirectory: baseDirectory, owner: decoded))
    for f in repeated(model.n_functions, model.functions) {
      guard let f else { continue }
      let key = string(f.pointee.domain) + ":" + string(f.pointee.name)
      // IR 10 lets functions share a name, told apart by an `overload` field Debian's onnx.proto lacks.
      guard builder.functions[key] == nil else {
        throw ImportError("\(name): the model defines function '\(key)' more than once (overloads are not supported)")
      }
      builder.functions[key] = UnsafePointer(f)
    }
    let g: Graph
    do {
      g = try builder.importGraph(graph.pointee)
    } catch {
      throw ImportError("\(name): \(error.message)")
    }
    var metadata = Attributes()
    let producer = [string(model.producer_name), string(model.producer_version)].filter { !$0.isEmpty }
    if !producer.isEmpty { metadata["producer"] = .string(producer.joined(separator: " ")) }
    metadata["source_opset"] = .int(Int64(version))
    metadata["source_ir_version"] = .int(model.ir_version)
    let module = Module(name: ONNXImporter.moduleName(for: name, graphName: string(graph.pointee.name)), graph: g, metadata: metadata)
    do {
      try Verifier.verify(module, rules: registry)
    } catch {
      throw ImportError("\(name): the imported graph does not verify (an importer bug):\n\(error)")
    }
    return module
  }

  /// `@vit` for `models/vit/model.onnx`: the file name, or its folder for files named `model`.
  static func moduleName(for path: String, graphName: String) -> String {
    var parts = path.split(separator: "/").map(String.init)
    var stem = parts.popLast() ?? "model"
    if let dot = stem.lastIndex(of: ".") { stem = String(stem[..<dot]) }
    if stem == "model", let folder = parts.last { stem = folder }
    let clean = Graph.sanitize(stem)
    return clean.first!.isLetter || clean.first == "_" ? clean : "m" + clean
  }
}
