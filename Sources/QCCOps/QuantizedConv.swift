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

  static let conv = OpDefinition.planned(
    "qcc.conv", inferTypes: { (c) throws(OpError) in [try convType(c).type] }, plan: QuantizedPlans.conv)
}
