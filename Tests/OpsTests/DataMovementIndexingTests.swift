import QCCIR
import Testing

@testable import QCCOps

/// GatherND, ScatterND, ScatterElements and NonZero: bounds errors that must
/// never become out-of-range reads or writes, symbolic shape inference, and
/// naive references the backend suite does not cover.
@Suite struct DataMovementIndexingTests {
  static func indices(_ shape: [Int], _ values: [Int]) -> TensorData {
    TensorData(shape: shape, scalars: values.map { Int64($0) })
  }

  // MARK: GatherND

  @Test func gatherNDMatchesNaiveReferenceWithBatchDims() throws {
    let data = OpsTest.iota([2, 3, 4, 5], .i32)
    // batch_dims 1: each batch picks [j, k] pairs from its own [3, 4, 5] slice; negatives wrap.
    let idx = Self.indices([2, 2, 2], [0, 1, 2, -1, 1, 0, -3, 3])
    let y = try OpsTest.run("GatherND", [data, idx], attributes: [("batch_dims", .int(1))])[0]
    #expect(y.shape == [2, 2, 5])
    let pairs = [(0, 0, 1), (0, 2, 3), (1, 1, 0), (1, 0, 3)]
    let expected = pairs.flatMap { b, j, k in (0..<5).map { Double(((b * 3 + j) * 4 + k) * 5 + $0) } }
    #expect(y.doubles() == expected)
  }

  @Test func gatherNDRejectsOutOfRangeIndices() {
    let data = OpsTest.iota([3, 4])
    let message = OpsTest.error("GatherND", [.input(data), .input(Self.indices([1, 2], [1, 4]))])
    #expect(message == "GatherND index 4 is out of range for data dimension 1 of size 4")
    #expect(OpsTest.error("GatherND", [.input(data), .input(Self.indices([1, 2], [-4, 0]))]) != nil)
    // A tuple longer than the data's rank.
    #expect(OpsTest.error("GatherND", [.input(data), .input(Self.indices([1, 3], [0, 0, 0]))]) != nil)
  }

  @Test func gatherNDInfersSymbolicShapes() throws {
    // The dynamo exporter's aten.index.Tensor: data [batch, seq], indices [?, ?, ?, ?, 2].
    let data = TensorType(.i64, .ranked([.symbolic("batch"), .symbolic("seq")]))
    let idx = TensorType(.i64, .ranked(DimMath.unknown(4) + [2]))
    #expect(try OpsTest.infer("GatherND", [data, idx]) == [TensorType(.i64, .ranked(DimMath.unknown(4)))])
    // The batch dim keeps the data's name; the slice keeps trailing data dims.
    let d3 = TensorType(.f32, .ranked([.symbolic("b"), 7, 8]))
    let i3 = TensorType(.i64, .ranked([.symbolic(nil), 5, 1]))
    #expect(
      try OpsTest.infer("GatherND", [d3, i3], attributes: [("batch_dims", .int(1))])
        == [TensorType(.f32, .ranked([.symbolic("b"), 5, 8]))])
    // An unknown tuple length leaves the rank unknown.
    #expect(
      try OpsTest.infer("GatherND", [d3, TensorType(.i64, .ranked([3, .symbolic(nil)]))])
        == [TensorType(.f32, .unranked)])
  }

  // MARK: ScatterND

  @Test func scatterNDReductionsCombineDuplicates() throws {
    let data = OpsTest.f32([4], [1, 2, 3, 4])
    let idx = Self.indices([3, 1], [1, 1, -1])
    let updates = OpsTest.f32([3], [10, 20, 30])
    let cases: [(String, [Double])] = [
      ("none", [1, 20, 3, 30]), ("add", [1, 32, 3, 34]), ("mul", [1, 400, 3, 120]),
      ("max", [1, 20, 3, 30]), ("min", [1, 2, 3, 4]),
    ]
    for (reduction, expected) in cases {
      let y = try OpsTest.run("ScatterND", [data, idx, updates], attributes: [("reduction", .string(reduction))])[0]
      #expect(y.doubles() == expected, "\(reduction)")
    }
  }

  @Test func scatterNDWrapsIntegersAndCopiesSlices() throws {
    let data = TensorData(shape: [2, 2], scalars: [Int8(100), 1, 2, 3])
    let y = try OpsTest.run(
      "ScatterND", [data, Self.indices([1, 1], [0]), TensorData(shape: [1, 2], scalars: [Int8(100), 5])],
      attributes: [("reduction", .string("add"))])[0]
    #expect(y.scalars(as: Int8.self) == [-56, 6, 2, 3])
  }

  @Test func scatterNDRejectsBadIndicesAndShapes() {
    let data = OpsTest.iota([3, 4])
    let message = OpsTest.error(
      "ScatterND", [.input(data), .input(Self.indices([1, 1], [3])), .input(OpsTest.iota([1, 4]))])
    #expect(message == "ScatterND index 3 is out of range for data dimension 0 of size 3")
    // Updates of the wrong shape.
    #expect(
      OpsTest.error("ScatterND", [.input(data), .input(Self.indices([1, 1], [0])), .input(OpsTest.iota([1, 3]))]) != nil)
    // Reductions on bools.
    let bools = OpsTest.iota([4], .bool)
    #expect(
      OpsTest.error(
        "ScatterND", [.input(bools), .input(Self.indices([1, 1], [0])), .input(OpsTest.iota([1], .bool))],
        attributes: [("reduction", .string("add"))]) != nil)
  }

  // MARK: ScatterElements

  @Test func scatterElementsMatchesNaiveReference() throws {
    let data = OpsTest.iota([3, 4, 2], .i64)
    let idx = Self.indices([2, 3, 2], [0, 3, -1, 2, 1, 1, 2, 0, -4, 3, 0, 1])
    let updates = TensorData(shape: [2, 3, 2], scalars: (0..<12).map { Int64(100 + $0) })
    let y = try OpsTest.run("ScatterElements", [data, idx, updates], attributes: [("axis", .int(1))])[0]
    var expected = data.doubles()
    for p in OpsTest.indices([2, 3, 2]) {
      let flat = (p[0] * 3 + p[1]) * 2 + p[2]
      let i = Int(idx.integers()![flat])
      let target = (p[0] * 4 + (i < 0 ? i + 4 : i)) * 2 + p[2]
      expected[target] = Double(100 + flat)
    }
    #expect(y.doubles() == expected)
  }

  @Test func scatterElementsRejectsOutOfRangeIndices() {
    let data = OpsTest.iota([2, 3])
    let message = OpsTest.error(
      "ScatterElements", [.input(data), .input(Self.indices([1, 1], [-4])), .input(OpsTest.iota([1, 1]))],
      attributes: [("axis", .int(1))])
    #expect(message == "ScatterElements index -4 is out of range for axis 1 of size 3")
    // Indices larger than the data along another axis.
    #expect(
      OpsTest.error("ScatterElements", [.input(data), .input(Self.indices([3, 1], [0, 0, 0])), .input(OpsTest.iota([3, 1]))],
        attributes: [("axis", .int(1))]) != nil)
    #expect(
      OpsTest.error("ScatterElements", [.input(data), .input(Self.indices([1, 1], [0])), .input(OpsTest.iota([1, 1]))],
        attributes: [("reduction", .string("sum"))]) != nil)
  }

  // MARK: NonZero

  @Test func nonZeroListsIndicesRowMajor() throws {
    let x = TensorData(shape: [2, 3], scalars: [Float(0), 1, -0.0, .nan, 0, 2])
    let y = try OpsTest.run("NonZero", [x])[0]
    #expect(y.shape == [2, 3])
    #expect(y.integers()! == [0, 1, 1, 1, 0, 2])
    #expect(try OpsTest.infer("NonZero", [x.type]) == [TensorType(.i64, .ranked([2, .symbolic(nil)]))])
    let empty = try OpsTest.run("NonZero", [TensorData(shape: [3], scalars: [Int32(0), 0, 0])])[0]
    #expect(empty.shape == [1, 0])
  }
}
