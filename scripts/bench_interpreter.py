#!/usr/bin/env python3
"""Float reference interpreter vs onnxruntime fp32, one thread, same machine, same run.

For each model, times `qcc run --time N` (the interpreter on the first held-out
sample, after warm-up) and onnxruntime's CPU provider with one intra-op and one
inter-op thread on the same input, and prints a Markdown table of median
latencies and their ratio. Also times import + canonicalize (`qcc opt`).

Usage: scripts/bench_interpreter.py [--qcc PATH] [--models DIR] [--runs N] [MODEL ...]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ort_latency(model_dir, runs):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(os.path.join(model_dir, "model.onnx"), options, providers=["CPUExecutionProvider"])
    feeds = {i.name: np.load(os.path.join(model_dir, "eval", i.name + ".npy"))[0] for i in session.get_inputs()}
    for _ in range(2):
        session.run(None, feeds)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        session.run(None, feeds)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def qcc_latency(qcc, model_dir, runs, out_dir):
    result = subprocess.run(
        [qcc, "run", os.path.join(model_dir, "model.onnx"), "--passes", "canonicalize", "--input",
         os.path.join(model_dir, "eval"), "-o", out_dir, "--time", str(runs)],
        check=True, capture_output=True, text=True)
    match = re.search(r"latency: median ([0-9.]+) ms", result.stdout)
    if not match:
        sys.exit(f"could not read the latency from qcc's output:\n{result.stdout}")
    return float(match.group(1))


def compile_time(qcc, model_dir, out_dir):
    start = time.perf_counter()
    subprocess.run([qcc, "opt", os.path.join(model_dir, "model.onnx"), "--passes", "canonicalize", "--elide-constants",
                    "-o", os.path.join(out_dir, "canonical.qir")], check=True, capture_output=True)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qcc", default=os.path.join(ROOT, ".build/release/qcc"))
    parser.add_argument("--models", default=os.environ.get("QCC_MODELS", os.path.join(ROOT, "../shared/models")))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("names", nargs="*", default=["vit", "minilm", "llm", "mamba", "dit"])
    args = parser.parse_args()

    missing = [n for n in args.names if not os.path.isfile(os.path.join(args.models, n, "model.onnx"))]
    if missing:
        sys.exit(f"no shared model {', '.join(missing)} under {os.path.abspath(args.models)}: "
                 "set QCC_MODELS or --models to the models folder")
    out_dir = os.path.join(ROOT, ".build/bench")
    os.makedirs(out_dir, exist_ok=True)
    print(f"onnxruntime {ort.__version__}, {args.runs} timed runs each, 1 thread, median latency\n")
    print("| model | qcc interpreter ms | onnxruntime fp32 ms | qcc / ort | import + canonicalize s |")
    print("|---|---:|---:|---:|---:|")
    for name in args.names:
        model_dir = os.path.join(args.models, name)
        q = qcc_latency(args.qcc, model_dir, args.runs, os.path.join(out_dir, name))
        o = ort_latency(model_dir, args.runs)
        c = compile_time(args.qcc, model_dir, out_dir)
        print(f"| {name} | {q:.2f} | {o:.2f} | {q / o:.2f} | {c:.2f} |", flush=True)


if __name__ == "__main__":
    main()
