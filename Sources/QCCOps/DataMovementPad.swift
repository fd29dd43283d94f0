import QCCIR
import QCCKernels

// Pad: grows (or, with negative pads, crops) each axis, filling the border
// with a constant, the mirrored interior (reflect), the nearest edge element
// (edge) or the interior repeated (wrap). evaluate and the compiled plan
// (FloatPlans.pad) run the same steps: a fill, then boxes copied from the
// input (`padSteps`).

extension DataMovementOps {
  /// Pad's amounts per axis of a tensor of `rank`: (before, after), zero for
  /// axes not listed; nil when the pads (or axes) are not known.
  static func padAmounts(_ c: InferenceContext, rank: Int) throws(OpError) -> [(before: Int, after: Int)]? {
    let pads: [Int]
    if c.hasInput(1) {
      try c.requireIntegerInput(1, what: "pads")
      _ = try c.vectorLength(1, what: "pads")
      guard let p = try c.knownIntegers(1, what: "pads") else { return nil }
      pads = p
    } else if let p = try c.attributes.ints("pads") {
      pads = p  // Before opset 11 the pads were an attribute.
    } else if let p = try c.attributes.ints("paddings") {
      pads = p  // Opset 1's name for them.
    } else {
      throw OpError("missing pads")
    }
    var axes = Array(0..<rank)
    if c.hasInput(3) {
      try c.requireIntegerInput(3, what: "axes")
      guard let a = try c.knownIntegers(3, what: "axes") else { return nil }
      axes = try normalizeAxes(a, rank: rank)
    }
    if let bad = pads.first(where: { $0.magnitude > UInt(maxTensorBytes) }) { throw OpError("pad \(bad) is out of range") }
    guard pads.count == 2 * axes.count else {
      throw OpError("pads has \(pads.count) entries for \(axes.count) axes; expected \(2 * axes.count)")
    }
    var amounts = [(before: Int, after: Int)](repeating: (0, 0), count: rank)
    for (i, a) in axes.enumerated() { amounts[a] = (pads[i], pads[i + axes.count]) }
    return amounts
  }

  static func padMode(_ c: InferenceContext) throws(OpError) -> String {
    let mode = try c.attributes.string("mode", default: "constant")
    guard ["constant", "reflect", "edge", "wrap"].contains(mode) else {
      throw OpError("unknown mode '\(mode)'; expected constant, reflect, edge or wrap")
    }
    return mode
  }

  static func padType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let x = try c.input(0)
    _ = try padMode(c)
    if let v = c.optionalInput(2) {
      guard v.elementType == x.elementType else {
        throw OpError("constant_value is \(v.elementType), but the data is \(x.elementType)")
      }
    }
    guard let dims = x.shape.dims else { return TensorType(x.element, .unranked) }
    guard let amounts = try padAmounts(c, rank: dims.count) else {
      return TensorType(x.element, .ranked(DimMath.unknown(dims.count)))
    }
    var out: [Dim] = []
    for (i, d) in dims.enumerated() {
      let (b, a) = amounts[i]
      guard let n = d.value else {
        out.append(b == 0 && a == 0 ? d : .symbolic(nil))
        continue
      }
      guard let total = checkedSum([n, b, a]) else { throw OpError("pads (\(b), \(a)) overflow axis \(i)") }
      // Negative pads crop the input; together they cannot remove more than it has.
      guard total >= 0 && n - max(-b, 0) - max(-a, 0) >= 0 else {
        throw OpError("pads (\(b), \(a)) crop more than axis \(i) of size \(n)")
      }
      out.append(.fixed(total))
    }
    return TensorType(x.element, .ranked(out))
  }

  /// The interior index that border position `p` (relative to the interior's
  /// start, outside [0, n)) copies in `mode`.
  static func padSource(_ p: Int, size n: Int, mode: String) -> Int {
    switch mode {
    case "edge": return min(max(p, 0), n - 1)
    case "wrap": return ((p % n) + n) % n
    default:
      // reflect: mirror without repeating the edge, period 2(n - 1).
      guard n > 1 else { return 0 }
      let period = 2 * (n - 1)
      let r = ((p % period) + period) % period
      return r < n ? r : period - r
    }
  }

  /// How Pad writes its result: a fill of the whole result with the
  /// constant (`fills`), then boxes copied from the input into it
  /// (`copies`, disjoint). Every result element outside the constant border
  /// copies one input element, and the sources along each axis are
  /// independent of the other axes, so the copies are the products of one
  /// run of positions per axis, each run reading the input at a fixed step
  /// (1 in the interior, -1 mirrored, 0 repeating an edge). `evaluate` runs
  /// these steps and the compiled plan emits them as FILL and COPY calls, so
  /// both write the same bytes; the copies never read the result, so a
  /// call's source and destination are always different tensors.
  struct PadSteps {
    var fills: Bool
    var copies: [StridedCopy]
  }

  /// A run of result positions along one axis that read the input at a fixed step:
  /// positions `out..<out + count` read input indices `src`, `src + step`, ….
  struct PadRun {
    var out: Int, count: Int, src: Int, step: Int
  }

  /// The runs of one axis of `size` padded by `before` and `after` in `mode`
  /// (constant: the interior alone, as the border is filled).
  static func padRuns(size n: Int, before b: Int, after a: Int, mode: String) -> [PadRun] {
    // Negative pads crop the input first; what is left is the interior.
    let crop = max(-b, 0), interior = n - max(-b, 0) - max(-a, 0), start = max(b, 0)
    if mode == "constant" || interior == 0 {
      return interior > 0 ? [PadRun(out: start, count: interior, src: crop, step: 1)] : []
    }
    var runs: [PadRun] = []
    for p in 0..<(interior + start + max(a, 0)) {
      let r = p - start
      let src = crop + (0..<interior ~= r ? r : padSource(r, size: interior, mode: mode))
      if var last = runs.last, last.count == 1 || src == last.src + last.count * last.step {
        if last.count == 1 { last.step = src - last.src }
        last.count += 1
        runs[runs.count - 1] = last
      } else {
        runs.append(PadRun(out: p, count: 1, src: src, step: 1))
      }
    }
    return runs
  }

  /// The steps of padding an `input`-shaped tensor to `output` by `amounts` in `mode`.
  static func padSteps(
    input: [Int], output shape: [Int], amounts: [(before: Int, after: Int)], mode: String
  ) throws(OpError) -> PadSteps {
    var interior = input
    var runs: [[PadRun]] = []
    for (i, (b, a)) in amounts.enumerated() {
      interior[i] = input[i] - max(-b, 0) - max(-a, 0)
      if mode != "constant" && interior[i] == 0 && shape[i] > 0 {
        throw OpError("\(mode) padding needs a non-empty axis \(i)")
      }
      runs.append(padRuns(size: input[i], before: b, after: a, mode: mode))
    }
    let inStrides = contiguousStrides(input), outStrides = contiguousStrides(shape)
    var steps = PadSteps(fills: mode == "constant" && shape != interior, copies: [])
    // Every combination of one run per axis is a box.
    var choice = [Int](repeating: 0, count: runs.count)
    guard runs.allSatisfy({ !$0.isEmpty }) else { return steps }
    while true {
      var copy = StridedCopy(shape: [], srcStrides: [], dstStrides: outStrides)
      for (i, j) in choice.enumerated() {
        let run = runs[i][j]
        copy.shape.append(run.count)
        copy.srcStrides.append(run.step * inStrides[i])
        copy.srcOffset += run.src * inStrides[i]
        copy.dstOffset += run.out * outStrides[i]
      }
      steps.copies.append(copy)
      var i = runs.count - 1
      while i >= 0 {
        choice[i] += 1
        if choice[i] < runs[i].count { break }
        choice[i] = 0
        i -= 1
      }
      if i < 0 { return steps }
    }
  }

  static let pad = OpDefinition(
    "Pad",
    inferTypes: { (c) throws(OpError) in [try padType(c)] },
    evaluate: { (c) throws(OpError) in
      let x = try c.input(0)
      let shape = try padType(c.inference).requireStaticShape()
      try requireAllocatable(shape, x.elementType)
      let mode = try padMode(c.inference)
      let amounts = try padAmounts(c.inference, rank: x.shape.count)!
      let size = try elementSize(x.elementType, op: "Pad")
      let steps = try padSteps(input: x.shape, output: shape, amounts: amounts, mode: mode)
      var value = scalar(0, as: x.elementType)
      if let v = c.optionalInput(2), v.elementCount > 0 {
        value = v
      } else if c.optionalInput(2) == nil, let v = try c.attributes.float("value") {
        value = scalar(Double(v), as: x.elementType)
      }
      let out = try makeTensor(x.elementType, shape, zeroed: true) { dst in
        if steps.fills { qcc_fill(dst, value.rawPointer, Int64(shape.reduce(1, *)), size) }
        for copy in steps.copies { copy.run(from: x.rawPointer, to: dst, elementSize: size) }
      }
      return [out]
    })
}
