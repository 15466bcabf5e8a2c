#!/usr/bin/env python3
"""PyTorch CPU peer for `sisr bench-models --only srfbn_x4,san_x4,drn_s_x4,liif_edsr_x4`: SRFBN (64
features, 4 steps, 6 groups), SAN (20x10x64), DRN-S (30 blocks, 16 features) and LIIF (EDSR-baseline
64x16, MLP 256x4), all x4, default init, on a WIDTHxHEIGHT input with the same thread count.

The modules are those of Scripts/make_zoo_a_fixtures.py (written from the official descriptions), with
one change: SAN's covariance pooling uses the centred form instead of the official M x M centring
matrix (M = H*W; 7.5 GB at 240x180), the value sisr computes.
Usage: zoo_a_peer.py THREADS [WIDTH HEIGHT REPEATS [ONLY]]
Prints JSON {name: {"seconds": median}}, or {"skipped": reason} without torch.
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
import make_zoo_a_fixtures as z  # noqa: E402


def centred_covpool(x):
    b, c, h, w = x.shape
    x = x.reshape(b, c, h * w)
    x = x - x.mean(dim=2, keepdim=True)
    return x.bmm(x.transpose(1, 2)) / (h * w)


z.covpool = centred_covpool
threads = int(sys.argv[1])
width, height = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (240, 180)
repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 1
only = set(sys.argv[5].split(",")) if len(sys.argv) > 5 else None
torch.set_num_threads(threads)
torch.manual_seed(0)


def liif():
    m = z.LIIF(z.EDSRBaseline(16, 64), [256] * 4)
    m.scale = 4
    return m


models = {
    "srfbn_x4": lambda: z.SRFBN(64, 4, 6, 4, None),
    "san_x4": lambda: z.SAN(64, 20, 10, 16, 4, None),
    "drn_s_x4": lambda: z.DRN(16, 30, 4, None),
    "liif_edsr_x4": liif,
}
x = torch.rand(1, 3, height, width)
print(json.dumps(time_models(models, x, repeats, only, threads)))
