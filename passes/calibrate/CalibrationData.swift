import Foundation
import QCCIO
import QCCIR

/// Calibration samples: one stacked tensor per model input, `[N, …input
/// shape…]`, sample `i` being `t[i]` — the layout of the shared models'
/// `calib/` folders.
///
/// On disk it is either a folder with one `<input>.npy` per model input
/// (files not ending in `.npy` are ignored: a README, a meta.json), or one
/// `.npz` archive with a member per input.
///
/// `validate(for:)` checks the data against a module's inputs and names the
/// first problem: a missing input, a file or member for an input the model
/// does not have, a wrong dtype, a per-sample shape that does not match, or
/// inputs with different (or zero) sample counts.
///
/// An extra `.npy` file or `.npz` member is an **error**, not a warning: it
/// almost always means the data was made for another export of the model
/// (one that had a `token_type_ids` input, say), and calibrating on data meant
/// for another model is a mistake that only shows up later as lost accuracy.
/// `qcc run` rejects unknown inputs for the same reason.
public struct CalibrationData: Sendable {
  /// Where the data came from, for messages.
  public enum Source: Sendable, Equatable {
    /// A folder of `<input>.npy` files.
    case folder(String)
    /// An `.npz` archive.
    case archive(String)
    /// Tensors handed over in memory.
    case memory
    /// Random samples (`--calib random`): smoke tests only.
    case random
  }

  public let source: Source
  /// The stacked tensors by input name.
  public let tensors: [String: TensorData]

  /// Data held in memory (tests, library users).
  public init(tensors: [String: TensorData], source: Source = .memory) {
    self.tensors = tensors
    self.source = source
  }

  /// The path the data was loaded from, if any.
  public var path: String? {
    switch source {
    case .folder(let p), .archive(let p): p
    case .memory, .random: nil
    }
  }

  /// Loads a folder of `<input>.npy` files or an `.npz` archive.
  public static func load(path: String) throws(CalibrationDataError) -> CalibrationData {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
      throw CalibrationDataError("calibration data '\(path)' does not exist")
    }
    if isFolder.boolValue {
      let names: [String]
      do {
        names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".npy") }.sorted()
      } catch {
        throw CalibrationDataError("calibration data '\(path)': cannot list the folder: \(error.localizedDescription)")
      }
      var tensors: [String: TensorData] = [:]
      for file in names {
        do {
          tensors[String(file.dropLast(4))] = try NPY.read(path: path + "/" + file)
        } catch {
          throw CalibrationDataError("calibration data: \(error)")
        }
      }
      return CalibrationData(tensors: tensors, source: .folder(path))
    }
    guard path.hasSuffix(".npz") else {
      throw CalibrationDataError(
        "calibration data '\(path)' is neither a folder nor an .npz file; give a folder with one <input>.npy per model input, or an .npz with one member per input")
    }
    var tensors: [String: TensorData] = [:]
    do {
      for member in try NPZ.read(path: path) {
        guard tensors[member.name] == nil else {
          throw CalibrationDataError("calibration data '\(path)' has two members named '\(member.name)'")
        }
        tensors[member.name] = member.tensor
      }
    } catch let error as CalibrationDataError {
      throw error
    } catch {
      throw CalibrationDataError("calibration data: \(error)")
    }
    return CalibrationData(tensors: tensors, source: .archive(path))
  }

  /// How messages name the data for `input`.
  func describe(_ input: String) -> String {
    switch source {
    case .folder: "\(input).npy"
    case .archive(let p): "member '\(input)' of \(p)"
    case .memory, .random: "'\(input)'"
    }
  }

  /// Checks the data against `graph`'s inputs; returns the number of samples.
  public func validate(for graph: Graph) throws(CalibrationDataError) -> Int {
    var inputs: [(name: String, type: TensorType)] = []
    for id in graph.inputs {
      if case .input(let name) = graph[id].definition { inputs.append((name, graph[id].type)) }
    }
    guard !inputs.isEmpty else { throw CalibrationDataError("the module has no inputs, so there is nothing to calibrate") }
    let names = inputs.map(\.name)
    for (name, _) in inputs where tensors[name] == nil {
      let expected: String
      switch source {
      case .folder(let p): expected = " (expected \(name).npy in \(p))"
      case .archive(let p): expected = " (expected a member '\(name)' in \(p))"
      case .memory, .random: expected = ""
      }
      throw CalibrationDataError("calibration data has no '\(name)'\(expected)")
    }
    for name in tensors.keys.sorted() where !names.contains(name) {
      let has: String, fix: String
      switch source {
      case .folder(let p): (has, fix) = ("\(name).npy in \(p)", "remove the file")
      case .archive(let p): (has, fix) = ("a member '\(name)' in \(p)", "remove the member")
      case .memory, .random: (has, fix) = ("'\(name)'", "remove it")
      }
      throw CalibrationDataError(
        "calibration data has \(has), but the model has no input '\(name)' (its inputs: \(names.joined(separator: ", "))); "
          + "\(fix), or calibrate the model the data was made for")
    }
    var symbols: [String: (size: Int, input: String)] = [:]
    for (name, type) in inputs {
      let t = tensors[name]!
      let spelled = Printer.spell(type)
      guard t.elementType == type.elementType else {
        let want = CalibrationData.numpyName(type.elementType)
        throw CalibrationDataError(
          "calibration data \(describe(name)) holds \(CalibrationData.numpyName(t.elementType)), but model input '\(name)' is \(spelled); "
            + "save it as \(want) (a.astype(numpy.\(want)))")
      }
      let stacked = type.shape.dims.map { "[N, " + $0.map(\.description).joined(separator: ", ") + "]" } ?? "[N, …]"
      guard !t.shape.isEmpty else {
        throw CalibrationDataError(
          "calibration data \(describe(name)) is a scalar, but it must stack samples on axis 0: \(stacked) for model input '\(name)' (\(spelled))")
      }
      let sampleShape = Array(t.shape.dropFirst())
      if let dims = type.shape.dims {
        var matches = dims.count == sampleShape.count
        if matches {
          for (d, n) in zip(dims, sampleShape) {
            switch d {
            case .fixed(let v) where v != n: matches = false
            case .symbolic(let symbol?):
              if let bound = symbols[symbol], bound.size != n {
                throw CalibrationDataError(
                  "calibration data gives dimension '\(symbol)' size \(n) in \(describe(name)) but \(bound.size) in \(describe(bound.input))")
              }
              symbols[symbol] = (n, name)
            default: break
            }
          }
        }
        guard matches else {
          throw CalibrationDataError(
            "calibration data \(describe(name)) has shape \(t.shape), so each sample is \(sampleShape), but model input '\(name)' is \(spelled); "
              + "stack the samples on a new axis 0: \(stacked)")
        }
      }
    }
    let counts = inputs.map { (name: $0.name, count: tensors[$0.name]!.shape[0]) }
    if Set(counts.map(\.count)).count > 1 {
      throw CalibrationDataError(
        "calibration data inputs have different sample counts: "
          + counts.sorted { $0.name < $1.name }.map { "\(describe($0.name)) has \($0.count)" }.joined(separator: ", "))
    }
    guard counts[0].count > 0 else {
      let first = inputs[0].name
      throw CalibrationDataError("calibration data has no samples: \(describe(first)) has shape \(tensors[first]!.shape)")
    }
    return counts[0].count
  }

  /// Sample `i` of every input.
  public func sample(_ i: Int) -> [String: TensorData] { tensors.mapValues { $0.sample(i) } }

  /// A SHA-256 over every tensor's name, element type, shape and bytes, in name order.
  public func digest() -> String {
    var text = ""
    for name in tensors.keys.sorted() {
      let t = tensors[name]!
      text += "\(name.utf8.count):\(name) \(t.elementType) \(t.shape) \(SHA256.digest(t.bytes).hexString())\n"
    }
    var bytes = Array(text.utf8)
    return bytes.withUnsafeMutableBytes { SHA256.digest(UnsafeRawBufferPointer($0)).hexString(prefix: "sha256:") }
  }

  /// numpy's name for an element type.
  static func numpyName(_ t: ElementType) -> String {
    switch t {
    case .f64: "float64"
    case .f32: "float32"
    case .f16: "float16"
    case .bf16: "bfloat16"
    case .i64: "int64"
    case .i32: "int32"
    case .i16: "int16"
    case .i8: "int8"
    case .i4: "int4"
    case .u64: "uint64"
    case .u32: "uint32"
    case .u16: "uint16"
    case .u8: "uint8"
    case .u4: "uint4"
    case .bool: "bool"
    }
  }
}

/// Calibration data that is missing, unreadable or does not fit the model.
public struct CalibrationDataError: Error, CustomStringConvertible, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
