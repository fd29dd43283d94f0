import QCCIR

/// A user's "keep this in float" pattern: an op kind (`Softmax`), or text
/// matched against the node's ONNX name and its results' names, where `*`
/// matches any run of characters (`*attention*`, `/m/vit/layers.11/*`).
struct KeepPattern: Sendable {
  let text: String

  func matches(_ node: Node, in graph: Graph) -> Bool {
    if node.op == text { return true }
    let names = [node.location].compactMap { $0 } + node.results.map { graph[$0].name }
    return names.contains { KeepPattern.glob(text, $0) }
  }

  /// `pattern` with `*` wildcards matched against all of `text`; without a
  /// `*`, the pattern may match anywhere inside the text.
  static func glob(_ pattern: String, _ text: String) -> Bool {
    guard pattern.contains("*") else { return text.contains(pattern) }
    let p = Array(pattern), t = Array(text)
    // Classic two-pointer wildcard match with backtracking to the last star.
    var i = 0, j = 0, star = -1, mark = 0
    while j < t.count {
      if i < p.count && p[i] != "*" && p[i] == t[j] {
        i += 1
        j += 1
      } else if i < p.count && p[i] == "*" {
        star = i
        mark = j
        i += 1
      } else if star >= 0 {
        i = star + 1
        mark += 1
        j = mark
      } else {
        return false
      }
    }
    while i < p.count && p[i] == "*" { i += 1 }
    return i == p.count
  }
}
