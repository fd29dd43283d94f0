import Foundation
import QCCTargets
import Testing

/// A damaged .qprog is rejected with a message, never read out of bounds
/// (the C fuzz tool runs the same under AddressSanitizer: `make qprog-fuzz`).
@Suite struct QProgCorruptionTests {
  /// The example model's program (compiled once).
  static let compiled = Result { try Compile.example().bytes }
  var valid: [UInt8] { get throws { try Self.compiled.get() } }

  func rejection(_ bytes: [UInt8]) -> String? {
    do {
      _ = try QProgram(bytes: bytes)
      return nil
    } catch {
      return error.message
    }
  }

  @Test func everyTruncationIsRejected() throws {
    let valid = try self.valid
    var lengths = Array(0..<min(valid.count, 4096))
    lengths += stride(from: 4096, to: valid.count, by: 509)
    for n in lengths {
      let message = rejection(Array(valid.prefix(n)))
      #expect(message != nil && !message!.isEmpty, "a file cut to \(n) of \(valid.count) bytes was accepted")
    }
  }

  @Test func truncationMessagesSayWhatIsMissing() throws {
    #expect(rejection(Array(try valid.prefix(40))) == "qprog: truncated: the header needs 112 bytes, the file has 40")
    #expect(rejection(Array("QPRX".utf8) + Array(try valid.dropFirst(4)))?.contains("magic") == true)
  }

  @Test func aNewerVersionIsNamed() throws {
    var bytes = try valid
    bytes[4] = 99
    #expect(rejection(bytes)?.contains("99") == true)
  }

  @Test func flippedBitsAreCaughtByTheChecksum() throws {
    var bytes = try valid
    bytes[bytes.count / 2] ^= 0x10
    #expect(rejection(bytes)?.contains("CRC") == true || rejection(bytes)?.contains("crc") == true)
  }
}
