#!/usr/bin/env bash
# Fusion is bit-identical: runs each shared model through the default
# pipeline without its `fuse` pass and with it, on every held-out sample
# (eval/), on qcc's interpreter (whose quantized ops run the C kernels), and
# compares every output byte for byte. Prints one line per model and output
# with the pass's statistics (which patterns fired, how often); exits 1 when
# any output differs or a run fails.
#
# Usage: scripts/check_fusion.sh QCC [MODEL ...]
# Models come from $QCC_MODELS (default ../shared/models).
set -euo pipefail
qcc=$1
shift
models_dir=${QCC_MODELS:-$(cd "$(dirname "$0")/../.." && pwd)/shared/models}
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(vit minilm llm mamba dit)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unfused='canonicalize,calibrate,smooth,calibrate{method=mse},assign{preset=w8a8},lower'
status=0
for m in "${models[@]}"; do
  dir=$models_dir/$m
  mkdir -p "$work/$m"
  common=(--calib "$dir/calib" --input "$dir/eval")
  if ! "$qcc" run "$dir/model.onnx" "${common[@]}" --passes "$unfused" -o "$work/$m/unfused" >"$work/$m.log" 2>&1 ||
    ! "$qcc" run "$dir/model.onnx" "${common[@]}" --passes "$unfused,fuse" --statistics -o "$work/$m/fused" >>"$work/$m.log" 2>&1; then
    cat "$work/$m.log"
    echo "$m: FAILED"
    status=1
    continue
  fi
  fired=$(grep -o 'fuse: [a-z-]* = [0-9]*' "$work/$m.log" | sed 's/fuse: //; s/ = / /' | paste -sd, - | sed 's/,/, /g' || true)
  for out in "$work/$m/unfused"/*.npy; do
    name=$(basename "$out")
    if cmp -s "$out" "$work/$m/fused/$name"; then
      printf '%-8s %-16s identical   (%s)\n' "$m" "$name" "${fired:-nothing fused}"
    else
      printf '%-8s %-16s DIFFERENT   (%s)\n' "$m" "$name" "${fired:-nothing fused}"
      status=1
    fi
  done
done
exit $status
