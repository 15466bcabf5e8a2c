#!/usr/bin/env python3
"""Reference outputs for SRModels' classical upsamplers (Tests/DatasetBuilderTests/Fixtures/classical.json).

Independent implementations: nearest with numpy.repeat; bilinear with torch.nn.functional.interpolate
(mode="bilinear", align_corners=False) in float64; Lanczos-3 written here from the definition in
ClassicalUpsampler.swift with numpy (float64, height pass then width pass). All in 0...255 units,
then clamped and rounded half away from zero. The input is a small seeded random image (numpy default_rng(7)).
Run from the repository root: python3 Scripts/make_classical_fixtures.py
"""
import hashlib
import json
import os

import numpy as np
import torch


def quantize(v):
    """v in 0...255 units: clamp, round half away from zero (values are >= 0)."""
    return np.floor(np.clip(v, 0.0, 255.0) + 0.5).astype(np.uint8)


def lanczos_axis(n, s):
    out = n * s
    idx = np.zeros((out, 6), dtype=np.int64)
    w = np.zeros((out, 6))
    for o in range(out):
        u = (o + 0.5) / s - 0.5
        base = int(np.floor(u)) - 2
        for t in range(6):
            x = u - (base + t)
            if abs(x) < 1e-12:
                k = 1.0
            elif abs(x) >= 3:
                k = 0.0
            else:
                px = np.pi * x
                k = 3 * np.sin(px) * np.sin(px / 3) / (px * px)
            w[o, t] = k
            idx[o, t] = min(max(base + t, 0), n - 1)
        w[o] /= w[o].sum()
    return idx, w


def lanczos(img, s):
    x = img.astype(np.float64)
    h, wd, _ = x.shape
    ih, whh = lanczos_axis(h, s)
    mid = np.einsum("ot,otwc->owc", whh, x[ih])
    iw, ww = lanczos_axis(wd, s)
    out = np.einsum("ot,hotc->hoc", ww, mid[:, iw])
    return quantize(out)


def main():
    rng = np.random.default_rng(7)
    img = rng.integers(0, 256, size=(9, 13, 3), dtype=np.uint8)
    cases = []
    for s in (2, 4):
        nearest = img.repeat(s, axis=0).repeat(s, axis=1)
        t = torch.from_numpy(img.astype(np.float64)).permute(2, 0, 1)[None]
        bil = torch.nn.functional.interpolate(t, scale_factor=s, mode="bilinear", align_corners=False)
        bilinear = quantize(bil[0].permute(1, 2, 0).numpy())
        for name, out in (("nearest", nearest), ("bilinear", bilinear), ("lanczos3", lanczos(img, s))):
            cases.append({"method": name, "scale": s, "width": out.shape[1], "height": out.shape[0],
                          "pixels": out.reshape(-1).tolist(), "sha256": hashlib.sha256(out.tobytes()).hexdigest()})
    fixture = {"input": {"width": 13, "height": 9, "pixels": img.reshape(-1).tolist()}, "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "DatasetBuilderTests", "Fixtures", "classical.json")
    with open(path, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
