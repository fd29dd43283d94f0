import QCCIR
import Testing

@testable import QCCOps

/// The helpers every op family shares: strided copies, broadcast shapes, axes
/// and ONNX type codes, and what ops do with them at the edges.
@Suite struct SharedHelpersTests {
  @Test(arguments: [ElementType.f32, .u8, .i64, .f16, .bool])
  func broadcastMatchesNaiveReference(type: ElementType) {
    let cases: [([Int], [Int])] = [
      ([3, 1], [2, 3, 4]), ([], [2, 2]), ([4], [3, 4]), ([2, 1, 3], [2, 5, 3]),
      // Deeper than the C kernel goes: the copy peels outer dims in Swift.
      ([1, 2, 1, 3, 1, 1, 2, 1, 2, 1], [2, 2, 2, 3, 1, 2, 2, 1, 2, 2]),
    ]
    for (from, to) in cases {
      let x = OpsTest.iota(from, type)
      let y = x.broadcast(to: to)
      #expect(y.shape == to)
      #expect(y.doubles() == OpsTest.reference(x, shape: to) { $0 }, "\(from) to \(to)")
    }
  }

  @Test func broadcastWithoutRepeatsIsAView() {
    let x = OpsTest.iota([3, 4])
    #expect(x.broadcast(to: [3, 4]).storage === x.storage)
    let y = x.broadcast(to: [1, 3, 4])
    #expect(y.storage === x.storage && y.shape == [1, 3, 4])
  }

  @Test func denseCopyReadsDiagonalsReversalsAndOffsets() {
    let m = OpsTest.iota([4, 4], .i32)
    #expect(m.denseCopy(shape: [4], strides: [5]).integers() == [0, 5, 10, 15])
    #expect(m.denseCopy(shape: [2, 3], strides: [4, -1], offset: 6).integers() == [6, 5, 4, 10, 9, 8])
    #expect(
      m.denseCopy(shape: [4, 4], strides: [1, 4]).integers()
        == OpsTest.reference(m, shape: [4, 4]) { [$0[1], $0[0]] }.map { Int64($0) })
    #expect(m.denseCopy(shape: [0, 4], strides: [4, 1]).elementCount == 0)
  }

  @Test func broadcastSizesShortcutsAgreeWithTheGeneralRule() {
    let shapes: [[Int]] = [[], [1], [3], [0], [1, 1], [2, 3], [2, 1], [1, 3], [1, 0], [4, 2, 3], [4, 1, 1]]
    for a in shapes {
      for b in shapes {
        let general = try? Broadcast.shape(a.map { .fixed($0) }, b.map { .fixed($0) }).map { $0.value! }
        #expect((try? Broadcast.sizes([a, b])) == general, "\(a) with \(b)")
      }
    }
  }

  @Test func unidirectionalBroadcastAllowsOnlyOnesAndEqualDims() {
    let x: [Dim] = [.fixed(2), .symbolic("n"), .fixed(3)]
    #expect(Broadcast.isUnidirectional([.fixed(3)], to: x))
    #expect(Broadcast.isUnidirectional([.fixed(5), .fixed(1)], to: x))  // 5 against an unknown dim
    #expect(!Broadcast.isUnidirectional([.fixed(2), .fixed(1), .fixed(1), .fixed(3)], to: x))
    #expect(!Broadcast.isUnidirectional([.fixed(4)], to: x))
  }

  @Test func axesAreValidFromMinusRankToRank() throws {
    #expect(try normalizeAxis(-1, rank: 3) == 2)
    #expect(try normalizeAxes([0, -1], rank: 2) == [0, 1])
    #expect(
      OpsTest.message { () throws(OpError) in try normalizeAxis(3, rank: 3) } == "axis 3 is out of range for rank 3")
    // A scalar has no axes at all.
    #expect(
      OpsTest.message { () throws(OpError) in try normalizeAxis(0, rank: 0) } == "axis 0 is out of range for rank 0")
    #expect(
      OpsTest.message { () throws(OpError) in try normalizeAxes([1, -1], rank: 2) } == "axes [1, -1] repeats axis -1")
  }

  @Test func opsGiveScalarsAnErrorRatherThanAnAxis() throws {
    let scalar = TensorData(scalar: Float(2))
    #expect(
      OpsTest.error("ReduceSum", [.input(scalar), .constant(OpsTest.i64([0]))]) == "axes 0 is out of range for rank 0")
    #expect(
      OpsTest.error("Softmax", [.input(scalar)], attributes: [("axis", .int(0))]) == "axis 0 is out of range for rank 0"
    )
    #expect(OpsTest.error("ArgMax", [.input(scalar)]) == "ArgMax input must have rank 1 or more")
    #expect(OpsTest.error("Split", [.input(scalar)], attributes: [("num_outputs", .int(1))]) == "cannot split a scalar")
    #expect(
      OpsTest.error("LayerNormalization", [.input(scalar), .input(scalar)], attributes: [("axis", .int(0))])
        == "axis 0 is out of range for rank 0")
    // Reducing a scalar over no axes is still the identity.
    #expect(try OpsTest.one("ReduceSum", [scalar]).scalars(as: Float.self) == [2])
  }

  @Test func onnxTypeCodesQccCannotMoveAreRejected() throws {
    let x = OpsTest.f32([2, 2], [1, 2, 3, 4])
    #expect(
      OpsTest.error("Cast", [.input(x)], attributes: [("to", .int(23))]) == "Cast to ONNX data type 23 is not supported"
    )
    #expect(
      OpsTest.error("Cast", [.input(x)], attributes: [("to", .int(8))]) == "Cast to ONNX data type 8 is not supported")
    #expect(
      OpsTest.error("EyeLike", [.input(x)], attributes: [("dtype", .int(22))]) == "EyeLike does not support i4 tensors")
    #expect(try OpsTest.one("Cast", [x], attributes: [("to", .int(13))]).elementType == .u64)
    #expect(try OpsTest.one("EyeLike", [x], attributes: [("dtype", .int(7))]).integers() == [1, 0, 0, 1])
  }
}
