import QCCIR

// Permutations of axes: Transpose, and DepthToSpace / SpaceToDepth, which are
// a transpose of a finer view of the tensor.

extension DataMovementOps {
  /// `x` viewed as `viewShape` (same element count, row-major), with its axes
  /// permuted: result axis i is view axis `perm[i]`. One strided copy, or no
  /// copy at all when the permutation only moves size-1 axes.
  static func permuted(_ x: TensorData, viewShape: [Int], perm: [Int], op: String) throws(OpError) -> TensorData {
    let outShape = perm.map { viewShape[$0] }
    let moved = perm.filter { viewShape[$0] != 1 }
    if moved == moved.sorted() { return x.reshaped(outShape) }
    _ = try elementSize(x.elementType, op: op)
    let inStrides = contiguousStrides(viewShape)
    return x.denseCopy(shape: outShape, strides: perm.map { inStrides[$0] })
  }

  // MARK: Transpose

  /// Transpose's permutation for a tensor of `rank`: the `perm` attribute, or reversed axes.
  static func transposePermutation(_ c: InferenceContext, rank: Int?) throws(OpError) -> [Int]? {
    guard let perm = try c.attributes.ints("perm") else { return rank.map { Array((0..<$0).reversed()) } }
    if let rank, perm.count != rank {
      throw OpError("perm \(perm) has \(perm.count) entries for a tensor of rank \(rank)")
    }
    guard perm.sorted() == Array(0..<perm.count) else { throw OpError("perm \(perm) is not a permutation") }
    return perm
  }

  static let transpose = OpDefinition(
    "Transpose",
    inferTypes: { (c) throws(OpError) in
      let x = try c.input(0)
      try requireMovable(x, "Transpose")
      let dims = x.shape.dims
      guard let perm = try transposePermutation(c, rank: dims?.count) else { return [TensorType(x.element, .unranked)] }
      guard let dims else { return [TensorType(x.element, .ranked(DimMath.unknown(perm.count)))] }
      return [TensorType(x.element, .ranked(perm.map { dims[$0] }))]
    },
    evaluate: { (c) throws(OpError) in
      let x = try c.input(0)
      try requireMovable(c.inputType(0), "Transpose")
      let perm = try transposePermutation(c.inference, rank: x.shape.count)!
      return [try permuted(x, viewShape: x.shape, perm: perm, op: "Transpose")]
    })

  // MARK: DepthToSpace and SpaceToDepth

  /// The block size attribute, which must be positive.
  static func blockSize(_ c: InferenceContext) throws(OpError) -> Int {
    guard let b = try c.attributes.int("blocksize") else { throw OpError("missing attribute 'blocksize'") }
    guard b > 0 && b <= 1 << 16 else { throw OpError("blocksize \(b) must be positive") }
    return b
  }

  /// The [N, C, H, W] dims of a DepthToSpace / SpaceToDepth operand.
  static func imageDims(_ x: TensorType) throws(OpError) -> [Dim] {
    guard let dims = x.shape.dims else { return DimMath.unknown(4) }
    guard dims.count == 4 else { throw OpError("input must have rank 4 [N, C, H, W], not \(Printer.spell(x))") }
    return dims
  }

  static func depthToSpaceType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let x = try c.input(0)
    let b = try blockSize(c)
    let mode = try c.attributes.string("mode", default: "DCR")
    guard mode == "DCR" || mode == "CRD" else { throw OpError("unknown mode '\(mode)'; expected DCR or CRD") }
    let d = try imageDims(x)
    var channels: Dim = .symbolic(nil)
    if let n = d[1].value {
      guard n % (b * b) == 0 else { throw OpError("\(n) channels are not divisible by blocksize² = \(b * b)") }
      channels = .fixed(n / (b * b))
    }
    let (h, w) = (try DimMath.scaled(d[2], by: b), try DimMath.scaled(d[3], by: b))
    return TensorType(x.element, .ranked([d[0], channels, h, w]))
  }

  static let depthToSpace = OpDefinition(
    "DepthToSpace",
    inferTypes: { (c) throws(OpError) in [try depthToSpaceType(c)] },
    evaluate: { (c) throws(OpError) in
      let x = try c.input(0)
      let b = try blockSize(c.inference)
      _ = try depthToSpaceType(c.inference)
      let (n, ch, h, w) = (x.shape[0], x.shape[1] / (b * b), x.shape[2], x.shape[3])
      let dcr = try c.attributes.string("mode", default: "DCR") == "DCR"
      let y = dcr
        ? try permuted(x, viewShape: [n, b, b, ch, h, w], perm: [0, 3, 4, 1, 5, 2], op: "DepthToSpace")
        : try permuted(x, viewShape: [n, ch, b, b, h, w], perm: [0, 1, 4, 2, 5, 3], op: "DepthToSpace")
      return [y.reshaped([n, ch, h * b, w * b])]
    })

  static func spaceToDepthType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let x = try c.input(0)
    let b = try blockSize(c)
    // `mode` is new in opset 28; older versions behave as DCR.
    let mode = try c.attributes.string("mode", default: "DCR")
    guard mode == "DCR" || mode == "CRD" else { throw OpError("unknown mode '\(mode)'; expected DCR or CRD") }
    let d = try imageDims(x)
    var out: [Dim] = [d[0], try DimMath.scaled(d[1], by: b * b)]
    for i in 2...3 {
      if let n = d[i].value {
        guard n % b == 0 else { throw OpError("dimension \(i) of size \(n) is not divisible by blocksize \(b)") }
        out.append(.fixed(n / b))
      } else {
        out.append(.symbolic(nil))
      }
    }
    return TensorType(x.element, .ranked(out))
  }

  static let spaceToDepth = OpDefinition(
    "SpaceToDepth",
    inferTypes: { (c) throws(OpError) in [try spaceToDepthType(c)] },
    evaluate: { (c) throws(OpError) in
      let x = try c.input(0)
      let b = try blockSize(c.inference)
      _ = try spaceToDepthType(c.inference)
      let (n, ch, h, w) = (x.shape[0], x.shape[1], x.shape[2] / b, x.shape[3] / b)
      let dcr = try c.attributes.string("mode", default: "DCR") == "DCR"
      let y = try permuted(
        x, viewShape: [n, ch, h, b, w, b], perm: dcr ? [0, 3, 5, 1, 2, 4] : [0, 1, 3, 5, 2, 4], op: "SpaceToDepth")
      return [y.reshaped([n, ch * b * b, h, w])]
    })
}
