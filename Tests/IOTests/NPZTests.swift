import Foundation
import QCCIR
import Testing

@testable import QCCIO

/// The members generate.py saves in every archive.
let savedMembers: [(name: String, tensor: TensorData)] = [
  ("a", TensorData(shape: [2, 3], scalars: (0..<6).map(Float.init))),
  ("b", TensorData(shape: [3], scalars: [Int64(1), 2, 3])),
  ("s", TensorData(scalar: 2.5)),
]

func expectMembers(
  _ actual: [(name: String, tensor: TensorData)], _ expected: [(name: String, tensor: TensorData)],
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(actual.map(\.name) == expected.map(\.name), sourceLocation: sourceLocation)
  for (a, e) in zip(actual, expected) {
    #expect(a.tensor.isIdentical(to: e.tensor), "member \(e.name)", sourceLocation: sourceLocation)
  }
}

@Suite struct NPZTests {
  @Test func readsSavez() throws {
    expectMembers(try NPZ.read(path: fixture("savez.npz")), savedMembers)
  }

  @Test func readsSavezCompressed() throws {
    let big = TensorData(shape: [1000], scalars: (0..<1000).map { Int32($0 % 7) })
    expectMembers(try NPZ.read(path: fixture("savez_compressed.npz")), savedMembers + [("big", big)])
  }

  @Test func readsArchivesWithDataDescriptors() throws {
    expectMembers(try NPZ.read(path: fixture("descriptors.npz")), savedMembers)
  }

  @Test func readsZip64Archives() throws {
    expectMembers(
      try NPZ.read(path: fixture("zip64.npz")),
      [
        ("x", TensorData(shape: [2], scalars: [Float(1), 2])),
        ("y", TensorData(shape: [1, 2], scalars: [UInt16(5), 6])),
      ])
  }

  @Test func readsOneMember() throws {
    let path = fixture("savez_compressed.npz")
    #expect(try NPZ.read(path: path, member: "b").scalars(as: Int64.self) == [1, 2, 3])
    #expect(try NPZ.read(path: path, member: "s.npy").scalars(as: Double.self) == [2.5])
    #expect(errorMessage { try NPZ.read(path: path, member: "ids") }
      == "\(path): no member named 'ids' (members: a, b, s, big)")
  }

  @Test func writesWhatNumpyAndQccRead() throws {
    let dir = try TemporaryDirectory()
    let members = savedMembers + [
      ("flags", TensorData(shape: [2, 2], scalars: [true, false, false, true])),
      ("empty", TensorData(zeros: .f16, shape: [0, 4])),
      ("bytes", TensorData(shape: [3], scalars: [UInt8(1), 2, 255])),
    ]
    let path = dir.file("out.npz")
    try NPZ.write(members, to: path)
    expectMembers(try NPZ.read(path: path), members)
    #expect(try dir.contents() == ["out.npz"])

    // Member for member, the archive stores exactly the bytes of np.save.
    let archive = try fileBytes(path)
    for (name, tensor) in members {
      let npy = try NPY.encode(tensor)
      #expect(archive.offset(of: Array("\(name).npy".utf8) + npy) != nil, "\(name)")
    }
  }

  @Test func writesZip64WhenForced() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("z.npz")
    try NPZ.write(savedMembers, to: path, forceZip64: true)
    let archive = try fileBytes(path)
    #expect(archive.uint32(at: archive.endRecordOffset + 16) == 0xFFFF_FFFF)
    #expect(archive.centralEntryOffsets.count == 3)
    expectMembers(try NPZ.read(path: path), savedMembers)
  }

  @Test func writesAnEmptyArchive() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("e.npz")
    try NPZ.write([], to: path)
    #expect(try NPZ.read(path: path).isEmpty)
    #expect(try fileBytes(path).count == 22)
  }

  @Test func refusesBadMembers() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("w.npz")
    #expect(errorMessage { try NPZ.write([("w", TensorData(zeros: .bf16, shape: [1]))], to: path) }
      == "\(path): member 'w': cannot write a bf16 tensor to .npy (numpy has no bf16 dtype)")
    #expect(errorMessage { try NPZ.write(savedMembers + [("a", TensorData(scalar: Int8(1)))], to: path) }
      == "\(path): duplicate member name 'a'")
    #expect(errorMessage { try NPZ.write([("", TensorData(scalar: Int8(1)))], to: path) }
      == "\(path): member names must not be empty")
    #expect(try dir.contents() == [])
  }
}

@Suite struct TensorFilesTests {
  @Test func readsNpyFilesAndNpzMembers() throws {
    #expect(try TensorFiles.read(fixture("vector_i64.npy")).scalars(as: Int64.self) == [0, 10, 20, 30, 40])
    #expect(try TensorFiles.read(fixture("savez.npz") + ":b").scalars(as: Int64.self) == [1, 2, 3])
    #expect(try TensorFiles.read(fixture("zip64.npz") + ":y.npy").scalars(as: UInt16.self) == [5, 6])
  }

  @Test func readsTheOnlyMemberOfAnArchive() throws {
    let dir = try TemporaryDirectory()
    let path = dir.file("one.npz")
    try NPZ.write([("x", TensorData(scalar: Int32(7)))], to: path)
    #expect(try TensorFiles.read(path).scalars(as: Int32.self) == [7])
    let many = fixture("savez.npz")
    #expect(errorMessage { try TensorFiles.read(many) }
      == "\(many): holds 3 tensors; name one as \(many):NAME (members: a, b, s)")
  }
}
