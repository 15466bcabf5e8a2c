#!/usr/bin/env bash
# Whole-image x4 inference of SRFBN, SAN, DRN-S and LIIF (EDSR-baseline) at the released models' sizes on
# a 240x180 input: sisr (release build) and the PyTorch CPU peer, interleaved per network, same threads.
# Usage: Benchmarks/bench_zoo_a.sh [THREADS] [REPEATS] [NETWORKS]   env SCRATCH = SwiftPM scratch path.
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${1:-2}
REPEATS=${2:-1}
NETS=${3:-srfbn_x4,san_x4,drn_s_x4,liif_edsr_x4}
SCRATCH=${SCRATCH:-.build}
swift build -c release --product sisr --scratch-path "$SCRATCH" >/dev/null
BIN="$SCRATCH/release/sisr"
echo "240x180 -> x4, $THREADS threads (sisr then PyTorch, per network)"
printf '%-14s %9s %9s %9s %12s\n' network GFLOP "sisr s" "torch s" "speed ratio"
for net in ${NETS//,/ }; do
    ours=$("$BIN" bench-models --json --threads "$THREADS" --repeats "$REPEATS" --only "$net")
    peer=$(python3 Benchmarks/zoo_a_peer.py "$THREADS" 240 180 "$REPEATS" "$net")
    python3 - "$ours" "$peer" "$net" <<'PY'
import json, sys
o, p, n = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
r = o[n]
if n in p:
    print(f"{n:14s} {r['gflop']:9.1f} {r['seconds']:9.2f} {p[n]['seconds']:9.2f} {p[n]['seconds'] / r['seconds']:12.2f}")
else:
    print(f"{n:14s} {r['gflop']:9.1f} {r['seconds']:9.2f}   (peer: {p.get('skipped', 'missing')})")
PY
done
echo "speed ratio = torch seconds / sisr seconds (> 1: sisr is faster); GFLOP counts sisr's convolutions and linear layers"
