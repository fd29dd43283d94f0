import QCCIR
import QCCKernels

/// How a compiled program runs one node: a list of kernel calls over the
/// node's operands, results, scratch buffers and small constants the plan
/// computed (multipliers, broadcast parameters).
///
/// Every shape decision — broadcasting strides, transposes, requantization
/// multipliers, im2col windows — is made here, at compile time, so a call
/// carries only a kernel id, its buffers and two flat parameter arrays. What
/// each kernel's buffers and parameters mean is defined once, in C
/// (`targets/runtime/include/qcc_program.h`), and `qcc_call_run` decodes them.
/// The `.qprog` target serialises plans; C code generation emits the same calls.
///
///     %y = Transpose(%x) {perm = [1, 0]} : tensor<3x2xf32>
///   plans as
///     copy(result 0, operand 0) ints [4, 2, 3, 2, 2, 1, 1, 3]
public struct KernelPlan: Sendable {
  /// The calls, in order.
  public var calls: [KernelCall] = []
  /// Bytes of each scratch buffer (`PlanBuffer.scratch(i)`), live during this node only.
  public var scratchBytes: [Int] = []
  /// Results that are views of an operand's storage (Reshape, Squeeze…): result index → where it lives.
  /// Such results are not written by any call.
  public var aliases: [Int: BufferSlot] = [:]

  public init(calls: [KernelCall] = [], scratchBytes: [Int] = [], aliases: [Int: BufferSlot] = [:]) {
    self.calls = calls
    self.scratchBytes = scratchBytes
    self.aliases = aliases
  }

  /// Adds a scratch buffer of `bytes` bytes and returns it.
  public mutating func scratch(_ bytes: Int) -> BufferSlot {
    scratchBytes.append(bytes)
    return BufferSlot(.scratch(scratchBytes.count - 1))
  }
}

/// A buffer a plan refers to.
public enum PlanBuffer: Sendable, Equatable {
  /// The node's operand i (a graph input, a constant, or another node's result).
  case operand(Int)
  /// The node's result i.
  case result(Int)
  /// The plan's scratch buffer i (`KernelPlan.scratchBytes`).
  case scratch(Int)
  /// Small constant data the plan computed (multipliers, zero points).
  case constant(TensorData)

  public static func == (a: PlanBuffer, b: PlanBuffer) -> Bool {
    switch (a, b) {
    case (.operand(let x), .operand(let y)), (.result(let x), .result(let y)), (.scratch(let x), .scratch(let y)): x == y
    case (.constant(let x), .constant(let y)): x.elementType == y.elementType && x.shape == y.shape && x.bytes.elementsEqual(y.bytes)
    default: false
    }
  }
}

/// A buffer and a byte offset into it (a call may start inside a tensor: a Slice, a Concat part).
public struct BufferSlot: Sendable, Equatable {
  public var buffer: PlanBuffer
  public var byteOffset: Int
  public init(_ buffer: PlanBuffer, byteOffset: Int = 0) {
    self.buffer = buffer
    self.byteOffset = byteOffset
  }
  public static func operand(_ i: Int, byteOffset: Int = 0) -> BufferSlot { BufferSlot(.operand(i), byteOffset: byteOffset) }
  public static func result(_ i: Int, byteOffset: Int = 0) -> BufferSlot { BufferSlot(.result(i), byteOffset: byteOffset) }
  public static func constant(_ data: TensorData) -> BufferSlot { BufferSlot(.constant(data)) }
}

/// One kernel call: `qcc_call` in C.
public struct KernelCall: Sendable, Equatable {
  public var kernel: KernelID
  /// The buffers in the kernel's order; nil where an optional buffer is absent.
  public var buffers: [BufferSlot?]
  public var ints: [Int64]
  public var floats: [Float]

  public init(_ kernel: KernelID, buffers: [BufferSlot?], ints: [Int64], floats: [Float] = []) {
    self.kernel = kernel
    self.buffers = buffers
    self.ints = ints
    self.floats = floats
  }
}

/// Kernel ids, as `qcc_kernel_id` in qcc_program.h (written into files: never renumbered).
public enum KernelID: Int32, Sendable, CaseIterable {
  case copy = 1, fill, gather, f32Binary, f32Unary, f32Softmax, f32LayerNorm, f32RMSNorm, f32Gemm
  case quantize, dequantize, requantize, qgemm, qconv, qadd, qmul
  case cast, `where`, f32IsNaN, boolBinary, f32Reduce, f32Pool, attention, qscan, fusedElementwise
  case f32ConvTranspose
  case f32Resample, compare, f32ArgReduce, cumsum, trilu
}

/// What a plan function sees: the node as type inference does (attributes,
/// operand types and constant data, quantization parameters) and its result
/// types. Every shape is static (the compiler checks before planning).
public struct PlanContext: Sendable {
  public let inference: InferenceContext
  public let resultTypes: [TensorType]
  public init(inference: InferenceContext, resultTypes: [TensorType]) {
    self.inference = inference
    self.resultTypes = resultTypes
  }

  public var node: Node { inference.node }
  public var attributes: AttributeReader { inference.attributes }
  public var operandCount: Int { inference.inputCount }
  public func hasOperand(_ i: Int) -> Bool { i < inference.inputTypes.count && inference.inputTypes[i] != nil }

  /// The static shape of operand i.
  public func shape(_ i: Int) throws(OpError) -> [Int] {
    let t = try inference.input(i)
    guard let s = t.shape.staticSizes else { throw OpError("operand \(i) has a dynamic shape \(Printer.spell(t))") }
    return s
  }
  /// The static shape of result i.
  public func resultShape(_ i: Int = 0) throws(OpError) -> [Int] {
    guard i < resultTypes.count, let s = resultTypes[i].shape.staticSizes else {
      throw OpError("result \(i) has no static shape")
    }
    return s
  }
  public func elementType(_ i: Int) throws(OpError) -> ElementType { try inference.input(i).elementType }
  public func resultElementType(_ i: Int = 0) -> ElementType { resultTypes[i].elementType }
  /// The data of operand i when it is a constant.
  public func value(_ i: Int) -> TensorData? { inference.value(i) }
}

/// A plan function: the node's kernel calls, or an OpError saying why this
/// configuration cannot run as a compiled program (an element type, a
/// dynamic shape).
public typealias PlanFunction = @Sendable (PlanContext) throws(OpError) -> KernelPlan

/// The plans of every op a compiled program can run, by op name.
public enum OpPlans {
  /// Registered plans. Ops absent here cannot be compiled to kernel calls.
  nonisolated(unsafe) public static var table: [String: PlanFunction] = builtinPlans()

  public static func plan(for op: String) -> PlanFunction? { table[op] }

  static func builtinPlans() -> [String: PlanFunction] {
    var t: [String: PlanFunction] = [:]
    QuantizedPlans.register(into: &t)
    FloatPlans.register(into: &t)
    return t
  }
}

// MARK: - Helpers shared by plan functions

extension KernelPlan {
  /// A plan of one call.
  public init(_ call: KernelCall) { self.init(calls: [call]) }
}

/// Row-major element strides of `shape`.
public func denseStrides(_ shape: [Int]) -> [Int64] {
  var strides = [Int64](repeating: 1, count: shape.count)
  var s: Int64 = 1
  for d in stride(from: shape.count - 1, through: 0, by: -1) {
    strides[d] = s
    s *= Int64(shape[d])
  }
  return strides
}

/// Strides that read `shape` (right-aligned, numpy broadcasting) as if it had `target`'s shape: 0 along broadcast dims.
public func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int64] {
  let dense = denseStrides(shape)
  let offset = target.count - shape.count
  return target.indices.map { d in
    let i = d - offset
    guard i >= 0 else { return 0 }
    return shape[i] == 1 && target[d] != 1 ? 0 : dense[i]
  }
}

/// The qcc_elem code of an element type (qcc_program.h).
public func elemCode(_ t: ElementType) -> Int64 {
  switch t {
  case .f32: 1
  case .f64: 2
  case .f16: 3
  case .bf16: 4
  case .i8: 5
  case .u8: 6
  case .i16: 7
  case .u16: 8
  case .i32: 9
  case .u32: 10
  case .i64: 11
  case .u64: 12
  case .bool: 13
  case .i4: 14
  case .u4: 15
  }
}
