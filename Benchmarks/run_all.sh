#!/usr/bin/env bash
# Every benchmark of the project, one after the other, each printing sisr next to its peers from the
# same run (see README "Benchmarks"). Peers (PyTorch, ONNX Runtime, OpenVINO, Pillow, webdataset) are
# installed from PyPI by the scripts that need them; nothing here runs in CI.
#   make bench          (or: bash Benchmarks/run_all.sh [THREADS])
set -uo pipefail
cd "$(dirname "$0")/.."
THREADS=${1:-2}
status=0
for step in "bench_core.sh" "bench_models.sh $THREADS" "bench_load.sh"; do
  echo "=== Benchmarks/$step"
  bash Benchmarks/$step || { echo "=== Benchmarks/$step FAILED"; status=1; }
done
if [ -x .build/release/sisr ]; then
  echo "=== sisr bench-transformer --threads $THREADS --peer Benchmarks/transformer_peer.py"
  .build/release/sisr bench-transformer --threads "$THREADS" --peer Benchmarks/transformer_peer.py || status=1
fi
exit $status
