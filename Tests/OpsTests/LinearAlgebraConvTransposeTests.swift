import QCCIR
import Testing

@testable import QCCOps

/// ConvTranspose: the GEMM + col2im kernel against a direct scatter reference
/// over groups, strides, dilations, pads and output padding; output_shape and
/// auto_pad geometry; symbolic inference.
@Suite struct LinearAlgebraConvTransposeTests {
  /// y[n, g*Mg + m, o] += x[n, c, i] * w[c, m, k] at o = i*stride + k*dilation - pad (2-D).
  static func reference(
    _ x: TensorData, _ w: TensorData, bias: TensorData?, group: Int, strides: [Int], dilations: [Int], padBegin: [Int],
    out: [Int]
  ) -> [Double] {
    let (n, c, ih, iw) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (mg, kh, kw) = (w.shape[1], w.shape[2], w.shape[3])
    let m = mg * group, cg = c / group
    let xv = x.doubles(), wv = w.doubles(), bv = bias?.doubles()
    var y = [Double](repeating: 0, count: n * m * out[0] * out[1])
    for b in 0..<n {
      for ch in 0..<m { for p in 0..<(out[0] * out[1]) { y[(b * m + ch) * out[0] * out[1] + p] = bv?[ch] ?? 0 } }
      for ci in 0..<c {
        let g = ci / cg
        for i0 in 0..<ih {
          for i1 in 0..<iw {
            let xval = xv[((b * c + ci) * ih + i0) * iw + i1]
            for mm in 0..<mg {
              for k0 in 0..<kh {
                for k1 in 0..<kw {
                  let o0 = i0 * strides[0] + k0 * dilations[0] - padBegin[0]
                  let o1 = i1 * strides[1] + k1 * dilations[1] - padBegin[1]
                  guard o0 >= 0 && o0 < out[0] && o1 >= 0 && o1 < out[1] else { continue }
                  let oc = g * mg + mm
                  y[((b * m + oc) * out[0] + o0) * out[1] + o1] += xval * wv[((ci * mg + mm) * kh + k0) * kw + k1]
                }
              }
            }
          }
        }
      }
    }
    return y
  }

  @Test func matchesDirectScatterReference() throws {
    // (group, strides, dilations, pads [b0, b1, e0, e1], output_padding)
    let cases: [(Int, [Int], [Int], [Int], [Int])] = [
      (1, [1, 1], [1, 1], [0, 0, 0, 0], [0, 0]), (1, [2, 3], [1, 1], [1, 0, 1, 2], [1, 0]),
      (2, [2, 2], [2, 1], [0, 1, 1, 0], [1, 1]), (4, [3, 1], [1, 2], [2, 2, 0, 0], [0, 0]),
    ]
    for (group, strides, dilations, pads, outputPadding) in cases {
      let x = OpsTest.random([2, 4, 5, 6], seed: 7)
      let w = OpsTest.random([4, 3, 3, 2], seed: 8)
      let bias = OpsTest.random([3 * group], seed: 9)
      let y = try OpsTest.run(
        "ConvTranspose", [x, w, bias],
        attributes: [
          ("group", .int(Int64(group))), ("strides", .ints(strides.map(Int64.init))),
          ("dilations", .ints(dilations.map(Int64.init))), ("pads", .ints(pads.map(Int64.init))),
          ("output_padding", .ints(outputPadding.map(Int64.init))),
        ])[0]
      let input = [5, 6], kernel = [3, 2]
      var out: [Int] = []
      for i in 0..<2 {
        let span = (kernel[i] - 1) * dilations[i] + 1
        out.append(strides[i] * (input[i] - 1) + outputPadding[i] + span - pads[i] - pads[2 + i])
      }
      #expect(y.shape == [2, 3 * group] + out)
      let expected = Self.reference(
        x, w, bias: bias, group: group, strides: strides, dilations: dilations, padBegin: [pads[0], pads[1]], out: out)
      OpsTest.expectClose(y, expected, rtol: 1e-4, atol: 1e-5)
    }
  }

  @Test func outputShapeAndAutoPadSplitThePadding() throws {
    let x = OpsTest.random([1, 1, 3, 3], seed: 1), w = OpsTest.random([1, 1, 3, 3], seed: 2)
    // Natural size 7; output_shape 6 pads 1: SAME_UPPER puts it at the end, the default at the start.
    for (autoPad, begin) in [("SAME_UPPER", 0), ("NOTSET", 1)] {
      let y = try OpsTest.run(
        "ConvTranspose", [x, w, nil],
        attributes: [("strides", .ints([2, 2])), ("output_shape", .ints([6, 6])), ("auto_pad", .string(autoPad))])[0]
      #expect(y.shape == [1, 1, 6, 6])
      let expected = Self.reference(
        x, w, bias: nil, group: 1, strides: [2, 2], dilations: [1, 1], padBegin: [begin, begin], out: [6, 6])
      OpsTest.expectClose(y, expected, rtol: 1e-5, atol: 1e-6)
    }
    // An output_shape larger than natural adds zeros at the end.
    let big = try OpsTest.run("ConvTranspose", [x, w], attributes: [("output_shape", .ints([6, 5]))])[0]
    #expect(big.shape == [1, 1, 6, 5])
    let expected = Self.reference(x, w, bias: nil, group: 1, strides: [1, 1], dilations: [1, 1], padBegin: [0, 0], out: [6, 5])
    OpsTest.expectClose(big, expected, rtol: 1e-5, atol: 1e-6)
  }

  @Test func infersSymbolicShapesAndRejectsBadOperands() throws {
    let x = TensorType(.f32, .ranked([.symbolic("n"), 8, 16, .symbolic(nil)]))
    let w = TensorType(.f32, [8, 2, 4, 4])
    #expect(
      try OpsTest.infer(
        "ConvTranspose", [x, w], attributes: [("group", .int(2)), ("strides", .ints([2, 2])), ("pads", .ints([1, 1, 1, 1]))])
        == [TensorType(.f32, .ranked([.symbolic("n"), 4, 32, .symbolic(nil)]))])
    // Channels that do not match the weight.
    #expect(
      OpsTest.message { () throws(OpError) in try OpsTest.infer("ConvTranspose", [TensorType(.f32, [1, 3, 4, 4]), w]) }
        != nil)
    // Pads larger than the natural output.
    #expect(
      OpsTest.error(
        "ConvTranspose", [.input(OpsTest.iota([1, 1, 2, 2])), .input(OpsTest.iota([1, 1, 2, 2]))],
        attributes: [("pads", .ints([3, 3, 3, 3]))]) != nil)
  }
}
