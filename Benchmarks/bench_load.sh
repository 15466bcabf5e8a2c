#!/usr/bin/env bash
# Loader benchmark: `sisr load-bench` (release build) next to the PyTorch-style peers of load_peer.py,
# on the same shards, in the same run; prints images/s and the ratios.
#
#   Benchmarks/bench_load.sh [WORKDIR]
#
# Releases benchmarked:
#   default : the built-in default release (`sisr build`, 128x96 procedural images). Those images are
#             smaller than a 224 patch, so this one runs with 64-pixel patches.
#   large   : the same demo zoo over 960x720 procedural images (the paper's photo size), 224 patches.
# Both use batch 32, 2 decoding threads for sisr and 2 DataLoader workers for the peers, 2 epochs
# (epoch 0 includes reading and decompressing the shards; later epochs reuse sisr's shard cache).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-${TMPDIR:-/tmp}/sisr-bench-load}
SCRATCH=.build-loader-release
swift build -c release --scratch-path "$SCRATCH" --product sisr >/dev/null
SISR="$SCRATCH/release/sisr"
mkdir -p "$WORK"
[ -f "$WORK/default/manifest.json" ] || "$SISR" build --out "$WORK/default" >/dev/null
[ -f "$WORK/large/manifest.json" ] || "$SISR" build --out "$WORK/large" --count 40 --size 960x720 >/dev/null

bench() {  # name release patch
    local name=$1 rel=$2 patch=$3
    echo "== $name release ($rel), patch $patch, batch 32"
    local ours peer
    ours=$("$SISR" load-bench "$rel" --split train --patch "$patch" --batch 32 --threads 2 --epochs 2)
    echo "$ours"
    peer=$(python3 Benchmarks/load_peer.py "$rel" --split train --patch "$patch" --batch 32 --workers 2 --epochs 2)
    echo "$peer"
    python3 - "$ours" "$peer" <<'PY'
import re, sys
ours = {int(e): float(r) for e, r in re.findall(r"epoch (\d+): .*?([\d.]+) images/s", sys.argv[1])}
peers = {}
for name, e, r in re.findall(r"peer=(\w+) epoch=(\d+) .*images_per_s=([\d.]+)", sys.argv[2]):
    peers.setdefault(name, {})[int(e)] = float(r)
for name, by_epoch in peers.items():
    for e, r in sorted(by_epoch.items()):
        print(f"ratio sisr/{name} epoch {e}: {ours[e] / r:.1f}x ({ours[e]:.0f} vs {r:.0f} images/s)")
PY
}
bench default "$WORK/default" 64
bench large "$WORK/large" 224
