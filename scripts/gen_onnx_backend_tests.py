#!/usr/bin/env python3
"""Writes the ONNX backend node tests of the installed onnx package as test data.

Debian's libonnx-testdata is onnx 1.12 (opsets up to 17); the pip package
(scripts/requirements.txt) carries the node tests of newer opsets as Python
code but no data, and its `backend-test-tools generate-data` writes only the
model tests. This script runs the node test cases (numpy, seeded per case by
onnx, so the output is the same on every run) and writes them in the layout
`qcc conformance --suite DIR --folder node` reads:

    DIR/node/<test>/model.onnx
    DIR/node/<test>/test_data_set_0/input_<i>.pb, output_<i>.pb

DIR/node is replaced as a whole, so tests a newer onnx dropped do not linger.

Usage: scripts/gen_onnx_backend_tests.py -o DIR
"""
import argparse
import os
import shutil
import sys
import time
import warnings


def serialize(value, type_proto, name):
    from onnx import TensorProto, numpy_helper

    if type_proto.HasField("map_type"):
        return numpy_helper.from_dict(value, name)
    if type_proto.HasField("sequence_type"):
        return numpy_helper.from_list(value, name)
    if type_proto.HasField("optional_type"):
        return numpy_helper.from_optional(value, name)
    if isinstance(value, TensorProto):
        return value
    return numpy_helper.from_array(value, name)


def write_case(case, root):
    folder = os.path.join(root, case.name)
    os.makedirs(folder)
    with open(os.path.join(folder, "model.onnx"), "wb") as f:
        f.write(case.model.SerializeToString())
    graph = case.model.graph
    for k, (inputs, outputs) in enumerate(case.data_sets):
        data = os.path.join(folder, f"test_data_set_{k}")
        os.makedirs(data)
        for kind, values, infos in (("input", inputs, graph.input), ("output", outputs, graph.output)):
            for i, value in enumerate(values):
                proto = serialize(value, infos[i].type, infos[i].name)
                with open(os.path.join(data, f"{kind}_{i}.pb"), "wb") as f:
                    f.write(proto.SerializeToString())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", required=True, help="suite root; the tests go to OUTPUT/node")
    args = parser.parse_args()
    try:
        import onnx
        import onnx.backend.test.case.node as node_tests
    except ImportError as e:
        sys.exit(f"gen_onnx_backend_tests.py: the onnx package is missing ({e}); pip install -r scripts/requirements.txt")

    start = time.monotonic()
    with warnings.catch_warnings():
        # Some cases divide by zero or take logs of negatives on purpose.
        warnings.simplefilter("ignore")
        cases = node_tests.collect_testcases()
    root = os.path.join(args.output, "node")
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(root)
    for case in sorted(cases, key=lambda c: c.name):
        write_case(case, root)
    with open(os.path.join(args.output, "ONNX_VERSION"), "w") as f:
        f.write(f"{onnx.__version__}\n")
    print(f"{len(cases)} onnx {onnx.__version__} node tests (opsets up to {onnx.defs.onnx_opset_version()}) "
          f"in {root} ({time.monotonic() - start:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
