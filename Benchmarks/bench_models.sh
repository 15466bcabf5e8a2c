#!/usr/bin/env bash
# Whole-image x4 inference from 240x180 of EDSR 64x16, RCAN 10x20, RRDBNet 23 blocks and SwinIR-M: sisr
# (release build) against BasicSR's modules in PyTorch CPU (channels-last), ONNX Runtime and OpenVINO
# (FP32 precision hint) on the same networks exported from PyTorch (SwinIR: PyTorch only), all at the
# same thread count. Runs are interleaved network by network (sisr, then the peers) and repeated ROUNDS
# times; each runner's best round is compared, so machine noise hits all alike. Then the GEMM kernel on
# its own (Benchmarks/gemm_kernel.c, one thread) next to OpenBLAS, as a fraction of the FP32 FMA peak.
# Installs the Python peers with pip (never done by CI).
# Usage: Benchmarks/bench_models.sh [THREADS [ROUNDS [NETWORKS]]]
#   NETWORKS: comma-separated subset of edsr_64x16,rcan_10x20,rrdbnet_23,swinir_m
#   env SCRATCH = SwiftPM scratch path (default .build), NO_PIP=1 skips the pip install,
#   TILES = Winograd output tiles sisr runs each round, interleaved (default "4"; "4 2" also times
#   F(2x2,3x3), in a column of its own), BASELINE_BIN = another sisr binary (e.g. a build of the
#   previous commit) run at F(4x4) in the same rounds, in a column of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${1:-2}
ROUNDS=${2:-2}
NETS=${3:-edsr_64x16,rcan_10x20,rrdbnet_23,swinir_m}
TILES=${TILES:-4}
SCRATCH=${SCRATCH:-.build}
[ -n "${NO_PIP:-}" ] || python3 -m pip install -q onnxruntime openvino onnx 2>/dev/null || true
swift build -c release --product sisr --scratch-path "$SCRATCH" >/dev/null
BIN="$SCRATCH/release/sisr"
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
for round in $(seq "$ROUNDS"); do
    for net in ${NETS//,/ }; do
        echo "round $round/$ROUNDS: $net" >&2
        for tile in $TILES; do
            "$BIN" bench-models --json --threads "$THREADS" --winograd-tile "$tile" --only "$net" \
                | sed "s/^/sisr$tile $round /" >>"$LOG"
        done
        if [ -n "${BASELINE_BIN:-}" ]; then
            "$BASELINE_BIN" bench-models --json --threads "$THREADS" --winograd-tile 4 --only "$net" \
                | sed "s/^/base4 $round /" >>"$LOG"
        fi
        python3 Benchmarks/models_peer.py "$THREADS" 240 180 "$net" | sed "s/^/peer $round /" >>"$LOG"
    done
done
clang -O3 -ffp-contract=off -I Sources/CSISRKernels/include Benchmarks/gemm_kernel.c \
    Sources/CSISRKernels/sgemm.c -lopenblas -lm -o "$SCRATCH/gemm_kernel"
"$SCRATCH/gemm_kernel" 5 | sed "s/^/gemm 0 /" >>"$LOG"
python3 - "$LOG" "$THREADS" "$ROUNDS" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().split("\n")
best, info, gemm = {}, {}, ""
for line in lines:
    if not line:
        continue
    kind, _, text = line.split(" ", 2)
    if kind == "gemm":
        gemm += text + "\n"
        continue
    r = json.loads(text)
    if kind.startswith(("sisr", "base")):
        info["kernels"] = r.pop("kernels"); info.setdefault("arithmetic", {})[kind] = r.pop("arithmetic")
        r.pop("conv3x3")
        runs = {name: {kind: v["seconds"]} for name, v in r.items()}
    else:
        info["versions"] = r.get("versions", info.get("versions"))
        runs = {r["network"]: {k: r[k] for k in ("torch", "onnxruntime", "openvino") if k in r}}
        for k in r:
            if k.endswith("skipped"):
                info.setdefault("skipped", set()).add(f"{k}: {r[k]}")
    for name, times in runs.items():
        for runner, s in times.items():
            b = best.setdefault(name, {})
            b[runner] = min(b.get(runner, float("inf")), s)
tiles = sorted(info.get("arithmetic", {}), key=lambda k: (k.startswith("base"), -int(k[4:])))
print(f"240x180 -> x4, {sys.argv[2]} threads, best of {sys.argv[3]} interleaved rounds; "
      f"sisr kernels {info.get('kernels')}, arithmetic {', '.join(info['arithmetic'][k] for k in tiles)}; "
      f"peers {info.get('versions')}")
for s in sorted(info.get("skipped", [])):
    print("skipped:", s)
fmt = lambda v: f"{v:.2f}" if v is not None else "-"
label = lambda k: ("baseline " if k.startswith("base") else "") + f"sisr F({k[4:]}x{k[4:]})"
print("| network | " + " | ".join(f"{label(k)} s" for k in tiles) + " | PyTorch channels-last s | ONNX Runtime s "
      "| OpenVINO FP32 s | " + " | ".join(f"{label(k)} / best of PyTorch, ORT (target <= 0.6) | "
                                        f"{label(k)} / OpenVINO (target <= 1.0)" for k in tiles) + " |")
print("| --- " * (4 + 3 * len(tiles)) + "|")
for name, b in best.items():
    peers = [b[k] for k in ("torch", "onnxruntime") if k in b]
    cells = [fmt(b.get(k)) for k in tiles] + [fmt(b.get("torch")), fmt(b.get("onnxruntime")), fmt(b.get("openvino"))]
    for k in tiles:
        s = b.get(k)
        cells += [fmt(s / min(peers) if s and peers else None), fmt(s / b["openvino"] if s and "openvino" in b else None)]
    print(f"| {name} | " + " | ".join(cells) + " |")
g = json.loads(gemm)
print(f"GEMM kernel alone, 1 thread, {g['isa']} tile {g['tile']}, peak {g['peak_gflops_per_core']} GFLOP/s per core "
      f"(2 FMA units x lanes x 2 x {g['ghz']} GHz from /proc/cpuinfo), thread CPU time, best of 5 interleaved:")
for r in g["shapes"]:
    print(f"  {r['shape']:30s} M={r['m']} K={r['k']} N={r['n']}: sisr {r['sisr_gflops']:.1f} GFLOP/s "
          f"({100 * r['sisr_peak_fraction']:.0f}% of peak), OpenBLAS {r['openblas_gflops']:.1f} "
          f"({100 * r['openblas_peak_fraction']:.0f}%), bits equal to the generic path: {r['bits_match_generic']}")
PY
