#!/usr/bin/env python3
"""Fixtures for BM3DTests: small natural-like images and the `bm3d` PyPI package's output on them.

Writes into Tests/BaselinesTests/Fixtures/bm3d/:
  <case>.png        the 8-bit input (grey or RGB)
  <case>.f32        the package's denoised image, float32 little-endian, row-major H x W (x 3)
  cases.json        one entry per case: file names, size, channels, sigma (0-255 scale), mode
                    ("channels": bm3d.bm3d; "opp": bm3d.bm3d_rgb with colorspace 'opp')
  wavelet_<case>.f32  the wavelet (PRNU) denoiser's output computed with PyWavelets + SciPy, same layout;
                      listed in wavelet_cases.json

The call is the one the paper's PRNU baseline made: `bm3d.bm3d(image_uint8, sigma)` with the default
'np' profile (single-threaded here so the fixture is reproducible). For RGB input that is the package's multichannel mode (block matching on channel 0, the
same matches reused for channels 1 and 2), not `bm3d_rgb`.

Usage: python3 Scripts/make_bm3d_fixtures.py   (needs numpy, scipy, Pillow, bm3d==4.0.3, PyWavelets)
"""
import json
import os

import bm3d
import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "BaselinesTests", "Fixtures", "bm3d")


def natural_like(h, w, channels, seed):
    """Dead-leaves discs over a smooth gradient, a little texture, uint8."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, channels))
    base = rng.uniform(60, 190, channels)
    for c in range(channels):
        img[:, :, c] = base[c] + 30 * np.sin(xx / rng.uniform(6, 14)) * np.cos(yy / rng.uniform(7, 15))
    for _ in range(40):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(2, max(h, w) / 4) * rng.uniform(0.3, 1.0)
        mask = (xx - cx) ** 2 + (yy - cy) ** 2 < r * r
        img[mask] = rng.uniform(10, 245, channels)
    img += 3 * np.sin(xx * 1.3 + yy * 0.7)[:, :, None]  # fine texture
    img = img.clip(0, 255).round().astype(np.uint8)
    return img[:, :, 0] if channels == 1 else img


def add_noise(img, sigma, seed):
    rng = np.random.default_rng(seed)
    return (img + rng.normal(0, sigma, img.shape)).clip(0, 255).round().astype(np.uint8)


def main():
    os.makedirs(OUT, exist_ok=True)
    specs = [
        # name, h, w, channels, sigma, extra noise added before denoising
        ("grey64", 64, 64, 1, 5.0, 0.0),
        ("grey40x72", 40, 72, 1, 5.0, 0.0),
        ("rgb64", 64, 64, 3, 5.0, 0.0),
        ("rgb56x40", 56, 40, 3, 5.0, 0.0),
        ("grey64_noisy20", 64, 64, 1, 20.0, 20.0),
        ("rgb48_noisy15", 48, 48, 3, 15.0, 15.0),
        # bm3d_rgb (opponent colour transform), for BM3D(colorMode: .opponent)
        ("rgb64_opp", 64, 64, 3, 5.0, 0.0),
        ("rgb48_opp_noisy15", 48, 48, 3, 15.0, 15.0),
    ]
    cases = []
    for i, (name, h, w, ch, sigma, noise) in enumerate(specs):
        img = natural_like(h, w, ch, seed=100 + i)
        if noise > 0:
            img = add_noise(img, noise, seed=200 + i)
        Image.fromarray(img, "L" if ch == 1 else "RGB").save(os.path.join(OUT, name + ".png"))
        # num_threads=1: the package's multithreaded aggregation is not bit-reproducible between runs.
        profile = bm3d.BM3DProfile()
        profile.num_threads = 1
        mode = "opp" if "_opp" in name else "channels"
        if mode == "opp":
            den = np.asarray(bm3d.bm3d_rgb(img, sigma, profile, colorspace="opp"), dtype=np.float32)
        else:
            den = np.asarray(bm3d.bm3d(img, sigma, profile), dtype=np.float32)
        assert den.shape == img.shape, (den.shape, img.shape)
        den.astype("<f4").tofile(os.path.join(OUT, name + ".f32"))
        diff = den.astype(np.float64) - img
        cases.append({
            "name": name, "png": name + ".png", "output": name + ".f32", "width": w, "height": h,
            "channels": ch, "sigma": sigma, "mode": mode,
            # PSNR of the untouched input against the package output: how far an identity "denoiser"
            # would land, so the test's 40 dB threshold can be read against it.
            "identity_psnr": float(10 * np.log10(255 ** 2 / np.mean(diff ** 2))),
        })
        print(name, img.shape, "identity PSNR %.2f dB" % cases[-1]["identity_psnr"])
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"generator": "Scripts/make_bm3d_fixtures.py", "bm3d_version": bm3d.__version__
                   if hasattr(bm3d, "__version__") else "4.0.3", "cases": cases}, f, indent=1)


def wavelet_denoise(img, sigma, levels=4):
    """Reference for WaveletDenoiser: symmetric pad to a multiple of 2^levels, pywt db4 periodization
    wavedec2, local Wiener shrinkage of every detail subband with windows 3,5,7,9 (zero-padded means),
    waverec2, crop. Float64 throughout."""
    import pywt
    from scipy.ndimage import uniform_filter
    h, w = img.shape
    m = 2 ** levels
    x = np.pad(img.astype(np.float64), ((0, -h % m), (0, -w % m)), mode="symmetric")
    coeffs = pywt.wavedec2(x, "db4", mode="periodization", level=levels)
    s2 = sigma * sigma
    out = [coeffs[0]]
    for details in coeffs[1:]:
        shrunk = []
        for c in details:
            var = np.full(c.shape, np.inf)
            for win in (3, 5, 7, 9):
                var = np.minimum(var, np.maximum(0, uniform_filter(c * c, size=win, mode="constant") - s2))
            shrunk.append(c * var / (var + s2))
        out.append(tuple(shrunk))
    return pywt.waverec2(out, "db4", mode="periodization")[:h, :w]


def wavelet_cases():
    specs = [("grey50x70", 50, 70, 1, 5.0, 0.0), ("rgb48x64_noisy10", 48, 64, 3, 10.0, 10.0)]
    cases = []
    for i, (name, h, w, ch, sigma, noise) in enumerate(specs):
        img = natural_like(h, w, ch, seed=300 + i)
        if noise > 0:
            img = add_noise(img, noise, seed=400 + i)
        Image.fromarray(img, "L" if ch == 1 else "RGB").save(os.path.join(OUT, "wavelet_" + name + ".png"))
        planes = img[:, :, None] if ch == 1 else img
        den = np.stack([wavelet_denoise(planes[:, :, c], sigma) for c in range(ch)], axis=-1)
        den = den[:, :, 0] if ch == 1 else den
        den.astype("<f4").tofile(os.path.join(OUT, "wavelet_" + name + ".f32"))
        cases.append({"name": name, "png": "wavelet_" + name + ".png", "output": "wavelet_" + name + ".f32",
                      "width": w, "height": h, "channels": ch, "sigma": sigma,
                      "identity_psnr": float(10 * np.log10(255 ** 2 / np.mean((den - img) ** 2)))})
        print("wavelet", name, "identity PSNR %.2f dB" % cases[-1]["identity_psnr"])
    with open(os.path.join(OUT, "wavelet_cases.json"), "w") as f:
        json.dump({"generator": "Scripts/make_bm3d_fixtures.py", "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main()
    wavelet_cases()
