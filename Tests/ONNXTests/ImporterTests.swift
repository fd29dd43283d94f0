import QCCIR
import QCCONNX
import QCCOps
import Testing
import _QCCTestSupport

/// The importer on small fixture models (Fixtures/make_fixtures.py makes them).
@Suite struct ImporterTests {
  func fixture(_ name: String) -> String { Fixtures.path("ONNXTests/Fixtures/\(name)") }

  func importError(_ name: String) -> String {
    do {
      _ = try ONNXImporter().importModel(path: fixture(name))
      return "imported without error"
    } catch {
      return error.message.replacingOccurrences(of: Fixtures.path("ONNXTests/Fixtures") + "/", with: "")
    }
  }

  @Test func importsAndRunsAValidModel() throws {
    let module = try ONNXImporter().importModel(path: fixture("matmul_relu.onnx"))
    let text = Printer.print(module, options: Printer.Options(elideConstants: true))
    #expect(text.contains("%h = MatMul(%x, %w) : tensor<2x4xf32> loc(\"mm\")"))
    #expect(text.contains("%y = Relu(%h) : tensor<2x4xf32> loc(\"relu\")"))
    let x = TensorData(shape: [2, 3], scalars: [Float(1), 0, 0, 0, 0, -1])
    let y = try Interpreter(module).run(["x": x])[0].value.scalars(as: Float.self)
    #expect(y == [0, 0.1, 0.2, 0.3, 0, 0, 0, 0])
  }

  @Test func externalDataIsMappedAndMatchesInlineWeights() throws {
    let inline = try ONNXImporter().importModel(path: fixture("matmul_relu.onnx"))
    let external = try ONNXImporter().importModel(path: fixture("external_data.onnx"))
    let a = inline.graph.constantData(inline.graph.value(named: "w")!)!
    let b = external.graph.constantData(external.graph.value(named: "w")!)!
    #expect(a.isIdentical(to: b))
  }

  @Test func typedFieldsDecode() throws {
    let m = try ONNXImporter().importModel(path: fixture("typed_fields.onnx"))
    let g = m.graph
    func data(_ name: String) -> TensorData { g.constantData(g.value(named: name)!)! }
    #expect(data("f").scalars(as: Float.self) == [1.5, -2])
    #expect(data("d").scalars(as: Double.self) == [0.25, 8])
    #expect(data("i64").scalars(as: Int64.self) == [1, -2, 3])
    #expect(data("i8").scalars(as: Int8.self) == [-128, 127])
    #expect(data("u16").scalars(as: UInt16.self) == [65535])
    #expect(data("b").scalars(as: Bool.self) == [true, false])
    #expect(data("h").scalars(as: Float16.self) == [0.5, -3])
    #expect(data("u64").scalars(as: UInt64.self) == [(1 << 63) + 5])
    #expect(data("k").scalars(as: Int64.self) == [4, 5])
  }

  @Test func oldOpsetsAreUpgraded() throws {
    let m = try ONNXImporter().importModel(path: fixture("opset11_legacy.onnx"))
    let text = Printer.print(m)
    // Softmax(axis=1) of opset 11 normalises over the flattened trailing dims.
    #expect(text.contains("Flatten(%x3) {axis = 1}"))
    #expect(text.contains("ReduceSum(%s, %sum_axes) {keepdims = 0}"))
    #expect(text.contains("Unsqueeze(%r, %unsqueeze_axes)"))
    let x = TensorData(shape: [2, 3, 4], scalars: (0..<24).map { Float($0) / 10 })
    let y = try Interpreter(m).run(["x3": x])[0].value
    #expect(y.shape == [1, 2, 3])
    // Each sample's 12 probabilities sum to 1: row sums over the last axis sum to 1 per sample.
    let v = y.scalars(as: Float.self)
    #expect(abs(v[0...2].reduce(0, +) - 1) < 1e-5 && abs(v[3...5].reduce(0, +) - 1) < 1e-5)
  }

  @Test func modelLocalFunctionsAreInlinedWithTheirAttributes() throws {
    let m = try ONNXImporter().importModel(path: fixture("local_function.onnx"))
    let text = Printer.print(m)
    #expect(text.contains("LeakyRelu(%x) {alpha = 0.25} : tensor<2x3xf32> loc(\"block/LeakyRelu\")"))
    let x = TensorData(shape: [2, 3], scalars: [Float(1), -2, 3, -4, 5, -6])
    let y = try Interpreter(m).run(["x": x])[0].value.scalars(as: Float.self)
    #expect(y == [2, -2.5, 6, -5, 10, -7.5])  // onnxruntime's outputs for the same input
  }

  @Test func staleAnnotationsDoNotOverrideNamedDims() throws {
    let m = try ONNXImporter().importModel(path: fixture("stale_annotation.onnx"))
    #expect(Printer.print(m).contains("%t = Relu(%xb) : tensor<?(batch)x3xf32>"))
    let x = TensorData(shape: [2, 3], scalars: [Float(1), -2, 3, -4, 5, -6])
    let y = try Interpreter(m).run(["xb": x])[0].value
    #expect(y.shape == [2, 3])
  }

  // MARK: - Bad input: one clear message each.

  @Test func truncatedFile() {
    #expect(importError("truncated.onnx") == "truncated.onnx: not a valid ONNX model: protobuf decoding failed (the file is truncated, corrupt, or not an ONNX ModelProto)")
  }

  @Test func garbageFile() {
    #expect(importError("garbage.onnx").hasPrefix("garbage.onnx: not a valid ONNX model"))
  }

  @Test func wrongWireType() {
    #expect(importError("wrong_wire_type.onnx") == "wrong_wire_type.onnx: not a valid ONNX model: protobuf decoding failed (the file is truncated, corrupt, or not an ONNX ModelProto)")
  }

  @Test func missingFile() {
    #expect(importError("no_such_model.onnx") == "no_such_model.onnx: cannot open: No such file or directory")
  }

  @Test func missingInitializer() {
    #expect(importError("missing_initializer.onnx") == "missing_initializer.onnx: node 'mm' (MatMul) input 1 'w_missing' is not defined: no initializer, graph input or node output has this name")
  }

  @Test func undefinedInput() {
    #expect(importError("undefined_input.onnx") == "undefined_input.onnx: node 'add' (Add) input 1 'nowhere' is not defined: no initializer, graph input or node output has this name")
  }

  @Test func cycle() {
    #expect(importError("cycle.onnx") == "cycle.onnx: the graph has a cycle: node 'first' (Add) → node 'second' (Relu) → node 'first' (Add)")
  }

  @Test func unsupportedOpsAreListedTogether() {
    #expect(importError("unsupported_ops.onnx") == """
      unsupported_ops.onnx: unsupported ops (2):
        FooBar: nodes 'foo1', 'foo2'
        com.microsoft.FusedMatMul: node 'fused'
      """)
  }

  @Test func unsupportedOpset() {
    #expect(importError("opset99.onnx") == "opset99.onnx: default-domain opset 99 is not supported (qcc reads opsets 1–28)")
  }

  @Test func unsupportedIRVersion() {
    #expect(importError("ir15.onnx") == "ir15.onnx: model IR version 15 is not supported (qcc reads IR versions 1–14)")
  }

  @Test func functionOverloadsAreRejected() {
    #expect(importError("function_overloads.onnx")
      == "function_overloads.onnx: the model defines function 'custom:Act' more than once (overloads are not supported)")
  }

  @Test func shapeMismatch() {
    #expect(importError("shape_mismatch.onnx").hasPrefix("shape_mismatch.onnx: node 'mm' (MatMul): "))
  }

  @Test func declaredShapeContradictsInference() {
    #expect(importError("declared_shape_mismatch.onnx") == "declared_shape_mismatch.onnx: node 'relu' (Relu): output 'y' is declared as tensor<2x7xf32> in the model, but its inputs give tensor<2x3xf32>")
  }

  @Test func externalDataOutsideTheModelFolder() {
    #expect(importError("external_outside.onnx") == "external_outside.onnx: initializer 'w': external data location '../outside.bin' points outside the model's directory")
  }

  @Test func externalDataFileMissing() {
    #expect(importError("external_missing.onnx") == "external_missing.onnx: initializer 'w': cannot read external data file 'missing.bin': missing.bin: cannot open: No such file or directory")
  }

  @Test func externalDataTooShort() {
    #expect(importError("external_short.onnx") == "external_short.onnx: initializer 'w': external data ends at byte 88, but 'external_data.bin' has 48 bytes")
  }
}
