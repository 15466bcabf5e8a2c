#!/usr/bin/env bash
# Installs what building and testing need on Debian/Ubuntu: the five C libraries' -dev packages
# (libpng, libzstd, OpenBLAS, libarchive, libjpeg-turbo's TurboJPEG) and pkg-config. As root it runs apt-get itself; otherwise it
# prints the exact command and stops. Swift 6 itself must already be on PATH (swift.org toolchain).
set -euo pipefail
need=()
for pair in libpng:libpng-dev libzstd:libzstd-dev openblas:libopenblas-dev libarchive:libarchive-dev libturbojpeg:libturbojpeg0-dev; do
  pc=${pair%%:*}; pkg=${pair##*:}
  if ! pkg-config --exists "$pc" 2>/dev/null; then need+=("$pkg"); fi
done
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v zstd >/dev/null 2>&1 || need+=(zstd)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "setup: missing packages; run:  sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi
if ! command -v swift >/dev/null 2>&1; then
  echo "setup: Swift 6 is not on PATH; install a Swift 6.x toolchain from swift.org first" >&2
  exit 1
fi
