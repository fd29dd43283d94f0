/// A `QuantizationReport` as JSON, keys in a fixed order (docs/report.md).
///
/// Numbers that JSON cannot hold (an infinite SQNR: no error at all; NaN)
/// are written as `null`. Layers are listed worst first, each with its graph
/// index.
public enum ReportJSON {
  /// The value of the top-level `"format"` key.
  public static let format = "qcc-quantization-report"
  public static let version = 1

  public static func encode(_ report: QuantizationReport) -> String {
    let w = Writer()
    w.object {
      w.field("format") { w.string(format) }
      w.field("version") { w.int(version) }
      w.field("model") { w.string(report.model) }
      w.field("pipeline") { w.string(report.pipeline) }
      w.field("preset") { w.string(report.preset) }
      w.field("samples") {
        w.object(inline: true) {
          w.field("calibration") { w.int(report.calibrationSamples) }
          w.field("eval") { w.int(report.evalSamples) }
        }
      }
      w.field("outputs") {
        w.array(report.outputs) { o in
          w.object {
            w.field("name") { w.string(o.name) }
            w.field("shape") { w.ints(o.shape) }
            w.field("integer") { agreement(o.integer, w) }
            w.field("qdq") { agreement(o.qdq, w) }
            w.field("integer_vs_qdq") { agreement(o.integerVersusQDQ, w) }
          }
        }
      }
      w.field("layers") {
        w.array(report.layersWorstFirst) { l in
          w.object {
            w.field("index") { w.int(l.index) }
            w.field("value") { w.string(l.value) }
            w.field("op") { w.string(l.op) }
            w.field("location") { l.location.map { w.string($0) } ?? w.null() }
            w.field("scheme") { w.string(l.scheme) }
            w.field("sqnr_db") { w.number(l.sqnr) }
            w.field("signal") { w.number(l.error.signal) }
            w.field("noise") { w.number(l.error.noise) }
            w.field("max_abs_error") { w.number(l.error.maxAbsoluteError) }
            w.field("elements") { w.int(l.error.elements) }
            w.field("operands") {
              w.array(l.operands) { p in
                w.object(inline: true) {
                  w.field("operand") { w.int(p.index) }
                  w.field("role") { w.string(p.role.rawValue) }
                  w.field("bits") { w.int(p.bits) }
                  w.field("storage") { w.string(p.storage.description) }
                  w.field("min") { w.int(Int(p.range.lowerBound)) }
                  w.field("max") { w.int(Int(p.range.upperBound)) }
                  w.field("granularity") { w.string(p.granularity.rawValue) }
                  w.field("axis") { p.axis.map { w.int($0) } ?? w.null() }
                  w.field("group_size") { p.groupSize.map { w.int($0) } ?? w.null() }
                  w.field("symmetric") { w.bool(p.symmetric) }
                }
              }
            }
          }
        }
      }
      w.field("float_layers") { w.array(report.floatLayers) { w.string($0) } }
      w.field("warnings") { w.array(report.warnings) { w.string($0) } }
      w.field("seconds") {
        w.object(inline: true) {
          w.field("pipeline") { w.number(rounded(report.pipelineSeconds)) }
          w.field("eval") { w.number(rounded(report.evalSeconds)) }
        }
      }
    }
    return w.text + "\n"
  }

  static func agreement(_ a: QuantizationReport.Agreement, _ w: Writer) {
    w.object(inline: true) {
      w.field("sqnr_db") { w.number(a.sqnr) }
      w.field("cosine") { w.number(a.cosine) }
      w.field("argmax_agreement") { w.number(a.argmaxAgreement) }
      w.field("max_abs_error") { w.number(a.maxAbsoluteError) }
    }
  }

  static func rounded(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }

  /// A small streaming JSON writer: two-space indentation, objects written
  /// `inline` on one line.
  final class Writer {
    var text = ""
    private var depth = 0
    private var inline = 0
    private var first = [true]

    func object(inline isInline: Bool = false, _ body: () -> Void) {
      text += "{"
      open(isInline)
      body()
      close(isInline, "}")
    }

    func array<T>(_ items: [T], _ element: (T) -> Void) {
      if items.isEmpty {
        text += "[]"
        return
      }
      text += "["
      open(false)
      for item in items {
        separate()
        element(item)
      }
      close(false, "]")
    }

    func field(_ key: String, _ value: () -> Void) {
      separate()
      string(key)
      text += ": "
      value()
    }

    func string(_ s: String) {
      text += "\""
      for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": text += "\\\""
        case "\\": text += "\\\\"
        case "\n": text += "\\n"
        case "\r": text += "\\r"
        case "\t": text += "\\t"
        case _ where scalar.value < 0x20:
          let hex = String(scalar.value, radix: 16)
          text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: text.unicodeScalars.append(scalar)
        }
      }
      text += "\""
    }

    func int(_ v: Int) { text += String(v) }
    func ints(_ v: [Int]) { text += "[" + v.map(String.init).joined(separator: ", ") + "]" }
    func bool(_ v: Bool) { text += v ? "true" : "false" }
    func null() { text += "null" }
    /// Finite numbers in Swift's shortest round-trip form; others as null.
    func number(_ v: Double) {
      guard v.isFinite else { return null() }
      if v == v.rounded(), Swift.abs(v) < 1e15 {
        text += String(Int(v))
      } else {
        text += String(v)
      }
    }

    private func open(_ isInline: Bool) {
      depth += 1
      if isInline { inline += 1 }
      first.append(true)
    }

    private func close(_ isInline: Bool, _ bracket: String) {
      let wasEmpty = first.removeLast()
      depth -= 1
      if !wasEmpty && inline == 0 { newline() }
      if isInline { inline -= 1 }
      text += bracket
    }

    private func separate() {
      if first[first.count - 1] {
        first[first.count - 1] = false
      } else {
        text += inline > 0 ? ", " : ","
      }
      if inline == 0 { newline() }
    }

    private func newline() { text += "\n" + String(repeating: "  ", count: depth) }
  }
}
