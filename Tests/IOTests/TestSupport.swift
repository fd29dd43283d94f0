import Foundation
import QCCIO
import QCCIR
import _QCCTestSupport

/// The path of an IOTests fixture.
func fixture(_ name: String) -> String { Fixtures.path("IOTests/Fixtures/\(name)") }

/// The bytes of an IOTests fixture.
func fixtureBytes(_ name: String) throws -> [UInt8] {
  [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture(name))))
}

/// The bytes of the file at `path`.
func fileBytes(_ path: String) throws -> [UInt8] {
  [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// The message of the `TensorFileError` `body` fails with, or nil if it succeeds.
/// (Closures do not infer typed throws yet, so this takes any error.)
func errorMessage<T>(_ body: () throws -> T) -> String? {
  do {
    _ = try body()
    return nil
  } catch let error as TensorFileError {
    return error.description
  } catch {
    return "unexpected \(type(of: error)): \(error)"
  }
}

/// `NPY.read(bytes:name:)` on an array.
func readNPY(_ bytes: [UInt8], name: String = "x.npy") throws(TensorFileError) -> TensorData {
  try withUnsafeBytesTyped(bytes) { raw throws(TensorFileError) in try NPY.read(bytes: raw, name: name) }
}

/// `NPZ.read(bytes:name:)` on an array.
func readNPZ(_ bytes: [UInt8], name: String = "d.npz") throws(TensorFileError) -> [(name: String, tensor: TensorData)] {
  try withUnsafeBytesTyped(bytes) { raw throws(TensorFileError) in try NPZ.read(bytes: raw, name: name) }
}

private func withUnsafeBytesTyped<R>(
  _ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(TensorFileError) -> R
) throws(TensorFileError) -> R {
  let result: Result<R, TensorFileError> = bytes.withUnsafeBytes { raw in
    do throws(TensorFileError) { return .success(try body(raw)) } catch { return .failure(error) }
  }
  return try result.get()
}

/// A `.npy` file with the given header text (used as is: no padding) and data.
func npyFile(header: String, data: [UInt8] = [], major: UInt8 = 1, minor: UInt8 = 0) -> [UInt8] {
  var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, minor]
  let text = Array(header.utf8)
  if major == 1 {
    withUnsafeBytes(of: UInt16(text.count).littleEndian) { bytes += $0 }
  } else {
    withUnsafeBytes(of: UInt32(text.count).littleEndian) { bytes += $0 }
  }
  return bytes + text + data
}

/// A header dict as numpy writes it (without padding).
func header(descr: String, shape: String, fortranOrder: Bool = false) -> String {
  "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shape), }\n"
}

/// A fresh, empty temporary directory, removed by `cleanup`.
final class TemporaryDirectory {
  let path: String

  init() throws {
    path = FileManager.default.temporaryDirectory
      .appendingPathComponent("qcc-io-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  func file(_ name: String) -> String { "\(path)/\(name)" }

  /// The names of the files in the directory.
  func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

  deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Little-endian access to archive bytes, for corrupting them on purpose.
extension Array where Element == UInt8 {
  func uint16(at offset: Int) -> Int { Int(self[offset]) | Int(self[offset + 1]) << 8 }
  func uint32(at offset: Int) -> Int { uint16(at: offset) | uint16(at: offset + 2) << 16 }

  mutating func setUInt16(_ value: Int, at offset: Int) {
    self[offset] = UInt8(value & 0xFF)
    self[offset + 1] = UInt8(value >> 8 & 0xFF)
  }

  mutating func setUInt32(_ value: Int, at offset: Int) {
    setUInt16(value & 0xFFFF, at: offset)
    setUInt16(value >> 16 & 0xFFFF, at: offset + 2)
  }

  /// The offset of the end of central directory record of a zip archive without a comment.
  var endRecordOffset: Int { count - 22 }

  /// The offsets of the central directory entries of a zip archive.
  var centralEntryOffsets: [Int] {
    var offsets: [Int] = []
    var position = uint32(at: endRecordOffset + 16)
    if position == 0xFFFF_FFFF {
      // ZIP64: the locator, 20 bytes before the end record, points at the ZIP64 record.
      let record = uint32(at: endRecordOffset - 12)
      position = uint32(at: record + 48)
    }
    while uint32(at: position) == 0x0201_4b50 {
      offsets.append(position)
      position += 46 + uint16(at: position + 28) + uint16(at: position + 30) + uint16(at: position + 32)
    }
    return offsets
  }

  /// The offset of the first occurrence of `pattern`.
  func offset(of pattern: [UInt8]) -> Int? {
    guard count >= pattern.count else { return nil }
    return (0...(count - pattern.count)).first { Array(self[$0..<($0 + pattern.count)]) == pattern }
  }
}
