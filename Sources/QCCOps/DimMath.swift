import QCCIR

/// Arithmetic on symbolic dims for shape inference: what every op family
/// needs to say about a dim that may be unknown.
enum DimMath {
  /// The product of `dims`: fixed when all are, the lone symbolic dim when
  /// the others are all 1, zero when any is 0, otherwise unknown.
  static func product<C: Collection>(_ dims: C) -> Dim where C.Element == Dim {
    if dims.contains(.fixed(0)) { return .fixed(0) }
    var fixed = 1
    var overflow = false
    var symbolic: [Dim] = []
    for d in dims {
      switch d {
      case .fixed(let n):
        let (p, o) = fixed.multipliedReportingOverflow(by: n)
        fixed = p
        overflow = overflow || o
      case .symbolic: symbolic.append(d)
      }
    }
    if overflow { return .symbolic(nil) }
    if fixed == 0 { return .fixed(0) }
    if symbolic.isEmpty { return .fixed(fixed) }
    if symbolic.count == 1 && fixed == 1 { return symbolic[0] }
    return .symbolic(nil)
  }

  /// `d` times `factor`: exact when fixed, `d` itself for factor 1, 0 for 0.
  static func scaled(_ d: Dim, by factor: Int) throws(OpError) -> Dim {
    if factor == 1 { return d }
    if factor == 0 { return .fixed(0) }
    guard let n = d.value else { return .symbolic(nil) }
    let (p, overflow) = n.multipliedReportingOverflow(by: factor)
    guard !overflow else { throw OpError("dimension \(n) times \(factor) overflows") }
    return .fixed(p)
  }

  /// `n` unknown dims.
  static func unknown(_ n: Int) -> [Dim] { [Dim](repeating: .symbolic(nil), count: n) }

  /// The dims of two shapes that must agree (concat's other axes): a fixed
  /// size wins over a symbolic one, a named symbol over an anonymous one;
  /// two different fixed sizes are an error.
  static func unify(_ a: Dim, _ b: Dim, _ what: @autoclosure () -> String) throws(OpError) -> Dim {
    switch (a, b) {
    case (.fixed(let m), .fixed(let n)):
      guard m == n else { throw OpError("\(what()): \(m) vs \(n)") }
      return a
    case (.fixed, _): return a
    case (_, .fixed): return b
    // Both must be the same size at run time, so a name on either side holds.
    case (.symbolic(let p), .symbolic(let q)): return .symbolic(p ?? q)
    }
  }

  /// `dims` spelled for messages, as `[2, ?, 768]`.
  static func describe(_ dims: [Dim]) -> String { "[" + dims.map(\.description).joined(separator: ", ") + "]" }
}
