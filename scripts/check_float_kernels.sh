#!/bin/bash
# The f32 kernels (and the quantize / dequantize / requantize conversions) of the working tree against those
# of a git revision, bit for bit.
#
#   scripts/check_float_kernels.sh [--rev REV] [--configs "NAME..."] [--stride S] [--dense-step D] [--keep DIR]
#
# Builds targets/runtime/tools/float_kernels_test.c twice per configuration
# (compiler, flags, instruction set), once with the kernel sources of REV
# (default HEAD) and once with the working tree's, runs both (the aarch64
# builds under qemu-aarch64) and compares their digests case by case:
# - the canonical digests (NaNs made equal) must match for every case,
# - the exact digests (every bit) must match for the elementwise cases (each
#   output depends on one input, so a NaN out is that input's NaN), Where and
#   the integer conversions; for the
#   kernels that combine several inputs (rows, x op y) a difference in NaN
#   payloads alone is reported, not failed: which of two NaNs an addition
#   returns depends on the operand order the compiler picked, before and after.
# It then prints which configurations compute the same canonical digests as
# the first one (the kernels' promise that every instruction set computes the
# same bits; libm functions may differ between C libraries).
# Exit status 0 when every configuration matches REV.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rev=HEAD
stride=257
dense_step=61
keep=
# The clang SwiftPM builds the kernels with (qcc run), for target_clones: Debian's clang 14 drops the
# symbol of a target_clones function in C.
swift_clang=$(dirname "$(readlink -f "$(command -v swift 2>/dev/null || echo /nonexistent)")")/clang
[ -x "$swift_clang" ] || swift_clang=clang
# name|compiler|flags|runner
all_configs=(
  "gcc-avx2|gcc|-O3 -mavx2 -mfma -std=c99 -ffp-contract=off -DQCC_NO_TARGET_CLONES -DQCC_ALWAYS_FMA|"
  "gcc-avx2-ntm|gcc|-O3 -mavx2 -mfma -std=c99 -ffp-contract=off -fno-trapping-math -DQCC_NO_TARGET_CLONES -DQCC_ALWAYS_FMA|"
  "gcc-avx2-nme|gcc|-O3 -mavx2 -mfma -std=c99 -ffp-contract=off -fno-trapping-math -fno-math-errno -DQCC_NO_TARGET_CLONES -DQCC_ALWAYS_FMA|"
  "gcc-c|gcc|-O3 -std=c99 -ffp-contract=off -DQCC_NO_TARGET_CLONES -DQCC_ALWAYS_FMA|"
  "gcc-O2-clones|gcc|-O2 -std=c99 -ffp-contract=off|"
  "clang-clones|$swift_clang|-O3 -fno-math-errno -std=c99|"
  "clang-avx2|clang|-O3 -mavx2 -mfma -std=c99 -ffp-contract=off -DQCC_NO_TARGET_CLONES -DQCC_ALWAYS_FMA|"
  "a64|aarch64-linux-gnu-gcc|-O3 -march=armv8-a -static -std=c99 -ffp-contract=off -DQCC_NO_TARGET_CLONES -DQCC_ALWAYS_FMA|qemu-aarch64"
  "a64-ntm|aarch64-linux-gnu-gcc|-O3 -march=armv8-a -static -std=c99 -ffp-contract=off -fno-trapping-math -DQCC_NO_TARGET_CLONES -DQCC_ALWAYS_FMA|qemu-aarch64"
)
configs=
while [ $# -gt 0 ]; do
  case $1 in
  --rev) rev=$2; shift 2;;
  --configs) configs=$2; shift 2;;
  --stride) stride=$2; shift 2;;
  --dense-step) dense_step=$2; shift 2;;
  --keep) keep=$2; shift 2;;
  *) sed -n '2,20p' "$0"; exit 1;;
  esac
done
[ -n "$configs" ] || configs=$(for c in "${all_configs[@]}"; do printf '%s ' "${c%%|*}"; done)

work=${keep:-$(mktemp -d)}
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rev"
git -C "$root" archive "$rev" targets/runtime | tar -x -C "$work/rev"
sources="float_elementwise_unary.c float_elementwise_broadcast.c float_nn_norm.c float_nn_reduce.c float_activation.c quant_convert.c"
test_c=$root/targets/runtime/tools/float_kernels_test.c

build() { # build NAME CC FLAGS SRCDIR OUT
  local srcs=
  for s in $sources; do srcs="$srcs $4/$s"; done
  # shellcheck disable=SC2086
  $2 $3 -Wall -Wextra -Werror -I"$4/include" $srcs "$test_c" -lm -o "$5"
}

status=0
first=
for name in $configs; do
  line=
  for c in "${all_configs[@]}"; do [ "${c%%|*}" = "$name" ] && line=$c; done
  [ -n "$line" ] || { echo "unknown configuration $name"; exit 1; }
  IFS='|' read -r _ cc flags runner <<<"$line"
  build "$name" "$cc" "$flags" "$work/rev/targets/runtime" "$work/$name.rev" &
  build "$name" "$cc" "$flags" "$root/targets/runtime" "$work/$name.new" &
  wait
  args="--stride $stride --dense-step $dense_step"
  # shellcheck disable=SC2086
  { $runner "$work/$name.rev" $args >"$work/$name.rev.txt" || true; } &
  # shellcheck disable=SC2086
  { $runner "$work/$name.new" $args >"$work/$name.new.txt" || true; } &
  wait
  verdict=$(python3 - "$work/$name.rev.txt" "$work/$name.new.txt" <<'EOF'
import sys
def load(p):
    d = {}
    for line in open(p):
        f = line.split()
        if len(f) == 4 and not line.startswith(("inputs", "consistency", "note")):
            d[f[0]] = (f[1], f[2], f[3])
    return d
a, b = load(sys.argv[1]), load(sys.argv[2])
elementwise = ("unary/", "pow_scalar/", "mish", "swish/", "isnan", "isinf/", "where/", "quantize/", "dequantize/",
               "requantize/")
fail, nan_only = [], []
for k in a:
    if k not in b: fail.append(k + " missing"); continue
    if a[k][0] != b[k][0] or a[k][1] != b[k][1]: fail.append(k)
    elif a[k][2] != b[k][2]:
        (fail if k.startswith(elementwise) and not k.endswith("/8") else nan_only).append(k)
n = sum(int(v[0]) for v in a.values())
print("FAIL" if fail or not a else "ok", len(a), n, ",".join(fail[:20]) or "-", ",".join(nan_only) or "-")
EOF
)
  read -r v cases elems failed nanonly <<<"$verdict"
  notes=$(grep -c "^consistency" "$work/$name.new.txt" || true)
  echo "$name: $v ($cases cases, $elems outputs; $flags)"
  [ "$failed" = "-" ] || echo "  differ: $failed"
  [ "$nanonly" = "-" ] || echo "  NaN payloads only: $nanonly"
  [ "$notes" = 0 ] || grep "^consistency" "$work/$name.new.txt" | sed 's/^/  /'
  [ "$v" = ok ] || status=1
  if [ -z "$first" ]; then first=$name; else
    same=$(python3 - "$work/$first.new.txt" "$work/$name.new.txt" <<'EOF'
import sys
def load(p):
    return {l.split()[0]: l.split()[2] for l in open(p) if len(l.split()) == 4 and not l.startswith(("inputs", "consistency", "note"))}
a, b = load(sys.argv[1]), load(sys.argv[2])
diff = [k for k in a if b.get(k) != a[k]]
print(("%d cases, first %s" % (len(diff), ",".join(diff[:8]))) if diff else "-")
EOF
)
    if [ "$same" = "-" ]; then echo "  same canonical digests as $first"; else echo "  canonical digests differ from $first: $same"; fi
  fi
done
exit $status
