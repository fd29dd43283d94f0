import QCCIR
import QCCKernels

#if canImport(Glibc)
import Glibc
#endif

// Resize (opsets 10–19) and the deprecated Upsample: nearest, linear and
// cubic interpolation, separable along each resized axis. For each axis the
// taps (source indices and weights of every output position) are computed in
// Double exactly as ONNX's reference does (coordinate transformation,
// neighbour window with edge clamping, exclude_outside, antialias); f32 then
// runs one `qcc_f32_resample_axis` pass per axis, other element types the
// same passes in Double (integers rounded half to even and saturated).

extension DataMovementOps {
  /// A Resize node's attributes, validated.
  struct ResizeAttributes: Sendable {
    enum Mode: String, Sendable { case nearest, linear, cubic }
    var mode: Mode
    var coordinates: String
    /// round_prefer_floor, round_prefer_ceil, floor, ceil, or "simple" (opset 10 and Upsample:
    /// floor when upsampling, ceil when downsampling).
    var nearest: String
    var cubicA: Double
    var excludeOutside: Bool
    var extrapolation: Double
    var antialias: Bool
    var keepAspect: String
    var axes: [Int]?

    static let coordinateModes: Set<String> = [
      "half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric",
      "tf_crop_and_resize", "tf_half_pixel_for_nn",
    ]

    init(_ a: AttributeReader, op: String, legacy: Bool) throws(OpError) {
      let modeName = try a.string("mode", default: "nearest")
      // Opset 7–9 Upsample spelled linear as "bilinear" in some exporters.
      guard let m = Mode(rawValue: modeName == "bilinear" ? "linear" : modeName) else {
        throw OpError("\(op) attribute 'mode' must be nearest, linear or cubic, not '\(modeName)'")
      }
      if legacy && m == .cubic { throw OpError("\(op) has no cubic mode") }
      mode = m
      coordinates = legacy ? "asymmetric" : try a.string("coordinate_transformation_mode", default: "half_pixel")
      guard ResizeAttributes.coordinateModes.contains(coordinates) else {
        throw OpError("\(op) attribute 'coordinate_transformation_mode' has unknown value '\(coordinates)'")
      }
      nearest = legacy ? "simple" : try a.string("nearest_mode", default: "round_prefer_floor")
      guard ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil", "simple"].contains(nearest) else {
        throw OpError("\(op) attribute 'nearest_mode' has unknown value '\(nearest)'")
      }
      cubicA = Double(try a.float("cubic_coeff_a", default: -0.75))
      excludeOutside = try a.int("exclude_outside", default: 0) != 0
      extrapolation = Double(try a.float("extrapolation_value", default: 0))
      antialias = try a.int("antialias", default: 0) != 0
      if antialias && m == .nearest { throw OpError("\(op) antialias applies to linear and cubic modes, not nearest") }
      keepAspect = try a.string("keep_aspect_ratio_policy", default: "stretch")
      guard ["stretch", "not_larger", "not_smaller"].contains(keepAspect) else {
        throw OpError("\(op) attribute 'keep_aspect_ratio_policy' has unknown value '\(keepAspect)'")
      }
      axes = try a.ints("axes")
    }
  }

  /// What inference knows of a Resize node: the result type, and (when every
  /// size is known) each axis's output size and scale factor.
  struct ResizeGeometry {
    var type: TensorType
    var attributes: ResizeAttributes
    /// Per dim of the input: output size and scale factor (nil when unknown).
    var sizes: [Int]?
    var scales: [Double]?
    /// Per dim: roi start and end (only tf_crop_and_resize reads it).
    var roi: [(Double, Double)]?
    /// The resized dims, in the order the passes run.
    var axes: [Int]
  }

  /// The operand indices of X, roi, scales and sizes for this node's form.
  private static func resizeOperands(_ op: String, inputCount: Int) -> (roi: Int?, scales: Int?, sizes: Int?, legacy: Bool) {
    if op == "Upsample" { return (nil, 1, nil, true) }
    // Opset 10 Resize is (X, scales); from opset 11 on it is (X, roi, scales, sizes).
    if inputCount == 2 { return (nil, 1, nil, true) }
    return (1, 2, 3, false)
  }

  static func resizeGeometry(_ c: InferenceContext, _ op: String) throws(OpError) -> ResizeGeometry {
    let x = try c.input(0)
    try ElementTypes.require(x, in: ElementTypes.numeric, op)
    let (roiIndex, scalesIndex, sizesIndex, legacy) = resizeOperands(op, inputCount: c.inputCount)
    let attributes = try ResizeAttributes(c.attributes, op: op, legacy: legacy)
    guard let d = x.shape.dims else {
      return ResizeGeometry(type: TensorType(x.element, .unranked), attributes: attributes, axes: [])
    }
    let r = d.count
    let axes = try normalizeAxes(attributes.axes ?? Array(0..<r), rank: r)
    let unknownResult = ResizeGeometry(
      type: TensorType(x.element, .ranked(d.enumerated().map { axes.contains($0.offset) ? .symbolic(nil) : $0.element })),
      attributes: attributes, axes: axes)

    // Which of scales and sizes is given: an empty scales tensor (as exporters write) means sizes.
    func length(_ i: Int?) -> Int? {
      guard let i, let t = c.optionalInput(i) else { return 0 }
      guard let dims = t.shape.dims, dims.count == 1 else { return nil }
      return dims[0].value
    }
    var scaleValues: [Double]?
    var sizeValues: [Int]?
    if op == "Upsample", c.inputCount < 2, let s = try c.attributes.floats("scales") {
      scaleValues = s.map(Double.init)
    } else {
      let sizesLength = length(sizesIndex), scalesLength = length(scalesIndex)
      if let sizesIndex, c.hasInput(sizesIndex), sizesLength != 0 {
        guard scalesLength == 0 else { throw OpError("\(op) takes scales or sizes, not both") }
        try c.requireIntegerInput(sizesIndex, what: "\(op) sizes")
        guard let v = try c.knownIntegers(sizesIndex, what: "\(op) sizes") else { return unknownResult }
        sizeValues = v
      } else if let scalesIndex, c.hasInput(scalesIndex) {
        let t = try c.input(scalesIndex)
        guard t.elementType.isFloatingPoint else { throw OpError("\(op) scales must be a float tensor, not \(t.elementType)") }
        guard let v = c.value(scalesIndex) else { return unknownResult }
        scaleValues = v.doubles()
      } else {
        throw OpError("\(op) needs scales or sizes")
      }
    }
    if let s = scaleValues {
      guard s.count == axes.count else {
        throw OpError("\(op) scales have \(s.count) values, expected \(axes.count)")
      }
      guard s.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw OpError("\(op) scales \(s) must be positive") }
    }
    if let s = sizeValues {
      guard s.count == axes.count else { throw OpError("\(op) sizes have \(s.count) values, expected \(axes.count)") }
      guard s.allSatisfy({ $0 >= 0 }) else { throw OpError("\(op) sizes \(s) must not be negative") }
    }
    // The region of interest, per dim (only tf_crop_and_resize reads it).
    var roi: [(Double, Double)]?
    if attributes.coordinates == "tf_crop_and_resize" {
      guard let roiIndex, c.hasInput(roiIndex) else { throw OpError("\(op) tf_crop_and_resize needs a roi") }
      guard let v = c.value(roiIndex)?.doubles() else { return unknownResult }
      guard v.count == 2 * axes.count else {
        throw OpError("\(op) roi has \(v.count) values, expected \(2 * axes.count)")
      }
      var full = [(Double, Double)](repeating: (0, 1), count: r)
      for (i, a) in axes.enumerated() { full[a] = (v[i], v[axes.count + i]) }
      roi = full
    }
    // Output sizes need the input sizes of the resized axes; a dim whose size cannot be known stays unknown.
    let inputs = d.map { $0.value ?? -1 }
    var outDims = d
    var scales = [Double](repeating: 1, count: r)
    var sizes = inputs
    let complete = !axes.contains { inputs[$0] < 0 }
    if let s = sizeValues {
      for (i, a) in axes.enumerated() {
        sizes[a] = s[i]
        scales[a] = inputs[a] <= 0 ? 1 : Double(s[i]) / Double(inputs[a])
      }
      if attributes.keepAspect != "stretch" {
        if complete {
          let ratios = axes.map { scales[$0] }
          let scale = attributes.keepAspect == "not_larger" ? ratios.min()! : ratios.max()!
          for a in axes {
            scales[a] = scale
            sizes[a] = Int(scale * Double(inputs[a]) + 0.5)
          }
        } else {
          for a in axes { sizes[a] = -1 }
        }
      }
    } else if let s = scaleValues {
      for (i, a) in axes.enumerated() {
        scales[a] = s[i]
        guard inputs[a] >= 0 else {
          sizes[a] = -1
          continue
        }
        let size = s[i] * Double(inputs[a])
        guard size < Double(1 << 40) else { throw OpError("\(op) scale \(s[i]) gives too large a result") }
        sizes[a] = Int(size.rounded(.down))
      }
    }
    for a in axes { outDims[a] = sizes[a] >= 0 ? .fixed(sizes[a]) : .symbolic(nil) }
    for a in axes where sizes[a] > 0 && inputs[a] == 0 {
      throw OpError("\(op) cannot resize an empty dimension \(a) to \(sizes[a])")
    }
    if !complete {
      return ResizeGeometry(type: TensorType(x.element, .ranked(outDims)), attributes: attributes, axes: axes)
    }
    return ResizeGeometry(
      type: TensorType(x.element, .ranked(outDims)), attributes: attributes, sizes: sizes, scales: scales, roi: roi,
      axes: axes)
  }

  /// The taps of one axis: `taps` source indices and weights per output position
  /// (a first index of -1 means the extrapolation value).
  static func resizeTaps(
    input n: Int, output count: Int, scale: Double, roi: (Double, Double), _ a: ResizeAttributes
  ) -> (taps: Int, indices: [Int64], weights: [Double]) {
    let outWidth = scale * Double(n)
    func coefficients(_ ratio: Double) -> [Double] {
      switch a.mode {
      case .nearest:
        if ratio == 1 { return [0, 1] }
        switch a.nearest {
        case "round_prefer_floor": return ratio <= 0.5 ? [1, 0] : [0, 1]
        case "round_prefer_ceil": return ratio < 0.5 ? [1, 0] : [0, 1]
        case "floor": return [1, 0]
        case "ceil": return [0, 1]
        default: return scale < 1 ? [0, 1] : [1, 0]  // simple
        }
      case .linear:
        if !a.antialias { return [1 - ratio, ratio] }
        let s = Swift.min(scale, 1)
        let start = Int((-1 / s).rounded(.down)) + 1
        let footprint = 2 - 2 * start
        let c = (0..<footprint).map { k in Swift.min(Swift.max(1 - abs((Double(start + k) - ratio) * s), 0), 1) }
        let total = c.reduce(0, +)
        return c.map { $0 / total }
      case .cubic:
        let A = a.cubicA
        if !a.antialias {
          let r1 = ratio + 1, q = 1 - ratio, q1 = q + 1
          return [
            ((A * r1 - 5 * A) * r1 + 8 * A) * r1 - 4 * A,
            ((A + 2) * ratio - (A + 3)) * ratio * ratio + 1,
            ((A + 2) * q - (A + 3)) * q * q + 1,
            ((A * q1 - 5 * A) * q1 + 8 * A) * q1 - 4 * A,
          ]
        }
        let s = Swift.min(scale, 1)
        func coefficient(_ v: Double) -> Double {
          let x = abs(v), x2 = x * x, x3 = x * x2
          if x <= 1 { return (A + 2) * x3 - (A + 3) * x2 + 1 }
          if x < 2 { return A * x3 - 5 * A * x2 + 8 * A * x - 4 * A }
          return 0
        }
        let start = Int((-2 / s).rounded(.down)) + 1
        let c = (start..<(2 - start)).map { coefficient(s * (Double($0) - ratio)) }
        let total = c.reduce(0, +)
        return c.map { $0 / total }
      }
    }
    var taps = 0
    var indices: [Int64] = [], weights: [Double] = []
    for y in 0..<count {
      let yd = Double(y)
      var x: Double
      switch a.coordinates {
      case "align_corners": x = outWidth == 1 ? 0 : yd * Double(n - 1) / (outWidth - 1)
      case "asymmetric": x = yd / scale
      case "tf_half_pixel_for_nn": x = (yd + 0.5) / scale
      case "pytorch_half_pixel": x = outWidth == 1 ? -0.5 : (yd + 0.5) / scale - 0.5
      case "half_pixel_symmetric":
        let adjustment = Double(count) / outWidth
        let offset = Double(n) / 2 * (1 - adjustment)
        x = offset + (yd + 0.5) / scale - 0.5
      case "tf_crop_and_resize":
        x = outWidth == 1
          ? (roi.1 - roi.0) * Double(n - 1) / 2
          : yd * (roi.1 - roi.0) * Double(n - 1) / (outWidth - 1)
        x += roi.0 * Double(n - 1)
      default: x = (yd + 0.5) / scale - 0.5  // half_pixel
      }
      let floorX = x.rounded(.down)
      var c = coefficients(x == floorX ? 1 : x - floorX)
      let width = c.count
      if taps == 0 { taps = a.mode == .nearest ? 1 : width }
      if a.coordinates == "tf_crop_and_resize" && (x < 0 || x > Double(n - 1)) {
        indices += [Int64](repeating: -1, count: taps)
        weights += [Double](repeating: 0, count: taps)
        continue
      }
      // The `width` nearest indices of the edge-padded axis, ties to the smaller (see ONNX's reference).
      let pad = (width + 1) / 2
      let xp = x + Double(pad)
      let p = xp.rounded(.down)
      let start = Int(p) + (xp == p ? -(width / 2) : -(width / 2) + 1) - pad
      if a.excludeOutside {
        for k in 0..<width where start + k < 0 || start + k >= n { c[k] = 0 }
        let total = c.reduce(0, +)
        if total != 0 { c = c.map { $0 / total } }
      }
      func clamped(_ i: Int) -> Int64 { Int64(Swift.min(Swift.max(i, 0), n - 1)) }
      if a.mode == .nearest {
        indices.append(clamped(start + (c[0] != 0 ? 0 : 1)))
        weights.append(1)
      } else {
        for k in 0..<width {
          indices.append(clamped(start + k))
          weights.append(c[k])
        }
      }
    }
    return (Swift.max(taps, 1), indices, weights)
  }

  /// One pass of a resize: axis `axis` of the input viewed as [outer, input, inner]
  /// becomes `output` long, each output position reading `taps` source indices.
  struct ResizePass {
    var axis: Int
    var outer: Int, input: Int, inner: Int, output: Int
    var taps: Int
    var indices: [Int64]
    var weights: [Double]
    /// The weights as the f32 kernel takes them.
    var f32Weights: [Float] { weights.map { Float($0) } }
  }

  /// The passes that resize a tensor of `shape` by `g`, in order (its sizes and
  /// scales must be known). Axes whose size, scale and roi leave them
  /// unchanged are skipped, as ONNX's reference does.
  static func resizePasses(_ g: ResizeGeometry, input shape: [Int]) -> [ResizePass] {
    guard let sizes = g.sizes, let scales = g.scales else { return [] }
    var shape = shape
    var passes: [ResizePass] = []
    for a in g.axes {
      let roi = g.roi?[a] ?? (0, 1)
      if abs(scales[a] - 1) <= 1e-9 && sizes[a] == shape[a] && abs(roi.0) <= 1e-9 && abs(roi.1 - 1) <= 1e-9 { continue }
      let (taps, indices, weights) = resizeTaps(
        input: shape[a], output: sizes[a], scale: scales[a], roi: roi, g.attributes)
      passes.append(
        ResizePass(
          axis: a, outer: shape[..<a].reduce(1, *), input: shape[a], inner: shape[(a + 1)...].reduce(1, *),
          output: sizes[a], taps: taps, indices: indices, weights: weights))
      shape[a] = sizes[a]
    }
    return passes
  }

  static func resizeOp(_ op: String) -> OpDefinition {
    OpDefinition(
      op,
      inferTypes: { (c) throws(OpError) in [try resizeGeometry(c, op).type] },
      evaluate: { (c) throws(OpError) in
        let g = try resizeGeometry(c.inference, op)
        guard let sizes = g.sizes else { throw OpError("\(op) output size is unknown") }
        let x = try c.input(0)
        try requireAllocatable(sizes, x.elementType)
        let passes = resizePasses(g, input: x.shape)
        var shape = x.shape
        if x.elementType == .f32 {
          var current = x
          for p in passes {
            shape[p.axis] = p.output
            let w = p.f32Weights
            let source = current
            current = TensorData.f32(uninitialized: shape) { out in
              qcc_f32_resample_axis(
                source.f32Pointer, out.address, Int64(p.outer), Int64(p.input), Int64(p.inner), Int64(p.output),
                Int64(p.taps), p.indices, w, Float(g.attributes.extrapolation))
            }
          }
          return [current]
        }
        var v = x.doubles()
        for p in passes {
          let (outer, n, m, inner, taps) = (p.outer, p.input, p.output, p.inner, p.taps)
          var y = [Double](repeating: 0, count: outer * m * inner)
          for o in 0..<outer {
            for j in 0..<m {
              let base = (o * m + j) * inner
              if p.indices[j * taps] < 0 {
                for i in 0..<inner { y[base + i] = g.attributes.extrapolation }
                continue
              }
              for k in 0..<taps {
                let src = (o * n + Int(p.indices[j * taps + k])) * inner, w = p.weights[j * taps + k]
                for i in 0..<inner { y[base + i] += w * v[src + i] }
              }
            }
          }
          v = y
          shape[p.axis] = m
        }
        if x.elementType.isInteger {
          let bits = x.elementType.bitWidth
          let (lo, hi): (Double, Double) =
            x.elementType.isSignedInteger
            ? (-pow(2, Double(bits - 1)), pow(2, Double(bits - 1)) - 1) : (0, pow(2, Double(bits)) - 1)
          v = v.map { Swift.min(Swift.max($0.rounded(.toNearestOrEven), lo), hi) }
        }
        return [TensorData(converting: v, to: x.elementType, shape: shape)]
      })
  }

  static let resize = resizeOp("Resize")
  static let upsample = resizeOp("Upsample")
}
