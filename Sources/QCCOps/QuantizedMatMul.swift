import QCCIR
import QCCKernels

// qcc.matmul(a, b[, bias]): numpy matmul of quantized integers into an int32
// (int64 with a 16-bit operand) accumulator,
//   acc[m, n] = Σₖ (a[m, k] − za) × (b[k, n] − zb[n]) + bias[n],
// whose scale is scale_a × scale_b[n] (in f32) and zero point 0. `a` is
// quantized per tensor; `b` per tensor, per channel along its last axis (the
// output channels), or per group along K with one scale per column. With
// `zero_point_folded = 1` the lowering has folded −za × Σₖ b[k, n] into the
// bias, and the product subtracts no activation zero point. The arithmetic is
// qcc_qgemm_i32 / _i64 (batched: qcc_qgemm_batched_*).
//
// Fused forms (the `fuse` pass): the result type may instead be
//   - f32: the accumulator dequantized, y = f32(acc) × scale_a × scale_b[n],
//     exactly qcc.dequantize of the accumulator;
//   - a quantized 8- or 16-bit type: the accumulator requantized to it,
//     exactly qcc.requantize of the accumulator.
// The accumulator's scale is always scale_a × scale_b[n] with zero point 0,
// so the fused op needs no accumulator type to compute the same bits.

extension QuantizedOps {
  static let matMul = OpDefinition.planned(
    "qcc.matmul",
    inferTypes: { (c) throws(OpError) in [try matMulType(c)] },
    plan: QuantizedPlans.matMul)

  static func matMulType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let op = "qcc.matmul"
    let (a, qa) = try quantizedOperand(c, 0, op)
    let (b, qb) = try quantizedOperand(c, 1, op)
    guard byteValueStorage.contains(qa.storage) else {
      throw OpError("\(op): operand 0 is \(qa.storage); the left operand must be \(list(byteValueStorage))")
    }
    guard valueStorage.contains(qb.storage) else {
      throw OpError("\(op): operand 1 is \(qb.storage); the right operand must be \(list(valueStorage))")
    }
    guard case .perTensor(let sa, _) = qa.granularity else {
      throw OpError("\(op): operand 0 must be quantized per tensor; only the right operand may have per-channel scales")
    }
    let bRank = b.shape.rank
    switch qb.granularity {
    case .perTensor: break
    case .perAxis(let axis, _, _):
      if let r = bRank {
        guard r >= 2 else {
          throw OpError(
            "\(op): per-channel quantized operand 1 on axis \(axis), but a 1-D right operand has no output-channel axis")
        }
        guard axis == r - 1 else {
          throw OpError(
            "\(op): per-channel quantized operand 1 on axis \(axis), expected the output-channel axis \(r - 1)")
        }
      }
    case .perGroup(let axis, _, _, _):
      if let r = bRank {
        guard r == 2 else { throw OpError("\(op): per-group quantized operand 1 must be a matrix [K, N], not rank \(r)") }
        guard axis == 0 else {
          throw OpError(
            "\(op): per-group quantized operand 1 is grouped along axis \(axis), expected the reduction axis 0")
        }
      }
    }
    var dims: Shape = .unranked
    if let da = a.shape.dims, let db = b.shape.dims {
      do {
        dims = .ranked(try LinearAlgebraOps.matMulDims(da, db))
      } catch {
        throw OpError("\(op): \(error.message)")
      }
    }
    let storage = accumulator(qa.storage, qb.storage)
    let columns: Dim = b.shape.dims.map { $0.count >= 2 ? $0[$0.count - 1] : .fixed(1) } ?? .symbolic(nil)
    try checkBias(c, 2, channels: columns, accumulator: storage, op)
    guard let declared = c.declaredResultTypes?.first else { throw OpError("\(op) needs a declared result type") }
    let shape = try unify(dims, declared.shape, op, "the declared result shape")
    try checkParameters(qa, shape: a.shape, c.parameters, op, "operand 0")
    // The scale each output column's accumulator must have, when b's parameters are known.
    var expected: [Float]?
    var scales: [Float] = []
    if let pb = try checkParameters(qb, shape: b.shape, c.parameters, op, "operand 1") {
      scales = pb.scales
      if case .perGroup = qb.granularity, let n = b.shape.dims?.last?.value, n > 0 {
        scales = Array(pb.scales.prefix(n))
        for (i, s) in pb.scales.enumerated() where s != scales[i % n] {
          throw OpError(
            "\(op): the group scales of operand 1 differ along K in column \(i % n) (\(scales[i % n]) and \(s)); "
              + "an integer accumulator has one scale per output column")
        }
      }
      expected = scales.map { sa * $0 }
    }
    switch matMulEpilogue(declared, accumulator: storage) {
    case .accumulator:
      let (_, qacc) = try declaredResult(c, op)
      try checkAccumulator(
        c, qacc, shape: shape, storage: storage, channelAxis: shape.rank.map { $0 - 1 }, expected: expected,
        describe: { n in "scale_a × scale_b" + (scales.count > 1 ? "[\(n)]" : "") + " (\(sa) × \(scales[n]))" }, op)
    case .dequantize:
      break
    case .requantize(let qy):
      guard qy.expressed == .f32 else { throw OpError("\(op): the result stands for \(qy.expressed) values; qcc quantizes f32 only") }
      switch qy.granularity {
      case .perTensor: break
      case .perAxis(let axis, _, _):
        guard let r = shape.rank, axis == r - 1 else {
          throw OpError("\(op): a requantized result may be quantized per channel only on its last axis, not axis \(axis)")
        }
      case .perGroup: throw OpError("\(op): the result cannot be quantized per group")
      }
      try checkParameters(qy, shape: shape, c.parameters, op, "the result")
    case .unsupported(let t):
      throw OpError(
        "\(op): the result must be the \(storage) accumulator, f32 (dequantized) or a quantized 8- or 16-bit type "
          + "(requantized), not \(t)")
    }
    return TensorType(declared.element, shape)
  }
}

/// What a fused `qcc.matmul` does to its accumulator before storing it.
enum MatMulEpilogue {
  /// The result is the accumulator (no epilogue).
  case accumulator
  /// The result is the accumulator as f32.
  case dequantize
  /// The result is the accumulator rescaled to this quantized type.
  case requantize(QuantizedType)
  /// A result type no epilogue produces.
  case unsupported(String)
}

/// The epilogue a declared result type asks for.
func matMulEpilogue(_ declared: TensorType, accumulator: ElementType) -> MatMulEpilogue {
  guard let q = declared.element.quantization else {
    return declared.elementType == .f32 ? .dequantize : .unsupported(Printer.spell(declared))
  }
  if q.storage == .i32 || q.storage == .i64 { return .accumulator }  // checkAccumulator names a wrong width
  return QuantizedOps.byteValueStorage.contains(q.storage) ? .requantize(q) : .unsupported("\(q.storage)")
}
