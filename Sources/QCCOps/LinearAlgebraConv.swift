import QCCIR
import QCCKernels

// Conv over 1 to 3 spatial dims: im2col + sgemm per group, the input read
// directly for 1x1 stride-1 kernels, and a direct kernel for depthwise
// groups. f16 and bf16 run through f32.

extension LinearAlgebraOps {
  static let convTypes: Set<ElementType> = [.f32, .f16, .bf16]

  static let conv = OpDefinition(
    "Conv",
    inferTypes: { (c) throws(OpError) in [try convType(c).type] },
    evaluate: { (c) throws(OpError) in
      let (type, window, group) = try convType(c.inference)
      let shape = type.shape.staticSizes!
      let x = toF32(try c.input(0)), w = toF32(try c.input(1)), bias = c.optionalInput(2).map(toF32)
      var (geometry, _) = try window.geometry(input: Array(x.shape.dropFirst(2)), op: "Conv")
      let channels = x.shape[1]
      let workspaceCount = Int(qcc_f32_conv_workspace(&geometry, Int64(channels), Int64(group)))
      let workspace = UnsafeMutablePointer<Float>.allocate(capacity: max(workspaceCount, 1))
      defer { workspace.deallocate() }
      let y = TensorData.f32(uninitialized: shape) { out in
        qcc_f32_conv(
          x.f32Pointer, w.f32Pointer, bias?.f32Pointer, out.address, Int64(shape[0]), Int64(channels), Int64(shape[1]),
          Int64(group), &geometry, workspace)
      }
      return [fromF32(y, to: type.elementType)]
    })

  /// The result type, window and group count of a Conv node.
  static func convType(_ c: InferenceContext) throws(OpError) -> (type: TensorType, window: Window, group: Int) {
    let x = try c.input(0)
    try ElementTypes.require(x, in: convTypes, "Conv")
    try requireSameElement(c, [1, 2], as: x, "Conv")
    let (dims, window, group) = try convGeometry(c, op: "Conv")
    return (TensorType(x.element, .ranked(dims)), window, group)
  }

  /// Conv's attributes and shapes, whatever the element types (`qcc.conv` shares them):
  /// the result dims, window and group count; `op` names the op in errors.
  static func convGeometry(_ c: InferenceContext, op: String) throws(OpError) -> (dims: [Dim], window: Window, group: Int) {
    let x = try c.input(0), w = try c.input(1)
    let a = c.attributes
    let group = try a.int("group", default: 1)
    guard group >= 1 else { throw OpError("\(op) attribute 'group' must be positive, not \(group)") }
    guard let wd = w.shape.dims else {
      throw OpError("\(op) needs a weight of known rank")
    }
    guard wd.count >= 3 else { throw OpError("\(op) weight must have rank 3 or more, not \(wd.count)") }
    let r = wd.count - 2
    if let xd = x.shape.dims, xd.count != wd.count {
      throw OpError("\(op) input rank \(xd.count) does not match weight rank \(wd.count)")
    }
    var kernel: [Int]
    if let k = try a.ints("kernel_shape") {
      guard k.count == r else { throw OpError("\(op) attribute 'kernel_shape' \(k) has \(k.count) values, expected \(r)") }
      kernel = k
      for (i, d) in wd.dropFirst(2).enumerated() {
        if case .fixed(let n) = d, n != k[i] { throw OpError("\(op) kernel_shape \(k) does not match the weight's \(DimMath.describe(wd))") }
      }
    } else {
      guard let k = Shape.ranked(Array(wd.dropFirst(2))).staticSizes else {
        throw OpError("\(op) needs a kernel_shape attribute or a weight with static spatial dims")
      }
      kernel = k
    }
    let window = try Window(a, op: op, kernel: kernel, allowsCeil: false)
    guard (1...3).contains(r) else { throw OpError("\(op) supports 1 to 3 spatial dimensions, not \(r)") }
    let m = wd[0]
    if case .fixed(let mv) = m, mv % group != 0 {
      throw OpError("\(op) output channels \(mv) are not divisible by group \(group)")
    }
    var out: [Dim] = [.symbolic(nil), m] + DimMath.unknown(r)
    if let xd = x.shape.dims {
      if case .fixed(let ch) = xd[1], case .fixed(let cg) = wd[1], ch != cg * group {
        throw OpError("\(op) input has \(ch) channels, but the weight expects \(cg) x group \(group)")
      }
      out = [xd[0], m] + (try window.outputDims(Array(xd.dropFirst(2)), op: op))
    }
    if let b = c.optionalInput(2), let bd = b.shape.dims {
      guard bd.count == 1 else { throw OpError("\(op) bias must have rank 1, not \(bd.count)") }
      if case .fixed(let nb) = bd[0], case .fixed(let mv) = m, nb != mv {
        throw OpError("\(op) bias has \(nb) elements, expected \(mv)")
      }
    }
    return (out, window, group)
  }
}
