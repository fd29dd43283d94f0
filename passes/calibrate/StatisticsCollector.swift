import QCCIR
import QCCOps

/// Which values calibration records: every f32 graph input and every f32
/// result of a node, with the channel axes to track for values that are the
/// first operand of a matrix product.
struct CalibrationPlan: Sendable {
  /// Where a value's channels are, resolved against each observed tensor's rank.
  enum ChannelAxis: Hashable, Sendable {
    case last
    case fixed(Int)

    func resolve(rank: Int) -> Int? {
      switch self {
      case .last: rank >= 1 ? rank - 1 : nil
      case .fixed(let a): a < rank ? a : nil
      }
    }
  }

  struct Target: Sendable {
    var value: ValueID
    var name: String
    var channelAxes: [ChannelAxis]
  }

  /// Graph inputs first, then node results in graph order.
  let targets: [Target]
  /// `ValueID.index` → index into `targets`, or −1.
  let slots: [Int]
  /// Graph input names with their slots.
  let inputs: [(name: String, slot: Int)]

  init(graph g: Graph) {
    func isF32(_ v: ValueID) -> Bool { g[v].type.element == .plain(.f32) }
    var axes: [ValueID: [ChannelAxis]] = [:]
    for id in g.nodeOrder {
      let node = g[id]
      guard let a = node.inputs.first ?? nil else { continue }
      let axis: ChannelAxis
      switch node.op {
      case "MatMul": axis = .last
      case "Gemm": axis = (try? AttributeReader(node.attributes).int("transA", default: 0)) == 1 ? .fixed(0) : .last
      case "Conv": axis = .fixed(1)
      default: continue
      }
      if !(axes[a]?.contains(axis) ?? false) { axes[a, default: []].append(axis) }
    }
    var targets: [Target] = []
    var inputs: [(String, Int)] = []
    var slots = [Int](repeating: -1, count: g.values.count)
    func add(_ v: ValueID) {
      guard isF32(v), slots[v.index] < 0 else { return }
      slots[v.index] = targets.count
      targets.append(Target(value: v, name: g[v].name, channelAxes: axes[v] ?? []))
    }
    for v in g.inputs {
      guard case .input(let name) = g[v].definition, isF32(v) else { continue }
      inputs.append((name, targets.count))
      add(v)
    }
    for id in g.nodeOrder { for r in g[id].results { add(r) } }
    self.targets = targets
    self.slots = slots
    self.inputs = inputs
  }
}

/// Accumulates statistics for the values of a `CalibrationPlan`, over the
/// samples one worker runs. Collectors of different workers merge exactly.
final class StatisticsCollector {
  let plan: CalibrationPlan
  let sentinel: Float
  var statistics: [ValueStatistics]
  var channels: [[ChannelMaxima]]
  /// The first value whose shape defeated channel tracking.
  var problem: String?

  init(plan: CalibrationPlan, bins: Int, sentinel: Float) {
    self.plan = plan
    self.sentinel = sentinel
    statistics = [ValueStatistics](repeating: ValueStatistics(histogramBins: bins), count: plan.targets.count)
    channels = [[ChannelMaxima]](repeating: [], count: plan.targets.count)
  }

  /// Records the graph inputs of one sample.
  func observeInputs(_ feeds: [String: TensorData]) {
    for (name, slot) in plan.inputs {
      if let t = feeds[name] { record(slot, t) }
    }
  }

  /// The interpreter's `observe` callback.
  func observe(_ value: ValueID, _ tensor: TensorData) {
    let slot = plan.slots[value.index]
    if slot >= 0 { record(slot, tensor) }
  }

  func record(_ slot: Int, _ t: TensorData) {
    guard t.elementType == .f32 else { return }
    t.withUnsafeBufferPointer(of: Float.self) { values in
      statistics[slot].add(values, sentinel: sentinel)
      for rule in plan.targets[slot].channelAxes {
        guard let axis = rule.resolve(rank: t.shape.count) else { continue }
        var k = channels[slot].firstIndex { $0.axis == axis }
        if k == nil {
          channels[slot].append(ChannelMaxima(axis: axis, absMax: []))
          k = channels[slot].count - 1
        }
        if let issue = channels[slot][k!].add(values, shape: t.shape, sentinel: sentinel), problem == nil {
          problem = "%\(plan.targets[slot].name) \(issue)"
        }
      }
    }
  }

  /// Adds what `other` recorded (for other samples).
  func merge(_ other: StatisticsCollector) {
    for i in statistics.indices {
      statistics[i].merge(other.statistics[i])
      for m in other.channels[i] {
        if let k = channels[i].firstIndex(where: { $0.axis == m.axis }) {
          if channels[i][k].absMax.count != m.absMax.count && problem == nil {
            problem = "%\(plan.targets[i].name) has \(m.absMax.count) channels along axis \(m.axis) in one sample and \(channels[i][k].absMax.count) in another"
          }
          channels[i][k].merge(m)
        } else {
          channels[i].append(m)
        }
      }
    }
    if problem == nil { problem = other.problem }
  }
}
