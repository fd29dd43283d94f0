import QCCIR

// Slice: a strided window of a tensor, with numpy's clamping of starts and
// ends (negative counts from the end, out-of-range values clamp, negative
// steps walk backwards).

extension DataMovementOps {
  /// Where a slice of one axis starts and how many elements it takes.
  static func sliceRange(start: Int, end: Int, step: Int, size n: Int) -> (start: Int, count: Int) {
    guard n > 0 else { return (0, 0) }
    var s = start < 0 ? start + n : start
    var e = end < 0 ? end + n : end
    if step > 0 {
      s = min(max(s, 0), n)
      e = min(max(e, 0), n)
      return (s, e > s ? (e - s - 1) / step + 1 : 0)
    }
    s = min(max(s, 0), n - 1)
    e = min(max(e, -1), n - 1)
    let magnitude = step == Int.min ? Int.max : -step
    return (s, s > e ? (s - e - 1) / magnitude + 1 : 0)
  }

  /// Slice's operands once known: for each sliced axis (normalized), its start, end and step.
  struct SliceSpec {
    var axes: [Int]
    var starts: [Int]
    var ends: [Int]
    var steps: [Int]
  }

  /// The slice parameters when starts, ends, axes and steps are all known;
  /// `axes` alone when only they are known; nil when not even the axes are.
  static func sliceSpec(_ c: InferenceContext, rank: Int) throws(OpError) -> (spec: SliceSpec?, axes: [Int]?) {
    for (i, name) in [(1, "starts"), (2, "ends"), (3, "axes"), (4, "steps")] where c.hasInput(i) {
      try c.requireIntegerInput(i, what: name)
    }
    let lengths = [
      try c.vectorLength(1, what: "starts"), try c.vectorLength(2, what: "ends"),
      c.hasInput(3) ? try c.vectorLength(3, what: "axes") : nil,
      c.hasInput(4) ? try c.vectorLength(4, what: "steps") : nil,
    ].compactMap { $0 }
    if let n = lengths.first, lengths.contains(where: { $0 != n }) {
      throw OpError("starts, ends, axes and steps must have equal lengths, not \(lengths)")
    }
    var axes: [Int]? = nil
    if c.hasInput(3) {
      if let a = try c.knownIntegers(3, what: "axes") { axes = try normalizeAxes(a, rank: rank) }
    } else if let n = lengths.first {
      guard n <= rank else { throw OpError("\(n) starts for a tensor of rank \(rank)") }
      axes = Array(0..<n)
    }
    guard let starts = try c.knownIntegers(1, what: "starts"), let ends = try c.knownIntegers(2, what: "ends")
    else { return (nil, axes) }
    let steps = c.hasInput(4) ? try c.knownIntegers(4, what: "steps") : [Int](repeating: 1, count: starts.count)
    guard let axes, let steps else { return (nil, axes) }
    guard starts.count == axes.count && ends.count == axes.count && steps.count == axes.count else {
      let counts = [starts.count, ends.count, axes.count, steps.count]
      throw OpError("starts, ends, axes and steps must have equal lengths, not \(counts)")
    }
    if let zero = steps.firstIndex(of: 0) { throw OpError("step \(zero) is 0") }
    return (SliceSpec(axes: axes, starts: starts, ends: ends, steps: steps), axes)
  }

  static func sliceType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let x = try c.input(0)
    try requireMovable(x, "Slice")
    guard let dims = x.shape.dims else { return TensorType(x.element, .unranked) }
    let (spec, axes) = try sliceSpec(c, rank: dims.count)
    guard let axes else { return TensorType(x.element, .ranked(DimMath.unknown(dims.count))) }
    var out = dims
    guard let spec else {
      for a in axes { out[a] = .symbolic(nil) }
      return TensorType(x.element, .ranked(out))
    }
    for (i, a) in spec.axes.enumerated() {
      let (start, end, step) = (spec.starts[i], spec.ends[i], spec.steps[i])
      if let n = dims[a].value {
        out[a] = .fixed(sliceRange(start: start, end: end, step: step, size: n).count)
      } else {
        // An unknown size survives only a slice that takes all of it.
        let huge = Int(Int32.max)
        let all = (step == 1 && start == 0 && end >= huge) || (step == -1 && (start == -1 || start >= huge) && end <= -huge)
        out[a] = all ? dims[a] : .symbolic(nil)
      }
    }
    return TensorType(x.element, .ranked(out))
  }

  static let slice = OpDefinition(
    "Slice",
    inferTypes: { (c) throws(OpError) in [try sliceType(c)] },
    evaluate: { (c) throws(OpError) in
      let x = try c.input(0)
      try requireMovable(c.inputType(0), "Slice")
      _ = try elementSize(x.elementType, op: "Slice")
      guard let spec = try sliceSpec(c.inference, rank: x.shape.count).spec else {
        throw OpError("starts, ends, axes and steps must be known")
      }
      let inStrides = contiguousStrides(x.shape)
      var shape = x.shape
      var srcStrides = inStrides
      var offset = 0
      for (i, a) in spec.axes.enumerated() {
        let r = sliceRange(start: spec.starts[i], end: spec.ends[i], step: spec.steps[i], size: x.shape[a])
        shape[a] = r.count
        // With two or more elements the step is below the axis size, so this cannot overflow.
        srcStrides[a] = r.count > 1 ? inStrides[a] * spec.steps[i] : inStrides[a]
        offset += r.start * inStrides[a]
      }
      if shape == x.shape && srcStrides == inStrides { return [x] }
      return [x.denseCopy(shape: shape, strides: srcStrides, offset: offset)]
    })
}
