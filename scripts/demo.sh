#!/usr/bin/env bash
# The README's main command, end to end on the embedded example
# (examples/tiny-transformer): import it and run it in float, checked against
# onnxruntime's outputs; compile it to C for this machine (calibrated on its
# sample inputs, quantized w8a8); build the folder with cc; run it; print its
# accuracy and speed against float.
#
# Usage: scripts/demo.sh QCC [OUTDIR]
set -euo pipefail
qcc=$1
out=${2:-.build/demo}
example=examples/tiny-transformer
target=$(scripts/host_target.sh)
runs=200
rm -rf "$out"
mkdir -p "$out/calib"
run() { echo "+ $*"; "$@"; }

echo "== 1. import, run in float, compare with onnxruntime"
run "$qcc" import "$example/model.onnx" -o "$out/imported.qir"
run "$qcc" run "$out/imported.qir" --input "x=$example/x.npy" -o "$out/float" | tee "$out/float.log"
run "$qcc" compare "$out/float/logits.npy" "$example/logits_ref.npy" --tolerance 1e-5
run "$qcc" run "$out/imported.qir" --input "x=$example/x.npy" -o "$out/float" --time $runs | tee "$out/float-time.log"

echo "== 2. calibrate, quantize (w8a8) and emit C for $target"
cp "$example/x.npy" "$out/calib/x.npy"
run "$qcc" "$example/model.onnx" --calib "$out/calib" --target "$target" -o "$out/c"

echo "== 3. build it with cc, run it, compare with onnxruntime"
run make -s -C "$out/c"
run "$out/c/model" "$example/x.npy" -o "$out/int8" --repeat $runs 2>&1 | tee "$out/int8.log"
run "$qcc" compare "$out/int8/logits.npy" "$example/logits_ref.npy" --tolerance 0.05 | tee "$out/compare.log"

float_ms=$(sed -n 's/.*latency: median \([0-9.]*\) ms.*/\1/p' "$out/float-time.log")
int8_ms=$(sed -n 's/.*latency median \([0-9.]*\) ms.*/\1/p' "$out/int8.log")
sqnr=$(awk '$1 == "SQNR" { printf "%.1f", $2 }' "$out/compare.log")
cosine=$(awk '$1 == "cosine" { printf "%.5f", $2 }' "$out/compare.log")
echo
echo "== summary: examples/tiny-transformer, int8 C ($target) against float"
printf '  accuracy  SQNR %s dB, cosine %s against onnxruntime float outputs\n' "$sqnr" "$cosine"
awk -v i="$int8_ms" -v f="$float_ms" \
  'BEGIN { printf "  speed     int8 C %.4f ms per inference, float (qcc interpreter) %.4f ms: %.1fx faster\n", i, f, f / i }'
