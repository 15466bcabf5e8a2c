#!/usr/bin/env bash
# Whole-image x4 inference of EDSR 64x16, RCAN 10x20 and RRDBNet 23 blocks on a 240x180 input:
# sisr (release build) next to PyTorch CPU with the same networks and thread count, in one run.
# Usage: Benchmarks/bench_models.sh [THREADS] [REPEATS]
#   env SCRATCH = SwiftPM scratch path (default .build); IM2COL=1 disables the Winograd 3x3 path.
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${1:-2}
REPEATS=${2:-1}
SCRATCH=${SCRATCH:-.build}
swift build -c release --product sisr --scratch-path "$SCRATCH" >/dev/null
BIN="$SCRATCH/release/sisr"
ours=$("$BIN" bench-models --json --threads "$THREADS" --repeats "$REPEATS" ${IM2COL:+--im2col})
peer=$(python3 Benchmarks/models_peer.py "$THREADS" 240 180 "$REPEATS")
python3 - "$ours" "$peer" "$THREADS" <<'PY'
import json, sys
o, p, t = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
print(f"240x180 -> x4, {t} threads; sisr: OpenBLAS core {o.pop('blas_core')}, 3x3 conv {o.pop('conv3x3')}; peer: PyTorch {p.get('torch', '-')} CPU")
if "skipped" in p:
    print(f"PyTorch peer skipped: {p['skipped']}")
print(f"{'network':12s} {'GFLOP':>8s} {'sisr s':>9s} {'sisr GFLOP/s':>13s} {'torch s':>9s} {'torch GFLOP/s':>14s} {'speed ratio':>12s}")
for name, r in o.items():
    line = f"{name:12s} {r['gflop']:8.1f} {r['seconds']:9.2f} {r['gflops']:13.1f}"
    if name in p:
        ps = p[name]["seconds"]
        line += f" {ps:9.2f} {r['gflop'] / ps:14.1f} {ps / r['seconds']:12.2f}"
    print(line)
print("speed ratio = torch seconds / sisr seconds (> 1: sisr is faster)")
PY
