#!/usr/bin/env bash
# Runs the Python package's tests against the debug build of libSISRLoaderC. Skips (exit 0, with a
# message) when python3 is absent or there are no Python tests yet; installs numpy and pytest from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v python3 >/dev/null 2>&1; then echo "python tests: python3 not found, skipped"; exit 0; fi
if [ ! -d Tests/python ] || [ -z "$(ls Tests/python/test_*.py 2>/dev/null)" ]; then
  echo "python tests: none yet, skipped"; exit 0
fi
python3 -m pip install --quiet --disable-pip-version-check numpy pytest 2>&1 | grep -v "Running pip as the 'root'" || true
python3 -m pip install --quiet --disable-pip-version-check ./python 2>&1 | grep -v "Running pip as the 'root'" || true
export SISR_LOADER_LIB="${SISR_LOADER_LIB:-$PWD/.build/debug/libSISRLoaderC.so}"
export SISR_BIN="${SISR_BIN:-$PWD/.build/debug/sisr}"
python3 -m pytest -q Tests/python
