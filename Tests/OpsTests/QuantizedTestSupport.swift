import QCCIR
import QCCKernels
import Testing

@testable import QCCOps

/// The arithmetic of docs/quantization.md, written from the document in plain
/// Swift (Int128 where products need it): the model the C kernels must match
/// bit for bit.
enum QuantModel {
  /// round_half_even(v / 2^s) for an exact integer v and s ≥ 0.
  static func roundHalfEven(_ v: Int128, shift s: Int) -> Int128 {
    if s == 0 { return v }
    let q = v >> s  // floor
    let r = v - (q << s)  // 0 ≤ r < 2^s
    let half = Int128(1) << (s - 1)
    if r > half || (r == half && q & 1 == 1) { return q + 1 }
    return q
  }

  /// round_half_even(m × 2^s) exactly, for a finite double m ≥ 0: m is mant × 2^exp exactly.
  static func scaled(_ m: Double, _ s: Int) -> Int128 {
    let mant = Int128(m.significandBitPattern | (m.isNormal ? 1 << 52 : 0))
    let exp = (m.isNormal ? Int(m.exponent) : -1022) - 52 + s
    return exp >= 0 ? mant << exp : roundHalfEven(mant, shift: -exp)
  }

  /// The fixed-point multiplier: M = round_half_even(f × 2^31), s = 31 − e for
  /// m = f × 2^e, f ∈ [0.5, 1); 2^31 becomes 2^30 with s − 1; shifts clamped to
  /// 1…62, a factor below that range being m × 2^62 rounded (0 when too small).
  static func multiplier(_ m: Double) -> (m: Int32, s: Int32) {
    guard m > 0 else { return (0, 62) }
    guard m.isFinite, m < 0x1p30 else { return (Int32.max, 1) }
    let e = Int(m.exponent) + 1  // m = f × 2^e with f in [0.5, 1)
    var s = 31 - e
    var big = scaled(m, s)
    if big == Int128(1) << 31 {
      big = Int128(1) << 30
      s -= 1
    }
    if s > 62 { return (Int32(scaled(m, 62)), 62) }
    if s < 1 { return (Int32.max, 1) }
    return (Int32(big), Int32(s))
  }

  /// y = clamp(zout + floor(((x − zin) × M + 2^(s−1)) / 2^s), qmin, qmax), exactly.
  static func requantize(_ x: Int64, zin: Int32, m: Int32, s: Int32, zout: Int32, qmin: Int32, qmax: Int32) -> Int32 {
    // In 64 bits when the product fits (|x − zin| < 2^31: the doc's own statement), else in 128.
    let d = x.subtractingReportingOverflow(Int64(zin))
    if !d.overflow && d.partialValue.magnitude < 1 << 31 {
      let y = Int64(zout) + ((d.partialValue * Int64(m) + (1 << Int64(s - 1))) >> Int64(s))
      return Int32(min(max(y, Int64(qmin)), Int64(qmax)))
    }
    let p = (Int128(x) - Int128(zin)) * Int128(m) + (Int128(1) << Int(s - 1))
    let y = Int128(zout) + (p >> Int(s))
    return Int32(min(max(y, Int128(qmin)), Int128(qmax)))
  }

  /// q = clamp(round_half_even(x / scale) + zp, qmin, qmax) in f32; NaN → zp.
  static func quantize(_ x: Float, scale: Float, zp: Int32, qmin: Int32, qmax: Int32) -> Int32 {
    let v = (x / scale).rounded(.toNearestOrEven) + Float(zp)
    if v.isNaN { return zp }
    if v <= Float(qmin) { return qmin }
    if v >= Float(qmax) { return qmax }
    return Int32(v)
  }

  /// x = (float)(q − zp) × scale.
  static func dequantize(_ q: Int64, scale: Float, zp: Int32) -> Float { Float(q - Int64(zp)) * scale }

  /// round_half_even(m × 2^30) for the add / multiply multipliers (m computed in double).
  static func fixed30(_ m: Double) -> Int64 { m > 0 ? Int64(min(scaled(m, 30), Int128(1) << 62)) : 0 }

  /// Integer add: clamp(zy + floor(((a − za) Ma + (b − zb) Mb + 2^29) / 2^30)).
  static func add(_ a: Int64, _ za: Int32, _ ma: Int64, _ b: Int64, _ zb: Int32, _ mb: Int64, zy: Int32, qmin: Int32, qmax: Int32) -> Int32 {
    let p = (Int128(a) - Int128(za)) * Int128(ma) + (Int128(b) - Int128(zb)) * Int128(mb) + (1 << 29)
    return Int32(min(max(Int128(zy) + (p >> 30), Int128(qmin)), Int128(qmax)))
  }

  /// Integer multiply: clamp(zy + floor(((a − za)(b − zb) M + 2^29) / 2^30)).
  static func mul(_ a: Int64, _ za: Int32, _ b: Int64, _ zb: Int32, _ m: Int64, zy: Int32, qmin: Int32, qmax: Int32) -> Int32 {
    let p = (Int128(a) - Int128(za)) * (Int128(b) - Int128(zb)) * Int128(m) + (1 << 29)
    return Int32(min(max(Int128(zy) + (p >> 30), Int128(qmin)), Int128(qmax)))
  }
}

/// One quantized node in a graph, run the way the interpreter runs it:
/// inference from the operands' IR types (and constant data) and the declared
/// result type, then evaluation with the IR types and the graph's parameters.
struct QuantizedNode {
  var graph = Graph()
  var operands: [ValueID?] = []
  var data: [TensorData?] = []

  /// A named per-channel or per-group parameter tensor.
  mutating func parameter(_ name: String, _ values: TensorData) { graph.parameters[name] = .dense(values) }

  /// A constant operand holding `values` with IR element `element`.
  mutating func constant(_ values: TensorData, _ element: Element? = nil) {
    let type = TensorType(element ?? .plain(values.elementType), Shape(values.shape))
    operands.append(graph.addConstant(values, name: "c\(operands.count)", type: type))
    data.append(values)
  }

  /// A graph-input operand (inference sees only its type).
  mutating func input(_ values: TensorData, _ element: Element? = nil) {
    let type = TensorType(element ?? .plain(values.elementType), Shape(values.shape))
    operands.append(graph.addInput(name: "x\(operands.count)", type: type))
    data.append(values)
  }

  mutating func omitted() {
    operands.append(nil)
    data.append(nil)
  }

  /// Infers and evaluates `op` whose result is declared `result` (nil: an unranked f32 placeholder).
  func run(_ op: String, result: TensorType? = nil, attributes: [(String, Attribute)] = [], results: Int = 1)
    throws(OpError) -> [TensorData]
  {
    var g = graph
    let declared = [TensorType](repeating: result ?? TensorType(.f32, .unranked), count: results)
    let id = g.addNode(op: op, inputs: operands, resultTypes: declared, attributes: Attributes(attributes))
    let node = g[id]
    let inferred = try OpRegistry.standard.inferTypes(of: node, in: g)
    let out = try OpRegistry.standard[op]!.evaluate(
      EvaluationContext(
        node: node, inputs: data, inputTypes: operands.map { $0.map { g[$0].type } },
        resultTypes: node.results.map { g[$0].type }, parameters: g.parameters))
    #expect(out.count == inferred.count)
    for (t, type) in zip(out, inferred) {
      #expect(type.isCompatible(with: t.type), "\(op): produced \(Printer.spell(t.type)), inferred \(Printer.spell(type))")
    }
    return out
  }

  /// The inferred result types.
  func infer(_ op: String, result: TensorType? = nil, attributes: [(String, Attribute)] = [], results: Int = 1)
    throws(OpError) -> [TensorType]
  {
    var g = graph
    let declared = [TensorType](repeating: result ?? TensorType(.f32, .unranked), count: results)
    let id = g.addNode(op: op, inputs: operands, resultTypes: declared, attributes: Attributes(attributes))
    return try OpRegistry.standard.inferTypes(of: g[id], in: g)
  }

  /// The error message of running `op`, or nil when it succeeds.
  func error(_ op: String, result: TensorType? = nil, attributes: [(String, Attribute)] = [], results: Int = 1) -> String? {
    do {
      _ = try run(op, result: result, attributes: attributes, results: results)
      return nil
    } catch {
      return error.message
    }
  }
}

/// Quantized element types for tests.
enum Q {
  static func tensor(_ storage: ElementType, _ scale: Float, _ zp: Int, range: ClosedRange<Int64>? = nil) -> Element {
    .quantized(QuantizedType(storage: storage, expressed: .f32, granularity: .perTensor(scale: scale, zeroPoint: zp), storageRange: range))
  }

  static func axis(_ storage: ElementType, _ axis: Int, _ scales: String, _ zps: String) -> Element {
    .quantized(QuantizedType(storage: storage, expressed: .f32, granularity: .perAxis(axis: axis, scales: scales, zeroPoints: zps)))
  }

  static func group(_ storage: ElementType, _ axis: Int, _ size: Int, _ scales: String, _ zps: String) -> Element {
    .quantized(
      QuantizedType(
        storage: storage, expressed: .f32, granularity: .perGroup(axis: axis, groupSize: size, scales: scales, zeroPoints: zps)))
  }

  /// A tensor of integers stored as `type`.
  static func ints(_ type: ElementType, _ shape: [Int], _ values: [Int64]) -> TensorData {
    TensorData(converting: values, to: type, shape: shape)
  }

  /// Deterministic pseudo-random integers in `range`.
  static func random(_ count: Int, in range: ClosedRange<Int64>, seed: UInt64) -> [Int64] {
    var s = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    let width = UInt64(range.upperBound - range.lowerBound + 1)
    return (0..<count).map { _ in
      s = s &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return range.lowerBound + Int64((s >> 17) % width)
    }
  }
}

/// A kernel matrix operand that owns its zero points and keeps its data alive
/// (a `qcc_qmatrix` holds pointers, which must outlive every call using it).
final class QMatrix {
  let data: TensorData
  let zeros: UnsafeMutableBufferPointer<Int32>
  var matrix: qcc_qmatrix

  init(_ type: qcc_qtype, _ data: TensorData, ld: Int, zeros z: [Int32], layout: qcc_zp_layout = QCC_ZP_SCALAR, group: Int = 0) {
    self.data = data
    zeros = .allocate(capacity: max(z.count, 1))
    _ = zeros.initialize(from: z)
    matrix = qcc_qmatrix(
      type: type, data: data.rawPointer, ld: Int64(ld), zero_point: zeros.baseAddress, zp_layout: layout, group: Int64(group))
  }

  deinit { zeros.deallocate() }
}
