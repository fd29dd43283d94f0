import QCCIR
import QCCOps
import QCCPass

#if canImport(Glibc)
import Glibc
#endif

/// Migrates activation outliers into the weights (SmoothQuant): for an
/// activation X that feeds matrix products with constant weights, each input
/// channel k is divided by s_k = max|X_k|^α / max|W_k|^(1−α) and the weights'
/// row k multiplied by it, so X·W is unchanged while X's channels become
/// even enough for one per-tensor scale.
///
///     %n = LayerNormalization(%x, %g, %b) {axis = -1} : tensor<1x32x384xf32>
///     %q = MatMul(%n, %wq) : tensor<1x32x384xf32>
///     %k = MatMul(%n, %wk) : tensor<1x32x384xf32>
///   becomes
///     %n = LayerNormalization(%x, %g.smooth, %b.smooth) {axis = -1} : …   // g / s, b / s
///     %q = MatMul(%n, %wq.smooth) : …                                       // diag(s) · wq
///     %k = MatMul(%n, %wk.smooth) : …
///
/// The division folds into a producing LayerNormalization or
/// RMSNormalization (their scale and bias) when the products are X's only
/// readers; otherwise a `Mul` by 1/s goes in front of the products, and
/// other readers keep X. One s serves all the products, from the largest
/// weight per channel.
/// The float function is unchanged up to rounding; `calibrate` must run
/// again afterwards, since the activations' ranges change. Needs the
/// per-channel maxima a previous `calibrate` recorded.
public struct Smooth: Pass {
  public static let name = "smooth"
  public static let summary = "Move activation outliers into matmul weights (SmoothQuant), folding the division into LayerNorm/RMSNorm"

  public struct Options: PassOptions {
    /// How much of the outlier moves to the weights: 0 none, 1 all. SmoothQuant
    /// uses 0.5; on the shared models 0.6 balances MiniLM (best near 0.7) and
    /// the LLaMA-style model (best near 0.5).
    public var alpha = 0.6
    /// Only activations with outlier channels are smoothed: their largest
    /// channel maximum must exceed this many times the median one. Even
    /// activations (ViT, DiT) gain nothing and the weights lose precision.
    public var outlierRatio = 4.0
    public init() {}
    public static let fields: [OptionField<Options>] = [
      .double("alpha", \.alpha, help: "Migration strength from 0 (none) to 1 (all into the weights); default 0.6"),
      .double("outlier-ratio", \.outlierRatio, help: "Smooth only activations whose largest channel maximum exceeds this times the median, 0 for all (default 4)"),
    ]
  }

  public let options: Options
  public init(options: Options) { self.options = options }

  public func run(on module: inout Module, context: inout PassContext) throws(PassError) -> Changed {
    guard (0...1).contains(options.alpha) else { throw PassError("smooth: alpha must be within 0…1, not \(options.alpha)") }
    let statistics = try context.artifacts.require(CalibrationStatistics.self, by: Self.name, producedBy: "calibrate")
    var g = module.graph
    var smoothed = 0, folded = 0
    for x in candidateActivations(in: g) {
      guard let maxima = statistics.channelMaxima(of: g[x].name), hasOutliers(maxima.absMax),
        let scales = factors(for: x, maxima: maxima.absMax, in: g),
        // An already smoothed activation gets factors of 1 up to rounding:
        // leave it, so the pass is idempotent.
        scales.contains(where: { abs($0 - 1) > 1e-3 })
      else { continue }
      let consumers = weightedConsumers(of: x, in: g)
      if foldIntoNormalization(x, scales, in: &g) {
        folded += 1
      } else {
        insertDivision(x, scales, in: &g)
      }
      scaleWeights(consumers, by: scales, in: &g)
      smoothed += 1
    }
    guard smoothed > 0 else { return .no }
    g.removeDeadCode()
    module.graph = g
    context.statistics.add(smoothed, "smoothed activations", pass: Self.name)
    context.statistics.add(folded, "folded into norms", pass: Self.name)
    // The ranges calibrate chose describe the activations before smoothing.
    context.artifacts[CalibrationStatistics.self] = nil
    return .yes
  }

  /// True when the largest channel maximum exceeds `outlier-ratio` times the median.
  func hasOutliers(_ maxima: [Float]) -> Bool {
    guard options.outlierRatio > 0 else { return true }
    let sorted = maxima.sorted()
    guard let largest = sorted.last, !sorted.isEmpty else { return false }
    let median = sorted[sorted.count / 2]
    return Double(largest) > options.outlierRatio * Double(median)
  }

  /// Activations read (as operand 0) by at least one MatMul with a 2-D
  /// constant f32 weight along their last axis.
  func candidateActivations(in g: Graph) -> [ValueID] {
    var result: [ValueID] = []
    var seen = Set<ValueID>()
    for id in g.nodeOrder where g[id].op == "MatMul" {
      guard let x = g[id].inputs[0], !g.isConstant(x), seen.insert(x).inserted, g[x].type.elementType == .f32,
        !weightedConsumers(of: x, in: g).isEmpty
      else { continue }
      result.append(x)
    }
    return result
  }

  /// The MatMuls that read x as operand 0 with a 2-D constant f32 weight [channels, n].
  func weightedConsumers(of x: ValueID, in g: Graph) -> [NodeID] {
    guard let channels = g[x].type.shape.dims?.last?.value else { return [] }
    var nodes: [NodeID] = []
    for case .operand(let n, 0) in g[x].uses where g[n].op == "MatMul" {
      guard let w = g[n].inputs[1], let shape = g.constantData(w)?.shape, shape.count == 2, shape[0] == channels,
        g[w].type.elementType == .f32, !nodes.contains(n)
      else { continue }
      nodes.append(n)
    }
    return nodes
  }

  /// s_k = max|X_k|^α / max|W_k|^(1−α) over every consumer's weight row k,
  /// or nil when there is nothing to move (no channel maxima recorded).
  func factors(for x: ValueID, maxima: [Float], in g: Graph) -> [Float]? {
    let channels = maxima.count
    guard channels > 0, g[x].type.shape.dims?.last?.value == channels else { return nil }
    var weightMax = [Float](repeating: 0, count: channels)
    for n in weightedConsumers(of: x, in: g) {
      let w = g.constantData(g[n].inputs[1]!)!
      let n = w.shape[1]
      w.withUnsafeBufferPointer(of: Float.self) { p in
        for k in 0..<channels {
          for j in 0..<n { weightMax[k] = max(weightMax[k], abs(p[k * n + j])) }
        }
      }
    }
    let alpha = Float(options.alpha)
    return (0..<channels).map { k in
      let a = maxima[k], w = weightMax[k]
      guard a > 0, w > 0, a.isFinite, w.isFinite else { return 1 }
      let s = powf(a, alpha) / powf(w, 1 - alpha)
      return s.isFinite && s > 1e-5 ? s : 1
    }
  }

  /// When x is the only result of a LayerNormalization or RMSNormalization
  /// over its last axis with constant scale (and bias) used by nothing else,
  /// divides those by s.
  func foldIntoNormalization(_ x: ValueID, _ s: [Float], in g: inout Graph) -> Bool {
    // Folding changes x itself, so every reader must be a smoothed product.
    guard g[x].uses.count == weightedConsumers(of: x, in: g).count, !g.isGraphOutput(x), let n = g.producer(of: x), ["LayerNormalization", "RMSNormalization"].contains(g[n].op),
      g[n].results.count == 1 || g[n].results.dropFirst().allSatisfy({ g[$0].uses.isEmpty }),
      let rank = g[x].type.shape.rank,
      let axis = try? AttributeReader(g[n].attributes).int("axis", default: -1), axis == -1 || axis == rank - 1
    else { return false }
    var replaced: [(Int, ValueID)] = []
    for i in 1..<min(g[n].inputs.count, 3) {
      guard let v = g[n].inputs[i] else { continue }
      guard let data = g.constantData(v), data.elementType == .f32, data.elementCount == s.count else { return false }
      let scaled = data.scalars(as: Float.self).enumerated().map { $1 / s[$0] }
      replaced.append((i, g.addConstant(TensorData(shape: data.shape, scalars: scaled), name: g[v].name + ".smooth")))
    }
    for (i, v) in replaced { g.setOperand(of: n, at: i, to: v) }
    return true
  }

  /// Inserts `Mul(x, 1/s)` in front of x's smoothed consumers (other readers keep x).
  func insertDivision(_ x: ValueID, _ s: [Float], in g: inout Graph) {
    let consumers = weightedConsumers(of: x, in: g)
    let order = g.nodeOrder
    guard let first = consumers.min(by: { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! }) else { return }
    let inverse = g.addConstant(TensorData(shape: [s.count], scalars: s.map { 1 / $0 }), name: g[x].name + ".smooth")
    let mul = g.addNode(
      op: "Mul", inputs: [x, inverse], resultTypes: [g[x].type], resultNames: [g[x].name + ".smoothed"],
      location: g[first].location.map { $0 + "/smooth" }, before: first)
    let smoothed = g[mul].results[0]
    for n in consumers { g.setOperand(of: n, at: 0, to: smoothed) }
  }

  /// Multiplies row k of every consumer's weight by s_k (new constants: a
  /// weight may be shared).
  func scaleWeights(_ consumers: [NodeID], by s: [Float], in g: inout Graph) {
    for n in consumers {
      let w = g[n].inputs[1]!
      let data = g.constantData(w)!
      let cols = data.shape[1]
      var values = data.scalars(as: Float.self)
      for k in 0..<s.count {
        for j in 0..<cols { values[k * cols + j] *= s[k] }
      }
      let scaled = g.addConstant(TensorData(shape: data.shape, scalars: values), name: g[w].name + ".smooth")
      g.setOperand(of: n, at: 1, to: scaled)
    }
  }
}
