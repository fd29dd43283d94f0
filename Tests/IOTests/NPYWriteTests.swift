import Foundation
import QCCIR
import Testing

@testable import QCCIO

@Suite struct NPYWriteTests {
  /// Encoding what was read gives back numpy's bytes exactly, for every dtype and shape.
  @Test(arguments: dtypeCases + shapeCases)
  func encodesExactlyAsNumpy(_ c: FixtureCase) throws {
    let expected = try fixtureBytes(c.file)
    #expect(try NPY.encode(c.expected) == expected)
    #expect(try NPY.encode(NPY.read(path: fixture(c.file))) == expected)
  }

  /// Fortran-order, big-endian and version 2.0/3.0 files are rewritten as
  /// numpy would save the same values: little-endian, C order, version 1.0.
  @Test(arguments: layoutCases)
  func rewritesLayoutsInStandardForm(_ c: FixtureCase) throws {
    let bytes = try NPY.encode(NPY.read(path: fixture(c.file)))
    #expect(bytes[6] == 1 && bytes[7] == 0)
    #expect(try readNPY(bytes).isIdentical(to: c.expected))
    let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
    let text = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
    #expect(text.contains("'fortran_order': False"))
    #expect(!text.contains(">"))
  }

  @Test(arguments: dtypeCases + shapeCases)
  func writesAndReadsBackFiles(_ c: FixtureCase) throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("t.npy")
    try NPY.write(c.expected, to: path)
    #expect(try fileBytes(path) == fixtureBytes(c.file))
    #expect(try NPY.read(path: path).isIdentical(to: c.expected))
    #expect(try dir.contents() == ["t.npy"], "no temporary file is left behind")
  }

  @Test func headersAreAlignedAndTerminated() throws {
    for shape in [[], [1], [7, 7, 7], [123_456_789, 0], Array(repeating: 1, count: 30)] {
      let bytes = try NPY.encode(TensorData(zeros: .u8, shape: shape))
      let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
      let dataOffset = 10 + headerLength
      #expect(dataOffset % 64 == 0, "\(shape)")
      #expect(bytes[dataOffset - 1] == 0x0A, "\(shape)")
    }
  }

  @Test func usesVersion2WhenTheHeaderNeedsIt() throws {
    // 22,000 dimensions of 1 spell a header longer than version 1.0's 65,535 bytes.
    let shape = Array(repeating: 1, count: 22_000)
    let t = TensorData(shape: shape, scalars: [Float(2.5)])
    let bytes = try NPY.encode(t)
    #expect(bytes[6] == 2 && bytes[7] == 0)
    let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
    #expect(headerLength > 65_535)
    #expect((12 + headerLength) % 64 == 0)
    let back = try readNPY(bytes)
    #expect(back.shape == shape)
    #expect(back.scalars(as: Float.self) == [2.5])
  }

  @Test(arguments: [ElementType.bf16, .i4, .u4])
  func refusesTypesNumpyLacks(_ type: ElementType) throws {
    let t = TensorData(zeros: type, shape: [2])
    #expect(errorMessage { try NPY.encode(t) } == "cannot write a \(type) tensor to .npy (numpy has no \(type) dtype)")
    let dir = try TemporaryDirectory()
    let path = dir.file("w.npy")
    #expect(errorMessage { try NPY.write(t, to: path) }
      == "\(path): cannot write a \(type) tensor to .npy (numpy has no \(type) dtype)")
    #expect(try dir.contents() == [])
  }

  @Test func replacesAnExistingFile() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("t.npy")
    try NPY.write(TensorData(shape: [3], scalars: [Int8(1), 2, 3]), to: path)
    try NPY.write(TensorData(scalar: Int8(9)), to: path)
    #expect(try NPY.read(path: path).scalars(as: Int8.self) == [9])
    #expect(try dir.contents() == ["t.npy"])
  }

  @Test func reportsUnwritableDirectories() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("missing/t.npy")
    #expect(errorMessage { try NPY.write(TensorData(scalar: Float(1)), to: path) }
      == "\(path): cannot create: No such file or directory")
  }

  @Test func abandonedWritesLeaveNothingBehind() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("t.npy")
    try NPY.write(TensorData(scalar: Int8(1)), to: path)
    do {
      let file = try AtomicFile(path: path)
      try file.write([1, 2, 3])
      #expect(try dir.contents().count == 2, "the temporary file exists while writing")
      // Dropped without commit(), as when an error is thrown part-way.
    }
    #expect(try dir.contents() == ["t.npy"])
    #expect(try NPY.read(path: path).scalars(as: Int8.self) == [1], "the old file is untouched")
  }
}
