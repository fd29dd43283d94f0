import QCCIR
import QCCKernels
import Testing

@testable import QCCOps

/// Memory for one buffer of a kernel call: 64-byte aligned, every byte set to
/// a marker first so that tests can tell what a call wrote.
final class CallBuffer {
  static let marker: UInt8 = 0xA5
  let pointer: UnsafeMutableRawPointer
  let byteCount: Int

  init(bytes: Int) {
    byteCount = bytes
    pointer = .allocate(byteCount: max(bytes, 1), alignment: 64)
    pointer.initializeMemory(as: UInt8.self, repeating: Self.marker, count: max(bytes, 1))
  }

  convenience init<T>(_ values: [T]) {
    self.init(bytes: values.count * MemoryLayout<T>.stride)
    values.withUnsafeBytes { if let base = $0.baseAddress { pointer.copyMemory(from: base, byteCount: $0.count) } }
  }

  /// Its contents as elements of T.
  func values<T>(_: T.Type) -> [T] {
    Array(UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: T.self), count: byteCount / MemoryLayout<T>.stride))
  }

  var bytes: [UInt8] { values(UInt8.self) }

  /// A call's reference to this buffer, `offset` bytes in.
  func ref(_ offset: Int) -> CallRef { CallRef(owner: self, offset: offset) }
  var ref: CallRef { ref(0) }

  deinit { pointer.deallocate() }
}

/// A buffer of a call: its memory and a byte offset into it. Holding the owner
/// keeps the memory alive while the call runs.
struct CallRef {
  let owner: CallBuffer
  let offset: Int
  var pointer: UnsafeMutableRawPointer { owner.pointer + offset }
}

/// Building and running `qcc_call`s from Swift.
enum KernelCall {
  static func id(_ k: qcc_kernel_id) -> Int32 { Int32(k.rawValue) }

  /// Runs `body` with a `qcc_call` of these pointers, ints and floats.
  static func with<R>(
    _ kernel: Int32, _ refs: [CallRef?], _ ints: [Int64], _ floats: [Float], _ body: (UnsafePointer<qcc_call>) -> R
  ) -> R {
    let buffers = refs.map { $0?.pointer }
    return withExtendedLifetime(refs) {
      buffers.withUnsafeBufferPointer { b in
      ints.withUnsafeBufferPointer { i in
        floats.withUnsafeBufferPointer { f in
          var call = qcc_call(
            kernel: kernel, buffer_count: Int32(buffers.count), int_count: Int32(ints.count),
            float_count: Int32(floats.count), buffers: b.baseAddress, ints: i.baseAddress, floats: f.baseAddress)
          return body(&call)
        }
      }
      }
    }
  }

  /// qcc_call_run: nil on success, else its message.
  static func run(
    _ kernel: qcc_kernel_id, _ buffers: [CallRef?], _ ints: [Int64], _ floats: [Float] = []
  ) -> String? {
    run(id(kernel), buffers, ints, floats)
  }

  static func run(_ kernel: Int32, _ buffers: [CallRef?], _ ints: [Int64], _ floats: [Float] = [])
    -> String?
  {
    var error = [CChar](repeating: 0, count: 512)
    let rc = with(kernel, buffers, ints, floats) { call in qcc_call_run(call, &error, error.count) }
    return rc == 0 ? nil : String(cString: error)
  }

  /// qcc_call_check with one info per buffer (or none): nil on success, else its message.
  static func check(
    _ kernel: qcc_kernel_id, _ buffers: [CallRef?], _ ints: [Int64], _ floats: [Float] = [],
    info: [qcc_buffer_info]?
  ) -> String? {
    var error = [CChar](repeating: 0, count: 512)
    let rc = with(id(kernel), buffers, ints, floats) { call in
      if let info { return info.withUnsafeBufferPointer { qcc_call_check(call, $0.baseAddress, &error, error.count) } }
      return qcc_call_check(call, nil, &error, error.count)
    }
    return rc == 0 ? nil : String(cString: error)
  }

  /// Info for a buffer whose tensor holds [-before, after) bytes around its pointer.
  static func info(_ before: Int64, _ after: Int64, writable: Bool = false, constant: Bool = false) -> qcc_buffer_info {
    var flags = QCC_BUFFER_PRESENT
    if writable { flags |= QCC_BUFFER_WRITABLE }
    if constant { flags |= QCC_BUFFER_CONSTANT }
    return qcc_buffer_info(before: before, after: after, flags: Int32(flags))
  }

  static let absent = qcc_buffer_info(before: 0, after: 0, flags: 0)
}

@Suite struct KernelCallTests {
  typealias K = KernelCall

  // MARK: Data movement

  @Test func copyTransposesAndReverses() {
    let x: [Float] = [1, 2, 3, 4, 5, 6]  // [2, 3]
    let dst = CallBuffer(bytes: 24), src = CallBuffer(x)
    // dst [3, 2] = transpose: box [3, 2], dst strides [2, 1], src strides [1, 3].
    #expect(K.run(QCC_KERNEL_COPY, [dst.ref, src.ref], [4, 2, 3, 2, 2, 1, 1, 3]) == nil)
    #expect(dst.values(Float.self) == [1, 4, 2, 5, 3, 6])
    // Reversed: the source pointer at the last element, stride -1.
    let rev = CallBuffer(bytes: 24)
    #expect(K.run(QCC_KERNEL_COPY, [rev.ref, src.ref(20)], [4, 1, 6, 1, -1]) == nil)
    #expect(rev.values(Float.self) == [6, 5, 4, 3, 2, 1])
    // Rank 0: one element.
    let one = CallBuffer(bytes: 4)
    #expect(K.run(QCC_KERNEL_COPY, [one.ref, src.ref(8)], [4, 0]) == nil)
    #expect(one.values(Float.self) == [3])
  }

  @Test func fillRepeatsTheValue() {
    let dst = CallBuffer(bytes: 10), value = CallBuffer([Int16(-3)])
    #expect(K.run(QCC_KERNEL_FILL, [dst.ref, value.ref], [2, 5]) == nil)
    #expect(dst.values(Int16.self) == [Int16](repeating: -3, count: 5))
    // An odd element size (memcpy path).
    let wide = CallBuffer(bytes: 9), v3 = CallBuffer([UInt8(1), 2, 3])
    #expect(K.run(QCC_KERNEL_FILL, [wide.ref, v3.ref], [3, 3]) == nil)
    #expect(wide.bytes == [1, 2, 3, 1, 2, 3, 1, 2, 3])
  }

  @Test func gatherWrapsNegativeIndices() {
    // src [outer 2, axis 4] of f32 rows.
    let src = CallBuffer((0..<8).map { Float($0) })
    let i64 = CallBuffer([Int64(3), -1, 0])
    let dst = CallBuffer(bytes: 2 * 3 * 4)
    #expect(K.run(QCC_KERNEL_GATHER, [dst.ref, src.ref, i64.ref], [4, 2, 4, 3, 8, 1]) == nil)
    #expect(dst.values(Float.self) == [3, 3, 0, 7, 7, 4])
    // int32 indices, rows of 3 bytes.
    let bytes = CallBuffer((0..<12).map { UInt8($0) })  // [outer 1, axis 4, row 3]
    let i32 = CallBuffer([Int32(-4), 2])
    let out = CallBuffer(bytes: 6)
    #expect(K.run(QCC_KERNEL_GATHER, [out.ref, bytes.ref, i32.ref], [3, 1, 4, 2, 4, 0]) == nil)
    #expect(out.bytes == [0, 1, 2, 6, 7, 8])
    // More indices than one stack tile, with negatives, and outer > 1.
    let n = 600
    let idx = (0..<n).map { Int32(($0 * 7) % 9) - 4 }  // -4...4 over an axis of 5
    let big = CallBuffer(idx)
    let table = CallBuffer((0..<10).map { Int16($0 * 11) })  // [outer 2, axis 5]
    let got = CallBuffer(bytes: 2 * n * 2)
    #expect(K.run(QCC_KERNEL_GATHER, [got.ref, table.ref, big.ref], [2, 2, 5, Int64(n), 4, 1]) == nil)
    var want: [Int16] = []
    for o in 0..<2 {
      for i in idx {
        let row: Int = o * 5 + (Int(i) + 5) % 5
        want.append(Int16(row * 11))
      }
    }
    #expect(got.values(Int16.self) == want)
  }

  @Test func gatherOutOfRangeWritesNothing() {
    let src = CallBuffer((0..<8).map { Float($0) })
    let indices = CallBuffer([Int64(1), 4, 0])
    let dst = CallBuffer(bytes: 24)
    #expect(
      K.run(QCC_KERNEL_GATHER, [dst.ref, src.ref, indices.ref], [4, 2, 4, 3, 8, 1])
        == "gather: index 4 at position 1 is out of range for axis 1 of size 4")
    #expect(dst.bytes.allSatisfy { $0 == CallBuffer.marker })
    let low = CallBuffer([Int32(0), -5])
    #expect(
      K.run(QCC_KERNEL_GATHER, [dst.ref, src.ref, low.ref], [4, 2, 4, 2, 4, 0])
        == "gather: index -5 at position 1 is out of range for axis 0 of size 4")
    #expect(dst.bytes.allSatisfy { $0 == CallBuffer.marker })
  }

  // MARK: f32 kernels

  @Test func f32BinaryBroadcasts() {
    let a = CallBuffer([Float](arrayLiteral: 1, 2, 3, 4, 5, 6)), b = CallBuffer([Float](arrayLiteral: 10, 20, 30))
    let out = CallBuffer(bytes: 24)
    let op = Int64(QCC_BINARY_SUB.rawValue)
    #expect(K.run(QCC_KERNEL_F32_BINARY, [out.ref, a.ref, b.ref], [op, 2, 2, 3, 3, 1, 0, 1]) == nil)
    #expect(out.values(Float.self) == [-9, -18, -27, -6, -15, -24])
  }

  @Test func f32UnaryMatchesTheKernel() {
    let x: [Float] = [-2, -0.5, 0, 0.25, 3, .nan, -.infinity]
    let xb = CallBuffer(x), out = CallBuffer(bytes: x.count * 4)
    for op in [QCC_UNARY_LEAKY_RELU, QCC_UNARY_CLIP, QCC_UNARY_GELU] {
      #expect(K.run(QCC_KERNEL_F32_UNARY, [out.ref, xb.ref], [Int64(op.rawValue), 7], [0.1, 1.5]) == nil)
      var want = [Float](repeating: 0, count: x.count)
      qcc_f32_unary(op, &want, x, 7, 0.1, 1.5)
      #expect(out.values(Float.self).map(\.bitPattern) == want.map(\.bitPattern))
    }
  }

  @Test func softmaxAndReduceMatchTheKernels() {
    let x = (0..<24).map { Float($0) * 0.37 - 3 }
    let xb = CallBuffer(x)
    for mode in 0...2 {
      let out = CallBuffer(bytes: 96)
      #expect(K.run(QCC_KERNEL_F32_SOFTMAX, [out.ref, xb.ref], [Int64(mode), 2, 3, 4]) == nil)
      var want = [Float](repeating: 0, count: 24)
      qcc_f32_softmax(Int32(mode), x, &want, 2, 3, 4)
      #expect(out.values(Float.self).map(\.bitPattern) == want.map(\.bitPattern))
    }
    for kind in [QCC_REDUCE_SUM, QCC_REDUCE_MAX, QCC_REDUCE_LOG_SUM_EXP] {
      let out = CallBuffer(bytes: 32)
      #expect(K.run(QCC_KERNEL_F32_REDUCE, [out.ref, xb.ref], [Int64(kind.rawValue), 2, 3, 4]) == nil)
      var want = [Float](repeating: 0, count: 8)
      qcc_f32_reduce(kind, x, &want, 2, 3, 4)
      #expect(out.values(Float.self).map(\.bitPattern) == want.map(\.bitPattern))
    }
  }

  @Test func normalisationsMatchTheKernels() {
    let x = (0..<12).map { Float($0 * $0) * 0.1 - 2 }
    let scale: [Float] = [1, 2, 0.5, -1], bias: [Float] = [0, 1, 2, 3]
    let xb = CallBuffer(x), sb = CallBuffer(scale), bb = CallBuffer(bias)
    let y = CallBuffer(bytes: 48), mean = CallBuffer(bytes: 12), inv = CallBuffer(bytes: 12)
    #expect(
      K.run(
        QCC_KERNEL_F32_LAYERNORM, [y.ref, xb.ref, sb.ref, bb.ref, mean.ref, inv.ref], [3, 4],
        [1e-5]) == nil)
    var wy = [Float](repeating: 0, count: 12), wm = [Float](repeating: 0, count: 3), wi = wm
    qcc_f32_layernorm(x, scale, bias, &wy, &wm, &wi, 3, 4, 1e-5)
    #expect(y.values(Float.self) == wy && mean.values(Float.self) == wm && inv.values(Float.self) == wi)
    // Without bias, mean and inv_std.
    let y2 = CallBuffer(bytes: 48)
    #expect(K.run(QCC_KERNEL_F32_LAYERNORM, [y2.ref, xb.ref, sb.ref, nil, nil, nil], [3, 4], [1e-5]) == nil)
    qcc_f32_layernorm(x, scale, nil, &wy, nil, nil, 3, 4, 1e-5)
    #expect(y2.values(Float.self) == wy)
    let r = CallBuffer(bytes: 48)
    #expect(K.run(QCC_KERNEL_F32_RMSNORM, [r.ref, xb.ref, nil], [3, 4], [1e-6]) == nil)
    qcc_f32_rmsnorm(x, nil, &wy, 3, 4, 1e-6)
    #expect(r.values(Float.self) == wy)
    #expect(
      K.run(QCC_KERNEL_F32_RMSNORM, [r.ref, xb.ref, nil], [3, 4], [-1])
        == "f32_rmsnorm: float 0 (epsilon) is -1; expected a finite value >= 0")
  }

  @Test func f32GemmMatchesTheBatchedKernel() {
    // Two batches of c[3, 4] = a[3, 5] * b^T (b stored [4, 5]), alpha 0.5, beta 2.
    let m = 3, n = 4, k = 5
    let a = (0..<(2 * m * k)).map { Float($0 % 7) - 3 }, b = (0..<(n * k)).map { Float($0 % 5) * 0.5 }
    let c0 = (0..<(2 * m * n)).map { Float($0) }
    let ab = CallBuffer(a), bb = CallBuffer(b), cb = CallBuffer(c0)
    let scratch = CallBuffer(bytes: Int(qcc_call_f32_gemm_scratch_bytes(3, 4, 5)))
    let ints: [Int64] = [0, 1, 3, 4, 5, 5, 5, 4, 1, 2, 15, 0, 12]
    #expect(K.run(QCC_KERNEL_F32_GEMM, [cb.ref, ab.ref, bb.ref, scratch.ref], ints, [0.5, 2]) == nil)
    var want = c0
    qcc_f32_gemm_batched(0, 1, 3, 4, 5, 0.5, a, 5, b, 5, 2, &want, 4, 1, [2], [15], [0], [12])
    #expect(cb.values(Float.self) == want)
    // And against plain Swift (small integers: exact).
    for p in 0..<2 {
      for i in 0..<m {
        for j in 0..<n {
          var s: Float = 0
          for t in 0..<k { s += a[p * 15 + i * k + t] * b[j * k + t] }
          #expect(want[p * 12 + i * n + j] == 0.5 * s + 2 * c0[p * 12 + i * n + j])
        }
      }
    }
    #expect(qcc_call_f32_gemm_scratch_bytes(0, 4, 5) == 0)
    // Leading dimensions cover their rows (the GEMM reads ldb 0 as packed B).
    var bad = ints
    bad[6] = 0
    #expect(
      K.run(QCC_KERNEL_F32_GEMM, [cb.ref, ab.ref, bb.ref, scratch.ref], bad, [0.5, 2])
        == "f32_gemm: int 6 (ldb) is 0; expected 5..2^48")
    // Scratch is required when the GEMM needs it.
    #expect(
      K.run(QCC_KERNEL_F32_GEMM, [cb.ref, ab.ref, bb.ref, nil], ints, [0.5, 2])
        == "f32_gemm: buffer 3 (scratch) is NULL")
  }

  @Test func isnanAndWhereAndBoolBinary() {
    let x: [Float] = [1, .nan, -.nan, .infinity, 0]
    let xb = CallBuffer(x), flags = CallBuffer(bytes: 5)
    #expect(K.run(QCC_KERNEL_F32_ISNAN, [flags.ref, xb.ref], [5]) == nil)
    #expect(flags.bytes == [0, 1, 1, 0, 0])
    // Where over i16, cond [2, 1] broadcast along the columns, y a scalar.
    let cond = CallBuffer([UInt8(7), 0]), xs = CallBuffer([Int16](arrayLiteral: 1, 2, 3, 4, 5, 6))
    let ys = CallBuffer([Int16(-1)]), out = CallBuffer(bytes: 12)
    #expect(
      K.run(
        QCC_KERNEL_WHERE, [out.ref, cond.ref, xs.ref, ys.ref], [2, 2, 2, 3, 1, 0, 3, 1, 0, 0]) == nil)
    #expect(out.values(Int16.self) == [1, 2, 3, -1, -1, -1])
    // Bool ops read any non-zero byte as true; b broadcast along the rows.
    let a = CallBuffer([UInt8](arrayLiteral: 0, 2, 0, 9)), b = CallBuffer([UInt8](arrayLiteral: 0, 5))
    for (op, want) in [(0, [UInt8](arrayLiteral: 0, 1, 0, 1)), (1, [0, 1, 0, 1]), (2, [0, 0, 0, 0])] {
      let r = CallBuffer(bytes: 4)
      #expect(K.run(QCC_KERNEL_BOOL_BINARY, [r.ref, a.ref, b.ref], [Int64(op), 2, 2, 2, 2, 1, 0, 1]) == nil)
      #expect(r.bytes == want)
    }
    let b2 = CallBuffer([UInt8](arrayLiteral: 1, 0, 3, 0))
    for (op, want) in [(0, [UInt8](arrayLiteral: 0, 0, 0, 0)), (1, [1, 1, 1, 1]), (2, [1, 1, 1, 1])] {
      let r = CallBuffer(bytes: 4)
      #expect(K.run(QCC_KERNEL_BOOL_BINARY, [r.ref, a.ref, b2.ref], [Int64(op), 1, 4, 1, 1]) == nil)
      #expect(r.bytes == want)
    }
  }

  /// F32_RESAMPLE: one pass as qcc_float_resample.h defines it, and the decoder's checks of its taps.
  @Test func f32ResampleBlendsFillsAndChecksItsTaps() {
    // x [outer 2, in 3, inner 2] -> y [2, out 2, 2]: position 0 blends rows 0 and 2, position 1 is filled.
    let xb = CallBuffer((0..<12).map { Float($0) }), y = CallBuffer(bytes: 32)
    let w = CallBuffer([Float](arrayLiteral: 0.25, 0.75, 0, 0))
    let ints: [Int64] = [2, 3, 2, 2, 2]
    func run(_ indices: [Int64], _ ints: [Int64] = ints, _ floats: [Float] = [-7]) -> String? {
      K.run(QCC_KERNEL_F32_RESAMPLE, [y.ref, xb.ref, CallBuffer(indices).ref, w.ref], ints, floats)
    }
    #expect(run([0, 2, -1, -1], ints, [.nan]) == nil)
    let filled: [Float] = [3, 4, .nan, .nan, 9, 10, .nan, .nan]
    #expect(y.values(Float.self).map(\.bitPattern) == filled.map(\.bitPattern))
    #expect(run([0, 2, -1, -1]) == nil)
    #expect(y.values(Float.self) == [3, 4, -7, -7, 9, 10, -7, -7])

    // The kernel reads x at the indices: each position's taps are all -1 or all in 0..in-1.
    let fresh = CallBuffer(bytes: 32)
    let bad: [([Int64], String)] = [
      ([0, 3, -1, -1], "element 1 is 3; expected 0..2, as its position's first tap (element 0) is 0"),
      ([0, 2, 1, -1], "element 3 is -1; expected 0..2, as its position's first tap (element 2) is 1"),
      ([0, 2, -1, 0], "element 3 is 0; expected -1, as its position's first tap (element 2) is -1"),
      ([-2, 0, -1, -1], "element 0 is -2; expected -1..2"),
    ]
    for (indices, message) in bad {
      #expect(
        K.run(QCC_KERNEL_F32_RESAMPLE, [fresh.ref, xb.ref, CallBuffer(indices).ref, w.ref], ints, [0])
          == "f32_resample: buffer 2 (indices) " + message)
    }
    #expect(fresh.bytes.allSatisfy { $0 == CallBuffer.marker })
    #expect(run([0, 2, -1, -1], [2, 3, 2, 2, 0]) == "f32_resample: int 4 (taps) is 0; expected 1..2^48")
    #expect(run([0, 2, -1, -1], ints, []) == "f32_resample: 0 floats; expected 1")
    // A loader must give the taps as constants.
    let info = [K.info(0, 32, writable: true), K.info(0, 48), K.info(0, 32), K.info(0, 16, constant: true)]
    let taps = CallBuffer([Int64](arrayLiteral: 0, 2, -1, -1))
    #expect(
      K.check(QCC_KERNEL_F32_RESAMPLE, [y.ref, xb.ref, taps.ref, w.ref], ints, [0], info: info)
        == "f32_resample: buffer 2 (indices) holds parameters, but its tensor is not a constant")
  }

  // MARK: Integer kernels

  @Test func quantizeAndDequantizeMatchTheKernels() {
    let x = (0..<12).map { Float($0) * 0.7 - 4 }
    let scales: [Float] = [0.05, 0.1, 0.5], zeros: [Int32] = [-3, 0, 7]
    let xb = CallBuffer(x), sb = CallBuffer(scales), zb = CallBuffer(zeros)
    let q = CallBuffer(bytes: 12)
    // [outer 2, channels 3, inner 2], per channel.
    #expect(
      K.run(QCC_KERNEL_QUANTIZE, [q.ref, xb.ref, sb.ref, zb.ref], [0, 2, 3, 2, 0, -127, 127]) == nil)
    var want = [Int8](repeating: 0, count: 12)
    qcc_quantize_f32(QCC_QTYPE_I8, &want, x, 2, 3, 2, 0, scales, zeros, -127, 127)
    #expect(q.values(Int8.self) == want)
    let back = CallBuffer(bytes: 48)
    #expect(K.run(QCC_KERNEL_DEQUANTIZE, [back.ref, q.ref, sb.ref, zb.ref], [0, 2, 3, 2, 0]) == nil)
    var wantBack = [Float](repeating: 0, count: 12)
    qcc_dequantize_f32(QCC_QTYPE_I8, &wantBack, want, 2, 3, 2, 0, scales, zeros)
    #expect(back.values(Float.self) == wantBack)
    // u4, three elements: two bytes, the last high nibble 0.
    let s1 = CallBuffer([Float(0.5)]), z1 = CallBuffer([Int32(8)]), x3 = CallBuffer([Float](arrayLiteral: -1, 0, 3))
    let q4 = CallBuffer(bytes: 2)
    #expect(K.run(QCC_KERNEL_QUANTIZE, [q4.ref, x3.ref, s1.ref, z1.ref], [5, 1, 1, 3, 0, 0, 15]) == nil)
    #expect(q4.bytes == [0x86, 0x0E])
    #expect(
      K.run(QCC_KERNEL_QUANTIZE, [q4.ref, x3.ref, s1.ref, z1.ref], [5, 1, 1, 3, 0, 0, 16])
        == "quantize: int 6 (qmax) is 16; expected 0..15")
    let zero = CallBuffer([Float(0)])
    #expect(
      K.run(QCC_KERNEL_QUANTIZE, [q4.ref, x3.ref, zero.ref, z1.ref], [5, 1, 1, 3, 0, 0, 15])
        == "quantize: buffer 2 (scale) element 0 is 0; expected a finite value > 0")
    let z16 = CallBuffer([Int32(16)])
    #expect(
      K.run(QCC_KERNEL_QUANTIZE, [q4.ref, x3.ref, s1.ref, z16.ref], [5, 1, 1, 3, 0, 0, 15])
        == "quantize: buffer 3 (zero_point) element 0 is 16; expected 0..15")
  }

  @Test func requantizeMatchesTheKernel() {
    let x: [Int32] = [-100_000, -5, 0, 7, 123_456, 99, -3, 40_000]
    let mult: [Int32] = [1_518_500_250, 1_200_000_000], shift: [Int32] = [38, 31], zin: [Int32] = [0, 3], zout: [Int32] = [-5, 10]
    let xb = CallBuffer(x), mb = CallBuffer(mult), sb = CallBuffer(shift), zib = CallBuffer(zin), zob = CallBuffer(zout)
    let y = CallBuffer(bytes: 8)
    // [outer 2, channels 2, inner 2] i32 -> i8.
    let ints: [Int64] = [6, 0, 2, 2, 2, -128, 127]
    #expect(K.run(QCC_KERNEL_REQUANTIZE, [y.ref, xb.ref, mb.ref, sb.ref, zib.ref, zob.ref], ints) == nil)
    var want = [Int8](repeating: 0, count: 8)
    qcc_requantize(QCC_QTYPE_I32, x, QCC_QTYPE_I8, &want, 2, 2, 2, zin, mult, shift, zout, -128, 127)
    #expect(y.values(Int8.self) == want)
    let badShift = CallBuffer([Int32(38), 63])
    let before = y.bytes
    #expect(
      K.run(QCC_KERNEL_REQUANTIZE, [y.ref, xb.ref, mb.ref, badShift.ref, zib.ref, zob.ref], ints)
        == "requantize: buffer 3 (shift) element 1 is 63; expected 1..62")
    #expect(y.bytes == before)
    let badMult = CallBuffer([Int32(-1), 5])
    #expect(
      K.run(QCC_KERNEL_REQUANTIZE, [y.ref, xb.ref, badMult.ref, sb.ref, nil, zob.ref], ints)
        == "requantize: buffer 2 (multiplier) element 0 is -1; expected 0..2147483647")
    #expect(
      K.run(QCC_KERNEL_REQUANTIZE, [y.ref, xb.ref, mb.ref, sb.ref, nil, zob.ref], [4] + ints.dropFirst())
        == "requantize: int 0 (in_type) is 4; expected 0..3 (i8..u16), 6 (i32) or 7 (i64)")
  }

  @Test func qgemmMatchesPlainSwift() {
    // c[2][3, 4] = (a - 3) * (b - zb[j]) + bias, a i8 [2 batches, 3, 5], b u8 [5, 4] per column, broadcast.
    let m = 3, n = 4, k = 5
    let a = (0..<(2 * m * k)).map { Int8(truncatingIfNeeded: $0 * 37 % 200 - 100) }
    let b = (0..<(k * n)).map { UInt8(truncatingIfNeeded: $0 * 53 % 256) }
    let zb: [Int32] = [0, 128, 255, 7], bias: [Int32] = [1, -2, 3, 1000]
    let ab = CallBuffer(a), bb = CallBuffer(b), zbb = CallBuffer(zb), biasb = CallBuffer(bias)
    let c = CallBuffer(bytes: 2 * m * n * 4)
    let ints: [Int64] = [6, 0, 1, 3, 2, 0, 3, 4, 5, 5, 4, 4, 1, 2, 15, 0, 12]
    #expect(K.run(QCC_KERNEL_QGEMM, [c.ref, ab.ref, bb.ref, zbb.ref, biasb.ref], ints) == nil)
    var want = [Int32]()
    for p in 0..<2 {
      for i in 0..<m {
        for j in 0..<n {
          var s = Int32(bias[j])
          for t in 0..<k { s += (Int32(a[p * 15 + i * k + t]) - 3) * (Int32(b[t * n + j]) - zb[j]) }
          want.append(s)
        }
      }
    }
    #expect(c.values(Int32.self) == want)
    // i64 accumulators, no zero points or bias.
    let c64 = CallBuffer(bytes: m * n * 8)
    let ints64: [Int64] = [7, 0, 1, 0, 0, 0, 3, 4, 5, 5, 4, 4, 0]
    #expect(K.run(QCC_KERNEL_QGEMM, [c64.ref, ab.ref, bb.ref, nil, nil], ints64) == nil)
    let want64 = (0..<(m * n)).map { e in
      (0..<k).reduce(Int64(0)) { $0 + Int64(a[(e / n) * k + $1]) * Int64(b[$1 * n + e % n]) }
    }
    #expect(c64.values(Int64.self) == want64)
    // Malformed.
    var bad = ints
    bad[4] = 7
    #expect(
      K.run(QCC_KERNEL_QGEMM, [c.ref, ab.ref, bb.ref, zbb.ref, biasb.ref], bad)
        == "qgemm: int 4 (b_zp_layout) is 7; expected 0 (scalar), 2 (per column) or 3 (row groups)")
    bad = ints
    bad[3] = 128
    #expect(
      K.run(QCC_KERNEL_QGEMM, [c.ref, ab.ref, bb.ref, zbb.ref, biasb.ref], bad)
        == "qgemm: int 3 (a_zero_point) is 128; expected -128..127")
    let zbBad = CallBuffer([Int32](arrayLiteral: 0, 256, 0, 0))
    #expect(
      K.run(QCC_KERNEL_QGEMM, [c.ref, ab.ref, bb.ref, zbBad.ref, biasb.ref], ints)
        == "qgemm: buffer 3 (b_zero_point) element 1 is 256; expected 0..255")
    #expect(
      K.run(QCC_KERNEL_QGEMM, [c.ref, ab.ref, bb.ref, zbb.ref, biasb.ref], Array(ints.dropLast()))
        == "qgemm: 16 ints; expected 17 for batch_rank 1")
    // 4-bit batch strides must be even.
    bad = ints
    bad[1] = 4
    bad[14] = 15
    #expect(
      K.run(QCC_KERNEL_QGEMM, [c.ref, ab.ref, bb.ref, zbb.ref, biasb.ref], bad)
        == "qgemm: int 14 (a_strides[0]) is 15; expected an even value (a 4-bit operand)")
  }

  @Test func qconvMatchesTheKernel() {
    // x u8 [1, 4, 5, 5], w i8 [6, 2, 3, 3], group 2, stride 2, pad 1.
    let x = (0..<100).map { UInt8(truncatingIfNeeded: $0 * 29 % 256) }
    let w = (0..<108).map { Int8(truncatingIfNeeded: $0 * 17 % 256 - 128) }
    let wz: [Int32] = [0, 1, -1, 2, -2, 3], bias: [Int32] = [10, 20, 30, 40, 50, 60]
    var win = qcc_window3d()
    win.in = (1, 5, 5)
    win.out = (1, 3, 3)
    win.kernel = (1, 3, 3)
    win.stride = (1, 2, 2)
    win.dilation = (1, 1, 1)
    win.pad_begin = (0, 1, 1)
    let wsBytes = Int(qcc_qconv_workspace(&win, 4, 2, QCC_QTYPE_U8))
    #expect(wsBytes == 2 * 9 * 9)
    let xb = CallBuffer(x), wb = CallBuffer(w), wzb = CallBuffer(wz), bb = CallBuffer(bias)
    let y = CallBuffer(bytes: 6 * 9 * 4), ws = CallBuffer(bytes: wsBytes)
    let ints: [Int64] = [6, 1, 0, 128, 128, 1, 4, 6, 2, 1, 5, 5, 1, 3, 3, 1, 3, 3, 1, 2, 2, 1, 1, 1, 0, 1, 1]
    #expect(K.run(QCC_KERNEL_QCONV, [y.ref, xb.ref, wb.ref, wzb.ref, bb.ref, ws.ref], ints) == nil)
    var want = [Int32](repeating: 0, count: 54)
    var scratch = [UInt8](repeating: 0, count: wsBytes)
    qcc_qconv_i32(QCC_QTYPE_U8, x, 128, 128, QCC_QTYPE_I8, w, wz, bias, &want, 1, 4, 6, 2, &win, &scratch)
    #expect(y.values(Int32.self) == want)
    var bad = ints
    bad[6] = 5
    #expect(
      K.run(QCC_KERNEL_QCONV, [y.ref, xb.ref, wb.ref, wzb.ref, bb.ref, ws.ref], bad)
        == "qconv: int 6 (channels) is 5; expected a multiple of group")
    bad = ints
    bad[19] = 0
    #expect(
      K.run(QCC_KERNEL_QCONV, [y.ref, xb.ref, wb.ref, wzb.ref, bb.ref, ws.ref], bad)
        == "qconv: int 19 (stride[1]) is 0; expected 1..2^48")
    #expect(
      K.run(QCC_KERNEL_QCONV, [y.ref, xb.ref, wb.ref, wzb.ref, bb.ref, nil], ints)
        == "qconv: buffer 5 (workspace) is NULL")
  }

  /// F32_CONV_TRANSPOSE gives qcc_f32_conv_transpose's bits (its GEMM on the call's scratch rather than
  /// the thread's), and its decoder checks the groups, the window and the buffers.
  @Test func f32ConvTransposeMatchesTheKernel() {
    // x [1, 4, 2, 3], w [4, 3, 2, 2], group 2 (out_channels 6), stride 2, pad 1, y [1, 6, 3, 5].
    let x = (0..<24).map { Float($0 % 7) * 0.25 - 0.5 }, w = (0..<48).map { Float($0 % 5) * 0.5 - 1 }
    let bias: [Float] = [0.5, -1, 2, 0, 0.25, -0.125]
    var win = qcc_window3d()
    win.in = (1, 2, 3)
    win.out = (1, 3, 5)
    win.kernel = (1, 2, 2)
    win.stride = (1, 2, 2)
    win.dilation = (1, 1, 1)
    win.pad_begin = (0, 0, 1)
    let wsFloats = Int(qcc_f32_conv_transpose_workspace(&win, 6, 2))
    #expect(wsFloats == 3 * 4 * 6)
    let gemmBytes = Int(qcc_call_f32_gemm_scratch_bytes(12, 6, 2))
    let xb = CallBuffer(x), wb = CallBuffer(w), bb = CallBuffer(bias)
    let y = CallBuffer(bytes: 6 * 15 * 4), ws = CallBuffer(bytes: wsFloats * 4), scratch = CallBuffer(bytes: gemmBytes)
    let ints: [Int64] = [1, 4, 6, 2, 1, 2, 3, 1, 3, 5, 1, 2, 2, 1, 2, 2, 1, 1, 1, 0, 0, 1]
    let refs: [CallRef?] = [y.ref, xb.ref, wb.ref, bb.ref, ws.ref, scratch.ref]
    #expect(K.run(QCC_KERNEL_F32_CONV_TRANSPOSE, refs, ints) == nil)
    var want = [Float](repeating: 0, count: 90), work = [Float](repeating: 0, count: wsFloats)
    qcc_f32_conv_transpose(x, w, bias, &want, 1, 4, 6, 2, &win, &work, nil)
    #expect(y.values(UInt32.self) == want.map(\.bitPattern))
    // Without a bias: y starts at 0.
    #expect(K.run(QCC_KERNEL_F32_CONV_TRANSPOSE, [y.ref, xb.ref, wb.ref, nil, ws.ref, scratch.ref], ints) == nil)
    qcc_f32_conv_transpose(x, w, nil, &want, 1, 4, 6, 2, &win, &work, nil)
    #expect(y.values(UInt32.self) == want.map(\.bitPattern))
    var bad = ints
    bad[1] = 5
    #expect(
      K.run(QCC_KERNEL_F32_CONV_TRANSPOSE, refs, bad)
        == "f32_conv_transpose: int 1 (channels) is 5; expected a multiple of group")
    bad = ints
    bad[14] = 0
    #expect(
      K.run(QCC_KERNEL_F32_CONV_TRANSPOSE, refs, bad)
        == "f32_conv_transpose: int 14 (stride[1]) is 0; expected 1..2^48")
    #expect(
      K.run(QCC_KERNEL_F32_CONV_TRANSPOSE, refs, Array(ints.dropLast()))
        == "f32_conv_transpose: 21 ints; expected 22")
    #expect(
      K.run(QCC_KERNEL_F32_CONV_TRANSPOSE, [y.ref, xb.ref, wb.ref, bb.ref, ws.ref, nil], ints)
        == "f32_conv_transpose: buffer 5 (scratch) is NULL")
    #expect(
      K.run(QCC_KERNEL_F32_CONV_TRANSPOSE, [y.ref, xb.ref, wb.ref, bb.ref, nil, scratch.ref], ints)
        == "f32_conv_transpose: buffer 4 (workspace) is NULL")
  }

  @Test func qaddAndQmulMatchTheKernels() {
    let a: [Int8] = [-128, -5, 0, 9, 100, 127], b: [UInt8] = [0, 200, 255]
    let ab = CallBuffer(a), bb = CallBuffer(b)
    let ma = qcc_qadd_multiplier(0.1, 0.07), mb = qcc_qadd_multiplier(0.02, 0.07)
    let y = CallBuffer(bytes: 6)
    // y i8 [2, 3] = a [2, 3] + b [3] broadcast.
    let ints: [Int64] = [0, 0, 1, -3, 2, 128, -128, 127, ma, mb, 2, 2, 3, 3, 1, 0, 1]
    #expect(K.run(QCC_KERNEL_QADD, [y.ref, ab.ref, bb.ref], ints) == nil)
    var want = [Int8](repeating: 0, count: 6)
    qcc_qadd(QCC_QTYPE_I8, &want, -3, -128, 127, QCC_QTYPE_I8, a, [3, 1], 2, ma, QCC_QTYPE_U8, b, [0, 1], 128, mb, [2, 3], 2)
    #expect(y.values(Int8.self) == want)
    let m = qcc_qmul_multiplier(0.1, 0.02, 0.05)
    let mulInts: [Int64] = [0, 0, 1, -3, 2, 128, -128, 127, m, 2, 2, 3, 3, 1, 0, 1]
    #expect(K.run(QCC_KERNEL_QMUL, [y.ref, ab.ref, bb.ref], mulInts) == nil)
    qcc_qmul(QCC_QTYPE_I8, &want, -3, -128, 127, QCC_QTYPE_I8, a, [3, 1], 2, QCC_QTYPE_U8, b, [0, 1], 128, m, [2, 3], 2)
    #expect(y.values(Int8.self) == want)
    var bad = ints
    bad[8] = (1 << 62) + 1
    #expect(
      K.run(QCC_KERNEL_QADD, [y.ref, ab.ref, bb.ref], bad)
        == "qadd: int 8 (ma) is 4611686018427387905; expected 0..2^62")
  }

  // MARK: Cast

  static let castTypes: [ElementType] = [.f32, .i8, .u8, .i16, .u16, .i32, .u32, .i64, .u64, .bool]

  static func elemCode(_ t: ElementType) -> Int64 {
    switch t {
    case .f32: 1
    case .i8: 5
    case .u8: 6
    case .i16: 7
    case .u16: 8
    case .i32: 9
    case .u32: 10
    case .i64: 11
    case .u64: 12
    default: 13
    }
  }

  /// Source tensors of every cast type, full of edge cases.
  static func castSource(_ t: ElementType) -> TensorData {
    if t == .f32 {
      var v: [Float] = [
        0, -0.0, 0.4, -0.6, 1.5, -1.5, 2.9, -2.9, 127.7, 128.3, -128.9, -129.2, 255.9, 256.1, 32767.5, 32768.2,
        -32768.9, -32769.5, 65535.5, 65536.2, 2_147_483_520, 2_147_483_648, -2_147_483_648, -2_147_483_904,
        4_294_967_040, 4_294_967_296, 9.2233715e18, 9.223372e18, -9.223372e18, -9.2233725e18, 1.8446743e19,
        1.8446744e19, 1e30, -1e30, .infinity, -.infinity, .nan, -.nan, 1e-30, -1e-30, .greatestFiniteMagnitude,
        -.greatestFiniteMagnitude, .leastNonzeroMagnitude, 16_777_217, -16_777_216,
      ]
      v += (0..<64).map { Float(sign: $0 % 2 == 0 ? .plus : .minus, exponent: $0 / 2, significand: 1.37) }
      return TensorData(shape: [v.count], scalars: v)
    }
    var v: [Int64] = [
      0, 1, -1, 2, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769, 65535, 65536, 2_147_483_647,
      2_147_483_648, -2_147_483_648, -2_147_483_649, 4_294_967_295, 4_294_967_296, 16_777_217, -16_777_217,
      16_777_219, (1 << 53) + 1, (1 << 62) + (1 << 38) + 1, .max, .min, .min + 1, -(1 << 40) - 3, 0x7FFF_FF80_0000_0000,
      0x7FFF_FFBF_FFFF_FFFF, -0x7FFF_FFC0_0000_0001,
    ]
    v += (0..<64).map { Int64(bitPattern: 0x9E37_79B9_7F4A_7C15 &* UInt64($0 + 1)) >> ($0 % 63) }
    return TensorData(converting: v, to: t, shape: [v.count])
  }

  @Test func castMatchesTheSwiftOpForEveryPair() throws {
    var pairs = 0
    for from in Self.castTypes {
      let x = Self.castSource(from)
      let count = x.elementCount
      let src = CallBuffer(bytes: x.byteCount)
      src.pointer.copyMemory(from: x.bytes.baseAddress!, byteCount: x.byteCount)
      for to in Self.castTypes {
        let want = try OpsTest.one("Cast", [x], attributes: [("to", .string(to.rawValue))])
        let dst = CallBuffer(bytes: want.byteCount)
        #expect(
          K.run(QCC_KERNEL_CAST, [dst.ref, src.ref], [Self.elemCode(to), Self.elemCode(from), Int64(count)]) == nil)
        let wantBytes = Array(want.bytes)
        if dst.bytes != wantBytes {
          // Name the first element that differs.
          let size = want.byteCount / count
          let i = (0..<count).first { e in dst.bytes[(e * size)..<((e + 1) * size)] != wantBytes[(e * size)..<((e + 1) * size)] }!
          Issue.record("\(from) -> \(to): element \(i) (\(x.doubles()[i])): C \(dst.bytes[(i * size)..<((i + 1) * size)]), Swift \(wantBytes[(i * size)..<((i + 1) * size)])")
        }
        pairs += 1
      }
    }
    #expect(pairs == 100)
  }

  @Test func castRejectsOtherTypes() {
    let b = CallBuffer(bytes: 8)
    #expect(
      K.run(QCC_KERNEL_CAST, [b.ref, b.ref], [2, 1, 1])
        == "cast: int 0 (dst_elem) is 2; expected 1 (f32) or 5..13 (i8, u8, i16, u16, i32, u32, i64, u64, bool)")
    #expect(
      K.run(QCC_KERNEL_CAST, [b.ref, nil], [1, 5, 1]) == "cast: buffer 1 (src) is NULL")
    // Nothing to touch: NULL is fine.
    #expect(K.run(QCC_KERNEL_CAST, [nil, nil], [1, 5, 0]) == nil)
    #expect(String(cString: qcc_elem_name(14)) == "i4" && String(cString: qcc_elem_name(4)) == "bf16")
    #expect(qcc_elem_name(0) == nil && qcc_elem_name(16) == nil)
    #expect(String(cString: qcc_kernel_name(13)) == "qgemm" && String(cString: qcc_kernel_name(23)) == "attention")
    #expect(String(cString: qcc_kernel_name(24)) == "qscan" && String(cString: qcc_kernel_name(25)) == "fused_elementwise")
    #expect(String(cString: qcc_kernel_name(26)) == "f32_conv_transpose")
    #expect(String(cString: qcc_kernel_name(27)) == "f32_resample")
    #expect(String(cString: qcc_kernel_name(28)) == "compare" && String(cString: qcc_kernel_name(31)) == "trilu")
    #expect(qcc_kernel_name(32) == nil)
  }

  /// COMPARE, F32_ARG_REDUCE and CUMSUM decode their element types, flags and sizes, and say what is wrong.
  @Test func axisAndCompareCallsAreChecked() {
    let b = CallBuffer(bytes: 64)
    let p = b.ref
    #expect(
      K.run(QCC_KERNEL_COMPARE, [p, p, p], [0, 3, 1, 2, 1, 1])
        == "compare: int 1 (elem) is 3; expected 1 (f32), 2 (f64) or 5..13 (i8, u8, i16, u16, i32, u32, i64, u64, bool)")
    #expect(K.run(QCC_KERNEL_COMPARE, [p, p, p], [5, 1, 0]) == "compare: int 0 (op) is 5; expected 0..4")
    #expect(K.run(QCC_KERNEL_COMPARE, [p, p, p], [0, 1, 1, 2, 1]) == "compare: 5 ints; expected 6 for rank 1")
    // Misaligned i64 operand.
    #expect(
      K.run(QCC_KERNEL_COMPARE, [p, b.ref(4), p], [0, 11, 1, 2, 1, 1])
        == "compare: buffer 1 (a) is not 8-byte aligned")
    #expect(
      K.run(QCC_KERNEL_F32_ARG_REDUCE, [p, p], [2, 0, 1, 1, 1]) == "f32_arg_reduce: int 0 (is_min) is 2; expected 0..1")
    #expect(
      K.run(QCC_KERNEL_F32_ARG_REDUCE, [p, p], [0, 0, 1, 0, 1])
        == "f32_arg_reduce: int 3 (n) is 0; expected 1..2^48 (outer and inner are not 0)")
    // Nothing to reduce into: n may be 0.
    #expect(K.run(QCC_KERNEL_F32_ARG_REDUCE, [nil, nil], [0, 0, 0, 0, 1]) == nil)
    #expect(
      K.run(QCC_KERNEL_CUMSUM, [p, p, nil], [7, 0, 0, 0, 0, 1, 1])
        == "cumsum: int 0 (elem) is 7; expected 1 (f32), 2 (f64), 9 (i32), 10 (u32), 11 (i64) or 12 (u64)")
    #expect(
      K.run(QCC_KERNEL_CUMSUM, [p, p, nil], [1, 0, 2, 0, 0, 1, 1]) == "cumsum: int 2 (reverse) is 2; expected 0..1")
    #expect(K.run(QCC_KERNEL_CUMSUM, [p, p, nil], [1, 0, 0, 0, 0, 2, 1]) == "cumsum: 7 ints; expected 8 for rank 2")
    #expect(K.run(QCC_KERNEL_CUMSUM, [p, p, nil], [1, 0, 0, 0, 0, 0]) == "cumsum: int 5 (rank) is 0; expected 1..8")
    #expect(K.run(QCC_KERNEL_CUMSUM, [p, p, nil], [1, 0, 0, 0, 1, 1, 4]) == "cumsum: int 4 (axis) is 1; expected -1..0")
    #expect(
      K.run(QCC_KERNEL_CUMSUM, [p, p, nil], [1, 0, 0, 2, 0, 1, 4])
        == "cumsum: int 3 (axis_bytes) is 2; expected 0 (the axis int), 4 or 8 (the axis buffer)")
    #expect(
      K.run(QCC_KERNEL_CUMSUM, [p, p, p], [1, 0, 0, 0, 0, 1, 4]) == "cumsum: buffer 2 (axis) is given, but axis_bytes is 0")
    // A run-time axis out of range fails before writing anything.
    let axis = CallBuffer([Int32(-3)]), y = CallBuffer(bytes: 16)
    #expect(
      K.run(QCC_KERNEL_CUMSUM, [y.ref, p, axis.ref], [1, 0, 0, 4, 0, 2, 2, 2])
        == "cumsum: axis -3 is out of range for rank 2")
    #expect(y.bytes == [UInt8](repeating: CallBuffer.marker, count: 16))
    // Extents: 2 x 3 x 2 i64 sums are 96 bytes; one byte short fails the check.
    let ints: [Int64] = [11, 0, 0, 0, 1, 3, 2, 3, 2]
    let absent = K.absent
    #expect(
      K.check(QCC_KERNEL_CUMSUM, [nil, nil, nil], ints, info: [K.info(0, 96, writable: true), K.info(0, 96), absent])
        == nil)
    #expect(
      K.check(QCC_KERNEL_CUMSUM, [nil, nil, nil], ints, info: [K.info(0, 96, writable: true), K.info(0, 95), absent])
        == "cumsum: buffer 1 (x) reads bytes [0, 96) from its pointer; its tensor holds [0, 95)")
  }

  /// COMPARE gives Swift's comparisons of the values on every type it takes: unsigned values as unsigned,
  /// every comparison with NaN false, -0.0 equal to 0.0; each value against each other one.
  @Test func compareMatchesSwiftOnEveryType() {
    func check<T: Comparable>(_ elem: Int64, _ values: [T]) {
      let n = values.count
      let a = CallBuffer((0..<n * n).map { values[$0 / n] }), b = CallBuffer((0..<n * n).map { values[$0 % n] })
      let ops: [ElementwiseOps.Comparison] = [.equal, .less, .lessOrEqual, .greater, .greaterOrEqual]
      for op in ops {
        let out = CallBuffer(bytes: n * n)
        let ints = [Int64(op.kernel.rawValue), elem, 1, Int64(n * n), 1, 1]
        #expect(K.run(QCC_KERNEL_COMPARE, [out.ref, a.ref, b.ref], ints) == nil)
        let want = (0..<n * n).map { UInt8(op.compare(values[$0 / n], values[$0 % n]) ? 1 : 0) }
        #expect(out.bytes == want, "elem \(elem) \(op)")
      }
    }
    check(1, [Float(0), -0.0, 1, -1, .infinity, -.infinity, .nan, 3.5, .leastNonzeroMagnitude])
    check(2, [Double(0), -0.0, 1, -1, .infinity, -.infinity, .nan, 1e300, 1 + .ulpOfOne])
    check(5, [Int8.min, -1, 0, 1, .max])
    check(6, [UInt8(0), 1, 127, 128, .max])
    check(7, [Int16.min, -1, 0, 1, .max])
    check(8, [UInt16(0), 1, 0x8000, .max])
    check(9, [Int32.min, -1, 0, 1, .max])
    check(10, [UInt32(0), 1, 0x8000_0000, .max])
    check(11, [Int64.min, -1, 0, 1, 1 << 53, (1 << 53) + 1, .max])
    check(12, [UInt64(0), 1, 1 << 63, (1 << 63) + 1, .max])
    check(13, [UInt8(0), 1])
  }

  /// TRILU reads k from its buffer when one is given, else from its ints, and clamps it.
  @Test func triluTakesKFromTheCallOrAtRunTime() {
    let x = CallBuffer([Int16](1...6)), out = CallBuffer(bytes: 12)
    // [2, 3], upper, k = 1: keeps (0, 1), (0, 2), (1, 2).
    #expect(K.run(QCC_KERNEL_TRILU, [out.ref, x.ref, nil], [2, 1, 1, 1, 2, 3]) == nil)
    #expect(out.values(Int16.self) == [0, 2, 3, 0, 0, 6])
    let k = CallBuffer([Int64.min])
    #expect(K.run(QCC_KERNEL_TRILU, [out.ref, x.ref, k.ref], [2, 0, 0, 1, 2, 3]) == nil)
    #expect(out.values(Int16.self) == [0, 0, 0, 0, 0, 0])
    #expect(
      K.run(QCC_KERNEL_TRILU, [out.ref, x.ref, k.ref], [2, 0, 3, 1, 2, 3])
        == "trilu: int 2 (k) is 3; expected 0 (the k buffer is given)")
    #expect(K.run(QCC_KERNEL_TRILU, [out.ref, x.ref, nil], [2, 2, 0, 1, 2, 3]) == "trilu: int 1 (upper) is 2; expected 0..1")
    #expect(K.run(QCC_KERNEL_TRILU, [out.ref, x.ref, k.ref(4)], [2, 0, 0, 1, 2, 3]) == "trilu: buffer 2 (k) is not 8-byte aligned")
  }

  /// CUMSUM on integers wraps to the element width, as the interpreter's Int64 sums truncated.
  @Test func cumsumWrapsIntegers() {
    let x = CallBuffer([Int32.max, 1, 1]), y = CallBuffer(bytes: 12)
    #expect(K.run(QCC_KERNEL_CUMSUM, [y.ref, x.ref, nil], [9, 0, 0, 0, 0, 1, 3]) == nil)
    #expect(y.values(Int32.self) == [Int32.max, Int32.min, Int32.min + 1])
    let u = CallBuffer([UInt64.max, 2]), v = CallBuffer(bytes: 16)
    // Reversed, along an axis read at run time: y[1] = 2, y[0] = 2 + (2^64 - 1) wrapped.
    let axis = CallBuffer([Int64(-1)])
    #expect(K.run(QCC_KERNEL_CUMSUM, [v.ref, u.ref, axis.ref], [12, 0, 1, 8, 0, 1, 2]) == nil)
    #expect(v.values(UInt64.self) == [1, 2])
  }

  /// ATTENTION's decoder: types, the requantization ints an f32 result must leave 0, scales, extents.
  @Test func attentionCallsAreChecked() {
    // One head: q [2, 3], k [3, 4], v [4, 2], out f32 [2, 2].
    let q = CallBuffer([Int8](repeating: 1, count: 6)), k = CallBuffer([Int8](repeating: 2, count: 12))
    let v = CallBuffer([Int8](repeating: 3, count: 8)), out = CallBuffer(bytes: 16)
    let scratch = CallBuffer(bytes: Int(qcc_qattention_scratch_bytes(2, 4, 2)))
    let ints: [Int64] = [0, 0, 0, 1, -1, 0, 0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 2, 4, 3, 2, 0, 0, 0]
    let floats: [Float] = [0.01, 1.0 / 256, 0.02, 0]
    func run(_ ints: [Int64], _ floats: [Float]) -> String? {
      K.run(QCC_KERNEL_ATTENTION, [out.ref, q.ref, k.ref, v.ref, nil, scratch.ref], ints, floats)
    }
    #expect(run(ints, floats) == nil)
    // Equal scores give p = 1/4, 64 in u8 at scale 1/256; each output accumulates 4 · 64 · 3 = 768, times out_scale.
    #expect(out.values(Float.self) == [Float](repeating: Float(768) * 0.02, count: 4))
    var bad = ints
    bad[2] = 2
    #expect(run(bad, floats) == "attention: int 2 (v_type) is 2; expected 0..1")
    bad = ints
    bad[14] = 5
    #expect(run(bad, floats) == "attention: int 14 (out requantization) is 5; expected 0 (out_type is -1: f32)")
    #expect(run(ints, [0, 1, 1, 0]) == "attention: float 0 (score_scale) is 0; expected a finite value > 0")
    // Extents: q is [m, d] = 6 bytes, out [m, dv] f32 = 16 bytes, the scratch as qcc_qattention_scratch_bytes says.
    let scratchBytes = qcc_qattention_scratch_bytes(2, 4, 2)
    let info = [K.info(0, 16, writable: true), K.info(0, 6), K.info(0, 12), K.info(0, 8), K.absent, K.info(0, scratchBytes, writable: true)]
    #expect(K.check(QCC_KERNEL_ATTENTION, [nil, nil, nil, nil, nil, nil], ints, floats, info: info) == nil)
    var shortQ = info
    shortQ[1] = K.info(0, 5)
    #expect(K.check(QCC_KERNEL_ATTENTION, [nil, nil, nil, nil, nil, nil], ints, floats, info: shortQ)
      == "attention: buffer 1 (q) reads bytes [0, 6) from its pointer; its tensor holds [0, 5)")
    var shortScratch = info
    shortScratch[5] = K.info(0, scratchBytes - 4, writable: true)
    #expect(K.check(QCC_KERNEL_ATTENTION, [nil, nil, nil, nil, nil, nil], ints, floats, info: shortScratch)
      == "attention: buffer 5 (scratch) writes bytes [0, \(scratchBytes)) from its pointer; its tensor holds [0, \(scratchBytes - 4))")
  }

  // MARK: The selective scan

  /// QSCAN against the scan written out in Swift: f32 state update, per-step
  /// quantize of the state and of c, an integer dot product, dequantize.
  @Test func qscanComputesTheScanStepByStep() {
    let (batch, channels, steps, state) = (2, 3, 3, 2)
    let cells = batch * channels * state
    let da = (0..<(cells * steps)).map { Float(($0 * 37) % 11) / 10 - 0.2 }
    let dbx = (0..<(cells * steps)).map { Float(($0 * 53) % 17) / 2 - 4 }
    let c = (0..<(batch * steps * state)).map { Float(($0 * 29) % 13) / 4 - 1.5 }
    let h0 = (0..<cells).map { Float($0 % 5) - 2 }
    let hs: [Float] = [0.05, 0.1, 0.2], cs: [Float] = [0.02, 0.03, 0.025]
    let hz: [Int32] = [0, -3, 4], cz: [Int32] = [-9, 5, 0]
    let (hmin, hmax, cmin, cmax): (Int32, Int32, Int32, Int32) = (-127, 127, -128, 127)
    // The reference.
    var h = h0
    var expected = [Float](repeating: 0, count: batch * channels * steps)
    for t in 0..<steps {
      for b in 0..<batch {
        for d in 0..<channels {
          for n in 0..<state {
            let i = (b * channels + d) * state + n, j = ((b * channels + d) * steps + t) * state + n
            let m = da[j] * h[i]
            h[i] = m + dbx[j]
          }
        }
      }
      for b in 0..<batch {
        for d in 0..<channels {
          var acc: Int32 = 0
          for n in 0..<state {
            let hq = QuantModel.quantize(h[(b * channels + d) * state + n], scale: hs[t], zp: hz[t], qmin: hmin, qmax: hmax)
            let cq = QuantModel.quantize(c[(b * steps + t) * state + n], scale: cs[t], zp: cz[t], qmin: cmin, qmax: cmax)
            acc += (hq - hz[t]) * (cq - cz[t])
          }
          expected[(b * channels + d) * steps + t] = QuantModel.dequantize(Int64(acc), scale: hs[t] * cs[t], zp: 0)
        }
      }
    }
    let y = CallBuffer(bytes: 4 * expected.count)
    let workspace = CallBuffer(bytes: Int(qcc_qscan_workspace(Int64(batch), Int64(channels), Int64(state))))
    let buffers: [CallRef?] = [
      y.ref, CallBuffer(da).ref, CallBuffer(dbx).ref, CallBuffer(c).ref, CallBuffer(h0).ref,
      CallBuffer(hs + cs + zip(hs, cs).map { $0 * $1 }).ref, CallBuffer(hz + cz).ref, workspace.ref,
    ]
    let ints: [Int64] = [Int64(QCC_QTYPE_I8.rawValue), 2, 3, 3, 2, Int64(hmin), Int64(hmax), Int64(cmin), Int64(cmax)]
    #expect(K.run(QCC_KERNEL_QSCAN, buffers, ints) == nil)
    #expect(y.values(Float.self).map(\.bitPattern) == expected.map(\.bitPattern))

    // Malformed calls.
    #expect(K.run(QCC_KERNEL_QSCAN, Array(buffers.prefix(7)), ints) == "qscan: 7 buffers; expected 8")
    #expect(K.run(QCC_KERNEL_QSCAN, buffers, Array(ints.prefix(8))) == "qscan: 8 ints; expected 9")
    var bad = ints
    bad[0] = Int64(QCC_QTYPE_I16.rawValue)
    #expect(K.run(QCC_KERNEL_QSCAN, buffers, bad) == "qscan: int 0 (type) is 2; expected 0 (i8) or 1 (u8)")
    bad = ints
    bad[7] = 5
    bad[8] = 4
    #expect(K.run(QCC_KERNEL_QSCAN, buffers, bad) == "qscan: int 8 (qmax) is 4; expected 5..127")
    bad = ints
    bad[6] = 128
    #expect(K.run(QCC_KERNEL_QSCAN, buffers, bad) == "qscan: int 6 (qmax) is 128; expected -127..127")
    var zeroPoints = buffers
    zeroPoints[6] = CallBuffer(hz + [200, 5, 0]).ref
    #expect(K.run(QCC_KERNEL_QSCAN, zeroPoints, ints) == "qscan: buffer 6 (zero_points) element 3 is 200; expected -128..127")
    var noWorkspace = buffers
    noWorkspace[7] = nil
    #expect(K.run(QCC_KERNEL_QSCAN, noWorkspace, ints) == "qscan: buffer 7 (workspace) is NULL")
  }

  // MARK: Malformed calls

  @Test func malformedCallsAreRejectedWithExactMessages() {
    let b = CallBuffer(bytes: 64)
    let p = b.ref
    #expect(K.run(99, [p], []) == "call: kernel 99 is unknown; expected 1..31")
    #expect(K.run(0, [p], []) == "call: kernel 0 is unknown; expected 1..31")
    #expect(K.run(32, [p], []) == "call: kernel 32 is unknown; expected 1..31")
    #expect(K.run(QCC_KERNEL_COPY, [p], [4, 0]) == "copy: 1 buffers; expected 2")
    #expect(K.run(QCC_KERNEL_COPY, [p, p], [4]) == "copy: 1 ints; expected at least 2")
    #expect(K.run(QCC_KERNEL_COPY, [p, p], [4, 2, 1, 1, 1, 1, 1]) == "copy: 7 ints; expected 8 for rank 2")
    #expect(K.run(QCC_KERNEL_COPY, [p, p], [4, 9]) == "copy: int 1 (rank) is 9; expected 0..8")
    #expect(K.run(QCC_KERNEL_COPY, [p, p], [65, 0]) == "copy: int 0 (elem_size) is 65; expected 1..64")
    #expect(
      K.run(QCC_KERNEL_COPY, [p, p], [4, 1, -2, 1, 1]) == "copy: int 2 (shape[0]) is -2; expected 0..2^48")
    #expect(
      K.run(QCC_KERNEL_COPY, [p, p], [4, 1, 2, 1, (1 << 48) + 1])
        == "copy: int 4 (src_strides[0]) is 281474976710657; expected -2^48..2^48")
    #expect(K.run(QCC_KERNEL_FILL, [p, p], [4, -1]) == "fill: int 1 (count) is -1; expected 0..2^48")
    #expect(
      K.run(QCC_KERNEL_F32_BINARY, [p, p, p], [9, 0]) == "f32_binary: int 0 (op) is 9; expected 0..8")
    #expect(K.run(QCC_KERNEL_F32_UNARY, [p, p], [0, 1], [1]) == "f32_unary: 1 floats; expected 2")
    #expect(K.run(QCC_KERNEL_F32_SOFTMAX, [p, p], [3, 1, 1, 1]) == "f32_softmax: int 0 (mode) is 3; expected 0..2")
    #expect(K.run(QCC_KERNEL_F32_REDUCE, [p, p], [10, 1, 1, 1]) == "f32_reduce: int 0 (kind) is 10; expected 0..9")
    #expect(K.run(QCC_KERNEL_BOOL_BINARY, [p, p, p], [3, 0]) == "bool_binary: int 0 (op) is 3; expected 0..2")
    #expect(
      K.run(QCC_KERNEL_GATHER, [p, p, p], [4, 1, 1, 1, 2, 0]) == "gather: int 4 (index_bytes) is 2; expected 4 or 8")
    #expect(K.run(QCC_KERNEL_F32_ISNAN, [p, nil], [1]) == "f32_isnan: buffer 1 (x) is NULL")
    #expect(
      K.run(QCC_KERNEL_COPY, [p, p], [4, 2, 1 << 48, 1 << 48, 1 << 48, 1, 0, 0])
        == "copy: buffer 0 (dst) spans more than 2^61 elements")
    // Misaligned f32.
    #expect(K.run(QCC_KERNEL_F32_ISNAN, [p, b.ref(2)], [1]) == "f32_isnan: buffer 1 (x) is not 4-byte aligned")
  }

  // MARK: qcc_call_check

  @Test func checkRejectsABufferOneByteShort() {
    let buffer = CallBuffer(bytes: 64), p = buffer.ref
    let ints: [Int64] = [0, 1, 3, 1, 1]
    let ok = [K.info(0, 12, writable: true), K.info(0, 12), K.info(0, 12)]
    #expect(K.check(QCC_KERNEL_F32_BINARY, [nil, nil, nil], ints, info: ok) == nil)
    let short = [K.info(0, 12, writable: true), K.info(0, 11), K.info(0, 12)]
    #expect(
      K.check(QCC_KERNEL_F32_BINARY, [nil, nil, nil], ints, info: short)
        == "f32_binary: buffer 1 (a) reads bytes [0, 12) from its pointer; its tensor holds [0, 11)")
    let shortOut = [K.info(0, 11, writable: true), K.info(0, 12), K.info(0, 12)]
    #expect(
      K.check(QCC_KERNEL_F32_BINARY, [nil, nil, nil], ints, info: shortOut)
        == "f32_binary: buffer 0 (out) writes bytes [0, 12) from its pointer; its tensor holds [0, 11)")
    let readOnly = [K.info(0, 12), K.info(0, 12), K.info(0, 12)]
    #expect(
      K.check(QCC_KERNEL_F32_BINARY, [nil, nil, nil], ints, info: readOnly)
        == "f32_binary: buffer 0 (out) is written, but its tensor is not writable")
    let missing = [K.info(0, 12, writable: true), K.absent, K.info(0, 12)]
    #expect(
      K.check(QCC_KERNEL_F32_BINARY, [nil, nil, nil], ints, info: missing) == "f32_binary: buffer 1 (a) is absent")
    // Without info, the pointers are the buffers.
    #expect(K.check(QCC_KERNEL_F32_BINARY, [p, p, p], ints, info: nil) == nil)
  }

  @Test func checkAcceptsANegativeStrideCopyWithinBounds() {
    // Reverse 4 f32: the source pointer at byte 12 of a 16-byte tensor.
    let ints: [Int64] = [4, 1, 4, 1, -1]
    let inside = [K.info(0, 16, writable: true), K.info(12, 4)]
    #expect(K.check(QCC_KERNEL_COPY, [nil, nil], ints, info: inside) == nil)
    let outside = [K.info(0, 16, writable: true), K.info(8, 8)]
    #expect(
      K.check(QCC_KERNEL_COPY, [nil, nil], ints, info: outside)
        == "copy: buffer 1 (src) reads bytes [-12, 4) from its pointer; its tensor holds [-8, 8)")
    let misaligned = [K.info(0, 16, writable: true), K.info(14, 4)]
    #expect(
      K.check(QCC_KERNEL_COPY, [nil, nil], ints, info: misaligned)
        == "copy: buffer 1 (src) is at byte 14 of its tensor; expected a multiple of 4")
    // Broadcast (stride 0) reads one element.
    #expect(K.check(QCC_KERNEL_COPY, [nil, nil], [4, 1, 4, 1, 0], info: [K.info(0, 16, writable: true), K.info(0, 4)]) == nil)
  }

  @Test func checkRoundsNibblesUpToBytes() {
    // Quantize 3 values to u4: 2 bytes.
    let scale = CallBuffer([Float(0.5)]), zero = CallBuffer([Int32(8)])
    let ints: [Int64] = [5, 1, 1, 3, 0, 0, 15]
    let params = [K.info(0, 4, constant: true), K.info(0, 4, constant: true)]
    #expect(
      K.check(QCC_KERNEL_QUANTIZE, [nil, nil, scale.ref, zero.ref], ints, info: [K.info(0, 2, writable: true), K.info(0, 12)] + params)
        == nil)
    #expect(
      K.check(QCC_KERNEL_QUANTIZE, [nil, nil, scale.ref, zero.ref], ints, info: [K.info(0, 1, writable: true), K.info(0, 12)] + params)
        == "quantize: buffer 0 (dst) writes bytes [0, 2) from its pointer; its tensor holds [0, 1)")
    // QGEMM with 4-bit b [k 3, n 3] at ldb 3: nibbles 0...8, 5 bytes.
    let qints: [Int64] = [6, 0, 5, 0, 0, 0, 2, 3, 3, 3, 3, 3, 0]
    let base = [K.info(0, 24, writable: true), K.info(0, 6)]
    #expect(K.check(QCC_KERNEL_QGEMM, [nil, nil, nil, nil, nil], qints, info: base + [K.info(0, 5), K.absent, K.absent]) == nil)
    #expect(
      K.check(QCC_KERNEL_QGEMM, [nil, nil, nil, nil, nil], qints, info: base + [K.info(0, 4), K.absent, K.absent])
        == "qgemm: buffer 2 (b) reads bytes [0, 5) from its pointer; its tensor holds [0, 4)")
  }

  @Test func checkValidatesParameterConstants() {
    let mult = CallBuffer([Int32(1 << 30)]), shift = CallBuffer([Int32(0)]), zout = CallBuffer([Int32(0)])
    let ints: [Int64] = [6, 0, 1, 1, 4, -128, 127]
    var info = [
      K.info(0, 4, writable: true), K.info(0, 16), K.info(0, 4, constant: true), K.info(0, 4, constant: true), K.absent,
      K.info(0, 4, constant: true),
    ]
    let buffers: [CallRef?] = [nil, nil, mult.ref, shift.ref, nil, zout.ref]
    #expect(
      K.check(QCC_KERNEL_REQUANTIZE, buffers, ints, info: info)
        == "requantize: buffer 3 (shift) element 0 is 0; expected 1..62")
    shift.pointer.storeBytes(of: Int32(31), as: Int32.self)
    #expect(K.check(QCC_KERNEL_REQUANTIZE, buffers, ints, info: info) == nil)
    info[2] = K.info(0, 4)
    #expect(
      K.check(QCC_KERNEL_REQUANTIZE, buffers, ints, info: info)
        == "requantize: buffer 2 (multiplier) holds parameters, but its tensor is not a constant")
  }
}
