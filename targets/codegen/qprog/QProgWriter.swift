import QCCIR
import QCCKernels
import QCCOps

/// Serialises a `Program` as a `.qprog` file (docs/qprog.md, version
/// `QCC_QPROG_VERSION`): header, tensor records, call records, names, and
/// 64-byte-aligned constants.
public enum QProgWriter {
  public static let headerBytes = 112
  public static let tensorRecordBytes = 112
  public static let absentTensor = UInt32.max

  public static func bytes(of program: Program) throws(ProgramError) -> [UInt8] {
    var names = ByteWriter()
    var nameOffsets: [String: UInt32] = [:]
    func name(_ s: String) -> UInt32 {
      if let o = nameOffsets[s] { return o }
      let o = UInt32(names.count)
      names.append(Array(s.utf8) + [0])
      nameOffsets[s] = o
      return o
    }

    let (constants, constantOffset) = program.constantSection()

    var tensors = ByteWriter()
    for (i, t) in program.tensors.enumerated() {
      let elem = elemCode(t.elementType)
      guard t.shape.count <= Int(QCC_MAX_RANK) else {
        throw ProgramError("tensor '\(t.name)': rank \(t.shape.count) exceeds \(QCC_MAX_RANK)")
      }
      let (kind, index, offset): (UInt32, UInt32, Int) =
        switch t.storage {
        case .input(let k): (1, UInt32(k), 0)
        case .output(let k): (2, UInt32(k), 0)
        case .constant: (3, 0, constantOffset[i]!)
        case .arena: (4, 0, t.offset)
        }
      tensors.u32(UInt32(elem))
      tensors.u32(UInt32(t.shape.count))
      tensors.u32(kind)
      tensors.u32(index)
      tensors.u64(UInt64(offset))
      tensors.u64(UInt64(t.bytes))
      for d in 0..<Int(QCC_MAX_RANK) { tensors.i64(d < t.shape.count ? Int64(t.shape[d]) : 0) }
      tensors.u32(name(t.name))
      let q = t.quantization
      tensors.u32(q == nil ? 0 : 1)
      tensors.f32(q?.scale ?? 0)
      tensors.i32(q?.zeroPoint ?? 0)
    }

    var calls = ByteWriter()
    for call in program.calls {
      calls.u32(UInt32(call.kernel.rawValue))
      calls.u32(UInt32(call.buffers.count))
      calls.u32(UInt32(call.ints.count))
      calls.u32(UInt32(call.floats.count))
      calls.u32(name(call.node))
      calls.u32(0)
      for b in call.buffers {
        calls.u32(b.map { UInt32($0.tensor) } ?? absentTensor)
        calls.u32(0)
        calls.u64(UInt64(b?.byteOffset ?? 0))
      }
      for v in call.ints { calls.i64(v) }
      for v in call.floats { calls.f32(v) }
      calls.pad(to: 8)
    }

    let tensorsOffset = headerBytes
    let callsOffset = tensorsOffset + tensors.count
    let namesOffset = callsOffset + calls.count
    let constantsOffset = (namesOffset + names.count + 63) / 64 * 64
    let fileSize = constantsOffset + constants.count

    var body = ByteWriter()
    body.append(tensors.bytes)
    body.append(calls.bytes)
    body.append(names.bytes)
    body.pad(to: 64, base: headerBytes)
    body.append(constants)
    let crc = body.bytes.withUnsafeBytes { qcc_crc32(0, $0.baseAddress, $0.count) }

    var header = ByteWriter()
    header.append(Array("QPRG".utf8))
    header.u32(UInt32(QCC_QPROG_VERSION))
    header.u32(0)
    header.u32(UInt32(program.tensors.count))
    header.u32(UInt32(program.inputCount))
    header.u32(UInt32(program.outputCount))
    header.u32(UInt32(program.calls.count))
    header.u32(crc)
    header.u64(UInt64(fileSize))
    header.u64(UInt64(program.arenaBytes))
    for v in [tensorsOffset, tensors.count, callsOffset, calls.count, namesOffset, names.count, constantsOffset, constants.count] {
      header.u64(UInt64(v))
    }
    precondition(header.count == headerBytes && headerBytes + body.count == fileSize)
    return header.bytes + body.bytes
  }
}

/// Little-endian field writer.
struct ByteWriter {
  var bytes: [UInt8] = []
  var count: Int { bytes.count }
  mutating func append(_ b: [UInt8]) { bytes += b }
  mutating func append(_ b: UnsafeRawBufferPointer) { bytes += b }
  mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
  mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
  mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
  mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
  mutating func f32(_ v: Float) { u32(v.bitPattern) }
  /// Zero bytes until (base + count) is a multiple of `alignment`.
  mutating func pad(to alignment: Int, base: Int = 0) {
    while (base + bytes.count) % alignment != 0 { bytes.append(0) }
  }
}
