#!/bin/sh
# The C target for this machine: x86-avx2 on x86-64 CPUs with AVX2 and FMA,
# arm-neon on AArch64, else portable c.
case $(uname -m) in
  x86_64|amd64)
    if grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo 2>/dev/null; then echo x86-avx2; else echo c; fi ;;
  aarch64|arm64) echo arm-neon ;;
  *) echo c ;;
esac
