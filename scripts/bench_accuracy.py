#!/usr/bin/env python3
"""Quantization accuracy: qcc's presets vs onnxruntime's static int8 quantization, same references, same run.

For each model (default: all five shared models), against the same float
references (eval_ref/<output>.npy, onnxruntime fp32 on eval/) and the same
held-out inputs (eval/), calibrating on calib/ only:

- qcc, per preset (default w8a8, w4a16, w4a8): compiles the quantized program
  with the compile command `qcc MODEL --calib calib/ --preset P --target
  qprog` (or, with `--via opt`, `qcc opt MODEL --calib calib/ --passes
  PIPELINE` to a .qir) and runs it on eval/ with `qcc run`; records compile time.
- onnxruntime: `quantize_static` (QDQ, int8 weights per channel, uint8
  activations) with a calibration reader over calib/, once per calibrate
  method (MinMax, Percentile, Entropy), each in its own process so a crash is
  a result, not the end of the run; the quantized model runs on eval/ with one
  thread. The best method (highest output SQNR on eval) is the peer; the
  others and their failures are listed under the table. A method that fails
  is retried once on the model after onnxruntime's `quant_pre_process`
  (`--ort-preprocess fallback`, the default) to show whether preprocessing is
  what it lacks.

Metrics per output, over all eval samples stacked (one function for both
sides): SQNR dB = 10·log10(Σref² / Σ(out−ref)²), cosine of the flattened
tensors, and argmax agreement along the last axis, as `qcc compare` counts
it: top-1 (vit), next token per position (llm, mamba: argmax over the
vocabulary), per-row argmax (minilm: the 384-wide embedding; dit: the last
axis of noise_pred).

Prints one Markdown table, then one PASS/FAIL line per goal, the onnxruntime
methods tried, and the wall time. Progress goes to standard error.

Usage: scripts/bench_accuracy.py [--qcc PATH] [--models DIR] [--presets w8a8,w4a16,w4a8]
                                 [--via opt|qprog] [--json FILE] [MODEL ...]
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

from bench_common import cell, log, short_error

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ["vit", "minilm", "llm", "mamba", "dit"]
PRESETS = ["w8a8", "w4a16", "w4a8"]
ORT_METHODS = ["MinMax", "Percentile", "Entropy"]
PIPELINE = "canonicalize,calibrate,smooth,calibrate{method=mse},assign{preset={preset}},lower"
SEED = 0


# ---------------------------------------------------------------- metrics

def metrics(out, ref):
    """SQNR dB, cosine and argmax agreement (along the last axis) of `out` against `ref`, all samples at once."""
    out = np.asarray(out, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if out.shape != ref.shape:
        raise ValueError(f"shape {list(out.shape)} differs from the reference's {list(ref.shape)}")
    with np.errstate(all="ignore"):
        signal = float(np.sum(ref * ref))
        noise = float(np.sum((out - ref) ** 2))
        sqnr = float("inf") if noise == 0 else 10 * np.log10(signal / noise) if np.isfinite(noise) else float("-inf")
        norms = float(np.sqrt(np.sum(out * out) * signal))
        cosine = float(np.sum(out * ref)) / norms if norms > 0 and np.isfinite(norms) else float("nan")
    agree = float(np.mean(np.argmax(out, axis=-1) == np.argmax(ref, axis=-1)))
    return {"sqnr_db": float(sqnr), "cosine": cosine, "argmax_agree": agree}


def mean_metrics(per_output):
    """One figure per metric for a model: the mean over its outputs (the five models have one output each)."""
    keys = ["sqnr_db", "cosine", "argmax_agree"]
    return {k: float(np.mean([m[k] for m in per_output.values()])) for k in keys}


def score(outputs_dir, model_dir, output_names):
    per_output = {}
    for name in output_names:
        path = os.path.join(outputs_dir, name + ".npy")
        if not os.path.exists(path):
            raise RuntimeError(f"no output '{name}' in {outputs_dir}")
        per_output[name] = metrics(np.load(path), np.load(os.path.join(model_dir, "eval_ref", name + ".npy")))
    return per_output


# ---------------------------------------------------------------- helpers


def run_step(cmd, timeout):
    """Runs a command; returns (seconds, None) or (seconds, error message)."""
    start = time.perf_counter()
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - start, f"{os.path.basename(cmd[0])} {cmd[1]}: timed out after {timeout} s"
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        what = f"{os.path.basename(cmd[0])} {cmd[1] if not cmd[1].endswith('.onnx') else '(compile)'}"
        return elapsed, f"{what} exit {result.returncode}: {short_error(result.stderr or result.stdout, 220, context=3)}"
    return elapsed, None


def output_names(model_dir):
    try:
        with open(os.path.join(model_dir, "meta.json")) as f:
            return list(json.load(f)["outputs"])
    except (OSError, KeyError, ValueError):
        return sorted(f[:-4] for f in os.listdir(os.path.join(model_dir, "eval_ref")) if f.endswith(".npy"))


# ---------------------------------------------------------------- qcc

def qcc_variant(args, via, model_dir, work, preset):
    model = os.path.join(model_dir, "model.onnx")
    calib = os.path.join(model_dir, "calib")
    out_dir = os.path.join(work, f"qcc-{preset}")
    if via == "qprog":
        program = os.path.join(work, f"qcc-{preset}.qprog")
        compile_cmd = [args.qcc, model, "--calib", calib, "--preset", preset, "--target", "qprog", "-o", program]
    else:
        program = os.path.join(work, f"qcc-{preset}.qir")
        compile_cmd = [args.qcc, "opt", model, "--calib", calib, "--passes", args.pipeline.replace("{preset}", preset),
                       "-o", program]
    result = {"variant": f"qcc {preset}", "via": via, "command": " ".join(compile_cmd)}
    for path in (program,):
        if os.path.exists(path):
            os.remove(path)
    result["compile_s"], error = run_step(compile_cmd, args.timeout)
    if error is None:
        result["run_s"], error = run_step([args.qcc, "run", program, "--input", os.path.join(model_dir, "eval"),
                                           "-o", out_dir], args.timeout)
    if error is None:
        try:
            result["outputs"] = score(out_dir, model_dir, output_names(model_dir))
            result.update(mean_metrics(result["outputs"]))
        except Exception as e:  # a missing or misshapen output is a result too
            error = f"scoring: {e}"
    if error is not None:
        result["error"] = error
    return result


# ---------------------------------------------------------------- onnxruntime

def ort_worker(model_dir, method, out_dir, preprocess):
    """Runs in its own process: quantize_static with one calibrate method, then the quantized model on eval/."""
    import onnxruntime as ort
    from ort_quant import quantize_qdq, session_options
    np.random.seed(SEED)
    os.makedirs(out_dir, exist_ok=True)
    timing = {}

    source = os.path.join(model_dir, "model.onnx")
    if preprocess:
        from onnxruntime.quantization.shape_inference import quant_pre_process
        start = time.perf_counter()
        pre = os.path.join(out_dir, "model.pre.onnx")
        quant_pre_process(source, pre)
        source = pre
        timing["preprocess_s"] = time.perf_counter() - start
    quantized = os.path.join(out_dir, "model.int8.onnx")
    options = session_options()
    start = time.perf_counter()
    quantize_qdq(source, quantized, os.path.join(model_dir, "calib"), method)
    timing["quantize_s"] = time.perf_counter() - start
    session = ort.InferenceSession(quantized, options, providers=["CPUExecutionProvider"])
    evals = {i.name: np.load(os.path.join(model_dir, "eval", i.name + ".npy")) for i in session.get_inputs()}
    count = min(len(a) for a in evals.values())
    names = [o.name for o in session.get_outputs()]
    start = time.perf_counter()
    results = [session.run(names, {n: a[i] for n, a in evals.items()}) for i in range(count)]
    timing["run_s"] = time.perf_counter() - start
    for k, name in enumerate(names):
        np.save(os.path.join(out_dir, name + ".npy"), np.stack([r[k] for r in results]))
    return timing


def ort_method(args, model_dir, work, method, preprocess):
    out_dir = os.path.join(work, f"ort-{method}" + ("-pre" if preprocess else ""))
    cmd = [sys.executable, os.path.abspath(__file__), "--ort-worker", model_dir, method, out_dir]
    if preprocess:
        cmd.append("--ort-worker-preprocess")
    result = {"variant": f"ort static {method}", "method": method, "preprocessed": preprocess}
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        result["error"] = f"timed out after {args.timeout} s"
        return result
    result["wall_s"] = time.perf_counter() - start
    report = None
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            report = json.loads(line)
            break
    if proc.returncode != 0 or report is None or "error" in report:
        result["error"] = (report or {}).get("error") or f"exit {proc.returncode}: {short_error(proc.stderr, 220, context=3)}"
        return result
    result.update(report)
    result["compile_s"] = report.get("quantize_s", 0) + report.get("preprocess_s", 0)
    try:
        result["outputs"] = score(out_dir, model_dir, output_names(model_dir))
        result.update(mean_metrics(result["outputs"]))
    except Exception as e:
        result["error"] = f"scoring: {e}"
    return result


def ort_variants(args, model_dir, work):
    tried = []
    for method in args.ort_methods:
        log(f"  ort {method} …")
        r = ort_method(args, model_dir, work, method, args.ort_preprocess == "always")
        if "error" in r and args.ort_preprocess == "fallback":
            log(f"    failed ({r['error']}); retrying after quant_pre_process …")
            retry = ort_method(args, model_dir, work, method, True)
            if "error" in retry:
                r["preprocessed_error"] = retry["error"]
            else:
                retry["raw_error"] = r["error"]
                r = retry
        tried.append(r)
    working = [r for r in tried if "error" not in r]
    best = max(working, key=lambda r: r["sqnr_db"]) if working else None
    return tried, best


# ---------------------------------------------------------------- report

def fmt(value, digits):
    if value is None:
        return "—"
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    return f"{value:.{digits}f}"


def row(model, variant, r, best):
    if "error" in r:
        return f"| {model} | {variant} | failed: {cell(r['error'])} | | | | {fmt(r.get('compile_s'), 2)} |"
    delta = fmt(r["sqnr_db"] - best["sqnr_db"], 1) if best is not None and r is not best else "—"
    if delta != "—" and not delta.startswith("-"):
        delta = "+" + delta
    return (f"| {model} | {variant} | {fmt(r['sqnr_db'], 1)} | {fmt(r['cosine'], 4)} | {fmt(r['argmax_agree'], 3)} "
            f"| {delta} | {fmt(r.get('compile_s'), 2)} |")


def goals(results):
    """One (text, status, detail) per goal of the project's issue, over the models run."""
    lines = []

    def w8a8(name):
        return results[name]["qcc"].get("w8a8")

    names = list(results)
    # (1) SQNR margin over onnxruntime's best static variant.
    if not any(w8a8(n) is not None for n in names):
        lines.append(("(1) qcc w8a8 SQNR ≥ ort static best + 3 dB on every model", "NOT MEASURED", "w8a8 not run"))
    else:
        ok, parts = True, []
        for n in names:
            q, best = w8a8(n), results[n]["ort_best"]
            if q is None or "error" in q:
                ok = False
                parts.append(f"{n} qcc failed")
            elif best is None:
                parts.append(f"{n} ort: no method works")
            else:
                margin = q["sqnr_db"] - best["sqnr_db"]
                ok &= margin >= 3
                parts.append(f"{n} {margin:+.1f}")
        lines.append(("(1) qcc w8a8 SQNR ≥ ort static best + 3 dB on every model", "PASS" if ok else "FAIL",
                      "margins: " + ", ".join(parts)
                      + (f" (only the {len(names)} models run)" if set(names) != set(MODELS) else "")))
    # (2) minilm cosine.
    q = w8a8("minilm") if "minilm" in results else None
    if q is None:
        lines.append(("(2) minilm cosine ≥ 0.995 (qcc w8a8)", "NOT MEASURED", "minilm or w8a8 not run"))
    elif "error" in q:
        lines.append(("(2) minilm cosine ≥ 0.995 (qcc w8a8)", "FAIL", "qcc failed"))
    else:
        lines.append(("(2) minilm cosine ≥ 0.995 (qcc w8a8)", "PASS" if q["cosine"] >= 0.995 else "FAIL",
                      f"cosine {q['cosine']:.4f}"))
    # (3) argmax agreement on vit and dit, against the best agreement of any working ort static method.
    label = "(3) vit and dit argmax agreement ≥ ort's (qcc w8a8 vs the best of ort's working static methods)"
    measured = [n for n in ("vit", "dit") if n in results and w8a8(n) is not None]
    if not measured:
        lines.append((label, "NOT MEASURED", "vit/dit or w8a8 not run"))
    else:
        ok, parts = True, []
        for n in measured:
            q = w8a8(n)
            agrees = [r["argmax_agree"] for r in results[n]["ort"] if "error" not in r]
            if "error" in q:
                ok = False
                parts.append(f"{n} qcc failed")
            elif not agrees:
                parts.append(f"{n} {q['argmax_agree']:.3f} vs ort: no method works")
            else:
                ok &= q["argmax_agree"] >= max(agrees)
                parts.append(f"{n} {q['argmax_agree']:.3f} vs {max(agrees):.3f}")
        if len(measured) < 2:
            parts.append(f"only {measured[0]} run")
        lines.append((label, "PASS" if ok else "FAIL", ", ".join(parts)))
    return lines


def jsonable(value):
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    return value


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "--ort-worker":
        try:
            report = ort_worker(sys.argv[2], sys.argv[3], sys.argv[4], "--ort-worker-preprocess" in sys.argv[5:])
        except Exception as e:
            print(json.dumps({"error": f"{type(e).__name__}: {short_error(str(e), 300) or repr(e)}"}), flush=True)
            sys.exit(1)
        print(json.dumps(report), flush=True)
        return

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qcc", default=os.path.join(ROOT, ".build/release/qcc"))
    parser.add_argument("--models", default=os.environ.get("QCC_MODELS", os.path.join(ROOT, "../shared/models")))
    parser.add_argument("--presets", default=",".join(PRESETS), help="qcc presets, comma-separated (default %(default)s)")
    parser.add_argument("--via", choices=["opt", "qprog"], default="qprog",
                        help="qprog (default): the compiler's own command `qcc MODEL --target qprog`, run on the C runtime; "
                             "opt: `qcc opt --passes PIPELINE` to .qir, run on the interpreter (to try other pipelines)")
    parser.add_argument("--pipeline", default=PIPELINE, help="qcc pipeline for --via opt, {preset} replaced (default %(default)s)")
    parser.add_argument("--ort-methods", default=",".join(ORT_METHODS), help="default %(default)s")
    parser.add_argument("--ort-preprocess", choices=["never", "fallback", "always"], default="fallback",
                        help="run onnxruntime's quant_pre_process first: never, only to retry a failed method (default), always")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per compile, run or ort method")
    parser.add_argument("--work", default=os.path.join(ROOT, ".build/bench-accuracy"), help="folder for programs and outputs")
    parser.add_argument("--json", help="also write every number to this file")
    parser.add_argument("names", nargs="*", default=MODELS, metavar="MODEL")
    args = parser.parse_args()
    args.presets = [p for p in args.presets.split(",") if p]
    args.ort_methods = [m for m in args.ort_methods.split(",") if m]
    np.random.seed(SEED)
    wall_start = time.perf_counter()

    missing = [n for n in args.names if not os.path.isfile(os.path.join(args.models, n, "model.onnx"))]
    if missing:
        sys.exit(f"no shared model {', '.join(missing)} under {os.path.abspath(args.models)}: "
                 "set QCC_MODELS or --models to the models folder")
    import onnxruntime as ort
    if not os.access(args.qcc, os.X_OK):
        sys.exit(f"no qcc at {args.qcc} (build it, or pass --qcc)")
    via = args.via
    note = None
    version = subprocess.run([args.qcc, "--version"], capture_output=True, text=True).stdout.strip()

    print(f"{version} ({via}: "
          + ("`qcc MODEL --calib calib/ --preset P --target qprog`" if via == "qprog" else f"`qcc opt --passes '{args.pipeline}'`")
          + f"), onnxruntime {ort.__version__} quantize_static QDQ per-channel s8 weights / u8 activations, "
            f"methods {', '.join(args.ort_methods)}, preprocess {args.ort_preprocess}; calibration on calib/, "
            f"metrics on eval/ against eval_ref/ (onnxruntime fp32)")
    if note:
        print(f"\nNote: {note}")
    print()
    print("| model | variant | SQNR dB | cosine | argmax agree | Δ SQNR vs ort best | compile s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    sys.stdout.flush()

    results = {}
    for name in args.names:
        model_dir = os.path.join(args.models, name)
        work = os.path.join(args.work, name)
        os.makedirs(work, exist_ok=True)
        entry = {"qcc": {}, "ort": [], "ort_best": None}
        results[name] = entry
        if not os.path.exists(os.path.join(model_dir, "model.onnx")):
            entry["error"] = f"no model at {model_dir}/model.onnx"
            print(f"| {name} | — | failed: {cell(entry['error'])} | | | | |", flush=True)
            continue
        log(f"{name}:")
        entry["ort"], entry["ort_best"] = ort_variants(args, model_dir, work)
        for preset in args.presets:
            log(f"  qcc {preset} …")
            entry["qcc"][preset] = qcc_variant(args, via, model_dir, work, preset)
        best = entry["ort_best"]
        for preset in args.presets:
            print(row(name, f"qcc {preset}", entry["qcc"][preset], best), flush=True)
        if best is not None:
            print(row(name, f"ort static best ({best['method']}{', preprocessed' if best['preprocessed'] else ''})",
                      best, best), flush=True)
        else:
            reasons = "; ".join(f"{r['method']}: {r['error']}" for r in entry["ort"])
            print(f"| {name} | ort static best | failed: every method: {cell(reasons)} | | | | |", flush=True)

    goal_lines = goals(results)
    print()
    for text, status, detail in goal_lines:
        print(f"- **{status}** {text} — {detail}")
    print()
    print("onnxruntime static methods tried (SQNR dB on eval, or why it failed):")
    for name, entry in results.items():
        parts = []
        for r in entry["ort"]:
            if "error" in r:
                extra = (f"; after quant_pre_process: {r['preprocessed_error']}" if "preprocessed_error" in r else "")
                parts.append(f"{r['method']} failed ({r['error']}{extra})")
            else:
                pre = (f", works only after quant_pre_process (raw: {r['raw_error']})" if "raw_error" in r
                       else ", preprocessed" if r["preprocessed"] else "")
                parts.append(f"{r['method']} {r['sqnr_db']:.1f} dB{pre}, quantize {r['quantize_s']:.1f} s")
        if parts:
            print(f"- {name}: " + "; ".join(parts))
    wall = time.perf_counter() - wall_start
    qcc_compile = sum(r.get("compile_s", 0) for e in results.values() for r in e["qcc"].values())
    qcc_run = sum(r.get("run_s", 0) for e in results.values() for r in e["qcc"].values())
    ort_total = sum(r.get("wall_s", 0) for e in results.values() for r in e["ort"])
    print(f"\nwall time {wall:.0f} s: qcc compile {qcc_compile:.0f} s + run {qcc_run:.0f} s, "
          f"onnxruntime quantize + run {ort_total:.0f} s (processes included)")

    if args.json:
        with open(args.json, "w") as f:
            json.dump(jsonable({
                "qcc": version, "via": via, "via_note": note, "pipeline": args.pipeline if via == "opt" else None,
                "onnxruntime": ort.__version__, "presets": args.presets, "ort_methods": args.ort_methods,
                "ort_preprocess": args.ort_preprocess, "models_dir": os.path.abspath(args.models),
                "models": results,
                "goals": [{"goal": t, "status": s, "detail": d} for t, s, d in goal_lines],
                "wall_s": wall, "qcc_compile_s": qcc_compile, "qcc_run_s": qcc_run, "ort_s": ort_total,
            }), f, indent=1)


if __name__ == "__main__":
    main()
