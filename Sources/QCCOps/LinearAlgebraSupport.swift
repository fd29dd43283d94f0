import QCCIR
import QCCKernels

// Helpers shared by the linear-algebra family's files: element-type checks,
// f32 result buffers, element conversion for the non-f32 reference paths, and
// strided copies. Namespaced in `LinearAlgebraOps` so that they cannot collide
// with other families' helpers in this module.

extension LinearAlgebraOps {
  /// Floating-point element types the family evaluates (f32 natively, the others through f32 or f64).
  static let floatTypes: Set<ElementType> = [.f32, .f64, .f16, .bf16]

  /// Throws unless `type`'s elements are one of `allowed`.
  static func requireElement(
    _ type: TensorType, in allowed: Set<ElementType>, _ op: String, what: String = "input"
  ) throws(OpError) {
    guard type.element.quantization == nil, allowed.contains(type.elementType) else {
      let names = allowed.map(\.rawValue).sorted().joined(separator: ", ")
      throw OpError("\(op) does not support \(what) element type \(Printer.spell(type)); expected one of \(names)")
    }
  }

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

  /// `rank` unknown dims.
  static func unknownDims(_ rank: Int) -> [Dim] { [Dim](repeating: .symbolic(nil), count: rank) }

  /// The product of `sizes` (1 for none).
  static func product<S: Sequence>(_ sizes: S) -> Int where S.Element == Int { sizes.reduce(1, *) }

  /// A new f32 tensor whose elements `fill` writes (they start zeroed).
  static func makeF32(_ shape: [Int], _ fill: (UnsafeMutablePointer<Float>) -> Void) -> TensorData {
    TensorData(elementType: .f32, shape: shape) { raw in
      fill(raw.bindMemory(to: Float.self).baseAddress ?? UnsafeMutablePointer(bitPattern: 64)!)
    }
  }

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

  /// Copies the strided view (`shape`, element `strides`, element `offset`) of
  /// `t` into a new contiguous tensor of `t`'s element type. Strides may be 0
  /// (broadcast) or describe a diagonal (sum of two strides). Byte-sized or
  /// wider element types only.
  static func contiguousCopy(of t: TensorData, shape: [Int], strides: [Int], offset: Int = 0) -> TensorData {
    TensorData(elementType: t.elementType, shape: shape) { dst in
      guard let base = dst.baseAddress else { return }
      copyView(of: t, shape: shape, strides: strides, offset: offset, into: base)
    }
  }

  /// Writes the strided view (`shape`, element `strides`, element `offset`) of
  /// `t` row-major to `dst`, which must hold the view's elements.
  static func copyView(
    of t: TensorData, shape: [Int], strides: [Int], offset: Int = 0, into dst: UnsafeMutableRawPointer
  ) {
    let size = t.elementType.bitWidth / 8
    precondition(size > 0, "strided copy of sub-byte elements")
    guard !shape.contains(0) else { return }
    // Drop unit dims and merge dims that are contiguous in both the source and the row-major destination.
    var dims: [(size: Int, stride: Int)] = []
    for (n, s) in zip(shape, strides) where n != 1 {
      if let last = dims.last, last.stride == s * n {
        dims[dims.count - 1] = (last.size * n, s)
      } else {
        dims.append((n, s))
      }
    }
    let src = t.bytes.baseAddress! + offset * size
    if dims.isEmpty || (dims.count == 1 && dims[0].stride == 1) {
      dst.copyMemory(from: src, byteCount: product(shape) * size)
      return
    }
    copyBox(dims, from: src, to: dst, elementSize: size)
  }

  /// Copies a box row-major into `dst`, peeling outer dims beyond the kernel's rank limit.
  private static func copyBox(
    _ dims: [(size: Int, stride: Int)], from src: UnsafeRawPointer, to dst: UnsafeMutableRawPointer, elementSize: Int
  ) {
    if dims.count > Int(QCC_MAX_RANK) {
      let rest = Array(dims.dropFirst())
      let inner = product(rest.map(\.size))
      for i in 0..<dims[0].size {
        copyBox(
          rest, from: src + i * dims[0].stride * elementSize, to: dst + i * inner * elementSize,
          elementSize: elementSize)
      }
      return
    }
    let sizes = dims.map { Int64($0.size) }
    let srcStrides = dims.map { Int64($0.stride) }
    let dstStrides = contiguousStrides(dims.map(\.size))
    qcc_strided_copy(dst, dstStrides, src, srcStrides, sizes, Int32(dims.count), elementSize)
  }

  /// A tensor of `shape` holding `t` broadcast numpy-style (a copy; `t` itself when the shapes are equal).
  static func broadcastCopy(_ t: TensorData, to shape: [Int]) -> TensorData {
    if t.shape == shape { return t }
    let strides = Broadcast.strides(of: t.shape, broadcastTo: shape).map { Int($0) }
    return contiguousCopy(of: t, shape: shape, strides: strides)
  }

  /// Writes `t` broadcast numpy-style to `shape` row-major into `dst`.
  static func writeBroadcast(_ t: TensorData, to shape: [Int], into dst: UnsafeMutableRawPointer) {
    let strides = Broadcast.strides(of: t.shape, broadcastTo: shape).map { Int($0) }
    copyView(of: t, shape: shape, strides: strides, into: dst)
  }

  /// True when `a` broadcasts to `b` unidirectionally (numpy rules, `a`'s dims 1 or equal).
  static func broadcastsUnidirectionally(_ a: [Dim], to b: [Dim]) -> Bool {
    guard a.count <= b.count else { return false }
    for (x, y) in zip(a.reversed(), b.reversed()) {
      if case .fixed(let m) = x, case .fixed(let n) = y, m != 1, m != n { return false }
    }
    return true
  }
}
