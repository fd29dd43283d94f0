#!/usr/bin/env bash
# The C targets on models outside the shared test set: the ONNX backend test
# suite's real models (pytorch-converted, from libonnx-testdata). For each:
#
#   1. a calibration folder: every input_K.pb of test_data_set_0 stacked 8 times
#      as [8, ...shape] in <input name>.npy, sample 0 as given and samples 1-7
#      perturbed (x * (1 + 0.05 * N(0,1)), fixed seed; integer inputs unchanged);
#   2. compiled to a .qprog (the reference: `qcc run` of it on sample 0) and to
#      each C target's folder;
#   3. the folder built the way a user does (`make`, -Wall -Wextra -Werror;
#      arm-neon cross-built with aarch64-linux-gnu-gcc -static and run under
#      qemu-aarch64) and its runner run on sample 0;
#   4. every output compared byte for byte with the reference.
#
# Usage: scripts/check_onnx_models.sh QCC [--targets "x86-avx2 arm-neon"] [--limit N] [MODEL_DIR ...]
# MODEL_DIRs default to $ONNX_MODELS/* (default /usr/share/libonnx-testdata/data/pytorch-converted).
# Prints one line per model: identical, DIFFERENT, FAILED, or `unsupported:
# <first line of the compiler's error>` when qcc refuses the model (an expected
# outcome, not a failure). Exits 1 when an output differs or a compiled
# folder fails to build or run (or the reference run fails).
set -euo pipefail
usage() { echo "usage: $0 QCC [--targets \"x86-avx2 arm-neon\"] [--limit N] [MODEL_DIR ...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
qcc=$1
shift
targets="x86-avx2"
limit=0
while [ $# -gt 0 ]; do
  case $1 in
    --targets) [ $# -ge 2 ] || usage; targets=$2; shift 2 ;;
    --limit) [ $# -ge 2 ] || usage; limit=$2; shift 2 ;;
    -h|--help) usage ;;
    *) break ;;
  esac
done
for t in $targets; do
  case $t in x86-avx2|c|arm-neon) ;; *) echo "unknown target '$t' (x86-avx2, c, arm-neon)" >&2; exit 2 ;; esac
done
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  suite=${ONNX_MODELS:-/usr/share/libonnx-testdata/data/pytorch-converted}
  [ -d "$suite" ] || { echo "no models at $suite (install libonnx-testdata or set ONNX_MODELS)" >&2; exit 2; }
  for d in "$suite"/*/; do models+=("${d%/}"); done
fi
if [ "$limit" -gt 0 ] && [ ${#models[@]} -gt "$limit" ]; then models=("${models[@]:0:$limit}"); fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
strict="-O3 -Wall -Wextra -Werror"
n_identical=0 n_unsupported=0 n_bad=0

# The first line of a compiler log that says what went wrong (else its first line).
first_error() {
  local line
  line=$(grep -m1 -i -E 'error|unsupported|not supported|no kernel|cannot' "$1" || true)
  [ -n "$line" ] || line=$(grep -m1 -v '^[[:space:]]*$' "$1" || true)
  echo "${line:-exit status $2, no message}"
}

# build_and_run M T VARIANT RUNNER-PREFIX...: builds $work/M/T (make variables in $make_args),
# runs its runner on sample 0, compares with the reference. Sets $result to what failed
# or differed (and $failed to 1 for a build or run failure), or leaves it empty.
build_and_run() {
  local w=$1 folder=$1/$2 variant=$3
  shift 3
  if ! make -s -C "$folder" "${make_args[@]}" >"$w/$variant.build.log" 2>&1; then
    sed 's/^/    /' "$w/$variant.build.log" | tail -20
    result="$variant: build failed"; failed=1; return
  fi
  local ordered=() name
  for name in $("$@" "$folder/model" --info | awk '$1 == "input" { print $2 }'); do ordered+=("$w/in/$name.npy"); done
  if ! "$@" "$folder/model" "${ordered[@]}" -o "$w/out-$variant" >"$w/$variant.run.log" 2>&1; then
    sed 's/^/    /' "$w/$variant.run.log" | tail -20
    result="$variant: runner failed"; failed=1; return
  fi
  local f out differ=()
  for f in "$w/ref"/*.npy; do
    out=$(basename "$f")
    cmp -s "$f" "$w/out-$variant/$out" || differ+=("${out%.npy}")
  done
  [ ${#differ[@]} -eq 0 ] || result="$variant: output ${differ[*]}"
}

start=$(date +%s)
for dir in "${models[@]}"; do
  m=$(basename "$dir")
  w=$work/$m
  mkdir -p "$w"
  line=""
  # 1. Calibration folder and sample 0.
  if ! python3 - "$dir" "$w/calib" "$w/in" >"$w/calib.log" 2>&1 <<'PY'
import glob, os, sys
import numpy as np
import onnx
from onnx import numpy_helper
src, calib, first = sys.argv[1:]
model = onnx.load(os.path.join(src, "model.onnx"), load_external_data=False)
inits = {i.name for i in model.graph.initializer}
names = [i.name for i in model.graph.input if i.name not in inits]
pbs = sorted(glob.glob(os.path.join(src, "test_data_set_0", "input_*.pb")),
             key=lambda p: int(p.rsplit("_", 1)[1].split(".")[0]))
if len(pbs) != len(names):
    sys.exit(f"{len(pbs)} input_K.pb for {len(names)} graph inputs")
os.makedirs(calib); os.makedirs(first)
rng = np.random.default_rng(20261126)
for name, pb in zip(names, pbs):
    t = onnx.TensorProto()
    with open(pb, "rb") as f:
        t.ParseFromString(f.read())
    x = numpy_helper.to_array(t)
    if np.issubdtype(x.dtype, np.floating):
        copies = [x] + [(x * (1 + 0.05 * rng.standard_normal(x.shape))).astype(x.dtype) for _ in range(7)]
    else:
        copies = [x] * 8
    np.save(os.path.join(calib, name + ".npy"), np.stack(copies))
    np.save(os.path.join(first, name + ".npy"), x)
PY
  then
    line="FAILED: calibration data: $(tail -1 "$w/calib.log")"
  fi
  # 2. Compile: the .qprog reference and each target's folder. A refusal is "unsupported".
  if [ -z "$line" ]; then
    for t in qprog $targets; do
      if [ "$t" = qprog ]; then o=$w/model.qprog; else o=$w/$t; fi
      rc=0
      "$qcc" "$dir/model.onnx" --calib "$w/calib" --target "$t" -o "$o" >"$w/compile.log" 2>&1 || rc=$?
      if [ $rc -ne 0 ]; then
        line="unsupported: $(first_error "$w/compile.log" $rc)"
        [ "$t" = qprog ] || line="$line (target $t only)"
        break
      fi
    done
  fi
  # 3. The reference.
  if [ -z "$line" ] && ! "$qcc" run "$w/model.qprog" --input "$w/in" -o "$w/ref" >"$w/ref.log" 2>&1; then
    sed 's/^/    /' "$w/ref.log" | tail -20
    line="FAILED: qcc run of the .qprog"
  fi
  if [ -z "$line" ] && ! compgen -G "$w/ref/*.npy" >/dev/null; then line="FAILED: qcc run wrote no outputs"; fi
  # 4. Each target's folder, built and run; outputs compared with the reference.
  if [ -z "$line" ]; then
    failures=()
    failed=0
    for t in $targets; do
      result=""
      case $t in
        x86-avx2|c)
          make_args=(CFLAGS="$strict")
          build_and_run "$w" "$t" "$t"
          ;;
        arm-neon)
          make_args=(CC=aarch64-linux-gnu-gcc CFLAGS="$strict" LDFLAGS=-static)
          build_and_run "$w" "$t" "$t" qemu-aarch64
          ;;
      esac
      [ -z "$result" ] || failures+=("$result")
    done
    if [ ${#failures[@]} -eq 0 ]; then
      line="identical"
    else
      line=$(IFS=';'; echo "${failures[*]}" | sed 's/;/; /g')
      if [ $failed -eq 1 ]; then line="FAILED: $line"; else line="DIFFERENT: $line"; fi
    fi
  fi
  case $line in
    identical) n_identical=$((n_identical + 1)) ;;
    unsupported:*) n_unsupported=$((n_unsupported + 1)) ;;
    *) n_bad=$((n_bad + 1)) ;;
  esac
  printf '%-40s %s\n' "$m" "$line"
  rm -rf "$w"
done
echo "$n_identical identical, $n_unsupported unsupported, $n_bad different/failed" \
  "(${#models[@]} models, targets: $targets, $(( $(date +%s) - start ))s)"
[ "$n_bad" -eq 0 ]
