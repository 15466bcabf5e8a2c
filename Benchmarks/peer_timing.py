"""Shared timing loop of the PyTorch benchmark peers (models_peer.py, zoo_a_peer.py)."""
import statistics
import time

import torch


def time_models(models, x, repeats, only=None, threads=None):
    """{name: {"seconds": median}} for each `make()` in `models` (name -> constructor), after a warm-up."""
    res = {"torch": torch.__version__, "threads": threads}
    with torch.inference_mode():
        for name, make in models.items():
            if only and name not in only:
                continue
            net = make().eval()
            net(torch.rand(1, 3, 16, 16))  # warm-up
            ts = []
            for _ in range(repeats):
                t = time.perf_counter()
                net(x)
                ts.append(time.perf_counter() - t)
            res[name] = {"seconds": statistics.median(ts)}
    return res
