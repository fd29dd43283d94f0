import QCCIR
import QCCKernels

// Einsum, in general: the equation is parsed into labels (ellipsis dims get
// labels of their own, right-aligned and broadcast across operands);
// repeated labels within an operand take the diagonal (a strided view);
// labels no later step needs are summed out as early as possible; operands
// are then contracted left to right, each pair as one batched matmul
// [batch, M, K] x [batch, K, N] (sgemm for f32); the last result is summed
// and permuted into the output order. A pure permutation is one strided copy.

extension LinearAlgebraOps {
  /// A parsed Einsum equation: each operand's labels (one per dim) and the output's labels.
  struct EinsumEquation {
    var inputs: [[Int]]
    var output: [Int]

    /// Labels: letters are their ASCII code; ellipsis dim k (of `ellipsisRank`) is 1000 + k.
    static func parse(_ equation: String, ranks: [Int?]) throws(OpError) -> EinsumEquation {
      let text = equation.filter { $0 != " " }
      let sides = text.split(separator: "->", omittingEmptySubsequences: false).map(String.init)
      guard sides.count <= 2 else { throw OpError("Einsum equation '\(equation)' has more than one '->'") }
      let terms = sides[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      guard terms.count == ranks.count else {
        throw OpError("Einsum equation '\(equation)' has \(terms.count) operands, but the node has \(ranks.count) inputs")
      }
      // First pass: letters and where the ellipsis is, per term.
      func split(_ term: String) throws(OpError) -> (before: [Int], after: [Int], ellipsis: Bool) {
        let parts = term.split(separator: "...", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2 else { throw OpError("Einsum term '\(term)' has more than one ellipsis") }
        func letters(_ s: String) throws(OpError) -> [Int] {
          var out: [Int] = []
          for u in s.unicodeScalars {
            guard (u >= "a" && u <= "z") || (u >= "A" && u <= "Z") else {
              throw OpError("Einsum equation '\(equation)' has an invalid character '\(u)'")
            }
            out.append(Int(u.value))
          }
          return out
        }
        return (try letters(parts[0]), parts.count == 2 ? try letters(parts[1]) : [], parts.count == 2)
      }
      var parsed: [(before: [Int], after: [Int], ellipsis: Bool)] = []
      var ellipsisRank = 0
      for (term, rank) in zip(terms, ranks) {
        let p = try split(term)
        let letters = p.before.count + p.after.count
        if let rank {
          if p.ellipsis {
            guard rank >= letters else {
              throw OpError("Einsum term '\(term)' has \(letters) letters, more than its operand's rank \(rank)")
            }
            ellipsisRank = max(ellipsisRank, rank - letters)
          } else if rank != letters {
            throw OpError("Einsum term '\(term)' has \(letters) letters, but its operand has rank \(rank)")
          }
        }
        parsed.append(p)
      }
      var inputs: [[Int]] = []
      for (p, rank) in zip(parsed, ranks) {
        let own = p.ellipsis ? (rank ?? 0) - p.before.count - p.after.count : 0
        inputs.append(p.before + (0..<own).map { 1000 + ellipsisRank - own + $0 } + p.after)
      }
      let ellipsisLabels = (0..<ellipsisRank).map { 1000 + $0 }
      var output: [Int]
      if sides.count == 2 {
        let p = try split(sides[1])
        output = p.before + (p.ellipsis ? ellipsisLabels : []) + p.after
        let all = Set(inputs.joined())
        for l in output where l < 1000 && !all.contains(l) {
          throw OpError("Einsum output label '\(Character(Unicode.Scalar(UInt8(l))))' appears in no input")
        }
        guard Set(output).count == output.count else { throw OpError("Einsum output '\(sides[1])' repeats a label") }
      } else {
        // Implicit output: the ellipsis dims, then the letters used once, in alphabetical (ASCII) order.
        var counts: [Int: Int] = [:]
        for l in inputs.joined() where l < 1000 { counts[l, default: 0] += 1 }
        output = ellipsisLabels + counts.keys.filter { counts[$0] == 1 }.sorted()
      }
      return EinsumEquation(inputs: inputs, output: output)
    }
  }

  static let einsumTypes: Set<ElementType> = [.f32, .f64, .f16, .bf16, .i64, .i32, .u64, .u32]

  static let einsum = OpDefinition(
    "Einsum",
    inferTypes: { (c) throws(OpError) in [try einsumType(c).type] },
    evaluate: { (c) throws(OpError) in
      let (type, equation) = try einsumType(c.inference)
      let operands = try (0..<c.inputs.count).map { (i) throws(OpError) in try c.input(i) }
      return [try einsumEvaluate(equation!, operands, resultShape: type.shape.staticSizes!)]
    })

  static func einsumType(_ c: InferenceContext) throws(OpError) -> (type: TensorType, equation: EinsumEquation?) {
    guard c.inputCount >= 1 else { throw OpError("Einsum needs at least one input") }
    let x = try c.input(0)
    try ElementTypes.require(x, in: einsumTypes, "Einsum")
    try requireSameElement(c, Array(0..<c.inputCount), as: x, "Einsum")
    guard let text = try c.attributes.string("equation") else { throw OpError("Einsum needs the attribute 'equation'") }
    var ranks: [Int?] = []
    for i in 0..<c.inputCount { ranks.append(try c.input(i).shape.rank) }
    guard !ranks.contains(where: { $0 == nil }) else {
      _ = try EinsumEquation.parse(text, ranks: ranks.map { _ in nil })
      return (TensorType(x.element, .unranked), nil)
    }
    let equation = try EinsumEquation.parse(text, ranks: ranks)
    var sizes: [Int: Dim] = [:]
    for (i, labels) in equation.inputs.enumerated() {
      let dims = try c.input(i).shape.dims!
      for (l, d) in zip(labels, dims) {
        switch (sizes[l], d) {
        case (nil, _), (.fixed(1)?, _): sizes[l] = d
        case (.fixed(let a)?, .fixed(let b)) where a != b && b != 1:
          throw OpError("Einsum label sizes disagree: \(a) vs \(b) in input \(i)")
        case (.symbolic?, .fixed(let b)) where b != 1: sizes[l] = d
        default: break
        }
      }
    }
    return (TensorType(x.element, .ranked(equation.output.map { sizes[$0] ?? .fixed(1) })), equation)
  }

  /// One operand during evaluation: a contiguous tensor whose dims carry unique labels.
  struct EinsumTerm {
    var data: TensorData
    var labels: [Int]
  }

  static func einsumEvaluate(_ eq: EinsumEquation, _ operands: [TensorData], resultShape: [Int]) throws(OpError) -> TensorData {
    // The size of every label (broadcast: the largest).
    var size: [Int: Int] = [:]
    for (labels, t) in zip(eq.inputs, operands) {
      for (l, n) in zip(labels, t.shape) where n != 1 || size[l] == nil { size[l] = n }
    }
    // Diagonals: one dim per distinct label, its stride the sum of the repeated dims' strides.
    var terms: [EinsumTerm] = []
    for (labels, t) in zip(eq.inputs, operands) {
      let strides = contiguousStrides(t.shape)
      var unique: [Int] = [], shape: [Int] = [], viewStrides: [Int] = []
      for (i, l) in labels.enumerated() {
        if let j = unique.firstIndex(of: l) {
          guard shape[j] == t.shape[i] else { throw OpError("Einsum repeated label sizes differ: \(shape[j]) vs \(t.shape[i])") }
          viewStrides[j] += strides[i]
        } else {
          unique.append(l)
          shape.append(t.shape[i])
          viewStrides.append(strides[i])
        }
      }
      let data = unique.count == labels.count ? t : t.denseCopy(shape: shape, strides: viewStrides)
      terms.append(EinsumTerm(data: data, labels: unique))
    }
    // Contract left to right; after each step, sum out labels nothing later needs.
    var current = terms[0]
    for next in 0..<terms.count {
      let later = Set(eq.output + terms.dropFirst(next + 1).flatMap(\.labels))
      if next == 0 {
        current = einsumSum(current, keeping: later)
        continue
      }
      let other = einsumSum(terms[next], keeping: later.union(current.labels))
      current = try einsumContract(einsumSum(current, keeping: later.union(other.labels)), other, keeping: later, size: size)
    }
    current = einsumSum(current, keeping: Set(eq.output))
    // Permute (and broadcast) into the output order.
    let strides = contiguousStrides(current.data.shape)
    let outStrides = eq.output.map { l -> Int in
      guard let i = current.labels.firstIndex(of: l), current.data.shape[i] == size[l] ?? 1 else { return 0 }
      return strides[i]
    }
    if eq.output == current.labels && current.data.shape == resultShape { return current.data }
    return current.data.denseCopy(shape: resultShape, strides: outStrides)
  }

  /// `t` with every label not in `keeping` summed out.
  static func einsumSum(_ t: EinsumTerm, keeping: Set<Int>) -> EinsumTerm {
    let axes = t.labels.indices.filter { !keeping.contains(t.labels[$0]) }
    if axes.isEmpty { return t }
    let kept = t.labels.indices.filter { keeping.contains(t.labels[$0]) }
    let shape = kept.map { t.data.shape[$0] }
    let (data, outer, n, inner) = reductionLayout(t.data, axes: axes)
    let result: TensorData
    if data.elementType == .f32 {
      result = TensorData.f32(uninitialized: shape) { out in
        qcc_f32_reduce(QCC_REDUCE_SUM, data.f32Pointer, out.address, Int64(outer), Int64(n), Int64(inner))
      }
    } else {
      result = referenceReduce(QCC_REDUCE_SUM, data, outer: outer, n: n, inner: inner, shape: shape)
    }
    return EinsumTerm(data: result, labels: kept.map { t.labels[$0] })
  }

  /// The contraction of `a` and `b` over their shared labels not in `keeping`, as one batched matmul.
  static func einsumContract(
    _ a: EinsumTerm, _ b: EinsumTerm, keeping: Set<Int>, size: [Int: Int]
  ) throws(OpError) -> EinsumTerm {
    let shared = a.labels.filter { b.labels.contains($0) }
    let batch = shared.filter { keeping.contains($0) }
    let contracted = shared.filter { !keeping.contains($0) }
    let mLabels = a.labels.filter { !shared.contains($0) }
    let nLabels = b.labels.filter { !shared.contains($0) }
    func own(_ t: EinsumTerm, _ l: Int) -> Int { t.data.shape[t.labels.firstIndex(of: l)!] }
    let batchSizes = batch.map { size[$0]! }, kSizes = contracted.map { size[$0]! }
    let mSizes = mLabels.map { own(a, $0) }, nSizes = nLabels.map { own(b, $0) }
    let bs = product(batchSizes), m = product(mSizes), k = product(kSizes), n = product(nSizes)
    let resultLabels = batch + mLabels + nLabels, resultShape = batchSizes + mSizes + nSizes
    // f32 operands already laid out as [batch, M, K] / [batch, K, N] or their transposes go to sgemm as they are.
    let full = { (t: EinsumTerm) in zip(t.labels, t.data.shape).allSatisfy { l, d in !shared.contains(l) || d == size[l] } }
    let aPlain = a.labels == batch + mLabels + contracted, aTransposed = a.labels == batch + contracted + mLabels
    let bPlain = b.labels == batch + contracted + nLabels, bTransposed = b.labels == batch + nLabels + contracted
    if a.data.elementType == .f32, aPlain || aTransposed, bPlain || bTransposed, full(a), full(b) {
      let y = TensorData.f32(uninitialized: resultShape) { out in
        qcc_f32_gemm_batched(
          aPlain ? 0 : 1, bPlain ? 0 : 1, Int64(m), Int64(n), Int64(k), 1, a.data.f32Pointer, Int64(aPlain ? k : m),
          b.data.f32Pointer, Int64(bPlain ? n : k), 0, out.address, Int64(n), 1, [Int64(bs)], [Int64(m * k)],
          [Int64(k * n)], [Int64(m * n)])
      }
      return EinsumTerm(data: y, labels: resultLabels)
    }
    let am = arrange(a, batch + mLabels + contracted, sizes: batchSizes + mSizes + kSizes)
    let bm = arrange(b, batch + contracted + nLabels, sizes: batchSizes + kSizes + nSizes)
    let y = try matMulEvaluate(am.reshaped([bs, m, k]), bm.reshaped([bs, k, n]), resultShape: [bs, m, n])
    return EinsumTerm(data: y.reshaped(resultShape), labels: resultLabels)
  }

  /// `t`'s data with its dims in `order`, broadcast to `sizes`; no copy when that is already its layout.
  static func arrange(_ t: EinsumTerm, _ order: [Int], sizes: [Int]) -> TensorData {
    let strides = contiguousStrides(t.data.shape)
    let view = order.enumerated().map { (i, l) -> Int in
      let j = t.labels.firstIndex(of: l)!
      return t.data.shape[j] == sizes[i] ? strides[j] : 0
    }
    if order == t.labels && sizes == t.data.shape { return t.data }
    return t.data.denseCopy(shape: sizes, strides: view)
  }
}
