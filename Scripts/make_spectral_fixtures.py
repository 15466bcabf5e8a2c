#!/usr/bin/env python3
"""Spectral fixtures for Tests/BaselinesTests (SpectralTests): numpy.fft.fft2 of small grey images of
odd and even sizes, and the spectral feature vector of Sources/Baselines/Spectral/SpectralFeatures.swift
recomputed independently with NumPy. Writes Tests/BaselinesTests/Fixtures/spectral/. Needs numpy,
Pillow (PyPI). Deterministic (fixed seed).
"""
import json
import pathlib

import numpy as np
from PIL import Image, ImageOps

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/BaselinesTests/Fixtures/spectral"
PEAKS = [(0, 0.25), (0, 0.5), (0.25, 0), (0.5, 0), (0.25, 0.25), (0.25, -0.25), (0.25, 0.5), (0.5, 0.5)]


def features(rgb, bins=32):
    grey = np.array(ImageOps.grayscale(Image.fromarray(rgb, mode="RGB"))).astype(np.float64)
    h, w = grey.shape
    L = np.log1p(np.abs(np.fft.fft2(grey - grey.mean())))
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.fftfreq(w)[None, :]
    r = np.sqrt(fy ** 2 + fx ** 2)
    mask = (r <= 0.5) & (r > 0)
    b = np.minimum((r / 0.5 * bins).astype(int), bins - 1)
    rings = [L[mask & (b == i)].mean() if (mask & (b == i)).any() else 0.0 for i in range(bins)]
    vals, prom = [], []
    for py, px in PEAKS:
        ky, kx = int(np.floor(py * h + 0.5)) % h, int(np.floor(px * w + 0.5)) % w  # half up
        v = L[ky, kx]
        nb = [L[(ky + dy) % h, (kx + dx) % w] for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx]
        vals.append(v)
        prom.append(v - np.mean(nb))
    return [float(x) for x in rings + vals + prom]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    records = []
    for name, (h, w) in [("rand_13x10", (10, 13)), ("rand_16x16", (16, 16)), ("rand_20x24", (24, 20))]:
        rgb = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
        # A period-2 pattern on half the pixels gives peaks at 1/2 like a x2 upsampler.
        rgb[::2, ::2] = (rgb[::2, ::2] // 2 + 100).astype(np.uint8)
        Image.fromarray(rgb, mode="RGB").save(OUT / f"{name}.png")
        grey = np.array(ImageOps.grayscale(Image.fromarray(rgb, mode="RGB"))).astype(np.float64)
        F = np.fft.fft2(grey)
        records.append({"name": name, "width": w, "height": h,
                        "re": F.real.ravel().tolist(), "im": F.imag.ravel().tolist(),
                        "features": features(rgb)})
    (OUT / "spectral.json").write_text(json.dumps({
        "generator": "Scripts/make_spectral_fixtures.py", "numpy": np.__version__, "images": records}) + "\n")


if __name__ == "__main__":
    main()
