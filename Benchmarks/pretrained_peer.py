#!/usr/bin/env python3
"""PyTorch peer of `sisr bench-models --only prosr,enhancenet,spsr,ncsr`: the reference modules of
Scripts/make_prosr_spsr_enhancenet_fixtures.py and Scripts/make_ncsr_fixtures.py at the published sizes
(ProSR-L x4, EnhanceNet 64x10 (as a PyTorch graph), SPSR nf 64 nb 23, NCSR K 16 L 3 nf 64 nb 23),
default or perturbed random weights, whole-image x4 inference on one input, same thread count.

Usage: pretrained_peer.py THREADS WIDTH HEIGHT NAME   -> JSON {NAME: {"seconds": s}} or {"skipped": why}
"""
import json
import os
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print(json.dumps({"skipped": "torch is not installed"}))
    sys.exit(0)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Scripts"))
import make_ncsr_fixtures as nc  # noqa: E402
import make_prosr_spsr_enhancenet_fixtures as fx  # noqa: E402

threads, width, height, name = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
torch.set_num_threads(threads)
torch.manual_seed(0)


class EnhanceNet(nn.Module):
    """EnhanceNet's generator as a PyTorch graph (zero 'SAME' padding, nearest x2 upsampling)."""

    def __init__(self, n=64, blocks=10):
        super().__init__()
        self.first = nn.Conv2d(3, n, 3, 1, 1)
        self.blocks = nn.ModuleList(nn.Sequential(nn.Conv2d(n, n, 3, 1, 1), nn.ReLU(), nn.Conv2d(n, n, 3, 1, 1)) for _ in range(blocks))
        self.ups = nn.ModuleList(nn.Conv2d(n, n, 3, 1, 1) for _ in range(2))
        self.pen, self.last = nn.Conv2d(n, n, 3, 1, 1), nn.Conv2d(n, 3, 3, 1, 1)

    def forward(self, x):
        h = F.relu(self.first(x))
        for b in self.blocks:
            h = b(h) + h
        for u in self.ups:
            h = F.relu(u(F.interpolate(h, scale_factor=2, mode="nearest")))
        return self.last(F.relu(self.pen(h))) + F.interpolate(x, scale_factor=4, mode="bicubic")


def make(name):
    if name == "prosr":
        G = dict(num_init_features=160, growth_rate=40, bn_size=4, ps_woReLU=False, level_config=[[8] * 9, [8] * 3, [8]],
                 res_factor=0.2, max_num_feature=312, max_scale=8)
        net = fx.ProSR(**G)
        return lambda x: net(x, 4) + F.interpolate(x, scale_factor=4, mode="bicubic")
    if name == "enhancenet":
        return EnhanceNet()
    if name == "spsr":
        return lambda x: spsr(x)[1]
    if name == "ncsr":
        cfg = dict(nc.CFG, nf=64, nb=23, gc=32, K=16, additionalFlowNoAffine=2, hidden_channels=64, stackRRDB_blocks=[1, 8, 15, 22])
        net = nc.NCSR(cfg, torch.Generator().manual_seed(0))

        def run(x):
            h, w = x.shape[2:]
            noise = {"z": 0.9 * torch.randn(1, 48, h // 2, w // 2), "split2": 0.9 * torch.randn(1, 12, h, w),
                     "split1": 0.9 * torch.randn(1, 6, 2 * h, 2 * w)}
            return net.sample(x, noise)
        return run
    raise SystemExit("unknown network " + name)


spsr = fx.SPSR(nf=64, nb=23, gc=32, taps=[5, 10, 15, 20]).eval() if name == "spsr" else None
net = make(name)
x = torch.rand(1, 3, height, width)
with torch.inference_mode():
    net(torch.rand(1, 3, 16, 16))
    t = time.perf_counter()
    net(x)
    seconds = time.perf_counter() - t
print(json.dumps({"torch": torch.__version__, name: {"seconds": seconds}}))
