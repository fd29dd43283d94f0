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

extension QuantizedOps {
  static let matMul = OpDefinition(
    "qcc.matmul",
    inferTypes: { (c) throws(OpError) in [try matMulType(c)] },
    evaluate: { (c) throws(OpError) in [try matMulEvaluate(c)] })

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
    let (declared, qacc) = try declaredResult(c, op)
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
    try checkAccumulator(
      c, qacc, shape: shape, storage: storage, channelAxis: shape.rank.map { $0 - 1 }, expected: expected,
      describe: { n in "scale_a × scale_b" + (scales.count > 1 ? "[\(n)]" : "") + " (\(sa) × \(scales[n]))" }, op)
    return TensorType(declared.element, shape)
  }

  static func matMulEvaluate(_ c: EvaluationContext) throws(OpError) -> TensorData {
    let op = "qcc.matmul"
    let type = try matMulType(c.inference)
    let resultShape = type.shape.staticSizes!
    let (a, _, pa) = try operandParameters(c, 0, op)
    let (b, qb, pb) = try operandParameters(c, 1, op)
    let folded = try c.attributes.int("zero_point_folded", default: 0) != 0
    let za: [Int32] = [folded ? 0 : pa.zeroPoints[0]]
    let as2 = a.shape.count == 1 ? [1] + a.shape : a.shape
    let bs2 = b.shape.count == 1 ? b.shape + [1] : b.shape
    let m = as2[as2.count - 2], k = as2[as2.count - 1], n = bs2[bs2.count - 1]
    let batchA = Array(as2.dropLast(2)), batchB = Array(bs2.dropLast(2))
    let batch = try Broadcast.sizes([batchA, batchB])
    let storage = type.elementType

    var zb = pb.zeroPoints
    var layout = QCC_ZP_SCALAR
    var group = 0
    switch qb.granularity {
    case .perTensor: break
    case .perAxis: layout = QCC_ZP_PER_COL
    case .perGroup(_, let g, _, _):
      layout = QCC_ZP_ROW_GROUPS
      group = g
    }
    if zb.isEmpty { zb = [0] }
    let bias = c.optionalInput(2)
    let kernelA = kernelType(a.elementType)!, kernelB = kernelType(b.elementType)!
    let bBatch = batchB.reduce(1, *)
    if b.elementType.bitWidth < 8 && bBatch > 1 && (k * n) % 2 != 0 {
      throw OpError("\(op): a 4-bit right operand with batch dimensions needs an even K × N, not \(k) × \(n)")
    }

    // Each batch is one GEMM; when b has no batch the left operand's batch rows stack into M.
    let single = bBatch == 1
    let sa = Broadcast.strides(of: batchA, broadcastTo: batch), sbs = Broadcast.strides(of: batchB, broadcastTo: batch)
    let sc = contiguousStrides(batch).map(Int64.init)
    let keep = batch.indices.filter { batch[$0] != 1 }
    try requireKernelRank(keep.count)
    let shape = keep.map { Int64(batch[$0]) }
    let strideA = keep.map { sa[$0] * Int64(m * k) }
    let strideB = keep.map { sbs[$0] * Int64(k * n) }
    let strideC = keep.map { sc[$0] * Int64(m * n) }
    let rows = single ? batch.reduce(1, *) * m : m

    return withExtendedLifetime((a, b, bias)) {
      za.withUnsafeBufferPointer { zaPointer in
        zb.withUnsafeBufferPointer { zbPointer in
          var ma = qcc_qmatrix(
            type: kernelA, data: a.rawPointer, ld: Int64(k), zero_point: zaPointer.baseAddress, zp_layout: QCC_ZP_SCALAR,
            group: 0)
          var mb = qcc_qmatrix(
            type: kernelB, data: b.rawPointer, ld: Int64(n), zero_point: zbPointer.baseAddress, zp_layout: layout,
            group: Int64(group))
          if storage == .i32 {
            let biasValues = bias?.scalars(as: Int32.self)
            return TensorData(uninitialized: .i32, shape: resultShape) { raw in
              let out = raw.bindMemory(to: Int32.self).address
              withOptionalPointer(biasValues) { biasPointer in
                if single {
                  qcc_qgemm_i32(Int64(rows), Int64(n), Int64(k), &ma, &mb, biasPointer, out, Int64(n))
                } else {
                  qcc_qgemm_batched_i32(
                    Int64(m), Int64(n), Int64(k), &ma, &mb, biasPointer, out, Int64(n), Int32(keep.count), shape,
                    strideA, strideB, strideC)
                }
              }
            }
          }
          let biasValues = bias.map(int64Bias)
          return TensorData(uninitialized: .i64, shape: resultShape) { raw in
            let out = raw.bindMemory(to: Int64.self).address
            withOptionalPointer(biasValues) { biasPointer in
              if single {
                qcc_qgemm_i64(Int64(rows), Int64(n), Int64(k), &ma, &mb, biasPointer, out, Int64(n))
              } else {
                qcc_qgemm_batched_i64(
                  Int64(m), Int64(n), Int64(k), &ma, &mb, biasPointer, out, Int64(n), Int32(keep.count), shape,
                  strideA, strideB, strideC)
              }
            }
          }
        }
      }
    }
  }

  /// Runs `body` with a pointer to `values`' elements, or nil when there are none.
  static func withOptionalPointer<T, R>(_ values: [T]?, _ body: (UnsafePointer<T>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress ?? UnsafePointer(bitPattern: 64)!) }
  }
}
