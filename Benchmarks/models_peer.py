#!/usr/bin/env python3
"""Peer for `sisr bench-models`: the same networks (EDSR 64x16, RCAN 10x20, RRDBNet 23 blocks, all x4,
default PyTorch init) in PyTorch on the CPU, on a 240x180 input, with the same thread count.

Usage: models_peer.py THREADS [WIDTH HEIGHT REPEATS [ONLY]]
Prints JSON {name: {"seconds": median seconds per image}}, or {"skipped": reason} without torch.
The module definitions are those of Scripts/make_model_fixtures.py (written from the published
structure), so both sides run identical layer graphs.
"""
import json
import os
import sys

try:
    import torch
except ImportError:
    print(json.dumps({"skipped": "torch is not installed"}))
    sys.exit(0)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Scripts"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_timing import time_models  # noqa: E402
import make_model_fixtures as m  # noqa: E402

threads = int(sys.argv[1])
width, height = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (240, 180)
repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 1
only = set(sys.argv[5].split(",")) if len(sys.argv) > 5 else None
torch.set_num_threads(threads)
torch.manual_seed(0)

models = {
    "edsr_64x16": lambda: m.EDSR(64, 16, 4),
    "rcan_10x20": lambda: m.RCAN(64, 10, 20, 16, 4),
    "rrdbnet_23": lambda: m.RRDBNet(4, 64, 23, 32),
}
x = torch.rand(1, 3, height, width)
print(json.dumps(time_models(models, x, repeats, only, threads)))
