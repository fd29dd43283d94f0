#!/usr/bin/env python3
"""Generates the small ONNX files the importer tests read.

Run once from this folder (python3 make_fixtures.py); the outputs are
committed, and the tests never run Python. Needs the `onnx` package.
"""
import os
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

here = os.path.dirname(os.path.abspath(__file__))


def save(model, name, check=True):
    if check:
        onnx.checker.check_model(model)
    with open(os.path.join(here, name), "wb") as f:
        f.write(model.SerializeToString())


def model(nodes, inputs, outputs, initializers=(), opset=17, ir=8, value_info=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers), value_info=list(value_info))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="qcc-fixtures")
    m.ir_version = ir
    return m


f32 = TensorProto.FLOAT
x = helper.make_tensor_value_info("x", f32, [2, 3])
y = helper.make_tensor_value_info("y", f32, [2, 4])
w = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(3, 4) / 10, "w")

# A valid model: y = Relu(x @ w).
valid = model([helper.make_node("MatMul", ["x", "w"], ["h"], name="mm"),
               helper.make_node("Relu", ["h"], ["y"], name="relu")], [x], [y], [w])
save(valid, "matmul_relu.onnx")
data = valid.SerializeToString()
with open(os.path.join(here, "truncated.onnx"), "wb") as f:
    f.write(data[: len(data) // 2])
with open(os.path.join(here, "garbage.onnx"), "wb") as f:
    f.write(bytes(np.random.default_rng(7).integers(0, 256, 300, dtype=np.uint8)))
# Field 7 (graph) is a message; encoding it as a varint is a wire-type error.
with open(os.path.join(here, "wrong_wire_type.onnx"), "wb") as f:
    f.write(bytes([0x08, 0x08, 0x38, 0x05]))

save(model([helper.make_node("MatMul", ["x", "w_missing"], ["h"], name="mm"),
            helper.make_node("Relu", ["h"], ["y"], name="relu")], [x], [y]),
     "missing_initializer.onnx", check=False)
save(model([helper.make_node("Add", ["x", "nowhere"], ["y"], name="add")], [x],
           [helper.make_tensor_value_info("y", f32, [2, 3])]),
     "undefined_input.onnx", check=False)
save(model([helper.make_node("Add", ["x", "b"], ["a"], name="first"),
            helper.make_node("Relu", ["a"], ["b"], name="second")], [x],
           [helper.make_tensor_value_info("b", f32, [2, 3])]),
     "cycle.onnx", check=False)
unsupported = model([helper.make_node("FooBar", ["x"], ["a"], name="foo1"),
                     helper.make_node("FooBar", ["a"], ["b"], name="foo2"),
                     helper.make_node("Relu", ["b"], ["c"], name="relu"),
                     helper.make_node("FusedMatMul", ["c", "c"], ["y"], name="fused", domain="com.microsoft")],
                    [x], [helper.make_tensor_value_info("y", f32, [2, 3])])
unsupported.opset_import.append(helper.make_opsetid("com.microsoft", 1))
save(unsupported, "unsupported_ops.onnx", check=False)
save(model([helper.make_node("Relu", ["x"], ["y"], name="relu")], [x],
           [helper.make_tensor_value_info("y", f32, [2, 3])], opset=99), "opset99.onnx", check=False)
save(model([helper.make_node("Relu", ["x"], ["y"], name="relu")], [x],
           [helper.make_tensor_value_info("y", f32, [2, 3])], ir=15), "ir15.onnx", check=False)
# The newest opset and IR version qcc reads (onnx 1.23): ops at their opset-28 versions.
save(model([helper.make_node("Relu", ["x"], ["r"], name="relu"),
            helper.make_node("Cast", ["r"], ["h"], name="to_half", to=TensorProto.FLOAT16),
            helper.make_node("Reshape", ["h", "shape"], ["y"], name="flat")], [x],
           [helper.make_tensor_value_info("y", TensorProto.FLOAT16, [6])],
           [numpy_helper.from_array(np.array([6], dtype=np.int64), "shape")], opset=28, ir=14),
     "opset28_ir14.onnx", check=False)
w_bad = numpy_helper.from_array(np.ones((4, 5), dtype=np.float32), "w")
save(model([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], [x],
           [helper.make_tensor_value_info("y", f32, [2, 5])], [w_bad]), "shape_mismatch.onnx", check=False)
save(model([helper.make_node("Relu", ["x"], ["y"], name="relu")], [x],
           [helper.make_tensor_value_info("y", f32, [2, 7])]), "declared_shape_mismatch.onnx", check=False)

# Weights in a side file, memory-mapped on import.
ext = model([helper.make_node("MatMul", ["x", "w"], ["h"], name="mm"),
             helper.make_node("Relu", ["h"], ["y"], name="relu")], [x], [y], [w])
if os.path.exists(os.path.join(here, "external_data.bin")):
    os.remove(os.path.join(here, "external_data.bin"))
onnx.save_model(ext, os.path.join(here, "external_data.onnx"), save_as_external_data=True,
                all_tensors_to_one_file=True, location="external_data.bin", size_threshold=0)
bad_ext = model([helper.make_node("MatMul", ["x", "w"], ["h"], name="mm"),
                 helper.make_node("Relu", ["h"], ["y"], name="relu")], [x], [y], [w])
t = bad_ext.graph.initializer[0]
t.ClearField("raw_data")
t.data_location = TensorProto.EXTERNAL
t.external_data.add(key="location", value="../outside.bin")
save(bad_ext, "external_outside.onnx", check=False)
t.external_data[0].value = "missing.bin"
save(bad_ext, "external_missing.onnx", check=False)
t.external_data[0].value = "external_data.bin"
t.external_data.add(key="offset", value="40")
save(bad_ext, "external_short.onnx", check=False)

# Tensors from the typed repeated fields rather than raw_data, and Constant nodes.
typed = [
    helper.make_tensor("f", f32, [2], [1.5, -2.0]),
    helper.make_tensor("d", TensorProto.DOUBLE, [2], [0.25, 8.0]),
    helper.make_tensor("i64", TensorProto.INT64, [3], [1, -2, 3]),
    helper.make_tensor("i8", TensorProto.INT8, [2], [-128, 127]),
    helper.make_tensor("u16", TensorProto.UINT16, [1], [65535]),
    helper.make_tensor("b", TensorProto.BOOL, [2], [True, False]),
    helper.make_tensor("h", TensorProto.FLOAT16, [2], [0.5, -3.0]),
    helper.make_tensor("u64", TensorProto.UINT64, [1], [2**63 + 5]),
]
nodes = [helper.make_node("Identity", [t.name], [t.name + "_out"], name="id_" + t.name) for t in typed]
nodes.append(helper.make_node("Constant", [], ["k"], value_ints=[4, 5], name="k"))
nodes.append(helper.make_node("Identity", ["k"], ["k_out"], name="id_k"))
outs = [helper.make_tensor_value_info(t.name + "_out", t.data_type, list(t.dims)) for t in typed]
outs.append(helper.make_tensor_value_info("k_out", TensorProto.INT64, [2]))
save(model(nodes, [], outs, typed), "typed_fields.onnx")

# Opset 11: Softmax flattens to 2-D, Unsqueeze and ReduceSum take attributes.
legacy = model([helper.make_node("Softmax", ["x3"], ["s"], axis=1, name="softmax"),
                helper.make_node("ReduceSum", ["s"], ["r"], axes=[2], keepdims=0, name="sum"),
                helper.make_node("Unsqueeze", ["r"], ["y"], axes=[0], name="unsqueeze")],
               [helper.make_tensor_value_info("x3", f32, [2, 3, 4])],
               [helper.make_tensor_value_info("y", f32, [1, 2, 3])], opset=11, ir=6)
save(legacy, "opset11_legacy.onnx")

# A model-local function with an attribute reference: y = LeakyRelu(x, alpha=call's slope) + x.
leaky = helper.make_node("LeakyRelu", ["a"], ["t"])
leaky.attribute.append(helper.make_attribute_ref("alpha", TensorProto.FLOAT))
leaky.attribute[0].ref_attr_name = "slope"
fn = helper.make_function(
    "custom", "LeakyResidual", ["a"], ["b"], [leaky, helper.make_node("Add", ["t", "a"], ["b"])],
    [helper.make_opsetid("", 17)], attributes=["slope"])
local = helper.make_model(
    helper.make_graph([helper.make_node("LeakyResidual", ["x"], ["y"], domain="custom", slope=0.25, name="block")], "g",
                      [x], [helper.make_tensor_value_info("y", f32, [2, 3])]),
    opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("custom", 1)], functions=[fn])
local.ir_version = 8
save(local, "local_function.onnx")

# The input's batch is symbolic, but a stale annotation from the trace says 1.
stale = model([helper.make_node("Relu", ["xb"], ["t"], name="relu"), helper.make_node("Neg", ["t"], ["y"], name="neg")],
              [helper.make_tensor_value_info("xb", f32, ["batch", 3])], [helper.make_tensor_value_info("y", f32, ["batch", 3])],
              value_info=[helper.make_tensor_value_info("t", f32, [1, 3])])
save(stale, "stale_annotation.onnx")

# Two overloads of one model-local function (IR 10): qcc cannot tell them apart.
overloads = []
for overload, op in (("relu", "Relu"), ("abs", "Abs")):
    f = helper.make_function("custom", "Act", ["a"], ["b"], [helper.make_node(op, ["a"], ["b"])],
                             [helper.make_opsetid("", 21)])
    f.overload = overload
    overloads.append(f)
call = helper.make_node("Act", ["x"], ["y"], domain="custom", name="act")
call.overload = "abs"
overloaded = helper.make_model(
    helper.make_graph([call], "g", [x], [helper.make_tensor_value_info("y", f32, [2, 3])]),
    opset_imports=[helper.make_opsetid("", 21), helper.make_opsetid("custom", 1)], functions=overloads)
overloaded.ir_version = 10
save(overloaded, "function_overloads.onnx")
