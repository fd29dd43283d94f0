import Foundation
import QCCIR

extension CalibrationData {
  /// The samples `--calib random` makes: for smoke tests of the toolchain
  /// only. Ranges chosen from random data do not fit real inputs, so a model
  /// calibrated on them compiles and runs but is not accurate.
  ///
  /// Deterministic (a fixed seed): float inputs are standard normal;
  /// integer inputs are uniform in [0, n), where n is the smallest table
  /// size among the `Gather`s that index with the input (token ids), else 2
  /// (masks, flags); bool inputs are uniform. Symbolic dimensions are 1.
  public static func random(for graph: Graph, samples: Int = 4) -> CalibrationData {
    var generator = SplitMix64(seed: 0x5143_4320_7261_6E64)  // "QCC rand"
    var tensors: [String: TensorData] = [:]
    for id in graph.inputs {
      guard case .input(let name) = graph[id].definition else { continue }
      let type = graph[id].type
      let shape = [samples] + (type.shape.dims ?? []).map { $0.value ?? 1 }
      let count = shape.reduce(1, *)
      let values: [Double]
      switch type.elementType {
      case .f32, .f64, .f16, .bf16:
        values = (0..<count).map { _ in generator.nextNormal() }
      case .bool:
        values = (0..<count).map { _ in Double(generator.next() & 1) }
      default:
        let bound = indexBound(of: id, in: graph) ?? 2
        values = (0..<count).map { _ in Double(generator.next() % UInt64(bound)) }
      }
      tensors[name] = TensorData(converting: values, to: type.elementType, shape: shape)
    }
    return CalibrationData(tensors: tensors, source: .random)
  }

  /// The smallest axis size of the tables a `Gather` indexes with `value`, if any.
  static func indexBound(of value: ValueID, in graph: Graph) -> Int? {
    var bound: Int?
    for user in graph.users(of: value) {
      let node = graph[user]
      guard node.op == "Gather", node.inputs.count > 1, node.inputs[1] == value, let table = node.inputs[0] else { continue }
      var axis = 0
      if case .int(let v)? = node.attributes["axis"] { axis = Int(v) }
      guard let dims = graph[table].type.shape.dims else { continue }
      let a = axis < 0 ? axis + dims.count : axis
      guard a >= 0, a < dims.count, let size = dims[a].value, size > 0 else { continue }
      bound = min(bound ?? size, size)
    }
    return bound
  }
}

/// SplitMix64: a small, fast, well-mixed generator; enough for smoke-test data.
struct SplitMix64 {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  /// Uniform in (0, 1].
  mutating func nextUnit() -> Double { Double((next() >> 11) + 1) / 9_007_199_254_740_992.0 }
  /// Standard normal (Box-Muller).
  mutating func nextNormal() -> Double {
    let u = nextUnit(), v = nextUnit()
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
  }
}
