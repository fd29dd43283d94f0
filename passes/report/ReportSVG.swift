import Foundation

/// A `QuantizationReport` as a self-contained SVG bar chart: one bar per
/// quantized layer in graph order (x: layer index, y: output SQNR in dB),
/// the worst layers highlighted, each bar's layer name in a `<title>`
/// tooltip, and each model output's SQNR (integer program vs float) as a
/// dashed horizontal line. Plain SVG 1.1 text, no scripts, fonts or links.
public enum ReportSVG {
  /// How many of the worst layers are highlighted: a tenth of them, 1 to 10.
  public static func highlightedCount(layers: Int) -> Int {
    layers == 0 ? 0 : Swift.min(10, Swift.max(1, (layers + 9) / 10))
  }

  static let barColor = "#4e79a7"
  static let worstColor = "#e15759"
  static let lineColors = ["#f28e2b", "#59a14f", "#b07aa1", "#9c755f"]

  public static func encode(_ report: QuantizationReport) -> String {
    let layers = report.layers
    let n = Swift.max(layers.count, 1)
    let left = 70.0, right = 24.0, top = 64.0, bottom = 62.0
    let plotWidth = Swift.min(1400, Swift.max(480, Double(n) * 14))
    let plotHeight = 340.0
    let width = left + plotWidth + right, height = top + plotHeight + bottom

    // The y range: every finite SQNR, the model lines, and 0, rounded out to ticks.
    let finite = layers.map(\.sqnr).filter(\.isFinite) + report.outputs.map(\.integer.sqnr).filter(\.isFinite)
    var lo = Swift.min(0, finite.min() ?? 0), hi = Swift.max(10, finite.max() ?? 10)
    let step = [1.0, 2, 5, 10, 20, 50, 100].first { (hi - lo) / $0 <= 10 } ?? 200
    lo = (lo / step).rounded(.down) * step
    hi = (hi / step).rounded(.up) * step
    if hi - lo < step { hi = lo + step }
    func y(_ v: Double) -> Double {
      let clamped = v.isNaN ? lo : Swift.min(Swift.max(v, lo), hi)
      return top + plotHeight * (hi - clamped) / (hi - lo)
    }
    let slot = plotWidth / Double(n)
    func x(_ i: Int) -> Double { left + slot * Double(i) }

    let worst = report.worstIndices(highlightedCount(layers: layers.count))
    var svg: [String] = []
    svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
    svg.append(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(f(width))\" height=\"\(f(height))\" "
        + "viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">")
    svg.append("<title>\(escape("qcc report: \(report.model), preset \(report.preset)"))</title>")
    svg.append("<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#ffffff\"/>")
    svg.append(
      "<text x=\"\(f(left))\" y=\"22\" font-size=\"15\" font-weight=\"bold\">"
        + escape("Output SQNR per quantized layer — \(shortName(report.model)), \(report.preset)") + "</text>")
    svg.append(
      "<text x=\"\(f(left))\" y=\"40\" fill=\"#555555\">"
        + escape("QDQ form vs float over \(report.evalSamples) eval samples; \(report.layers.count) layers; worst \(worst.count) in red")
        + "</text>")

    // Grid and y axis.
    svg.append("<g id=\"y-axis\" stroke=\"#dddddd\" stroke-width=\"1\">")
    var tick = lo
    while tick <= hi + step / 2 {
      let ty = y(tick)
      svg.append("<line x1=\"\(f(left))\" y1=\"\(f(ty))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(ty))\"/>")
      svg.append(
        "<text x=\"\(f(left - 6))\" y=\"\(f(ty + 4))\" text-anchor=\"end\" stroke=\"none\" fill=\"#333333\">\(f(tick))</text>")
      tick += step
    }
    svg.append("</g>")
    svg.append(
      "<text x=\"18\" y=\"\(f(top + plotHeight / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(f(top + plotHeight / 2)))\">"
        + "output SQNR (dB)</text>")

    // Bars.
    svg.append("<g id=\"bars\">")
    let base = y(0)
    for layer in layers {
      let v = layer.sqnr
      let barTop = v.isInfinite && v > 0 ? y(hi) : y(v)
      let barWidth = Swift.max(1, slot * 0.78)
      let bx = x(layer.index) + (slot - barWidth) / 2
      let isWorst = worst.contains(layer.index)
      let shown = v.isFinite ? f(v, 2) + " dB" : v > 0 ? "no error (∞ dB)" : "\(v) dB"
      svg.append(
        "<rect class=\"bar\(isWorst ? " worst" : "")\" x=\"\(f(bx))\" y=\"\(f(Swift.min(barTop, base)))\" width=\"\(f(barWidth))\" "
          + "height=\"\(f(Swift.abs(base - barTop)))\" fill=\"\(isWorst ? worstColor : barColor)\">"
          + "<title>\(escape("#\(layer.index) \(layer.displayName)\n\(shown), \(layer.op), \(layer.scheme)"))</title></rect>")
    }
    svg.append("</g>")

    // x axis: the zero line, index ticks, label.
    svg.append(
      "<line x1=\"\(f(left))\" y1=\"\(f(base))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(base))\" stroke=\"#333333\" stroke-width=\"1\"/>")
    let every = [1, 2, 5, 10, 20, 50, 100, 200, 500].first { layers.count / $0 <= 24 } ?? 1000
    svg.append("<g id=\"x-axis\" fill=\"#333333\" text-anchor=\"middle\">")
    for i in stride(from: 0, to: layers.count, by: every) {
      let cx = x(i) + slot / 2
      svg.append("<line x1=\"\(f(cx))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(cx))\" y2=\"\(f(top + plotHeight + 4))\" stroke=\"#333333\"/>")
      svg.append("<text x=\"\(f(cx))\" y=\"\(f(top + plotHeight + 17))\">\(i)</text>")
    }
    svg.append("</g>")
    svg.append(
      "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 14))\" text-anchor=\"middle\">quantized layer (graph order)</text>")

    // Model-level SQNR lines.
    svg.append("<g id=\"model\">")
    for (k, output) in report.outputs.enumerated() {
      let v = output.integer.sqnr
      guard !v.isNaN else { continue }
      let ly = v.isInfinite && v > 0 ? y(hi) : y(v)
      let color = lineColors[k % lineColors.count]
      let label = "model output '\(output.name)': \(v.isFinite ? f(v, 2) : "∞") dB (integer program)"
      svg.append(
        "<line class=\"model\" x1=\"\(f(left))\" y1=\"\(f(ly))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(ly))\" stroke=\"\(color)\" "
          + "stroke-width=\"2\" stroke-dasharray=\"7 4\"><title>\(escape(label))</title></line>")
      svg.append(
        "<text x=\"\(f(left + plotWidth - 4))\" y=\"\(f(ly - 5 - Double(k) * 14))\" text-anchor=\"end\" fill=\"\(color)\" "
          + "font-weight=\"bold\" stroke=\"#ffffff\" stroke-width=\"4\" stroke-linejoin=\"round\" paint-order=\"stroke\">"
          + "\(escape(label))</text>")
    }
    svg.append("</g>")
    svg.append(
      "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#333333\"/>")
    svg.append("</svg>")
    return svg.joined(separator: "\n") + "\n"
  }

  /// A model path shortened for the title: its last two components ("minilm/model.onnx").
  static func shortName(_ path: String) -> String {
    let parts = path.split(separator: "/")
    return parts.count <= 2 ? path : parts.suffix(2).joined(separator: "/")
  }

  /// `v` with at most `decimals` decimals and no trailing zeros.
  static func f(_ v: Double, _ decimals: Int = 1) -> String {
    var s = String(format: "%.\(decimals)f", v)
    if s.contains(".") {
      while s.hasSuffix("0") { s.removeLast() }
      if s.hasSuffix(".") { s.removeLast() }
    }
    return s == "-0" ? "0" : s
  }

  /// Text escaped for XML content and attribute values.
  static func escape(_ s: String) -> String {
    var out = ""
    for c in s {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      default: out.append(c)
      }
    }
    return out
  }
}
