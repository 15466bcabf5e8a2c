#!/usr/bin/env bash
# make test-training: installs BasicSR 1.4.2 (and torch, if missing) from PyPI into a venv that sees the
# system packages, builds sisr, and runs Scripts/training_smoke.py (not part of CI).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${SISR_TRAINING_VENV:-.build-training-venv}
WORK=${SISR_TRAINING_WORK:-/tmp/sisr-training-smoke}
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv --system-site-packages "$VENV"; fi
"$VENV/bin/python" -c "import torch, torchvision" 2>/dev/null || "$VENV/bin/pip" install torch torchvision
"$VENV/bin/python" -c "import basicsr" 2>/dev/null || "$VENV/bin/pip" install basicsr==1.4.2
swift build
"$VENV/bin/python" Scripts/training_smoke.py --sisr .build/debug/sisr --work "$WORK" "$@"
