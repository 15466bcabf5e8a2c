#!/usr/bin/env bash
# The demo zoo's trained networks (manifests/demo-training/*.yml) with `sisr train`:
#   bash Scripts/demo_zoo.sh train [sisr]   trains every network and writes its checkpoint to
#                                           manifests/demo-weights/<name>.safetensors   (make demo-zoo-train)
#   bash Scripts/demo_zoo.sh check [sisr]   trains every network in a temporary folder and checks that
#                                           each checkpoint equals the committed file byte for byte
#                                           (make demo-zoo-check)
# The training and test images are procedural (sisr procedural, seeds 1 and 0), made first in
# datasets/demo/. The L1 networks train first; the RandVGG_GAN networks then fine-tune from the
# committed L1 checkpoints (their option files name them), so `check` of a GAN network is meaningful
# only once its L1 network checks. JOBS (default 2) trainings run at once, one thread each: the bytes
# do not depend on threads or order. About 1 hour of CPU on a 2-core AVX2 machine.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?usage: demo_zoo.sh train|check [path/to/sisr]}
sisr=$(realpath "${2:-.build/release/sisr}")
jobs=${JOBS:-2}
case $mode in train|check) ;; *) echo "demo_zoo.sh: mode must be train or check, not $mode" >&2; exit 2;; esac
"$sisr" procedural --seed 1 --count 64 --width 128 --height 128 datasets/demo/train_HR
"$sisr" procedural --seed 0 --count 30 --width 128 --height 96 datasets/demo/test_HR
runs=$(mktemp -d "${TMPDIR:-/tmp}/sisr-demo-zoo-XXXXXX")
trap 'rm -rf "$runs"' EXIT
mkdir -p manifests/demo-weights
fail=0
for family in L1 RandVGG_GAN; do
  ls manifests/demo-training/*-"$family"-s1.yml | xargs -P "$jobs" -I{} sh -c '
    f={}; n=$(basename "$f" .yml); extra=""
    case $n in *RandVGG_GAN*) extra="--random-perceptual 1";; esac
    "$1" train "$f" --out "$2" --threads 1 $extra > "$2/$n.log" 2>&1 || { echo "FAIL  $n: sisr train failed (log: $2/$n.log)"; tail -3 "$2/$n.log"; exit 1; }
  ' _ "$sisr" "$runs" || fail=1
  for f in manifests/demo-training/*-"$family"-s1.yml; do
    n=$(basename "$f" .yml)
    iters=$(sed -n 's/^  total_iter: *\([0-9]*\).*/\1/p' "$f")
    out="$runs/experiments/$n/models/net_g_$iters.safetensors"
    [ -f "$out" ] || { echo "FAIL  $n: no $out"; fail=1; continue; }
    if [ "$mode" = train ]; then
      cp "$out" "manifests/demo-weights/$n.safetensors"
      echo "wrote manifests/demo-weights/$n.safetensors  $(sha256sum "$out" | cut -c1-64)"
    elif cmp -s "$out" "manifests/demo-weights/$n.safetensors"; then
      echo "OK    $n (identical to manifests/demo-weights/$n.safetensors)"
    else
      echo "FAIL  $n: differs from manifests/demo-weights/$n.safetensors"; fail=1
    fi
  done
done
exit $fail
