import Testing
import QCCIR
@testable import QCCOps

/// Behaviour of the data-movement ops that the ONNX backend suite does not
/// cover: kernel fast paths against naive references, symbolic shape
/// inference, views, and errors on bad user data.
@Suite struct DataMovementTests {
  // MARK: Strided copies against naive references

  @Test(arguments: [ElementType.f32, .i64, .u8, .f16, .bool])
  func transposeMatchesNaiveReference(type: ElementType) throws {
    // Shapes of the models' attention transposes, plus odd sizes that leave partial tiles.
    let cases: [([Int], [Int])] = [
      ([1, 197, 3, 64], [0, 2, 1, 3]), ([1, 12, 197, 64], [0, 1, 3, 2]), ([3, 5, 7], [2, 0, 1]),
      ([17, 33], [1, 0]), ([2, 3, 4, 5, 6], [4, 2, 0, 3, 1]), ([1, 4, 1, 6], [2, 0, 3, 1]),
    ]
    for (shape, perm) in cases {
      let x = OpsTest.iota(shape, type)
      let y = try OpsTest.run("Transpose", [x], attributes: [("perm", .ints(perm.map(Int64.init)))])[0]
      #expect(y.shape == perm.map { shape[$0] })
      let expected = OpsTest.reference(x, shape: y.shape) { i in
        var src = [Int](repeating: 0, count: shape.count)
        for (k, p) in perm.enumerated() { src[p] = i[k] }
        return src
      }
      #expect(y.doubles() == expected, "\(shape) perm \(perm)")
    }
  }

  @Test func transposeOfUnitAxesIsAView() throws {
    let x = OpsTest.iota([1, 4, 1, 6])
    let y = try OpsTest.run("Transpose", [x], attributes: [("perm", .ints([2, 1, 0, 3]))])[0]
    #expect(y.storage === x.storage)
    #expect(y.shape == [1, 4, 1, 6])
  }

  @Test func sliceMatchesNaiveReference() throws {
    let x = OpsTest.iota([6, 7, 5], .i32)
    // starts, ends, axes, steps
    let cases: [([Int], [Int], [Int], [Int])] = [
      ([-1, 0], [Int(Int64.min), Int(Int64.max)], [0, 2], [-2, 2]),
      ([5, 100], [-100, 2], [1, 0], [-1, 1]),
      ([1], [Int(Int32.max)], [-1], [3]),
      ([4], [2], [0], [1]),  // empty
      ([-3, -100], [-1, 100], [2, 1], [1, 1]),
    ]
    for (starts, ends, axes, steps) in cases {
      let y = try OpsTest.run("Slice", [x, OpsTest.i64(starts), OpsTest.i64(ends), OpsTest.i64(axes), OpsTest.i64(steps)])[0]
      // Reference: numpy-style clamping per axis, walked one element at a time.
      var picks = x.shape.map { Array(0..<$0) }
      for (k, a) in axes.enumerated() {
        let n = x.shape[(a + 3) % 3]
        var s = starts[k] < 0 ? starts[k] + n : starts[k]
        var e = ends[k] < 0 ? (ends[k] < -n ? -1 : ends[k] + n) : ends[k]
        var p: [Int] = []
        if steps[k] > 0 {
          s = min(max(s, 0), n)
          e = min(max(e, 0), n)
          var i = s
          while i < e { p.append(i); i += steps[k] }
        } else {
          s = min(max(s, 0), n - 1)
          e = min(max(e, -1), n - 1)
          var i = s
          while i > e { p.append(i); i += steps[k] }
        }
        picks[(a + 3) % 3] = p
      }
      #expect(y.shape == picks.map(\.count), "\(starts) \(ends) \(axes) \(steps)")
      let expected = OpsTest.reference(x, shape: y.shape) { i in i.indices.map { picks[$0][i[$0]] } }
      #expect(y.doubles() == expected, "\(starts) \(ends) \(axes) \(steps)")
    }
  }

  @Test func expandAndTileMatchNaiveReference() throws {
    let x = OpsTest.iota([3, 1, 4], .i64)
    let e = try OpsTest.run("Expand", [x, OpsTest.i64([2, 1, 5, 1])])[0]
    #expect(e.shape == [2, 3, 5, 4])
    #expect(e.doubles() == OpsTest.reference(x, shape: e.shape) { [$0[1], 0, $0[3]] })

    // Rank 5 tiles give a 10-d box, deeper than the kernel's limit of 8.
    let t5 = OpsTest.iota([2, 3, 1, 2, 3], .u8)
    let reps = [2, 1, 3, 2, 2]
    let y = try OpsTest.run("Tile", [t5, OpsTest.i64(reps)])[0]
    #expect(y.shape == [4, 3, 3, 4, 6])
    #expect(y.doubles() == OpsTest.reference(t5, shape: y.shape) { i in i.indices.map { i[$0] % t5.shape[$0] } })
  }

  @Test func concatAndSplitRoundTrip() throws {
    let a = OpsTest.iota([2, 3, 4], .f16), b = OpsTest.iota([2, 1, 4], .f16), c = OpsTest.iota([2, 0, 4], .f16)
    let y = try OpsTest.run("Concat", [a, c, b], attributes: [("axis", .int(-2))])[0]
    #expect(y.shape == [2, 4, 4])
    #expect(y.doubles() == OpsTest.reference(y, shape: y.shape) { $0 })  // sanity of the helper
    let expected = (0..<32).map { i -> Double in
      let idx = OpsTest.unflatten(i, [2, 4, 4])
      return idx[1] < 3 ? a.doubles()[OpsTest.flatIndex(idx, [2, 3, 4])] : b.doubles()[OpsTest.flatIndex([idx[0], 0, idx[2]], [2, 1, 4])]
    }
    #expect(y.doubles() == expected)
    let parts = try OpsTest.run("Split", [y, OpsTest.i64([3, 0, 1])], attributes: [("axis", .int(1))], results: 3)
    #expect(parts.map(\.shape) == [[2, 3, 4], [2, 0, 4], [2, 1, 4]])
    #expect(parts[0].doubles() == a.doubles())
    #expect(parts[2].doubles() == b.doubles())
  }

  @Test func splitByNumOutputsAndByResultCount() throws {
    let x = OpsTest.iota([10])
    let chunks = try OpsTest.run("Split", [x], attributes: [("num_outputs", .int(3))], results: 3)
    #expect(chunks.map(\.shape) == [[4], [4], [2]])
    #expect(chunks[2].scalars(as: Float.self) == [8, 9])
    let halves = try OpsTest.run("Split", [OpsTest.iota([2, 6])], attributes: [("axis", .int(-1))], results: 2)
    #expect(halves[1].scalars(as: Float.self) == [3, 4, 5, 9, 10, 11])
    #expect(throws: OpError.self) { try OpsTest.run("Split", [x], results: 3) }
  }

  @Test func gatherEmbeddingLookupAndNegativeIndices() throws {
    let table = OpsTest.iota([50, 8])
    let ids = TensorData(shape: [2, 3], scalars: [Int32(0), 49, -1, 7, -50, 3])
    let y = try OpsTest.run("Gather", [table, ids])[0]
    #expect(y.shape == [2, 3, 8])
    let rows = [0, 49, 49, 7, 0, 3]
    #expect(y.doubles() == OpsTest.reference(table, shape: y.shape) { [rows[$0[0] * 3 + $0[1]], $0[2]] })

    let scalarIndex = TensorData(scalar: Int64(-2))
    let inner = try OpsTest.run("Gather", [OpsTest.iota([2, 5, 3], .i64), scalarIndex], attributes: [("axis", .int(1))])[0]
    #expect(inner.shape == [2, 3])
    #expect(inner.integers() == [9, 10, 11, 24, 25, 26])
  }

  @Test func gatherRejectsOutOfRangeIndices() {
    let table = OpsTest.iota([50, 8])
    #expect(OpsTest.message { () throws(OpError) in
      try OpsTest.run("Gather", [table, OpsTest.i64([1, 50])])
    } == "index 50 is out of range for axis 0 of size 50")
    #expect(OpsTest.message { () throws(OpError) in
      try OpsTest.run("Gather", [table, TensorData(shape: [1], scalars: [Int32(-9)])], attributes: [("axis", .int(1))])
    } == "index -9 is out of range for axis 1 of size 8")
    #expect(OpsTest.message { () throws(OpError) in
      try OpsTest.run(
        "GatherElements", [OpsTest.iota([2, 3]), TensorData(shape: [2, 2], scalars: [Int64(0), 1, 2, 3])],
        attributes: [("axis", .int(1))])
    } == "index 3 is out of range for axis 1 of size 3")
  }

  @Test func gatherElementsMatchesNaiveReference() throws {
    let x = OpsTest.iota([3, 4, 5], .i16)
    let shape = [2, 4, 3]  // smaller than the data on the non-gathered axes
    for axis in 0..<3 {
      let size = x.shape[axis]
      // Indices cover [-size, size): negative ones count from the end.
      let raw = (0..<24).map { ($0 * 7) % (2 * size) - size }
      let idx = TensorData(shape: shape, scalars: raw.map(Int64.init))
      let y = try OpsTest.run("GatherElements", [x, idx], attributes: [("axis", .int(Int64(axis)))])[0]
      #expect(y.shape == shape)
      let expected = OpsTest.reference(x, shape: shape) { i in
        var j = i
        let r = raw[OpsTest.flatIndex(i, shape)]
        j[axis] = r < 0 ? r + size : r
        return j
      }
      #expect(y.doubles() == expected, "axis \(axis)")
    }
  }

  @Test func padModesMatchNumpy() throws {
    let x = OpsTest.iota([2, 3], .i32)
    func pad(_ mode: String, _ pads: [Int]) throws -> [[Int64]] {
      let y = try OpsTest.run("Pad", [x, OpsTest.i64(pads)], attributes: [("mode", .string(mode))])[0]
      let v = y.integers()!
      return (0..<y.shape[0]).map { Array(v[($0 * y.shape[1])..<(($0 + 1) * y.shape[1])]) }
    }
    // np.pad(np.arange(6).reshape(2, 3), ((3, 2), (4, 5)), mode="reflect"): pads wider than the input.
    #expect(try pad("reflect", [3, 4, 2, 5]) == [
      [3, 4, 5, 4, 3, 4, 5, 4, 3, 4, 5, 4], [0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1],
      [3, 4, 5, 4, 3, 4, 5, 4, 3, 4, 5, 4], [0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1],
      [3, 4, 5, 4, 3, 4, 5, 4, 3, 4, 5, 4], [0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1],
      [3, 4, 5, 4, 3, 4, 5, 4, 3, 4, 5, 4],
    ])
    #expect(try pad("edge", [1, 2, 0, 3]) == [[0, 0, 0, 1, 2, 2, 2, 2], [0, 0, 0, 1, 2, 2, 2, 2], [3, 3, 3, 4, 5, 5, 5, 5]])
    #expect(try pad("wrap", [2, 4, 1, 2]) == [
      [2, 0, 1, 2, 0, 1, 2, 0, 1], [5, 3, 4, 5, 3, 4, 5, 3, 4], [2, 0, 1, 2, 0, 1, 2, 0, 1],
      [5, 3, 4, 5, 3, 4, 5, 3, 4], [2, 0, 1, 2, 0, 1, 2, 0, 1],
    ])
    // Negative pads crop; the axes operand of opset 18 limits the pads to some axes.
    #expect(try pad("constant", [-1, 1, 0, -1]) == [[0, 3, 4]])
    let y = try OpsTest.run("Pad", [x, OpsTest.i64([1, 2]), TensorData(scalar: Int32(7)), OpsTest.i64([-1])])[0]
    #expect(y.integers() == [7, 0, 1, 2, 7, 7, 7, 3, 4, 5, 7, 7])
  }

  // MARK: Views

  @Test func reshapesShareStorage() throws {
    let x = OpsTest.iota([2, 3, 4])
    let views = [
      try OpsTest.run("Reshape", [x, OpsTest.i64([0, -1])])[0],
      try OpsTest.run("Flatten", [x], attributes: [("axis", .int(2))])[0],
      try OpsTest.run("Unsqueeze", [x, OpsTest.i64([0, -1])])[0],
      try OpsTest.run("Squeeze", [OpsTest.iota([1, 3, 1])])[0],
      try OpsTest.run("Identity", [x])[0],
    ]
    #expect(views.map(\.shape) == [[2, 12], [6, 4], [1, 2, 3, 4, 1], [3], [2, 3, 4]])
    for v in views.dropLast(2) + [views[4]] { #expect(v.storage === x.storage) }
  }

  @Test func reshapeEdgeCases() throws {
    let x = OpsTest.iota([2, 0, 3])
    #expect(try OpsTest.run("Reshape", [x, OpsTest.i64([3, 0])], attributes: [("allowzero", .int(1))])[0].shape == [3, 0])
    // A -1 next to a copied 0 is ambiguous, as in numpy.
    #expect(OpsTest.message { () throws(OpError) in try OpsTest.run("Reshape", [x, OpsTest.i64([0, 0, -1])]) }
      == "shape [0, 0, -1] has a -1 next to a zero-size dimension")
    #expect(throws: OpError.self) { try OpsTest.run("Reshape", [OpsTest.iota([2, 3]), OpsTest.i64([4, -1])]) }
    #expect(throws: OpError.self) { try OpsTest.run("Reshape", [OpsTest.iota([2, 3]), OpsTest.i64([-1, -1])]) }
    #expect(throws: OpError.self) { try OpsTest.run("Reshape", [OpsTest.iota([2, 3]), OpsTest.i64([5])]) }
  }

  // MARK: Symbolic shape inference

  static let batch = Dim.symbolic("batch")

  @Test func reshapeInference() throws {
    let x = TensorType(.f32, .ranked([Self.batch, 197, 192]))
    let unknownShape = TensorType(.i64, [3])
    #expect(try OpsTest.infer("Reshape", [x, unknownShape]) == [TensorType(.f32, .ranked(DimMath.unknown(3)))])
    #expect(try OpsTest.infer("Reshape", [x, unknownShape], values: [nil, OpsTest.i64([0, -1, 64])])
      == [TensorType(.f32, .ranked([Self.batch, 591, 64]))])
    #expect(try OpsTest.infer("Reshape", [x, TensorType(.i64, [2])], values: [nil, OpsTest.i64([-1, 192])])
      == [TensorType(.f32, .ranked([.symbolic(nil), 192]))])
    let y = TensorType(.f32, .ranked([Self.batch, 4]))
    #expect(try OpsTest.infer("Reshape", [y, TensorType(.i64, [3])], values: [nil, OpsTest.i64([-1, 2, 2])])
      == [TensorType(.f32, .ranked([Self.batch, 2, 2]))])
    #expect(try OpsTest.infer("Reshape", [TensorType(.f32, .unranked), TensorType(.i64, .ranked([.symbolic(nil)]))])
      == [TensorType(.f32, .unranked)])
    #expect(throws: OpError.self) {
      try OpsTest.infer("Reshape", [TensorType(.f32, [2, 3]), TensorType(.i64, [2])], values: [nil, OpsTest.i64([4, 2])])
    }
  }

  @Test func transposeAndFlattenInference() throws {
    #expect(try OpsTest.infer("Transpose", [TensorType(.f32, .ranked([Self.batch, 4]))])
      == [TensorType(.f32, .ranked([4, Self.batch]))])
    #expect(try OpsTest.infer("Transpose", [TensorType(.f32, .unranked)], attributes: [("perm", .ints([0, 2, 1]))])
      == [TensorType(.f32, .ranked(DimMath.unknown(3)))])
    #expect(OpsTest.message { () throws(OpError) in
      try OpsTest.infer("Transpose", [TensorType(.f32, [2, 2])], attributes: [("perm", .ints([0, 0]))])
    } == "perm [0, 0] is not a permutation")
    #expect(try OpsTest.infer("Flatten", [TensorType(.f32, .ranked([Self.batch, 3, 4]))])
      == [TensorType(.f32, .ranked([Self.batch, 12]))])
    #expect(try OpsTest.infer("Flatten", [TensorType(.f32, .ranked([2, Self.batch, 4]))], attributes: [("axis", .int(2))])
      == [TensorType(.f32, .ranked([.symbolic(nil), 4]))])
  }

  @Test func sliceGatherConcatInference() throws {
    let x = TensorType(.f32, .ranked([Self.batch, 10, 6]))
    let v3 = TensorType(.i64, [1])
    // Full slice of a symbolic axis keeps it; a partial one forgets it.
    #expect(try OpsTest.infer("Slice", [x, v3, v3, v3], values: [nil, OpsTest.i64([0]), OpsTest.i64([Int(Int64.max)]), OpsTest.i64([0])])
      == [x])
    #expect(try OpsTest.infer("Slice", [x, v3, v3, v3], values: [nil, OpsTest.i64([1]), OpsTest.i64([-1]), OpsTest.i64([-1])])
      == [TensorType(.f32, .ranked([Self.batch, 10, 4]))])
    #expect(try OpsTest.infer("Slice", [x, v3, v3, v3], values: [nil, nil, nil, OpsTest.i64([1])])
      == [TensorType(.f32, .ranked([Self.batch, .symbolic(nil), 6]))])
    #expect(try OpsTest.infer("Gather", [x, TensorType(.i64, .ranked([Self.batch, 3]))], attributes: [("axis", .int(1))])
      == [TensorType(.f32, .ranked([Self.batch, Self.batch, 3, 6]))])
    #expect(try OpsTest.infer("Concat", [x, TensorType(.f32, .ranked([.symbolic(nil), 2, 6]))], attributes: [("axis", .int(1))])
      == [TensorType(.f32, .ranked([Self.batch, 12, 6]))])
    #expect(throws: OpError.self) {
      try OpsTest.infer("Concat", [x, TensorType(.f32, [1, 2, 5])], attributes: [("axis", .int(1))])
    }
  }

  @Test func shapeExpandAndGeneratorInference() throws {
    let x = TensorType(.f32, .ranked([Self.batch, 4, 1]))
    #expect(try OpsTest.infer("Shape", [x], attributes: [("start", .int(-2))]) == [TensorType(.i64, [2])])
    #expect(try OpsTest.infer("Shape", [TensorType(.f32, .unranked)]) == [TensorType(.i64, .ranked([.symbolic(nil)]))])
    #expect(try OpsTest.infer("Expand", [x, TensorType(.i64, [4])])
      == [TensorType(.f32, .ranked([.symbolic(nil), .symbolic(nil), 4, .symbolic(nil)]))])
    #expect(try OpsTest.infer("Expand", [x, TensorType(.i64, [3])], values: [nil, OpsTest.i64([1, 1, 5])])
      == [TensorType(.f32, .ranked([Self.batch, 4, 5]))])
    // An empty shape makes a scalar; the default value is f32 zero.
    let empty = TensorData(shape: [0], scalars: [Int64]())
    #expect(try OpsTest.infer("ConstantOfShape", [empty.type], values: [empty]) == [TensorType(.f32, [])])
    #expect(try OpsTest.run("ConstantOfShape", [empty])[0].scalars(as: Float.self) == [0])
    #expect(try OpsTest.infer("ConstantOfShape", [TensorType(.i64, [2])])
      == [TensorType(.f32, .ranked(DimMath.unknown(2)))])
    #expect(try OpsTest.infer("Squeeze", [x]) == [TensorType(.f32, .unranked)])
    #expect(try OpsTest.infer("Squeeze", [x, TensorType(.i64, [1])], values: [nil, OpsTest.i64([-1])])
      == [TensorType(.f32, .ranked([Self.batch, 4]))])
    #expect(try OpsTest.infer("Unsqueeze", [x, TensorType(.i64, [2])], values: [nil, OpsTest.i64([0, 4])])
      == [TensorType(.f32, .ranked([1, Self.batch, 4, 1, 1]))])
    #expect(try OpsTest.infer("Split", [x, TensorType(.i64, [2])], attributes: [("axis", .int(1))], results: 2)
      == [TensorType](repeating: TensorType(.f32, .ranked([Self.batch, .symbolic(nil), 1])), count: 2))
  }

  // MARK: Generated tensors

  @Test func rangeOfEveryNumericType() throws {
    for type in [ElementType.f32, .f64, .f16, .i64, .i32, .i16, .i8, .u8] {
      let s = DataMovementOps.scalar(10, as: type), l = DataMovementOps.scalar(2, as: type)
      let d = DataMovementOps.scalar(type.isUnsignedInteger ? 1 : -3, as: type)
      let y = try OpsTest.run("Range", type.isUnsignedInteger ? [l, s, d] : [s, l, d])[0]
      #expect(y.elementType == type)
      #expect(y.doubles() == (type.isUnsignedInteger ? [2, 3, 4, 5, 6, 7, 8, 9] : [10, 7, 4]), "\(type)")
    }
    let quarters = try OpsTest.run("Range", [TensorData(scalar: Float(0)), TensorData(scalar: Float(1)), TensorData(scalar: Float(0.25))])
    #expect(quarters[0].scalars(as: Float.self) == [0, 0.25, 0.5, 0.75])
    #expect(OpsTest.message { () throws(OpError) in
      try OpsTest.run("Range", [TensorData(scalar: Int64(0)), TensorData(scalar: Int64(3)), TensorData(scalar: Int64(0))])
    } == "delta is 0")
  }

  @Test func oneHotTriluEyeLike() throws {
    let hot = try OpsTest.run(
      "OneHot",
      [TensorData(shape: [2], scalars: [Int64(-1), 5]), TensorData(scalar: Int64(3)), TensorData(shape: [2], scalars: [Int32(0), 1])],
      attributes: [("axis", .int(0))])[0]
    #expect(hot.shape == [3, 2])
    #expect(hot.integers() == [0, 0, 0, 0, 1, 0])  // -1 is row 2; 5 is out of range: all off
    let x = OpsTest.iota([2, 3], .i64)
    #expect(try OpsTest.run("Trilu", [x, TensorData(scalar: Int64(-1))])[0].integers() == [0, 1, 2, 3, 4, 5])
    #expect(try OpsTest.run("Trilu", [x], attributes: [("upper", .int(0))])[0].integers() == [0, 0, 0, 3, 4, 0])
    let eye = try OpsTest.run("EyeLike", [x], attributes: [("k", .int(1)), ("dtype", .int(10))])[0]
    #expect(eye.elementType == .f16)
    #expect(eye.doubles() == [0, 1, 0, 0, 0, 1])
  }

  @Test func reverseSequence() throws {
    let x = OpsTest.iota([4, 2, 2], .i32)  // [time, batch, feature]
    let y = try OpsTest.run("ReverseSequence", [x, OpsTest.i64([3, 0])])[0]
    #expect(y.integers() == [8, 9, 2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15])
    #expect(throws: OpError.self) { try OpsTest.run("ReverseSequence", [x, OpsTest.i64([5, 1])]) }
  }

  // MARK: Dropout

  @Test func dropoutInferenceIsIdentityWithTrueMask() throws {
    let x = OpsTest.iota([3, 4])
    let out = try OpsTest.run("Dropout", [x, TensorData(scalar: Float(0.5))], results: 2)
    #expect(out[0].storage === x.storage)
    #expect(out[1].elementType == .bool && out[1].integers()!.allSatisfy { $0 == 1 })
  }

  @Test func trainingDropoutUsesNumpysGenerator() throws {
    var mt = DataMovementOps.MersenneTwister(seed: 0)
    // np.random.seed(0); np.random.random_sample(3)
    let expected = [0.5488135039273248, 0.7151893663724195, 0.6027633760716439]
    #expect([mt.nextDouble(), mt.nextDouble(), mt.nextDouble()] == expected)
    var long = DataMovementOps.MersenneTwister(seed: 12345)
    for _ in 0..<699 { _ = long.nextDouble() }
    #expect(long.nextDouble() == 0.010526395989324033)  // past the first twist of the state
    let x = OpsTest.f32([3], [1, 2, 3])
    let out = try OpsTest.run("Dropout", [x, TensorData(scalar: Float(0.6)), TensorData(scalar: true)], results: 2)
    #expect(out[1].integers() == [0, 1, 1])
    // The ratio is an f32, so the scale is 1 / (1 - 0.6000000238…), rounded to f32.
    let scale = Float(1 / (1 - Double(Float(0.6))))
    #expect(out[0].scalars(as: Float.self) == [0, 2 * scale, 3 * scale])
  }
}
