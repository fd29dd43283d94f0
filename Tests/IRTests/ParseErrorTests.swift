import Testing
@testable import QCCIR

/// Each malformed input gets one message that points at the offending token.
@Suite struct ParseErrorTests {
  func message(_ text: String) -> String {
    do {
      _ = try Parser.parse(text, file: "t.qir")
      return "no error"
    } catch {
      return "\(error)"
    }
  }

  @Test func undefinedValue() {
    #expect(message("qir 1\nmodule @m {\n  %y = Relu(%x) : tensor<4xf32>\n}\n") == """
      t.qir:3:14: error: use of undefined value %x
        %y = Relu(%x) : tensor<4xf32>
                   ^
      """)
  }

  @Test func redefinition() {
    #expect(message("qir 1\nmodule @m {\n  %x = input \"x\" : tensor<f32>\n  %x = Relu(%x) : tensor<f32>\n}\n")
      .hasPrefix("t.qir:4:4: error: redefinition of value %x"))
  }

  @Test func unknownElementType() {
    #expect(message("qir 1\nmodule @m {\n  %x = input \"x\" : tensor<4xf31>\n}\n")
      .hasPrefix("t.qir:3:29: error: unknown element type 'f31'"))
  }

  @Test func wrongFormatVersion() {
    #expect(message("qir 2\nmodule @m {\n}\n")
      .hasPrefix("t.qir:1:5: error: unsupported qir format version 2 (this qcc reads version 1)"))
  }

  @Test func base64OfTheWrongLength() {
    #expect(message("qir 1\nmodule @m {\n  %c = const dense<\"AAAA\"> : tensor<2xf32>\n}\n")
      .hasPrefix("t.qir:3:14: error: base64 data does not decode to the 8 bytes of tensor<2xf32>"))
  }

  @Test func literalOutOfRange() {
    #expect(message("qir 1\nmodule @m {\n  %c = const dense<[1, 300]> : tensor<2xi8>\n}\n")
      .hasPrefix("t.qir:3:14: error: '300' is not a valid i8 literal"))
  }

  @Test func resultAndTypeCountsDiffer() {
    #expect(message("qir 1\nmodule @m {\n  %x = input \"x\" : tensor<f32>\n  %a, %b = Split(%x) : tensor<f32>\n}\n")
      .hasPrefix("t.qir:4:24: error: 2 result(s) but 1 type(s)"))
  }

  @Test func undefinedQuantizationParameter() {
    #expect(message("qir 1\nmodule @m {\n  %x = input \"x\" : tensor<4x!q.uniform<i8:f32:axis=0, #s:#z>>\n}\n")
      .hasPrefix("t.qir:3:29: error: use of undefined parameter #s"))
  }

  @Test func unterminatedModule() {
    #expect(message("qir 1\nmodule @m {\n  %x = input \"x\" : tensor<f32>\n")
      .hasPrefix("t.qir:4:1: error: expected '}' to close the module"))
  }
}

@Suite struct ParseLimitTests {
  @Test func hugeConstantsAreRefusedBeforeAllocating() {
    for text in [
      "qir 1\nmodule @m {\n  %c = const dense<0.0> : tensor<1099511627776x1099511627776xf32>\n}\n",
      "qir 1\nmodule @m {\n  %c = const dense<0.0> : tensor<68719476736xf32>\n}\n",
      "qir 1\nmodule @m {\n  %c = const dense<\"AAAA\"> : tensor<68719476736x2xf32>\n}\n",
    ] {
      do {
        _ = try Parser.parse(text, file: "t.qir")
        Issue.record("accepted \(text)")
      } catch {
        #expect(error.message.hasPrefix("constant of tensor<"), "\(error)")
        #expect(error.message.hasSuffix("is larger than qcc accepts (16 GiB)"))
      }
    }
  }
}
