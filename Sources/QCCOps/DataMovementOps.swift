import QCCIR

/// Ops that move or reinterpret data without arithmetic: reshapes, transposes,
/// slices, gathers, concatenation, and shape queries.
///
/// They work on element bytes, so one implementation serves every element
/// type (sub-byte types only where no element moves). Reshapes are views that
/// share the operand's storage; everything else is one or a few calls of the
/// C kernels in `qcc_data_movement.h`, after all indices and shapes have been
/// validated in Swift.
enum DataMovementOps {
  static func register(into r: inout OpRegistry) {
    // Views: no copy.
    r.register(identity)
    r.register(reshape)
    r.register(flatten)
    r.register(squeeze)
    r.register(unsqueeze)
    r.register(dropout)
    // Copies.
    r.register(transpose)
    r.register(depthToSpace)
    r.register(spaceToDepth)
    r.register(slice)
    r.register(concat)
    r.register(split)
    r.register(gather)
    r.register(gatherElements)
    r.register(gatherND)
    r.register(scatterND)
    r.register(scatterElements)
    r.register(scatterLegacy)
    r.register(resize)
    r.register(upsample)
    r.register(nonZero)
    r.register(expand)
    r.register(tile)
    r.register(pad)
    r.register(trilu)
    r.register(reverseSequence)
    // Shape queries and generated tensors.
    r.register(shape)
    r.register(size)
    r.register(constantOfShape)
    r.register(range)
    r.register(eyeLike)
    r.register(oneHot)
  }
}
