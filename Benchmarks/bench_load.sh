#!/usr/bin/env bash
# Loader benchmark: cold first pass over full-size images, sisr next to its Python bindings and the
# PyTorch-style peers, interleaved in one run; prints images/s, peak RSS and the ratios.
#
#   Benchmarks/bench_load.sh [WORKDIR]          (ROUNDS=1 COUNT=200 by default; NO_BUILD=1 skips the build)
#
# Release: 4 classical upsamplers (quick to build) x COUNT procedural 960x720 images (the paper's
# photo size), built by `sisr build` (format 3: one zstd frame per band of 32 rows), and the same
# pixels repacked as format 2 (one frame per sample, Benchmarks/repack_format2.py) and that as
# format 1 (one frame per shard, Benchmarks/repack_format1.py) to compare layouts.
# Every run: split train, random 224 crops, batch 32, float32 NCHW, one epoch (a first pass: sisr
# keeps no decompressed data between runs), twice: "cold" with the files it reads dropped from the
# page cache first (posix_fadvise DONTNEED; the disk is then the limit for everyone) and "warm" with
# the files in the page cache (the CPU cost of a first pass, as with fast local storage).
#   sisr-2t / sisr-1t : `sisr load-bench` with 2 / 1 decoding threads (format 3, no shard cache; the
#                       default verification: XXH64 of every frame read, the sample's layout)
#   sisr-sha256       : `sisr load-bench --verify-sha256`, 2 threads (also SHA-256 of all of each sample's frames)
#   sisr-noverify     : `sisr load-bench --no-verify`, 2 threads
#   sisr-format2      : `sisr load-bench`, 2 threads, format-2 copy (one frame per sample, decompressed
#                       down to the patch's last row, SHA-256 of the frame)
#   sisr-format1      : `sisr load-bench`, 2 threads, format-1 copy (whole shards decompressed into the cache)
#   sisr-numpy        : python sisr_loader.Loader, 2 threads
#   sisr-torch        : SISRIterableDataset under a DataLoader with 2 workers (1 thread each; batches
#                       decoded into shared memory, passed without a copy)
#   pillow            : Pillow + DataLoader (2 workers) over the images as ordinary PNG files
#   webdataset        : webdataset over the same shards (`pipe:zstd -dcq`), 2 workers
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-${TMPDIR:-/tmp}/sisr-bench-load}
ROUNDS=${ROUNDS:-1}
COUNT=${COUNT:-200}
SCRATCH=${SCRATCH:-.build-loader-release}  # the release build's --scratch-path
if [ -z "${NO_BUILD:-}" ]; then  # NO_BUILD=1: use the binaries already in $SCRATCH
    swift build -c release --scratch-path "$SCRATCH" --product sisr >/dev/null
    swift build -c release --scratch-path "$SCRATCH" --product SISRLoaderC >/dev/null
fi
SISR="$SCRATCH/release/sisr"
export SISR_LOADER_LIB="$PWD/$SCRATCH/release/libSISRLoaderC.so"
MODELS=Nearest-NA-x2-NA-NA,Bilinear-NA-x2-NA-NA,Bicubic-NA-x4-NA-NA,Lanczos3-NA-x4-NA-NA
REL="$WORK/release-960x720-$COUNT"
mkdir -p "$WORK"
[ -f "$REL/manifest.json" ] || "$SISR" build --out "$REL" --models "$MODELS" --count "$COUNT" --size 960x720 >/dev/null
[ -f "$REL-format2/manifest.json" ] || python3 Benchmarks/repack_format2.py "$REL" "$REL-format2"
[ -f "$REL-format1/manifest.json" ] || python3 Benchmarks/repack_format1.py "$REL-format2" "$REL-format1"
[ -d "$REL-png" ] || python3 Benchmarks/load_peer.py prepare "$REL" "$REL-png"
du -sb "$REL/shards" "$REL-format2/shards" "$REL-format1/shards" "$REL-png" | sed 's/^/size (bytes): /'

COMMON=(--split train --patch 224 --batch 32)
LOG="$WORK/results.txt"
: >"$LOG"
: >"$WORK/runs.log"
ours() {  # name release threads cold|warm [load-bench flags...]
    local name=$1 release=$2 threads=$3 mode=$4; shift 4
    local flag=("$@"); [ "$mode" = cold ] && flag+=(--cold)
    "$SISR" load-bench "$release" "${COMMON[@]}" --threads "$threads" --epochs 1 "${flag[@]}" | tee -a "$WORK/runs.log" \
        | sed -n "s/^epoch 0: \([0-9]*\) images.* \([0-9.]*\) images\/s.*(CPU \([0-9.]*\) s), peak RSS \([0-9]*\) MB/peer=$name-$mode images=\1 images_per_s=\2 cpu_s=\3 peak_rss_mb=\4/p" >>"$LOG"
}
peer() {  # name cold|warm args...
    local name=$1 mode=$2; shift 2
    local flag=(); [ "$mode" = cold ] && flag=(--cold)
    python3 Benchmarks/load_peer.py run "$@" "${COMMON[@]}" "${flag[@]}" | tee -a "$WORK/runs.log" \
        | sed "s/^peer=[^ ]*/peer=$name-$mode/" >>"$LOG"
}
for round in $(seq 1 "$ROUNDS"); do
    for mode in cold warm; do
        echo "== round $round, $mode" >&2
        ours sisr-2t "$REL" 2 $mode
        peer pillow $mode pillow "$REL" --files "$REL-png" --workers 2
        ours sisr-1t "$REL" 1 $mode
        peer webdataset $mode webdataset "$REL" --workers 2
        ours sisr-format2 "$REL-format2" 2 $mode
        peer sisr-numpy $mode sisr-numpy "$REL" --threads 2
        ours sisr-format1 "$REL-format1" 2 $mode
        peer sisr-torch $mode sisr-torch "$REL" --workers 2
        ours sisr-sha256 "$REL" 2 $mode --verify-sha256
        ours sisr-noverify "$REL" 2 $mode --no-verify
    done
done
python3 - "$LOG" <<'PY'
# Wall-clock images/s, and images per CPU-second (user + system of the process and its workers):
# on a shared machine the second is the steadier measure of what each loader costs.
import re, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    m = re.search(r"peer=(\S+) .*?images=(\d+).*images_per_s=([\d.]+) cpu_s=([\d.]+).*peak_rss_mb=(\d+)", line)
    if m:
        runs.setdefault(m[1], []).append((float(m[3]), int(m[2]) / max(float(m[4]), 1e-9), int(m[5])))
med = {k: statistics.median(r for r, _, _ in v) for k, v in runs.items()}
eff = {k: statistics.median(e for _, e, _ in v) for k, v in runs.items()}
for k, v in runs.items():
    print(f"{k:18s} {med[k]:7.1f} images/s {eff[k]:7.1f} images/CPU-s {1000 / eff[k]:6.2f} CPU-ms/image "
          f"(runs: {', '.join(f'{r:.0f}' for r, _, _ in v)}), peak RSS {max(m for _, _, m in v)} MB")
def ratio(a, b):
    if a in med and b in med:
        print(f"ratio {a} / {b}: {med[a] / med[b]:.2f} wall, {eff[a] / eff[b]:.2f} per CPU-second")
for mode in ("cold", "warm"):
    for peer in ("pillow", "webdataset", "sisr-format2", "sisr-format1"):
        ratio(f"sisr-2t-{mode}", f"{peer}-{mode}")
    for peer in ("pillow", "webdataset"):
        ratio(f"sisr-sha256-{mode}", f"{peer}-{mode}")
    for peer in ("pillow", "webdataset"):
        ratio(f"sisr-noverify-{mode}", f"{peer}-{mode}")
    ratio(f"sisr-2t-{mode}", f"sisr-noverify-{mode}")
    ratio(f"sisr-2t-{mode}", f"sisr-1t-{mode}")
    ratio(f"sisr-numpy-{mode}", f"sisr-2t-{mode}")
    ratio(f"sisr-torch-{mode}", f"sisr-2t-{mode}")
PY
