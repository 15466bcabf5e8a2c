#!/usr/bin/env python3
"""PyTorch CPU peer of `sisr bench-transformer`: SwinIR (classical config: embed 180, 6x6 blocks,
6 heads, window 8, mlp 2, pixelshuffle), default random init, x4 on a 240x180 input and x2 on a
480x360 input, with the same thread count. Prints `pytorch <case> <seconds> <peak RSS GiB>` lines.

Usage: python3 Benchmarks/transformer_peer.py [--threads N] [--repeats R] [--skip-x2]
"""
import argparse
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Scripts"))
import transformer_reference as ref  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--skip-x2", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cases = [("swinir_x4_240x180", 4, 240, 180)]
    if not args.skip_x2:
        cases.append(("swinir_x2_480x360", 2, 480, 360))
    print(f"pytorch-peer: torch {torch.__version__}, threads {torch.get_num_threads()}")
    for name, scale, w, h in cases:
        model = ref.SwinIR(upscale=scale, img_size=48).eval()
        x = torch.rand(1, 3, h, w)
        best = float("inf")
        with torch.inference_mode():
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                y = ref.swinir_infer(model, x, "reflect")
                best = min(best, time.perf_counter() - t0)
        assert y.shape == (1, 3, h * scale, w * scale)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
        print(f"pytorch {name} {best:.3f} {rss:.2f}", flush=True)


if __name__ == "__main__":
    main()
