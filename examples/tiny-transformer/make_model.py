#!/usr/bin/env python3
"""Builds the example model: one pre-norm transformer block and a classifier
head, spelled the way PyTorch's exporter spells them (a shape subgraph for
the head reshape, GELU as Div/Erf/Add/Mul/Mul, Gemm for the head).

Writes model.onnx, x.npy (4 stacked samples, [4, 1, 8, 16]) and
logits_ref.npy (onnxruntime's outputs for them). Run once; the outputs are
committed. Needs numpy, onnx and onnxruntime.
"""
import os
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(2026)
T, D, H, F, C = 8, 16, 2, 32, 10


def w(name, *shape, scale=0.3):
    return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)


def const(name, value, dtype=np.float32):
    return numpy_helper.from_array(np.array(value, dtype=dtype), name)


inits = [
    w("ln1.g", D, scale=0.1), w("ln1.b", D, scale=0.1), w("qkv.w", D, 3 * D), w("qkv.b", 3 * D, scale=0.1),
    w("o.w", D, D), w("o.b", D, scale=0.1), w("ln2.g", D, scale=0.1), w("ln2.b", D, scale=0.1),
    w("fc1.w", D, F), w("fc1.b", F, scale=0.1), w("fc2.w", F, D), w("fc2.b", D, scale=0.1),
    w("head.w", C, D), w("head.b", C, scale=0.1),
    const("split", [D, D, D], np.int64), const("heads_shape", [1, T, H, D // H], np.int64),
    const("scale", np.sqrt(D // H)), const("sqrt2", np.sqrt(2.0)), const("one", 1.0), const("half", 0.5),
    const("zero", 0, np.int64), const("axes0", [0], np.int64), const("minus1", [-1], np.int64),
    const("seq_axis", [1], np.int64),
]
for i in inits:
    if i.name.endswith(".g"):
        arr = numpy_helper.to_array(i) + 1
        i.CopyFrom(numpy_helper.from_array(arr.astype(np.float32), i.name))

n = helper.make_node
nodes = [
    n("LayerNormalization", ["x", "ln1.g", "ln1.b"], ["ln1"], axis=-1, epsilon=1e-5, name="/block/ln1/LayerNormalization"),
    n("MatMul", ["ln1", "qkv.w"], ["qkv_mm"], name="/block/attn/qkv/MatMul"),
    n("Add", ["qkv.b", "qkv_mm"], ["qkv"], name="/block/attn/qkv/Add"),
    n("Split", ["qkv", "split"], ["q", "k", "v"], axis=2, name="/block/attn/Split"),
    n("Reshape", ["q", "heads_shape"], ["q4"], name="/block/attn/Reshape_q"),
    n("Reshape", ["k", "heads_shape"], ["k4"], name="/block/attn/Reshape_k"),
    n("Reshape", ["v", "heads_shape"], ["v4"], name="/block/attn/Reshape_v"),
    n("Transpose", ["q4"], ["qh"], perm=[0, 2, 1, 3], name="/block/attn/Transpose_q"),
    n("Transpose", ["k4"], ["kt"], perm=[0, 2, 3, 1], name="/block/attn/Transpose_k"),
    n("Transpose", ["v4"], ["vh"], perm=[0, 2, 1, 3], name="/block/attn/Transpose_v"),
    n("MatMul", ["qh", "kt"], ["scores_raw"], name="/block/attn/MatMul_qk"),
    n("Div", ["scores_raw", "scale"], ["scores"], name="/block/attn/Div"),
    n("Softmax", ["scores"], ["probs"], axis=-1, name="/block/attn/Softmax"),
    n("MatMul", ["probs", "vh"], ["ctx_h"], name="/block/attn/MatMul_pv"),
    n("Transpose", ["ctx_h"], ["ctx_t"], perm=[0, 2, 1, 3], name="/block/attn/Transpose_ctx"),
    # The exporter's shape subgraph: Reshape(ctx, [batch, seq, -1]) with batch and seq read at run time.
    n("Shape", ["ctx_t"], ["ctx_shape"], name="/block/attn/Shape"),
    n("Gather", ["ctx_shape", "zero"], ["batch"], axis=0, name="/block/attn/Gather_batch"),
    n("Unsqueeze", ["batch", "axes0"], ["batch1"], name="/block/attn/Unsqueeze_batch"),
    n("Gather", ["ctx_shape", "seq_axis"], ["seq1"], axis=0, name="/block/attn/Gather_seq"),
    n("Concat", ["batch1", "seq1", "minus1"], ["ctx_target"], axis=0, name="/block/attn/Concat"),
    n("Reshape", ["ctx_t", "ctx_target"], ["ctx"], name="/block/attn/Reshape_ctx"),
    n("MatMul", ["ctx", "o.w"], ["o_mm"], name="/block/attn/o/MatMul"),
    n("Add", ["o.b", "o_mm"], ["attn"], name="/block/attn/o/Add"),
    n("Add", ["x", "attn"], ["h"], name="/block/Add"),
    n("LayerNormalization", ["h", "ln2.g", "ln2.b"], ["ln2"], axis=-1, epsilon=1e-5, name="/block/ln2/LayerNormalization"),
    n("MatMul", ["ln2", "fc1.w"], ["fc1_mm"], name="/block/mlp/fc1/MatMul"),
    n("Add", ["fc1.b", "fc1_mm"], ["fc1"], name="/block/mlp/fc1/Add"),
    n("Div", ["fc1", "sqrt2"], ["g_div"], name="/block/mlp/act/Div"),
    n("Erf", ["g_div"], ["g_erf"], name="/block/mlp/act/Erf"),
    n("Add", ["g_erf", "one"], ["g_add"], name="/block/mlp/act/Add"),
    n("Mul", ["fc1", "g_add"], ["g_mul"], name="/block/mlp/act/Mul"),
    n("Mul", ["g_mul", "half"], ["gelu"], name="/block/mlp/act/Mul_1"),
    n("MatMul", ["gelu", "fc2.w"], ["fc2_mm"], name="/block/mlp/fc2/MatMul"),
    n("Add", ["fc2.b", "fc2_mm"], ["mlp"], name="/block/mlp/fc2/Add"),
    n("Add", ["h", "mlp"], ["y"], name="/block/Add_1"),
    n("ReduceMean", ["y", "seq_axis"], ["pooled"], keepdims=0, name="/pool/ReduceMean"),
    n("Gemm", ["pooled", "head.w", "head.b"], ["logits"], transB=1, name="/head/Gemm"),
]
graph = helper.make_graph(
    nodes, "tiny_transformer", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, T, D])],
    [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, C])], initializer=inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="qcc-example")
model.ir_version = 9
onnx.checker.check_model(model, full_check=True)
onnx.save(model, os.path.join(here, "model.onnx"))

import onnxruntime as ort

x = rng.standard_normal((4, 1, T, D)).astype(np.float32)
session = ort.InferenceSession(os.path.join(here, "model.onnx"), providers=["CPUExecutionProvider"])
ref = np.stack([session.run(None, {"x": s})[0] for s in x])
np.save(os.path.join(here, "x.npy"), x)
np.save(os.path.join(here, "logits_ref.npy"), ref)
print("wrote model.onnx, x.npy", x.shape, "logits_ref.npy", ref.shape)
