import QCCIR
import QCCKernels

// MaxPool (with its optional Indices output), AveragePool, and the global
// pools. Non-f32 element types run through f32, which is exact for the
// 8-bit integers MaxPool accepts and for f16/bf16 maxima.

extension LinearAlgebraOps {
  static let maxPoolTypes: Set<ElementType> = [.f32, .f16, .bf16, .i8, .u8]

  static let maxPool = pool("MaxPool", kind: 0, types: maxPoolTypes)
  static let averagePool = pool("AveragePool", kind: 1, types: convTypes)

  static func pool(_ name: String, kind: Int32, types: Set<ElementType>) -> OpDefinition {
    OpDefinition(
      name,
      inferTypes: { (c) throws(OpError) in try poolTypes(c, name, types: types).types },
      evaluate: { (c) throws(OpError) in
        let (resultTypes, window) = try poolTypes(c.inference, name, types: types)
        let x = try c.input(0)
        let shape = resultTypes[0].shape.staticSizes!
        let (geometry, padEnd) = try window.geometry(input: Array(x.shape.dropFirst(2)), op: name)
        var g = geometry
        let countIncludePad = try c.attributes.int("count_include_pad", default: 0) != 0
        let storageOrder = try c.attributes.int("storage_order", default: 0)
        let xf = toF32(x)
        let planes = Int64(shape[0] * shape[1])
        var indices: [Int64]? = resultTypes.count > 1 ? [Int64](repeating: 0, count: product(shape)) : nil
        let y = TensorData.f32(uninitialized: shape) { out in
          if indices != nil {
            indices!.withUnsafeMutableBufferPointer { ip in
              qcc_f32_pool(kind, xf.f32Pointer, out.address, ip.baseAddress, planes, &g, padEnd, 0, Int32(storageOrder))
            }
          } else {
            qcc_f32_pool(
              kind, xf.f32Pointer, out.address, nil, planes, &g, padEnd, countIncludePad ? 1 : 0, Int32(storageOrder))
          }
        }
        var results = [fromF32(y, to: x.elementType)]
        if let indices { results.append(TensorData(shape: shape, scalars: indices)) }
        return results
      })
  }

  static func poolTypes(
    _ c: InferenceContext, _ op: String, types: Set<ElementType>
  ) throws(OpError) -> (types: [TensorType], window: Window) {
    let x = try c.input(0)
    try ElementTypes.require(x, in: types, op)
    let a = c.attributes
    guard let kernel = try a.ints("kernel_shape") else { throw OpError("\(op) needs the attribute 'kernel_shape'") }
    guard (1...3).contains(kernel.count) else {
      throw OpError("\(op) supports 1 to 3 spatial dimensions, not \(kernel.count)")
    }
    let window = try Window(a, op: op, kernel: kernel, allowsCeil: true)
    let storageOrder = try a.int("storage_order", default: 0)
    guard storageOrder == 0 || storageOrder == 1 else {
      throw OpError("\(op) attribute 'storage_order' must be 0 or 1, not \(storageOrder)")
    }
    if op == "MaxPool" && c.resultCount > 2 { throw OpError("MaxPool has at most 2 results, not \(c.resultCount)") }
    if op == "AveragePool" && c.resultCount > 1 { throw OpError("AveragePool has 1 result, not \(c.resultCount)") }
    var dims = [Dim.symbolic(nil), .symbolic(nil)] + DimMath.unknown(kernel.count)
    if let xd = x.shape.dims {
      guard xd.count == kernel.count + 2 else {
        throw OpError("\(op) input rank \(xd.count) does not match kernel_shape \(kernel) (expected rank \(kernel.count + 2))")
      }
      dims = [xd[0], xd[1]] + (try window.outputDims(Array(xd.dropFirst(2)), op: op))
    }
    var results = [TensorType(x.element, .ranked(dims))]
    if c.resultCount == 2 { results.append(TensorType(.i64, .ranked(dims))) }
    return (results, window)
  }

  static let globalAveragePool = globalPool("GlobalAveragePool", kind: QCC_REDUCE_MEAN, types: convTypes)
  static let globalMaxPool = globalPool("GlobalMaxPool", kind: QCC_REDUCE_MAX, types: maxPoolTypes)

  /// A pool over every spatial dim of [N, C, spatial…], keeping them as 1s.
  static func globalPool(_ name: String, kind: qcc_reduce_kind, types: Set<ElementType>) -> OpDefinition {
    @Sendable func infer(_ c: InferenceContext) throws(OpError) -> TensorType {
      let x = try c.input(0)
      try ElementTypes.require(x, in: types, name)
      guard let d = x.shape.dims else { return TensorType(x.element, .unranked) }
      guard d.count >= 2 else { throw OpError("\(name) input must have rank 2 or more, not \(d.count)") }
      return TensorType(x.element, .ranked(Array(d.prefix(2)) + [Dim](repeating: .fixed(1), count: d.count - 2)))
    }
    return OpDefinition(
      name,
      inferTypes: { (c) throws(OpError) in [try infer(c)] },
      evaluate: { (c) throws(OpError) in
        let shape = try infer(c.inference).shape.staticSizes!
        let x = try c.input(0), xf = toF32(x)
        let planes = x.shape[0] * x.shape[1], spatial = product(x.shape.dropFirst(2))
        let y = TensorData.f32(uninitialized: shape) { out in
          qcc_f32_reduce(kind, xf.f32Pointer, out.address, Int64(planes), Int64(spatial), 1)
        }
        return [fromF32(y, to: x.elementType)]
      })
  }
}
