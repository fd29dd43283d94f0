import QCCIR
import QCCKernels

/// The integer ops of quantized programs (`qcc.*`, docs/quantization.md):
/// quantize, dequantize, requantize, the integer matrix product and
/// convolution, integer add and multiply, and the quantized selective scan.
///
/// Their arithmetic is the C runtime's (`qcc_quant.h`) and nothing else:
/// evaluation resolves the operands' quantization parameters, checks them,
/// and calls the kernels, so the interpreter, the `.qprog` interpreter and
/// generated C compute the same bits.
enum QuantizedOps {
  static func register(into r: inout OpRegistry) {
    r.register(quantize)
    r.register(dequantize)
    r.register(requantize)
    r.register(matMul)
    r.register(conv)
    r.register(add)
    r.register(mul)
    r.register(attention)
    r.register(selectiveScan)
    r.register(FusedElementwise.definition)
  }
}

// MARK: - Shared machinery

extension QuantizedOps {
  /// Storage types of quantized values (not accumulators).
  static let valueStorage: Set<ElementType> = [.i8, .u8, .i16, .u16, .i4, .u4]
  /// Storage types of byte-addressed values.
  static let byteValueStorage: Set<ElementType> = [.i8, .u8, .i16, .u16]
  /// Storage types of accumulators.
  static let accumulatorStorage: Set<ElementType> = [.i32, .i64]

  /// The kernels' name for a storage type.
  static func kernelType(_ t: ElementType) -> qcc_qtype? {
    switch t {
    case .i8: QCC_QTYPE_I8
    case .u8: QCC_QTYPE_U8
    case .i16: QCC_QTYPE_I16
    case .u16: QCC_QTYPE_U16
    case .i4: QCC_QTYPE_I4
    case .u4: QCC_QTYPE_U4
    case .i32: QCC_QTYPE_I32
    case .i64: QCC_QTYPE_I64
    default: nil
    }
  }

  /// `!q.uniform<i8:f32, 0.5:0>`: a quantized element as the IR spells it.
  static func spell(_ q: QuantizedType) -> String { Printer.spell(q) }

  static func list(_ types: Set<ElementType>) -> String {
    ElementType.allCases.filter(types.contains).map(\.rawValue).joined(separator: ", ")
  }

  /// The quantized type of operand `i`, or an error saying it is not quantized.
  static func quantizedOperand(_ c: InferenceContext, _ i: Int, _ op: String) throws(OpError) -> (
    TensorType, QuantizedType
  ) {
    let t = try c.input(i)
    guard let q = t.element.quantization else {
      throw OpError("\(op): operand \(i) is not quantized (\(Printer.spell(t)))")
    }
    guard q.expressed == .f32 else {
      throw OpError("\(op): operand \(i) stands for \(q.expressed) values; qcc quantizes f32 only")
    }
    return (t, q)
  }

  /// The declared quantized type of result 0, or an error.
  static func declaredResult(_ c: InferenceContext, _ op: String) throws(OpError) -> (TensorType, QuantizedType) {
    guard let t = c.declaredResultTypes?.first, let q = t.element.quantization else {
      throw OpError("\(op) needs a declared quantized result type")
    }
    guard q.expressed == .f32 else {
      throw OpError("\(op): the result stands for \(q.expressed) values; qcc quantizes f32 only")
    }
    return (t, q)
  }

  /// `a` and `b` unified dim by dim (the more specific wins), or an error naming both.
  static func unify(_ a: Shape, _ b: Shape, _ op: String, _ what: String) throws(OpError) -> Shape {
    guard let da = a.dims else { return b }
    guard let db = b.dims else { return a }
    let mismatch = OpError("\(op): \(what) \(DimMath.describe(db)) does not match \(DimMath.describe(da))")
    guard da.count == db.count else { throw mismatch }
    var out: [Dim] = []
    for (x, y) in zip(da, db) {
      if let u = x.value, let v = y.value, u != v { throw mismatch }
      out.append(x.value != nil ? x : y)
    }
    return .ranked(out)
  }

  /// Resolves `q`'s parameters, checking them against a value of `shape`: the
  /// axis is in range, there is one parameter per channel (or group), scales
  /// are positive and finite, and zero points lie in the storage range
  /// (accumulators: zero points are 0). Returns nil when the parameters are
  /// elided (inference then checks only what the type says); evaluation
  /// passes `required` and gets an error instead.
  @discardableResult
  static func checkParameters(
    _ q: QuantizedType, shape: Shape, _ parameters: [String: Constant], _ op: String, _ what: String,
    required: Bool = false
  ) throws(OpError) -> QuantizationParameters? {
    let rank = shape.rank
    switch q.granularity {
    case .perTensor: break
    case .perAxis(let axis, let s, let z), .perGroup(let axis, _, let s, let z):
      if let rank, axis < 0 || axis >= rank {
        throw OpError("\(op): \(what) is quantized along axis \(axis), which is out of range for rank \(rank)")
      }
      if case .perGroup(_, let g, _, _) = q.granularity, g < 1 {
        throw OpError("\(op): \(what) has group size \(g); it must be positive")
      }
      for name in [s, z] {
        guard let p = parameters[name] else {
          throw OpError("\(op): \(what) refers to #\(name), which the graph does not define")
        }
        if p.data == nil && !required { return nil }
      }
    }
    guard let p = QuantizationParameters(q, parameters: parameters) else {
      throw OpError(
        "\(op): the parameters of \(what) (\(spell(q))) are not f32 scales and integer zero points of equal count")
    }
    if case .perAxis(let axis, _, _) = q.granularity, let n = shape.dims?[axis].value, p.scales.count != n {
      throw OpError("\(op): \(what) has \(p.scales.count) scales for \(n) channels along axis \(axis)")
    }
    if case .perGroup(let axis, let g, let s, _) = q.granularity, let sizes = shape.staticSizes {
      var expected = sizes
      expected[axis] = (sizes[axis] + g - 1) / g
      let layout = parameters[s]?.data?.shape ?? []
      guard layout == expected else {
        throw OpError(
          "\(op): \(what) has parameters of shape \(layout); groups of \(g) along axis \(axis) of \(sizes) need \(expected)")
      }
    }
    if let bad = p.scales.first(where: { !($0 > 0 && $0.isFinite) }) {
      throw OpError("\(op): \(what) has scale \(bad); scales must be positive and finite")
    }
    if accumulatorStorage.contains(q.storage) {
      if let z = p.zeroPoints.first(where: { $0 != 0 }) {
        throw OpError("\(op): \(what) is an accumulator with zero point \(z); accumulator zero points are 0")
      }
    } else if let z = p.zeroPoints.first(where: { !p.range.contains(Int64($0)) }) {
      throw OpError("\(op): \(what) has zero point \(z), outside its range \(p.range.lowerBound)…\(p.range.upperBound)")
    }
    return p
  }

  /// The resolved parameters of operand `i` at evaluation, checked against its data.
  static func operandParameters(_ c: EvaluationContext, _ i: Int, _ op: String) throws(OpError) -> (
    TensorData, QuantizedType, QuantizationParameters
  ) {
    let data = try c.input(i)
    guard let type = c.inputType(i), let q = type.element.quantization else {
      throw OpError("\(op): operand \(i) is not quantized")
    }
    try requireStorage(data, q, op, "operand \(i)")
    let p = try checkParameters(q, shape: type.shape, c.parameters, op, "operand \(i)", required: true)!
    return (data, q, p)
  }

  /// Checks that a tensor holds the integers its type says.
  static func requireStorage(_ data: TensorData, _ q: QuantizedType, _ op: String, _ what: String) throws(OpError) {
    guard data.elementType == q.storage else {
      throw OpError("\(op): \(what) holds \(data.elementType) data, but its type says \(q.storage)")
    }
  }

  /// The resolved parameters of the declared result at evaluation.
  static func resultParameters(_ type: TensorType, _ c: EvaluationContext, _ op: String) throws(OpError)
    -> QuantizationParameters
  {
    try checkParameters(type.element.quantization!, shape: type.shape, c.parameters, op, "the result", required: true)!
  }

  /// A tensor of `shape` viewed as [outer, channels, inner] around `q`'s axis, and its group size (0: per channel).
  struct Layout {
    var outer = 1, channels = 1, inner = 1, group = 0

    init(_ q: QuantizedType, shape: [Int]) {
      switch q.granularity {
      case .perTensor:
        inner = shape.reduce(1, *)
      case .perAxis(let axis, _, _), .perGroup(let axis, _, _, _):
        outer = shape[..<axis].reduce(1, *)
        channels = shape[axis]
        inner = shape[(axis + 1)...].reduce(1, *)
        if case .perGroup(_, let g, _, _) = q.granularity { group = g }
      }
    }
  }

  /// The kernels' clamping range of `p`'s storage.
  static func clampRange(_ p: QuantizationParameters) -> (Int32, Int32) {
    (Int32(clamping: p.range.lowerBound), Int32(clamping: p.range.upperBound))
  }

  /// The accumulator storage of a product of `a` and `b`: i32, or i64 with a 16-bit operand.
  static func accumulator(_ a: ElementType, _ b: ElementType) -> ElementType {
    a.bitWidth > 8 || b.bitWidth > 8 ? .i64 : .i32
  }

  /// Checks an accumulator result type: storage `storage`, per tensor or per
  /// channel along `channelAxis` (when the rank is known), and (when `scales`
  /// are known) scale `scales[n]` for channel n, computed in f32 as the
  /// runtime does; `describe(n)` spells how `scales[n]` was computed.
  static func checkAccumulator(
    _ c: InferenceContext, _ result: QuantizedType, shape: Shape, storage: ElementType, channelAxis: Int?,
    expected scales: [Float]?, describe: (Int) -> String, _ op: String
  ) throws(OpError) {
    guard result.storage == storage else {
      throw OpError(
        "\(op): the accumulator must be \(storage) for these operands, not \(result.storage)"
          + (storage == .i64 ? " (a 16-bit operand needs i64)" : ""))
    }
    if case .perAxis(let axis, _, _) = result.granularity, let channelAxis, axis != channelAxis {
      throw OpError("\(op): per-channel accumulator on axis \(axis), expected the output-channel axis \(channelAxis)")
    }
    if case .perGroup = result.granularity { throw OpError("\(op): the accumulator cannot be quantized per group") }
    guard let p = try checkParameters(result, shape: shape, c.parameters, op, "the accumulator"), let scales else {
      return
    }
    if p.scales.count > 1, p.scales.count != scales.count {
      throw OpError("\(op): the accumulator has \(p.scales.count) scales for \(scales.count) output channels")
    }
    for (n, want) in scales.enumerated() {
      let got = p.scales.count == 1 ? p.scales[0] : p.scales[n]
      guard got == want else {
        throw OpError(
          "\(op): accumulator scale \(got)" + (scales.count > 1 ? " of channel \(n)" : "")
            + " does not equal \(describe(n)) = \(want)")
      }
    }
  }

  /// An integer bias operand: plain or quantized i32 (or i64 for an i64 accumulator), one per output channel.
  static func checkBias(
    _ c: InferenceContext, _ i: Int, channels: Dim, accumulator: ElementType, _ op: String
  ) throws(OpError) {
    guard let t = c.optionalInput(i) else { return }
    let allowed: Set<ElementType> = accumulator == .i64 ? [.i32, .i64] : [.i32]
    guard allowed.contains(t.elementType) else {
      throw OpError("\(op): the bias must be \(list(allowed)), not \(t.elementType)")
    }
    if let q = t.element.quantization, case .perGroup = q.granularity {
      throw OpError("\(op): the bias cannot be quantized per group")
    }
    guard let d = t.shape.dims else { return }
    guard d.count == 1 else { throw OpError("\(op): the bias must have rank 1, not \(d.count)") }
    if let n = d[0].value, let m = channels.value, n != m {
      throw OpError("\(op): the bias has \(n) elements, expected one per output channel (\(m))")
    }
  }

  /// A bias tensor as int64 (for i64 accumulators).
  static func int64Bias(_ t: TensorData) -> [Int64] { t.integers() ?? [] }
}
