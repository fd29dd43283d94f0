import Foundation
import QCCIO
import QCCIR
import Testing
import _QCCTestSupport

#if canImport(FoundationXML)
import FoundationXML
#endif

/// `qcc report` on the example model (its x.npy, 4 stacked samples, serves as
/// both calibration and eval data) and on small hand-made modules.
@Suite struct ReportTests {
  let example = Fixtures.root.appendingPathComponent("examples/tiny-transformer").path
  static let sameDataWarning =
    "qcc: warning: report: the eval data is the calibration data, so the error is not measured on held-out samples\n"
  /// The example's quantized MatMuls (the Gemm is decomposed), in graph order.
  static let exampleLayers = [
    "/block/attn/qkv/MatMul", "/block/attn/MatMul_qk", "/block/attn/MatMul_pv", "/block/attn/o/MatMul",
    "/block/mlp/fc1/MatMul", "/block/mlp/fc2/MatMul", "/head/Gemm",
  ]
  static let topLevelKeys = [
    "format", "version", "model", "pipeline", "preset", "samples", "outputs", "layers", "float_layers", "warnings", "seconds",
  ]
  static let layerKeys = [
    "index", "value", "op", "location", "scheme", "sqnr_db", "signal", "noise", "max_abs_error", "elements", "operands",
  ]
  static let operandKeys = ["operand", "role", "bits", "storage", "min", "max", "granularity", "axis", "group_size", "symmetric"]
  static let agreementKeys = ["sqnr_db", "cosine", "argmax_agreement", "max_abs_error"]

  /// A fresh folder holding the example's x.npy (its own folder also holds logits_ref.npy, which is no input).
  func exampleData() throws -> String { try QCCCommand.exampleDataFolder() }

  /// The keys of a JSON object in the order the text spells them.
  func keyOrder(_ object: [String: Any], in text: Substring) -> [String] {
    object.keys.sorted { text.range(of: "\"\($0)\":")!.lowerBound < text.range(of: "\"\($1)\":")!.lowerBound }
  }

  @Test func reportsEveryQuantizedLayerWorstFirst() throws {
    let data = try exampleData()
    let out = QCCCommand.temporaryDirectory()
    let r = try QCCCommand.run([
      "report", example + "/model.onnx", "--calib", data, "--eval", data, "--json", out + "/r.json", "--svg", out + "/r.svg",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr == Self.sameDataWarning)
    let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines[0] == "qcc report: \(example)/model.onnx")
    #expect(lines[1] == "  pipeline  canonicalize,calibrate,smooth,calibrate{method=mse},assign,lower,fuse (preset w8a8)")
    #expect(lines[2] == "  samples   4 calibration, 4 eval")
    #expect(lines[3] == "  layers    7 MatMul/Conv quantized, 0 left in float")
    #expect(lines.contains("  output  SQNR dB    cosine  argmax  max abs err  QDQ SQNR dB  int vs QDQ dB"))
    let header = try #require(lines.firstIndex { $0.hasPrefix("  #  layer ") })
    #expect(lines[header] == "  #  layer                   op      SQNR dB  operands")
    let rows = lines[(header + 1)...].prefix { $0.hasPrefix("  ") }
    #expect(rows.count == 7)
    #expect(Set(rows.map { $0.split(separator: " ")[1] }) == Set(Self.exampleLayers.map { Substring($0) }))
    let shownSQNR = rows.map { Double($0.split(separator: " ")[3])! }
    #expect(shownSQNR == shownSQNR.sorted())
    #expect(rows.first { $0.contains("/block/attn/MatMul_qk ") }!.hasSuffix("  a8 per-tensor asym / a8 per-tensor asym"))
    #expect(rows.first { $0.contains("/block/attn/qkv/MatMul ") }!.hasSuffix("  w8 per-channel sym / a8 per-tensor asym"))
    #expect(r.stdout.hasSuffix("JSON → \(out)/r.json\nSVG chart → \(out)/r.svg\n"))

    // The JSON: documented keys in the documented order, every layer, finite SQNRs worst first.
    let text = try String(contentsOfFile: out + "/r.json", encoding: .utf8)
    let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect(keyOrder(json, in: text[...]) == Self.topLevelKeys)
    #expect(json["format"] as? String == "qcc-quantization-report")
    #expect(json["version"] as? Int == 1)
    #expect(json["preset"] as? String == "w8a8")
    #expect(json["samples"] as? [String: Int] == ["calibration": 4, "eval": 4])
    #expect(json["float_layers"] as? [String] == [])
    #expect(json["warnings"] as? [String] == [String(Self.sameDataWarning.dropFirst("qcc: warning: ".count).dropLast())])
    let outputs = try #require(json["outputs"] as? [[String: Any]])
    #expect(outputs.count == 1)
    #expect(outputs[0]["name"] as? String == "logits")
    #expect(outputs[0]["shape"] as? [Int] == [1, 10])
    for key in ["integer", "qdq", "integer_vs_qdq"] {
      let a = try #require(outputs[0][key] as? [String: Double], "\(key)")
      #expect(Set(a.keys) == Set(Self.agreementKeys))
      #expect(a["sqnr_db"]!.isFinite && a["sqnr_db"]! > 20, "\(key): \(a)")
    }
    let layers = try #require(json["layers"] as? [[String: Any]])
    #expect(layers.count == 7)
    let layersText = text[text.range(of: "\"layers\": [")!.upperBound...]
    #expect(keyOrder(layers[0], in: layersText) == Self.layerKeys)
    let sqnr = layers.map { $0["sqnr_db"] as? Double ?? .nan }
    #expect(sqnr.allSatisfy { $0.isFinite })
    #expect(sqnr == sqnr.sorted())
    #expect(Set(layers.map { $0["index"] as! Int }) == Set(0..<7))
    for layer in layers {
      let index = layer["index"] as! Int
      #expect(layer["location"] as? String == Self.exampleLayers[index])
      #expect(layer["op"] as? String == "MatMul")
      let signal = layer["signal"] as! Double, noise = layer["noise"] as! Double
      #expect(abs(10 * log10(signal / noise) - (layer["sqnr_db"] as! Double)) < 1e-9)
      let operands = try #require(layer["operands"] as? [[String: Any]])
      #expect(operands.count == 2)
      for operand in operands { #expect(Set(operand.keys) == Set(Self.operandKeys)) }
    }
    let qkv = try #require(layers.first { $0["location"] as? String == "/block/attn/qkv/MatMul" })
    let weight = try #require((qkv["operands"] as! [[String: Any]]).first { $0["role"] as? String == "weight" })
    #expect(weight["operand"] as? Int == 1 && weight["bits"] as? Int == 8 && weight["storage"] as? String == "i8")
    #expect(weight["min"] as? Int == -127 && weight["max"] as? Int == 127 && weight["symmetric"] as? Bool == true)
    #expect(weight["granularity"] as? String == "per-channel" && weight["axis"] as? Int == 1 && weight["group_size"] is NSNull)

    // The SVG: well-formed XML, one bar per layer, the worst highlighted, a model line.
    let svg = try SVGSummary(path: out + "/r.svg")
    #expect(svg.root == "svg")
    #expect(svg.bars.count == 7)
    #expect(svg.bars.filter(\.worst).count == 1)
    let worst = try #require(layers.first)
    #expect(svg.bars.first(where: \.worst)!.title.hasPrefix("#\(worst["index"] as! Int) \(worst["location"] as! String)\n"))
    #expect(svg.bars.map { String($0.title.split(separator: " ")[1].split(separator: "\n")[0]) } == Self.exampleLayers)
    #expect(svg.modelLines == 1)
    #expect(svg.texts.contains("output SQNR (dB)") && svg.texts.contains("quantized layer (graph order)"))
  }

  @Test func limitCutsTheTable() throws {
    let data = try exampleData()
    let r = try QCCCommand.run(["report", example + "/model.onnx", "--calib", data, "--eval", data, "--limit", "3"])
    #expect(r.status == 0, "\(r.stderr)")
    let lines = r.stdout.split(separator: "\n").map(String.init)
    let header = try #require(lines.firstIndex { $0.hasPrefix("  #  layer ") })
    #expect(lines[(header + 1)...].prefix { !$0.hasPrefix("  …") }.count == 3)
    #expect(lines.last == "  … 4 more (--limit N shows more; --json FILE has them all)")
  }

  @Test func presetsChangeTheSchemes() throws {
    let data = try exampleData()
    let out = QCCCommand.temporaryDirectory() + "/r.json"
    let r = try QCCCommand.run(["report", example + "/model.onnx", "--calib", data, "--eval", data, "--preset", "w8a16", "--json", out])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("  pipeline  canonicalize,calibrate,smooth,calibrate{method=mse},assign{preset=w8a16},lower,fuse (preset w8a16)\n"))
    let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
    let schemes = Set((json["layers"] as! [[String: Any]]).map { $0["scheme"] as! String })
    #expect(schemes == ["w8 per-channel sym / a16 per-tensor sym", "a16 per-tensor sym / a16 per-tensor sym"])
  }

  @Test(.enabled(if: QCCCommand.hasTerminal, "needs script(1) for a terminal"))
  func showsProgressOnATerminal() throws {
    let data = try exampleData()
    let command = "\(QCCCommand.executable) report \(example)/model.onnx --calib \(data) --eval \(data) --threads 1 --limit 0"
    let (status, text) = try QCCCommand.runInTerminal(command)
    #expect(status == 0)
    #expect(text.contains((1...4).map { "\rreport: eval sample \($0)/4\u{1B}[K" }.joined() + "\r\u{1B}[K"))
  }

  // MARK: - Errors

  /// Runs `qcc report` and expects exit code 1 with exactly `message`, and no file written in `out`.
  func expectFailure(_ arguments: [String], _ message: String, out: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let r = try QCCCommand.run(["report"] + arguments)
    #expect(r.status == 1, sourceLocation: sourceLocation)
    #expect(r.stderr == "qcc: error: " + message + "\n", sourceLocation: sourceLocation)
    #expect(r.stdout == "", sourceLocation: sourceLocation)
    if let out { #expect(try FileManager.default.contentsOfDirectory(atPath: out).isEmpty, "nothing written", sourceLocation: sourceLocation) }
  }

  @Test func missingOptionsAndBadValues() throws {
    let data = try exampleData()
    let model = example + "/model.onnx"
    try expectFailure(
      [model, "--eval", data],
      "qcc report: --calib PATH is required: calibration data, a folder with one <input>.npy per model input (samples stacked on axis 0) or an .npz")
    try expectFailure([model, "--calib", data], "qcc report: --eval PATH is required: held-out samples, laid out like the calibration data")
    try expectFailure(["--calib", data, "--eval", data], "qcc report: expected one model file, got 0")
    try expectFailure(
      [model, "--calib", data, "--eval", data, "--preset", "w2a2"], "qcc report: unknown preset 'w2a2'; presets: w4a16, w4a8, w8a16, w8a8")
    try expectFailure(
      [model, "--calib", data, "--eval", data, "--preset", "w8a16", "--passes", "canonicalize,calibrate,assign"],
      "qcc report: --preset applies to the default pipeline; with --passes, give it to assign: assign{preset=w8a16}")
    try expectFailure(
      [model, "--calib", data, "--eval", data, "--passes", "canonicalize"],
      "the pipeline 'canonicalize' has no 'assign' pass, so it quantizes nothing; add assign{preset=…} "
        + "(the default pipeline is canonicalize,calibrate,smooth,calibrate{method=mse},assign{preset=w8a8},lower,fuse)")
    try expectFailure([model, "--calib", data, "--eval", data, "--limit", "-1"], "qcc report: --limit must be a count (0 or more), got '-1'")
    try expectFailure([model, "--calib", "/nonexistent", "--eval", data], "calibration data '/nonexistent' does not exist")
    try expectFailure([model, "--calib", data, "--eval", "/nonexistent"], "eval data '/nonexistent' does not exist")
  }

  @Test func evalDataThatDoesNotFitIsNamed() throws {
    let data = try exampleData()
    let model = example + "/model.onnx"
    let eval = QCCCommand.temporaryDirectory()
    try NPY.write(TensorData(shape: [2, 1, 8, 16], scalars: [Double](repeating: 0, count: 256)), to: eval + "/x.npy")
    try expectFailure(
      [model, "--calib", data, "--eval", eval],
      "eval data x.npy holds float64, but model input 'x' is tensor<1x8x16xf32>; save it as float32 (a.astype(numpy.float32))")
    try NPY.write(TensorData(shape: [2, 1, 8, 15], scalars: [Float](repeating: 0, count: 240)), to: eval + "/x.npy")
    try expectFailure(
      [model, "--calib", data, "--eval", eval],
      "eval data x.npy has shape [2, 1, 8, 15], so each sample is [1, 8, 15], but model input 'x' is tensor<1x8x16xf32>; "
        + "stack the samples on a new axis 0: [N, 1, 8, 16]")
    try NPY.write(TensorData(shape: [0, 1, 8, 16], scalars: [Float]()), to: eval + "/x.npy")
    try expectFailure([model, "--calib", data, "--eval", eval], "eval data has no samples: x.npy has shape [0, 1, 8, 16]")
    try FileManager.default.removeItem(atPath: eval + "/x.npy")
    try expectFailure([model, "--calib", data, "--eval", eval], "eval data has no 'x' (expected x.npy in \(eval))")
    try NPY.write(TensorData(shape: [2, 1, 8, 16], scalars: [Float](repeating: 0, count: 256)), to: eval + "/x.npy")
    try NPY.write(TensorData(shape: [2], scalars: [Float](repeating: 0, count: 2)), to: eval + "/mask.npy")
    try expectFailure(
      [model, "--calib", data, "--eval", eval],
      "eval data has mask.npy in \(eval), but the model has no input 'mask' (its inputs: x); "
        + "remove the file, or evaluate the model the data was made for")
  }

  @Test func sampleCountsMustAgree() throws {
    // Two inputs: x [4, 64] → MatMul(x, w) → y, m [4, 8] → Neg → z.
    let dir = QCCCommand.temporaryDirectory()
    var g = Graph()
    let x = g.addInput(name: "x", type: TensorType(.f32, [4, 64]))
    let m = g.addInput(name: "m", type: TensorType(.f32, [4, 8]))
    let w = g.addConstant(TensorData(shape: [64, 2], scalars: (0..<128).map { Float($0 % 7) - 3 }), name: "w")
    let mm = g.addNode(op: "MatMul", inputs: [x, w], resultTypes: [TensorType(.f32, [4, 2])], resultNames: ["y"])
    let neg = g.addNode(op: "Neg", inputs: [m], resultTypes: [TensorType(.f32, [4, 8])], resultNames: ["z"])
    g.addOutput(name: "y", value: g[mm].results[0])
    g.addOutput(name: "z", value: g[neg].results[0])
    try Printer.print(Module(name: "two", graph: g)).write(toFile: dir + "/two.qir", atomically: true, encoding: .utf8)
    let calib = dir + "/calib", eval = dir + "/eval"
    for folder in [calib, eval] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
    func data(_ samples: Int, _ shape: [Int], seed: Int) -> TensorData {
      let n = samples * shape.reduce(1, *)
      return TensorData(shape: [samples] + shape, scalars: (0..<n).map { Float(($0 * 37 + seed) % 101) / 25 - 2 })
    }
    try NPY.write(data(3, [4, 64], seed: 1), to: calib + "/x.npy")
    try NPY.write(data(3, [4, 8], seed: 2), to: calib + "/m.npy")
    try NPY.write(data(3, [4, 64], seed: 3), to: eval + "/x.npy")
    try NPY.write(data(2, [4, 8], seed: 4), to: eval + "/m.npy")
    try expectFailure(
      [dir + "/two.qir", "--calib", calib, "--eval", eval], "eval data inputs have different sample counts: m.npy has 2, x.npy has 3")
    // With matching counts: one layer, no warning (the eval data differs from the calibration data).
    try NPY.write(data(3, [4, 8], seed: 4), to: eval + "/m.npy")
    let r = try QCCCommand.run(["report", dir + "/two.qir", "--calib", calib, "--eval", eval])
    #expect(r.status == 0 && r.stderr == "", "\(r.stderr)")
    #expect(r.stdout.contains("  layers    1 MatMul/Conv quantized, 0 left in float\n"))
    #expect(r.stdout.contains("\n  0  %y     MatMul"))
  }

  @Test func unwritableOutputsFailBeforeAnythingRuns() throws {
    let data = try exampleData()
    let model = example + "/model.onnx"
    let out = QCCCommand.temporaryDirectory()
    try expectFailure(
      [model, "--calib", data, "--eval", data, "--json", out + "/missing/r.json", "--svg", out + "/r.svg"],
      "\(out)/missing/r.json: cannot write: No such file or directory", out: out)
    try expectFailure(
      [model, "--calib", data, "--eval", data, "--json", out + "/r.json", "--svg", out], "\(out): cannot write: Is a directory", out: out)
  }
}

/// What the tests read from an SVG file: it must parse as XML.
struct SVGSummary {
  struct Bar {
    var worst: Bool
    var title: String
  }
  var root = ""
  var bars: [Bar] = []
  var modelLines = 0
  var texts: [String] = []

  init(path: String) throws {
    let delegate = Delegate()
    let parser = try #require(XMLParser(contentsOf: URL(fileURLWithPath: path)))
    parser.delegate = delegate
    #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
    self = delegate.summary
  }

  final class Delegate: NSObject, XMLParserDelegate {
    var summary = SVGSummary.empty
    var stack: [(name: String, classes: [String])] = []
    var text = ""

    func parser(
      _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
      attributes: [String: String] = [:]
    ) {
      if stack.isEmpty { summary.root = name }
      let classes = (attributes["class"] ?? "").split(separator: " ").map(String.init)
      if name == "rect" && classes.contains("bar") { summary.bars.append(Bar(worst: classes.contains("worst"), title: "")) }
      if name == "line" && classes.contains("model") { summary.modelLines += 1 }
      stack.append((name, classes))
      text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
      stack.removeLast()
      if name == "title", let parent = stack.last, parent.name == "rect", parent.classes.contains("bar") {
        summary.bars[summary.bars.count - 1].title = text
      }
      if name == "text" { summary.texts.append(text) }
      text = ""
    }
  }

  private init() {}
  static var empty: SVGSummary { SVGSummary() }
}
