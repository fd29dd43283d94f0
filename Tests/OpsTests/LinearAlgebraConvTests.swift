import Testing
import QCCIR
@testable import QCCOps

/// A direct N-d convolution in Double: pads given as begins then ends.
private func referenceConv(
  _ x: TensorData, _ w: TensorData, _ bias: TensorData?, strides: [Int], dilations: [Int], pads: [Int], group: Int
) -> (values: [Double], shape: [Int]) {
  let xs = x.shape, ws = w.shape, r = xs.count - 2
  let xv = x.doubles(), wv = w.doubles(), bv = bias?.doubles()
  let cg = ws[1], mg = ws[0] / group
  var outSpatial: [Int] = []
  for i in 0..<r {
    outSpatial.append((xs[i + 2] + pads[i] + pads[r + i] - ((ws[i + 2] - 1) * dilations[i] + 1)) / strides[i] + 1)
  }
  let shape = [xs[0], ws[0]] + outSpatial
  let xstr = OpsTest.strides(xs), wstr = OpsTest.strides(ws)
  var out: [Double] = []
  for o in OpsTest.indices(shape) {
    let (n, m) = (o[0], o[1])
    let g = m / mg
    var s = bv?[m] ?? 0
    for c in 0..<cg {
      for k in OpsTest.indices(Array(ws.dropFirst(2))) {
        var inside = true, xi = n * xstr[0] + (g * cg + c) * xstr[1]
        for d in 0..<r {
          let pos = o[d + 2] * strides[d] + k[d] * dilations[d] - pads[d]
          if pos < 0 || pos >= xs[d + 2] { inside = false; break }
          xi += pos * xstr[d + 2]
        }
        guard inside else { continue }
        var wi = m * wstr[0] + c * wstr[1]
        for d in 0..<r { wi += k[d] * wstr[d + 2] }
        s += xv[xi] * wv[wi]
      }
    }
    out.append(s)
  }
  return (out, shape)
}

/// A direct pool in Double (kind "max" or "avg"), pads begins then ends, output sizes given.
private func referencePool(
  _ x: TensorData, kind: String, kernel: [Int], strides: [Int], pads: [Int], outSpatial: [Int], includePad: Bool
) -> [Double] {
  let xs = x.shape, r = kernel.count, xv = x.doubles(), xstr = OpsTest.strides(xs)
  var out: [Double] = []
  for o in OpsTest.indices([xs[0], xs[1]] + outSpatial) {
    var best = -Double.infinity, sum = 0.0, count = 0, padded = 1
    for d in 0..<r {
      var c = 0
      for k in 0..<kernel[d] {
        let pos = o[d + 2] * strides[d] + k - pads[d]
        if pos >= -pads[d] && pos < xs[d + 2] + pads[r + d] { c += 1 }
      }
      padded *= c
    }
    for k in OpsTest.indices(kernel) {
      var xi = o[0] * xstr[0] + o[1] * xstr[1], inside = true
      for d in 0..<r {
        let pos = o[d + 2] * strides[d] + k[d] - pads[d]
        if pos < 0 || pos >= xs[d + 2] { inside = false; break }
        xi += pos * xstr[d + 2]
      }
      guard inside else { continue }
      best = max(best, xv[xi])
      sum += xv[xi]
      count += 1
    }
    out.append(kind == "max" ? best : sum / Double(includePad ? padded : count))
  }
  return out
}

@Suite struct LinearAlgebraConvTests {
  struct ConvCase: Sendable, CustomStringConvertible {
    var x: [Int], w: [Int], strides: [Int], dilations: [Int], pads: [Int], group: Int, bias: Bool
    var description: String { "x\(x) w\(w) s\(strides) d\(dilations) p\(pads) g\(group)" }
  }

  @Test(arguments: [
    // im2col + GEMM: padding, stride, dilation, asymmetric pads.
    ConvCase(x: [2, 3, 7, 6], w: [4, 3, 3, 3], strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], group: 1, bias: true),
    ConvCase(x: [1, 2, 9, 8], w: [3, 2, 3, 2], strides: [2, 3], dilations: [2, 1], pads: [0, 2, 1, 0], group: 1, bias: false),
    // The ViT patch embedding shape: non-overlapping windows.
    ConvCase(x: [1, 3, 32, 32], w: [8, 3, 16, 16], strides: [16, 16], dilations: [1, 1], pads: [0, 0, 0, 0], group: 1, bias: true),
    // 1x1 stride 1: the input is the GEMM operand.
    ConvCase(x: [2, 6, 5, 4], w: [5, 6, 1, 1], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], group: 1, bias: true),
    // 1x1 with padding still needs im2col.
    ConvCase(x: [1, 3, 4, 4], w: [2, 3, 1, 1], strides: [1, 1], dilations: [1, 1], pads: [1, 0, 0, 1], group: 1, bias: false),
    // Groups, depthwise (with and without a multiplier, strided).
    ConvCase(x: [1, 4, 6, 6], w: [6, 2, 3, 3], strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], group: 2, bias: true),
    ConvCase(x: [2, 4, 7, 5], w: [4, 1, 3, 3], strides: [2, 1], dilations: [1, 2], pads: [1, 2, 0, 1], group: 4, bias: true),
    ConvCase(x: [1, 3, 6, 6], w: [6, 1, 2, 2], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], group: 3, bias: false),
    // 1-D (the Mamba causal depthwise conv) and 3-D.
    ConvCase(x: [1, 8, 12], w: [8, 1, 4], strides: [1], dilations: [1], pads: [3, 3], group: 8, bias: true),
    ConvCase(x: [1, 3, 10], w: [2, 3, 3], strides: [2], dilations: [2], pads: [1, 0], group: 1, bias: true),
    ConvCase(x: [1, 2, 4, 5, 3], w: [3, 2, 2, 3, 2], strides: [1, 2, 1], dilations: [1, 1, 2], pads: [0, 1, 1, 1, 0, 0], group: 1, bias: true),
  ])
  func convAgreesWithReference(_ c: ConvCase) throws {
    let x = OpsTest.random(c.x, seed: 11), w = OpsTest.random(c.w, seed: 12), b = c.bias ? OpsTest.random([c.w[0]], seed: 13) : nil
    let y = try OpsTest.one("Conv", [x, w, b], attributes: [
      ("strides", .ints(c.strides.map(Int64.init))), ("dilations", .ints(c.dilations.map(Int64.init))),
      ("pads", .ints(c.pads.map(Int64.init))), ("group", .int(Int64(c.group))),
    ])
    let ref = referenceConv(x, w, b, strides: c.strides, dilations: c.dilations, pads: c.pads, group: c.group)
    OpsTest.expectClose(y, ref.values, shape: ref.shape, rtol: 1e-5, atol: 1e-5)
  }

  @Test func autoPadSameLowerPutsTheExtraPadFirst() throws {
    let x = OpsTest.random([1, 1, 5, 5], seed: 14), w = OpsTest.random([1, 1, 2, 2], seed: 15)
    for (mode, pads) in [("SAME_LOWER", [1, 1, 0, 0]), ("SAME_UPPER", [0, 0, 1, 1])] {
      let y = try OpsTest.one("Conv", [x, w], attributes: [("auto_pad", .string(mode))])
      let ref = referenceConv(x, w, nil, strides: [1, 1], dilations: [1, 1], pads: pads, group: 1)
      OpsTest.expectClose(y, ref.values, shape: [1, 1, 5, 5])
    }
    let valid = try OpsTest.one("Conv", [x, w], attributes: [("auto_pad", .string("VALID")), ("pads", .ints([3, 3, 3, 3]))])
    #expect(valid.shape == [1, 1, 4, 4])
  }

  @Test func convErrors() {
    #expect(OpsTest.error("Conv", [.input(OpsTest.random([1, 4, 5, 5])), .input(OpsTest.random([2, 3, 3, 3]))])
      == "Conv input has 4 channels, but the weight expects 3 x group 1")
    #expect(OpsTest.error("Conv", [.input(OpsTest.random([1, 3, 2, 2])), .input(OpsTest.random([2, 3, 3, 3]))])
      == "Conv window of size 3 is larger than the padded input (2 + 0 + 0) in spatial dim 0")
    #expect(OpsTest.error("Conv", [.input(OpsTest.random([1, 3, 5, 5])), .input(OpsTest.random([2, 3, 3, 3]))], attributes: [("strides", .ints([1]))])
      == "Conv attribute 'strides' has 1 values, expected 2")
  }

  @Test func convOfSymbolicSpatialDimsInfers() throws {
    var g = Graph()
    let x = g.addInput(name: "x", type: TensorType(.f32, .ranked([.symbolic("n"), 3, .symbolic(nil), 16])))
    let w = g.addConstant(OpsTest.random([8, 3, 3, 3]), name: "w")
    let n = g.addNode(op: "Conv", inputs: [x, w], resultTypes: [TensorType(.f32, .unranked)], attributes: Attributes([("pads", .ints([1, 1, 1, 1]))]))
    #expect(try OpRegistry.standard.inferTypes(of: g[n], in: g) == [TensorType(.f32, .ranked([.symbolic("n"), 8, .symbolic(nil), 16]))])
  }

  @Test func poolsAgreeWithReference() throws {
    let x = OpsTest.random([2, 3, 7, 6], seed: 16)
    let attributes: [(String, Attribute)] = [("kernel_shape", .ints([3, 2])), ("strides", .ints([2, 2])), ("pads", .ints([1, 0, 1, 1]))]
    let mx = try OpsTest.one("MaxPool", [x], attributes: attributes)
    OpsTest.expectClose(mx, referencePool(x, kind: "max", kernel: [3, 2], strides: [2, 2], pads: [1, 0, 1, 1], outSpatial: [4, 3], includePad: false), shape: [2, 3, 4, 3])
    for include in [false, true] {
      let avg = try OpsTest.one("AveragePool", [x], attributes: attributes + [("count_include_pad", .int(include ? 1 : 0))])
      OpsTest.expectClose(avg, referencePool(x, kind: "avg", kernel: [3, 2], strides: [2, 2], pads: [1, 0, 1, 1], outSpatial: [4, 3], includePad: include))
    }
  }

  @Test func ceilModeAddsPartialWindowsButNotOnesStartingInThePadding() throws {
    let x = OpsTest.f32([1, 1, 1, 5], [1, 2, 3, 4, 5])
    let y = try OpsTest.one("MaxPool", [x], attributes: [("kernel_shape", .ints([1, 2])), ("strides", .ints([1, 2])), ("ceil_mode", .int(1))])
    OpsTest.expectClose(y, [2, 4, 5], shape: [1, 1, 1, 3])
    // Width 4 + 1 end pad, kernel 1, stride 2: a third window would start at 4, inside the padding only.
    let dropped = try OpsTest.one("MaxPool", [OpsTest.f32([1, 1, 1, 4], [1, 2, 3, 4])], attributes: [
      ("kernel_shape", .ints([1, 1])), ("strides", .ints([1, 2])), ("pads", .ints([0, 0, 0, 1])), ("ceil_mode", .int(1)),
    ])
    OpsTest.expectClose(dropped, [1, 3], shape: [1, 1, 1, 2])
    let avg = try OpsTest.one("AveragePool", [OpsTest.f32([1, 1, 1, 4], [1, 2, 3, 4])], attributes: [("kernel_shape", .ints([1, 3])), ("strides", .ints([1, 2])), ("ceil_mode", .int(1))])
    OpsTest.expectClose(avg, [2, 3.5], shape: [1, 1, 1, 2])
  }

  @Test func maxPoolIndicesInBothStorageOrders() throws {
    let x = OpsTest.f32([1, 2, 2, 3], [1, 9, 2, 3, 4, 5, /* second plane */ 0, 0, 7, 6, 0, 0])
    let rowMajor = try OpsTest.run("MaxPool", [.input(x)], attributes: [("kernel_shape", .ints([2, 2]))], results: 2)
    OpsTest.expectClose(rowMajor[0], [9, 9, 6, 7])
    #expect(rowMajor[1].scalars(as: Int64.self) == [1, 1, 9, 8])
    let columnMajor = try OpsTest.run("MaxPool", [.input(x)], attributes: [("kernel_shape", .ints([2, 2])), ("storage_order", .int(1))], results: 2)
    // Column-major position of (h, w) is w * H + h; the second plane adds H * W = 6.
    #expect(columnMajor[1].scalars(as: Int64.self) == [2, 2, 6 + 1, 6 + 4])
  }

  @Test func maxPoolOnBytesIsExact() throws {
    let x = TensorData(shape: [1, 1, 2, 2], scalars: [UInt8(250), 3, 255, 7])
    let y = try OpsTest.one("MaxPool", [x], attributes: [("kernel_shape", .ints([2, 1]))])
    #expect(y.scalars(as: UInt8.self) == [255, 7])
  }

  @Test func globalPools() throws {
    let x = OpsTest.random([2, 3, 4, 5], seed: 17)
    let avg = try OpsTest.one("GlobalAveragePool", [x]), mx = try OpsTest.one("GlobalMaxPool", [x])
    #expect(avg.shape == [2, 3, 1, 1])
    let v = x.doubles()
    let planes = (0..<6).map { Array(v[($0 * 20)..<($0 * 20 + 20)]) }
    OpsTest.expectClose(avg, planes.map { $0.reduce(0, +) / 20 })
    OpsTest.expectClose(mx, planes.map { $0.max()! })
  }
}
