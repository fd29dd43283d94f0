import QCCIR
import QCCKernels
import QCCOps

#if canImport(Glibc)
import Glibc
#endif

/// A loaded `.qprog`, run on the host by the C runtime that runs it on a
/// device (`targets/runtime/qprog.c`): `qcc run model.qprog` goes through here.
public final class QProgram: @unchecked Sendable {
  /// An input or output as the program describes it.
  public struct TensorInfo: Sendable {
    public var name: String
    public var elementType: ElementType
    public var shape: [Int]
    public var bytes: Int
  }

  private let storage: UnsafeMutableRawPointer
  private let size: Int
  private var program = qcc_qprog()
  public let inputs: [TensorInfo]
  public let outputs: [TensorInfo]
  public let arenaBytes: Int
  public let callCount: Int

  /// Validates `bytes` as a .qprog (copied into 64-byte-aligned memory). Throws the loader's message.
  public init(bytes: [UInt8]) throws(ProgramError) {
    let size = bytes.count
    let storage = UnsafeMutableRawPointer.allocate(byteCount: max(size, 1), alignment: 64)
    bytes.withUnsafeBytes { if let base = $0.baseAddress { storage.copyMemory(from: base, byteCount: size) } }
    var error = [CChar](repeating: 0, count: 512)
    var p = qcc_qprog()
    guard qcc_qprog_open(storage, size, &p, &error, error.count) == 0 else {
      storage.deallocate()
      throw ProgramError(Self.message(error))
    }
    self.size = size
    self.storage = storage
    func info(_ get: (UInt32, UnsafeMutablePointer<qcc_qprog_tensor_info>) -> Int32, _ count: UInt32) -> [TensorInfo] {
      (0..<count).map { i in
        var t = qcc_qprog_tensor_info()
        _ = get(i, &t)
        let shape = withUnsafeBytes(of: t.shape) { Array($0.bindMemory(to: Int64.self).prefix(Int(t.rank))) }.map { Int($0) }
        return TensorInfo(
          name: String(cString: t.name), elementType: Self.elementType(t.elem) ?? .u8, shape: shape, bytes: Int(t.bytes))
      }
    }
    program = p
    inputs = info({ qcc_qprog_input(&p, $0, $1) }, qcc_qprog_input_count(&p))
    outputs = info({ qcc_qprog_output(&p, $0, $1) }, qcc_qprog_output_count(&p))
    arenaBytes = Int(qcc_qprog_arena_bytes(&p))
    callCount = Int(qcc_qprog_call_count(&p))
  }

  deinit { storage.deallocate() }

  /// Runs the program on `inputs` (in the program's order, types and shapes checked by the caller).
  public func run(_ inputs: [TensorData]) throws(ProgramError) -> [TensorData] {
    precondition(inputs.count == self.inputs.count)
    let arena = UnsafeMutableRawPointer.allocate(byteCount: max(arenaBytes, 1), alignment: 64)
    defer { arena.deallocate() }
    let outputBuffers = outputs.map { UnsafeMutableRawPointer.allocate(byteCount: max($0.bytes, 1), alignment: 64) }
    defer { outputBuffers.forEach { $0.deallocate() } }
    var error = [CChar](repeating: 0, count: 512)
    let status = withExtendedLifetime(inputs) { () -> Int32 in
      let inputPointers: [UnsafeRawPointer?] = inputs.map { $0.bytes.baseAddress }
      let outputPointers: [UnsafeMutableRawPointer?] = outputBuffers
      return inputPointers.withUnsafeBufferPointer { ip in
        outputPointers.withUnsafeBufferPointer { op in
          qcc_qprog_run(&program, ip.baseAddress, op.baseAddress, arena, &error, error.count)
        }
      }
    }
    guard status == 0 else { throw ProgramError(Self.message(error)) }
    return zip(outputs, outputBuffers).map { info, buffer in
      TensorData(elementType: info.elementType, shape: info.shape, copying: UnsafeRawBufferPointer(start: buffer, count: info.bytes))
    }
  }

  static func message(_ error: [CChar]) -> String {
    error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
  }

  static func elementType(_ code: Int32) -> ElementType? {
    ElementType.allCases.first { elemCode($0) == Int64(code) }
  }
}
