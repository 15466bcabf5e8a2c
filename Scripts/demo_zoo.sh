#!/usr/bin/env bash
# The demo zoo's trained networks (manifests/demo-training/*.yml) with `sisr train`:
#   bash Scripts/demo_zoo.sh train [sisr]   trains every network and writes its checkpoint to
#                                           manifests/demo-weights/<name>.safetensors   (make demo-zoo-train)
#                                           and then writes their SHA-256 table (as `hashes` does)
#   bash Scripts/demo_zoo.sh check [sisr]   trains every network in a temporary folder and checks that
#                                           each checkpoint equals the committed file byte for byte
#                                           (make demo-zoo-check)
#   bash Scripts/demo_zoo.sh hashes [FILE]  writes DemoZoo.checkpointHashes in FILE (default
#                                           Sources/DatasetBuilder/DemoZoo.swift) from the files in
#                                           manifests/demo-weights/, nothing else changed; on the committed
#                                           weights it reproduces the committed file (make demo-zoo-hashes)
# The training and test images are procedural (sisr procedural, seeds 1 and 0), made first in
# datasets/demo/. The L1 networks train first; the RandVGG_GAN networks then fine-tune from the
# committed L1 checkpoints (their option files name them), so `check` of a GAN network is meaningful
# only once its L1 network checks. JOBS (default 2) trainings run at once, one thread each: the bytes
# do not depend on threads or order. About 1 hour of CPU on a 2-core AVX2 machine.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?usage: demo_zoo.sh train|check [path/to/sisr] | hashes [DemoZoo.swift]}

# Replaces the lines between `static let checkpointHashes: [String: String] = [` and the next `    ]`
# of $1 with one `"<name>": "<sha256>",` line a file of manifests/demo-weights/ (names in C order).
write_hashes() {
  local target=$1 table tmp
  table=$(mktemp "${TMPDIR:-/tmp}/sisr-demo-hashes-XXXXXX")
  tmp="$target.tmp.$$"
  for f in $(LC_ALL=C ls manifests/demo-weights/*.safetensors); do
    printf '        "%s": "%s",\n' "$(basename "$f" .safetensors)" "$(sha256sum "$f" | cut -c1-64)"
  done > "$table"
  [ -s "$table" ] || { echo "demo_zoo.sh: no manifests/demo-weights/*.safetensors" >&2; rm -f "$table"; return 1; }
  awk -v table="$table" '
    skip && /^    \]$/ { skip = 0 }
    skip { next }
    { print }
    /static let checkpointHashes: \[String: String\] = \[$/ {
      while ((getline line < table) > 0) print line
      skip = 1; found = 1
    }
    END { if (!found || skip) exit 1 }
  ' "$target" > "$tmp" || { echo "demo_zoo.sh: no checkpointHashes table in $target" >&2; rm -f "$table" "$tmp"; return 1; }
  rm -f "$table"
  mv "$tmp" "$target"
  echo "wrote the checkpointHashes table of $target ($(ls manifests/demo-weights/*.safetensors | wc -l) checkpoints)"
}

if [ "$mode" = hashes ]; then
  write_hashes "${2:-Sources/DatasetBuilder/DemoZoo.swift}"
  exit
fi
sisr=$(realpath "${2:-.build/release/sisr}")
jobs=${JOBS:-2}
case $mode in train|check) ;; *) echo "demo_zoo.sh: mode must be train, check or hashes, not $mode" >&2; exit 2;; esac
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
if [ "$mode" = train ] && [ $fail = 0 ]; then write_hashes Sources/DatasetBuilder/DemoZoo.swift; fi
exit $fail
