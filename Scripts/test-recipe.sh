#!/usr/bin/env bash
# make test-recipe: the paper's ConvNeXt recipe (python -m sisr_loader.train) for a few steps on CPU on
# the built-in default release, scored by `sisr evaluate` (Tests/python-torch). Not part of CI: it
# needs torch and torchvision, installed from PyPI into a venv that sees the system packages when the
# system Python lacks them. Without torch the test reports itself skipped, with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=python3
if ! python3 -c "import torch, torchvision" 2>/dev/null; then
  VENV=${SISR_RECIPE_VENV:-.build-recipe-venv}
  if [ ! -x "$VENV/bin/python" ]; then python3 -m venv --system-site-packages "$VENV"; fi
  "$VENV/bin/python" -c "import torch, torchvision" 2>/dev/null || "$VENV/bin/pip" install torch torchvision
  PY="$VENV/bin/python"
fi
"$PY" -m pip install --quiet --disable-pip-version-check numpy pytest Pillow 2>&1 | grep -v "Running pip as the 'root'" || true
export SISR_LOADER_LIB="${SISR_LOADER_LIB:-$PWD/.build/debug/libSISRLoaderC.so}"
export SISR_BIN="${SISR_BIN:-$PWD/.build/debug/sisr}"
"$PY" -m pytest -q -rs Tests/python-torch "$@"
