import QCCIR
import QCCKernels

#if canImport(Glibc)
import Glibc
#endif

// Mish (x * tanh(softplus(x))) and Swish (opset 24: x * sigmoid(alpha * x)).
// f32 runs the kernels of qcc_float_activation.h; f64, f16 and bf16 compute
// in Double with libm and round once.

extension ElementwiseOps {
  /// A float activation with an f32 kernel and a Double reference.
  static func smoothActivation(
    _ name: String, f32: @escaping @Sendable (TensorData, AttributeReader) throws(OpError) -> TensorData,
    real: @escaping @Sendable (Double, AttributeReader) throws(OpError) -> Double
  ) -> OpDefinition {
    @Sendable func infer(_ c: InferenceContext) throws(OpError) -> TensorType {
      try requireInputCount(c, name, 1...1)
      let x = try c.input(0)
      try ElementTypes.require(x, in: ElementTypes.float, name)
      _ = try real(0, c.attributes)
      return x
    }
    return OpDefinition(
      name,
      inferTypes: { (c) throws(OpError) in [try infer(c)] },
      evaluate: { (c) throws(OpError) in
        _ = try infer(c.inference)
        let x = try c.input(0)
        if x.elementType == .f32 { return [try f32(x, c.attributes)] }
        var y = x.doubles()
        for i in y.indices { y[i] = try real(y[i], c.attributes) }
        return [TensorData(converting: y, to: x.elementType, shape: x.shape)]
      })
  }

  static let mish = smoothActivation(
    "Mish",
    f32: { x, _ in TensorData.f32(uninitialized: x.shape) { out in qcc_f32_mish(out.address, x.f32Pointer, Int64(x.elementCount)) } },
    real: { x, _ in
      // softplus without overflow: max(x, 0) + log1p(e^-|x|).
      x * tanh(Swift.max(x, 0) + log1p(exp(-Swift.abs(x))))
    })

  static let swish = smoothActivation(
    "Swish",
    f32: { (x, a) throws(OpError) in
      let alpha = try a.float("alpha", default: 1)
      return TensorData.f32(uninitialized: x.shape) { out in
        qcc_f32_swish(out.address, x.f32Pointer, Int64(x.elementCount), alpha)
      }
    },
    real: { (x, a) throws(OpError) in
      let alpha = Double(try a.float("alpha", default: 1))
      return x / (1 + exp(-alpha * x))
    })
}
