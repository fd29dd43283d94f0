import QCCIR
import QCCOps

/// A module as every target emits it: storage tensors (inputs, outputs,
/// constants, arena buffers) and the kernel calls over them, in order.
///
/// Built from a lowered module by `Program.build`: each node's plan
/// (`OpPlans`) gives its calls; views share their operand's storage; graph
/// outputs are written in place by the node that produces them (or copied,
/// when an output is a view, an input, a constant or repeated). `MemoryPlan`
/// then places the arena tensors.
public struct Program: Sendable {
  public enum Storage: Sendable {
    case input(Int), output(Int), arena
    case constant(TensorData)

    /// Whether the tensor lives in the planned arena.
    public var isArena: Bool {
      if case .arena = self { return true }
      return false
    }
  }

  /// A storage tensor.
  public struct Tensor: Sendable {
    public var name: String
    public var elementType: ElementType
    public var shape: [Int]
    public var storage: Storage
    /// Per-tensor quantization of an input or output (scale, zero point), for runners that describe it.
    public var quantization: (scale: Float, zeroPoint: Int32)?
    /// Byte size (4-bit types: two elements a byte, rounded up).
    public var bytes: Int
    /// Arena tensors: the first and last node index that use the storage (scratch: one node).
    public var firstUse = Int.max, lastUse = -1
    /// Arena tensors: the byte offset `MemoryPlan` assigned.
    public var offset = 0

    public init(
      name: String, elementType: ElementType, shape: [Int], storage: Storage,
      quantization: (scale: Float, zeroPoint: Int32)? = nil, bytes: Int
    ) {
      self.name = name
      self.elementType = elementType
      self.shape = shape
      self.storage = storage
      self.quantization = quantization
      self.bytes = bytes
    }
  }

  /// A call with its buffers resolved to (tensor index, byte offset).
  public struct Call: Sendable {
    public var kernel: KernelID
    public var buffers: [(tensor: Int, byteOffset: Int)?]
    public var ints: [Int64]
    public var floats: [Float]
    /// The node it came from (its location, else its first result's name), for messages.
    public var node: String
  }

  public var name: String
  public var tensors: [Tensor] = []
  public var calls: [Call] = []
  public var inputCount = 0
  public var outputCount = 0
  /// The arena's size after planning (64-byte multiple).
  public var arenaBytes = 0

  /// Sum of the bytes of every arena tensor: what running without reuse would need.
  public var arenaTensorBytes: Int {
    tensors.filter { $0.storage.isArena }.reduce(0) { $0 + ($1.bytes + 63) / 64 * 64 }
  }
}

/// Why a module cannot become a program: every node at fault, listed at once.
public struct ProgramError: Error, CustomStringConvertible, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

extension Program {
  /// The program of a lowered module. Throws, naming every node at once,
  /// when some node has no plan or a plan declines (a dynamic shape, an
  /// element type the kernels do not take).
  public static func build(_ module: Module, registry: OpRegistry = .standard) throws(ProgramError) -> Program {
    let g = module.graph
    var program = Program(name: module.name)
    var slot: [ValueID: (tensor: Int, byteOffset: Int)] = [:]
    var problems: [String] = []
    // Order of first use for liveness: node index in the order of execution.
    let order = g.nodeOrder

    func addTensor(_ v: ValueID, _ storage: Storage) -> Int {
      let type = g[v].type
      let shape = type.shape.staticSizes ?? []
      let bytes = type.elementType.byteCount(forElements: shape.reduce(1, *))
      var q: (Float, Int32)?
      if let qt = type.element.quantization, case .perTensor(let s, let z) = qt.granularity { q = (s, Int32(z)) }
      program.tensors.append(
        Tensor(name: g[v].name, elementType: type.elementType, shape: shape, storage: storage, quantization: q, bytes: bytes))
      return program.tensors.count - 1
    }

    for value in g.values where value.isLive && value.type.shape.staticSizes == nil {
      problems.append("%\(value.name) has a dynamic shape \(Printer.spell(value.type))")
    }
    if !problems.isEmpty { throw ProgramError("cannot compile: " + problems.joined(separator: "; ")) }

    for (i, input) in g.inputs.enumerated() { slot[input] = (addTensor(input, .input(i)), 0) }
    program.inputCount = g.inputs.count
    program.outputCount = g.outputs.count
    // The first output naming a value is written in place by its producer.
    var outputOf: [ValueID: Int] = [:]
    for (k, output) in g.outputs.enumerated() where outputOf[output.value] == nil { outputOf[output.value] = k }

    func storageFor(_ v: ValueID) -> (tensor: Int, byteOffset: Int) {
      if let s = slot[v] { return s }
      // Constants get their tensor at first use.
      let data = g.constantData(v)!
      let s = (addTensor(v, .constant(data)), 0)
      slot[v] = s
      return s
    }
    func touch(_ tensor: Int, _ index: Int) {
      program.tensors[tensor].firstUse = min(program.tensors[tensor].firstUse, index)
      program.tensors[tensor].lastUse = max(program.tensors[tensor].lastUse, index)
    }

    for (index, n) in order.enumerated() {
      let node = g[n]
      let describe = "\(node.op) (node '\(node.location ?? g[node.results[0]].name)')"
      guard let planFunction = OpPlans.plan(for: node.op) else {
        problems.append("\(describe): no kernel runs this op")
        continue
      }
      let inputTypes = node.inputs.map { $0.map { g[$0].type } }
      let inputValues = node.inputs.map { $0.flatMap { g.constantData($0) } }
      let resultTypes = node.results.map { g[$0].type }
      let context = PlanContext(
        inference: InferenceContext(
          node: node, inputTypes: inputTypes, inputValues: inputValues, declaredResultTypes: resultTypes,
          parameters: g.parameters),
        resultTypes: resultTypes)
      let plan: KernelPlan
      do {
        plan = try planFunction(context)
      } catch {
        problems.append("\(describe): \(error.message)")
        continue
      }
      if !problems.isEmpty { continue }
      // Operands are live at this node.
      for case let v? in node.inputs { touch(storageFor(v).tensor, index) }
      for (j, r) in node.results.enumerated() {
        if let alias = plan.aliases[j] {
          guard case .operand(let i) = alias.buffer, let v = node.inputs[i] else {
            problems.append("\(describe): result \(j) is a view of something other than an operand")
            continue
          }
          let s = storageFor(v)
          slot[r] = (s.tensor, s.byteOffset + alias.byteOffset)
        } else if let k = outputOf[r] {
          slot[r] = (addTensor(r, .output(k)), 0)
        } else {
          slot[r] = (addTensor(r, .arena), 0)
        }
        touch(slot[r]!.tensor, index)
      }
      let scratch = plan.scratchBytes.map { bytes -> Int in
        program.tensors.append(Tensor(name: "scratch", elementType: .u8, shape: [bytes], storage: .arena, bytes: bytes))
        touch(program.tensors.count - 1, index)
        return program.tensors.count - 1
      }
      for call in plan.calls {
        let buffers = call.buffers.map { b -> (tensor: Int, byteOffset: Int)? in
          guard let b else { return nil }
          switch b.buffer {
          case .operand(let i): let s = storageFor(node.inputs[i]!); return (s.tensor, s.byteOffset + b.byteOffset)
          case .result(let j): let s = slot[node.results[j]]!; return (s.tensor, s.byteOffset + b.byteOffset)
          case .scratch(let k): return (scratch[k], b.byteOffset)
          case .constant(let data):
            program.tensors.append(
              Tensor(name: "", elementType: data.elementType, shape: data.shape, storage: .constant(data),
                     bytes: data.byteCount))
            return (program.tensors.count - 1, b.byteOffset)
          }
        }
        program.calls.append(
          Call(kernel: call.kernel, buffers: buffers, ints: call.ints, floats: call.floats,
               node: node.location ?? g[node.results[0]].name))
      }
    }
    if !problems.isEmpty {
      throw ProgramError("cannot compile \(problems.count) node\(problems.count == 1 ? "" : "s"): " + problems.joined(separator: "; "))
    }
    // Outputs not written in place (views, inputs, constants, repeats) are copied.
    for (k, output) in g.outputs.enumerated() {
      let source = storageFor(output.value)
      if case .output(k) = program.tensors[source.tensor].storage { continue }
      let target = addTensor(output.value, .output(k))
      program.tensors[target].name = output.name
      let bytes = program.tensors[target].bytes
      touch(source.tensor, order.count)
      program.calls.append(
        Call(kernel: .copy, buffers: [(target, 0), source], ints: [1, 1, Int64(bytes), 1, 1], floats: [],
             node: "output \(output.name)"))
    }
    // Inputs and outputs carry the model's names.
    for input in g.inputs {
      if case .input(let name) = g[input].definition { program.tensors[slot[input]!.tensor].name = name }
    }
    for (k, output) in g.outputs.enumerated() where outputOf[output.value] == k {
      let t = slot[output.value]!.tensor
      if case .output(k) = program.tensors[t].storage { program.tensors[t].name = output.name }
    }
    program.arenaBytes = MemoryPlan.place(&program.tensors)
    return program
  }
}
