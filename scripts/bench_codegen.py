#!/usr/bin/env python3
"""Speed of qcc's C targets against onnxruntime fp32 and int8, one thread, same machine, same run.

For each model (default: all five shared models), on its first held-out
sample (eval/<input>.npy[0]):

- qcc, per target (default x86-avx2): `qcc MODEL --calib calib/ --target T -o
  DIR`, `make -C DIR` with the folder's own Makefile defaults (CC, CFLAGS,
  ARCH, LDFLAGS, LDLIBS and MAKEFLAGS are removed from make's environment),
  then the runner `DIR/model IN.npy ... -o OUT --repeat N`: one warm-up run,
  N timed runs, its median.
- onnxruntime fp32: the model as given, CPU provider, one intra-op and one
  inter-op thread, sequential execution, graph optimizations ORT_ENABLE_ALL;
  warm-up runs, then N timed `session.run` calls, their median.
- onnxruntime int8: `quantize_static` (QDQ, per-channel int8 weights, uint8
  activations; scripts/ort_quant.py, the same function bench_accuracy.py uses),
  calibrated on calib/ with MinMax (`--ort-method`), timed like fp32.

Each onnxruntime measurement runs in its own process, so a crash is a failed
row, not the end of the run. Speedups are ort ms / qcc ms (above 1: qcc is
faster). Prints a short header (machine, versions, commands) and one Markdown
table per target; progress goes to standard error. A model that fails (qcc,
make, the runner or onnxruntime) gets the error in its row; the script goes
on and exits 1 at the end. Everything is built in a temporary folder that is
removed at the end; nothing is cached between runs.

Usage: scripts/bench_codegen.py [--qcc PATH] [--models DIR] [--runs N] [--targets x86-avx2,c]
                                [--ort-method MinMax] [MODEL ...]
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from bench_common import cell, log, short_error

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ["vit", "minilm", "llm", "mamba", "dit"]
ORT_WARMUP = 2
# Environment variables that would override the generated Makefile's defaults (`CFLAGS ?= ...`).
MAKE_ENV_OVERRIDES = ["CC", "CFLAGS", "ARCH", "LDFLAGS", "LDLIBS", "CPPFLAGS", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"]


class StepError(Exception):
    pass


def run(cmd, what, timeout, env=None):
    """Runs a command; returns the CompletedProcess, or raises StepError saying what failed."""
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise StepError(f"{what}: timed out after {timeout} s")
    except OSError as e:
        raise StepError(f"{what}: {e.strerror or e}")
    if result.returncode != 0:
        code = result.returncode
        status = f"signal {-code}" if code < 0 else f"exit {code}"
        raise StepError(f"{what} {status}: {short_error(result.stderr + result.stdout)}")
    return result


def first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        lines = (out.stdout or out.stderr).strip().splitlines()
        return lines[0] if lines else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average():
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


# ---------------------------------------------------------------- inputs

def write_inputs(model_dir, in_dir):
    """Sample 0 of each eval/<input>.npy, saved as in_dir/<input>.npy; returns {name: path}."""
    os.makedirs(in_dir, exist_ok=True)
    eval_dir = os.path.join(model_dir, "eval")
    paths = {}
    for f in sorted(os.listdir(eval_dir)):
        if f.endswith(".npy"):
            paths[f[:-4]] = os.path.join(in_dir, f)
            np.save(paths[f[:-4]], np.load(os.path.join(eval_dir, f))[0])
    if not paths:
        raise StepError(f"no eval/<input>.npy in {model_dir}")
    return paths


# ---------------------------------------------------------------- qcc

def make_env():
    env = dict(os.environ)
    for name in MAKE_ENV_OVERRIDES:
        env.pop(name, None)
    return env


def qcc_latency(args, model_dir, target, inputs, work):
    """Compiles, builds and times one C target; returns the runner's median ms."""
    folder = os.path.join(work, f"c-{target}")
    run([args.qcc, os.path.join(model_dir, "model.onnx"), "--calib", os.path.join(model_dir, "calib"),
         "--target", target, "-o", folder], "qcc (compile)", args.timeout)
    run(["make", "-C", folder], "make", args.timeout, env=make_env())
    runner = os.path.join(folder, "model")
    info = run([runner, "--info"], "model --info", 60).stdout
    names = [line.split()[1] for line in info.splitlines() if line.startswith("input ")]
    missing = [n for n in names if n not in inputs]
    if missing:
        raise StepError(f"no eval/{missing[0]}.npy for the runner's input '{missing[0]}'")
    result = run([runner] + [inputs[n] for n in names] + ["-o", os.path.join(work, f"out-{target}"),
                                                          "--repeat", str(args.runs)],
                 "model --repeat", args.timeout)
    match = re.search(r"latency median ([0-9.]+) ms", result.stderr)
    if not match:
        raise StepError(f"no latency in the runner's output: {short_error(result.stderr)}")
    return float(match.group(1))


# ---------------------------------------------------------------- onnxruntime

def ort_worker(variant, model_dir, in_dir, work, runs, method):
    """Runs in its own process: times onnxruntime on the inputs in in_dir; returns a report."""
    import onnxruntime as ort
    from ort_quant import quantize_qdq, session_options
    report = {}
    model = os.path.join(model_dir, "model.onnx")
    if variant == "int8":
        quantized = os.path.join(work, "model.int8.onnx")
        start = time.perf_counter()
        quantize_qdq(model, quantized, os.path.join(model_dir, "calib"), method)
        report["quantize_s"] = time.perf_counter() - start
        model = quantized
    session = ort.InferenceSession(model, session_options(), providers=["CPUExecutionProvider"])
    feeds = {}
    for i in session.get_inputs():
        path = os.path.join(in_dir, i.name + ".npy")
        if not os.path.exists(path):
            raise RuntimeError(f"no eval/{i.name}.npy for the model's input '{i.name}'")
        feeds[i.name] = np.load(path)
    for _ in range(ORT_WARMUP):
        session.run(None, feeds)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        session.run(None, feeds)
        times.append((time.perf_counter() - start) * 1e3)
    report["median_ms"] = statistics.median(times)
    report["min_ms"] = min(times)
    return report


def ort_latency(args, variant, model_dir, in_dir, work):
    """One onnxruntime measurement in its own process; returns the median ms."""
    cmd = [sys.executable, os.path.abspath(__file__), "--ort-worker", variant, model_dir, in_dir, work,
           str(args.runs), args.ort_method]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        raise StepError(f"onnxruntime {variant}: timed out after {args.timeout} s")
    report = None
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            report = json.loads(line)
            break
    if proc.returncode != 0 or report is None or "error" in report:
        code = proc.returncode
        detail = (report or {}).get("error") or (f"signal {-code}" if code < 0 else f"exit {code}") + \
            f": {short_error(proc.stderr)}"
        raise StepError(f"onnxruntime {variant}: {detail}")
    return report


# ---------------------------------------------------------------- report


def ms(value):
    return f"{value:.2f}" if isinstance(value, float) else f"failed: {cell(value)}"


def ratio(ort_value, qcc_value):
    if isinstance(ort_value, float) and isinstance(qcc_value, float) and qcc_value > 0:
        return f"{ort_value / qcc_value:.2f}"
    return "—"


def measure(args, name, work_root):
    """Every latency of one model: {'qcc': {target: ms or error}, 'fp32': ms or error, 'int8': ms or error}."""
    model_dir = os.path.join(args.models, name)
    work = os.path.join(work_root, name)
    os.makedirs(work)
    entry = {"qcc": {}}
    try:
        inputs = write_inputs(model_dir, os.path.join(work, "in"))
    except (StepError, OSError, ValueError, IndexError) as e:
        error = f"inputs: {e}"
        entry["qcc"] = {t: error for t in args.targets}
        entry["fp32"] = entry["int8"] = error
        return entry
    for target in args.targets:
        log(f"  qcc {target} …")
        start = time.perf_counter()
        try:
            entry["qcc"][target] = qcc_latency(args, model_dir, target, inputs, work)
        except StepError as e:
            entry["qcc"][target] = str(e)
            log(f"    failed: {e}")
        log(f"    {time.perf_counter() - start:.1f} s")
        shutil.rmtree(os.path.join(work, f"c-{target}"), ignore_errors=True)
    for variant in ("fp32", "int8"):
        log(f"  onnxruntime {variant} …")
        start = time.perf_counter()
        try:
            report = ort_latency(args, variant, model_dir, os.path.join(work, "in"), work)
            entry[variant] = report["median_ms"]
            if "quantize_s" in report:
                entry["quantize_s"] = report["quantize_s"]
        except StepError as e:
            entry[variant] = str(e)
            log(f"    failed: {e}")
        log(f"    {time.perf_counter() - start:.1f} s")
    return entry


def print_table(target, names, results):
    print(f"| model | qcc {target} ms | ort fp32 ms | ort int8 (static QDQ) ms | speedup vs fp32 | speedup vs int8 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in names:
        e = results[name]
        q = e["qcc"][target]
        print(f"| {name} | {ms(q)} | {ms(e['fp32'])} | {ms(e['int8'])} | {ratio(e['fp32'], q)} | {ratio(e['int8'], q)} |")


def main():
    if len(sys.argv) == 8 and sys.argv[1] == "--ort-worker":
        try:
            report = ort_worker(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]), sys.argv[7])
        except Exception as e:
            print(json.dumps({"error": f"{type(e).__name__}: {short_error(str(e), 300) or repr(e)}"}), flush=True)
            sys.exit(1)
        print(json.dumps(report), flush=True)
        return

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qcc", default=os.path.join(ROOT, ".build/release/qcc"))
    parser.add_argument("--models", default=os.environ.get("QCC_MODELS", os.path.join(ROOT, "../shared/models")))
    parser.add_argument("--runs", type=int, default=50, help="timed runs per measurement, after warm-up (default %(default)s)")
    parser.add_argument("--targets", default="x86-avx2", help="qcc C targets, comma-separated, one table each (default %(default)s)")
    parser.add_argument("--ort-method", default="MinMax", choices=["MinMax", "Percentile", "Entropy"],
                        help="calibration method of onnxruntime's int8 model (default %(default)s)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per step (compile, make, run, each onnxruntime measurement)")
    parser.add_argument("names", nargs="*", default=MODELS, metavar="MODEL")
    args = parser.parse_args()
    args.targets = [t for t in args.targets.split(",") if t]
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not args.targets:
        parser.error("--targets names no target")

    missing = [n for n in args.names if not os.path.isfile(os.path.join(args.models, n, "model.onnx"))]
    if missing:
        sys.exit(f"no shared model {', '.join(missing)} under {os.path.abspath(args.models)} (no model.onnx there): "
                 "set QCC_MODELS or --models to the models folder")
    if not (os.path.isfile(args.qcc) and os.access(args.qcc, os.X_OK)):
        sys.exit(f"no qcc at {args.qcc} (build it with `swift build -c release`, or pass --qcc)")
    if shutil.which("make") is None:
        sys.exit("no `make` on PATH: the C targets are built with their Makefile")
    try:
        import onnxruntime as ort
        import onnxruntime.quantization  # noqa: F401
    except ImportError as e:
        sys.exit(f"onnxruntime is not importable ({e}): pip install -r scripts/requirements.txt")
    args.qcc = os.path.abspath(args.qcc)
    args.models = os.path.abspath(args.models)

    wall_start = time.perf_counter()
    work_root = tempfile.mkdtemp(prefix="qcc-bench-codegen-")
    try:
        sys.exit(bench(args, ort, work_root, wall_start))
    finally:
        shutil.rmtree(work_root, ignore_errors=True)


def bench(args, ort, work_root, wall_start):
    """Prints the header and the tables; returns the exit status."""
    # Every model is compiled by the same qcc: a copy taken now, in case the binary is rebuilt during the run.
    qcc_path = args.qcc
    with open(qcc_path, "rb") as f:
        qcc_sha = hashlib.sha256(f.read()).hexdigest()[:12]
    qcc_mtime = datetime.datetime.fromtimestamp(os.path.getmtime(qcc_path)).strftime("%Y-%m-%d %H:%M:%S")
    args.qcc = os.path.join(work_root, "qcc")
    shutil.copy2(qcc_path, args.qcc)
    qcc_version = first_line([args.qcc, "--version"])
    cc_version = first_line(["cc", "--version"])
    q = shlex.quote
    models = q(args.models)
    print(f"Machine: {cpu_model()}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.machine()}.  ")
    print(f"qcc: {qcc_version}, {qcc_path} (sha256 {qcc_sha}…, modified {qcc_mtime}; copied at the start, so every "
          f"model uses this binary).  ")
    print(f"C compiler `cc`: {cc_version}. onnxruntime {ort.__version__} (CPUExecutionProvider), numpy {np.__version__}.")
    print()
    print(f"One thread everywhere; every number is the median of {args.runs} timed runs after warm-up, "
          f"on sample 0 of eval/ (eval/<input>.npy[0]), all measured in this run.")
    print()
    print(f"- qcc: `{q(qcc_path)} {models}/M/model.onnx --calib {models}/M/calib --target T -o DIR && make -C DIR && "
          f"DIR/model IN.npy… -o OUT --repeat {args.runs}` (the folder's default Makefile flags, CC/CFLAGS/ARCH "
          f"not overridden; the runner times `model_run` only: 1 warm-up, then {args.runs} runs)")
    print(f"- onnxruntime fp32: `{models}/M/model.onnx`, intra_op_num_threads=1, inter_op_num_threads=1, "
          f"ORT_SEQUENTIAL, graph optimizations ORT_ENABLE_ALL; {ORT_WARMUP} warm-up runs, then {args.runs} "
          f"`session.run` calls timed with perf_counter (Python call overhead included)")
    print(f"- onnxruntime int8: `quantize_static` QDQ, per-channel int8 weights, uint8 activations, "
          f"calibrate_method={args.ort_method} on the 32 calib/ samples (scripts/ort_quant.py, as in "
          f"bench_accuracy.py), same session options and timing as fp32")
    print("- speedup = ort ms / qcc ms (above 1: qcc is faster)")
    sys.stdout.flush()

    load_start = load_average()
    results = {}
    for name in args.names:
        log(f"{name}:")
        results[name] = measure(args, name, work_root)

    for target in args.targets:
        print()
        print_table(target, args.names, results)
    failed = sum(1 for e in results.values() for v in [*e["qcc"].values(), e["fp32"], e["int8"]]
                 if not isinstance(v, float))
    quantize = ", ".join(f"{n} {e['quantize_s']:.1f} s" for n, e in results.items() if "quantize_s" in e)
    print()
    if quantize:
        print(f"onnxruntime quantize_static ({args.ort_method}) time: {quantize}.")
    print(f"1-minute load average {load_start} at the start, {load_average()} at the end "
          f"({os.cpu_count()} CPUs; above ~1 other processes shared the machine and the numbers are noisier).")
    print(f"Wall time {time.perf_counter() - wall_start:.0f} s"
          + (f"; {failed} measurement{'s' if failed != 1 else ''} failed." if failed else "."))
    return 1 if failed else 0


if __name__ == "__main__":
    main()
