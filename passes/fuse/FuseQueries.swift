import QCCIR
import QCCPass

extension Rewriter {
  /// The type of `value` when it is quantized to i8 or u8, per tensor, standing
  /// for f32 (what the ATTENTION and QSCAN kernels read); else nil.
  func perTensorByteType(_ value: ValueID) -> QuantizedType? {
    guard let q = graph[value].type.element.quantization, q.storage == .i8 || q.storage == .u8, q.expressed == .f32,
      q.perTensor != nil
    else { return nil }
    return q
  }
}
