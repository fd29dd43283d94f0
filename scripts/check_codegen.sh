#!/usr/bin/env bash
# Bit-exactness of the C targets: compiles each shared model once to a .qprog
# (the reference: `qcc run` of it) and to each C target's folder, builds the
# folder the way a user does (`make`, with -std=c99 -Wall -Wextra -Werror), runs
# its runner on the first held-out sample, and compares the outputs byte for
# byte with `qcc run`'s.
#
#   x86-avx2, c         built natively with $CC (default cc; CCS="gcc clang" builds with each)
#   arm-neon            cross-built with aarch64-linux-gnu-gcc -static, run under qemu-aarch64,
#                       twice: -march=armv8-a (NEON) and -march=armv8.2-a+dotprod (sdot)
#   sanitize            x86-avx2 built with -fsanitize=address,undefined, run natively
#
# Usage: scripts/check_codegen.sh QCC [--targets "x86-avx2 c arm-neon sanitize"] [MODEL ...]
# Models come from $QCC_MODELS (default ../shared/models). Prints one line per
# model, target and output; exits 1 when any differs or fails.
set -euo pipefail
qcc=$1
shift
targets="x86-avx2 c arm-neon sanitize"
if [ "${1:-}" = "--targets" ]; then targets=$2; shift 2; fi
models_dir=${QCC_MODELS:-$(cd "$(dirname "$0")/../.." && pwd)/shared/models}
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(vit minilm llm mamba dit)
ccs=${CCS:-${CC:-cc}}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
strict="-O3 -Wall -Wextra -Werror"
status=0

report() { printf '%-8s %-22s %-10s %s\n' "$1" "$2" "$3" "$4"; }

# build FOLDER VARIANT MAKE-ARGS...: a copy of the folder built with the given make variables.
build() {
  local folder=$1 variant=$2
  shift 2
  rm -rf "$folder-$variant"
  cp -r "$folder" "$folder-$variant"
  make -s -C "$folder-$variant" "$@" >"$folder-$variant.build.log" 2>&1 || { cat "$folder-$variant.build.log"; return 1; }
}

# run MODEL VARIANT RUNNER-PREFIX...: runs the variant's runner on the inputs, compares with the reference.
run_and_compare() {
  local m=$1 variant=$2
  shift 2
  local folder=$work/$m-c-$variant
  local ordered=()
  for name in $("$@" "$folder/model" --info | awk '$1 == "input" { print $2 }'); do ordered+=("$work/$m-in/$name.npy"); done
  if ! "$@" "$folder/model" "${ordered[@]}" -o "$work/$m-out-$variant" >"$work/$m-$variant.run.log" 2>&1; then
    cat "$work/$m-$variant.run.log"
    report "$m" "$variant" "-" "FAILED to run"
    status=1
    return
  fi
  for f in "$work/$m-ref"/*.npy; do
    local out
    out=$(basename "$f")
    if cmp -s "$f" "$work/$m-out-$variant/$out"; then
      report "$m" "$variant" "${out%.npy}" "identical to qcc run"
    else
      report "$m" "$variant" "${out%.npy}" "DIFFERENT"
      status=1
    fi
  done
}

report model target output result
for m in "${models[@]}"; do
  dir=$models_dir/$m
  [ -f "$dir/model.onnx" ] || { echo "$m: not found at $dir (set QCC_MODELS)"; status=1; continue; }
  "$qcc" "$dir/model.onnx" --calib "$dir/calib" --target qprog -o "$work/$m.qprog" 2>"$work/$m.log" \
    || { cat "$work/$m.log"; status=1; continue; }
  python3 - "$dir/eval" "$work/$m-in" <<'PY'
import os, sys, numpy as np
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
for f in sorted(os.listdir(src)):
    np.save(os.path.join(dst, f), np.load(os.path.join(src, f))[0])
PY
  "$qcc" run "$work/$m.qprog" --input "$work/$m-in" -o "$work/$m-ref" >/dev/null
  for t in $targets; do
    case $t in
      x86-avx2|c)
        "$qcc" "$dir/model.onnx" --calib "$dir/calib" --target "$t" -o "$work/$m-c" 2>"$work/$m.log" \
          || { cat "$work/$m.log"; status=1; continue; }
        for cc in $ccs; do
          variant=$t-$cc
          build "$work/$m-c" "$variant" CC="$cc" CFLAGS="$strict" || { report "$m" "$variant" - "BUILD FAILED"; status=1; continue; }
          run_and_compare "$m" "$variant"
        done
        ;;
      arm-neon)
        "$qcc" "$dir/model.onnx" --calib "$dir/calib" --target arm-neon -o "$work/$m-c" 2>"$work/$m.log" \
          || { cat "$work/$m.log"; status=1; continue; }
        for arch in armv8-a armv8.2-a+dotprod; do
          if [ "$arch" = armv8-a ]; then variant=arm-neon; else variant=arm-neon-dotprod; fi
          build "$work/$m-c" "$variant" CC=aarch64-linux-gnu-gcc CFLAGS="$strict" ARCH="-march=$arch" LDFLAGS=-static \
            || { report "$m" "$variant" - "BUILD FAILED"; status=1; continue; }
          run_and_compare "$m" "$variant" qemu-aarch64
        done
        ;;
      sanitize)
        "$qcc" "$dir/model.onnx" --calib "$dir/calib" --target x86-avx2 -o "$work/$m-c" 2>"$work/$m.log" \
          || { cat "$work/$m.log"; status=1; continue; }
        build "$work/$m-c" sanitize CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
          || { report "$m" sanitize - "BUILD FAILED"; status=1; continue; }
        ASAN_OPTIONS=detect_leaks=0 run_and_compare "$m" sanitize
        ;;
      *) echo "unknown target '$t'"; exit 2 ;;
    esac
  done
done
exit $status
