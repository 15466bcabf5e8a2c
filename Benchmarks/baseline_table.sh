#!/usr/bin/env bash
# The README's baseline table: test accuracy of each baseline on the built-in default release, with
# a release build. Builds the default release into a scratch folder (or uses RELEASE), runs every
# baseline of BASELINES on every protocol of PROTOCOLS, scores it with `sisr evaluate`, and prints
# one Markdown row per protocol plus each run's wall time.
#
#   bash Benchmarks/baseline_table.sh                      # attribution-demo: acutance spectral prnu-wavelet cnn
#   BASELINES="spectral cnn" bash Benchmarks/baseline_table.sh
#   PROTOCOLS="attribution-demo parsing-demo-scale" BASELINES="acutance spectral prnu-wavelet prnu-bm3d cnn" \
#       bash Benchmarks/baseline_table.sh
#
# BIN: the sisr binary (default .build/release/sisr, built with `swift build -c release` if missing).
# Extra options for the cnn baseline go in CNN_OPTIONS (e.g. "--epochs 40"). The cnn trains once per
# protocol and saves its network (--save-model); a later protocol named after it plus a suffix (the
# robustness protocols: attribution-demo-jpeg75 after attribution-demo) reuses that network (--model),
# so only its test images are predicted.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/sisr}
PROTOCOLS=${PROTOCOLS:-attribution-demo}
BASELINES=${BASELINES:-acutance spectral prnu-wavelet cnn}
CNN_OPTIONS=${CNN_OPTIONS:-}
if [ ! -x "$BIN" ]; then swift build -c release; BIN=.build/release/sisr; fi
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
RELEASE=${RELEASE:-$SCRATCH/release}
[ -f "$RELEASE/manifest.json" ] || "$BIN" build --out "$RELEASE" > /dev/null
echo "sisr: $("$BIN" --version 2>/dev/null || echo "$BIN"), release: $RELEASE"
echo
printf '| protocol |'; for b in $BASELINES; do printf ' %s |' "$b"; done; echo
printf '|---|'; for b in $BASELINES; do printf -- '---:|'; done; echo
for p in $PROTOCOLS; do
    row="| $p |"
    for b in $BASELINES; do
        case $b in
            prnu-wavelet) args=(prnu --denoiser wavelet) ;;
            prnu-bm3d) args=(prnu --denoiser bm3d) ;;
            cnn)
                read -r -a extra <<< "$CNN_OPTIONS"
                args=(cnn "${extra[@]}")
                model=""
                for t in ${CNN_TRAINED:-}; do case $p in "$t"-*) model="$SCRATCH/cnn-$t.safetensors" ;; esac; done
                if [ -n "$model" ]; then args+=(--model "$model")
                else args+=(--save-model "$SCRATCH/cnn-$p.safetensors"); CNN_TRAINED="${CNN_TRAINED:-} $p"; fi ;;
            *) args=("$b") ;;
        esac
        out="$SCRATCH/$p-$b.jsonl"
        start=$SECONDS
        "$BIN" baseline "${args[@]}" --protocol "$p" --release "$RELEASE" --out "$out" > /dev/null
        took=$((SECONDS - start))
        # The scorer's headline: "- **Accuracy: 93.8%** (45/48)".
        acc=$("$BIN" evaluate --protocol "$p" --release "$RELEASE" --predictions "$out" --out "$SCRATCH/r.json" \
            | sed -n 's/.*\*\*Accuracy: \([0-9.]*%\)\*\*.*/\1/p')
        row="$row $acc |"
        echo "$b on $p: $acc in $took s" >&2
    done
    echo "$row"
done
