import QCCIR
import QCCKernels

// ConvTranspose over 1 to 3 spatial dims: per image and group one sgemm
// (weight^T * x) and a col2im scatter-add (`qcc_f32_conv_transpose`).
// f16 and bf16 run through f32.
//
// Output sizes and begin pads per spatial dim, as the spec and onnxruntime
// compute them: with `output_shape`, the total padding is
// max(0, natural - output) split by auto_pad (SAME_UPPER puts the smaller
// half first, otherwise the larger); with SAME_* alone the output is
// input * stride, split the same way; otherwise explicit pads (or none).

extension LinearAlgebraOps {
  /// The resolved geometry of a ConvTranspose node.
  struct ConvTransposeGeometry {
    var type: TensorType
    var window: Window
    var group: Int
    var outputPadding: [Int]
    var outputShape: [Int]?
  }

  static func convTransposeType(_ c: InferenceContext) throws(OpError) -> ConvTransposeGeometry {
    let op = "ConvTranspose"
    let x = try c.input(0), w = try c.input(1)
    try ElementTypes.require(x, in: convTypes, op)
    try requireSameElement(c, [1, 2], as: x, op)
    let a = c.attributes
    let group = try a.int("group", default: 1)
    guard group >= 1 else { throw OpError("\(op) attribute 'group' must be positive, not \(group)") }
    guard let wd = w.shape.dims else { throw OpError("\(op) needs a weight of known rank") }
    guard wd.count >= 3 else { throw OpError("\(op) weight must have rank 3 or more, not \(wd.count)") }
    let r = wd.count - 2
    guard (1...3).contains(r) else { throw OpError("\(op) supports 1 to 3 spatial dimensions, not \(r)") }
    if let xd = x.shape.dims, xd.count != wd.count {
      throw OpError("\(op) input rank \(xd.count) does not match weight rank \(wd.count)")
    }
    let kernel: [Int]
    if let k = Shape.ranked(Array(wd.dropFirst(2))).staticSizes {
      if let attr = try a.ints("kernel_shape"), attr != k {
        throw OpError("\(op) kernel_shape \(attr) does not match the weight's \(DimMath.describe(wd))")
      }
      kernel = k
    } else if let k = try a.ints("kernel_shape") {
      guard k.count == r else { throw OpError("\(op) attribute 'kernel_shape' \(k) has \(k.count) values, expected \(r)") }
      kernel = k
    } else {
      throw OpError("\(op) needs a kernel_shape attribute or a weight with static spatial dims")
    }
    let window = try Window(a, op: op, kernel: kernel, allowsCeil: false)
    let outputPadding = try a.ints("output_padding") ?? [Int](repeating: 0, count: r)
    guard outputPadding.count == r, outputPadding.allSatisfy({ $0 >= 0 }) else {
      throw OpError("\(op) attribute 'output_padding' \(outputPadding) must have \(r) non-negative values")
    }
    var outputShape = try a.ints("output_shape")
    if let s = outputShape {
      if s.count == r + 2 { outputShape = Array(s.dropFirst(2)) }
      guard outputShape!.count == r, outputShape!.allSatisfy({ $0 >= 0 }) else {
        throw OpError("\(op) attribute 'output_shape' \(s) must have \(r) non-negative values")
      }
    }
    let m = try DimMath.scaled(wd[1], by: group)
    var dims: [Dim] = [.symbolic(nil), m] + DimMath.unknown(r)
    if let xd = x.shape.dims {
      if case .fixed(let ch) = xd[1], case .fixed(let cw) = wd[0], ch != cw {
        throw OpError("\(op) input has \(ch) channels, but the weight has \(cw)")
      }
      if case .fixed(let ch) = xd[1], ch % group != 0 {
        throw OpError("\(op) input channels \(ch) are not divisible by group \(group)")
      }
      dims[0] = xd[0]
      let g = ConvTransposeGeometry(
        type: TensorType(x.element, .unranked), window: window, group: group, outputPadding: outputPadding,
        outputShape: outputShape)
      for i in 0..<r {
        if let n = xd[i + 2].value { dims[i + 2] = .fixed(try convTransposeResolve(g, i, input: n).out) }
      }
    }
    if let b = c.optionalInput(2), let bd = b.shape.dims {
      guard bd.count == 1 else { throw OpError("\(op) bias must have rank 1, not \(bd.count)") }
      _ = try DimMath.unify(bd[0], m, "\(op) bias has the wrong number of elements")
    }
    return ConvTransposeGeometry(
      type: TensorType(x.element, .ranked(dims)), window: window, group: group, outputPadding: outputPadding,
      outputShape: outputShape)
  }

  /// The output size and begin pad of spatial dim `i` for input size `n`.
  static func convTransposeResolve(_ g: ConvTransposeGeometry, _ i: Int, input n: Int) throws(OpError) -> (out: Int, begin: Int) {
    let w = g.window
    let span = (w.kernel[i] - 1) * w.dilations[i] + 1
    let natural = w.strides[i] * (n - 1) + g.outputPadding[i] + span
    let out: Int, begin: Int
    if g.outputShape != nil || w.autoPad == "SAME_UPPER" || w.autoPad == "SAME_LOWER" {
      out = g.outputShape?[i] ?? n * w.strides[i]
      let total = Swift.max(0, natural - out)
      begin = w.autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
    } else if w.autoPad == "VALID" {
      (out, begin) = (natural, 0)
    } else {
      (out, begin) = (natural - w.pads[i] - w.pads[w.kernel.count + i], w.pads[i])
    }
    guard out >= 0 else { throw OpError("ConvTranspose output size \(out) in spatial dim \(i) is negative") }
    return (out, begin)
  }

  /// The kernel geometry of `g` on an input of `input` ([N, C, spatial…]):
  /// the 1 to 3 spatial dims right-aligned in a qcc_window3d (leading dims of
  /// size 1), with the resolved output sizes and begin pads. The compiled
  /// plan passes the same geometry to the same kernel.
  static func convTransposeWindow(_ g: ConvTransposeGeometry, input: [Int]) throws(OpError) -> qcc_window3d {
    let r = g.window.kernel.count
    var inS = [Int64](repeating: 1, count: 3), outS = inS, k = inS, st = inS, dl = inS
    var pb = [Int64](repeating: 0, count: 3)
    for i in 0..<r {
      let j = 3 - r + i
      let (o, b) = try convTransposeResolve(g, i, input: input[i + 2])
      inS[j] = Int64(input[i + 2])
      outS[j] = Int64(o)
      k[j] = Int64(g.window.kernel[i])
      st[j] = Int64(g.window.strides[i])
      dl[j] = Int64(g.window.dilations[i])
      pb[j] = Int64(b)
    }
    var geometry = qcc_window3d()
    geometry.in = (inS[0], inS[1], inS[2])
    geometry.out = (outS[0], outS[1], outS[2])
    geometry.kernel = (k[0], k[1], k[2])
    geometry.stride = (st[0], st[1], st[2])
    geometry.dilation = (dl[0], dl[1], dl[2])
    geometry.pad_begin = (pb[0], pb[1], pb[2])
    return geometry
  }

  static let convTranspose = OpDefinition(
    "ConvTranspose",
    inferTypes: { (c) throws(OpError) in [try convTransposeType(c).type] },
    evaluate: { (c) throws(OpError) in
      let g = try convTransposeType(c.inference)
      let shape = try g.type.requireStaticShape("ConvTranspose result")
      let x = toF32(try c.input(0)), w = toF32(try c.input(1)), bias = c.optionalInput(2).map(toF32)
      var geometry = try convTransposeWindow(g, input: x.shape)
      let channels = x.shape[1]
      let workspaceCount = Int(qcc_f32_conv_transpose_workspace(&geometry, Int64(shape[1]), Int64(g.group)))
      let workspace = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(workspaceCount, 1))
      defer { workspace.deallocate() }
      let y = TensorData.f32(uninitialized: shape) { out in
        qcc_f32_conv_transpose(
          x.f32Pointer, w.f32Pointer, bias?.f32Pointer, out.address, Int64(shape[0]), Int64(channels),
          Int64(shape[1]), Int64(g.group), &geometry, workspace, nil)
      }
      return [fromF32(y, to: g.type.elementType)]
    })
}
