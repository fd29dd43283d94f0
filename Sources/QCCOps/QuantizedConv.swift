import QCCIR
import QCCKernels

// qcc.conv(x, w[, bias]): Conv (same attributes and shapes, shared with the
// float op) on quantized integers into an int32 (int64 with a 16-bit
// operand) accumulator,
//   acc[n, m, o] = Σ (x[n, c, …] − zx) × (w[m, c, …] − zw[m]) + bias[m],
// scale scale_x × scale_w[m] (in f32) per output channel (axis 1), zero point
// 0. Padded taps read zx, so they contribute 0. `x` is quantized per tensor,
// `w` per tensor or per output channel (axis 0). With `zero_point_folded = 1`
// zx is folded into the bias and not subtracted (padding still reads zx).
// The arithmetic is qcc_qconv_i32 / _i64.

extension QuantizedOps {
  static func convType(_ c: InferenceContext) throws(OpError) -> (
    type: TensorType, window: LinearAlgebraOps.Window, group: Int
  ) {
    let op = "qcc.conv"
    let (x, qx) = try quantizedOperand(c, 0, op)
    let (w, qw) = try quantizedOperand(c, 1, op)
    for (i, q) in [(0, qx), (1, qw)] where !byteValueStorage.contains(q.storage) {
      throw OpError("\(op): operand \(i) is \(q.storage); convolutions take \(list(byteValueStorage))")
    }
    guard case .perTensor(let sx, _) = qx.granularity else {
      throw OpError("\(op): operand 0 must be quantized per tensor; only the weight may have per-channel scales")
    }
    switch qw.granularity {
    case .perTensor: break
    case .perAxis(let axis, _, _):
      guard axis == 0 else {
        throw OpError("\(op): per-channel quantized operand 1 on axis \(axis), expected the output-channel axis 0")
      }
    case .perGroup:
      throw OpError("\(op): operand 1 is quantized per group; conv weights take one scale per output channel")
    }
    let (dims, window, group) = try LinearAlgebraOps.convGeometry(c, op: op)
    let storage = accumulator(qx.storage, qw.storage)
    try checkBias(c, 2, channels: dims[1], accumulator: storage, op)
    let (declared, qacc) = try declaredResult(c, op)
    let shape = try unify(.ranked(dims), declared.shape, op, "the declared result shape")
    try checkParameters(qx, shape: x.shape, c.parameters, op, "operand 0")
    let scales = try checkParameters(qw, shape: w.shape, c.parameters, op, "operand 1")?.scales
    try checkAccumulator(
      c, qacc, shape: shape, storage: storage, channelAxis: 1, expected: scales.map { $0.map { sx * $0 } },
      describe: { m in "scale_x × scale_w" + (scales!.count > 1 ? "[\(m)]" : "") + " (\(sx) × \(scales![m]))" }, op)
    return (TensorType(declared.element, shape), window, group)
  }

  static let conv = OpDefinition(
    "qcc.conv",
    inferTypes: { (c) throws(OpError) in [try convType(c).type] },
    evaluate: { (c) throws(OpError) in
      let op = "qcc.conv"
      let (type, window, group) = try convType(c.inference)
      let shape = type.shape.staticSizes!
      let (x, _, px) = try operandParameters(c, 0, op)
      let (w, _, pw) = try operandParameters(c, 1, op)
      var (geometry, _) = try window.geometry(input: Array(x.shape.dropFirst(2)), op: op)
      let channels = x.shape[1], outChannels = shape[1]
      let folded = try c.attributes.int("zero_point_folded", default: 0) != 0
      let zx = px.zeroPoints[0]
      let zw = pw.zeroPoints.count == 1 ? [Int32](repeating: pw.zeroPoints[0], count: outChannels) : pw.zeroPoints
      let kernelX = kernelType(x.elementType)!, kernelW = kernelType(w.elementType)!
      let bytes = Int(qcc_qconv_workspace(&geometry, Int64(channels), Int64(group), kernelX))
      let workspace = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 64)
      defer { workspace.deallocate() }
      let bias = c.optionalInput(2)
      let dims = (Int64(shape[0]), Int64(channels), Int64(outChannels), Int64(group))
      let out = withExtendedLifetime((x, w, bias)) {
        zw.withUnsafeBufferPointer { zwPointer in
          if type.elementType == .i32 {
            return TensorData(uninitialized: .i32, shape: shape) { raw in
              withOptionalPointer(bias?.scalars(as: Int32.self)) { b in
                qcc_qconv_i32(
                  kernelX, x.rawPointer, folded ? 0 : zx, zx, kernelW, w.rawPointer, zwPointer.baseAddress, b,
                  raw.bindMemory(to: Int32.self).address, dims.0, dims.1, dims.2, dims.3, &geometry, workspace)
              }
            }
          }
          return TensorData(uninitialized: .i64, shape: shape) { raw in
            withOptionalPointer(bias.map(int64Bias)) { b in
              qcc_qconv_i64(
                kernelX, x.rawPointer, folded ? 0 : zx, zx, kernelW, w.rawPointer, zwPointer.baseAddress, b,
                raw.bindMemory(to: Int64.self).address, dims.0, dims.1, dims.2, dims.3, &geometry, workspace)
            }
          }
        }
      }
      return [out]
    })
}
