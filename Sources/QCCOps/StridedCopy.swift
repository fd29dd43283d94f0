import QCCIR
import QCCKernels

/// One strided copy of a box of elements, over the C `qcc_strided_copy`:
/// `dst[dstOffset + Σ i·dstStrides] = src[srcOffset + Σ i·srcStrides]` for
/// every index `i` of `shape`.
///
/// Every op that moves elements without arithmetic goes through it:
/// transposes, slices, concat and split, expand and tile, operands broadcast
/// to a result shape, and strided views (permuted dims, diagonals) made dense.
/// Offsets and strides count elements; strides may be 0 (broadcast), negative
/// (reversed) or sums of strides (a diagonal). Before calling the C kernel
/// the box is simplified (unit dims dropped, dims ordered by destination
/// stride, adjacent dims that are contiguous on both sides merged), so a
/// concat or a slice becomes a few long memcpys and a transpose of the
/// innermost pair is tiled; boxes still deeper than the kernel's limit are
/// split in Swift.
struct StridedCopy {
  var shape: [Int]
  var srcStrides: [Int]
  var dstStrides: [Int]
  var srcOffset = 0
  var dstOffset = 0

  /// Copies from `src` to `dst`, elements of `elementSize` bytes. The caller
  /// guarantees that every index stays inside both buffers, and that distinct
  /// indices write distinct destination elements.
  func run(from src: UnsafeRawPointer, to dst: UnsafeMutableRawPointer, elementSize: Int) {
    precondition(elementSize > 0, "strided copy of sub-byte elements")
    guard let merged = simplifiedDims() else { return }
    StridedCopy.copy(
      from: src + srcOffset * elementSize, to: dst + dstOffset * elementSize, shape: merged.map { Int64($0.size) },
      srcStrides: merged.map { Int64($0.src) }, dstStrides: merged.map { Int64($0.dst) }, elementSize: elementSize)
  }

  /// The box simplified as the copy runs it (see the type's comment): unit
  /// dims dropped, dims ordered by destination stride, contiguous dims
  /// merged, a transposed pair placed for tiling. Nil when the box is empty.
  /// Compiled plans emit the same boxes.
  func simplifiedDims() -> [(size: Int, src: Int, dst: Int)]? {
    var dims: [(size: Int, src: Int, dst: Int)] = []
    for i in shape.indices {
      if shape[i] == 0 { return nil }
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
    return merged
  }

  /// Copies from `source`'s elements to `dst` (see `run(from:to:elementSize:)`).
  func run(from source: TensorData, to dst: UnsafeMutableRawPointer) {
    run(from: source.rawPointer, to: dst, elementSize: source.elementType.bitWidth / 8)
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

extension StridedCopy {
  /// The copy of the strided view (`shape`, element `strides`, element
  /// `offset`) of a tensor into a dense row-major destination of `shape`.
  init(denseView shape: [Int], strides: [Int], offset: Int = 0) {
    self.init(shape: shape, srcStrides: strides, dstStrides: contiguousStrides(shape), srcOffset: offset)
  }

  /// The copy of a dense tensor of `shape` broadcast numpy-style to `target`
  /// (stride 0 along broadcast dims) into a dense row-major destination.
  init(broadcasting shape: [Int], to target: [Int]) {
    let strides = Broadcast.strides(of: shape, broadcastTo: target).map { Int($0) }
    self.init(denseView: target, strides: strides)
  }
}

extension TensorData {
  /// This tensor broadcast numpy-style to `shape`, dense: itself when the
  /// shapes are equal, a view when only unit dims differ, otherwise a copy.
  /// The tensor's shape must broadcast to `shape`; byte-sized elements only.
  func broadcast(to shape: [Int]) -> TensorData {
    if self.shape == shape { return self }
    if elementCount == shape.reduce(1, *) { return reshaped(shape) }
    return copying(StridedCopy(broadcasting: self.shape, to: shape))
  }

  /// The strided view (`shape`, element `strides`, element `offset`) of this
  /// tensor as a new dense tensor; byte-sized elements only.
  func denseCopy(shape: [Int], strides: [Int], offset: Int = 0) -> TensorData {
    copying(StridedCopy(denseView: shape, strides: strides, offset: offset))
  }

  /// A new tensor of this element type with `copy`'s shape, which `copy`
  /// fills entirely from this tensor.
  private func copying(_ copy: StridedCopy) -> TensorData {
    TensorData(uninitialized: elementType, shape: copy.shape) { dst in copy.run(from: self, to: dst.address) }
  }
}
