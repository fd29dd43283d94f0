import QCCIR
import QCCKernels
import Testing

@testable import QCCOps

/// The qcc.* integer ops: types, parameters, and results against integer
/// references computed here from docs/quantization.md.
@Suite struct QuantizedOpTests {
  // MARK: quantize, dequantize, requantize

  @Test func quantizeNeedsADeclaredType() throws {
    var node = QuantizedNode()
    node.input(OpsTest.f32([4], [0, 1, 2, 3]))
    #expect(node.error("qcc.quantize") == "qcc.quantize needs a declared quantized result type")
    #expect(node.error("qcc.quantize", result: TensorType(.i8, [4])) == "qcc.quantize needs a declared quantized result type")
    let q = try node.run("qcc.quantize", result: TensorType(Q.tensor(.i8, 0.5, 1), Shape([4])))[0]
    #expect(q.elementType == .i8 && q.integers()! == [1, 3, 5, 7])
    // The declared shape must match, and only f32 quantizes.
    #expect(node.error("qcc.quantize", result: TensorType(Q.tensor(.i8, 0.5, 1), Shape([5])))?.contains("does not match") == true)
    var ints = QuantizedNode()
    ints.input(Q.ints(.i32, [2], [1, 2]))
    #expect(ints.error("qcc.quantize", result: TensorType(Q.tensor(.i8, 0.5, 1), Shape([2])))?.contains("must be f32") == true)
    // Accumulator storage and zero points out of range are rejected.
    #expect(node.error("qcc.quantize", result: TensorType(Q.tensor(.i32, 0.5, 0), Shape([4])))?.contains("cannot quantize to i32") == true)
    #expect(node.error("qcc.quantize", result: TensorType(Q.tensor(.i8, 0.5, 200), Shape([4])))?.contains("zero point 200") == true)
    // The inferred type is the declared one, with the input's shape where the declared shape is unknown.
    let inferred = try node.infer("qcc.quantize", result: TensorType(Q.tensor(.u8, 0.5, 1), .unranked))
    #expect(inferred == [TensorType(Q.tensor(.u8, 0.5, 1), Shape([4]))])
  }

  @Test func quantizeAndDequantizeMatchTheModel() throws {
    let x = OpsTest.random([3, 8], seed: 7, scale: 4).scalars(as: Float.self) + [.nan, .infinity, -.infinity, 0.25]
    let input = OpsTest.f32([28], x)
    for (storage, scale, zp, range) in [
      (ElementType.i8, Float(0.03), 5, Optional<ClosedRange<Int64>>.none), (.u8, 0.02, 128, nil), (.i16, 1e-3, -7, nil),
      (.u16, 2e-4, 30000, nil), (.i4, 0.5, 0, nil), (.u4, 0.6, 8, nil), (.i8, 0.03, 0, -127...127),
    ] {
      let element = Q.tensor(storage, scale, zp, range: range)
      var node = QuantizedNode()
      node.input(input)
      let q = try node.run("qcc.quantize", result: TensorType(element, Shape([28])))[0]
      #expect(q.elementType == storage)
      let r = range ?? storage.integerRange!
      let want = x.map { QuantModel.quantize($0, scale: scale, zp: Int32(zp), qmin: Int32(r.lowerBound), qmax: Int32(r.upperBound)) }
      #expect(q.doubles() == want.map(Double.init), "\(storage)")
      var back = QuantizedNode()
      back.input(q, element)
      let d = try back.run("qcc.dequantize")[0]
      #expect(d.elementType == .f32)
      #expect(d.scalars(as: Float.self) == want.map { QuantModel.dequantize(Int64($0), scale: scale, zp: Int32(zp)) })
    }
  }

  @Test func perAxisAndPerGroupQuantization() throws {
    // w [4, 3]: per output channel along axis 1; per group of 2 along axis 0 (i4, params [2, 3]).
    let w = OpsTest.random([4, 3], seed: 3, scale: 2)
    let values = w.scalars(as: Float.self)
    var node = QuantizedNode()
    node.parameter("s", OpsTest.f32([3], [0.01, 0.02, 0.04]))
    node.parameter("z", Q.ints(.i32, [3], [0, 1, -1]))
    node.parameter("gs", OpsTest.f32([2, 3], [0.3, 0.2, 0.5, 0.25, 0.4, 0.3]))
    node.parameter("gz", Q.ints(.i32, [2, 3], [0, 1, -1, 2, 0, -2]))
    node.input(w)
    let q = try node.run("qcc.quantize", result: TensorType(Q.axis(.i8, 1, "s", "z"), Shape([4, 3])))[0]
    let s: [Float] = [0.01, 0.02, 0.04], z: [Int32] = [0, 1, -1]
    let perAxis: [Double] = (0..<12).map { Double(QuantModel.quantize(values[$0], scale: s[$0 % 3], zp: z[$0 % 3], qmin: -128, qmax: 127)) }
    #expect(q.doubles() == perAxis)
    let g = try node.run("qcc.quantize", result: TensorType(Q.group(.i4, 0, 2, "gs", "gz"), Shape([4, 3])))[0]
    let gs: [Float] = [0.3, 0.2, 0.5, 0.25, 0.4, 0.3], gz: [Int32] = [0, 1, -1, 2, 0, -2]
    let parameterIndex: (Int) -> Int = { i in (i / 6) * 3 + i % 3 }
    let gq: [Int32] = (0..<12).map { i in
      QuantModel.quantize(values[i], scale: gs[parameterIndex(i)], zp: gz[parameterIndex(i)], qmin: -8, qmax: 7)
    }
    #expect(g.elementType == .i4 && g.byteCount == 6)
    #expect(g.doubles() == gq.map(Double.init))
    // Dequantize reads the same layout back.
    var back = node
    back.operands = []
    back.data = []
    back.input(g, Q.group(.i4, 0, 2, "gs", "gz"))
    let d = try back.run("qcc.dequantize")[0]
    let dequantized: [Float] = (0..<12).map { i in
      QuantModel.dequantize(Int64(gq[i]), scale: gs[parameterIndex(i)], zp: gz[parameterIndex(i)])
    }
    #expect(d.scalars(as: Float.self) == dequantized)
    // Wrong parameter counts and layouts.
    #expect(node.error("qcc.quantize", result: TensorType(Q.axis(.i8, 0, "s", "z"), Shape([4, 3])))?.contains("3 scales for 4 channels") == true)
    #expect(node.error("qcc.quantize", result: TensorType(Q.group(.i4, 1, 2, "gs", "gz"), Shape([4, 3])))?.contains("need [4, 2]") == true)
    #expect(node.error("qcc.quantize", result: TensorType(Q.axis(.i8, 1, "nope", "z"), Shape([4, 3])))?.contains("#nope") == true)
  }

  @Test func int4RoundTripThroughTheOps() throws {
    // Every i4 value survives quantize → dequantize → quantize (odd length: a pad nibble).
    let values = (-8...7).map { Float($0) * 0.25 } + [0.3]
    var node = QuantizedNode()
    node.input(OpsTest.f32([17], values))
    let element = Q.tensor(.i4, 0.25, 0)
    let q = try node.run("qcc.quantize", result: TensorType(element, Shape([17])))[0]
    #expect(q.byteCount == 9 && q.bytes[8] >> 4 == 0)
    #expect(q.doubles() == (-8...7).map(Double.init) + [1])
    var back = QuantizedNode()
    back.input(q, element)
    let d = try back.run("qcc.dequantize")[0]
    var again = QuantizedNode()
    again.input(d)
    let q2 = try again.run("qcc.quantize", result: TensorType(element, Shape([17])))[0]
    #expect(q2.isIdentical(to: q))
  }

  @Test func elidedParametersInferButDoNotRun() throws {
    // A module printed with elided constants still type-checks; it cannot run.
    var node = QuantizedNode()
    node.graph.parameters["s"] = .elided(digest: "00")
    node.graph.parameters["z"] = .elided(digest: "01")
    node.input(Q.ints(.i8, [2, 3], [1, 2, 3, 4, 5, 6]), Q.axis(.i8, 1, "s", "z"))
    #expect(try node.infer("qcc.dequantize") == [TensorType(.f32, [2, 3])])
    #expect(node.error("qcc.dequantize")?.contains("are not f32 scales and integer zero points") == true)
  }

  @Test func dequantizeNeedsAQuantizedOperand() {
    var node = QuantizedNode()
    node.input(Q.ints(.i8, [2], [1, 2]))
    #expect(node.error("qcc.dequantize") == "qcc.dequantize: operand 0 is not quantized (tensor<2xi8>)")
  }

  @Test func requantizeAccumulatorsPerChannel() throws {
    // acc [2, 3] i32 per axis 1 with scales sa × sb[n]; to i8 per tensor.
    let acc: [Int64] = [100_000, -3, 77_777, Int64(Int32.min), 0, Int64(Int32.max)]
    let accScales: [Float] = [1e-4, 3e-5, 2.5e-3]
    var node = QuantizedNode()
    node.parameter("acc.s", OpsTest.f32([3], accScales))
    node.parameter("acc.z", Q.ints(.i32, [3], [0, 0, 0]))
    node.input(Q.ints(.i32, [2, 3], acc), Q.axis(.i32, 1, "acc.s", "acc.z"))
    let y = try node.run("qcc.requantize", result: TensorType(Q.tensor(.i8, 0.05, -4), Shape([2, 3])))[0]
    let want = acc.enumerated().map { (i, v) -> Double in
      let (m, s) = QuantModel.multiplier(Double(accScales[i % 3]) / Double(Float(0.05)))
      return Double(QuantModel.requantize(v, zin: 0, m: m, s: s, zout: -4, qmin: -128, qmax: 127))
    }
    #expect(y.doubles() == want)
    // i8 → u8 per tensor, with zero points on both sides.
    var small = QuantizedNode()
    small.input(Q.ints(.i8, [5], [-128, -1, 0, 1, 127]), Q.tensor(.i8, 0.1, 3))
    let u = try small.run("qcc.requantize", result: TensorType(Q.tensor(.u8, 0.07, 120), Shape([5])))[0]
    let (m, s) = QuantModel.multiplier(Double(Float(0.1)) / Double(Float(0.07)))
    #expect(u.doubles() == [-128, -1, 0, 1, 127].map { Double(QuantModel.requantize($0, zin: 3, m: m, s: s, zout: 120, qmin: 0, qmax: 255)) })
    // Errors: no declared type, 4-bit, per group, axis disagreement.
    #expect(small.error("qcc.requantize") == "qcc.requantize needs a declared quantized result type")
    #expect(small.error("qcc.requantize", result: TensorType(Q.tensor(.i32, 0.1, 0), Shape([5])))?.contains("cannot requantize to i32") == true)
    #expect(node.error("qcc.requantize", result: TensorType(Q.axis(.i8, 0, "acc.s", "acc.z"), Shape([2, 3])))?.contains("they must agree") == true)
  }

  // MARK: qcc.matmul

  /// An integer matmul of [batch…, M, K] × [K, N] in Int64, b's zero point per column.
  static func referenceMatMul(_ a: [Int64], _ za: Int64, _ b: [Int64], _ zb: [Int64], bias: [Int64]?, rows: Int, k: Int, n: Int) -> [Int64] {
    var out: [Int64] = []
    for r in 0..<rows {
      for j in 0..<n {
        var s = bias?[j] ?? 0
        for t in 0..<k { s += (a[r * k + t] - za) * (b[t * n + j] - zb[zb.count == 1 ? 0 : j]) }
        out.append(s)
      }
    }
    return out
  }

  /// A matmul node: a [2, 3, 4] u8 (scale 0.05, zp 130), b [4, 5] i8 per axis 1, and its accumulator type.
  static func matMulNode(bias: Bool = true, folded: Bool = false) -> (QuantizedNode, TensorType, [Int64]) {
    let av = Q.random(24, in: 0...255, seed: 1), bv = Q.random(20, in: -127...127, seed: 2)
    let sb: [Float] = [0.01, 0.02, 0.03, 0.04, 0.05], zb: [Int64] = [0, 3, -3, 5, 0]
    var node = QuantizedNode()
    node.parameter("w.s", OpsTest.f32([5], sb))
    node.parameter("w.z", Q.ints(.i32, [5], zb))
    node.parameter("acc.s", OpsTest.f32([5], sb.map { Float(0.05) * $0 }))
    node.parameter("acc.z", Q.ints(.i32, [5], [0, 0, 0, 0, 0]))
    node.input(Q.ints(.u8, [2, 3, 4], av), Q.tensor(.u8, 0.05, 130))
    node.constant(Q.ints(.i8, [4, 5], bv), Q.axis(.i8, 1, "w.s", "w.z"))
    var biasValues = Q.random(5, in: -1000...1000, seed: 3)
    if folded {
      // −za × Σₖ (b − zb) folded in: the product then sums a × (b − zb).
      for j in 0..<5 { biasValues[j] -= 130 * (0..<4).map { bv[$0 * 5 + j] - zb[j] }.reduce(0, +) }
    }
    if bias { node.constant(Q.ints(.i32, [5], biasValues)) }
    let acc = TensorType(Q.axis(.i32, 2, "acc.s", "acc.z"), Shape([2, 3, 5]))
    let want = referenceMatMul(av, 130, bv, zb, bias: bias ? Q.random(5, in: -1000...1000, seed: 3) : nil, rows: 6, k: 4, n: 5)
    return (node, acc, want)
  }

  @Test func matMulWithZeroPointsAndBias() throws {
    for bias in [false, true] {
      let (node, acc, want) = Self.matMulNode(bias: bias)
      let y = try node.run("qcc.matmul", result: acc)[0]
      #expect(y.elementType == .i32 && y.shape == [2, 3, 5])
      #expect(y.integers()! == want)
    }
    // zero_point_folded: the activation zero point lives in the bias; same result.
    let (folded, acc, want) = Self.matMulNode(folded: true)
    #expect(try folded.run("qcc.matmul", result: acc, attributes: [("zero_point_folded", .int(1))])[0].integers()! == want)
  }

  @Test func matMulBatchesVectorsAndWideAccumulators() throws {
    // Attention-style: both operands activations with batch dims, broadcast [2, 1, 3, 4] × [3, 4, 2].
    let av = Q.random(24, in: -128...127, seed: 4), bv = Q.random(24, in: -128...127, seed: 5)
    var node = QuantizedNode()
    node.input(Q.ints(.i8, [2, 1, 3, 4], av), Q.tensor(.i8, 0.1, -2))
    node.input(Q.ints(.i8, [3, 4, 2], bv), Q.tensor(.i8, 0.2, 4))
    let acc = TensorType(Q.tensor(.i32, Float(0.1) * Float(0.2), 0), Shape([2, 3, 3, 2]))
    let y = try node.run("qcc.matmul", result: acc)[0].integers()!
    for p in 0..<2 {
      for q in 0..<3 {
        let a = Array(av[(p * 12)..<(p * 12 + 12)]), b = Array(bv[(q * 8)..<(q * 8 + 8)])
        let want = Self.referenceMatMul(a, -2, b, [4], bias: nil, rows: 3, k: 4, n: 2)
        #expect(Array(y[((p * 3 + q) * 6)..<((p * 3 + q) * 6 + 6)]) == want)
      }
    }
    // Vector × matrix, i16 activations: an i64 accumulator (with an i32 bias).
    let a16 = Q.random(4, in: -32768...32767, seed: 6), w = Q.random(12, in: -127...127, seed: 7)
    var wide = QuantizedNode()
    wide.input(Q.ints(.i16, [4], a16), Q.tensor(.i16, 1e-3, 0))
    wide.constant(Q.ints(.i8, [4, 3], w), Q.tensor(.i8, 0.02, 0))
    wide.constant(Q.ints(.i32, [3], [5, -6, 7]))
    let y64 = try wide.run("qcc.matmul", result: TensorType(Q.tensor(.i64, Float(1e-3) * Float(0.02), 0), Shape([3])))[0]
    #expect(y64.elementType == .i64)
    #expect(y64.integers()! == Self.referenceMatMul(a16, 0, w, [0], bias: [5, -6, 7], rows: 1, k: 4, n: 3))
    #expect(
      wide.error("qcc.matmul", result: TensorType(Q.tensor(.i32, Float(1e-3) * Float(0.02), 0), Shape([3])))
        == "qcc.matmul: the accumulator must be i64 for these operands, not i32 (a 16-bit operand needs i64)")
  }

  @Test func matMulInt4GroupsAlongK() throws {
    // b [4, 3] i4, groups of 2 along K with per-group zero points and one scale per column.
    let av = Q.random(8, in: -128...127, seed: 8), bv = Q.random(12, in: -8...7, seed: 9)
    let zb: [Int64] = [1, 0, -1, 2, -2, 0]
    var node = QuantizedNode()
    node.parameter("gs", OpsTest.f32([2, 3], [0.1, 0.2, 0.3, 0.1, 0.2, 0.3]))
    node.parameter("gz", Q.ints(.i32, [2, 3], zb))
    node.parameter("acc.s", OpsTest.f32([3], [0.1, 0.2, 0.3].map { Float(0.5) * $0 }))
    node.parameter("acc.z", Q.ints(.i32, [3], [0, 0, 0]))
    node.input(Q.ints(.i8, [2, 4], av), Q.tensor(.i8, 0.5, 3))
    node.constant(Q.ints(.i4, [4, 3], bv), Q.group(.i4, 0, 2, "gs", "gz"))
    let y = try node.run("qcc.matmul", result: TensorType(Q.axis(.i32, 1, "acc.s", "acc.z"), Shape([2, 3])))[0]
    var want: [Int64] = []
    for r in 0..<2 {
      for j in 0..<3 { want.append((0..<4).map { t in (av[r * 4 + t] - 3) * (bv[t * 3 + j] - zb[(t / 2) * 3 + j]) }.reduce(0, +)) }
    }
    #expect(y.integers()! == want)
    // Group scales that differ along K cannot share one accumulator scale.
    var uneven = node
    uneven.parameter("gs", OpsTest.f32([2, 3], [0.1, 0.2, 0.3, 0.1, 0.25, 0.3]))
    #expect(uneven.error("qcc.matmul", result: TensorType(Q.axis(.i32, 1, "acc.s", "acc.z"), Shape([2, 3])))?.contains("differ along K in column 1") == true)
  }

  /// The fused forms (the `fuse` pass) compute exactly what the unfused
  /// qcc.dequantize / qcc.requantize of the accumulator compute.
  @Test func fusedEpiloguesEqualTheUnfusedOps() throws {
    for bias in [false, true] {
      let (node, acc, _) = Self.matMulNode(bias: bias)
      let accumulator = try node.run("qcc.matmul", result: acc)[0]
      var after = QuantizedNode()
      after.parameter("acc.s", OpsTest.f32([5], [0.01, 0.02, 0.03, 0.04, 0.05].map { Float(0.05) * $0 }))
      after.parameter("acc.z", Q.ints(.i32, [5], [0, 0, 0, 0, 0]))
      after.input(accumulator, acc.element)
      let f32 = TensorType(.f32, [2, 3, 5])
      let dequantized = try after.run("qcc.dequantize", result: f32)[0]
      let fused = try node.run("qcc.matmul", result: f32)[0]
      #expect(fused.bytes.elementsEqual(dequantized.bytes), "\(fused.scalars(as: Float.self)) vs \(dequantized.scalars(as: Float.self))")
      for target in [TensorType(Q.tensor(.i8, 0.07, -3), Shape([2, 3, 5])), TensorType(Q.tensor(.u8, 0.2, 128), Shape([2, 3, 5]))] {
        let requantized = try after.run("qcc.requantize", result: target)[0]
        let fusedQ = try node.run("qcc.matmul", result: target)[0]
        #expect(fusedQ.bytes.elementsEqual(requantized.bytes), "\(fusedQ.integers()!) vs \(requantized.integers()!)")
      }
    }
    let (node, _, _) = Self.matMulNode()
    #expect(node.error("qcc.matmul", result: TensorType(.i16, [2, 3, 5]))
      == "qcc.matmul: the result must be the i32 accumulator, f32 (dequantized) or a quantized 8- or 16-bit type (requantized), not tensor<2x3x5xi16>")
    #expect(node.error("qcc.matmul", result: TensorType(Q.axis(.i8, 1, "acc.s", "acc.z"), Shape([2, 3, 5])))
      == "qcc.matmul: a requantized result may be quantized per channel only on its last axis, not axis 1")
  }

  @Test func matMulErrors() throws {
    let (node, acc, _) = Self.matMulNode(bias: false)
    // Operands must be quantized.
    var plain = QuantizedNode()
    plain.input(Q.ints(.u8, [2, 4], [Int64](repeating: 1, count: 8)), Q.tensor(.u8, 0.05, 130))
    plain.input(Q.ints(.i8, [4, 5], [Int64](repeating: 1, count: 20)))
    #expect(plain.error("qcc.matmul", result: acc) == "qcc.matmul: operand 1 is not quantized (tensor<4x5xi8>)")
    // Per channel along the wrong axis.
    var wrongAxis = node
    wrongAxis.parameter("w.s", OpsTest.f32([4], [1, 1, 1, 1]))
    wrongAxis.parameter("w.z", Q.ints(.i32, [4], [0, 0, 0, 0]))
    wrongAxis.operands.removeLast()
    wrongAxis.data.removeLast()
    wrongAxis.constant(Q.ints(.i8, [4, 5], [Int64](repeating: 0, count: 20)), Q.axis(.i8, 0, "w.s", "w.z"))
    #expect(wrongAxis.error("qcc.matmul", result: acc) == "qcc.matmul: per-channel quantized operand 1 on axis 0, expected the output-channel axis 1")
    // The accumulator scale must be scale_a × scale_b[n] in f32.
    var badScale = node
    badScale.parameter("acc.s", OpsTest.f32([5], [0.0005, 0.001, 0.0015, 0.002, 0.0025001]))
    let message = badScale.error("qcc.matmul", result: acc) ?? ""
    #expect(message.hasPrefix("qcc.matmul: accumulator scale 0.0025001 of channel 4 does not equal scale_a × scale_b[4] (0.05 × 0.05) = "))
    // A per-tensor accumulator for per-channel weights, a nonzero accumulator zero point, no declared type.
    #expect(node.error("qcc.matmul", result: TensorType(Q.tensor(.i32, 0.0005, 0), Shape([2, 3, 5])))?.contains("does not equal") == true)
    #expect(node.error("qcc.matmul", result: TensorType(Q.tensor(.i32, 0.0005, 1), Shape([2, 3, 5])))?.contains("accumulator zero points are 0") == true)
    // Without a declared accumulator the result is an f32 placeholder: the dequantizing fused form.
    #expect(try node.infer("qcc.matmul") == [TensorType(.f32, [2, 3, 5])])
    // Accumulator on the wrong axis; a per-channel left operand; a bias of the wrong size.
    #expect(node.error("qcc.matmul", result: TensorType(Q.axis(.i32, 1, "acc.s", "acc.z"), Shape([2, 3, 5])))
      == "qcc.matmul: per-channel accumulator on axis 1, expected the output-channel axis 2")
    var withBias = node
    withBias.constant(Q.ints(.i32, [4], [1, 2, 3, 4]))
    #expect(withBias.error("qcc.matmul", result: acc) == "qcc.matmul: the bias has 4 elements, expected one per output channel (5)")
    var inner = node
    inner.operands.removeLast()
    inner.data.removeLast()
    inner.constant(Q.ints(.i8, [3, 5], [Int64](repeating: 0, count: 15)), Q.axis(.i8, 1, "w.s", "w.z"))
    #expect(inner.error("qcc.matmul", result: acc)?.hasPrefix("qcc.matmul: MatMul inner dimensions differ") == true)
  }

  // MARK: qcc.conv

  /// Direct integer conv, NCHW, taps in the padding skipped (they contribute (zx − zx) × w = 0).
  static func referenceConv(
    x: [Int64], zx: Int64, xs: [Int], w: [Int64], zw: [Int64], ws: [Int], bias: [Int64]?, group: Int, stride: [Int],
    pads: [Int], dilation: [Int], out: [Int]
  ) -> [Int64] {
    let (n, c, h, wd) = (xs[0], xs[1], xs[2], xs[3]), (m, cg, kh, kw) = (ws[0], ws[1], ws[2], ws[3])
    let mg = m / group
    var y: [Int64] = []
    for b in 0..<n {
      for o in 0..<m {
        let g = o / mg
        for oy in 0..<out[0] {
          for ox in 0..<out[1] {
            var s = bias?[o] ?? 0
            for ci in 0..<cg {
              for ky in 0..<kh {
                for kx in 0..<kw {
                  let iy = oy * stride[0] + ky * dilation[0] - pads[0], ix = ox * stride[1] + kx * dilation[1] - pads[1]
                  guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                  let xv = x[((b * c + g * cg + ci) * h + iy) * wd + ix]
                  let wv = w[((o * cg + ci) * kh + ky) * kw + kx]
                  s += (xv - zx) * (wv - zw[zw.count == 1 ? 0 : o])
                }
              }
            }
            y.append(s)
          }
        }
      }
    }
    return y
  }

  // group 4 of 4 channels: the direct depthwise kernel (stride 1 and strided reads, dilations, uneven pads).
  @Test(arguments: [
    (1, [1, 1], [0, 0, 0, 0], [1, 1]), (2, [2, 2], [1, 1, 1, 1], [1, 1]), (2, [1, 2], [2, 0, 1, 1], [2, 1]), (4, [1, 1], [1, 1, 1, 1], [1, 1]),
    (4, [2, 2], [1, 1, 1, 1], [1, 1]), (4, [1, 2], [2, 0, 1, 1], [2, 1]), (4, [2, 1], [0, 1, 2, 0], [1, 2]), (4, [3, 1], [2, 2, 2, 2], [2, 2]),
  ])
  func convWithPaddingAndGroups(_ group: Int, _ strides: [Int], _ pads: [Int], _ dilations: [Int]) throws {
    let xs = [2, 4, 6, 5], ws = [4, 4 / group, 3, 3]
    let xv = Q.random(xs.reduce(1, *), in: 0...255, seed: 10), wv = Q.random(ws.reduce(1, *), in: -127...127, seed: 11)
    let sw: [Float] = [0.01, 0.02, 0.03, 0.04], zw: [Int64] = [0, 2, -2, 1]
    var node = QuantizedNode()
    node.parameter("w.s", OpsTest.f32([4], sw))
    node.parameter("w.z", Q.ints(.i32, [4], zw))
    node.parameter("acc.s", OpsTest.f32([4], sw.map { Float(0.1) * $0 }))
    node.parameter("acc.z", Q.ints(.i32, [4], [0, 0, 0, 0]))
    node.input(Q.ints(.u8, xs, xv), Q.tensor(.u8, 0.1, 117))
    node.constant(Q.ints(.i8, ws, wv), Q.axis(.i8, 0, "w.s", "w.z"))
    node.constant(Q.ints(.i32, [4], [10, -20, 30, -40]))
    let attributes: [(String, Attribute)] = [
      ("group", .int(Int64(group))), ("strides", .ints(strides.map(Int64.init))), ("pads", .ints(pads.map(Int64.init))),
      ("dilations", .ints(dilations.map(Int64.init))),
    ]
    var out: [Int] = []
    for d in 0..<2 {
      let span = dilations[d] * 2 + 1
      let padded = xs[2 + d] + pads[d] + pads[2 + d]
      out.append((padded - span) / strides[d] + 1)
    }
    let acc = TensorType(Q.axis(.i32, 1, "acc.s", "acc.z"), Shape([2, 4] + out))
    let y = try node.run("qcc.conv", result: acc, attributes: attributes)[0]
    #expect(y.shape == [2, 4] + out)
    let want = Self.referenceConv(
      x: xv, zx: 117, xs: xs, w: wv, zw: zw, ws: ws, bias: [10, -20, 30, -40], group: group, stride: strides,
      pads: [pads[0], pads[1]], dilation: dilations, out: out)
    #expect(y.integers()! == want)
  }

  @Test func convFoldedZeroPointStillPadsWithIt() throws {
    // With zero_point_folded the bias carries −zx × Σ w over every tap, padded ones included,
    // so padding must still read zx for the sum to come out as in the unfolded product.
    let xs = [1, 2, 4, 4], ws = [3, 2, 3, 3]
    let xv = Q.random(32, in: -128...127, seed: 12), wv = Q.random(54, in: -127...127, seed: 13)
    var node = QuantizedNode()
    node.input(Q.ints(.i8, xs, xv), Q.tensor(.i8, 0.1, -9))
    node.constant(Q.ints(.i8, ws, wv), Q.tensor(.i8, 0.3, 0))
    let bias = (0..<3).map { m in -(-9) * wv[(m * 18)..<(m * 18 + 18)].reduce(0, +) }
    node.constant(Q.ints(.i32, [3], bias))
    let acc = TensorType(Q.tensor(.i32, Float(0.1) * Float(0.3), 0), Shape([1, 3, 4, 4]))
    let y = try node.run("qcc.conv", result: acc, attributes: [("pads", .ints([1, 1, 1, 1])), ("zero_point_folded", .int(1))])[0]
    let want = Self.referenceConv(
      x: xv, zx: -9, xs: xs, w: wv, zw: [0], ws: ws, bias: nil, group: 1, stride: [1, 1], pads: [1, 1], dilation: [1, 1],
      out: [4, 4])
    #expect(y.integers()! == want)
  }

  /// Planes large enough for the direct depthwise kernels: 3 × 3, 5 × 5 and dilated windows, row and column strides, i8 and u8.
  @Test(arguments: [
    (ElementType.u8, 3, [1, 1], [1, 1, 1, 1], [1, 1]), (ElementType.i8, 3, [2, 1], [1, 0, 0, 2], [1, 1]), (ElementType.u8, 3, [1, 1], [2, 2, 2, 2], [2, 2]),
    (ElementType.i8, 5, [1, 1], [2, 2, 2, 2], [1, 1]), (ElementType.u8, 1, [1, 1], [1, 0, 1, 0], [1, 1]),
    // Column strides: the phase-split plane.
    (ElementType.u8, 3, [2, 2], [1, 1, 1, 1], [1, 1]), (ElementType.i8, 3, [1, 2], [0, 1, 2, 1], [2, 1]),
    (ElementType.i8, 5, [2, 3], [2, 2, 2, 2], [1, 1]),
  ])
  func depthwiseConvOnLargerPlanes(_ xt: ElementType, _ k: Int, _ strides: [Int], _ pads: [Int], _ dilations: [Int]) throws {
    let xs = [2, 3, 14, 13], ws = [3, 1, k, k]
    let range: ClosedRange<Int64> = xt == .u8 ? 0...255 : -128...127
    let xv = Q.random(xs.reduce(1, *), in: range, seed: 16), wv = Q.random(ws.reduce(1, *), in: -127...127, seed: 17)
    let zx = xt == .u8 ? 131 : -5, zw: [Int64] = [3, 0, -4], sw: [Float] = [0.01, 0.02, 0.03]
    var node = QuantizedNode()
    node.parameter("w.s", OpsTest.f32([3], sw))
    node.parameter("w.z", Q.ints(.i32, [3], zw))
    node.parameter("acc.s", OpsTest.f32([3], sw.map { Float(0.1) * $0 }))
    node.parameter("acc.z", Q.ints(.i32, [3], [0, 0, 0]))
    node.input(Q.ints(xt, xs, xv), Q.tensor(xt, 0.1, zx))
    node.constant(Q.ints(.i8, ws, wv), Q.axis(.i8, 0, "w.s", "w.z"))
    node.constant(Q.ints(.i32, [3], [7, -70000, 123456]))
    var out: [Int] = []
    for d in 0..<2 {
      let span = dilations[d] * (k - 1) + 1
      out.append((xs[2 + d] + pads[d] + pads[2 + d] - span) / strides[d] + 1)
    }
    let y = try node.run(
      "qcc.conv", result: TensorType(Q.axis(.i32, 1, "acc.s", "acc.z"), Shape([2, 3] + out)),
      attributes: [
        ("group", .int(3)), ("strides", .ints(strides.map(Int64.init))), ("pads", .ints(pads.map(Int64.init))),
        ("dilations", .ints(dilations.map(Int64.init))),
      ])[0]
    let want = Self.referenceConv(
      x: xv, zx: Int64(zx), xs: xs, w: wv, zw: zw, ws: ws, bias: [7, -70000, 123456], group: 3, stride: strides,
      pads: [pads[0], pads[1]], dilation: dilations, out: out)
    #expect(y.integers()! == want)
  }

  @Test func depthwiseConvOfI8PadsWithTheFoldedZeroPoint() throws {
    // The depthwise kernel on i8 input with zero_point_folded: the bias carries −zx × Σ w, so padding reads zx.
    let xs = [1, 3, 5, 6], ws = [3, 1, 3, 3]
    let xv = Q.random(90, in: -128...127, seed: 14), wv = Q.random(27, in: -127...127, seed: 15)
    var node = QuantizedNode()
    node.input(Q.ints(.i8, xs, xv), Q.tensor(.i8, 0.1, 7))
    node.constant(Q.ints(.i8, ws, wv), Q.tensor(.i8, 0.3, 0))
    let bias = (0..<3).map { m in -7 * wv[(m * 9)..<(m * 9 + 9)].reduce(0, +) }
    node.constant(Q.ints(.i32, [3], bias))
    let acc = TensorType(Q.tensor(.i32, Float(0.1) * Float(0.3), 0), Shape([1, 3, 3, 3]))
    let y = try node.run(
      "qcc.conv", result: acc,
      attributes: [("group", .int(3)), ("strides", .ints([2, 2])), ("pads", .ints([1, 1, 1, 0])), ("zero_point_folded", .int(1))])[0]
    let want = Self.referenceConv(
      x: xv, zx: 7, xs: xs, w: wv, zw: [0], ws: ws, bias: nil, group: 3, stride: [2, 2], pads: [1, 1], dilation: [1, 1],
      out: [3, 3])
    #expect(y.integers()! == want)
  }

  @Test func convErrorsAndWideAccumulator() throws {
    var node = QuantizedNode()
    node.input(Q.ints(.i16, [1, 1, 3, 3], Q.random(9, in: -32768...32767, seed: 14)), Q.tensor(.i16, 1e-3, 0))
    node.constant(Q.ints(.i8, [2, 1, 2, 2], Q.random(8, in: -127...127, seed: 15)), Q.tensor(.i8, 0.5, 0))
    let y = try node.run("qcc.conv", result: TensorType(Q.tensor(.i64, Float(1e-3) * Float(0.5), 0), Shape([1, 2, 2, 2])))[0]
    #expect(y.elementType == .i64)
    let want = Self.referenceConv(
      x: node.data[0]!.integers()!, zx: 0, xs: [1, 1, 3, 3], w: node.data[1]!.integers()!, zw: [0], ws: [2, 1, 2, 2], bias: nil,
      group: 1, stride: [1, 1], pads: [0, 0], dilation: [1, 1], out: [2, 2])
    #expect(y.integers()! == want)
    // The shared Conv attribute checks speak for qcc.conv.
    #expect(
      node.error("qcc.conv", result: TensorType(Q.tensor(.i64, Float(1e-3) * Float(0.5), 0), Shape([1, 2, 2, 2])), attributes: [("group", .int(0))])
        == "qcc.conv attribute 'group' must be positive, not 0")
    // Weights per channel on axis 1.
    var axis1 = QuantizedNode()
    axis1.parameter("s", OpsTest.f32([1], [1]))
    axis1.parameter("z", Q.ints(.i32, [1], [0]))
    axis1.input(Q.ints(.i8, [1, 1, 3, 3], [Int64](repeating: 0, count: 9)), Q.tensor(.i8, 1, 0))
    axis1.constant(Q.ints(.i8, [2, 1, 2, 2], [Int64](repeating: 0, count: 8)), Q.axis(.i8, 1, "s", "z"))
    #expect(
      axis1.error("qcc.conv", result: TensorType(Q.tensor(.i32, 1, 0), Shape([1, 2, 2, 2])))
        == "qcc.conv: per-channel quantized operand 1 on axis 1, expected the output-channel axis 0")
  }

  // MARK: qcc.add and qcc.mul

  @Test(arguments: ["qcc.add", "qcc.mul"])
  func arithmeticBroadcasts(_ op: String) throws {
    // [2, 1, 4] (i8) with [3, 1] (u8) → [2, 3, 4] (i8, narrowed range).
    let av = Q.random(8, in: -128...127, seed: 16), bv = Q.random(3, in: 0...255, seed: 17)
    let (sa, za, sb, zb, sy, zy): (Float, Int32, Float, Int32, Float, Int32) = (0.05, -7, 0.02, 120, 0.06, 3)
    var node = QuantizedNode()
    node.input(Q.ints(.i8, [2, 1, 4], av), Q.tensor(.i8, sa, Int(za)))
    node.input(Q.ints(.u8, [3, 1], bv), Q.tensor(.u8, sb, Int(zb)))
    let y = try node.run(op, result: TensorType(Q.tensor(.i8, sy, Int(zy), range: -127...127), Shape([2, 3, 4])))[0]
    var want: [Double] = []
    for i in 0..<2 {
      for j in 0..<3 {
        for k in 0..<4 {
          let a = av[i * 4 + k], b = bv[j]
          let v = op == "qcc.add"
            ? QuantModel.add(a, za, QuantModel.fixed30(Double(sa) / Double(sy)), b, zb, QuantModel.fixed30(Double(sb) / Double(sy)), zy: zy, qmin: -127, qmax: 127)
            : QuantModel.mul(a, za, b, zb, QuantModel.fixed30(Double(sa) * Double(sb) / Double(sy)), zy: zy, qmin: -127, qmax: 127)
          want.append(Double(v))
        }
      }
    }
    #expect(y.doubles() == want)
    // Per-channel operands and shapes that do not broadcast are errors.
    var bad = QuantizedNode()
    bad.input(Q.ints(.i8, [2, 3], [Int64](repeating: 0, count: 6)), Q.tensor(.i8, 1, 0))
    bad.input(Q.ints(.i8, [4], [Int64](repeating: 0, count: 4)), Q.tensor(.i8, 1, 0))
    #expect(bad.error(op, result: TensorType(Q.tensor(.i8, 1, 0), .unranked))?.contains("cannot be broadcast") == true)
    bad.parameter("s", OpsTest.f32([4], [1, 1, 1, 1]))
    bad.parameter("z", Q.ints(.i32, [4], [0, 0, 0, 0]))
    bad.operands[1] = bad.graph.addConstant(bad.data[1]!, name: "pc", type: TensorType(Q.axis(.i8, 0, "s", "z"), Shape([4])))
    #expect(bad.error(op, result: TensorType(Q.tensor(.i8, 1, 0), .unranked)) == "\(op): operand 1 must be quantized per tensor")
  }
}
