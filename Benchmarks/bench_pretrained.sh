#!/usr/bin/env bash
# Whole-image x4 inference of the paper-size ProSR, EnhanceNet, SPSR and NCSR networks (random weights):
# sisr (release) and the PyTorch reference modules, interleaved network by network, same thread count.
# Usage: Benchmarks/bench_pretrained.sh [THREADS] [WIDTH HEIGHT] [NETWORKS]
#   defaults: 2 threads, 240x180, "prosr enhancenet spsr ncsr"; env SCRATCH = SwiftPM scratch path.
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${1:-2}
WIDTH=${2:-240}
HEIGHT=${3:-180}
NETS=${4:-prosr enhancenet spsr ncsr}
SCRATCH=${SCRATCH:-.build}
swift build -c release --product sisr --scratch-path "$SCRATCH" >/dev/null
BIN="$SCRATCH/release/sisr"
echo "${WIDTH}x${HEIGHT} -> x4, $THREADS threads; ratio = torch seconds / sisr seconds (> 1: sisr is faster)"
printf '%-11s %9s %12s %9s %8s\n' network "sisr s" "sisr GFLOP/s" "torch s" ratio
for net in $NETS; do
    ours=$("$BIN" bench-models --json --threads "$THREADS" --width "$WIDTH" --height "$HEIGHT" --only "$net")
    peer=$(python3 Benchmarks/pretrained_peer.py "$THREADS" "$WIDTH" "$HEIGHT" "$net")
    python3 - "$ours" "$peer" "$net" <<'PY'
import json, sys
o, p, n = json.loads(sys.argv[1])[sys.argv[3]], json.loads(sys.argv[2]), sys.argv[3]
if n not in p:
    print(f"{n:11s} {o['seconds']:9.2f} {o['gflops']:12.1f}   peer skipped: {p.get('skipped')}")
else:
    print(f"{n:11s} {o['seconds']:9.2f} {o['gflops']:12.1f} {p[n]['seconds']:9.2f} {p[n]['seconds'] / o['seconds']:8.2f}")
PY
done
