import QCCIR

/// ONNX `TensorProto.DataType` codes, as Cast's `to`, ConstantOfShape's
/// value and the importer read them. The one map between ONNX codes and
/// qcc element types.
public enum ONNXDataType {
  /// The element type for a code; nil for types qcc does not have (STRING, complex, float8).
  public static func elementType(_ code: Int) -> ElementType? {
    switch code {
    case 1: .f32
    case 2: .u8
    case 3: .i8
    case 4: .u16
    case 5: .i16
    case 6: .i32
    case 7: .i64
    case 9: .bool
    case 10: .f16
    case 11: .f64
    case 12: .u32
    case 13: .u64
    case 16: .bf16
    case 21: .u4
    case 22: .i4
    default: nil
    }
  }

  /// The code of an element type.
  public static func code(_ type: ElementType) -> Int {
    switch type {
    case .f32: 1
    case .u8: 2
    case .i8: 3
    case .u16: 4
    case .i16: 5
    case .i32: 6
    case .i64: 7
    case .bool: 9
    case .f16: 10
    case .f64: 11
    case .u32: 12
    case .u64: 13
    case .bf16: 16
    case .u4: 21
    case .i4: 22
    }
  }

  /// The ONNX name of a code (`FLOAT`, `STRING`…), for messages.
  public static func name(_ code: Int) -> String {
    let names: [Int: String] = [
      0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64",
      8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 14: "COMPLEX64",
      15: "COMPLEX128", 16: "BFLOAT16", 17: "FLOAT8E4M3FN", 18: "FLOAT8E4M3FNUZ", 19: "FLOAT8E5M2",
      20: "FLOAT8E5M2FNUZ", 21: "UINT4", 22: "INT4", 23: "FLOAT4E2M1", 24: "FLOAT8E8M0", 25: "UINT2", 26: "INT2",
      27: "FLOAT6E2M3", 28: "FLOAT6E3M2",
    ]
    return names[code] ?? "code \(code)"
  }
}
