#!/usr/bin/env bash
# PNG and resize throughput of sisr (release build) next to Pillow / OpenCV / BasicSR's imresize,
# measured in the same run on the same 960x720 procedural image. Prints MB/s of raw pixels and ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product sisr >/dev/null
BIN=.build/release/sisr
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
$BIN procedural --seed 0 --first 0 --count 1 --width 960 --height 720 "$tmp"
ours=$($BIN bench-core --json --repeats 5 --width 960 --height 720)
peer=$(python3 Benchmarks/core_peer.py "$tmp/img000000.png" 5)
python3 - "$ours" "$peer" <<'PY'
import json, sys
o, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{'sisr measurement':28s} {'MB/s':>8s}   {'peer measurement':32s} {'MB/s':>8s} {'ratio':>7s}")
pairs = [("png_encode_level6_adaptive", "pillow_png_encode_level6"),
         ("png_encode_stored_up", "pillow_png_encode_level0"),
         ("png_decode_level6_adaptive", "pillow_png_decode_level6"),
         ("png_decode_level6_adaptive", "opencv_png_decode_default"),
         ("png_decode_stored_up", "pillow_png_decode_level0"),
         ("resize_down_x2", "basicsr_imresize_down_x2"),
         ("resize_down_x4", "basicsr_imresize_down_x4"),
         ("resize_down_x2", "pillow_resize_bicubic_down_x2"),
         ("resize_down_x4", "pillow_resize_bicubic_down_x4")]
for a, b in pairs:
    if a in o and b in p:
        print(f"{a:28s} {o[a]:8.1f}   {b:32s} {p[b]:8.1f} {o[a]/p[b]:7.2f}")
PY
