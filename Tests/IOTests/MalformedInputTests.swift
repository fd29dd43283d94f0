import QCCIO
import QCCIR
import Testing

/// Every way a .npy file can be broken gets a message naming the file and the problem.
@Suite struct MalformedNPYTests {
  func message(_ bytes: [UInt8]) -> String? { errorMessage { try readNPY(bytes) } }

  func message(header text: String, data: [UInt8] = []) -> String? { message(npyFile(header: text, data: data)) }

  @Test func unreadableFiles() throws {
    let dir = try TemporaryDirectory()
    let missing = dir.file("missing.npy")
    #expect(errorMessage { try NPY.read(path: missing) } == "\(missing): cannot open: No such file or directory")
    #expect(errorMessage { try NPZ.read(path: dir.path) } == "\(dir.path): not a regular file")
    let empty = dir.file("empty.npy")
    try NPY.write(TensorData(zeros: .f32, shape: [0]), to: empty)
    #expect(try NPY.read(path: empty).shape == [0])
    #expect(errorMessage { try TensorFiles.read(fixture("savez.npz") + ":zz") }
      == "\(fixture("savez.npz")): no member named 'zz' (members: a, b, s)")
  }

  @Test func badMagic() {
    #expect(message([]) == "x.npy: empty file")
    #expect(message(Array("PK\u{3}\u{4} not numpy".utf8)) == "x.npy: not a .npy file (bad magic)")
    #expect(message([0x93] + Array("NUMPx".utf8)) == "x.npy: not a .npy file (bad magic)")
  }

  @Test func truncatedPreamble() throws {
    let f32 = try fixtureBytes("dtype_f32.npy")
    for length in [1, 4, 6, 7, 8, 9] {
      #expect(message(Array(f32.prefix(length))) == "x.npy: truncated: file ends inside the preamble", "\(length)")
    }
  }

  @Test func unsupportedVersions() {
    let text = header(descr: "<f4", shape: "()")
    #expect(message(npyFile(header: text, major: 4)) == "x.npy: unsupported .npy format version 4.0")
    #expect(message(npyFile(header: text, minor: 1)) == "x.npy: unsupported .npy format version 1.1")
    #expect(message(npyFile(header: "", major: 0)) == "x.npy: unsupported .npy format version 0.0")
  }

  @Test func headerLongerThanTheFile() throws {
    // dtype_f32.npy has a 118-byte header after its 10-byte preamble.
    let f32 = try fixtureBytes("dtype_f32.npy")
    #expect(message(Array(f32.prefix(50))) == "x.npy: truncated: preamble says the header is 118 bytes, file has 40")
    #expect(message(Array(f32.prefix(10))) == "x.npy: truncated: preamble says the header is 118 bytes, file has 0")
    var v2 = npyFile(header: "{}", major: 2)
    v2[8...11] = [0xFF, 0xFF, 0xFF, 0xFF]
    #expect(message(v2) == "x.npy: truncated: preamble says the header is 4294967295 bytes, file has 2")
  }

  @Test func truncatedData() throws {
    let path = fixture("truncated_image.npy")
    #expect(errorMessage { try NPY.read(path: path) }
      == "\(path): truncated: header says 602112 bytes of data, file has 1000")
    let f32 = try fixtureBytes("dtype_f32.npy")
    #expect(message(Array(f32.dropLast())) == "x.npy: truncated: header says 24 bytes of data, file has 23")
    #expect(message(Array(f32.prefix(128))) == "x.npy: truncated: header says 24 bytes of data, file has 0")
  }

  @Test func malformedHeaders() {
    #expect(message(header: "{'descr': '<f4' 'fortran_order': False}")
      == "x.npy: malformed header: expected ',' or '}' in dict at column 17 in {'descr': '<f4' 'fortran_order': False}")
    #expect(message(header: "")
      == "x.npy: malformed header: expected a value, found the end of the header at column 1 in ")
    #expect(message(header: "\u{0}\u{1}garbage") != nil)
    let trailing = "{'descr': '<f4', 'fortran_order': False, 'shape': (), } trailing"
    #expect(message(header: trailing)
      == "x.npy: malformed header: unexpected text after the literal at column 57 in \(trailing)")
    #expect(message(header: "{'descr': '<f4, 'shape': ()}")
      == "x.npy: malformed header: expected ',' or '}' in dict at column 18 in {'descr': '<f4, 'shape': ()}")
    #expect(message(header: "{'descr' '<f4'}")
      == "x.npy: malformed header: expected ':' after dict key 'descr' at column 10 in {'descr' '<f4'}")
    #expect(message(header: "{'descr': '<f4\n}")
      == "x.npy: malformed header: unterminated string at column 15 in {'descr': '<f4\n}")
    #expect(message(header: "{'descr': f4}")
      == "x.npy: malformed header: unexpected name 'f4' at column 13 in {'descr': f4}")
    #expect(message(header: "[1, 2]") == "x.npy: malformed header: not a dict: [1, 2]")
    #expect(message(header: "{'descr': '<f4', 'shape': ()}") == "x.npy: malformed header: missing key 'fortran_order'")
    #expect(message(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (), 'extra': 1}")
      == "x.npy: malformed header: unexpected key 'extra'")
    #expect(message(header: "{1: 2}") == "x.npy: malformed header: unexpected key 1")
    #expect(message(header: header(descr: "<f4", shape: "()").replacingFalse(with: "1"))
      == "x.npy: malformed header: 'fortran_order' is 1, not True or False")
    let deep = String(repeating: "(", count: 40) + String(repeating: ")", count: 40)
    #expect(message(header: "{'shape': \(deep)}")
      == "x.npy: malformed header: literal nested too deeply at column 26 in {'shape': \(deep)}")
  }

  @Test func longHeadersAreCutShortInMessages() {
    let text = "{'descr': " + String(repeating: "x", count: 300) + "}"
    let expected = "x.npy: malformed header: unexpected name '\(String(repeating: "x", count: 300))' at column 311 in "
      + String(text.prefix(200)) + "…"
    #expect(message(header: text) == expected)
  }

  @Test func unsupportedDtypes() {
    let path = fixture("complex_c8.npy")
    #expect(errorMessage { try NPY.read(path: path) } == "\(path): unsupported dtype '<c8'")
    for descr in ["<f3", "<f16", "|S3", "<U5", "|O", "!f4", "<M8[ns]", "i", "", "<ff4"] {
      #expect(message(header: header(descr: descr, shape: "()")) == "x.npy: unsupported dtype '\(descr)'")
    }
    #expect(message(header: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}")
      == "x.npy: unsupported dtype [('a', '<f4')]")
    #expect(message(header: "{'descr': None, 'fortran_order': False, 'shape': (2,)}")
      == "x.npy: unsupported dtype None")
  }

  @Test func invalidShapes() {
    func shapeMessage(_ shape: String) -> String? { message(header: header(descr: "<f8", shape: shape)) }
    #expect(shapeMessage("(-1, 3)") == "x.npy: invalid shape (-1, 3): negative dimension")
    #expect(shapeMessage("(2.5, 3)") == "x.npy: invalid shape (2.5, 3): dimensions must be integers")
    #expect(shapeMessage("(2, 1e3)") == "x.npy: invalid shape (2, 1e3): dimensions must be integers")
    #expect(shapeMessage("('2',)") == "x.npy: invalid shape ('2',): dimensions must be integers")
    #expect(shapeMessage("(True,)") == "x.npy: invalid shape (True,): dimensions must be integers")
    #expect(shapeMessage("[2, 3]") == "x.npy: invalid shape [2, 3]: not a tuple")
    #expect(shapeMessage("(5)") == "x.npy: invalid shape (5): not a tuple")
    #expect(shapeMessage("None") == "x.npy: invalid shape None: not a tuple")
    #expect(shapeMessage("(99999999999999999999,)")
      == "x.npy: invalid shape (99999999999999999999,): dimension 99999999999999999999 is too large")
    #expect(shapeMessage("(4294967296, 4294967296)")
      == "x.npy: invalid shape (4294967296, 4294967296): too many elements")
    // The element count fits, but not its size in bits.
    #expect(shapeMessage("(1152921504606846976,)") == "x.npy: invalid shape (1152921504606846976,): too many elements")
    // numpy would call this zero-size; qcc multiplies every dimension, so it cannot be represented.
    #expect(shapeMessage("(4294967296, 4294967296, 0)")
      == "x.npy: invalid shape (4294967296, 4294967296, 0): too many elements")
    #expect(shapeMessage("(1048576, 1048576)")
      == "x.npy: truncated: header says 8796093022208 bytes of data, file has 0")
  }

  /// Every prefix and many corruptions of real files fail cleanly: no crash,
  /// no out-of-bounds read (run under the address sanitizer to check the latter).
  @Test(arguments: ["dtype_f64.npy", "fortran_i32.npy", "bigendian_fortran_i16.npy", "v3_u8.npy", "scalar_f32.npy"])
  func survivesTruncationAndCorruption(_ name: String) throws {
    let bytes = try fixtureBytes(name)
    for length in 0..<bytes.count {
      #expect(throws: TensorFileError.self) { try readNPY(Array(bytes.prefix(length))) }
    }
    var random = SplitMix(seed: 0x5EED)
    for _ in 0..<2000 {
      var corrupted = bytes
      for _ in 0...(random.next() % 3) {
        corrupted[Int(random.next() % UInt64(corrupted.count))] = UInt8(truncatingIfNeeded: random.next())
      }
      _ = try? readNPY(corrupted)
    }
  }
}

@Suite struct MalformedNPZTests {
  func message(_ bytes: [UInt8]) -> String? { errorMessage { try readNPZ(bytes) } }

  @Test func notAnArchive() throws {
    #expect(message([]) == "d.npz: not a .npz file (no zip end of central directory record)")
    let notZip = "d.npz: not a .npz file (no zip end of central directory record)"
    #expect(message(try fixtureBytes("dtype_f32.npy")) == notZip)
    #expect(message(Array(try fixtureBytes("savez.npz").dropLast(5))) == notZip)
  }

  @Test func crcMismatch() throws {
    var archive = try fixtureBytes("savez.npz")
    // The first member's data: its .npy header is 128 bytes.
    let npy = try #require(archive.offset(of: [0x93] + Array("NUMPY".utf8)))
    archive[npy + 128 + 5] ^= 0x01
    #expect(message(archive) == "d.npz: member 'a.npy' is corrupt (CRC mismatch)")
  }

  @Test func corruptDeflateData() throws {
    var archive = try fixtureBytes("savez_compressed.npz")
    let entry = archive.centralEntryOffsets[0]
    let dataStart = 30 + archive.uint16(at: 26) + archive.uint16(at: 28)
    let compressed = archive.uint32(at: entry + 20)
    for i in dataStart..<(dataStart + compressed) { archive[i] = 0xFF }
    #expect(message(archive) == "d.npz: member 'a.npy' is corrupt (inflate failed: invalid block type)")
  }

  @Test func inconsistentSizes() throws {
    // descriptors.npz defers sizes to data descriptors, so only the central directory has them.
    var archive = try fixtureBytes("descriptors.npz")
    let entry = archive.centralEntryOffsets[0]
    let compressed = archive.uint32(at: entry + 20)
    #expect(archive.uint32(at: entry + 24) == 152)

    archive.setUInt32(100, at: entry + 24)
    #expect(message(archive) == "d.npz: member 'a.npy' is corrupt (inflates to more than the recorded 100 bytes)")
    archive.setUInt32(151, at: entry + 24)
    #expect(message(archive) == "d.npz: member 'a.npy' is corrupt (inflates to 152 bytes, not the recorded 151)")
    archive.setUInt32(153, at: entry + 24)
    #expect(message(archive) == "d.npz: member 'a.npy' is corrupt (inflates to 152 bytes, not the recorded 153)")
    archive.setUInt32(0x7FFF_FFFF, at: entry + 24)
    #expect(message(archive)
      == "d.npz: member 'a.npy' is corrupt (recorded size 2147483647 is impossible for \(compressed) compressed bytes)")
    archive.setUInt32(152, at: entry + 24)
    archive.setUInt32(compressed - 10, at: entry + 20)
    #expect(message(archive) == "d.npz: member 'a.npy' is corrupt (compressed data ends early)")
    archive.setUInt32(0x7FFF_FFFF, at: entry + 20)
    #expect(message(archive) == "d.npz: member 'a.npy' is corrupt (data lies outside the file)")
  }

  @Test func localHeaderMismatch() throws {
    // numpy's local headers carry ZIP64 sizes (offset 30 + name 5 + extra header 4).
    var archive = try fixtureBytes("savez.npz")
    #expect(archive.uint32(at: 18) == 0xFFFF_FFFF)
    archive[39] ^= 0x01
    #expect(message(archive)
      == "d.npz: member 'a.npy' is corrupt (local header sizes differ from the central directory)")
    archive[39] ^= 0x01
    archive.setUInt16(0x9999, at: 35)
    #expect(message(archive) == "d.npz: member 'a.npy' is corrupt (local header lacks its ZIP64 sizes)")
    archive.setUInt32(0, at: 0)
    #expect(message(archive) == "d.npz: member 'a.npy' is corrupt (bad local header)")
  }

  @Test func centralDirectoryProblems() throws {
    let original = try fixtureBytes("savez.npz")
    var archive = original
    archive.setUInt32(0x7000_0000, at: archive.endRecordOffset + 16)
    #expect(message(archive) == "d.npz: corrupt zip archive: central directory lies outside the file")

    archive = original
    archive.setUInt16(4, at: archive.endRecordOffset + 10)
    archive.setUInt32(archive.uint32(at: archive.endRecordOffset + 12) + 10, at: archive.endRecordOffset + 12)
    archive.setUInt32(archive.uint32(at: archive.endRecordOffset + 16) - 10, at: archive.endRecordOffset + 16)
    #expect(message(archive) == "d.npz: corrupt zip archive: bad central directory entry 1")

    archive = original
    archive.setUInt16(4, at: archive.endRecordOffset + 10)
    #expect(message(archive) == "d.npz: corrupt zip archive: bad central directory entry 4")

    archive = try fixtureBytes("zip64.npz")
    let entry = archive.centralEntryOffsets[1]
    archive.setUInt16(0x9999, at: entry + 46 + 5)
    #expect(message(archive) == "d.npz: corrupt zip archive: member 'y.npy' lacks its ZIP64 sizes")

    archive = try fixtureBytes("zip64.npz")
    archive.setUInt32(0, at: archive.endRecordOffset - 20 + 8)
    #expect(message(archive) == "d.npz: corrupt zip archive: bad ZIP64 end of central directory record")
    archive.setUInt32(0xFFFF_FFF0, at: archive.endRecordOffset - 20 + 8)
    archive.setUInt32(0x7FFF_FFFF, at: archive.endRecordOffset - 20 + 12)
    #expect(message(archive) == "d.npz: corrupt zip archive: bad ZIP64 end of central directory record")
  }

  @Test func offsetsNearTheLimitOfInt() throws {
    // ZIP64 sizes and offsets are 64-bit; adding header sizes to them must not overflow.
    let original = try fixtureBytes("zip64.npz")
    let zip64Field = original.centralEntryOffsets[0] + 46 + 5 + 4
    for (field, value) in [(16, 0x7FFF_FFFF), (8, 0x7FFF_FFFF), (0, 0x7FFF_FFFF)] {
      var archive = original
      archive.setUInt32(0xFFFF_FFF0, at: zip64Field + field)
      archive.setUInt32(value, at: zip64Field + field + 4)
      #expect(message(archive)?.hasPrefix("d.npz: member 'x.npy' is corrupt (") == true, "\(field)")
    }
  }

  @Test func unsupportedMembers() throws {
    let original = try fixtureBytes("savez.npz")
    var archive = original
    let entry = archive.centralEntryOffsets[1]
    archive.setUInt16(12, at: entry + 10)
    #expect(message(archive) == "d.npz: member 'b.npy' uses unsupported compression method 12")
    archive = original
    archive.setUInt16(1, at: entry + 8)
    #expect(message(archive) == "d.npz: member 'b.npy' is encrypted")

    let path = fixture("bad_member.npz")
    #expect(errorMessage { try NPZ.read(path: path) } == "\(path): member 'c.npy': unsupported dtype '<c8'")
    #expect(try NPZ.read(path: path, member: "ok").scalars(as: Int8.self) == [7])
  }

  @Test(arguments: ["savez.npz", "savez_compressed.npz", "descriptors.npz", "zip64.npz"])
  func survivesTruncationAndCorruption(_ name: String) throws {
    let bytes = try fixtureBytes(name)
    for length in 0..<bytes.count {
      #expect(throws: TensorFileError.self) { try readNPZ(Array(bytes.prefix(length))) }
    }
    var random = SplitMix(seed: 0xC0FFEE)
    for _ in 0..<2000 {
      var corrupted = bytes
      for _ in 0...(random.next() % 3) {
        corrupted[Int(random.next() % UInt64(corrupted.count))] = UInt8(truncatingIfNeeded: random.next())
      }
      _ = try? readNPZ(corrupted)
    }
  }
}

/// A small deterministic random number generator (SplitMix64).
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

extension String {
  fileprivate func replacingFalse(with replacement: String) -> String {
    var result = self
    if let range = result.range(of: "False") { result.replaceSubrange(range, with: replacement) }
    return result
  }
}
