import QCCIR
import QCCKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MatMul (numpy semantics) and Gemm. f32 runs qcc's GEMM (qcc_gemm.h) without
// copying operands: batch dims are walked with strides (0 where an operand is
// broadcast), and a right operand without batch dims folds the left
// operand's batch into M for one big GEMM, whose B (a weight, in practice)
// is packed once and cached (PackedWeights). Other element types take a plain
// reference loop in f64 (floats) or wrapping Int64 (integers).

extension LinearAlgebraOps {
  static let matMulTypes: Set<ElementType> = [.f32, .f64, .f16, .bf16, .i64, .i32, .u64, .u32]

  /// MatMul: numpy matmul; 1-D operands are promoted to matrices and the promoted dim dropped from the result.
  static let matMul = OpDefinition(
    "MatMul",
    inferTypes: { (c) throws(OpError) in [try matMulType(c)] },
    evaluate: { (c) throws(OpError) in
      let type = try matMulType(c.inference)
      return [try matMulEvaluate(c.input(0), c.input(1), resultShape: type.shape.staticSizes!)]
    })

  static func matMulType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let a = try c.input(0), b = try c.input(1)
    try ElementTypes.require(a, in: matMulTypes, "MatMul")
    guard a.elementType == b.elementType else {
      throw OpError("MatMul operand element types differ: \(a.elementType) and \(b.elementType)")
    }
    guard let da = a.shape.dims, let db = b.shape.dims else { return TensorType(a.element, .unranked) }
    return TensorType(a.element, .ranked(try matMulDims(da, db)))
  }

  /// The result dims of numpy matmul of operands with dims `a` and `b`.
  static func matMulDims(_ a: [Dim], _ b: [Dim]) throws(OpError) -> [Dim] {
    guard !a.isEmpty, !b.isEmpty else { throw OpError("MatMul operands must have rank 1 or more, not 0") }
    let a2 = a.count == 1 ? [Dim.fixed(1)] + a : a
    let b2 = b.count == 1 ? b + [Dim.fixed(1)] : b
    if case .fixed(let ka) = a2[a2.count - 1], case .fixed(let kb) = b2[b2.count - 2], ka != kb {
      throw OpError(
        "MatMul inner dimensions differ: \(DimMath.describe(a)) x \(DimMath.describe(b)) (\(ka) vs \(kb))")
    }
    let batch: [Dim]
    do {
      batch = try Broadcast.shape(Array(a2.dropLast(2)), Array(b2.dropLast(2)))
    } catch {
      throw OpError("MatMul batch dimensions of \(DimMath.describe(a)) and \(DimMath.describe(b)) do not broadcast")
    }
    var out = batch
    if a.count > 1 { out.append(a2[a2.count - 2]) }
    if b.count > 1 { out.append(b2[b2.count - 1]) }
    return out
  }

  /// numpy matmul of two concrete tensors whose result has `resultShape`.
  static func matMulEvaluate(_ a: TensorData, _ b: TensorData, resultShape: [Int]) throws(OpError) -> TensorData {
    let as2 = a.shape.count == 1 ? [1] + a.shape : a.shape
    let bs2 = b.shape.count == 1 ? b.shape + [1] : b.shape
    let m = as2[as2.count - 2], k = as2[as2.count - 1], n = bs2[bs2.count - 1]
    let batchA = Array(as2.dropLast(2)), batchB = Array(bs2.dropLast(2))
    let batch = try Broadcast.sizes([batchA, batchB])
    let batchCount = product(batch)
    if a.elementType != .f32 {
      let sa = Broadcast.strides(of: batchA, broadcastTo: batch).map { Int($0) * m * k }
      let sb = Broadcast.strides(of: batchB, broadcastTo: batch).map { Int($0) * k * n }
      return referenceMatMul(a, b, batch: batch, strideA: sa, strideB: sb, m: m, n: n, k: k, resultShape: resultShape)
    }
    return TensorData.f32(uninitialized: resultShape) { out in
      let pa = a.f32Pointer, pb = b.f32Pointer
      if product(batchB) == 1 {
        // One GEMM: the left operand's batch rows stack into M.
        let rows = batchCount * m
        // A row vector times B streams B without packing it; anything else gains from a packed weight.
        let cached = b.shape.count >= 2 && rows > 1 && n > 1
        PackedWeights.shared.withPacked(cached ? b : nil, k: k, n: n, transposed: false) { packed in
          if let packed {
            qcc_f32_gemm_packed(0, Int64(rows), Int64(n), Int64(k), 1, pa, Int64(k), packed, 0, out.address, Int64(n))
          } else {
            qcc_f32_gemm(0, 0, Int64(rows), Int64(n), Int64(k), 1, pa, Int64(k), pb, Int64(n), 0, out.address, Int64(n))
          }
        }
        return
      }
      // Drop unit batch dims so that deep broadcasts stay within the kernel's rank limit.
      let sa = Broadcast.strides(of: batchA, broadcastTo: batch)
      let sb = Broadcast.strides(of: batchB, broadcastTo: batch)
      let sc = contiguousStrides(batch).map(Int64.init)
      let keep = batch.indices.filter { batch[$0] != 1 }
      let shape = keep.map { Int64(batch[$0]) }
      let strideA = keep.map { sa[$0] * Int64(m * k) }
      let strideB = keep.map { sb[$0] * Int64(k * n) }
      let strideC = keep.map { sc[$0] * Int64(m * n) }
      precondition(keep.count <= Int(QCC_MAX_RANK), "MatMul batch rank \(keep.count) exceeds \(QCC_MAX_RANK)")
      qcc_f32_gemm_batched(
        0, 0, Int64(m), Int64(n), Int64(k), 1, pa, Int64(k), pb, Int64(n), 0, out.address, Int64(n),
        Int32(keep.count), shape, strideA, strideB, strideC)
    }
  }

  /// Batched matmul of non-f32 operands: f64 accumulation for floats, wrapping Int64 for integers.
  /// `strideA`/`strideB` are element strides of each batch dim (0 where broadcast).
  static func referenceMatMul(
    _ a: TensorData, _ b: TensorData, batch: [Int], strideA: [Int], strideB: [Int], m: Int, n: Int, k: Int,
    resultShape: [Int]
  ) -> TensorData {
    let count = product(batch)
    let batchStrides = contiguousStrides(batch)
    func offsets(_ i: Int) -> (Int, Int) {
      var oa = 0, ob = 0, rest = i
      for d in batch.indices {
        let q = rest / batchStrides[d]
        rest -= q * batchStrides[d]
        oa += q * strideA[d]
        ob += q * strideB[d]
      }
      return (oa, ob)
    }
    if a.elementType.isFloatingPoint {
      let x = a.doubles(), w = b.doubles()
      var y = [Double](repeating: 0, count: count * m * n)
      for i in 0..<count {
        let (oa, ob) = offsets(i)
        for r in 0..<m {
          for j in 0..<n {
            var s = 0.0
            for t in 0..<k { s += x[oa + r * k + t] * w[ob + t * n + j] }
            y[(i * m + r) * n + j] = s
          }
        }
      }
      return TensorData(converting: y, to: a.elementType, shape: resultShape)
    }
    let x = a.integers()!, w = b.integers()!
    var y = [Int64](repeating: 0, count: count * m * n)
    for i in 0..<count {
      let (oa, ob) = offsets(i)
      for r in 0..<m {
        for j in 0..<n {
          var s: Int64 = 0
          for t in 0..<k { s = s &+ x[oa + r * k + t] &* w[ob + t * n + j] }
          y[(i * m + r) * n + j] = s
        }
      }
    }
    return TensorData(converting: y, to: a.elementType, shape: resultShape)
  }

  /// Gemm: Y = alpha * op(A) * op(B) + beta * C, C broadcast unidirectionally to [M, N].
  static let gemm = OpDefinition(
    "Gemm",
    inferTypes: { (c) throws(OpError) in [try gemmType(c)] },
    evaluate: { (c) throws(OpError) in
      let type = try gemmType(c.inference)
      let shape = type.shape.staticSizes!
      let a = try c.input(0), b = try c.input(1), bias = c.optionalInput(2)
      let attributes = c.attributes
      let transA = try attributes.int("transA", default: 0) != 0
      let transB = try attributes.int("transB", default: 0) != 0
      let alpha = try attributes.float("alpha", default: 1), beta = try attributes.float("beta", default: 1)
      let m = shape[0], n = shape[1], k = transA ? a.shape[0] : a.shape[1]
      if a.elementType != .f32 {
        return [referenceGemm(a, b, bias, transA: transA, transB: transB, alpha: alpha, beta: beta, m: m, n: n, k: k)]
      }
      let useBias = bias != nil && beta != 0
      return [
        // Written whole: C is the bias broadcast before the GEMM accumulates into it, or beta is 0.
        TensorData.f32(uninitialized: shape) { out in
          if let bias, useBias { StridedCopy(broadcasting: bias.shape, to: shape).run(from: bias, to: out.address) }
          let cached = n > 1 && (m > 1 || transB)
          PackedWeights.shared.withPacked(cached ? b : nil, k: k, n: n, transposed: transB) { packed in
            if let packed {
              qcc_f32_gemm_packed(
                transA ? 1 : 0, Int64(m), Int64(n), Int64(k), alpha, a.f32Pointer, Int64(a.shape[1]), packed,
                useBias ? beta : 0, out.address, Int64(n))
            } else {
              qcc_f32_gemm(
                transA ? 1 : 0, transB ? 1 : 0, Int64(m), Int64(n), Int64(k), alpha, a.f32Pointer, Int64(a.shape[1]),
                b.f32Pointer, Int64(b.shape[1]), useBias ? beta : 0, out.address, Int64(n))
            }
          }
        }
      ]
    })

  static func gemmType(_ c: InferenceContext) throws(OpError) -> TensorType {
    let a = try c.input(0), b = try c.input(1)
    try ElementTypes.require(a, in: ElementTypes.float, "Gemm")
    try requireSameElement(c, [1, 2], as: a, "Gemm")
    let transA = try c.attributes.int("transA", default: 0) != 0
    let transB = try c.attributes.int("transB", default: 0) != 0
    var m = Dim.symbolic(nil), n = Dim.symbolic(nil)
    var ka = Dim.symbolic(nil), kb = Dim.symbolic(nil)
    if let d = a.shape.dims {
      guard d.count == 2 else { throw OpError("Gemm input A must have rank 2, not \(d.count)") }
      (m, ka) = transA ? (d[1], d[0]) : (d[0], d[1])
    }
    if let d = b.shape.dims {
      guard d.count == 2 else { throw OpError("Gemm input B must have rank 2, not \(d.count)") }
      (kb, n) = transB ? (d[1], d[0]) : (d[0], d[1])
    }
    if case .fixed(let x) = ka, case .fixed(let y) = kb, x != y {
      throw OpError("Gemm inner dimensions differ: \(x) vs \(y)")
    }
    if let cType = c.optionalInput(2), let d = cType.shape.dims {
      guard Broadcast.isUnidirectional(d, to: [m, n]) else {
        throw OpError("Gemm input C \(DimMath.describe(d)) does not broadcast to [\(m), \(n)]")
      }
    }
    return TensorType(a.element, .ranked([m, n]))
  }

  static func referenceGemm(
    _ a: TensorData, _ b: TensorData, _ bias: TensorData?, transA: Bool, transB: Bool, alpha: Float, beta: Float,
    m: Int, n: Int, k: Int
  ) -> TensorData {
    let x = a.doubles(), w = b.doubles()
    let cb = bias.map { $0.broadcast(to: [m, n]).doubles() }
    var y = [Double](repeating: 0, count: m * n)
    for r in 0..<m {
      for j in 0..<n {
        var s = 0.0
        for t in 0..<k {
          s += x[transA ? t * m + r : r * k + t] * w[transB ? j * k + t : t * n + j]
        }
        y[r * n + j] = Double(alpha) * s + (cb.map { Double(beta) * $0[r * n + j] } ?? 0)
      }
    }
    return TensorData(converting: y, to: a.elementType, shape: [m, n])
  }
}

/// Pre-packed right operands (weights) of f32 GEMMs.
///
/// A weight is a constant that the interpreter hands to the same node on
/// every run, in the same `TensorStorage`. The second time a storage shows up
/// as the right operand of a GEMM of the same shape, its packed form
/// (`qcc_f32_gemm_pack_b`) is made and kept for as long as the storage lives
/// (entries hold it weakly), and later GEMMs skip packing B. Activations are
/// new storages on every run, so they are not packed (unless one run reads
/// the same one twice); entries of dead storages are pruned whenever the
/// table has doubled since the last pruning. The cost is one packed copy of
/// each weight (its size, columns rounded up to 32). Thread-safe.
final class PackedWeights: @unchecked Sendable {
  // Sendable: `entries` is only touched with `mutex` held, and an entry's
  // packed buffer is written once, under the mutex, before it is handed out.
  static let shared = PackedWeights()

  private struct Key: Hashable {
    let storage: ObjectIdentifier
    let byteOffset: Int
    let k: Int
    let n: Int
    let transposed: Bool
  }

  private final class Entry {
    weak var storage: TensorStorage?
    var sightings = 1
    var packed: UnsafeMutablePointer<Float>?

    init(_ storage: TensorStorage) { self.storage = storage }
    deinit { free(packed) }
  }

  private var entries: [Key: Entry] = [:]
  private var pruneAt = 64
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>

  init() {
    mutex = .allocate(capacity: 1)
    pthread_mutex_init(mutex, nil)
  }

  /// Whether op(`b`) has a packed form (for tests).
  func isPacked(_ b: TensorData, k: Int, n: Int, transposed: Bool) -> Bool {
    let key = Key(
      storage: ObjectIdentifier(b.storage), byteOffset: b.byteOffset, k: k, n: n, transposed: transposed)
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    guard let entry = entries[key] else { return false }
    return entry.storage === b.storage && entry.packed != nil
  }

  /// Runs `body` with the packed form of op(`b`) (`[k, n]`, `b` stored `[n, k]` when `transposed`), or with nil
  /// when `b` is nil or not (yet) known to be a weight.
  func withPacked<R>(
    _ b: TensorData?, k: Int, n: Int, transposed: Bool, _ body: (UnsafePointer<Float>?) -> R
  ) -> R {
    guard let b, b.elementType == .f32, k > 0, n > 0 else { return body(nil) }
    let entry = lookup(b, k: k, n: n, transposed: transposed)
    return withExtendedLifetime(entry) { body(entry?.packed.map { UnsafePointer($0) }) }
  }

  /// The entry of `b` once it has a packed form; records a sighting otherwise.
  private func lookup(_ b: TensorData, k: Int, n: Int, transposed: Bool) -> Entry? {
    let key = Key(
      storage: ObjectIdentifier(b.storage), byteOffset: b.byteOffset, k: k, n: n, transposed: transposed)
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    if let entry = entries[key], entry.storage === b.storage {
      if entry.packed != nil { return entry }
      entry.sightings += 1
      guard entry.sightings >= 2 else { return nil }
      let count = Int(qcc_f32_gemm_packed_b_floats(Int64(k), Int64(n)))
      var raw: UnsafeMutableRawPointer? = nil
      guard posix_memalign(&raw, 64, count * MemoryLayout<Float>.size) == 0, let raw else { return nil }
      let packed = raw.bindMemory(to: Float.self, capacity: count)
      qcc_f32_gemm_pack_b(
        QCC_GEMM_ISA_AUTO, transposed ? 1 : 0, Int64(k), Int64(n), b.f32Pointer, Int64(transposed ? k : n), packed)
      entry.packed = packed
      return entry
    }
    // A new storage, or one that reuses the identifier of a dead one.
    entries[key] = Entry(b.storage)
    if entries.count >= pruneAt {
      entries = entries.filter { $0.value.storage != nil }
      pruneAt = max(64, 2 * entries.count)
    }
    return nil
  }
}
