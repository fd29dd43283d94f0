import Foundation
import QCCIR

/// How much accuracy quantization costs a model: the output error of every
/// quantized layer and of the model's outputs, over held-out samples.
///
/// `QuantizationReport.measure` (ReportMeasurement.swift) builds one: it runs
/// the float model, the QDQ form (the module right after `assign`) and the
/// integer program (the module at the end of the pipeline) on every eval
/// sample with the float interpreter, and compares them.
///
/// - **Layers** are measured on the QDQ form, where each quantized MatMul or
///   Conv keeps its name and its result corresponds one-to-one with the
///   float model's value of that name. Signal and noise are summed over all
///   samples: `sqnr = 10·log10(Σ float² / Σ (quantized − float)²)`.
/// - **Outputs** are measured on the integer program, against the float
///   model (and, to show what lowering adds, against the QDQ form).
///
/// `qcc report` prints it as a table and writes it as JSON
/// (`ReportJSON`, docs/report.md) and as an SVG chart (`ReportSVG`).
public struct QuantizationReport: Sendable {
  /// One quantized operand of a layer, read from its quantized type.
  public struct Operand: Sendable, Equatable {
    public enum Role: String, Sendable {
      /// A constant: quantized from its own values.
      case weight
      /// A run-time value: quantized from its calibrated range.
      case activation
    }
    public enum Granularity: String, Sendable {
      case perTensor = "per-tensor"
      case perChannel = "per-channel"
      case perGroup = "per-group"
    }
    /// The operand's position in the op (0: MatMul's left operand, Conv's input).
    public var index: Int
    public var role: Role
    /// Bits the stored values span (8 for both −128…127 and −127…127).
    public var bits: Int
    /// The storage element type (`i8`, `i4`, `i16`…).
    public var storage: ElementType
    /// The stored values allowed.
    public var range: ClosedRange<Int64>
    public var granularity: Granularity
    /// The channel axis (per channel) or the grouped axis (per group).
    public var axis: Int?
    public var groupSize: Int?
    /// A range symmetric around 0 (zero points 0), as the symmetric schemes make.
    public var symmetric: Bool

    public init(
      index: Int, role: Role, bits: Int, storage: ElementType, range: ClosedRange<Int64>, granularity: Granularity,
      axis: Int?, groupSize: Int?, symmetric: Bool
    ) {
      self.index = index
      self.role = role
      self.bits = bits
      self.storage = storage
      self.range = range
      self.granularity = granularity
      self.axis = axis
      self.groupSize = groupSize
      self.symmetric = symmetric
    }

    /// The operand described from its quantized type.
    public init(index: Int, role: Role, type: QuantizedType) {
      let range = type.range
      var bits = 1
      while (Int64(1) << bits) < range.upperBound - range.lowerBound + 1 { bits += 1 }
      let granularity: Granularity, axis: Int?, groupSize: Int?
      switch type.granularity {
      case .perTensor: (granularity, axis, groupSize) = (.perTensor, nil, nil)
      case .perAxis(let a, _, _): (granularity, axis, groupSize) = (.perChannel, a, nil)
      case .perGroup(let a, let g, _, _): (granularity, axis, groupSize) = (.perGroup, a, g)
      }
      self.init(
        index: index, role: role, bits: bits, storage: type.storage, range: range, granularity: granularity, axis: axis,
        groupSize: groupSize, symmetric: range.lowerBound == -range.upperBound)
    }

    /// "w8 per-channel sym", "a8 per-tensor asym", "w4 per-group(128) sym".
    public var summary: String {
      let g = granularity == .perGroup ? "per-group(\(groupSize ?? 0))" : granularity.rawValue
      return "\(role == .weight ? "w" : "a")\(bits) \(g) \(symmetric ? "sym" : "asym")"
    }
  }

  /// Error sums of one tensor (or one tensor over many samples) against its float reference.
  public struct ErrorSums: Sendable, Equatable {
    /// Σ reference² over finite reference elements.
    public var signal = 0.0
    /// Σ (actual − reference)²; +inf when some difference is not finite.
    public var noise = 0.0
    /// max |actual − reference|.
    public var maxAbsoluteError = 0.0
    /// Elements compared.
    public var elements = 0

    public init() {}

    /// Signal-to-quantization-noise ratio in dB; +inf when there is no noise.
    public var sqnr: Double { noise == 0 ? .infinity : 10 * log10(signal / noise) }

    public mutating func add(_ other: ErrorSums) {
      signal += other.signal
      noise += other.noise
      maxAbsoluteError = Swift.max(maxAbsoluteError, other.maxAbsoluteError)
      elements += other.elements
    }
  }

  /// One quantized MatMul or Conv.
  public struct Layer: Sendable {
    /// Position among the quantized layers in graph order, from 0.
    public var index: Int
    /// The op's result value (the same name in the float model).
    public var value: String
    public var op: String
    /// The ONNX node name, when the model had one.
    public var location: String?
    /// The quantized operands, in operand order.
    public var operands: [Operand]
    /// Its output against the float model's, over all eval samples.
    public var error: ErrorSums

    public init(index: Int, value: String, op: String, location: String?, operands: [Operand], error: ErrorSums) {
      self.index = index
      self.value = value
      self.op = op
      self.location = location
      self.operands = operands
      self.error = error
    }

    public var sqnr: Double { error.sqnr }

    /// The ONNX node name, or `%value` for nodes without one.
    public var displayName: String { location ?? "%" + value }

    /// "w8 per-channel sym / a8 per-tensor asym": weights first, then activations in operand order.
    public var scheme: String {
      (operands.filter { $0.role == .weight } + operands.filter { $0.role == .activation }).map(\.summary)
        .joined(separator: " / ")
    }
  }

  /// How one tensor compares with a reference over all samples.
  public struct Agreement: Sendable, Equatable {
    public var sqnr: Double
    public var cosine: Double
    /// Fraction of rows (along the last axis, per sample) whose argmax agrees.
    public var argmaxAgreement: Double
    public var maxAbsoluteError: Double

    public init(sqnr: Double, cosine: Double, argmaxAgreement: Double, maxAbsoluteError: Double) {
      self.sqnr = sqnr
      self.cosine = cosine
      self.argmaxAgreement = argmaxAgreement
      self.maxAbsoluteError = maxAbsoluteError
    }
  }

  /// One model output.
  public struct Output: Sendable {
    public var name: String
    /// One sample's shape.
    public var shape: [Int]
    /// The integer program against the float model: the headline numbers.
    public var integer: Agreement
    /// The QDQ form against the float model.
    public var qdq: Agreement
    /// The integer program against the QDQ form: what lowering adds (rounding
    /// of requantization and biases).
    public var integerVersusQDQ: Agreement

    public init(name: String, shape: [Int], integer: Agreement, qdq: Agreement, integerVersusQDQ: Agreement) {
      self.name = name
      self.shape = shape
      self.integer = integer
      self.qdq = qdq
      self.integerVersusQDQ = integerVersusQDQ
    }
  }

  /// The model as given (a path, or the module's name).
  public var model: String
  /// The pipeline that quantized it, as text.
  public var pipeline: String
  /// The preset of the (last) `assign` pass.
  public var preset: String
  public var calibrationSamples: Int
  public var evalSamples: Int
  /// MatMul and Conv ops in the QDQ form that stayed float (by display name, graph order).
  public var floatLayers: [String]
  /// The quantized layers in graph order.
  public var layers: [Layer]
  public var outputs: [Output]
  /// Warnings of the passes and of the measurement.
  public var warnings: [String]
  /// Wall time of the pipeline and of the eval runs, in seconds.
  public var pipelineSeconds: Double
  public var evalSeconds: Double

  public init(
    model: String, pipeline: String, preset: String, calibrationSamples: Int, evalSamples: Int, floatLayers: [String],
    layers: [Layer], outputs: [Output], warnings: [String], pipelineSeconds: Double, evalSeconds: Double
  ) {
    self.model = model
    self.pipeline = pipeline
    self.preset = preset
    self.calibrationSamples = calibrationSamples
    self.evalSamples = evalSamples
    self.floatLayers = floatLayers
    self.layers = layers
    self.outputs = outputs
    self.warnings = warnings
    self.pipelineSeconds = pipelineSeconds
    self.evalSeconds = evalSeconds
  }

  /// The layers, lowest SQNR first (ties in graph order).
  public var layersWorstFirst: [Layer] {
    layers.sorted { a, b in
      let x = a.sqnr, y = b.sqnr
      if x != y { return x < y || (y.isNaN && !x.isNaN) }
      return a.index < b.index
    }
  }

  /// The indices of the `count` worst layers.
  public func worstIndices(_ count: Int) -> Set<Int> { Set(layersWorstFirst.prefix(count).map(\.index)) }
}
