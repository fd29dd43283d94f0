#!/usr/bin/env bash
# Compiles each shared model to a .qprog and runs it two ways: `qcc run` on the
# host and the standalone C runner a device builds (targets/runtime/tools/qprog_run.c,
# built with plain `cc`). Both must write byte-identical outputs. (That they
# equal the interpreter's run of the lowered module is Tests/TargetsTests.)
#
# Usage: scripts/check_qprog.sh QCC RUNNER [MODEL ...]   (models from $QCC_MODELS, default ../shared/models)
set -euo pipefail
qcc=$1 runner=$2
shift 2
models_dir=${QCC_MODELS:-$(cd "$(dirname "$0")/../.." && pwd)/shared/models}
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(vit minilm llm mamba dit)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
printf '%-8s %-10s %8s %10s  %s\n' model output calls size result
for m in "${models[@]}"; do
  dir=$models_dir/$m
  [ -f "$dir/model.onnx" ] || { echo "$m: not found at $dir (set QCC_MODELS)"; status=1; continue; }
  "$qcc" "$dir/model.onnx" --calib "$dir/calib" --target qprog -o "$work/$m.qprog" 2>"$work/$m.log" \
    || { cat "$work/$m.log"; status=1; continue; }
  calls=$(sed -n 's/^  calls *\([0-9]*\):.*/\1/p' "$work/$m.log")
  size=$(sed -n 's/.*→ .* (\([0-9.]* [KM]iB\))$/\1/p' "$work/$m.log")
  # One .npy per input: the first eval sample.
  python3 - "$dir/eval" "$work/$m-in" <<'PY'
import os, sys, numpy as np
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
for f in sorted(os.listdir(src)):
    np.save(os.path.join(dst, f), np.load(os.path.join(src, f))[0])
PY
  "$qcc" run "$work/$m.qprog" --input "$work/$m-in" -o "$work/$m-host" >/dev/null
  # The runner takes inputs in the program's order: ask the program.
  ordered=()
  for name in $("$runner" "$work/$m.qprog" --info | awk '$1 == "input" { print $2 }'); do ordered+=("$work/$m-in/$name.npy"); done
  "$runner" "$work/$m.qprog" "${ordered[@]}" -o "$work/$m-device" >/dev/null
  for f in "$work/$m-host"/*.npy; do
    out=$(basename "$f")
    if cmp -s "$f" "$work/$m-device/$out"; then
      printf '%-8s %-10s %8s %10s  %s\n' "$m" "${out%.npy}" "$calls" "$size" "identical (qcc run, C runner)"
    else
      printf '%-8s %-10s %8s %10s  %s\n' "$m" "${out%.npy}" "$calls" "$size" "DIFFERENT"
      status=1
    fi
  done
done
exit $status
