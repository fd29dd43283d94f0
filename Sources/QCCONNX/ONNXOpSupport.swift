/// Which version of each ONNX op qcc implements.
///
/// ONNX versions ops one by one: a model at opset N means, for each op, the
/// newest version defined at or before N (its *effective version*, from
/// `ONNXOpHistory`, generated from onnx's schemas). qcc accepts any opset up
/// to the newest in the history and rejects a node only when its effective
/// version is newer than the version qcc's op implements.
///
/// `implementedThrough` is maintained by hand. Raise an op's entry only
/// after reading the ONNX changelog for the newer version: when only the
/// type list grew (types qcc lacks are rejected as types) or the text was
/// clarified, the entry moves up as is; when the semantics changed
/// (an attribute or input was added, a behaviour was defined), the op must
/// implement the change first (or LegacyOpsets must upgrade the old form).
public enum ONNXOpSupport {
  /// For each op qcc runs (registered ops and the importer's own `Constant`),
  /// the newest ONNX version of it whose semantics qcc implements. Comments
  /// give the changes of the versions after opset 17 (the newest that
  /// Debian's onnx 1.12 backend suite tests) and why the entry covers them.
  public static let implementedThrough: [String: Int] = [
    "Abs": 13,
    "Acos": 22,  // adds bfloat16
    "Acosh": 22,  // adds bfloat16
    "Add": 14,
    "And": 7,
    "ArgMax": 13,
    "ArgMin": 13,
    "Asin": 22,  // adds bfloat16
    "Asinh": 22,  // adds bfloat16
    "Atan": 22,  // adds bfloat16
    "Atanh": 22,  // adds bfloat16
    "Attention": 25,  // 24 adds nonpad_kv_seqlen, 25 left/right_window_size; both implemented
    "AveragePool": 22,  // 19 adds dilations (implemented); 22 bfloat16, and drops windows starting in end padding as qcc does
    "BatchNormalization": 15,
    "BitShift": 28,  // adds signed types and defines shifts < 0 or >= the width; implemented
    "BitwiseAnd": 18,  // new in 18
    "BitwiseNot": 18,  // new in 18
    "BitwiseOr": 18,  // new in 18
    "BitwiseXor": 18,  // new in 18
    "Cast": 28,  // 19 saturate, 24 round_mode: float8 only; 21 int4 (implemented); 23-28 add types qcc rejects
    "CastLike": 25,  // as Cast; 19 saturate is float8 only, 21 int4 implemented, 23-25 add types qcc rejects
    "Ceil": 13,
    "Celu": 28,  // adds double, float16, bfloat16 (already taken) and a function body
    "Clip": 13,
    "Concat": 13,
    "Constant": 25,  // 19-25 add float8, int4, float4, float8e8m0, int2: types qcc rejects
    "ConstantOfShape": 25,  // 20-25 add bfloat16 (taken), float8, int4, float4, float8e8m0, int2: types qcc rejects
    "Conv": 22,  // adds bfloat16
    "ConvTranspose": 22,  // adds bfloat16
    "Cos": 22,  // adds bfloat16
    "Cosh": 22,  // adds bfloat16
    "CumSum": 14,
    "DepthToSpace": 28,  // adds a function body only
    "DequantizeLinear": 28,  // 23 adds output_dtype (implemented); 24-28 add float8e8m0, int2, float6: types qcc rejects
    "Div": 14,
    "Dropout": 22,  // adds float8 types, which qcc rejects, and bfloat16 ratios
    "DynamicQuantizeLinear": 11,
    "Einsum": 28,  // adds bfloat16
    "Elu": 22,  // adds bfloat16
    "Equal": 19,  // 19 adds string, a type qcc rejects
    "Erf": 13,
    "Exp": 13,
    "Expand": 13,
    "EyeLike": 22,  // adds bfloat16
    "Flatten": 25,  // 21-25 add float8, int4, float4, float8e8m0, int2: types qcc rejects
    "Floor": 13,
    "Gather": 13,
    "GatherElements": 13,
    "GatherND": 13,
    "Gelu": 20,  // new in 20, approximate none/tanh implemented
    "Gemm": 13,
    "GlobalAveragePool": 22,  // adds bfloat16
    "GlobalMaxPool": 22,  // adds bfloat16
    "Greater": 13,
    "GreaterOrEqual": 16,
    "GroupNormalization": 21,  // 21 makes scale and bias per channel and adds stash_type; passes onnx 1.23's tests
    "HardSigmoid": 22,  // adds bfloat16
    "HardSwish": 22,  // adds bfloat16
    "Hardmax": 13,
    "Identity": 25,  // 19, 21, 23-25 add float8, int4, float4, float8e8m0, int2: types qcc rejects
    "InstanceNormalization": 22,  // adds bfloat16
    "IsInf": 20,  // 20 adds float16, bfloat16 (taken) and float8
    "IsNaN": 20,  // 20 adds float8 types, which qcc rejects
    "LayerNormalization": 17,
    "LeakyRelu": 16,
    "Less": 13,
    "LessOrEqual": 16,
    "Log": 13,
    "LogSoftmax": 13,
    "MatMul": 13,
    "Max": 13,
    "MaxPool": 22,  // adds bfloat16, and drops windows starting in end padding as qcc does
    "Mean": 13,
    "Min": 13,
    "Mish": 22,  // adds bfloat16
    "Mod": 28,  // defines fmod = 0 for floats (Python %) and its special values; implemented
    "Mul": 14,
    "Neg": 13,
    "NonZero": 13,
    "Not": 1,
    "OneHot": 28,  // adds bfloat16
    "Or": 7,
    "PRelu": 16,
    "Pad": 25,  // 18 adds the axes input, 19 wrap mode (both implemented); 21-25 add types qcc rejects
    "Pow": 15,
    "QuantizeLinear": 28,  // 23 adds precision and mixed x/scale types (implemented); 24-28 add types qcc rejects
    "RMSNormalization": 23,  // new in 23
    "Range": 27,  // adds float16/bfloat16 and stash_type for them; implemented
    "Reciprocal": 13,
    "ReduceL1": 18,  // 18 moves axes to an input and adds noop_with_empty_axes (implemented)
    "ReduceL2": 18,  // 18 moves axes to an input (implemented)
    "ReduceLogSum": 28,  // 18 moves axes to an input (implemented); 28 drops the integer types
    "ReduceLogSumExp": 28,  // 18 moves axes to an input (implemented); 28 drops the integer types
    "ReduceMax": 20,  // 18 moves axes to an input; 20 adds bool (implemented)
    "ReduceMean": 18,  // 18 moves axes to an input (implemented)
    "ReduceMin": 20,  // 18 moves axes to an input; 20 adds bool (implemented)
    "ReduceProd": 18,  // 18 moves axes to an input (implemented)
    "ReduceSum": 13,
    "ReduceSumSquare": 18,  // 18 moves axes to an input (implemented)
    "Relu": 14,
    "Reshape": 25,  // 19-25 add float8, int4, float4, float8e8m0, int2: types qcc rejects
    "Resize": 19,  // 18 adds antialias, axes, keep_aspect_ratio_policy, 19 half_pixel_symmetric; passes onnx 1.23's tests
    "ReverseSequence": 28,  // adds bfloat16
    "RotaryEmbedding": 23,  // new in 23
    "Round": 22,  // adds bfloat16
    "Scatter": 11,
    "ScatterElements": 18,  // 18 adds reduction max/min; passes onnx 1.23's tests
    "ScatterND": 18,  // 18 adds reduction max/min; passes onnx 1.23's tests
    "Selu": 22,  // adds bfloat16
    "Shape": 25,  // 19-25 add float8, int4, float4, float8e8m0, int2: types qcc rejects
    "Shrink": 9,
    "Sigmoid": 13,
    "Sign": 13,
    "Sin": 22,  // adds bfloat16
    "Sinh": 22,  // adds bfloat16
    "Size": 25,  // 19-25 add float8, int4, float4, float8e8m0, int2: types qcc rejects
    "Slice": 13,
    "Softmax": 13,
    "Softplus": 22,  // adds bfloat16
    "Softsign": 22,  // adds bfloat16
    "SpaceToDepth": 28,  // adds mode (DCR or CRD); implemented
    "Split": 18,  // 18 adds num_outputs (implemented)
    "Sqrt": 13,
    "Squeeze": 25,  // 21-25 add float8, int4, float4, float8e8m0, int2: types qcc rejects
    "Sub": 14,
    "Sum": 13,
    "Swish": 24,  // new in 24
    "Tan": 22,  // adds bfloat16
    "Tanh": 13,
    "ThresholdedRelu": 22,  // adds bfloat16
    "Tile": 13,
    "TopK": 24,  // adds bfloat16
    "Transpose": 25,  // 21-25 add float8, int4, float4, float8e8m0, int2: types qcc rejects
    "Trilu": 14,
    "Unsqueeze": 25,  // 21-25 add float8, int4, float4, float8e8m0, int2: types qcc rejects
    "Upsample": 10,  // deprecated at 10 (Resize replaces it)
    "Where": 16,
    "Xor": 7,
  ]

  /// The opset whose op versions qcc implemented before versions were
  /// tracked per op: an op missing from `implementedThrough` is taken to
  /// implement its version at this opset (or its first version, for ops
  /// ONNX added later).
  static let untrackedOpset = 21

  /// The version of `op` a model at default-domain `opset` uses: the newest
  /// one defined at or before `opset`. Nil for ops ONNX does not define at
  /// that opset (or at all).
  public static func effectiveVersion(of op: String, opset: Int) -> Int? {
    ONNXOpHistory.sinceVersions[op]?.last { $0 <= opset }
  }

  /// The newest version of default-domain `op` qcc implements; nil for ops ONNX does not define.
  public static func implementedVersion(of op: String) -> Int? {
    implementedThrough[op] ?? effectiveVersion(of: op, opset: untrackedOpset) ?? ONNXOpHistory.sinceVersions[op]?.first
  }

  /// Every default-domain node whose op's effective version at `opset` is
  /// newer than qcc implements (`implemented`, which tests replace), listed
  /// at once with the nodes that use it.
  static func checkVersions(
    _ nodes: [ONNXNode], opset: Int, implemented implementedVersion: (String) -> Int? = implementedVersion(of:)
  ) throws(ImportError) {
    var tooNew: [String: (version: Int, implemented: Int, nodes: [String])] = [:]
    for node in nodes where node.qualifiedOp == node.op {
      guard let version = effectiveVersion(of: node.op, opset: opset),
        let implemented = implementedVersion(node.op), version > implemented
      else { continue }
      let name = !node.name.isEmpty ? "'\(node.name)'" : "producing '\(node.outputs.first ?? "")'"
      tooNew[node.op, default: (version, implemented, [])].nodes.append(name)
    }
    guard !tooNew.isEmpty else { return }
    let entries = tooNew.keys.sorted().map { op -> String in
      let (version, implemented, names) = tooNew[op]!
      let shown = names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", and \(names.count - 5) more" : "")
      return "\(op)-\(version) (\(names.count == 1 ? "node" : "nodes") \(shown)) — qcc implements \(op) up to version \(implemented)"
    }
    let list = entries.count == 1 ? " " + entries[0] : "\n" + entries.map { "  " + $0 }.joined(separator: "\n")
    throw ImportError("ops at versions qcc does not implement yet:" + list)
  }
}
