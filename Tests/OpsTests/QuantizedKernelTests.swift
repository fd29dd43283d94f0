import QCCIR
import QCCKernels
import Testing

@testable import QCCOps

/// The integer kernels of qcc_quant.h against the plain-Swift model of
/// docs/quantization.md (QuantModel), exhaustively where the input space
/// allows it and in dense sweeps elsewhere.
@Suite struct QuantizedKernelTests {
  // MARK: Fixed-point multipliers

  /// Rescale factors from 1e-10 to 1e4 (log-spaced, plus values that round to 2^31, powers of two and clamp edges).
  static let factors: [Double] = {
    var m: [Double] = []
    var v = 1e-10
    while v <= 1e4 {
      m.append(v)
      v *= 1.0137
    }
    for e in -70...40 {
      let p = Double(sign: .plus, exponent: e, significand: 1)
      m += [p, p.nextUp, p.nextDown, p * (1 - 0x1p-33), p * (1 - 0x1p-32), p * (1 + 0x1p-32), p * 0.75]
    }
    // Exact ties: f × 2^31 = K + 1/2 (K even rounds down, K odd up), at many exponents.
    for (i, e) in stride(from: -60, through: 28, by: 4).enumerated() {
      let base: Int64 = 1 << 30
      let ks: [Int64] = [base, base + 1, base + 2 * Int64(i) + 7, 2 * base - 2, 2 * base - 1]
      for k in ks {
        m.append(Double(2 * k + 1) * Double(sign: .plus, exponent: e - 32, significand: 1))
      }
    }
    m += [0x1p-63, 0x1p-64, 0x1.8p-64, 0x1p-62 * 1.5, 0x1p30 - 0.25, 0x1p30 - 0.5, 0x1p30, 1e300]
    m += [1.0 / 3, 0.0417 * 0.5 / 0.0311, 0.00173, 2.0 / 3, 1e-5 * 7]
    return m
  }()

  @Test func multiplierIsTheExactRounding() {
    var checked = 0
    for m in Self.factors {
      var mult: Int32 = -1, shift: Int32 = -1
      qcc_quant_multiplier(m, &mult, &shift)
      let model = QuantModel.multiplier(m)
      #expect(mult == model.m && shift == model.s, "m = \(m): C gives \(mult) >> \(shift), the model \(model.m) >> \(model.s)")
      #expect((1...62).contains(shift) && mult >= 0)
      // In range, M is normalised and the nearest integer to m × 2^s (ties to even), checked exactly.
      if m >= 0x1p-31 && m < 0x1p30 - 0.25 {
        #expect(mult >= 1 << 30, "m = \(m): M = \(mult) is not normalised")
        let exact = QuantModel.scaled(m, Int(shift))
        #expect(Int128(mult) == exact, "m = \(m)")
        // |M − m·2^s| ≤ 1/2: compare 2M with 2m·2^s, both exact.
        let twice = QuantModel.scaled(m, Int(shift) + 1)
        #expect(abs(2 * Int128(mult) - twice) <= 1, "m = \(m)")
      }
      checked += 1
    }
    #expect(checked > 1600)
    // Degenerate factors.
    for (m, want) in [(0.0, (Int32(0), Int32(62))), (-1.0, (0, 62)), (.nan, (0, 62)), (.infinity, (Int32.max, 1)), (0x1p-70, (0, 62))] {
      var mult: Int32 = -1, shift: Int32 = -1
      qcc_quant_multiplier(m, &mult, &shift)
      #expect(mult == want.0 && shift == want.1, "m = \(m)")
    }
    // A factor that rounds up to 2^31: M = 2^30 with one less shift.
    var mult: Int32 = 0, shift: Int32 = 0
    qcc_quant_multiplier(1 - 0x1p-33, &mult, &shift)
    #expect(mult == 1 << 30 && shift == 30)
    qcc_quant_multiplier(0.5, &mult, &shift)
    #expect(mult == 1 << 30 && shift == 31)
  }

  @Test func fixedPointMultipliersOfAddAndMul() {
    let scales: [Float] = [1, 0.5, 0.1, 0.0417, 3e-5, 7.25, 1e-3, 255, 1.0 / 3]
    for a in scales {
      for b in scales {
        #expect(qcc_qadd_multiplier(a, b) == QuantModel.fixed30(Double(a) / Double(b)))
        for y in scales {
          #expect(qcc_qmul_multiplier(a, b, y) == QuantModel.fixed30(Double(a) * Double(b) / Double(y)))
        }
      }
    }
    #expect(qcc_quant_fixed_point(0x1p40, 30) == 1 << 62)
    #expect(qcc_quant_fixed_point(-1, 30) == 0)
    #expect(qcc_quant_fixed_point(2.5 * 0x1p-30, 30) == 2)
    #expect(qcc_quant_fixed_point(3.5 * 0x1p-30, 30) == 4)
  }

  // MARK: Requantize

  /// (M, s) pairs: from qcc_quant_multiplier for many factors, plus the extreme shifts.
  static let multipliers: [(Int32, Int32)] = {
    var out: [(Int32, Int32)] = []
    for m in [1e-9, 3.7e-7, 1e-5, 0.00173, 0.0417 / 0.05, 0.123456, 0.5, 0.99999, 1, 1.5, 3.75, 100.3, 1e4] {
      var mult: Int32 = 0, shift: Int32 = 0
      qcc_quant_multiplier(m, &mult, &shift)
      out.append((mult, shift))
    }
    out += [(Int32.max, 1), (Int32.max, 62), (1 << 30, 1), (1 << 30, 62), (1, 1), (1, 62), (0, 5), (1_234_567_891, 31)]
    return out
  }()

  /// Runs qcc_requantize over `values` (i32) per tensor and checks every result against the model.
  func checkRequantize(_ values: [Int32], out: ElementType, zin: Int32, zout: Int32, mult: Int32, shift: Int32) {
    let range = out.integerRange!
    let (qmin, qmax) = (Int32(range.lowerBound), Int32(range.upperBound))
    var zinV = [zin], m = [mult], s = [shift], zoutV = [zout]
    // Written to `out` storage, then widened.
    let stored = TensorData(elementType: out, shape: [values.count]) { dst in
      qcc_requantize(
        QCC_QTYPE_I32, values, QuantizedOps.kernelType(out)!, dst.baseAddress, 1, 1, Int64(values.count), &zinV, &m, &s,
        &zoutV, qmin, qmax)
    }
    let y = stored.integers()!.map { Int32($0) }
    var failures = 0
    values.withUnsafeBufferPointer { xs in
      y.withUnsafeBufferPointer { ys in
        for i in 0..<xs.count {
          let x = xs[i], got = ys[i]
          let want = QuantModel.requantize(Int64(x), zin: zin, m: mult, s: shift, zout: zout, qmin: qmin, qmax: qmax)
          if got != want {
            failures += 1
            if failures <= 3 { Issue.record("requantize \(x) (zin \(zin), M \(mult), s \(shift), zout \(zout)) → \(out): \(got), expected \(want)") }
          }
        }
      }
    }
    #expect(failures == 0)
  }

  @Test func requantizeEveryAccumulatorInASweep() {
    // Every value in [-2^20, 2^20], and the edges of the int32 range.
    var values = (Int32(-(1 << 20))...Int32(1 << 20)).map { $0 }
    for e in 0..<4096 { values += [Int32.min + Int32(e), Int32.max - Int32(e)] }
    for e in 21..<31 { values += [Int32(1) << e, -(Int32(1) << e), (Int32(1) << e) - 1, -(Int32(1) << e) + 1] }
    for (mult, shift) in Self.multipliers {
      checkRequantize(values, out: .i8, zin: 0, zout: -3, mult: mult, shift: shift)
    }
    // Other output types and zero points, and a non-zero input zero point (128-bit path).
    for (mult, shift) in [Self.multipliers[3], Self.multipliers[10], Self.multipliers[14]] {
      checkRequantize(values, out: .u8, zin: 0, zout: 131, mult: mult, shift: shift)
      checkRequantize(values, out: .i16, zin: 0, zout: 7, mult: mult, shift: shift)
      checkRequantize(values, out: .u16, zin: 0, zout: 40000, mult: mult, shift: shift)
      checkRequantize(values, out: .i8, zin: Int32.max, zout: 0, mult: mult, shift: shift)
      checkRequantize(values, out: .i8, zin: -12345, zout: 5, mult: mult, shift: shift)
    }
  }

  @Test func requantizeHalvesRoundTowardPlusInfinity() {
    // M = 2^30, s = 31: y = floor(x / 2 + 1/2).
    checkRequantize(Array(-9...9), out: .i8, zin: 0, zout: 0, mult: 1 << 30, shift: 31)
    var y = [Int8](repeating: 0, count: 6)
    var zin: Int32 = 0, m: Int32 = 1 << 30, s: Int32 = 31, zout: Int32 = 0
    let x: [Int32] = [-3, -1, 1, 3, 5, -5]
    qcc_requantize(QCC_QTYPE_I32, x, QCC_QTYPE_I8, &y, 1, 1, 6, &zin, &m, &s, &zout, -128, 127)
    #expect(y == [-1, 0, 1, 2, 3, -2])
  }

  @Test func requantizeWideAndNarrowInputs() {
    // i64 accumulators near the int64 limits, i16 and u8 values with zero points, per channel.
    let x64: [Int64] = [Int64.min, Int64.min + 1, -(1 << 40), -5, 0, 5, 1 << 40, Int64.max - 1, Int64.max] + Q.random(200, in: -(1 << 50)...(1 << 50), seed: 9)
    for (mult, shift) in Self.multipliers {
      for zin: Int32 in [0, 3, -7] {
        var out = [Int16](repeating: 0, count: x64.count)
        var zi = [zin], m = [mult], s = [shift], zo: [Int32] = [11]
        qcc_requantize(QCC_QTYPE_I64, x64, QCC_QTYPE_I16, &out, 1, 1, Int64(x64.count), &zi, &m, &s, &zo, -32768, 32767)
        for (v, got) in zip(x64, out) {
          #expect(Int32(got) == QuantModel.requantize(v, zin: zin, m: mult, s: shift, zout: 11, qmin: -32768, qmax: 32767))
        }
      }
    }
    // Per channel: [2, 3, 4] along axis 1, i16 in, i8 out with a narrowed range.
    let values = Q.random(24, in: -32768...32767, seed: 3)
    let x = values.map { Int16($0) }
    var zin: [Int32] = [5, -9, 0], m: [Int32] = [1 << 30, 1_500_000_000, 1_100_000_000], s: [Int32] = [31, 40, 36]
    var zout: [Int32] = [0, 3, -4]
    var y = [Int8](repeating: 0, count: 24)
    qcc_requantize(QCC_QTYPE_I16, x, QCC_QTYPE_I8, &y, 2, 3, 4, &zin, &m, &s, &zout, -127, 127)
    for i in 0..<24 {
      let ch = (i / 4) % 3
      #expect(Int32(y[i]) == QuantModel.requantize(values[i], zin: zin[ch], m: m[ch], s: s[ch], zout: zout[ch], qmin: -127, qmax: 127))
    }
  }

  // MARK: Quantize and dequantize

  static let quantizeScales: [Float] = [1, 0.5, 0.1, 0.0417, 1.0 / 3, 7.5, 3e-4, 1e-38, Float.leastNonzeroMagnitude * 3]

  /// Quantizes `x` per tensor to `type` with the kernel and checks every element against the model.
  func checkQuantize(_ x: [Float], _ type: ElementType, scale: Float, zp: Int32, range: ClosedRange<Int64>? = nil) {
    let r = range ?? type.integerRange!
    let (qmin, qmax) = (Int32(r.lowerBound), Int32(r.upperBound))
    let out = TensorData(elementType: type, shape: [x.count]) { dst in
      var s = scale, z = zp
      qcc_quantize_f32(QuantizedOps.kernelType(type)!, dst.baseAddress, x, 1, 1, Int64(x.count), 0, &s, &z, qmin, qmax)
    }
    let got = out.doubles()
    var failures = 0
    for (i, v) in x.enumerated() {
      let want = QuantModel.quantize(v, scale: scale, zp: zp, qmin: qmin, qmax: qmax)
      if Double(want) != got[i] {
        failures += 1
        if failures <= 3 { Issue.record("quantize \(v) (bits \(String(v.bitPattern, radix: 16))) / \(scale) + \(zp) → \(type): \(got[i]), expected \(want)") }
      }
    }
    #expect(failures == 0)
  }

  /// A dense sweep of f32 bit patterns (every 4099th), specials, denormals, and every
  /// halfway case x = (n + 1/2) × scale with neighbours, for n across the type's range.
  static func quantizeInputs(_ type: ElementType, scale: Float, stride step: UInt64 = 4099) -> [Float] {
    var x: [Float] = [.nan, -.nan, .infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                      .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                      Float(bitPattern: 0x7FC0_0001), Float(bitPattern: 0xFFA0_0000)]
    var bits: UInt64 = 0
    while bits < 1 << 32 {
      x.append(Float(bitPattern: UInt32(bits)))
      bits += step
    }
    let r = type.integerRange!
    for n in (r.lowerBound - 3)...(r.upperBound + 3) {
      for v in [Float(n), Float(n) + 0.5, Float(n) - 0.5] {
        var y = v * scale
        x.append(y)
        for _ in 0..<3 { y = y.nextUp; x.append(y) }
        y = v * scale
        for _ in 0..<3 { y = y.nextDown; x.append(y) }
      }
    }
    return x
  }

  @Test(arguments: [ElementType.i8, .u8, .i4, .u4])
  func quantizeSweep(_ type: ElementType) {
    // Every 4099th bit pattern for two scales, every 65521st for the others.
    for scale in Self.quantizeScales {
      let x = Self.quantizeInputs(type, scale: scale, stride: [1, 0.0417].contains(scale) ? 4099 : 65521)
      let r = type.integerRange!
      checkQuantize(x, type, scale: scale, zp: 0)
      checkQuantize(x, type, scale: scale, zp: Int32(r.lowerBound + (r.upperBound - r.lowerBound) / 3))
    }
    if type == .i8 { checkQuantize(Self.quantizeInputs(.i8, scale: 0.02), .i8, scale: 0.02, zp: 0, range: -127...127) }
  }

  @Test(arguments: [ElementType.i16, .u16])
  func quantizeSweep16(_ type: ElementType) {
    for scale: Float in [1, 0.1, 3e-4] {
      let x = Self.quantizeInputs(type, scale: scale, stride: scale == 1 ? 4099 : 65521)
      checkQuantize(x, type, scale: scale, zp: type == .i16 ? -1234 : 30000)
    }
  }

  @Test func halfwayCasesRoundToEven() {
    let x: [Float] = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 126.5, 127.5, -128.5, 3.4999998]
    let out = TensorData(elementType: .i8, shape: [x.count]) { dst in
      var s: Float = 1, z: Int32 = 0
      qcc_quantize_f32(QCC_QTYPE_I8, dst.baseAddress, x, 1, 1, Int64(x.count), 0, &s, &z, -128, 127)
    }
    #expect(out.integers()! == [0, 2, 2, 0, -2, -2, 126, 127, -128, 3])
  }

  @Test func dequantizeEveryValue() {
    for (type, zp) in [(ElementType.i8, Int32(-5)), (.u8, 128), (.i4, 2), (.u4, 8), (.i16, 77), (.u16, 40000)] {
      let r = type.integerRange!
      let values = Array(r.lowerBound...r.upperBound)
      let q = Q.ints(type, [values.count], values)
      for scale: Float in [1, 0.0417, 3e-7, 1e30] {
        var s = scale, z = zp
        let x = [Float](unsafeUninitializedCapacity: values.count) { buf, n in
          qcc_dequantize_f32(QuantizedOps.kernelType(type)!, buf.baseAddress!, q.rawPointer, 1, 1, Int64(values.count), 0, &s, &z)
          n = values.count
        }
        for (v, got) in zip(values, x) {
          #expect(got.bitPattern == QuantModel.dequantize(v, scale: scale, zp: zp).bitPattern)
        }
      }
    }
    // Accumulators: i32 and i64 with zero point 0, per channel along axis 1 of [2, 3, 2].
    let acc: [Int32] = [Int32.min, -7, 0, 5, Int32.max, 1 << 24 + 1, -(1 << 25) - 3, 9, 10, 11, 12, 13]
    var scales: [Float] = [0.5, 1e-4, 3], zeros: [Int32] = [0, 0, 0]
    var x = [Float](repeating: 0, count: 12)
    qcc_dequantize_f32(QCC_QTYPE_I32, &x, acc, 2, 3, 2, 0, &scales, &zeros)
    for i in 0..<12 { #expect(x[i] == Float(Int64(acc[i])) * scales[(i / 2) % 3]) }
    let acc64: [Int64] = [Int64.min, -(1 << 40) - 1, 3, Int64.max]
    var one: [Float] = [0.25], zero: [Int32] = [0]
    var y = [Float](repeating: 0, count: 4)
    qcc_dequantize_f32(QCC_QTYPE_I64, &y, acc64, 1, 1, 4, 0, &one, &zero)
    for i in 0..<4 { #expect(y[i] == Float(acc64[i]) * 0.25) }
  }

  @Test func quantizePerAxisAndPerGroupLayouts() {
    // x [2, 6, 3] per axis 1: channel c uses scale[c]; per group of 4 along axis 1: params [2, 2, 3].
    let x = OpsTest.random([2, 6, 3], seed: 4, scale: 3).scalars(as: Float.self)
    let perAxisScales: [Float] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5], perAxisZeros: [Int32] = [0, 1, -1, 2, -2, 3]
    var out = [Int8](repeating: 0, count: 36)
    qcc_quantize_f32(QCC_QTYPE_I8, &out, x, 2, 6, 3, 0, perAxisScales, perAxisZeros, -128, 127)
    for i in 0..<36 {
      let c = (i / 3) % 6
      #expect(Int32(out[i]) == QuantModel.quantize(x[i], scale: perAxisScales[c], zp: perAxisZeros[c], qmin: -128, qmax: 127))
    }
    let groupScales = (0..<12).map { Float($0 + 1) * 0.03 }, groupZeros = (0..<12).map { Int32($0 % 5) - 2 }
    let packed = TensorData(elementType: .i4, shape: [36]) { dst in
      qcc_quantize_f32(QCC_QTYPE_I4, dst.baseAddress, x, 2, 6, 3, 4, groupScales, groupZeros, -8, 7)
    }
    let values = packed.doubles()
    var back = [Float](repeating: 0, count: 36)
    qcc_dequantize_f32(QCC_QTYPE_I4, &back, packed.rawPointer, 2, 6, 3, 4, groupScales, groupZeros)
    for i in 0..<36 {
      let (o, c, j) = (i / 18, (i / 3) % 6, i % 3)
      let p = (o * 2 + c / 4) * 3 + j
      let q = QuantModel.quantize(x[i], scale: groupScales[p], zp: groupZeros[p], qmin: -8, qmax: 7)
      #expect(values[i] == Double(q), "element \(i)")
      #expect(back[i] == QuantModel.dequantize(Int64(q), scale: groupScales[p], zp: groupZeros[p]))
    }
  }

  @Test func perAxisAlongTheLastDimension() {
    // [3, 5] per channel along axis 1 (inner 1): each row runs across the channels.
    let x = OpsTest.random([3, 5], seed: 5, scale: 2).scalars(as: Float.self)
    let scales: [Float] = [0.01, 0.02, 0.03, 0.04, 0.05], zeros: [Int32] = [1, -1, 2, -2, 0]
    var q = [Int8](repeating: 0, count: 15)
    qcc_quantize_f32(QCC_QTYPE_I8, &q, x, 3, 5, 1, 0, scales, zeros, -128, 127)
    var back = [Float](repeating: 0, count: 15)
    qcc_dequantize_f32(QCC_QTYPE_I8, &back, q, 3, 5, 1, 0, scales, zeros)
    for i in 0..<15 {
      let want = QuantModel.quantize(x[i], scale: scales[i % 5], zp: zeros[i % 5], qmin: -128, qmax: 127)
      #expect(Int32(q[i]) == want)
      #expect(back[i] == QuantModel.dequantize(Int64(want), scale: scales[i % 5], zp: zeros[i % 5]))
    }
    // Requantize per channel along the last axis, with and without input zero points (64- and 128-bit paths).
    let acc = Q.random(15, in: -(1 << 30)...(1 << 30), seed: 6).map { Int32($0) }
    let m: [Int32] = [1 << 30, 1_500_000_000, 1_234_567_890, 2_000_000_000, 1_100_000_000], s: [Int32] = [31, 40, 36, 45, 33]
    let zout: [Int32] = [0, 3, -4, 5, -6]
    for zin in [nil, [Int32](arrayLiteral: 1, -2, 3, Int32.max, Int32.min)] {
      var y = [Int8](repeating: 0, count: 15)
      withOptional(zin) { z in qcc_requantize(QCC_QTYPE_I32, acc, QCC_QTYPE_I8, &y, 3, 5, 1, z, m, s, zout, -128, 127) }
      for i in 0..<15 {
        let c = i % 5
        #expect(Int32(y[i]) == QuantModel.requantize(Int64(acc[i]), zin: zin?[c] ?? 0, m: m[c], s: s[c], zout: zout[c], qmin: -128, qmax: 127))
      }
    }
    // i32 accumulators per channel along the last axis dequantize exactly.
    let accScales: [Float] = [1e-4, 2e-4, 3e-4, 4e-4, 5e-4]
    var d = [Float](repeating: 0, count: 15)
    qcc_dequantize_f32(QCC_QTYPE_I32, &d, acc, 3, 5, 1, 0, accScales, [0, 0, 0, 0, 0])
    for i in 0..<15 { #expect(d[i] == Float(acc[i]) * accScales[i % 5]) }
  }

  func withOptional(_ v: [Int32]?, _ body: (UnsafePointer<Int32>?) -> Void) {
    guard let v else { return body(nil) }
    v.withUnsafeBufferPointer { body($0.baseAddress) }
  }

  @Test func int4PackingLowNibbleFirst() {
    // 5 values: bytes (v0 | v1 << 4), (v2 | v3 << 4), (v4 | 0 << 4).
    let x: [Float] = [1, -2, 7, -8, 3]
    let packed = TensorData(elementType: .i4, shape: [5]) { dst in
      var s: Float = 1, z: Int32 = 0
      // Garbage in the pad nibble must be cleared.
      dst.storeBytes(of: 0xFF, toByteOffset: 2, as: UInt8.self)
      qcc_quantize_f32(QCC_QTYPE_I4, dst.baseAddress, x, 1, 1, 5, 0, &s, &z, -8, 7)
    }
    #expect(Array(packed.bytes) == [0xE1, 0x87, 0x03])
    let u = TensorData(elementType: .u4, shape: [3]) { dst in
      var s: Float = 1, z: Int32 = 8
      qcc_quantize_f32(QCC_QTYPE_U4, dst.baseAddress, [Float](arrayLiteral: -8, 7, 0), 1, 1, 3, 0, &s, &z, 0, 15)
    }
    #expect(Array(u.bytes) == [0xF0, 0x08])
  }

  // MARK: Integer GEMM

  /// Σₖ (a − za)(b − zb[n]) + bias[n] in Int64.
  static func referenceGemm(
    m: Int, n: Int, k: Int, a: [Int64], za: Int64, b: [Int64], zb: (Int, Int) -> Int64, bias: [Int64]?
  ) -> [Int64] {
    var c = [Int64](repeating: 0, count: m * n)
    for i in 0..<m {
      for j in 0..<n {
        var s = bias?[j] ?? 0
        for t in 0..<k { s += (a[i * k + t] - za) * (b[t * n + j] - zb(t, j)) }
        c[i * n + j] = s
      }
    }
    return c
  }

  @Test func everyInt8ProductWithZeroPoints() {
    // K = 1: a is a column of all 256 values, b a row of all 256 values, so c holds every product.
    for (aType, bType) in [(ElementType.i8, ElementType.i8), (.u8, .i8), (.u8, .u8), (.i8, .u8)] {
      let ra = aType.integerRange!, rb = bType.integerRange!
      let av = Array(ra), bv = Array(rb)
      let a = Q.ints(aType, [256, 1], av), b = Q.ints(bType, [1, 256], bv)
      // 40000: differences beyond 16 bits take the 32-bit tiles.
      for za in [ra.lowerBound, 0, 3, ra.upperBound, 40000] {
        let zb = (0..<256).map { rb.lowerBound + Int64(($0 * 37) % 256) }
        let zaV = [Int32(za)], zbV = zb.map { Int32($0) }
        var bias = (0..<256).map { Int32($0 * 1000 - 128_000) }
        var c = [Int32](repeating: 0, count: 256 * 256)
        let ma = QMatrix(QuantizedOps.kernelType(aType)!, a, ld: 1, zeros: zaV, layout: QCC_ZP_SCALAR, group: 0)
        let mb = QMatrix(QuantizedOps.kernelType(bType)!, b, ld: 256, zeros: zbV, layout: QCC_ZP_PER_COL, group: 0)
        qcc_qgemm_i32(256, 256, 1, &ma.matrix, &mb.matrix, &bias, &c, 256)
        var failures = 0
        for i in 0..<256 {
          for j in 0..<256 where Int64(c[i * 256 + j]) != (av[i] - za) * (bv[j] - zb[j]) + Int64(bias[j]) {
            failures += 1
          }
        }
        #expect(failures == 0, "\(aType) x \(bType), za \(za)")
      }
    }
  }

  @Test func everyInt4AndInt16Product() {
    // 4-bit b (packed), i8 a: all 256 × 16 pairs; i16 a × i4 b into int64.
    for bType in [ElementType.i4, .u4] {
      let rb = bType.integerRange!
      let bv = Array(rb)
      let b = Q.ints(bType, [1, 16], bv)
      let av = Array(Int64(-128)...127)
      let a = Q.ints(.i8, [256, 1], av)
      let za: [Int32] = [-3], zb: [Int32] = [bType == .i4 ? 1 : 8]
      var c = [Int32](repeating: 0, count: 256 * 16)
      let ma = QMatrix(QCC_QTYPE_I8, a, ld: 1, zeros: za, layout: QCC_ZP_SCALAR, group: 0)
      let mb = QMatrix(QuantizedOps.kernelType(bType)!, b, ld: 16, zeros: zb, layout: QCC_ZP_SCALAR, group: 0)
      qcc_qgemm_i32(256, 16, 1, &ma.matrix, &mb.matrix, nil, &c, 16)
      #expect(c == Self.referenceGemm(m: 256, n: 16, k: 1, a: av, za: -3, b: bv, zb: { _, _ in Int64(zb[0]) }, bias: nil).map { Int32($0) })
      let a16v = Array(stride(from: Int64(-32768), through: 32767, by: 257)) + [32767]
      let a16 = Q.ints(.i16, [a16v.count, 1], a16v)
      let z16: [Int32] = [-32768]
      var c64 = [Int64](repeating: 0, count: a16v.count * 16)
      let m16 = QMatrix(QCC_QTYPE_I16, a16, ld: 1, zeros: z16, layout: QCC_ZP_SCALAR, group: 0)
      qcc_qgemm_i64(Int64(a16v.count), 16, 1, &m16.matrix, &mb.matrix, nil, &c64, 16)
      #expect(c64 == Self.referenceGemm(m: a16v.count, n: 16, k: 1, a: a16v, za: -32768, b: bv, zb: { _, _ in Int64(zb[0]) }, bias: nil))
    }
  }

  /// Random GEMMs across the tile edges: strided rows, per-column and per-group zero points.
  @Test(arguments: [(1, 1, 1), (3, 5, 7), (17, 130, 65), (64, 257, 129), (2, 300, 200)])
  func randomGemmsMatchTheReference(_ shape: (Int, Int, Int)) {
    let (m, n, k) = shape
    let lda = k + 3, ldb = n + 5, ldc = n + 2
    let av = Q.random(m * lda, in: 0...255, seed: UInt64(m * 7 + n))
    let bv = Q.random(k * ldb, in: -127...127, seed: UInt64(k * 11 + n))
    let a = Q.ints(.u8, [m * lda], av), b = Q.ints(.i8, [k * ldb], bv)
    let dense = { (v: [Int64], rows: Int, cols: Int, ld: Int) in (0..<rows).flatMap { r in v[(r * ld)..<(r * ld + cols)] } }
    let ad = dense(av, m, k, lda), bd = dense(bv, k, n, ldb)
    let za: [Int32] = [77]
    var bias = Q.random(n, in: -100_000...100_000, seed: 5).map { Int32($0) }
    // Per column; then per group of 16 along K ([ceil(K/16), N] zero points).
    let zbCol = Q.random(n, in: -20...20, seed: 6).map { Int32($0) }
    let groups = (k + 15) / 16
    let zbGroup = Q.random(groups * n, in: -8...8, seed: 7).map { Int32($0) }
    for (layout, zb, zbAt) in [
      (QCC_ZP_PER_COL, zbCol, { (_: Int, j: Int) in Int64(zbCol[j]) }),
      (QCC_ZP_ROW_GROUPS, zbGroup, { (t: Int, j: Int) in Int64(zbGroup[(t / 16) * n + j]) }),
    ] {
      let zbV = zb
      var c = [Int32](repeating: -1, count: m * ldc)
      let ma = QMatrix(QCC_QTYPE_U8, a, ld: lda, zeros: za, layout: QCC_ZP_SCALAR, group: 0)
      let mb = QMatrix(QCC_QTYPE_I8, b, ld: ldb, zeros: zbV, layout: layout, group: 16)
      qcc_qgemm_i32(Int64(m), Int64(n), Int64(k), &ma.matrix, &mb.matrix, &bias, &c, Int64(ldc))
      let want = Self.referenceGemm(m: m, n: n, k: k, a: ad, za: 77, b: bd, zb: zbAt, bias: bias.map(Int64.init))
      for i in 0..<m {
        #expect(c[(i * ldc)..<(i * ldc + n)].map(Int64.init) == Array(want[(i * n)..<(i * n + n)]))
        #expect(c[(i * ldc + n)..<(i * ldc + ldc)].allSatisfy { $0 == -1 }, "wrote past row \(i)")
      }
    }
  }

  @Test func batchedGemmBroadcastsAndPerRowZeroPoints() {
    // c[b] = (a[b] − za) × (bm[b % 1] − zb): b broadcast over a batch of 3, i16 × i16 into int64.
    let (m, n, k) = (4, 5, 6)
    let av = Q.random(3 * m * k, in: -32768...32767, seed: 1), bv = Q.random(k * n, in: -32768...32767, seed: 2)
    let a = Q.ints(.i16, [3 * m * k], av), b = Q.ints(.i16, [k * n], bv)
    let za: [Int32] = [-100], zb: [Int32] = [50]
    var c = [Int64](repeating: 0, count: 3 * m * n)
    let ma = QMatrix(QCC_QTYPE_I16, a, ld: k, zeros: za, layout: QCC_ZP_SCALAR, group: 0)
    let mb = QMatrix(QCC_QTYPE_I16, b, ld: n, zeros: zb, layout: QCC_ZP_SCALAR, group: 0)
    let shape: [Int64] = [3], sa: [Int64] = [Int64(m * k)], sb: [Int64] = [0], sc: [Int64] = [Int64(m * n)]
    qcc_qgemm_batched_i64(Int64(m), Int64(n), Int64(k), &ma.matrix, &mb.matrix, nil, &c, Int64(n), 1, shape, sa, sb, sc)
    for p in 0..<3 {
      let want = Self.referenceGemm(
        m: m, n: n, k: k, a: Array(av[(p * m * k)..<((p + 1) * m * k)]), za: -100, b: bv, zb: { _, _ in 50 }, bias: nil)
      #expect(Array(c[(p * m * n)..<((p + 1) * m * n)]) == want)
    }
    // Per-row a zero points (the conv weight side).
    let zrow: [Int32] = [1, -2, 3, -4]
    let ma2 = QMatrix(QCC_QTYPE_I16, a, ld: k, zeros: zrow, layout: QCC_ZP_PER_ROW, group: 0)
    var c2 = [Int64](repeating: 0, count: m * n)
    qcc_qgemm_i64(Int64(m), Int64(n), Int64(k), &ma2.matrix, &mb.matrix, nil, &c2, Int64(n))
    for i in 0..<m {
      for j in 0..<n {
        var s: Int64 = 0
        for t in 0..<k { s += (av[i * k + t] - Int64(zrow[i])) * (bv[t * n + j] - 50) }
        #expect(c2[i * n + j] == s)
      }
    }
  }

  @Test func int32AccumulatorWrapsInsteadOfTrapping() {
    // K = 70000 products of 255 × 255 overflow int32: the kernel wraps (lowering keeps K ≤ 33025).
    let k = 70000
    let a = Q.ints(.u8, [k], [Int64](repeating: 255, count: k)), b = Q.ints(.u8, [k], [Int64](repeating: 255, count: k))
    let z: [Int32] = [0]
    var c: Int32 = 0
    let ma = QMatrix(QCC_QTYPE_U8, a, ld: k, zeros: z, layout: QCC_ZP_SCALAR, group: 0)
    let mb = QMatrix(QCC_QTYPE_U8, b, ld: 1, zeros: z, layout: QCC_ZP_SCALAR, group: 0)
    qcc_qgemm_i32(1, 1, Int64(k), &ma.matrix, &mb.matrix, nil, &c, 1)
    #expect(c == Int32(truncatingIfNeeded: Int64(k) * 255 * 255))
  }

  // MARK: Integer add and multiply

  @Test func everyInt8PairAddsAndMultiplies() {
    // All 256 × 256 pairs: a is [256, 1], b is [1, 256], broadcast to [256, 256].
    let av = Array(Int64(-128)...127), bv = Array(Int64(0)...255)
    let a = Q.ints(.i8, [256], av), b = Q.ints(.u8, [256], bv)
    let shape: [Int64] = [256, 256], sa: [Int64] = [1, 0], sb: [Int64] = [0, 1]
    let cases: [(Float, Int32, Float, Int32, Float, Int32)] = [
      (0.05, -3, 0.02, 128, 0.07, 5), (1, 0, 1, 0, 1, 0), (0.5, 10, 0.25, 0, 0.001, -128), (0.0417, -128, 3.1, 17, 0.9, 127),
      (1e-3, 0, 1e-3, 255, 2e-3, 0), (100, 1, 0.01, 100, 0.5, 0),
    ]
    for (sa_, za, sb_, zb, sy, zy) in cases {
      let ma = qcc_qadd_multiplier(sa_, sy), mb = qcc_qadd_multiplier(sb_, sy), mm = qcc_qmul_multiplier(sa_, sb_, sy)
      var add = [Int8](repeating: 0, count: 65536), mul = [Int8](repeating: 0, count: 65536)
      qcc_qadd(QCC_QTYPE_I8, &add, zy, -128, 127, QCC_QTYPE_I8, a.rawPointer, sa, za, ma, QCC_QTYPE_U8, b.rawPointer, sb, zb, mb, shape, 2)
      qcc_qmul(QCC_QTYPE_I8, &mul, zy, -128, 127, QCC_QTYPE_I8, a.rawPointer, sa, za, QCC_QTYPE_U8, b.rawPointer, sb, zb, mm, shape, 2)
      var failures = 0
      for i in 0..<256 {
        for j in 0..<256 {
          let wantAdd = QuantModel.add(av[i], za, ma, bv[j], zb, mb, zy: zy, qmin: -128, qmax: 127)
          let wantMul = QuantModel.mul(av[i], za, bv[j], zb, mm, zy: zy, qmin: -128, qmax: 127)
          if Int32(add[i * 256 + j]) != wantAdd || Int32(mul[i * 256 + j]) != wantMul { failures += 1 }
        }
      }
      #expect(failures == 0, "scales \(sa_) \(sb_) \(sy)")
    }
  }

  @Test func hugeMultipliersTakeTheExactPath() {
    // Multipliers near 2^62 (ratios of 2^32) overflow 64 bits: the 128-bit path must agree with the model.
    let av = Q.random(500, in: -32768...32767, seed: 11), bv = Q.random(500, in: -32768...32767, seed: 12)
    let a = Q.ints(.i16, [500], av), b = Q.ints(.i16, [500], bv)
    let shape: [Int64] = [500], s1: [Int64] = [1]
    for (ma, mb) in [(Int64(1) << 62, Int64(1) << 62), (Int64(1) << 50, -0 + (Int64(1) << 45) + 12345), (3, Int64(1) << 61)] {
      var y = [Int16](repeating: 0, count: 500)
      qcc_qadd(QCC_QTYPE_I16, &y, 9, -32768, 32767, QCC_QTYPE_I16, a.rawPointer, s1, -7, ma, QCC_QTYPE_I16, b.rawPointer, s1, 3, mb, shape, 1)
      for i in 0..<500 { #expect(Int32(y[i]) == QuantModel.add(av[i], -7, ma, bv[i], 3, mb, zy: 9, qmin: -32768, qmax: 32767)) }
      qcc_qmul(QCC_QTYPE_I16, &y, 9, -32768, 32767, QCC_QTYPE_I16, a.rawPointer, s1, -7, QCC_QTYPE_I16, b.rawPointer, s1, 3, ma, shape, 1)
      for i in 0..<500 { #expect(Int32(y[i]) == QuantModel.mul(av[i], -7, bv[i], 3, ma, zy: 9, qmin: -32768, qmax: 32767)) }
    }
    // Small values whose product rounds exactly at a half: floor(x + 1/2) rounds up.
    let x = Q.ints(.i8, [4], [1, -1, 3, -3]), one = Q.ints(.i8, [1], [1])
    var y = [Int8](repeating: 0, count: 4)
    qcc_qmul(QCC_QTYPE_I8, &y, 0, -128, 127, QCC_QTYPE_I8, x.rawPointer, s1, 0, QCC_QTYPE_I8, one.rawPointer, [0], 0, 1 << 29, [4], 1)
    #expect(y == [1, 0, 2, -1])
  }
}
