import QCCIO
import QCCIR
import Testing

/// A numpy-written fixture and the tensor it holds.
struct FixtureCase: Sendable, CustomTestStringConvertible {
  var file: String
  var expected: TensorData
  var testDescription: String { file }

  init<T: TensorScalar>(_ file: String, shape: [Int], _ values: [T]) {
    self.file = file
    self.expected = TensorData(shape: shape, scalars: values)
  }
}

/// Every dtype, as `np.save` wrote it (see Fixtures/generate.py).
let dtypeCases: [FixtureCase] = [
  FixtureCase("dtype_f32.npy", shape: [2, 3], [Float(-1.5), 0, 0.25, 3, 1024.5, -7.125]),
  FixtureCase("dtype_f64.npy", shape: [2, 3], [-1.5, 0.1, 1e300, -2.5, 0, 3.141592653589793]),
  FixtureCase("dtype_f16.npy", shape: [2, 3], [Float16(-1.5), 0, 0.25, 65504, 0.00006103515625, 3]),
  FixtureCase("dtype_i64.npy", shape: [2, 3], [Int64.min, -1, 0, 1, .max, 42]),
  FixtureCase("dtype_i32.npy", shape: [2, 3], [Int32.min, -1, 0, 1, .max, 42]),
  FixtureCase("dtype_i16.npy", shape: [2, 3], [Int16.min, -1, 0, 1, .max, 42]),
  FixtureCase("dtype_i8.npy", shape: [2, 3], [Int8.min, -1, 0, 1, .max, 42]),
  FixtureCase("dtype_u64.npy", shape: [2, 3], [UInt64(0), 1, 1 << 31, UInt64(UInt32.max), .max, 42]),
  FixtureCase("dtype_u32.npy", shape: [2, 3], [UInt32(0), 1, 1 << 31, .max, 65536, 42]),
  FixtureCase("dtype_u16.npy", shape: [2, 3], [UInt16(0), 1, 255, 256, 65535, 42]),
  FixtureCase("dtype_u8.npy", shape: [2, 3], [UInt8(0), 1, 127, 128, 255, 42]),
  FixtureCase("dtype_bool.npy", shape: [2, 3], [true, false, true, true, false, false]),
]

/// Scalars and zero-size arrays.
let shapeCases: [FixtureCase] = [
  FixtureCase("scalar_f32.npy", shape: [], [Float(3.5)]),
  FixtureCase("vector_i64.npy", shape: [5], [Int64(0), 10, 20, 30, 40]),
  FixtureCase("empty_f32.npy", shape: [2, 0, 3], [Float]()),
  FixtureCase("empty_i32.npy", shape: [0], [Int32]()),
]

/// Fortran order, big-endian data, and format versions 2.0 and 3.0.
let layoutCases: [FixtureCase] = [
  FixtureCase("fortran_i32.npy", shape: [2, 3, 4], (0..<24).map(Int32.init)),
  FixtureCase("fortran_f64.npy", shape: [2, 3], [0, 1.5, 3, 4.5, 6, 7.5]),
  FixtureCase("bigendian_f32.npy", shape: [2, 3], [Float(-1), -0.5, 0, 0.5, 1, 1.5]),
  FixtureCase("bigendian_f16.npy", shape: [3], [Float16(1), -2, 0.5]),
  FixtureCase("bigendian_i64.npy", shape: [4], [Int64.min, -2, 0, (1 << 40) + 7]),
  FixtureCase("bigendian_u16.npy", shape: [3], [UInt16(1), 256, 65535]),
  FixtureCase("bigendian_fortran_i16.npy", shape: [3, 4], (0..<12).map { Int16($0 - 5) }),
  FixtureCase("v2_f32.npy", shape: [3, 2], (0..<6).map(Float.init)),
  FixtureCase("v3_u8.npy", shape: [4], [UInt8(0), 1, 2, 3]),
]

@Suite struct NPYReadTests {
  @Test(arguments: dtypeCases + shapeCases + layoutCases)
  func readsFixture(_ c: FixtureCase) throws {
    let t = try NPY.read(path: fixture(c.file))
    #expect(t.elementType == c.expected.elementType)
    #expect(t.shape == c.expected.shape)
    #expect(t.isIdentical(to: c.expected), "\(c.file) holds the values generate.py wrote")
  }

  @Test func readsFromMemoryLikeFromFile() throws {
    let t = try readNPY(try fixtureBytes("dtype_i32.npy"))
    #expect(t.scalars(as: Int32.self) == [Int32.min, -1, 0, 1, .max, 42])
  }

  @Test func tensorsAreAlignedCopies() throws {
    let t = try NPY.read(path: fixture("dtype_f64.npy"))
    #expect(Int(bitPattern: t.bytes.baseAddress) % TensorStorage.alignment == 0)
  }

  /// Spellings of dtypes that numpy accepts but never writes.
  @Test(arguments: [
    ("=f4", ElementType.f32, 4), ("|f4", .f32, 4), ("f4", .f32, 4), ("<i1", .i8, 1), (">i1", .i8, 1),
    ("<u1", .u8, 1), ("?", .bool, 1), ("<b1", .bool, 1), ("=i8", .i64, 8), ("|f2", .f16, 2),
  ])
  func acceptsDtypeSpellings(descr: String, type: ElementType, size: Int) throws {
    let data = (0..<(2 * size)).map { UInt8($0 == 0 ? 1 : 0) }
    let t = try readNPY(npyFile(header: header(descr: descr, shape: "(2,)"), data: data))
    #expect(t.elementType == type)
    #expect(t.shape == [2])
    #expect(Array(t.bytes) == data)
  }

  @Test func swapsBigEndianToLittleEndian() throws {
    let t = try readNPY(npyFile(header: header(descr: ">u4", shape: "(2,)"), data: [0, 0, 1, 2, 0xFF, 0, 0, 0]))
    #expect(t.scalars(as: UInt32.self) == [0x0102, 0xFF00_0000])
  }

  @Test func transposesFortranOrder() throws {
    // Column-major 2x3: columns (1, 4), (2, 5), (3, 6).
    let data: [UInt8] = [1, 4, 2, 5, 3, 6]
    let t = try readNPY(npyFile(header: header(descr: "|u1", shape: "(2, 3)", fortranOrder: true), data: data))
    #expect(t.scalars(as: UInt8.self) == [1, 2, 3, 4, 5, 6])
  }

  @Test func fortranOrderOfZeroSizeAndScalarArrays() throws {
    let empty = try readNPY(npyFile(header: header(descr: "<f4", shape: "(3, 0)", fortranOrder: true)))
    #expect(empty.shape == [3, 0])
    let scalar = try readNPY(npyFile(header: header(descr: "|i1", shape: "()", fortranOrder: true), data: [0xFE]))
    #expect(scalar.scalars(as: Int8.self) == [-2])
  }

  @Test func normalisesBoolBytes() throws {
    let t = try readNPY(npyFile(header: header(descr: "|b1", shape: "(3,)"), data: [0, 2, 255]))
    #expect(t.scalars(as: Bool.self) == [false, true, true])
    #expect(Array(t.bytes) == [0, 1, 1])
  }

  @Test func acceptsHeaderVariants() throws {
    let variants = [
      // Python 2 numpy wrote longs.
      "{'descr': '<i2', 'fortran_order': False, 'shape': (2L, 1L), }",
      "{\"shape\": (2, 1), \"descr\": \"<i2\", \"fortran_order\": False}",
      "{ 'descr' : '<i2' ,\n'fortran_order':False,'shape':(2,1)}   \n",
      "{'descr': '<i2', 'fortran_order': False, 'shape': (+2, 1,), }",
    ]
    for text in variants {
      let t = try readNPY(npyFile(header: text, data: [1, 0, 2, 0]))
      #expect(t.shape == [2, 1], "\(text)")
      #expect(t.scalars(as: Int16.self) == [1, 2], "\(text)")
    }
  }

  @Test func ignoresBytesAfterTheData() throws {
    let t = try readNPY(npyFile(header: header(descr: "|u1", shape: "(1,)"), data: [9, 9, 9]))
    #expect(t.scalars(as: UInt8.self) == [9])
  }

  @Test func readsLongVersion2Headers() throws {
    let text = header(descr: "|u1", shape: "(2,)") + String(repeating: " ", count: 70_000) + "\n"
    let t = try readNPY(npyFile(header: text, data: [3, 4], major: 2))
    #expect(t.scalars(as: UInt8.self) == [3, 4])
  }
}
