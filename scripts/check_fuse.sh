#!/usr/bin/env bash
# The fuse pass keeps every bit: runs each shared model's held-out samples
# (`qcc run` on the interpreter, which calls the C kernels) through the default
# pipeline ending in `lower` (nothing fused) and in `lower,fuse`, and compares
# every output byte for byte. PRESET picks the assign preset (default w8a8).
#
# Usage: scripts/check_fuse.sh QCC [MODEL ...]   (models from $QCC_MODELS, default ../shared/models)
set -euo pipefail
qcc=$1
shift
models_dir=${QCC_MODELS:-$(cd "$(dirname "$0")/../.." && pwd)/shared/models}
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(vit minilm llm mamba dit)
pipeline="canonicalize,calibrate,smooth,calibrate{method=mse},assign{preset=${PRESET:-w8a8}},lower"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for m in "${models[@]}"; do
  dir=$models_dir/$m
  [ -f "$dir/model.onnx" ] || { echo "$m: not found at $dir (set QCC_MODELS)"; status=1; continue; }
  if ! "$qcc" run "$dir/model.onnx" --calib "$dir/calib" --passes "$pipeline" --input "$dir/eval" -o "$work/$m-unfused" \
      >"$work/$m.log" 2>&1 ||
    ! "$qcc" run "$dir/model.onnx" --calib "$dir/calib" --passes "$pipeline,fuse" --statistics --input "$dir/eval" \
      -o "$work/$m-fused" >>"$work/$m.log" 2>&1; then
    cat "$work/$m.log"
    echo "$m: FAILED to run"
    status=1
    continue
  fi
  fired=$(grep '^fuse:' "$work/$m.log" | sed 's/^fuse: //' | tr '\n' ' ')
  for f in "$work/$m-unfused"/*.npy; do
    out=$(basename "$f")
    if cmp -s "$f" "$work/$m-fused/$out"; then
      printf '%-8s %-12s identical   (%s)\n' "$m" "${out%.npy}" "$fired"
    else
      printf '%-8s %-12s DIFFERENT   (%s)\n' "$m" "${out%.npy}" "$fired"
      status=1
    fi
  done
done
exit $status
