import QCCIR

// Shared machinery of the data-movement ops: allocation limits for shapes
// that come from user data, and element sizes. (Element copies go through
// `StridedCopy`, dims through `DimMath`, shape-like operands through the
// `InferenceContext` helpers of OpSupport.swift.)
// Everything is namespaced in `DataMovementOps` so that it cannot collide
// with other families' helpers in this module.

extension DataMovementOps {
  /// The largest tensor, in bytes, an op here allocates: shapes computed
  /// from user data (ConstantOfShape, Expand, Tile, Pad…) fail cleanly above it.
  static let maxTensorBytes = 1 << 34

  /// The sum of `values`, nil when it overflows.
  static func checkedSum<S: Sequence>(_ values: S) -> Int? where S.Element == Int {
    var total = 0
    for v in values {
      let (r, overflow) = total.addingReportingOverflow(v)
      if overflow { return nil }
      total = r
    }
    return total
  }

  /// Checks that a tensor of `shape` can be allocated (and its strides
  /// computed) before any arithmetic on a shape that came from user data.
  /// Zero-size dims count as 1, so that the strides of an empty tensor fit too.
  static func requireAllocatable(_ shape: [Int], _ elementType: ElementType) throws(OpError) {
    let limit = maxTensorBytes / max(elementType.bitWidth / 8, 1)
    guard let count = checkedProduct(shape.map { max($0, 1) }), count <= limit else {
      throw OpError("result shape \(shape) is too large")
    }
  }

  /// A new tensor of `elementType` and `shape` whose bytes `fill` writes
  /// through a pointer that is valid even when the tensor is empty; an error
  /// when the shape is too large to allocate. The bytes start zeroed when
  /// `zeroed`; otherwise `fill` must write every one of them.
  static func makeTensor(
    _ elementType: ElementType, _ shape: [Int], zeroed: Bool, _ fill: (UnsafeMutableRawPointer) -> Void
  ) throws(OpError) -> TensorData {
    try requireAllocatable(shape, elementType)
    if zeroed { return TensorData(elementType: elementType, shape: shape) { fill($0.address) } }
    return TensorData(uninitialized: elementType, shape: shape) { fill($0.address) }
  }

  /// Checks that data movement may carry a value of type `t` through: a plain
  /// or per-tensor quantized element passes (the bytes move, the scale stays);
  /// per-axis and per-group quantized values cannot, since moving the data
  /// would move the axis their parameters follow. 4-bit quantized values
  /// cannot be moved element by element; views (`isView`) keep every byte.
  static func requireMovable(_ t: TensorType?, _ op: String, isView: Bool = false) throws(OpError) {
    guard let q = t?.element.quantization else { return }
    guard case .perTensor = q.granularity else {
      throw OpError(
        "per-channel quantized values cannot be moved by \(op): fold the data movement into the constant before quantizing")
    }
    if q.storage.bitWidth < 8 && !isView {
      throw OpError(
        "\(op) cannot move \(q.storage) quantized values (two to a byte); "
          + "only views (Reshape, Flatten, Squeeze, Unsqueeze, Identity) keep them whole")
    }
  }

  /// Bytes per element for the byte-copying kernels; sub-byte types cannot be
  /// addressed element by element, so an op that moves elements rejects them.
  static func elementSize(_ type: ElementType, op: String) throws(OpError) -> Int {
    guard type.bitWidth >= 8 else { throw OpError("\(op) does not support \(type) tensors") }
    return type.bitWidth / 8
  }
}
