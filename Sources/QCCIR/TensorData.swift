#if canImport(Glibc)
import Glibc
#endif

/// Immutable bytes behind one or more tensors.
///
/// Memory qcc allocates is 64-byte aligned (a cache line, and what AVX loads
/// like). Memory can also be *borrowed* — a memory-mapped external data file,
/// or the buffer of a decoded ONNX model — in which case `owner` keeps it
/// alive and nothing is copied.
public final class TensorStorage: @unchecked Sendable {
  // Sendable: the bytes are written once, before the storage is shared, and
  // never again.
  public let bytes: UnsafeRawBufferPointer
  private let owner: AnyObject?
  private let ownsMemory: Bool

  /// Alignment of every allocation qcc makes for tensor data.
  public static let alignment = 64

  /// Allocates `byteCount` bytes and lets `initialize` fill them. The bytes
  /// start zeroed unless `zeroed` is false, in which case `initialize` must
  /// write every byte (kernels that overwrite their output skip the memset).
  public init(byteCount: Int, zeroed: Bool = true, initialize: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
    var raw: UnsafeMutableRawPointer? = nil
    // posix_memalign fails only for out-of-memory; allocate at least one byte
    // so that empty tensors still have a valid base pointer.
    guard posix_memalign(&raw, TensorStorage.alignment, max(byteCount, 1)) == 0, let raw else {
      fatalError("out of memory allocating \(byteCount) bytes of tensor data")
    }
    if zeroed { memset(raw, 0, max(byteCount, 1)) }
    let buffer = UnsafeMutableRawBufferPointer(start: raw, count: byteCount)
    do {
      try initialize(buffer)
    } catch {
      free(raw)
      throw error
    }
    self.bytes = UnsafeRawBufferPointer(buffer)
    self.owner = nil
    self.ownsMemory = true
  }

  /// Wraps memory owned by `owner`, which must keep it valid and unchanged for its lifetime.
  public init(borrowing bytes: UnsafeRawBufferPointer, owner: AnyObject) {
    self.bytes = bytes
    self.owner = owner
    self.ownsMemory = false
  }

  deinit {
    if ownsMemory, let base = bytes.baseAddress {
      free(UnsafeMutableRawPointer(mutating: base))
    }
  }
}

/// A dense tensor value: element type, static shape and bytes, row-major.
///
/// Constants in the IR and tensors in the interpreter are both `TensorData`.
/// It is immutable; views (`reshaped`) share storage instead of copying.
public struct TensorData: Sendable {
  public let elementType: ElementType
  public let shape: [Int]
  public let storage: TensorStorage
  /// Where this tensor's bytes start within `storage`.
  public let byteOffset: Int

  public var elementCount: Int { shape.reduce(1, *) }
  public var byteCount: Int { elementType.byteCount(forElements: elementCount) }
  public var type: TensorType { TensorType(elementType, shape) }

  /// This tensor's bytes.
  public var bytes: UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: storage.bytes[byteOffset..<(byteOffset + byteCount)])
  }

  /// Wraps existing storage. The storage must hold `byteOffset + byteCount` bytes.
  public init(elementType: ElementType, shape: [Int], storage: TensorStorage, byteOffset: Int = 0) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
    self.elementType = elementType
    self.shape = shape
    self.storage = storage
    self.byteOffset = byteOffset
    precondition(byteOffset + byteCount <= storage.bytes.count, "tensor bytes exceed their storage")
  }

  /// Allocates a zeroed tensor and lets `initialize` write its bytes.
  public init(
    elementType: ElementType, shape: [Int],
    initializingWith initialize: (UnsafeMutableRawBufferPointer) throws -> Void
  ) rethrows {
    let count = elementType.byteCount(forElements: shape.reduce(1, *))
    let storage = try TensorStorage(byteCount: count, initialize: initialize)
    self.init(elementType: elementType, shape: shape, storage: storage)
  }

  /// Allocates a tensor without zeroing it; `overwrite` must write every byte.
  /// For kernels that produce their whole output (most of them), this saves a
  /// memset over every intermediate tensor.
  public init(
    uninitialized elementType: ElementType, shape: [Int],
    overwritingWith overwrite: (UnsafeMutableRawBufferPointer) throws -> Void
  ) rethrows {
    let count = elementType.byteCount(forElements: shape.reduce(1, *))
    let storage = try TensorStorage(byteCount: count, zeroed: false, initialize: overwrite)
    self.init(elementType: elementType, shape: shape, storage: storage)
  }

  /// A zero-filled tensor.
  public init(zeros elementType: ElementType, shape: [Int]) {
    self.init(elementType: elementType, shape: shape) { _ in }
  }

  /// Copies `bytes`, which must be exactly the tensor's byte count.
  public init(elementType: ElementType, shape: [Int], copying source: UnsafeRawBufferPointer) {
    self.init(uninitialized: elementType, shape: shape, overwritingWith: { dst in
      precondition(source.count == dst.count, "expected \(dst.count) bytes, got \(source.count)")
      if let base = source.baseAddress, !dst.isEmpty {
        dst.baseAddress!.copyMemory(from: base, byteCount: dst.count)
      }
    })
  }

  /// A tensor of `scalars`, which must number `shape`'s element count.
  public init<T: TensorScalar>(shape: [Int], scalars: [T]) {
    precondition(scalars.count == shape.reduce(1, *), "\(scalars.count) scalars for shape \(shape)")
    self.init(elementType: T.elementType, shape: shape) { dst in
      scalars.withUnsafeBytes { src in
        if !src.isEmpty { dst.baseAddress!.copyMemory(from: src.baseAddress!, byteCount: src.count) }
      }
    }
  }

  /// A rank-0 tensor.
  public init<T: TensorScalar>(scalar: T) {
    self.init(shape: [], scalars: [scalar])
  }

  /// The same bytes seen with another shape of equal element count. No copy.
  public func reshaped(_ newShape: [Int]) -> TensorData {
    precondition(newShape.reduce(1, *) == elementCount, "cannot reshape \(shape) to \(newShape)")
    return TensorData(elementType: elementType, shape: newShape, storage: storage, byteOffset: byteOffset)
  }

  /// Reads the elements as `T`, which must match `elementType`.
  public func withUnsafeBufferPointer<T: TensorScalar, R>(
    of _: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R
  ) rethrows -> R {
    precondition(T.elementType == elementType, "reading \(elementType) tensor as \(T.elementType)")
    return try body(bytes.bindMemory(to: T.self))
  }

  /// The elements as an array of `T`, which must match `elementType`.
  public func scalars<T: TensorScalar>(as type: T.Type) -> [T] {
    withUnsafeBufferPointer(of: type) { Array($0) }
  }

  /// Elements of an integer or bool tensor as Int64 (shape inputs, indices, axes).
  /// Returns nil for floating-point and sub-byte tensors.
  public func integers() -> [Int64]? {
    switch elementType {
    case .i64: scalars(as: Int64.self)
    case .i32: scalars(as: Int32.self).map(Int64.init)
    case .i16: scalars(as: Int16.self).map(Int64.init)
    case .i8: scalars(as: Int8.self).map(Int64.init)
    case .u8: scalars(as: UInt8.self).map(Int64.init)
    case .u16: scalars(as: UInt16.self).map(Int64.init)
    case .u32: scalars(as: UInt32.self).map(Int64.init)
    case .u64: scalars(as: UInt64.self).map { Int64(truncatingIfNeeded: $0) }
    case .bool: scalars(as: Bool.self).map { $0 ? 1 : 0 }
    default: nil
    }
  }

  /// True when both tensors have the same element type, shape and bytes.
  public func isIdentical(to other: TensorData) -> Bool {
    guard elementType == other.elementType, shape == other.shape else { return false }
    let a = bytes, b = other.bytes
    if a.count == 0 { return true }
    return memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
  }
}

extension TensorData {
  /// Slice `i` along the leading dimension (sample `i` of a stacked `[N, …]` tensor). No copy.
  public func sample(_ i: Int) -> TensorData {
    precondition(!shape.isEmpty && i >= 0 && i < shape[0], "sample \(i) out of range for shape \(shape)")
    precondition(elementType.bitWidth >= 8, "sub-byte tensors cannot be sliced by sample")
    let inner = Array(shape.dropFirst())
    let bytes = elementType.byteCount(forElements: inner.reduce(1, *))
    return TensorData(elementType: elementType, shape: inner, storage: storage, byteOffset: byteOffset + i * bytes)
  }

  /// Tensors of one type and shape stacked along a new leading dimension.
  public static func stack(_ parts: [TensorData]) -> TensorData {
    precondition(!parts.isEmpty, "stacking no tensors")
    let first = parts[0]
    precondition(parts.allSatisfy { $0.elementType == first.elementType && $0.shape == first.shape }, "stacking unequal tensors")
    return TensorData(elementType: first.elementType, shape: [parts.count] + first.shape) { dst in
      var offset = 0
      for p in parts {
        let src = p.bytes
        if !src.isEmpty { (dst.baseAddress! + offset).copyMemory(from: src.baseAddress!, byteCount: src.count) }
        offset += src.count
      }
    }
  }
}
