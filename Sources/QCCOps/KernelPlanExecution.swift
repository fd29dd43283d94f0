import QCCIR
import QCCKernels

extension KernelPlan {
  /// Runs the plan on the host through `qcc_call_run`, the path every
  /// compiled program takes, and returns the results (views share their
  /// operand's storage). Operands must hold the element types and shapes the
  /// plan was made for; the caller checks that.
  public func execute(operands: [TensorData?], resultTypes: [TensorType], op: String) throws(OpError) -> [TensorData] {
    var results: [TensorData?] = []
    var resultPointers: [UnsafeMutableRawPointer?] = []
    for (j, t) in resultTypes.enumerated() {
      guard let shape = t.shape.staticSizes else { throw OpError("\(op): result \(j) has no static shape") }
      if let alias = aliases[j] {
        guard case .operand(let i) = alias.buffer, alias.byteOffset == 0, let source = operands[i] else {
          throw OpError("\(op): result \(j) is a view the host cannot run")
        }
        results.append(source.reshaped(shape))
        resultPointers.append(nil)
        continue
      }
      // 4-bit results have a pad nibble the kernels leave alone: start from zeros.
      let storage = TensorStorage(byteCount: t.elementType.byteCount(forElements: shape.reduce(1, *)),
                                  zeroed: t.elementType.bitWidth < 8) { _ in }
      results.append(TensorData(elementType: t.elementType, shape: shape, storage: storage))
      resultPointers.append(UnsafeMutableRawPointer(mutating: storage.bytes.baseAddress))
    }
    let scratch = scratchBytes.map { UnsafeMutableRawPointer.allocate(byteCount: max($0, 1), alignment: 64) }
    defer { scratch.forEach { $0.deallocate() } }

    for (index, call) in calls.enumerated() {
      let pointers = call.buffers.map { slot -> UnsafeMutableRawPointer? in
        guard let slot else { return nil }
        let base: UnsafeMutableRawPointer? =
          switch slot.buffer {
          case .operand(let i): operands[i].flatMap { UnsafeMutableRawPointer(mutating: $0.bytes.baseAddress) }
          case .result(let j): resultPointers[j]
          case .scratch(let k): scratch[k]
          case .constant(let data): UnsafeMutableRawPointer(mutating: data.bytes.baseAddress)
          }
        return base.map { $0 + slot.byteOffset }
      }
      var message = [CChar](repeating: 0, count: 512)
      let status = withExtendedLifetime((operands, call)) {
        pointers.withUnsafeBufferPointer { p in
          call.ints.withUnsafeBufferPointer { ints in
            call.floats.withUnsafeBufferPointer { floats in
              var raw = qcc_call(
                kernel: call.kernel.rawValue, buffer_count: Int32(p.count), int_count: Int32(ints.count),
                float_count: Int32(floats.count), buffers: p.baseAddress, ints: ints.baseAddress,
                floats: floats.baseAddress)
              return qcc_call_run(&raw, &message, message.count)
            }
          }
        }
      }
      guard status == 0 else {
        throw OpError("\(op): call \(index) (\(call.kernel)): \(message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })")
      }
    }
    return results.map { $0! }
  }
}

extension OpDefinition {
  /// An op whose evaluation is its plan, run through `qcc_call_run`: the
  /// interpreter then computes exactly what a compiled program does, from
  /// one derivation of the kernel parameters. `inferTypes` checks the node.
  static func planned(
    _ name: String, inferTypes: @escaping @Sendable (InferenceContext) throws(OpError) -> [TensorType],
    plan: @escaping PlanFunction
  ) -> OpDefinition {
    OpDefinition(
      name, inferTypes: inferTypes,
      evaluate: { (c) throws(OpError) in
        // The kernels read operands as their types say: the data must agree.
        for (i, data) in c.inputs.enumerated() {
          guard let data, i < c.inputTypes.count, let declared = c.inputTypes[i]?.elementType else { continue }
          guard declared == data.elementType else {
            throw OpError("\(name): operand \(i) holds \(data.elementType) data, but its type says \(declared)")
          }
        }
        let inference = c.inference
        let types = try inferTypes(inference)
        return try plan(PlanContext(inference: inference, resultTypes: types))
          .execute(operands: c.inputs, resultTypes: types, op: name)
      })
  }
}
