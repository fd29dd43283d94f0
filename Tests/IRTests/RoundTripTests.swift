import Testing
import _QCCTestSupport
@testable import QCCIR

@Suite struct RoundTripTests {
  @Test func canonicalFixturePrintsBackByteForByte() throws {
    let text = try Fixtures.text("IRTests/Fixtures/everything.qir")
    let module = try Parser.parse(text, file: "everything.qir")
    #expect(Printer.print(module) == text)
  }

  @Test func elidedPrintRoundTrips() throws {
    let module = try Parser.parse(try Fixtures.text("IRTests/Fixtures/everything.qir"))
    let options = Printer.Options(elideConstants: true)
    let elided = Printer.print(module, options: options)
    #expect(elided.contains("%w = const digest<\"sha256:"))
    #expect(!elided.contains("dense<\"AACAPw"))
    let again = try Parser.parse(elided)
    #expect(Printer.print(again, options: options) == elided)
    #expect(Printer.print(again) == elided, "elided constants stay elided when printed in full")
  }

  @Test func parsedConstantsHoldTheWrittenValues() throws {
    let module = try Parser.parse(try Fixtures.text("IRTests/Fixtures/everything.qir"))
    let g = module.graph
    #expect(g.constantData(g.value(named: "w")!)!.scalars(as: Float.self) == (1...20).map(Float.init))
    #expect(g.constantData(g.value(named: "half")!)!.scalars(as: Float16.self) == [0.5, -2, 65504])
    #expect(g.constantData(g.value(named: "brain")!)!.scalars(as: BFloat16.self).map(\.floatValue) == [1, -0.0078125])
    #expect(g.constantData(g.value(named: "zeros")!)!.elementCount == 24)
    #expect(g.constantData(g.value(named: "scalar")!)!.scalars(as: Int64.self) == [-3])
    #expect(g.constantData(g.value(named: "big")!)!.scalars(as: UInt64.self) == [.max])
    // i4 packs two per byte, low nibble first: -8,7 -> 0x78; 0,1 -> 0x10; -1 -> 0x0F.
    #expect(Array(g.constantData(g.value(named: "nib")!)!.bytes) == [0x78, 0x10, 0x0F])
    let note = g[g.nodeOrder[1]].attributes["note"]
    #expect(note == .string("a \"quoted\"\n\\string\u{1}"))
    let split = g[g.nodeOrder[2]]
    #expect(split.attributes["fs"] == .floats([0.5, -.infinity, 1e20]))
    #expect(split.attributes["empty_f"] == .floats([]))
    #expect(g[g.value(named: "wq")!].type.element.quantization?.granularity
      == .perAxis(axis: 1, scales: "fc.w.scale", zeroPoints: "fc.w.zp"))
    #expect(g.outputs.map(\.name) == ["y", "y again", "r"])
    #expect(module.metadata["source_opset"] == .int(17))
  }

  @Test func nanConstantsKeepTheirBits() throws {
    var g = Graph()
    let bits: [UInt32] = [0x7FC0_0001, 0xFFC0_0000, 0x3F80_0000]
    let data = TensorData(shape: [3], scalars: bits.map { Float(bitPattern: $0) })
    let c = g.addConstant(data, name: "c")
    g.addOutput(name: "c", value: c)
    let text = Printer.print(Module(name: "m", graph: g))
    #expect(text.contains("dense<\""), "NaN payloads cannot be spelled as literals")
    let back = try Parser.parse(text)
    #expect(back.graph.constantData(back.graph.value(named: "c")!)!.scalars(as: Float.self).map(\.bitPattern) == bits)
  }

  @Test(arguments: [0, 1, 2, 3, 4, 5, 17, 64, 1000])
  func base64RoundTripsEverySize(_ n: Int) throws {
    let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    var encoded: [UInt8] = []
    bytes.withUnsafeBytes { Base64.encode($0, into: &encoded) }
    #expect(encoded.count == (n + 2) / 3 * 4)
    var decoded = [UInt8](repeating: 0, count: n)
    let ok = encoded.withUnsafeBytes { e in decoded.withUnsafeMutableBytes { Base64.decode(e, into: $0) } }
    #expect(ok)
    #expect(decoded == bytes)
  }

  @Test func sha256MatchesTheStandardVectors() {
    let abc = Array("abc".utf8)
    #expect(abc.withUnsafeBytes { SHA256.digest($0).hexString() }
      == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect([UInt8]().withUnsafeBytes { SHA256.digest($0).hexString() }
      == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
    #expect(long.withUnsafeBytes { SHA256.digest($0).hexString() }
      == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
  }
}

@Suite struct EmptyTensorTests {
  @Test func emptyConstantsRoundTrip() throws {
    var g = Graph()
    let c = g.addConstant(TensorData(shape: [0], scalars: [Int64]()), name: "empty")
    g.addOutput(name: "e", value: c)
    let text = Printer.print(Module(name: "m", graph: g))
    #expect(text.contains("%empty = const dense<[]> : tensor<0xi64>"))
    #expect(Printer.print(try Parser.parse(text)) == text)
  }
}
