import QCCIR
import QCCKernels

/// MatMul, Gemm, Conv, pooling, normalisation, softmax, reductions and Einsum.
///
/// Each op lives in a `LinearAlgebra<Concept>.swift` file beside this one; the
/// f32 paths run the kernels of `qcc_float_nn.h`, and every matrix product
/// the GEMM of `qcc_gemm.h`.
enum LinearAlgebraOps {
  static func register(into r: inout OpRegistry) {
    r.register(matMul)
    r.register(gemm)
    r.register(conv)
    r.register(convTranspose)
    r.register(maxPool)
    r.register(averagePool)
    r.register(globalAveragePool)
    r.register(globalMaxPool)
    r.register(softmax)
    r.register(logSoftmax)
    r.register(hardmax)
    r.register(layerNormalization)
    r.register(rmsNormalization)
    r.register(rotaryEmbedding)
    r.register(attention)
    r.register(batchNormalization)
    r.register(instanceNormalization)
    r.register(groupNormalization)
    for (name, kind) in reduceOps { r.register(reduce(name, kind)) }
    r.register(argReduce("ArgMax", isMin: false))
    r.register(argReduce("ArgMin", isMin: true))
    r.register(einsum)
    r.register(cumSum)
    r.register(topK)
  }
}
