import QCCIR
import QCCKernels

// Shared machinery of the data-movement ops: the strided box copy every
// kernel call goes through, symbolic-dim arithmetic, and element sizes.
// Everything is namespaced in `DataMovementOps` so that it cannot collide
// with other families' helpers in this module.

extension DataMovementOps {
  /// One strided copy of a box of elements: `dst[dstOffset + Σ i·dstStrides] =
  /// src[srcOffset + Σ i·srcStrides]` for every index `i` of `shape`.
  ///
  /// Offsets and strides count elements. Before calling the C kernel the box is
  /// simplified (unit dims dropped, dims ordered by destination stride, adjacent
  /// dims that are contiguous on both sides merged), so a concat or a slice
  /// becomes a few long memcpys and a transpose of the innermost pair is tiled;
  /// boxes still deeper than the kernel's limit are split in Swift.
  struct StridedCopy {
    var shape: [Int]
    var srcStrides: [Int]
    var dstStrides: [Int]
    var srcOffset = 0
    var dstOffset = 0

    /// Copies from `src` to `dst`, elements of `elementSize` bytes. The caller
    /// guarantees that every index stays inside both buffers.
    func run(from src: UnsafeRawPointer, to dst: UnsafeMutableRawPointer, elementSize: Int) {
      var dims: [(size: Int, src: Int, dst: Int)] = []
      for i in shape.indices {
        if shape[i] == 0 { return }
        if shape[i] != 1 { dims.append((shape[i], srcStrides[i], dstStrides[i])) }
      }
      // The order of a box's dims does not change the copy; sorting by
      // destination stride makes the destination walk forward.
      dims = dims.enumerated().sorted { a, b in
        abs(a.element.dst) != abs(b.element.dst) ? abs(a.element.dst) > abs(b.element.dst) : a.offset < b.offset
      }.map(\.element)
      var merged: [(size: Int, src: Int, dst: Int)] = []
      for d in dims {
        if let last = merged.last, last.src == d.src * d.size, last.dst == d.dst * d.size {
          merged[merged.count - 1] = (last.size * d.size, d.src, d.dst)
        } else {
          merged.append(d)
        }
      }
      // A transpose: put the source-contiguous dim just inside the
      // destination-contiguous one, so the kernel copies the pair in tiles.
      if merged.count >= 2, merged[merged.count - 1].dst == 1, merged[merged.count - 1].src != 1,
        let j = merged.indices.dropLast().last(where: { merged[$0].src == 1 })
      {
        let d = merged.remove(at: j)
        merged.insert(d, at: merged.count - 1)
      }
      let srcBase = src + srcOffset * elementSize
      let dstBase = dst + dstOffset * elementSize
      StridedCopy.copy(
        from: srcBase, to: dstBase, shape: merged.map { Int64($0.size) }, srcStrides: merged.map { Int64($0.src) },
        dstStrides: merged.map { Int64($0.dst) }, elementSize: elementSize)
    }

    private static func copy(
      from src: UnsafeRawPointer, to dst: UnsafeMutableRawPointer, shape: [Int64], srcStrides: [Int64],
      dstStrides: [Int64], elementSize: Int
    ) {
      let rank = shape.count
      if rank > Int(QCC_MAX_RANK) {
        // Peel the outermost dim until the rest fits the kernel.
        let inner = Array(1..<rank)
        for i in 0..<Int(shape[0]) {
          copy(
            from: src + i * Int(srcStrides[0]) * elementSize, to: dst + i * Int(dstStrides[0]) * elementSize,
            shape: inner.map { shape[$0] }, srcStrides: inner.map { srcStrides[$0] },
            dstStrides: inner.map { dstStrides[$0] }, elementSize: elementSize)
        }
        return
      }
      qcc_strided_copy(dst, dstStrides, src, srcStrides, shape, Int32(rank), elementSize)
    }
  }

  /// The first byte of `t` (a valid pointer even when it is empty).
  static func base(_ t: TensorData) -> UnsafeRawPointer { t.bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 64)! }

  /// The largest tensor, in bytes, an op here allocates: shapes computed
  /// from user data (ConstantOfShape, Expand, Tile, Pad…) fail cleanly above it.
  static let maxTensorBytes = 1 << 34

  /// The product of `values`, nil when it overflows.
  static func checkedProduct<S: Sequence>(_ values: S) -> Int? where S.Element == Int {
    var p = 1
    for v in values {
      let (r, overflow) = p.multipliedReportingOverflow(by: v)
      if overflow { return nil }
      p = r
    }
    return p
  }

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
  /// when the shape is too large to allocate.
  static func makeTensor(
    _ elementType: ElementType, _ shape: [Int], _ fill: (UnsafeMutableRawPointer) -> Void
  ) throws(OpError) -> TensorData {
    try requireAllocatable(shape, elementType)
    return TensorData(elementType: elementType, shape: shape) { buffer in
      if let base = buffer.baseAddress { fill(base) }
    }
  }

  /// `axis` normalized against `rank`, which must be at least 1 (the shared
  /// `normalizeAxis` accepts axis 0 of a scalar, which has no dim to index).
  static func axisIndex(_ axis: Int, rank: Int, name: String = "axis") throws(OpError) -> Int {
    guard rank > 0 else { throw OpError("\(name) \(axis) is out of range for a scalar") }
    return try normalizeAxis(axis, rank: rank, name: name)
  }

  /// `axes` normalized against `rank` (at least 1 when there are any); duplicates are an error.
  static func axisIndices(_ axes: [Int], rank: Int, name: String = "axes") throws(OpError) -> [Int] {
    guard rank > 0 || axes.isEmpty else { throw OpError("\(name) \(axes) are out of range for a scalar") }
    return try normalizeAxes(axes, rank: rank, name: name)
  }

  /// Bytes per element for the byte-copying kernels; sub-byte types cannot be
  /// addressed element by element, so an op that moves elements rejects them.
  static func elementSize(_ type: ElementType, op: String) throws(OpError) -> Int {
    guard type.bitWidth >= 8 else { throw OpError("\(op) does not support \(type) tensors") }
    return type.bitWidth / 8
  }

  /// Row-major element strides of `shape`, as Int. Shapes that come from user
  /// data pass `requireAllocatable` first, so that the strides cannot overflow.
  static func rowMajorStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var s = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
      strides[i] = s
      s *= shape[i]
    }
    return strides
  }

  /// Symbolic-dim arithmetic for shape inference.
  enum DimMath {
    /// The product of `dims`: fixed when all are, the lone symbolic dim when
    /// the others are all 1, zero when any is 0, otherwise unknown.
    static func product<C: Collection>(_ dims: C) -> Dim where C.Element == Dim {
      if dims.contains(.fixed(0)) { return .fixed(0) }
      var fixed = 1
      var overflow = false
      var symbolic: [Dim] = []
      for d in dims {
        switch d {
        case .fixed(let n):
          let (p, o) = fixed.multipliedReportingOverflow(by: n)
          fixed = p
          overflow = overflow || o
        case .symbolic: symbolic.append(d)
        }
      }
      if overflow { return .symbolic(nil) }
      if fixed == 0 { return .fixed(0) }
      if symbolic.isEmpty { return .fixed(fixed) }
      if symbolic.count == 1 && fixed == 1 { return symbolic[0] }
      return .symbolic(nil)
    }

    /// `d` times `factor`: exact when fixed, `d` itself for factor 1, 0 for 0.
    static func scaled(_ d: Dim, by factor: Int) throws(OpError) -> Dim {
      if factor == 1 { return d }
      if factor == 0 { return .fixed(0) }
      guard let n = d.value else { return .symbolic(nil) }
      let (p, overflow) = n.multipliedReportingOverflow(by: factor)
      guard !overflow else { throw OpError("dimension \(n) times \(factor) overflows") }
      return .fixed(p)
    }

    /// `n` unknown dims.
    static func unknown(_ n: Int) -> [Dim] { [Dim](repeating: .symbolic(nil), count: n) }

    /// The dims of two shapes that must agree (concat's other axes): a fixed
    /// size wins over a symbolic one, a named symbol over an anonymous one;
    /// two different fixed sizes are an error.
    static func unify(_ a: Dim, _ b: Dim, _ what: @autoclosure () -> String) throws(OpError) -> Dim {
      switch (a, b) {
      case (.fixed(let m), .fixed(let n)):
        guard m == n else { throw OpError("\(what()): \(m) vs \(n)") }
        return a
      case (.fixed, _): return a
      case (_, .fixed): return b
      // Both must be the same size at run time, so a name on either side holds.
      case (.symbolic(let p), .symbolic(let q)): return .symbolic(p ?? q)
      }
    }

    static func describe(_ dims: [Dim]) -> String { "[" + dims.map(\.description).joined(separator: ", ") + "]" }
  }

  /// The static length of 1-D operand `i` (a shape, axes or pads operand)
  /// when its type says it; an error when it is not 1-D.
  static func vectorLength(_ c: InferenceContext, _ i: Int, what: String) throws(OpError) -> Int? {
    let t = try c.input(i)
    guard let dims = t.shape.dims else { return nil }
    guard dims.count == 1 else { throw OpError("\(what) must be a 1-D tensor, not \(Printer.spell(t))") }
    return dims[0].value
  }

  /// Operand `i`'s integer values when known, with an error when a known
  /// operand is not an integer tensor.
  static func knownIntegers(_ c: InferenceContext, _ i: Int, what: String) throws(OpError) -> [Int]? {
    guard let v = c.value(i) else { return nil }
    guard let ints = v.integers() else { throw OpError("\(what) must be an integer tensor, not \(v.elementType)") }
    return ints.map { Int($0) }
  }

  /// Requires operand `i` to have an integer element type.
  static func requireIntegerInput(_ c: InferenceContext, _ i: Int, what: String) throws(OpError) {
    let t = try c.input(i)
    guard t.elementType.isInteger else { throw OpError("\(what) must be an integer tensor, not \(t.elementType)") }
  }

  /// The element type of an ONNX `TensorProto.DataType` code (EyeLike's and
  /// Cast's `dtype` / `to` attributes); nil for codes qcc has no type for.
  static func elementType(onnxDataType code: Int) -> ElementType? {
    switch code {
    case 1: .f32
    case 2: .u8
    case 3: .i8
    case 4: .u16
    case 5: .i16
    case 6: .i32
    case 7: .i64
    case 9: .bool
    case 10: .f16
    case 11: .f64
    case 12: .u32
    case 13: .u64
    case 16: .bf16
    case 21: .u4
    case 22: .i4
    default: nil
    }
}
}
