import QCCIR
import QCCKernels

// qcc.elementwise(operands…) {steps = [...]}: a chain of elementwise steps
// that the `fuse` pass formed from ops it replaced, computed tile by tile in
// one FUSED_ELEMENTWISE call (qcc_fused_elementwise.h) with the bits of the
// unfused ops. Each step is written as the op it stands for, reading fused
// operands (%i) and earlier steps' values ($k); step k's attributes are the
// node's attributes `s<k>.<name>`:
//
//   %y.q = qcc.elementwise(%x.q, %w.q, %bias) {s1.approximate = "none",
//            steps = ["qcc.matmul(%0, %1, %2)", "Gelu($0)", "qcc.quantize($1)"]} : tensor<1x197x768x!q.uniform<i8:f32, …>>
//
// The result is the last step's value. The steps:
//   - first only: `qcc.matmul(%a, %b[, %bias])` (as qcc.matmul with an f32
//     result: the accumulator dequantized; b a [K, N] matrix, per tensor or per
//     column; attribute zero_point_folded), or `qcc.dequantize(%x)` (x per
//     tensor, or per channel on its last axis);
//   - unary f32 ops (Relu, Sigmoid, Gelu, Tanh, Exp, LeakyRelu… as their
//     plans compute them) of a step or an f32 operand;
//   - Add, Sub, Mul, Div, Max, Min of two f32 values: steps, or operands that
//     broadcast to the result's shape (a constant bias, a residual, a scalar);
//   - last only: `qcc.quantize($k)` to the node's result type (per tensor, or
//     per channel on its last axis).
// Every step's value has the result's shape. The optional attribute
// `tile = [rows, cols]` sets the tile of the [rows, cols] view of the result
// the kernel works in (a performance knob: the bits never depend on it).

/// A step operand: the fused op's operand i, or step k's value.
public enum ElementwiseRef: Sendable, Equatable {
  case operand(Int)
  case step(Int)

  public var spelling: String {
    switch self {
    case .operand(let i): "%\(i)"
    case .step(let k): "$\(k)"
    }
  }
}

/// One step of a qcc.elementwise: an op name and its arguments.
public struct ElementwiseStep: Sendable, Equatable {
  public var op: String
  public var args: [ElementwiseRef]
  public init(_ op: String, _ args: [ElementwiseRef]) {
    self.op = op
    self.args = args
  }

  /// "Gelu($0)".
  public var spelling: String { "\(op)(\(args.map(\.spelling).joined(separator: ", ")))" }

  /// Parses "Op(%0, $1)".
  public static func parse(_ text: String) throws(OpError) -> ElementwiseStep {
    guard let open = text.firstIndex(of: "("), text.hasSuffix(")") else {
      throw OpError("qcc.elementwise: step \"\(text)\" is not of the form Op(%i, $k, …)")
    }
    let op = String(text[..<open]).trimmingSpaces
    let inside = text[text.index(after: open)..<text.index(before: text.endIndex)]
    var args: [ElementwiseRef] = []
    for part in inside.split(separator: ",", omittingEmptySubsequences: false) {
      let p = String(part).trimmingSpaces
      guard let sigil = p.first, let v = Int(p.dropFirst()), v >= 0, sigil == "%" || sigil == "$" else {
        throw OpError("qcc.elementwise: step \"\(text)\": argument \"\(p)\" is neither %operand nor $step")
      }
      args.append(sigil == "%" ? .operand(v) : .step(v))
    }
    guard !op.isEmpty else { throw OpError("qcc.elementwise: step \"\(text)\" names no op") }
    return ElementwiseStep(op, args)
  }
}

extension String {
  fileprivate var trimmingSpaces: String {
    var s = Substring(self)
    while s.first == " " { s = s.dropFirst() }
    while s.last == " " { s = s.dropLast() }
    return String(s)
  }
}

/// The elementwise chains the fused op and the `fuse` pass agree on.
public enum FusedElementwise {
  public static let opName = "qcc.elementwise"
  /// Binary f32 ops a step may be, with their kernel op.
  public static let binaryOps: [String: qcc_binary_op] = [
    "Add": QCC_BINARY_ADD, "Sub": QCC_BINARY_SUB, "Mul": QCC_BINARY_MUL, "Div": QCC_BINARY_DIV,
    "Max": QCC_BINARY_MAX, "Min": QCC_BINARY_MIN,
  ]
  /// Unary f32 ops a step may be: those whose plan is one F32_UNARY call with parameters from attributes,
  /// and Clip, whose bounds a step carries as attributes `min` and `max` (see `clipParameters`).
  public static let unaryOps: Set<String> = Set(
    FloatPlans.plainUnary.map(\.0) + FloatPlans.attributeUnary.map(\.0) + ["Clip"])
  /// Their names.
  public static var binaryOpNames: Set<String> { Set(binaryOps.keys) }
  /// Storage types a chain dequantizes from or quantizes to (besides accumulators).
  public static let byteStorage: Set<ElementType> = QuantizedOps.byteValueStorage

  /// Whether a unary op with these attributes is one a chain can run.
  public static func canRunUnary(_ op: String, _ attributes: Attributes) -> Bool {
    (try? unaryParameters(op, attributes)) != nil
  }

  /// At most this many unary and binary steps (the kernel's floats: two per unary step).
  public static let maxFloatSteps = 8
  public static let maxOperands = Int(QCC_FUSED_MAX_OPERANDS)
  public static let maxRegisters = Int(QCC_FUSED_MAX_REGISTERS)

  /// The attribute of step k named `name`: "s<k>.<name>".
  public static func stepAttribute(_ k: Int, _ name: String) -> String { "s\(k).\(name)" }

  /// Step k's attributes (the node's `s<k>.*`, without the prefix).
  static func attributes(of k: Int, _ node: Node) -> Attributes {
    let prefix = "s\(k)."
    var a = Attributes()
    for (name, value) in node.attributes where name.hasPrefix(prefix) { a[String(name.dropFirst(prefix.count))] = value }
    return a
  }

  /// The unary kernel op and parameters of a unary step's op and attributes.
  static func unaryParameters(_ op: String, _ attributes: Attributes) throws(OpError) -> ElementwiseOps.UnaryParameters {
    if op == "Clip" { return try clipParameters(attributes) }
    if let p = FloatPlans.plainUnary.first(where: { $0.0 == op }) { return ElementwiseOps.UnaryParameters(kernel: p.1) }
    if let p = FloatPlans.attributeUnary.first(where: { $0.0 == op }) { return try p.1(AttributeReader(attributes)) }
    throw OpError("qcc.elementwise: \(op) is not a unary op a chain can run")
  }

  /// A Clip step: F32_UNARY CLIP between the float attributes `min` and `max`
  /// (-inf and +inf when absent), the bounds Clip's plan reads from its
  /// constant operands (or, before opset 11, its attributes of those names).
  static func clipParameters(_ attributes: Attributes) throws(OpError) -> ElementwiseOps.UnaryParameters {
    let a = AttributeReader(attributes)
    return ElementwiseOps.UnaryParameters(
      kernel: QCC_UNARY_CLIP, alpha: try a.float("min", default: -.infinity), beta: try a.float("max", default: .infinity))
  }

  /// How a chain's result is viewed as a [rows, cols] matrix with every f32
  /// operand read through a (row, column) stride pair: `cols` the product of
  /// the dims from `split` on. Nil when no split reads every operand so.
  public struct MatrixView: Sendable, Equatable {
    public var rows: Int, cols: Int
    public var strides: [[Int64]]
  }

  /// The view of `shape` that reads each of `operands` (shapes broadcasting
  /// to it) with one stride per side; `lastAxis` requires cols to be the
  /// last dim (a matmul's columns, per-channel parameters).
  public static func matrixView(_ shape: [Int], operands: [[Int]], lastAxis: Bool) -> MatrixView? {
    let rank = shape.count
    let all = operands.map { broadcastStrides($0, to: shape) }
    // One stride for dims lo..<hi of strides s, when they are one run (or all broadcast).
    func collapse(_ s: [Int64], _ lo: Int, _ hi: Int) -> Int64? {
      var inner: Int64? = nil, expected: Int64 = 0
      for d in stride(from: hi - 1, through: lo, by: -1) where shape[d] != 1 {
        if let _ = inner {
          guard s[d] == expected else { return nil }
        } else {
          inner = s[d]
        }
        expected = s[d] * Int64(shape[d])
      }
      return inner ?? 0
    }
    let splits = lastAxis ? [max(rank - 1, 0)] : Array((0...max(rank - 1, 0)).reversed())
    for p in splits {
      var strides: [[Int64]] = []
      for s in all {
        guard let r = collapse(s, 0, p), let c = collapse(s, p, rank) else { break }
        strides.append([r, c])
      }
      if strides.count == all.count {
        return MatrixView(rows: shape[..<p].reduce(1, *), cols: shape[p...].reduce(1, *), strides: strides)
      }
    }
    return nil
  }

  // MARK: - Type inference

  /// The parsed steps of a node, checked for form: references, first and last step kinds.
  static func steps(_ c: InferenceContext) throws(OpError) -> [ElementwiseStep] {
    let op = opName
    guard case .strings(let texts)? = c.node.attributes["steps"], !texts.isEmpty else {
      throw OpError("\(op) needs a non-empty `steps` attribute (a list of strings)")
    }
    var steps: [ElementwiseStep] = []
    for (k, text) in texts.enumerated() {
      let s = try ElementwiseStep.parse(text)
      for a in s.args {
        switch a {
        case .operand(let i) where i >= c.inputCount || c.optionalInput(i) == nil:
          throw OpError("\(op): step \(k) (\(text)) reads operand \(i); the op has \(c.inputCount)")
        case .step(let j) where j >= k:
          throw OpError("\(op): step \(k) (\(text)) reads step \(j), which is not an earlier step")
        default: break
        }
      }
      let arity: ClosedRange<Int>
      switch s.op {
      case "qcc.matmul", "qcc.dequantize":
        guard k == 0 else { throw OpError("\(op): step \(k) (\(text)): \(s.op) may only be the first step") }
        guard s.args.allSatisfy({ if case .operand = $0 { true } else { false } }) else {
          throw OpError("\(op): step \(k) (\(text)) must read operands")
        }
        if s.op == "qcc.matmul" && s.args != (0..<s.args.count).map({ .operand($0) }) {
          throw OpError("\(op): step \(k) (\(text)): a matmul step reads operands %0, %1 (and %2) in order")
        }
        arity = s.op == "qcc.matmul" ? 2...3 : 1...1
      case "qcc.quantize":
        guard k == texts.count - 1, k > 0 else {
          throw OpError("\(op): step \(k) (\(text)): qcc.quantize may only be the last step")
        }
        guard s.args == [.step(k - 1)] else {
          throw OpError("\(op): step \(k) (\(text)): qcc.quantize must read the step before it ($\(k - 1))")
        }
        arity = 1...1
      default:
        if binaryOps[s.op] != nil {
          arity = 2...2
        } else if unaryOps.contains(s.op) {
          arity = 1...1
        } else {
          throw OpError("\(op): step \(k) (\(text)): \(s.op) is not an op a chain can run")
        }
      }
      guard arity.contains(s.args.count) else {
        throw OpError("\(op): step \(k) (\(text)) has \(s.args.count) arguments; \(s.op) takes \(arity.lowerBound)…\(arity.upperBound)")
      }
      steps.append(s)
    }
    return steps
  }

  static func inferTypes(_ c: InferenceContext) throws(OpError) -> [TensorType] {
    let op = opName
    let steps = try steps(c)
    guard let declared = c.declaredResultTypes?.first else { throw OpError("\(op) needs a declared result type") }
    let quantizes = steps.last?.op == "qcc.quantize"
    if quantizes != (declared.element.quantization != nil) || (!quantizes && declared.elementType != .f32) {
      throw OpError(
        "\(op): the result is \(Printer.spell(declared)); expected \(quantizes ? "a quantized type (the last step quantizes)" : "f32")")
    }
    var shape = declared.shape
    // The first step's shape: a matmul's product, a dequantized or f32 operand's shape.
    if steps[0].op == "qcc.matmul" {
      let a = try c.input(0), b = try c.input(1)
      if let da = a.shape.dims, let db = b.shape.dims {
        do {
          shape = try QuantizedOps.unify(.ranked(try LinearAlgebraOps.matMulDims(da, db)), shape, op, "the result shape")
        } catch {
          throw OpError("\(op): \(error.message)")
        }
      }
    }
    // Every f32 operand a unary or binary step reads broadcasts to the result.
    for (k, s) in steps.enumerated() where s.op != "qcc.matmul" && s.op != "qcc.dequantize" && s.op != "qcc.quantize" {
      for case .operand(let i) in s.args {
        let t = try c.input(i)
        guard t.elementType == .f32 else {
          throw OpError("\(op): step \(k) (\(s.spelling)) reads operand \(i) of type \(Printer.spell(t)); steps compute on f32")
        }
        if let od = t.shape.dims, let rd = shape.dims {
          guard od.count <= rd.count else {
            throw OpError("\(op): operand \(i) \(Printer.spell(t)) does not broadcast to the result \(Printer.spell(declared))")
          }
          for (x, y) in zip(od.reversed(), rd.reversed()) {
            if let xv = x.value, let yv = y.value, xv != yv && xv != 1 {
              throw OpError("\(op): operand \(i) \(Printer.spell(t)) does not broadcast to the result \(Printer.spell(declared))")
            }
          }
        }
      }
    }
    if steps[0].op == "qcc.dequantize", case .operand(let i) = steps[0].args[0] {
      let t = try c.input(i)
      guard t.element.quantization != nil else { throw OpError("\(op): step 0 dequantizes operand \(i), which is not quantized") }
      shape = try QuantizedOps.unify(t.shape, shape, op, "the result shape")
    }
    return [TensorType(declared.element, shape)]
  }

  // MARK: - Plan

  /// Tile sizes (performance only: the bits never depend on them): about
  /// `tileElements` f32 per register; a matmul's tile about
  /// `qgemmTileElements`, whole QGEMM row chunks by columns in multiples of 48.
  static let tileElements = 8192
  static let qgemmTileElements = 49152
  /// QCC_QGEMM_M_CHUNK: the QGEMM packs each block of b once per this many rows anyway.
  static let qgemmTileRows = 256
  /// Tile columns of a QGEMM: multiples of every micro-kernel's register tile width (AVX-512 VNNI: 48).
  static let qgemmColumnQuantum = 48

  static let plan: PlanFunction = { (c) throws(OpError) in
    let op = opName
    let steps = try steps(c.inference)
    let shape = try c.resultShape()
    typealias Q = QuantizedPlans
    var plan = KernelPlan()
    var buffers = [BufferSlot?](repeating: nil, count: 16)
    buffers[0] = .result(0)
    var ints = [Int64](repeating: 0, count: 19)

    // Source.
    var first = 0
    var source = Int64(QCC_FUSED_SOURCE_NONE)
    var perColumn = false
    var gemm: QuantizedPlans.MatMulGEMM?
    switch steps[0].op {
    case "qcc.matmul":
      let sub = PlanContext(
        inference: InferenceContext(
          node: Node(op: "qcc.matmul", inputs: [], attributes: attributes(of: 0, c.node)),
          inputTypes: Array(c.inference.inputTypes.prefix(steps[0].args.count)),
          inputValues: Array(c.inference.inputValues.prefix(steps[0].args.count)), parameters: c.inference.parameters),
        resultTypes: [TensorType(.f32, Shape(shape))])
      let g = try Q.matMulGEMM(sub)
      guard g.single, g.bShape.count == 2 else { throw OpError("\(op): a matmul step's right operand must be a [K, N] matrix") }
      guard g.layout == QCC_ZP_SCALAR || g.layout == QCC_ZP_PER_COL else {
        throw OpError("\(op): a matmul step's right operand must be quantized per tensor or per column, not per group")
      }
      guard QuantizedOps.byteValueStorage.contains(g.qa.storage), QuantizedOps.byteValueStorage.contains(g.qb.storage) else {
        throw OpError("\(op): a matmul step's operands must be 8- or 16-bit")
      }
      gemm = g
      source = Int64(QCC_FUSED_SOURCE_QGEMM)
      perColumn = g.accScales.count > 1
      buffers[2] = .operand(0)
      buffers[3] = .operand(1)
      buffers[4] = g.zeroPoints
      buffers[5] = g.bias
      buffers[6] = Q.f32s(g.accScales)
      buffers[7] = Q.i32s([Int32](repeating: 0, count: g.accScales.count))
      ints[6] = Q.qtype(g.accumulator)
      ints[7] = Int64(g.accScales.count)
      ints[8] = Q.qtype(g.qa.storage)
      ints[9] = Q.qtype(g.qb.storage)
      ints[10] = Int64(g.za)
      ints[11] = Int64(g.layout.rawValue)
      ints[12] = Int64(g.k)
      first = 1
    case "qcc.dequantize":
      guard case .operand(let i) = steps[0].args[0] else { throw OpError("\(op): step 0 must read an operand") }
      let (q, p) = try Q.parameters(try c.inference.input(i), c, op, "operand \(i)")
      guard QuantizedOps.byteValueStorage.contains(q.storage) || q.storage == .i32 || q.storage == .i64 else {
        throw OpError("\(op): cannot dequantize \(q.storage) values in a chain")
      }
      switch q.granularity {
      case .perTensor: break
      case .perAxis(let axis, _, _) where axis == shape.count - 1: perColumn = true
      default: throw OpError("\(op): a dequantized operand must be quantized per tensor or per channel on its last axis")
      }
      source = Int64(QCC_FUSED_SOURCE_DEQUANTIZE)
      buffers[2] = .operand(i)
      buffers[6] = Q.f32s(p.scales)
      buffers[7] = Q.i32s(p.zeroPoints)
      ints[6] = Q.qtype(q.storage)
      ints[7] = Int64(p.scales.count)
      first = 1
    default: break
    }

    // Destination.
    var last = steps.count
    if steps.last?.op == "qcc.quantize" {
      let (q, p) = try Q.parameters(c.resultTypes[0], c, op, "the result")
      guard QuantizedOps.byteValueStorage.contains(q.storage) else { throw OpError("\(op): cannot quantize to \(q.storage) in a chain") }
      switch q.granularity {
      case .perTensor: break
      case .perAxis(let axis, _, _) where axis == shape.count - 1: perColumn = true
      default: throw OpError("\(op): the result must be quantized per tensor or per channel on its last axis")
      }
      let (lo, hi) = QuantizedOps.clampRange(p)
      buffers[8] = Q.f32s(p.scales)
      buffers[9] = Q.i32s(p.zeroPoints)
      ints[13] = Int64(QCC_FUSED_DEST_QUANTIZE)
      ints[14] = Q.qtype(q.storage)
      ints[15] = Int64(p.scales.count)
      ints[16] = Int64(lo)
      ints[17] = Int64(hi)
      last -= 1
    }

    // Operand tensors: every f32 operand a step reads, in order of first use.
    var operandIndex: [Int: Int] = [:]
    var operandShapes: [[Int]] = []
    for s in steps[first..<last] {
      for case .operand(let i) in s.args where operandIndex[i] == nil {
        guard operandIndex.count < maxOperands else { throw OpError("\(op): more than \(maxOperands) f32 operands") }
        operandIndex[i] = operandIndex.count
        operandShapes.append(try c.shape(i))
        buffers[10 + operandIndex[i]!] = .operand(i)
      }
    }
    guard let view = matrixView(shape, operands: operandShapes, lastAxis: gemm != nil || perColumn) else {
      throw OpError("\(op): the operands cannot be read as [rows, cols] tiles of the result \(shape)")
    }
    ints[0] = Int64(view.rows)
    ints[1] = Int64(view.cols)

    // Registers: step values live from their step to their last use; the source is register 0.
    var lastUse: [Int: Int] = [:]
    for (k, s) in steps.enumerated() { for case .step(let j) in s.args { lastUse[j] = k } }
    var register: [Int: Int] = [:]
    var busy = Set<Int>()
    if first == 1 {
      register[0] = 0
      busy.insert(0)
    }
    var kernelSteps: [Int64] = []
    var floats: [Float] = []
    var registerCount = first
    func ref(_ a: ElementwiseRef) -> Int64 {
      switch a {
      case .operand(let i): -1 - Int64(operandIndex[i]!)
      case .step(let j): Int64(register[j]!)
      }
    }
    guard last - first <= maxFloatSteps else { throw OpError("\(op): more than \(maxFloatSteps) elementwise steps") }
    for k in first..<last {
      let s = steps[k]
      let args = s.args.map(ref)
      // Registers whose values die here are free for this step's value (the kernels run in place).
      for case .step(let j) in s.args where lastUse[j] == k { busy.remove(register[j]!) }
      guard let dst = (0..<maxRegisters).first(where: { !busy.contains($0) }) else {
        throw OpError("\(op): more than \(maxRegisters) values live at once")
      }
      register[k] = dst
      // A value no later step reads (other than the result) holds no register.
      if lastUse[k] != nil || k == last - 1 { busy.insert(dst) }
      registerCount = max(registerCount, dst + 1)
      if let b = binaryOps[s.op] {
        kernelSteps += [Int64(QCC_FUSED_BINARY), Int64(b.rawValue), Int64(dst), args[0], args[1]]
      } else {
        let p = try unaryParameters(s.op, attributes(of: k, c.node))
        kernelSteps += [Int64(QCC_FUSED_UNARY), Int64(p.kernel.rawValue), Int64(dst), args[0], 0]
        floats += [p.alpha, p.beta]
      }
    }

    // Tiles.
    let cols = max(view.cols, 1), rows = max(view.rows, 1)
    var tileCols: Int, tileRows: Int
    if let tile = try c.attributes.ints("tile") {
      guard tile.count == 2, tile.allSatisfy({ $0 >= 1 && $0 <= 1 << 24 }), tile[0] * tile[1] <= 1 << 26 else {
        throw OpError("\(op): `tile` must be [rows, cols], each 1…2^24, at most 2^26 elements; got \(tile)")
      }
      tileRows = min(rows, tile[0])
      tileCols = min(cols, tile[1])
    } else if gemm != nil {
      // Whole QGEMM row chunks (B is packed once per column block, as unfused), columns in multiples of 48.
      // Columns: whole panels, split evenly over as few tiles as the budget allows.
      tileRows = min(rows, qgemmTileRows)
      let target = max(qgemmColumnQuantum, qgemmTileElements / tileRows)
      let panels = (cols + qgemmColumnQuantum - 1) / qgemmColumnQuantum
      let tiles = (cols + target - 1) / target
      tileCols = min(cols, (panels + tiles - 1) / tiles * qgemmColumnQuantum)
    } else {
      tileCols = min(cols, tileElements)
      tileRows = min(rows, max(1, tileElements / tileCols))
    }
    ints[2] = Int64(tileRows)
    ints[3] = Int64(tileCols)
    ints[4] = Int64(max(registerCount, 1))
    ints[5] = source
    ints[18] = Int64(operandShapes.count)
    for s in view.strides { ints += s }
    ints.append(Int64(kernelSteps.count / 5))
    ints += kernelSteps
    let scratch = view.rows * view.cols == 0
      ? 0 : Int(qcc_fused_elementwise_scratch_bytes(source, ints[6], ints[2], ints[3], ints[4]))
    if scratch > 0 { buffers[1] = plan.scratch(scratch) }
    plan.calls.append(KernelCall(.fusedElementwise, buffers: buffers, ints: ints, floats: floats))
    return plan
  }

  static let definition = OpDefinition.planned(opName, inferTypes: { (c) throws(OpError) in try inferTypes(c) }, plan: plan)
}
