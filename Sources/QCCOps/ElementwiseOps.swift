import QCCIR
import QCCKernels

#if canImport(Glibc)
import Glibc
#endif

/// Elementwise ops: arithmetic, math functions and activations, comparisons,
/// logic, selection and casts. Broadcasting follows numpy; f32 runs the C
/// kernels of `qcc_float_elementwise.h`, other element types straightforward
/// Swift (see `ElementwiseSupport.swift`).
enum ElementwiseOps {
  static func register(into r: inout OpRegistry) {
    // Arithmetic
    r.register(arithmetic("Add", arity: 2...2, types: ElementTypes.numeric) { _, _ in .add })
    r.register(arithmetic("Sub", arity: 2...2, types: ElementTypes.numeric) { _, _ in .sub })
    r.register(arithmetic("Mul", arity: 2...2, types: ElementTypes.numeric) { _, _ in .mul })
    r.register(arithmetic("Div", arity: 2...2, types: ElementTypes.numeric) { _, _ in .div })
    r.register(arithmetic("Mod", arity: 2...2, types: ElementTypes.numeric, operation: modOperation))
    r.register(arithmetic("PRelu", arity: 2...2, types: ElementTypes.numeric, unidirectional: true) { _, _ in .prelu })
    r.register(arithmetic("Max", arity: 1...Int.max, types: ElementTypes.numeric) { _, _ in .max })
    r.register(arithmetic("Min", arity: 1...Int.max, types: ElementTypes.numeric) { _, _ in .min })
    r.register(arithmetic("Sum", arity: 1...Int.max, types: ElementTypes.float) { _, _ in .add })
    r.register(arithmetic("Mean", arity: 1...Int.max, types: ElementTypes.float, average: true) { _, _ in .add })
    r.register(pow)
    r.register(arithmetic("BitShift", arity: 2...2, types: ElementTypes.integer, operation: shiftOperation))

    // Math functions
    r.register(unary("Neg", QCC_UNARY_NEG, types: signedTypes, integer: .neg) { -$0 })
    r.register(unary("Abs", QCC_UNARY_ABS, types: ElementTypes.numeric, integer: .abs) { Swift.abs($0) })
    r.register(
      unary("Sign", QCC_UNARY_SIGN, types: ElementTypes.numeric, integer: .sign) { $0 > 0 ? 1 : $0 < 0 ? -1 : $0 })
    r.register(unary("Sqrt", QCC_UNARY_SQRT) { $0.squareRoot() })
    r.register(unary("Reciprocal", QCC_UNARY_RECIPROCAL) { 1 / $0 })
    r.register(unary("Exp", QCC_UNARY_EXP) { exp($0) })
    r.register(unary("Log", QCC_UNARY_LOG) { log($0) })
    r.register(unary("Erf", QCC_UNARY_ERF) { erf($0) })
    r.register(unary("Floor", QCC_UNARY_FLOOR) { $0.rounded(.down) })
    r.register(unary("Ceil", QCC_UNARY_CEIL) { $0.rounded(.up) })
    r.register(unary("Round", QCC_UNARY_ROUND) { $0.rounded(.toNearestOrEven) })
    r.register(unary("Sin", QCC_UNARY_SIN) { sin($0) })
    r.register(unary("Cos", QCC_UNARY_COS) { cos($0) })
    r.register(unary("Tan", QCC_UNARY_TAN) { tan($0) })
    r.register(unary("Asin", QCC_UNARY_ASIN) { asin($0) })
    r.register(unary("Acos", QCC_UNARY_ACOS) { acos($0) })
    r.register(unary("Atan", QCC_UNARY_ATAN) { atan($0) })
    r.register(unary("Sinh", QCC_UNARY_SINH) { sinh($0) })
    r.register(unary("Cosh", QCC_UNARY_COSH) { cosh($0) })
    r.register(unary("Asinh", QCC_UNARY_ASINH) { asinh($0) })
    r.register(unary("Acosh", QCC_UNARY_ACOSH) { acosh($0) })
    r.register(unary("Atanh", QCC_UNARY_ATANH) { atanh($0) })

    // Activations
    r.register(unary("Relu", QCC_UNARY_RELU, types: signedTypes, integer: .relu) { $0 < 0 ? 0 : $0 })
    r.register(unary("Tanh", QCC_UNARY_TANH) { tanh($0) })
    r.register(unary("Sigmoid", QCC_UNARY_SIGMOID) { 1 / (1 + exp(-$0)) })
    r.register(unary("Softplus", QCC_UNARY_SOFTPLUS, softplus))
    r.register(unary("Softsign", QCC_UNARY_SOFTSIGN) { $0 / (1 + Swift.abs($0)) })
    r.register(leakyRelu)
    r.register(elu)
    r.register(selu)
    r.register(celu)
    r.register(thresholdedRelu)
    r.register(hardSigmoid)
    r.register(hardSwish)
    r.register(shrink)
    r.register(gelu)
    r.register(mish)
    r.register(swish)

    // Comparisons and logic
    for (name, op, types) in comparisons { r.register(comparison(name, op, types: types)) }
    r.register(logic("And") { $0 && $1 })
    r.register(logic("Or") { $0 || $1 })
    r.register(logic("Xor") { $0 != $1 })
    r.register(not)
    r.register(isNaN)
    r.register(isInf)
    r.register(bitwise("BitwiseAnd") { $0 & $1 })
    r.register(bitwise("BitwiseOr") { $0 | $1 })
    r.register(bitwise("BitwiseXor") { $0 ^ $1 })
    r.register(bitwiseNot)

    // Selection and casts
    r.register(`where`)
    r.register(clip)
    r.register(cast)
    r.register(castLike)

    // Quantization
    r.register(quantizeLinear)
    r.register(dequantizeLinear)
    r.register(dynamicQuantizeLinear)
  }
}
