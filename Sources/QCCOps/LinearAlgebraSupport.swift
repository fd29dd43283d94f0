import QCCIR

// Helpers shared by the linear-algebra family's files: operand checks and
// element conversion for the paths that run non-f32 tensors through f32.
// Namespaced in `LinearAlgebraOps` so that they cannot collide with other
// families' helpers in this module.

extension LinearAlgebraOps {
  /// Throws unless every present operand in `indices` has `type`'s element type.
  static func requireSameElement(
    _ c: InferenceContext, _ indices: [Int], as type: TensorType, _ op: String
  ) throws(OpError) {
    for i in indices {
      guard let t = c.optionalInput(i) else { continue }
      guard t.elementType == type.elementType else {
        throw OpError("\(op) input \(i) has element type \(t.elementType), expected \(type.elementType) like input 0")
      }
    }
  }

  /// The product of `sizes` (1 for none).
  static func product<S: Sequence>(_ sizes: S) -> Int where S.Element == Int { sizes.reduce(1, *) }

  /// `t`'s elements as f32 (exact for f16 and bf16; rounds f64), for running an f32 kernel.
  static func toF32(_ t: TensorData) -> TensorData {
    if t.elementType == .f32 { return t }
    switch t.elementType {
    case .f16: return TensorData(shape: t.shape, scalars: t.scalars(as: Float16.self).map(Float.init))
    case .bf16: return TensorData(shape: t.shape, scalars: t.scalars(as: BFloat16.self).map(\.floatValue))
    default: return TensorData(converting: t.doubles(), to: .f32, shape: t.shape)
    }
  }

  /// An f32 tensor converted to `type` (round to nearest for floats, C semantics for integers).
  static func fromF32(_ t: TensorData, to type: ElementType) -> TensorData {
    if type == .f32 { return t }
    if type == .f16 { return TensorData(shape: t.shape, scalars: t.scalars(as: Float.self).map { Float16($0) }) }
    return TensorData(converting: t.doubles(), to: type, shape: t.shape)
  }
}
