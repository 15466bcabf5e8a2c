#!/usr/bin/env bash
# Builds the built-in default release under every code path this machine can pin and checks each
# against the committed CHECKSUMS: the environment as is; OpenBLAS choosing its own kernel (both
# variables unset); OPENBLAS_CORETYPE = Prescott, Sandybridge, Haswell, SkylakeX; SISR_ISA = generic,
# avx2, avx512 (a level the CPU lacks is capped to the one it has; `sisr --version` says which ran);
# 1 and 2 threads. Usage: bash Scripts/check_reproducibility.sh [path/to/sisr]   (make repro-check)
set -uo pipefail
cd "$(dirname "$0")/.."
sisr=${1:-.build/release/sisr}
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
threads=""
run() {
  local name=$1; shift
  rm -rf "$work/r"
  if ! env "$@" "$sisr" build --out "$work/r" $threads >"$work/log" 2>&1; then
    echo "FAIL  $name: build failed"; tail -3 "$work/log"; fail=1; return
  fi
  local kernels; kernels=$(env "$@" "$sisr" --version | sed 's/.*: kernels \([a-z0-9]*\).*/\1/')
  if (cd "$work/r" && sha256sum -c --quiet "$root/CHECKSUMS" >/dev/null 2>&1); then
    echo "OK    $name (kernels $kernels)"
  else
    echo "FAIL  $name (kernels $kernels): release differs from CHECKSUMS"; fail=1
  fi
}
run "environment as is"
run "OpenBLAS variables unset" -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE
for core in Prescott Sandybridge Haswell SkylakeX; do run "OPENBLAS_CORETYPE=$core" OPENBLAS_CORETYPE=$core; done
for isa in generic avx2 avx512; do run "SISR_ISA=$isa" SISR_ISA=$isa; done
for t in 1 2; do threads="--threads $t"; run "--threads $t, OpenBLAS unset" -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE; done
exit $fail
